"""A Jekyll post, draft or page -> ``PostMeta``, with the URL, date, title, categories and
tags Jekyll 4.3 gives it (``document.rb``, ``page.rb``, ``frontmatter_defaults.rb``).

Front matter defaults from ``_config.yml`` apply first. ``layout`` names a theme's layout we do
not run: a post renders with our ``post`` template and a page with ``page`` (or a template of
that name the project adds); a name neither the site nor its theme has is one warning listing
the layouts there are.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import PurePosixPath
from typing import Any

from builder.config import Config
from builder.errors import BuildError, BuildWarning, Warn
from builder.model import PostMeta
from builder.sources.contents_option import toc_depth
from builder.sources.frontmatter import split_front_matter
from builder.sources.image_option import preview_image
from builder.sources.jekyll import JekyllSettings
from builder.sources.jekyll_files import POST_NAME
from builder.sources.permalinks import (
    expand,
    page_placeholders,
    page_template,
    post_placeholders,
    unescape_path,
)
from builder.sources.posts import SourceFile, _checked_url, _Fields, fallback_layout

_NO_LAYOUT = (None, "none", "null", "")


@dataclass(frozen=True)
class JekyllSource:
    """What the Liquid and Markdown stages need of a Jekyll document besides ``PostMeta``."""

    kind: str  # "posts" or "pages", as front matter defaults and Liquid name them
    data: dict[str, Any]  # front matter, defaults applied (Liquid's ``page``)
    body: str
    excerpt_separator: str
    is_html: bool  # an .html document: Liquid, no Markdown


def kind_of(path: str) -> str:
    parts = PurePosixPath(path).parts
    return "posts" if "_posts" in parts or "_drafts" in parts else "pages"


def read_jekyll_source(
    source: SourceFile, config: Config, layouts: frozenset[str], warn: Warn
) -> tuple[PostMeta, JekyllSource]:
    settings = config.jekyll
    assert settings is not None
    kind = kind_of(source.path)
    try:
        matter, lines, body, body_line = split_front_matter(source.text, source.path)
    except BuildError as error:  # Jekyll keeps the last of a repeated key: so do we, and say so
        if "duplicate key" not in error.message:
            raise
        matter, lines, body, body_line = split_front_matter(source.text, source.path, True)
        line = error.location.line if error.location else None
        warn(BuildWarning(source.path, line, error.message.replace("front matter: ", "")
                          + ": the last one counts, as in Jekyll"))
    data = _with_defaults(settings, source.path, kind, matter)
    fields = _Fields(data, lines, source.path)
    draft = "_drafts" in PurePosixPath(source.path).parts
    named = POST_NAME.match(source.path) if kind == "posts" and not draft else None
    stem = PurePosixPath(source.path).stem
    file_slug = (named.group(2) if named else stem).rstrip(".")
    slug = str(data.get("slug") or file_slug)
    when = _date(fields, data, config, source.path, named, draft, kind)
    categories = _categories(source.path, data, kind)
    tags = _words(data, "tags", "tag")
    if kind == "posts":
        template = str(data.get("permalink") or config.permalink)
        values = post_placeholders(when, slug, stem, categories)
        title = str(data.get("title") or " ".join(w.capitalize() for w in slug.split("-")))
    else:
        template = str(data.get("permalink") or page_template(source.path,
                                                              settings.permalink_style))
        values = page_placeholders(source.path)
        title = str(data.get("title") or values["basename"].replace("-", " ").capitalize())
    try:
        url = unescape_path(expand(template, values))
    except KeyError as missing:
        raise BuildError(
            f"permalink '{template}' uses :{missing.args[0]}, which Jekyll does not know",
            source.path if "permalink" in data and "permalink" in lines else
            settings.config_file, lines.get("permalink"),
        ) from None
    if not url.endswith("/") and "." not in url.rsplit("/", 1)[-1]:
        url += "/"  # Jekyll writes title.html for /title; a folder serves on every server
    for bad in "?#%\\":
        if bad in url:
            raise BuildError(f"the URL '{url}' holds '{bad}', which no static server serves",
                             source.path, lines.get("permalink"))
    image, image_alt = preview_image(data, lines, source.path, url, jekyll=True)
    meta = PostMeta(
        source=source.path,
        slug=slug,
        title=title,
        date=when,
        updated=_updated(fields, data, config),
        tags=tuple(dict.fromkeys([*tags, *categories])),
        draft=draft or data.get("published") is False,
        description=str(data.get("description") or ""),
        url=_checked_url("/" + url.lstrip("/"), source.path, lines.get("permalink")),
        layout=_layout(data, kind, layouts, settings, source.path, lines, warn),
        use_math=any(bool(data.get(k)) for k in ("use_math", "math", "mathjax")),
        body_line=body_line,
        categories=categories,
        dated=kind == "posts" or data.get("date") is not None,
        toc_depth=toc_depth(data, lines, source.path, jekyll=True),
        image=image,
        image_alt=image_alt,
    )
    separator = str(data.get("excerpt_separator") or settings.excerpt_separator)
    is_html = PurePosixPath(source.path).suffix.lower() in (".html", ".htm")
    return meta, JekyllSource(kind, data, body, separator, is_html)


def jekyll_key(source: SourceFile, config: Config) -> tuple[str, ...]:
    """What a Jekyll document's parse depends on besides its bytes and our settings: the
    whole ``_config.yml`` (Liquid's ``site``, defaults, the permalink style), the path links
    start with (the preview's differs) and, for an
    undated draft, its file's time (Jekyll dates drafts by it)."""
    parts = (repr(config.jekyll), config.base_path)
    if "_drafts" in PurePosixPath(source.path).parts:
        with contextlib.suppress(OSError):
            parts += (str(int(os.stat(config.root / source.path).st_mtime)),)
    return parts


def _with_defaults(settings: JekyllSettings, path: str, kind: str,
                   matter: dict[str, Any]) -> dict[str, Any]:
    """``FrontmatterDefaults#all``: every matching scope, the more specific winning, and the
    front matter over all of them."""
    merged: dict[str, Any] = {}
    best: dict[str, Any] | None = None
    for entry in settings.defaults_list():
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
            continue
        scope = entry.get("scope") or {}
        scope_type = {"post": "posts", "page": "pages", "draft": "posts"}.get(
            scope.get("type"), scope.get("type"))
        scope_path = str(scope.get("path") or "").strip("/")
        if scope_type is not None and scope_type != kind:
            continue
        if scope_path and not _in_scope(path, scope_path):
            continue
        if best is None or _precedes(scope, best):
            merged = {**merged, **entry["values"]}
            best = scope
        else:
            merged = {**entry["values"], **merged}
    return {**merged, **matter}


def _in_scope(path: str, scope_path: str) -> bool:
    if "*" in scope_path:
        from fnmatch import fnmatchcase

        return fnmatchcase(path, scope_path) or fnmatchcase(path, scope_path + "/*")
    return path.startswith(scope_path)


def _precedes(new: dict[str, Any], old: dict[str, Any]) -> bool:
    new_path = str(new.get("path") or "").strip("/")
    old_path = str(old.get("path") or "").strip("/")
    if len(new_path) != len(old_path):
        return len(new_path) >= len(old_path)
    return "type" in new or "type" not in old


def _date(fields: _Fields, data: dict[str, Any], config: Config, path: str,
          named: re.Match[str] | None, draft: bool, kind: str) -> datetime:
    tz = config.tz
    if data.get("date") is not None:
        return fields.datetime("date", tz).astimezone(tz)
    if named:
        year, month, day = (int(part) for part in named.group(1).split("-"))
        try:
            return datetime(year, month, day, tzinfo=tz)
        except ValueError:
            raise BuildError(f"bad date in file name '{named.group(1)}'", path) from None
    if draft:  # Jekyll dates a draft by its file's modification time
        stamp = os.stat(config.root / path).st_mtime
        return datetime.fromtimestamp(int(stamp), UTC).astimezone(tz)
    if kind == "pages":
        return datetime.combine(datetime(1970, 1, 1).date(), time(), UTC)
    raise BuildError("post has no date", path, 1)


def _updated(fields: _Fields, data: dict[str, Any], config: Config) -> datetime | None:
    for key in ("last_modified_at", "updated"):
        if data.get(key) is not None:
            return fields.datetime(key, config.tz)
    return None


def _words(data: dict[str, Any], plural: str, singular: str) -> list[str]:
    """``Utils.pluralized_array_from_hash``: a list, or a string of words, or one word."""
    value = data.get(plural)
    if value is None:
        value = data.get(singular)
        value = [value] if value is not None and not isinstance(value, list) else value
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list):
        return []
    out: list[str] = []
    for item in value:
        if isinstance(item, list):
            out.extend(str(i) for i in item)
        elif item is not None and str(item).strip():
            out.append(str(item).strip())
    return out


def _categories(path: str, data: dict[str, Any], kind: str) -> tuple[str, ...]:
    """The folders above ``_posts/`` (``blog/_posts/x.md`` is in ``blog``), then the front
    matter's ``categories`` and ``category``."""
    found: list[str] = []
    if kind == "posts":
        parts = PurePosixPath(path).parts
        special = "_drafts" if "_drafts" in parts else "_posts"
        found += list(parts[: parts.index(special)])
    found += _words(data, "categories", "category")
    if "categories" in data and "category" in data and data.get("category") is not None:
        found += _words({"c": data["category"]}, "c", "c")
    return tuple(dict.fromkeys(found))


def _layout(data: dict[str, Any], kind: str, layouts: frozenset[str],
            settings: JekyllSettings, path: str, lines: dict[str, int], warn: Warn) -> str:
    """A post renders with our ``post`` template and a page with ``page`` whatever theme
    layout they name (``default``, ``post``...), unless the project has a template of that
    name; a name neither the site nor its theme has is a warning."""
    fallback = "post" if kind == "posts" else "page"
    wanted = data.get("layout")
    wanted = None if wanted is None else str(wanted)
    if wanted in _NO_LAYOUT or wanted in ("post", "page"):
        return fallback
    return fallback_layout(str(wanted), fallback, layouts,
                           settings.layouts, path, lines.get("layout", 1), warn)
