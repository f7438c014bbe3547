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


def _needed(selector: str, used: set[str]) -> bool:
    """A rule can match only where every element and class its selector names is used."""
    if selector.startswith("@"):
        return True  # @font-face: a browser fetches only the fonts its page's glyphs use
    for alternative in selector.split(","):
        bare = _PSEUDO.sub(" ", _ATTRIBUTE.sub(" ", _NOT.sub(" ", alternative)))
        names = [name if dot else name.lower() for dot, name in _TOKEN.findall(bare)]
        if all(name in used for name in names):
            return True
    return False


def site_stylesheet(rules: Iterable[tuple[str, str]], used: set[str]) -> str:
    """The CSS of ``rules`` (selector, declarations) that elements and classes ``used`` need."""
    lines = [f"{selector} {{{body}}}" for selector, body in rules if _needed(selector, used)]
    return "\n".join(lines) + "\n"


_FAMILIES = re.compile(r"^\.([\w-]+) \{font-family: ([^;}]*)", re.MULTILINE)
_FACE = re.compile(r'^@font-face[^{]*\{font-family: ([\w-]+); src: url\("([^"]+)"\)',
                   re.MULTILINE)


class FontPreloads:
    """Which of the site stylesheet's fonts a page's typeset math draws with, so the page can
    ask for them at once instead of after its stylesheet and layout: two round trips fewer
    before the math is final on a slow link."""

    def __init__(self, css: str, folder: str) -> None:
        self.faces = {family: folder + url for family, url in _FACE.findall(css)}
        self.classes = {name: [f.strip() for f in families.split(",")]
                        for name, families in _FAMILIES.findall(css)}

    def __call__(self, html: str) -> list[str]:
        """Site paths of the fonts ``html``'s math uses, in the order they are needed."""
        if "<mjx-container" not in html or not self.faces:
            return []
        from builder.math.html import css_tokens

        used = css_tokens([html])
        families = [f for name in sorted(used & self.classes.keys(),
                                         key=lambda n: (n != "MJX-TEX", n))
                    for f in self.classes[name]]
        return list(dict.fromkeys(self.faces[f] for f in families if f in self.faces))


def no_preloads(_html: str) -> list[str]:
    return []
