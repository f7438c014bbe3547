"""Pandoc's attribute syntax, as Quarto documents write it after a div fence, an image, a
table caption or an equation: ``{#fig-x .class layout-ncol=2 title="A 'quoted' title"}``.

mdit-py-plugins' ``attrs`` parser reads djot's syntax, which refuses what Pandoc takes and
Quarto writes itself: single-quoted values (``key='v'``) and bare values with ``%`` or ``.``
(``width=50%``). Pandoc's rule is small: an identifier ``#x``, classes ``.x``, and ``key=value``
with the value bare (up to a space or ``}``) or in double or single quotes (``\\`` escapes);
a lone ``-`` is the class ``unnumbered`` (``## Preface {-}``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NAME = r"[^\s{}#.=\"']+"
_ATTRIBUTE = re.compile(
    rf"""\s*(?:\#({_NAME}(?:[.:][^\s{{}}#.=\"']+)*)|\.({_NAME})|(-)(?=\s|$)|([A-Za-z_][\w:.-]*)="""
    r"""(?:"((?:\\.|[^"\\])*)"|'((?:\\.|[^'\\])*)'|([^\s"'{}]+)))"""
)
_ESCAPE = re.compile(r"\\(.)")


@dataclass
class Attributes:
    """An identifier, classes and key-value pairs in the order written."""

    id: str = ""
    classes: list[str] = field(default_factory=list)
    pairs: dict[str, str] = field(default_factory=dict)

    def html(self, keep: tuple[str, ...] = ()) -> str:
        """As HTML attributes: ``id``, ``class``, then the pairs, as Pandoc's HTML writer
        gives them (a key HTML does not know is a ``data-`` attribute)."""
        from markdown_it.common.utils import escapeHtml

        parts = []
        if self.id:
            parts.append(f' id="{escapeHtml(self.id)}"')
        if self.classes:
            parts.append(f' class="{escapeHtml(" ".join(self.classes))}"')
        for name, value in self.named_pairs(keep):
            parts.append(f' {escapeHtml(name)}="{escapeHtml(value)}"')
        return "".join(parts)

    def named_pairs(self, keep: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """The pairs under the names HTML gets them by (not escaped)."""
        named = []
        for key, value in self.pairs.items():
            if key in keep or key in _HTML_KEYS or key.startswith(("data-", "aria-")):
                name = key
            else:
                name = "data-" + key
            if not key.lower().startswith("on"):  # never an event handler from a document
                named.append((name, value))
        return named


_HTML_KEYS = frozenset({"title", "lang", "dir", "style", "role", "width", "height"})


def parse_attributes(text: str) -> Attributes | None:
    """The attributes inside the braces (``text`` without them); None if anything in it is
    not an attribute (the braces are then prose, as Pandoc leaves them)."""
    found = Attributes()
    pos, text = 0, text.rstrip()
    while pos < len(text):
        match = _ATTRIBUTE.match(text, pos)
        if not match or match.end() == pos:
            return None
        ident, cls, dash, key, double, single, bare = match.groups()
        if ident:
            found.id = ident
        elif cls or dash:
            found.classes.append(cls or "unnumbered")
        else:
            value = double if double is not None else single if single is not None else bare
            found.pairs[key] = _ESCAPE.sub(r"\1", value)
        pos = match.end()
    return found


def braced_attributes(text: str, pos: int = 0) -> tuple[int, Attributes] | None:
    """Attributes in braces starting at ``text[pos]`` (a ``{``): (the position after the
    closing brace, the attributes), or None. Quoted values may hold ``}``."""
    if not text.startswith("{", pos):
        return None
    end, quote = pos + 1, ""
    while end < len(text):
        char = text[end]
        if quote:
            if char == "\\":
                end += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "}":
            attributes = parse_attributes(text[pos + 1 : end])
            return (end + 1, attributes) if attributes is not None else None
        elif char == "{" or char == "\n":
            return None
        end += 1
    return None
