"""A Jekyll site's own pages and files at the addresses build-site's pages take.

A Jekyll site brings its theme's home page (``index.html`` looping over the paginator), its
``404.html``, ``feed.xml``, ``sitemap.xml`` and ``robots.txt``. build-site makes these
itself, from its own theme, so the site's versions are left out, each with a warning naming
it, rather than failing the build on two files claiming one address.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from builder.errors import BuildWarning, Warn
from builder.model import PostMeta
from builder.write import Output

_GENERATED = frozenset({"index.html", "404.html", "robots.txt", "feed.xml", "sitemap.xml",
                        "archive/index.html", "tags/index.html"})
_GENERATED_UNDER = ("page/", "tags/", "archive/page/")

Item = TypeVar("Item", bound=tuple)


def is_generated(path: str) -> bool:
    return path in _GENERATED or path.startswith(_GENERATED_UNDER)


def drop_shadowed_pages(parsed: Sequence[Item], warn: Warn) -> list[Item]:
    """(key, meta, body) of posts less the pages whose address build-site's pages take."""
    kept = []
    for item in parsed:
        meta: PostMeta = item[1]
        if meta.layout == "page" and is_generated(meta.output_file):
            warn(BuildWarning(meta.source, None,
                              f"not built: build-site makes its own '{meta.output_file}'"))
        else:
            kept.append(item)
    return kept


def drop_shadowed_files(assets: Sequence[Output], taken: set[str], warn: Warn) -> list[Output]:
    """Static files less those at an address a page already takes."""
    kept = []
    for output in assets:
        if output.path in taken:
            warn(BuildWarning(output.path, None,
                              f"not copied: build-site makes its own '{output.path}'"))
        else:
            kept.append(output)
    return kept
