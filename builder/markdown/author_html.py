"""Checks of the raw HTML an author writes inside Markdown: what readers will trip over.

The HTML itself is passed through untouched (posts brought from Jekyll are full of it); this
only warns, naming the line, where the page will fail a reader: an ``<iframe>`` without a
``title`` is announced to screen-reader users as a nameless frame (axe: "frame-title").
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from markdown_it.rules_core import StateCore

from builder.errors import BuildWarning


class _Tags(HTMLParser):
    """Collects (tag, attributes, line within the text) for every start tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None], int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs), self.getpos()[0] - 1))


def start_tags(html: str) -> list[tuple[str, dict[str, str | None], int]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.found


def check_author_html(state: StateCore) -> None:
    """A core rule: warn about author HTML that is inaccessible, with its file line."""
    env: dict[str, Any] = state.env
    for token in state.tokens:
        if token.map is None:
            continue
        pieces = [(token.content, 0)] if token.type == "html_block" else [
            (child.content, 0) for child in token.children or () if child.type == "html_inline"
        ]
        for html, offset in pieces:
            if "<iframe" not in html.lower():
                continue
            for tag, attrs, line in start_tags(html):
                if tag == "iframe" and not (attrs.get("title") or "").strip():
                    env["warn"](BuildWarning(
                        env["path"], env["body_line"] + token.map[0] + offset + line,
                        "<iframe> without a title: screen readers announce it as an unnamed "
                        "frame", "add title=\"what it shows\"",
                    ))
