"""Math in a page's HTML: finding the elements the browser's MathJax would typeset, and
putting typeset ones in their place.

Every source of math writes the same markup: ``<span class="math">\\(...\\)</span>``,
``<span class="math display">\\[...\\]</span>`` or ``<div class="math">...</div>`` (more classes
may follow "math": an author's attribute list adds its own) with the
TeX HTML-escaped inside (the Markdown parser, figure captions, and math found in an author's
raw HTML all do). So this works from the HTML, whatever dialect or rule produced it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape, unescape

# The TeX inside is escaped, so it holds no "<": the element ends at the first closing tag.
# Classes after "math" are kept: "display", and an author's (a kramdown attribute list).
_ELEMENT = re.compile(
    r'<(span|div) class="(math(?: [\w-]+)*)"((?: [a-z-]+="[^"]*")*)>([^<]*)</\1>'
)


@dataclass(frozen=True)
class MathElement:
    """One math element of a page: where it is, its tag and its text (TeX with delimiters,
    unescaped: what the browser's MathJax would read)."""

    start: int
    end: int
    tag: str
    text: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.tag, self.text)


def find_math(html: str) -> list[MathElement]:
    return [MathElement(m.start(), m.end(), m.group(1), unescape(m.group(4)))
            for m in _ELEMENT.finditer(html)]


def splice(html: str, elements: Sequence[MathElement], typeset: Sequence[str],
           failed: dict[int, str]) -> str:
    """``html`` with each element's TeX replaced by its typeset form; an element MathJax
    could not typeset (``failed``: index -> message) keeps its TeX, visibly marked."""
    parts, last = [], 0
    for index, element in enumerate(elements):
        match = _ELEMENT.match(html, element.start)
        assert match is not None and match.end() == element.end
        tag, kind, attributes, tex = match.groups()
        parts.append(html[last:element.start])
        if index in failed:
            title = escape(f"MathJax: {failed[index]}")
            parts.append(f'<{tag} class="{kind} math-error" title="{title}"{attributes}>'
                         f"{tex}</{tag}>")
        else:
            parts.append(f'<{tag} class="{kind}"{attributes}>{typeset[index]}</{tag}>')
        last = element.end
    parts.append(html[last:])
    return "".join(parts)


def find_run(elements: Sequence[tuple[str, str]], part: Sequence[tuple[str, str]]) -> int | None:
    """Where ``part`` (a fragment's math, e.g. an excerpt's) lies in a page's math: the
    index of its first element, or None. The excerpt is the post's first paragraph, so its
    formulas are a run of the post's, and take the post's typeset forms (numbers, macros)."""
    if not part:
        return 0
    first = part[0]
    for start in range(len(elements) - len(part) + 1):
        if elements[start] == first and list(elements[start:start + len(part)]) == list(part):
            return start
    return None


_ELEMENT_START = re.compile(r"<(mjx-[A-Za-z-]+)([^>]*)")  # a start tag: name, attributes
_CLASS = re.compile(r'.* class="([^"]*)"', re.S)  # its class names
_GLYPH = re.compile(r' class="(mjx-c[0-9A-F]+)(?: (TEX-[A-Z0-9]+))?"')  # an mjx-c's


def css_tokens(typeset: Sequence[str]) -> set[str]:
    """The element names and class names typeset math uses: what decides which of MathJax's
    CSS rules a site needs (see ``css.site_stylesheet``). A glyph also counts with its font
    class, ``mjx-c28.TEX-S4`` (or ``mjx-c28.`` without one): the rule drawing a character in
    one font is of no use to a site that draws it only in another. One pass over the start
    tags; each distinct one (a page repeats most) is looked into once: this runs for every
    page with math, to choose the fonts it preloads."""
    tokens: set[str] = set()
    for html in typeset:
        for name, attributes in set(_ELEMENT_START.findall(html)):
            tokens.add(name.lower())
            if ' class="' not in attributes:
                continue
            classes = _CLASS.match(attributes)
            if classes:
                tokens.update(classes[1].split())
            glyph = _GLYPH.match(attributes) if name == "mjx-c" else None
            if glyph:
                tokens.add(f"{glyph[1]}.{glyph[2] or ''}")
    return tokens
