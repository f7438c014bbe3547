"""``site.toml`` -> a frozen ``Config``.

Every key is optional; an unknown key is an error naming it, because a misspelt key that is
silently ignored is the hardest configuration bug to see.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from builder.errors import BuildError

CONFIG_FILE = "site.toml"
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/tex-chtml.js"


@dataclass(frozen=True)
class FigureSettings:
    """Limits for running authors' figure code (the ``[figures]`` table)."""

    timeout: float = 300.0
    memory_limit_mb: int = 4096
    max_output_bytes: int = 1_000_000
    max_figures_per_block: int = 50
    max_frames: int = 1000
    dpi: int = 100
    retina: int = 2


@dataclass(frozen=True)
class Config:
    root: Path
    title: str = "My technical blog"
    author: str = ""
    description: str = ""
    language: str = "en"
    base_url: str = ""
    posts_dir: str = "posts"
    output_dir: str = "site"
    permalink: str = "/{year}/{month}/{day}/{slug}/"
    timezone: str = "UTC"
    mathjax: str = "local"
    per_page: int = 10
    feed_limit: int = 20
    figures: FigureSettings = field(default_factory=FigureSettings)

    @property
    def posts_path(self) -> Path:
        return self.root / self.posts_dir

    @property
    def output_path(self) -> Path:
        return (self.root / self.output_dir).resolve()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, always ending in ``/`` (``/blog/`` or ``/``)."""
        path = urlsplit(self.base_url).path if self.base_url else "/"
        return path.rstrip("/") + "/"

    @property
    def absolute_base(self) -> str:
        """Scheme and host for feeds and sitemaps, which need absolute URLs ("" when unknown)."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    def url(self, path: str) -> str:
        """A site-relative path (``2016/01/02/x/``) as a link honouring ``base_url``."""
        return self.base_path + path.lstrip("/")

    def absolute_url(self, path: str) -> str:
        return self.absolute_base + self.url(path)


_TYPES: dict[str, Any] = {f.name: f.type for f in fields(Config)}


def _line_of(text: str, key: str) -> int | None:
    match = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _check_value(name: str, value: Any, expected: type, text: str, path: str) -> None:
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        raise BuildError(
            f"'{name}' must be a {expected.__name__}, not {type(value).__name__}",
            path,
            _line_of(text, name.split(".")[-1]),
        )


def _figure_settings(table: Any, text: str, path: str) -> FigureSettings:
    if not isinstance(table, dict):
        raise BuildError("[figures] must be a table", path, _line_of(text, "figures"))
    known = {f.name: f for f in fields(FigureSettings)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise BuildError(
                f"unknown key 'figures.{key}' in {CONFIG_FILE}",
                path,
                _line_of(text, key),
                hint="known keys: " + ", ".join(sorted(known)),
            )
        expected = float if known[key].type in ("float", float) else int
        _check_value(f"figures.{key}", value, expected, text, path)
        if value <= 0:
            raise BuildError(f"'figures.{key}' must be positive", path, _line_of(text, key))
        values[key] = value
    return FigureSettings(**values)


def load_config(root: Path, **overrides: Any) -> Config:
    """Read ``site.toml`` under ``root`` (absent is fine) and apply command-line overrides."""
    root = root.resolve()
    path = root / CONFIG_FILE
    text = ""
    data: dict[str, Any] = {}
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8-sig")
            data = tomllib.loads(text)
        except UnicodeDecodeError as exc:
            raise BuildError(f"not UTF-8: {exc.reason}", CONFIG_FILE) from None
        except tomllib.TOMLDecodeError as exc:
            line = re.search(r"line (\d+)", str(exc))
            raise BuildError(
                f"invalid TOML: {exc}", CONFIG_FILE, int(line.group(1)) if line else None
            ) from None
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "figures":
            values["figures"] = _figure_settings(value, text, CONFIG_FILE)
            continue
        if key not in _TYPES or key == "root":
            raise BuildError(
                f"unknown key '{key}' in {CONFIG_FILE}",
                CONFIG_FILE,
                _line_of(text, key),
                hint="known keys: " + ", ".join(sorted(set(_TYPES) - {"root"})),
            )
        expected = {"str": str, "int": int}.get(str(_TYPES[key]), str)
        _check_value(key, value, expected, text, CONFIG_FILE)
        values[key] = value
    config = Config(root=root, **values)
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    _validate(config, text)
    return config


def _validate(config: Config, text: str) -> None:
    try:
        config.tz  # noqa: B018 - constructing the zone is the validation
    except (ZoneInfoNotFoundError, ValueError):
        raise BuildError(
            f"unknown timezone '{config.timezone}'", CONFIG_FILE, _line_of(text, "timezone")
        ) from None
    if config.per_page < 1 or config.feed_limit < 1:
        raise BuildError("'per_page' and 'feed_limit' must be at least 1", CONFIG_FILE)
    if "{slug}" not in config.permalink or not config.permalink.startswith("/"):
        raise BuildError(
            "'permalink' must start with '/' and contain {slug}",
            CONFIG_FILE,
            _line_of(text, "permalink"),
        )
    if config.mathjax not in ("local", "cdn") and not config.mathjax.startswith(
        ("https://", "http://", "/")
    ):
        raise BuildError(
            "'mathjax' must be 'local', 'cdn' or a URL", CONFIG_FILE, _line_of(text, "mathjax")
        )
    posts = PurePosixPath(config.posts_dir)
    if posts.is_absolute() or not posts.parts or ".." in posts.parts or "\\" in config.posts_dir:
        raise BuildError(
            f"'posts_dir' must be a folder inside the project, not '{config.posts_dir}'",
            CONFIG_FILE, _line_of(text, "posts_dir"),
        )
    parts = urlsplit(config.base_url)
    if config.base_url and (parts.query or parts.fragment or ".." in parts.path.split("/")):
        raise BuildError(f"bad base_url '{config.base_url}'", CONFIG_FILE)
