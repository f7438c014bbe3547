"""Parsed posts and figure results -> every page of the site, each with a key.

A page's key covers everything it is made from, so the writer can skip rendering a page whose
key is unchanged; listings and the feed are keyed on the listed fields only, so a prose edit
re-renders them only when it changes an excerpt or a title.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from markupsafe import Markup

from builder.config import Config
from builder.fsutil import digest
from builder.math.mathml import as_mathml
from builder.model import FigureResult, ParsedBody, PostMeta
from builder.pages.memo import remembered
from builder.pages.render import Renderer, listing_item, paginate
from builder.pages.social import authors_image, blog_posting, preview_card
from builder.pages.tag_names import tag_folder, tag_url
from builder.pages.toc import table_of_contents
from builder.write import Output

PAGES_VERSION = "2"


@dataclass(frozen=True)
class SitePost:
    """A post ready for rendering: parsed, its figures run, its HTML fetched on demand."""

    key: str
    meta: PostMeta
    body: ParsedBody
    figures: tuple[FigureResult, ...]
    html: Callable[[], str]  # the body with figure outputs in place, TeX as written
    # Puts the post's math, typeset at build time, into its HTML or its excerpt's (pages;
    # the feed takes the MathML of it).
    typeset: Callable[[str], str] = str
    # The same for the feed, where the pages leave math to the browser (mathjax = "client")
    feed_typeset: Callable[[str], str] | None = None

    @property
    def has_math(self) -> bool:
        """Whether the page needs MathJax: math in the post, or in what its blocks showed."""
        return self.body.has_math or self.meta.use_math or any(f.has_math for f in self.figures)


# A listed post: its metadata, excerpt, parse key, and what typesets its excerpt's math.
Listed = tuple[PostMeta, str, str, Callable[[str], str]]


def _hash(*parts: Any) -> str:
    """A key over plain data: ``repr`` of strings, numbers, dates, tuples, lists and dicts
    built in a fixed order is stable, and much faster than JSON on big listings."""
    return digest(repr(parts).encode())


def build_pages(
    config: Config,
    posts: Sequence[SitePost],
    renderer: Renderer,
    base_key: str,
    updated: datetime,
) -> list[Output]:
    """``posts`` are the published posts, newest first."""
    outputs: list[Output] = []
    figure_keys = {post.meta.source: post.figures for post in posts}
    dated = [p for p in posts if p.meta.layout != "page"]

    positions = {id(post): i for i, post in enumerate(dated)}
    for post in posts:
        position = positions.get(id(post), -1)
        newer = dated[position - 1].meta if position > 0 else None
        older = dated[position + 1].meta if 0 <= position < len(dated) - 1 else None
        neighbours = [(m.title, m.url) if m else None for m in (newer, older)]
        key = _hash(base_key, "post", post.key, figure_keys[post.meta.source], neighbours)
        outputs.append(Output(post.meta.output_file, key, _post_page(renderer, post, newer, older),
                              post.meta.source))

    items = [(p.meta, p.body.excerpt, p.key, p.typeset) for p in dated]
    outputs += _listing(config, renderer, base_key, "index.html", "", items, config.per_page,
                        {"heading": None}, "the home page")
    outputs += _listing(config, renderer, base_key, "archive.html", "archive/", items,
                        config.per_page * 10, {"heading": "Archive"}, "the archive")
    by_tag: dict[str, list[Listed]] = defaultdict(list)
    for item in items:
        for folder in dict.fromkeys(tag_folder(tag) for tag in item[0].tags):
            by_tag[folder].append(item)  # one page per folder: see tag_names
    spellings = {tag_folder(tag): tag for meta, *_ in reversed(items) for tag in meta.tags}
    for tag, tagged in sorted(by_tag.items()):
        outputs += _listing(config, renderer, base_key, "index.html", tag_url(spellings[tag]),
                            tagged, config.per_page,
                            {"heading": f"Posts tagged “{spellings[tag]}”"},
                            f"the page of tag '{spellings[tag]}'")
    counts = [(spellings[t], len(v)) for t, v in sorted(by_tag.items())]
    outputs.append(Output("tags/index.html", _hash(base_key, "tags", counts),
                          lambda: renderer.render("tags.html", tags=counts, page_url="tags/"),
                          "the list of tags"))
    outputs.append(Output("404.html", _hash(base_key, "404"), lambda: renderer.render("404.html"),
                          "the 404 page"))
    outputs.append(Output("robots.txt", _hash(base_key, "robots"),
                          lambda: renderer.render("robots.txt"), "the robots.txt file"))
    if config.absolute_base:  # without it, Atom ids and sitemap locations would be invalid
        outputs.append(_feed(config, renderer, base_key, feed_posts(config, posts),
                             figure_keys, updated))
        outputs.append(_sitemap(renderer, base_key, posts, by_tag))
    return outputs


def feed_posts(config: Config, posts: Sequence[SitePost]) -> list[SitePost]:
    """The posts the feed carries (none without an absolute base_url): the newest dated ones."""
    if not config.absolute_base:
        return []
    return [p for p in posts if p.meta.layout != "page"][: config.feed_limit]


def _post_page(
    renderer: Renderer, post: SitePost, newer: PostMeta | None, older: PostMeta | None
) -> Callable[[], bytes]:
    config = renderer.config

    def produce() -> bytes:  # made only for a page whose key changed: nothing before it
        card = preview_card(config, post.meta)
        image = authors_image(config, post.meta)
        image_url = image["url"] if image else config.absolute_url(card) if card else None
        excerpt = Markup(post.body.excerpt).striptags()
        content = post.typeset(post.html())
        return renderer.render(
            f"{post.meta.layout}.html",
            page_url=post.meta.url,
            post=post.meta,
            card=card,
            image=image,
            blog_posting=blog_posting(config, post.meta, post.meta.description or excerpt,
                                      image_url),
            content=Markup(content),
            toc=table_of_contents(content, post.meta.toc_depth),
            math_fonts=renderer.math_fonts(content),
            has_math=post.has_math,
            players='<div class="player"' in content,
            excerpt_text=excerpt,
            newer=newer,
            older=older,
        )

    return produce


_LISTED: dict[tuple[str, str], str] = {}
_ITEMS: dict[tuple[Any, ...], dict[str, Any]] = {}


def _listed_digest(meta: PostMeta, excerpt: str, parse_key: str) -> str:
    """Hash of what a listing shows of a post, remembered (a preview server rebuilds its
    listings without rehashing them) by the parse key, which fixes the post's fields, and
    the excerpt, which may show inline values that changed while the post did not.
    The date goes in as text: its ``repr`` names its time zone's class, which a parse
    read back from the cache (``timezone.utc``) does not share with a fresh one
    (``ZoneInfo('UTC')``), so every listing was rendered again after a cold build."""
    return remembered(_LISTED, (parse_key, excerpt),
                      lambda: _hash(meta.title, meta.url, meta.date.isoformat(), meta.tags,
                                    excerpt))


def _listed(config: Config, meta: PostMeta, excerpt: str, parse_key: str,
            typeset: Callable[[str], str]) -> dict[str, Any]:
    """``listing_item``, made once per post for all the listings that show it, remembered
    as ``_listed_digest`` is; the site's URL and math settings are part of the key too."""
    return remembered(_ITEMS, (parse_key, excerpt, config.base_path, config.mathjax,
                               config.math),
                      lambda: listing_item(config, meta, typeset(excerpt)))


