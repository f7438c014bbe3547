"""Pandoc's heading attributes, as Quarto documents write them: ``## Introduction {#sec-intro}``,
``## Preface {.unnumbered}`` (or ``{-}``), ``# Notes {#notes .aside lang=fr}``.

Read from Pandoc's manual (``header_attributes``: the braces end the heading's text, after a
space; in a setext heading, its text's last line). The identifier becomes the heading's id
(one given this way is kept as written, as the anchors plugin keeps any id it finds), the
classes its class (``unnumbered`` is read by ``sections.py`` and dropped from the page, as
Quarto does), and other pairs attributes as Pandoc's HTML writer gives them. Braces that are
not attributes stay text, as in Pandoc. kramdown's ``{: #id}`` is ``kramdown_attrs.py``'s.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from builder.markdown.pandoc_attrs import Attributes, braced_attributes

# Read by sections.py; Quarto leaves neither class in its HTML.
NUMBERING_CLASSES = ("unnumbered", "unlisted")


def heading_attrs_plugin(md: MarkdownIt) -> None:
    # Before the inline parse (the braces are no text), so before the headings' ids.
    md.core.ruler.before("inline", "heading_attrs", _heading_attrs)


def _heading_attrs(state: StateCore) -> None:
    if "{" not in state.src:
        return
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or "{" not in tokens[i + 1].content:
            continue
        inline = tokens[i + 1]
        found = trailing_attributes(inline.content)
        if found is None:
            continue
        text, attributes = found
        inline.content = text
        token.meta["attrs"] = attributes
        if attributes.id:
            token.attrSet("id", attributes.id)
        classes = [c for c in attributes.classes if c not in NUMBERING_CLASSES]
        if classes:
            token.attrSet("class", " ".join(classes))
        for key, value in attributes.named_pairs():
            token.attrSet(key, value)


def trailing_attributes(text: str) -> tuple[str, Attributes] | None:
    """The heading's text without its closing ``{...}``, and the attributes; None when the
    text does not end with attributes after a space (or is nothing but them)."""
    stripped = text.rstrip()
    if not stripped.endswith("}"):
        return None
    start = stripped.rfind("{")
    while start >= 0:
        before = stripped[:start]
        if not before or before[-1] in " \t":
            found = braced_attributes(stripped, start)
            if found is not None and found[0] == len(stripped):
                return before.rstrip(), found[1]
        start = stripped.rfind("{", 0, start)  # a quoted value may hold a brace
    return None
