"""A Jekyll site's ``_config.yml``: read as Jekyll 4.3 reads it, turned into our settings.

``build-site build`` inside a Jekyll site (``_config.yml``, ``_posts/``) builds it with no
edits: ``title``, ``description``, ``author``, ``url`` + ``baseurl``, ``permalink``,
``timezone``, ``paginate``, ``lang`` and ``markdown`` become the settings of the same meaning
(a ``site.toml`` beside it still overrides any of them); what only Jekyll's reading needs
(``exclude``, ``include``, ``defaults``, ``excerpt_separator``, ``future``, the whole mapping
for Liquid's ``site``) is kept in a ``JekyllSettings``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from builder.errors import BuildError, BuildWarning
from builder.sources.frontmatter import load_yaml
from builder.sources.permalinks import style_template

CONFIG_FILES = ("_config.yml", "_config.yaml")
MARKDOWN_EXTS = ("markdown", "mkdown", "mkdn", "mkd", "md")
# Jekyll's DEFAULT_EXCLUDES, always added to the site's own.
DEFAULT_EXCLUDES = (".sass-cache", ".jekyll-cache", "gemfiles", "Gemfile", "Gemfile.lock",
                    "node_modules", "vendor/bundle/", "vendor/cache/", "vendor/gems/",
                    "vendor/ruby/")
# Our own files in a project folder: never a Jekyll site's content.
OURS = ("site.toml", "figures.lock", "templates", "static")
# Layout names of a gem theme named in ``theme:`` (the site has no _layouts/ of its own).
_THEME_LAYOUTS = ("default", "home", "page", "post")


@dataclass(frozen=True)
class JekyllSettings:
    """What of ``_config.yml`` only the reading of a Jekyll site needs; plain, hashable data
    (it is part of the parse key)."""

    config_file: str
    data: str  # the whole mapping as canonical JSON: Liquid's ``site``
    permalink_style: str = "date"
    excerpt_separator: str = "\n\n"
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    include: tuple[str, ...] = (".htaccess",)
    defaults: str = "[]"  # front matter defaults, as JSON
    future: bool = False
    unpublished: bool = False
    markdown_exts: tuple[str, ...] = MARKDOWN_EXTS
    layouts: tuple[str, ...] = ()  # the site's (or its theme's) layout names: accepted
    top_level: tuple[str, ...] = ()  # names at the site's top that are published as they are
    collections: tuple[str, ...] = ()  # collections besides posts: not built (said once)
    warnings: tuple[BuildWarning, ...] = ()  # what reading _config.yml built around

    def site_data(self) -> dict[str, Any]:
        return json.loads(self.data)

    def defaults_list(self) -> list[dict[str, Any]]:
        return json.loads(self.defaults)


def config_file(root: Path) -> Path | None:
    """The Jekyll configuration of the site at ``root``, if it is a Jekyll site."""
    for name in CONFIG_FILES:
        if (root / name).is_file():
            return root / name
    return None


def read_jekyll_config(root: Path, path: Path) -> tuple[dict[str, Any], JekyllSettings]:
    """Our settings (``Config`` field -> value) and the Jekyll-only ones, from ``path``."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise BuildError(f"not UTF-8: {exc.reason}", name) from None
    warnings: list[BuildWarning] = []
    try:
        data, lines = load_yaml(text, name, first_line=1, what="configuration")
    except BuildError as error:  # Jekyll keeps the last of a repeated key: so do we, and say so
        if "duplicate key" not in error.message:
            raise
        data, lines = load_yaml(text, name, first_line=1, what="configuration", lenient=True)
        warnings.append(BuildWarning(name, error.location.line if error.location else None,
                                     error.message.replace("configuration: ", "")
                                     + ": the last one counts, as in Jekyll"))
    fields = _Reader(data, lines, name)
    values: dict[str, Any] = {"dialect": "kramdown"
                              if fields.text("markdown", "kramdown").lower() == "kramdown"
                              else "pandoc"}
    for key, ours in (("title", "title"), ("description", "description"), ("lang", "language"),
                      ("timezone", "timezone")):
        if data.get(key) is not None:
            values[ours] = fields.text(key)
    author = data.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    if author is not None:
        values["author"] = str(author)
    url, baseurl = fields.text("url").rstrip("/"), fields.text("baseurl").strip("/")
    if url or baseurl:
        values["base_url"] = f"{url}/{baseurl}/" if baseurl else f"{url}/"
    style = fields.text("permalink", "date")
    values["permalink"] = style_template(style)
    if isinstance(data.get("paginate"), int) and data["paginate"] > 0:
        values["per_page"] = data["paginate"]
    values["output_dir"] = "site"
    settings = JekyllSettings(
        config_file=name,
        data=json.dumps(data, sort_keys=True, default=_plain),
        permalink_style=style,
        excerpt_separator=fields.text("excerpt_separator", "\n\n"),
        exclude=tuple(dict.fromkeys(fields.names("exclude") + DEFAULT_EXCLUDES)),
        include=tuple(fields.names("include", [".htaccess"])),
        defaults=json.dumps(fields.list("defaults"), sort_keys=True, default=_plain),
        future=bool(data.get("future")),
        unpublished=bool(data.get("unpublished")),
        markdown_exts=tuple(e.strip().lower() for e in fields.text(
            "markdown_ext", ",".join(MARKDOWN_EXTS)).split(",") if e.strip()),
        layouts=_layouts(root, data),
        top_level=_top_level(root),
        collections=_collections(data),
        warnings=tuple(warnings),
    )
    return values, settings


