"""A Jekyll document -> a parsed post, in Jekyll's order: front matter (defaults applied),
Liquid, then Markdown in the site's math dialect (an ``.html`` document stays HTML, its
math found as a page-wide MathJax finds it).

The excerpt is Jekyll's: the text before the ``excerpt_separator`` (``\\n\\n``, the first
block, unless the site or the post names another, such as ``<!--more-->``), rendered on its
own with the link definitions it uses; the whole post when the separator is not there; or
the front matter's ``excerpt``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from markdown_it.common.utils import escapeHtml

from builder.config import Config
from builder.errors import BuildError, Warn, ignore_warning
from builder.markdown.html_math import typeset_html
from builder.markdown.parser import parse_body
from builder.model import ParsedBody, PostMeta
from builder.sources.jekyll_posts import read_jekyll_source
from builder.sources.posts import SourceFile
from builder.sources.site_index import SiteIndex, drop

if TYPE_CHECKING:
    from builder.sources.liquid import LineMap

_LINK_DEFINITION = re.compile(r"^ {0,3}(\[[^\]]+\])(:.+)$", re.MULTILINE)
_LINK = re.compile(r"""\b(src|href)=(["'])(/?)(?![a-zA-Z][a-zA-Z0-9+.-]*:|[/#?])([^"'/]+)""")


def root_links(html: str, top_level: tuple[str, ...], base_path: str) -> str:
    """Links into the site's top folders from a post, which Jekyll published at a deeper
    address, point at the site's top under its base path: a relative ``public/x.gif`` (what
    the author's blog showed under a ``/:title`` permalink) and a root ``/assets/y.png`` on
    a site with a ``baseurl`` (which the author meant, but only a site at the root shows)."""
    names = set(top_level)
    base = base_path.rstrip("/")

    def rooted(match: re.Match[str]) -> str:
        attribute, quote, slash, first = match.groups()
        if first.split("?")[0].split("#")[0] not in names or (slash and not base) or (
                slash and html.startswith(base[1:] + "/", match.start(4))):
            return match.group()  # not the site's, or already under the base path
        return f"{attribute}={quote}{base}/{first}"

    return _LINK.sub(rooted, html)


def has_liquid(text: str) -> bool:
    """Jekyll's ``Utils.has_liquid_construct?``: without it, Liquid would give the text back
    as it is, so python-liquid is not even imported (most posts of a blog hold no Liquid)."""
    return "{%" in text or "{{" in text


def parse_jekyll(source: SourceFile, config: Config, layouts: frozenset[str], warn: Warn,
                 index: SiteIndex | None = None) -> tuple[PostMeta, ParsedBody]:
    """``index`` is the rest of the site, for documents holding Liquid."""
    meta, body = _parse(source, config, layouts, warn, index)
    settings = config.jekyll
    assert settings is not None
    return meta, replace(body, html=root_links(body.html, settings.top_level, config.base_path),
                         excerpt=root_links(body.excerpt, settings.top_level, config.base_path))


def _parse(source: SourceFile, config: Config, layouts: frozenset[str], warn: Warn,
           index: SiteIndex | None) -> tuple[PostMeta, ParsedBody]:
    meta, doc = read_jekyll_source(source, config, layouts, warn)
    text, lines = doc.body, None
    if index is not None and has_liquid(text) and doc.data.get("render_with_liquid") is not False:
        from builder.sources.liquid import JekyllState, render_liquid

        state = JekyllState(config.root, source.path, meta.body_line, text, config.base_path,
                            config.absolute_base, config.markdown, index, warn)
        text, lines = render_liquid(state, drop(meta, doc.data), _site(index, config))
    dialect, dollars = config.markdown
    if doc.is_html:
        html = typeset_html(text, dollars)
        return meta, ParsedBody(html=html, excerpt="", has_math='class="math' in html,
                                headings=(), blocks=())
    remap = _Remap(source.path, meta.body_line, lines)
    try:
        body = parse_body(text, source.path, meta.body_line, remap.warn(warn), dialect, dollars)
    except BuildError as error:
        raise remap.error(error) from None
    body = remap.body(body)
    given = doc.data.get("excerpt")
    if isinstance(given, str) and given.strip():
        return meta, replace(body, excerpt=f"<p>{escapeHtml(given.strip())}</p>")
    head, found, tail = text.lstrip("\n").partition(doc.excerpt_separator)
    if not found or not tail:
        return meta, replace(body, excerpt=body.html.strip())
    used = [m.group(1) + m.group(2) for m in _LINK_DEFINITION.finditer(tail)
            if m.group(1) in head]
    if used:
        head += "\n\n" + "\n".join(used)
    try:
        excerpt = parse_body(head, source.path, meta.body_line, ignore_warning, dialect, dollars)
    except BuildError:  # the separator cut a block in two: the first paragraph, then
        return meta, body
    return meta, replace(body, excerpt=excerpt.html.strip())


_SITES: dict[int, tuple[SiteIndex, dict[str, Any]]] = {}


def _site(index: SiteIndex, config: Config) -> dict[str, Any]:
    """Liquid's ``site``, made once per index (a worker parses a batch with one index)."""
    known = _SITES.get(id(index))
    if known is None or known[0] is not index:
        _SITES.clear()
        known = _SITES[id(index)] = (index, index.site(config))
    return known[1]


class _Remap:
    """Lines of the rendered text (what Markdown saw) back to the lines of the file."""

    def __init__(self, path: str, body_line: int, lines: LineMap | None) -> None:
        self.path, self.body_line, self.lines = path, body_line, lines

    def line(self, line: int | None) -> int | None:
        if line is None or self.lines is None or line < self.body_line:
            return line
        return self.body_line + self.lines.source_line(line - self.body_line)

    def warn(self, warn: Warn) -> Warn:
        if self.lines is None:
            return warn
        return lambda w: warn(replace(w, line=self.line(w.line)) if w.path == self.path else w)

    def error(self, error: BuildError) -> BuildError:
        location = error.location
        if self.lines is not None and location is not None and location.path == self.path:
            error.location = replace(location, line=self.line(location.line))
        return error

    def body(self, body: ParsedBody) -> ParsedBody:
        if self.lines is None or not body.blocks:
            return body
        blocks = tuple(replace(b, line=self.line(b.line), option_lines={
            k: self.line(v) for k, v in b.option_lines.items()}) for b in body.blocks)
        return replace(body, blocks=blocks)