def _listing(
    config: Config,
    renderer: Renderer,
    base_key: str,
    template: str,
    base: str,
    items: Sequence[Listed],
    per_page: int,
    extra: dict[str, Any],
    origin: str,
) -> list[Output]:
    """Pages of a listing; ``items`` are (meta, excerpt, parse key, typeset) of the posts."""
    outputs = []
    for url, pager in paginate(items, per_page, base):
        page_items = pager.pop("items")
        shown = [_listed_digest(meta, excerpt, parse_key)
                 for meta, excerpt, parse_key, _ in page_items]
        key = _hash(base_key, template, url, pager, shown, extra)

        def produce(pager: dict = pager, page_items: list = page_items, url: str = url) -> bytes:
            listed = [_listed(config, meta, excerpt, parse_key, typeset)
                      for meta, excerpt, parse_key, typeset in page_items]
            has_math = any('class="math' in excerpt for _, excerpt, *_ in page_items)
            fonts = renderer.math_fonts("".join(str(item["excerpt"]) for item in listed))
            return renderer.render(template, posts=listed, pager=pager, has_math=has_math,
                                   math_fonts=fonts, page_url=url, **extra)

        outputs.append(Output(unquote(url) + "index.html", key, produce, origin))  # url: linked
    return outputs


def _feed(
    config: Config,
    renderer: Renderer,
    base_key: str,
    posts: Sequence[SitePost],
    figure_keys: dict[str, Any],
    updated: datetime,
) -> Output:
    key = _hash(base_key, "feed", [(p.key, figure_keys[p.meta.source]) for p in posts],
                updated.isoformat())

    def produce() -> bytes:  # math as MathML: feed readers run no MathJax
        entries = [{"post": p.meta, "content": as_mathml((p.feed_typeset or p.typeset)(p.html()))}
                   for p in posts]
        return renderer.render("feed.xml", entries=entries,
                               updated=updated.astimezone(UTC).isoformat())

    return Output("feed.xml", key, produce, "the feed")


def _sitemap(
    renderer: Renderer, base_key: str, posts: Sequence[SitePost], tags: dict[str, Any]
) -> Output:
    pages = [{"url": "", "lastmod": None}, {"url": "archive/", "lastmod": None},
             {"url": "tags/", "lastmod": None}]
    pages += [
        {"url": p.meta.url, "lastmod": (p.meta.updated or p.meta.date).date().isoformat()
         if p.meta.dated or p.meta.updated else None}  # a page without a date has none
        for p in posts
    ]
    pages += [{"url": f"tags/{quote(tag, safe='-._~')}/", "lastmod": None} for tag in sorted(tags)]
    return Output("sitemap.xml", _hash(base_key, "sitemap", pages),
                  lambda: renderer.render("sitemap.xml", pages=pages), "the sitemap")
