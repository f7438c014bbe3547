"""Inline Markdown read apart from the page's text: a caption, a callout's title.

``MarkdownIt.parseInline`` runs every core rule on the fragment, the footnotes' among them:
given the page's ``env`` after its footnotes were read, that rule would append the page's
footnote list to each caption. So the fragment is read with the page's ``env`` less its
footnotes (everything else, cross-reference numbers included, is shared).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token


def inline_token(md: MarkdownIt, text: str, env: dict[str, Any],
                 line: list[int] | None = None) -> Token:
    """The ``inline`` token of ``text`` (its children are what it says); ``line``: the body
    lines it came from, for warnings about it."""
    apart = {key: value for key, value in env.items() if key != "footnotes"}
    token = md.parseInline(text, apart)[0]
    token.map = line
    if apart.get("refs"):  # its references are checked with the page's
        env["refs"] = True
    return token


def inline_children(tokens: Sequence[Token], kind: str) -> Iterator[tuple[Token, int]]:
    """Each inline child of type ``kind`` in ``tokens`` and in the inline tokens kept aside
    in their ``meta`` (floats.py's captions, callouts.py's titles), in the order they are
    written, with its body line (0-based, as in ``Token.map``)."""
    for token in tokens:
        held = [inline for key in ("inline", "caption", "title")
                if token.meta and isinstance(inline := token.meta.get(key), Token)]
        for inline in (token, *held):
            if inline.type != "inline" or not inline.children or inline.map is None:
                continue
            line = inline.map[0]
            for child in inline.children:
                if child.type in ("softbreak", "hardbreak"):
                    line += 1
                elif child.type == kind:
                    yield child, line
