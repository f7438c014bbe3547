"""A post's table of contents, read from its finished HTML: the headings with an id, their
math already typeset, nested by level.

Read from the page rather than from the Markdown so that whatever wrote a heading (the
Markdown, an author's raw HTML, a kramdown attribute) and whatever typeset its math, the
list shows the heading as the page does. A heading's own links are dropped from its entry
(the entry is a link: links do not nest), and so are its footnote marks and the ids inside
it (an id names one element of a page). A heading of class ``unlisted`` is not listed, as
in Pandoc; a numbered heading's number is (``<span class="header-section-number">``), as in
Quarto's contents.
"""

from __future__ import annotations

import re
from html import escape

from markupsafe import Markup

# Headings cannot nest, so a heading ends at the first closing tag of its level.
_HEADING = re.compile(r'<h([1-6])\b([^>]*?)\sid="([^"]+)"([^>]*)>(.*?)</h\1\s*>', re.S)
# Pandoc's class for a heading left out of the contents (``## Aside {.unlisted}``)
_UNLISTED = re.compile(r'\sclass="(?:[^"]*\s)?unlisted[\s"]')
_ANCHOR = re.compile(r'<a\b[^>]*class="header-anchor"[^>]*>.*?</a>', re.S)
_FOOTNOTE = re.compile(r'<sup\b[^>]*class="footnote-ref"[^>]*>.*?</sup>', re.S)
_LINK_TAG = re.compile(r"</?a\b[^>]*>")
_ID = re.compile(r'\sid="[^"]*"')
KRAMDOWN_TOC = 'id="markdown-toc"'  # a Jekyll post's own {:toc}: it has its list already


def headings(html: str, depth: int) -> list[tuple[int, str, str]]:
    """(level, id, inner HTML) of each heading down to ``depth`` that has an id."""
    found = []
    for level, before, ident, after, inner in _HEADING.findall(html):
        if int(level) > depth or _UNLISTED.search(f"{before} {after}"):
            continue
        inner = _ANCHOR.sub("", inner)
        inner = _FOOTNOTE.sub("", inner)
        inner = _ID.sub("", _LINK_TAG.sub("", inner)).strip()
        if inner:
            found.append((int(level), ident, inner))
    return found


def table_of_contents(html: str, depth: int) -> Markup:
    """The nested ``<ol>`` of the post's headings, or nothing when the post turned it off,
    has one already (kramdown's ``{:toc}``), or has fewer than two headings to list."""
    if depth < 1 or KRAMDOWN_TOC in html:
        return Markup("")
    entries = headings(html, depth)
    if len(entries) < 2:
        return Markup("")
    parts: list[str] = []
    open_levels: list[int] = []
    for level, ident, inner in entries:
        if open_levels and level > open_levels[-1]:
            parts.append("<ol>")  # a deeper heading: a list inside the open entry
            open_levels.append(level)
        else:
            while len(open_levels) > 1 and level < open_levels[-1]:
                parts.append("</li></ol>")
                open_levels.pop()
            if open_levels:
                parts.append("</li>")
                open_levels[-1] = min(open_levels[-1], level)
            else:
                parts.append("<ol>")
                open_levels.append(level)
        parts.append(f'<li><a href="#{escape(ident)}">{inner}</a>')
    parts.append("</li></ol>" * len(open_levels))
    return Markup("".join(parts))
