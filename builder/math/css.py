"""One stylesheet for the whole site's typeset math, holding only the rules it uses.

MathJax's CHTML output draws every glyph with a CSS rule (``mjx-c.mjx-c1D465.TEX-I::before``);
all of them make 210 KB, a render-blocking download of seconds on a slow phone link. In the
browser MathJax adds the rules of the glyphs a page uses; here the site gets one stylesheet
with the rules of the glyphs and constructs any of its pages uses, in MathJax's own order
(order decides between rules of equal weight). Readers download it once for every page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NOT = re.compile(r":not\([^)]*\)")
_ATTRIBUTE = re.compile(r"\[[^\]]*\]")
_PSEUDO = re.compile(r"::?[a-z-]+")
_TOKEN = re.compile(r"(\.?)([A-Za-z][\w-]*)")
# The rule drawing one glyph: for a character in one font (``.TEX-I``), or in the main font
# (no font class: a rule a font class's rule for the character always overrides whole).
GLYPH = re.compile(r"mjx-c\.(mjx-c[0-9A-F]+)(?:\.(TEX-[A-Z0-9]+))?::before")


def _needed(selector: str, used: set[str]) -> bool:
    """A rule can match only where every element and class its selector names is used; a
    glyph's rule, only where that glyph is drawn in its font."""
    if selector.startswith("@"):
        return True  # @font-face: a browser fetches only the fonts its page's glyphs use
    return any(selector_names(alternative) <= used for alternative in selector.split(","))


def selector_names(selector: str) -> frozenset[str]:
    """The element and class names a selector (one alternative) needs on a page; a glyph's
    rule needs the glyph in its font (see ``html.css_tokens``)."""
    glyph = GLYPH.fullmatch(selector.strip())
    if glyph:
        return frozenset({f"{glyph[1]}.{glyph[2] or ''}"})
    bare = _PSEUDO.sub(" ", _ATTRIBUTE.sub(" ", _NOT.sub(" ", selector)))
    return frozenset(name if dot else name.lower() for dot, name in _TOKEN.findall(bare))


def site_stylesheet(rules: Iterable[tuple[str, str]], used: set[str] | None) -> str:
    """The CSS of ``rules`` (selector, declarations) that elements and classes ``used`` need
    (None: all of them)."""
    lines = [f"{selector} {{{body}}}" for selector, body in rules
             if used is None or _needed(selector, used)]
    return "\n".join(lines) + "\n"
