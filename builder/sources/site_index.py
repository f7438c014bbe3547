"""What Liquid in one Jekyll document may read of the others: ``site.posts``, ``site.pages``,
``site.tags``, ``site.categories``, ``site.data``, and the addresses ``post_url`` and ``link``
resolve to.

A document's Liquid output can depend on every post's front matter, the ``_includes/`` and
``_data/`` files and the static files, so documents that hold Liquid are parsed again when
any of those change: ``site_digest`` is part of their parse key. It is made from bytes alone
(each post's front matter, the folders' files), cheaply, on every build; the index itself is
made only when such a document must be parsed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from builder.clock import build_now, epoch_now
from builder.config import Config
from builder.errors import BuildError, ignore_warning
from builder.fsutil import digest, file_digest
from builder.model import PostMeta
from builder.sources.posts import SourceFile


@dataclass(frozen=True)
class SiteIndex:
    """Plain data (it travels to the parse workers)."""

    posts: tuple[dict[str, Any], ...] = ()  # published posts, newest first
    pages: tuple[dict[str, Any], ...] = ()
    static_files: tuple[dict[str, Any], ...] = ()
    posts_by_path: tuple[tuple[str, str], ...] = ()  # (source path, URL): post_url
    files: dict[str, str] = field(default_factory=dict)  # source path -> URL: link
    data: dict[str, Any] = field(default_factory=dict)  # _data/
    time: datetime | None = None

    def site(self, config: Config) -> dict[str, Any]:
        """Liquid's ``site``: ``_config.yml`` and what Jekyll adds to it."""
        settings = config.jekyll
        assert settings is not None
        site = settings.site_data()
        tags: dict[str, list[dict[str, Any]]] = {}
        categories: dict[str, list[dict[str, Any]]] = {}
        for post in self.posts:
            for tag in post["tags"]:
                tags.setdefault(tag, []).append(post)
            for category in post["categories"]:
                categories.setdefault(category, []).append(post)
        site.update({
            "posts": list(self.posts), "pages": list(self.pages),
            "static_files": list(self.static_files), "tags": tags, "categories": categories,
            "data": self.data, "time": self.time, "baseurl": config.base_path.rstrip("/"),
            "url": config.absolute_base or site.get("url") or "",
            "html_pages": [p for p in self.pages if p["url"].endswith(("/", ".html"))],
            "documents": list(self.posts),
        })
        return site


def url_of(meta: PostMeta) -> str:
    """The address Liquid sees (Jekyll's escaping), without the base path."""
    return "/" + quote(meta.url, safe="/!$&'()*+,;=:@-._~")


def drop(meta: PostMeta, data: dict[str, Any]) -> dict[str, Any]:
    """A post or page as Liquid sees it: its front matter, and what Jekyll adds."""
    values = json.loads(json.dumps(data, default=str))
    values.update({
        "title": meta.title, "url": url_of(meta), "date": meta.date, "slug": meta.slug,
        "path": meta.source, "id": url_of(meta).rstrip("/"), "draft": meta.draft,
        "tags": [t for t in meta.tags if t not in meta.categories],
        "categories": list(meta.categories), "description": meta.description,
    })
    return values


def build_site_index(sources: Sequence[SourceFile], config: Config,
                     layouts: frozenset[str], static: dict[str, Path]) -> SiteIndex:
    from builder.sources.jekyll_posts import read_jekyll_source

    now = build_now()
    posts, pages, files = [], [], {}
    by_path = []
    for source in sources:
        try:
            meta, doc = read_jekyll_source(source, config, layouts, ignore_warning)
        except BuildError:
            continue  # the document's own parse reports it
        files[source.path] = url_of(meta)
        if doc.kind == "pages":
            pages.append(drop(meta, doc.data))
            continue
        if meta.draft or (meta.date > now and not config.jekyll.future):  # type: ignore[union-attr]
            continue
        by_path.append((source.path, url_of(meta)))
        posts.append(drop(meta, doc.data))
    posts.sort(key=lambda p: (p["date"], p["path"]), reverse=True)
    statics = []
    for rel in sorted(static):
        files[rel] = "/" + quote(rel, safe="/!$&'()*+,;=:@-._~")
        name = rel.rsplit("/", 1)[-1]
        statics.append({"path": "/" + rel, "name": name,
                        "basename": name.rsplit(".", 1)[0],
                        "extname": "." + name.rsplit(".", 1)[1] if "." in name else ""})
    newest = posts[0]["date"] if posts else None
    return SiteIndex(tuple(posts), tuple(sorted(pages, key=lambda p: p["path"])),
                     tuple(statics), tuple(by_path), files, read_data(config.root),
                     epoch_now() or newest)


def read_data(root: Path) -> dict[str, Any]:
    """``site.data``: every YAML and JSON file of ``_data/``, by folder and name."""
    import yaml

    folder = root / "_data"
    data: dict[str, Any] = {}
    if not folder.is_dir():
        return data
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in (".yml", ".yaml", ".json") or not path.is_file():
            continue
        node = data
        for part in path.relative_to(folder).parent.parts:
            node = node.setdefault(part, {})
        text = path.read_text(encoding="utf-8-sig")
        try:
            node[path.stem] = json.loads(text) if path.suffix == ".json" else \
                yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:
            raise BuildError(f"cannot read data file: {exc}".split("\n")[0],
                             path.relative_to(root).as_posix()) from None
    return data


def site_digest(sources: Sequence[SourceFile], config: Config,
                static: dict[str, Path]) -> str:
    """A hash of everything Liquid may read of the site besides the document itself."""
    parts = [os.environ.get("JEKYLL_ENV", "development"), build_now().date().isoformat()]
    for source in sources:
        parts.append(source.path + "\0" + source.head)
    for name in ("_includes", "_data"):
        folder = config.root / name
        if folder.is_dir():
            parts += [f"{p.relative_to(config.root).as_posix()}\0{file_digest(p)}"
                      for p in sorted(folder.rglob("*")) if p.is_file()]
    parts += sorted(static)
    return digest("\n".join(parts).encode())


class LiquidSite:
    """The rest of the site for one build's Jekyll documents: the digest their parse keys
    need (when they hold Liquid) and, made on first use, the index their Liquid reads."""

    def __init__(self, sources: Sequence[SourceFile], config: Config,
                 layouts: frozenset[str]) -> None:
        from builder.sources.jekyll_files import find_site_files

        self.sources, self.config, self.layouts = sources, config, layouts
        self.uses = [s.liquid for s in sources]
        self.static = find_site_files(config).static if any(self.uses) else {}
        self.digest = site_digest(sources, config, self.static) if any(self.uses) else ""
        self._index: SiteIndex | None = None

    def key(self, i: int) -> str:
        """What the ``i``-th document's parse depends on besides itself."""
        return self.digest if self.uses[i] else ""

    def index(self) -> SiteIndex:
        if self._index is None:
            from builder.sources.known import loaded

            root = self.config.root
            self._index = build_site_index([loaded(s, root) for s in self.sources],
                                           self.config, self.layouts, self.static)
        return self._index
