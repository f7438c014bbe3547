"""Pandoc's heading attributes, as Quarto documents write them: ``## Introduction {#sec-intro}``,
``## Preface {.unnumbered}`` (or ``{-}``), ``# Notes {#notes .aside lang=fr}``; and Pandoc's
``shift-heading-level-by`` (a Quarto document's front matter may set it).

Read from Pandoc's manual (``header_attributes``: the braces end the heading's text, after a
space; in a setext heading, its text's last line). The identifier becomes the heading's id
(one given this way is kept as written, as the anchors plugin keeps any id it finds), the
classes its class, as Pandoc's HTML writer keeps them (``unnumbered`` is read by
``sections.py``, ``unlisted`` by ``pages/toc.py``: such a heading is left out of the
contents, as in Pandoc), and other pairs attributes as Pandoc's HTML writer gives them.
Braces that are not attributes stay text, as in Pandoc. kramdown's ``{: #id}`` is
``kramdown_attrs.py``'s.

``shift-heading-level-by: 1`` makes ``#`` an ``<h2>`` (Pandoc shifts before any filter, so
Quarto's section numbers follow the shifted levels). As Pandoc has it (its manual and its
HTML writer): a heading shifted above level 1 becomes a paragraph, one below level 6 a
``<p class="heading">``; with a shift of -N a level-N heading that opens the document would
become its title, which here stays the front matter's (a warning says so; the heading is
left out, as Pandoc leaves it out of the body).
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from builder.markdown.pandoc_attrs import Attributes, braced_attributes


def heading_attrs_plugin(md: MarkdownIt) -> None:
    # Before the inline parse (the braces are no text), so before the headings' ids.
    md.core.ruler.before("inline", "heading_attrs", _heading_attrs)
    md.core.ruler.before("inline", "heading_shift", _shift_headings)


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
        if attributes.classes:
            token.attrSet("class", " ".join(attributes.classes))
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


def _shift_headings(state: StateCore) -> None:
    options = state.env.get("crossref_options")
    shift = options.shift_headings if options is not None else 0
    if not shift or state.inlineMode:
        return
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type != "heading_open":
            i += 1
            continue
        level = int(token.tag[1]) + shift
        closing = tokens[i + 2]
        if level == 0 and i == 0:
            from builder.markdown.parser import warn_at

            warn_at(state.env, token.map[0] if token.map else 0, "with shift-heading-level-by "
                    f"{shift}, Quarto makes this first heading the post's title: it is left "
                    "out, and the title is the front matter's")
            del tokens[i : i + 3]
            continue
        if level < 1 or level > 6:
            attrs = {"id": token.attrs["id"]} if level > 6 and "id" in token.attrs else {}
            for part in (token, closing):
                part.type = part.type.replace("heading", "paragraph")
                part.tag = "p"
                part.attrs = {}
            token.attrs = {**attrs, "class": "heading"} if level > 6 else {}
        else:
            token.tag = closing.tag = f"h{level}"
        i += 1
