"""Which line of a post each formula came from, for messages about them.

Formulas reach the math stage as HTML, after every dialect's rules have run, so their lines
are found again in the source: each formula is looked for after the previous one, by its
first line of TeX (a line says more than a short formula, which could be any letter of the
prose), or, when that is short, with the delimiters it may have been written with. A
caption's TeX is found too in a YAML string, where backslashes are doubled. This is only
done for formulas MathJax complained about, so it costs nothing on a clean build.
"""

from __future__ import annotations

from collections.abc import Sequence

_PAIRS = (("\\(", "\\)"), ("\\[", "\\]"))


def _inner(text: str) -> str:
    """The TeX without the delimiters the HTML carries (``\\(``, ``\\[``)."""
    stripped = text.strip()
    for opening, closing in _PAIRS:
        if stripped.startswith(opening) and stripped.endswith(closing):
            return stripped[len(opening):-len(closing)]
    return stripped


def _candidates(text: str) -> list[str]:
    inner = _inner(text).strip()
    first = next((line.strip() for line in inner.splitlines() if line.strip()), "")
    found = [first] if len(first) >= 6 else []
    found += [f"${inner}$", f"\\({inner}\\)", f"$${inner}$$", f"\\[{inner}\\]"]
    if len(first) >= 3:
        found.append(first)
    return found + [c.replace("\\", "\\\\") for c in found if "\\" in c]


def formula_lines(source: str, texts: Sequence[str], first_line: int = 1) -> list[int]:
    """The line (1-based, in ``source``) of each formula, in page order; a formula that
    can't be found is given the line of the one before it (or ``first_line``)."""
    lines, position, line = [], 0, first_line
    for text in texts:
        places = [source.find(candidate, position) for candidate in _candidates(text)]
        places = [place for place in places if place >= 0]
        if places:
            place = min(places)
            line = source.count("\n", 0, place) + 1
            position = place + 1
        lines.append(line)
    return lines