def _layouts(root: Path, data: dict[str, Any]) -> tuple[str, ...]:
    folder = root / str(data.get("layouts_dir") or "_layouts")
    names = {p.stem for p in folder.glob("*.htm*")} if folder.is_dir() else set()
    if data.get("theme") or data.get("remote_theme"):
        names.update(_THEME_LAYOUTS)
    return tuple(sorted(names))


def _top_level(root: Path) -> tuple[str, ...]:
    """Folders and files at the top of the site that Jekyll copies (``public``, ``assets``,
    ``images``, ``favicon.ico``): a post's relative link to one of them means the site's."""
    return tuple(sorted(name for name in os.listdir(root)
                        if not name.startswith((".", "_", "#", "~")) and not name.endswith("~")
                        and name not in OURS))


def without_output(settings: JekyllSettings, root: Path, output: Path) -> JekyllSettings:
    """The settings less our own output folder (known once ``site.toml`` is read)."""
    names = tuple(n for n in settings.top_level if (root / n).resolve() != output)
    return replace(settings, top_level=names)


def _collections(data: dict[str, Any]) -> tuple[str, ...]:
    found = data.get("collections")
    names = list(found) if isinstance(found, (dict, list)) else []
    return tuple(sorted(str(n) for n in names if str(n) != "posts"))


def _plain(value: object) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


class _Reader:
    """Typed access to ``_config.yml`` values, failing with the line of the key."""

    def __init__(self, data: dict[str, Any], lines: dict[str, int], path: str) -> None:
        self.data, self.lines, self.path = data, lines, path

    def fail(self, key: str, message: str) -> BuildError:
        return BuildError(message, self.path, self.lines.get(key))

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, (dict, list)):
            raise self.fail(key, f"'{key}' must be text, not a {type(value).__name__}")
        return str(value)

    def list(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, f"'{key}' must be a list, not a {type(value).__name__}")
        return value

    def names(self, key: str, default: list[str] | None = None) -> tuple[str, ...]:
        if key not in self.data:
            return tuple(default or ())
        return tuple(str(v) for v in self.list(key) if v is not None)


_FENCE = re.compile(rb"\A(?:\xef\xbb\xbf)?---[ \t]*\r?\n")


def has_front_matter(path: Path) -> bool:
    """``Utils.has_yaml_header?``: the file starts with a ``---`` line."""
    try:
        with path.open("rb") as handle:
            return bool(_FENCE.match(handle.read(64)))
    except OSError:
        return False
