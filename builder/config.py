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
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from builder.errors import BuildError, BuildWarning, type_words
from builder.sources.jekyll import (
    JekyllSettings,
    config_file,
    read_jekyll_config,
    without_output,
)

CONFIG_FILE = "site.toml"
_URL_SAFE = "/%:@!$&'()*+,;=~"  # what stays as it is when a path is made a URI (RFC 3986)
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
    quality: int = 80  # JPEG and WebP figures, 1-100
    # A cache shared between machines: any fsspec URL or a folder (builder/shared_cache.py);
    # not part of any block's key, like the line of site.toml it is set on.
    cache: str = ""
    cache_line: int | None = None


# Bounds of the [figures] settings; nan, inf, zero and negative values are errors.
_FIGURE_LIMITS: dict[str, tuple[float, float]] = {
    "timeout": (0.001, 86_400), "memory_limit_mb": (256, 1_048_576),
    "max_output_bytes": (1, 10**9), "max_figures_per_block": (1, 10_000),
    "max_frames": (1, 100_000), "dpi": (1, 10_000), "retina": (1, 8), "quality": (1, 100),
}
MATHJAX_MODES = ("build", "client", "local", "cdn")


@dataclass(frozen=True)
class MathSettings:
    """How math is typeset at build time (the ``[math]`` table)."""

    output: str = "chtml"  # MathJax's HTML-and-CSS output, as in the browser; or "svg"
    scale: float = 1.0  # math size relative to the text, on top of matching its x-height
    # TeX macros for every post: (name, definition, number of arguments), as MathJax's
    # ``macros`` option; a tuple so that the settings stay hashable and print stably.
    macros: tuple[tuple[str, str, int], ...] = ()

    def macros_option(self) -> dict[str, str | list[str | int]]:
        return {name: [body, count] if count else body for name, body, count in self.macros}


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
    mathjax: str = "build"  # or "client" ("local"), "cdn", a URL: MathJax in the browser
    dialect: str = "pandoc"  # how Markdown math is read: "pandoc" or "kramdown" (Jekyll's)
    inline_dollars: bool = True  # kramdown dialect: whether the blog's MathJax reads $...$
    per_page: int = 10
    feed_limit: int = 20
    search: bool = True  # a search box, over an index Pagefind makes of the posts
    cards: bool = True  # social card images for link previews (with an absolute base_url)
    # Citations for every post (project-relative .bib files), and their style (a shipped
    # style's name or a .csl file's path; "": Pandoc's Chicago author-date)
    bibliography: tuple[str, ...] = ()
    csl: str = ""
    figures: FigureSettings = field(default_factory=FigureSettings)
    # site.toml's [execute] and [format.html]: figure options for every block (Quarto's
    # project options), and what was said about them (options that cannot be defaults).
    figure_defaults: dict[str, Any] = field(default_factory=dict, hash=False)
    figure_default_warnings: tuple[BuildWarning, ...] = ()
    # [format.html]'s number-sections, number-depth, number-offset, shift-heading-level-by
    # and [format.html.crossref]: every post's, as a Quarto project's (its own win)
    numbering: dict[str, Any] = field(default_factory=dict, hash=False)
    math: MathSettings = field(default_factory=MathSettings)
    # Not a site.toml key: what _config.yml says when the project is a Jekyll site.
    jekyll: JekyllSettings | None = None
    # Not a site.toml key: the preview serves the site at "/" whatever base_url's path is,
    # while feeds, sitemaps and canonical links keep the public URL.
    links_at_root: bool = False
    # Not a site.toml key: where output_dir was set, for errors about it: ("site.toml", line),
    # ("--out", None), or (None, None) for the default.
    output_origin: tuple[str | None, int | None] = field(default=(None, None), compare=False,
                                                         repr=False)

    @property
    def math_at_build(self) -> bool:
        """Math is typeset when the site is built (else by MathJax in the reader's browser)."""
        return self.mathjax == "build"

    @property
    def posts_path(self) -> Path:
        return self.root / self.posts_dir

    @property
    def output_path(self) -> Path:
        return (self.root / self.output_dir).resolve()

    @property
    def markdown(self) -> tuple[str, bool]:
        """What the Markdown parser is made for: the math dialect and ``$...$`` math."""
        return self.dialect, self.inline_dollars or self.dialect == "pandoc"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def public_path(self) -> str:
        """The URL path the site is published under, ending in ``/`` (``/blog/`` or ``/``)."""
        path = urlsplit(self.base_url).path if self.base_url else "/"
        return path.rstrip("/") + "/"

    @property
    def base_path(self) -> str:
        """The URL path links start with: the public one, or ``/`` in the preview."""
        return "/" if self.links_at_root else self.public_path

    @property
    def absolute_base(self) -> str:
        """Scheme and host of the public site ("" when ``base_url`` does not say them).
        Feeds, sitemaps and canonical links are written only when it is known: a relative
        Atom id or sitemap location is invalid, and worse than none."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    def url(self, path: str) -> str:
        """A site-relative path (``2016/01/02/x/``) as a link honouring ``base_url``."""
        return self.base_path + path.lstrip("/")

    def absolute_url(self, path: str) -> str:
        """The public URL of a site-relative path; only meaningful with an ``absolute_base``."""
        return self.absolute_base + quote(self.public_path + path.lstrip("/"), safe=_URL_SAFE)


_NOT_KEYS = frozenset({"root", "links_at_root", "jekyll", "output_origin", "figure_defaults",
                       "figure_default_warnings", "numbering"})
_TYPES: dict[str, Any] = {f.name: f.type for f in fields(Config) if f.name not in _NOT_KEYS}


def _line_of(text: str, key: str) -> int | None:
    match = re.search(rf"^[ \t]*{re.escape(key)}[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _table_line(text: str, name: str) -> int | None:
    """The line of a ``[name]`` table header."""
    match = re.search(rf"^[ \t]*\[{re.escape(name)}\]", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _check_value(name: str, value: Any, expected: type, text: str, path: str) -> None:
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        raise BuildError(
            f"'{name}' must be {type_words(expected)}, not {type_words(type(value))}",
            path,
            _line_of(text, name.split(".")[-1]),
        )


def _figure_settings(table: Any, text: str, path: str) -> FigureSettings:
    if not isinstance(table, dict):
        raise BuildError("[figures] must be a table", path, _line_of(text, "figures"))
    known = {f.name: f for f in fields(FigureSettings)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known or key == "cache_line":
            raise BuildError(
                f"unknown key 'figures.{key}' in {CONFIG_FILE}",
                path,
                _line_of(text, key),
                hint="known keys: " + ", ".join(sorted(set(known) - {"cache_line"})),
            )
        if key == "cache":
            values.update(_shared_cache(value, text, path))
            continue
        expected = float if known[key].type in ("float", float) else int
        _check_value(f"figures.{key}", value, expected, text, path)
        low, high = _FIGURE_LIMITS.get(key, (1, 10**9))
        if not low <= value <= high:  # also false for nan: a limit is never switched off
            raise BuildError(f"'figures.{key}' must be between {low:g} and {high:g}, "
                             f"not {value!r}", path, _line_of(text, key))
        values[key] = value
    return FigureSettings(**values)


def _shared_cache(value: Any, text: str, path: str) -> dict[str, Any]:
    from builder.shared_cache import url_problem

    _check_value("figures.cache", value, str, text, path)
    line = _line_of(text, "cache")
    problem = url_problem(value)
    if problem:
        raise BuildError(f"'figures.cache': {problem}", path, line)
    return {"cache": value.strip(), "cache_line": line}


_MACRO_NAME = re.compile(r"[A-Za-z]+|[^A-Za-z\s]")


def _math_settings(table: Any, text: str, path: str) -> MathSettings:
    if not isinstance(table, dict):
        raise BuildError("[math] must be a table", path, _line_of(text, "math"))
    values: dict[str, Any] = {}
    for key, value in table.items():
        line = _line_of(text, key)
        if key == "output":
            if value not in ("chtml", "svg"):
                raise BuildError("'math.output' must be \"chtml\" or \"svg\"", path, line)
            values[key] = value
        elif key == "scale":
            _check_value("math.scale", value, float, text, path)
            if not 0.25 <= value <= 4:
                raise BuildError("'math.scale' must be between 0.25 and 4", path, line)
            values[key] = float(value)
        elif key == "macros":
            values[key] = _macros(value, text, path)
        else:
            raise BuildError(f"unknown key 'math.{key}' in {CONFIG_FILE}", path, line,
                             hint="known keys: macros, output, scale")
    return MathSettings(**values)


def _macros(table: Any, text: str, path: str) -> tuple[tuple[str, str, int], ...]:
    """``RR = "\\mathbb{R}"`` or, with arguments, ``norm = ["\\lVert #1 \\rVert", 1]``."""
    if not isinstance(table, dict):
        raise BuildError("'math.macros' must be a table of name = definition",
                         path, _line_of(text, "macros"))
    macros = []
    for name, value in sorted(table.items()):
        line = _line_of(text, name)
        body, count = (value, 0) if isinstance(value, str) else (None, None)
        if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) \
                and isinstance(value[1], int) and not isinstance(value[1], bool):
            body, count = value
        if body is None or count is None or not 0 <= count <= 9:
            raise BuildError(
                f"macro '{name}' must be a TeX string or [definition, number of arguments]",
                path, line,
                hint='e.g. RR = "\\\\mathbb{R}" or norm = ["\\\\lVert #1 \\\\rVert", 1]',
            )
        if not _MACRO_NAME.fullmatch(name):
            raise BuildError(f"'{name}' is not a TeX macro name (letters only)", path, line)
        macros.append((name, body, count))
    return tuple(macros)


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
    jekyll_file = config_file(root)
    if jekyll_file is not None:  # a Jekyll site: its _config.yml first, site.toml overrides
        values, values["jekyll"] = read_jekyll_config(root, jekyll_file)
    if "execute" in data or "format" in data:
        from builder.figures.defaults import site_defaults
        from builder.sources.crossref_option import site_numbering

        said: list[BuildWarning] = []
        values["figure_defaults"] = site_defaults(data, lambda key: _table_line(text, key)
                                                  or _line_of(text, key), said.append)
        values["numbering"] = site_numbering(data, lambda key: _table_line(text, key)
                                             or _line_of(text, key), said.append)
        values["figure_default_warnings"] = tuple(said)
    for key, value in data.items():
        if key == "figures":
            values["figures"] = _figure_settings(value, text, CONFIG_FILE)
            continue
        if key in ("execute", "format"):
            continue
        if key == "math":
            values["math"] = _math_settings(value, text, CONFIG_FILE)
            continue
        if key in ("bibliography", "csl"):
            from builder.sources.bibliography_option import site_bibliography, style

            line = _line_of(text, key)
            if key == "csl" and not (isinstance(value, str) and value.strip()):
                raise BuildError("'csl' must name a style file or a shipped style",
                                 CONFIG_FILE, line)
            values[key] = site_bibliography(value, line, root) if key == "bibliography" \
                else style(root, "", value.strip(), CONFIG_FILE, line)
            continue
        if key not in _TYPES:
            raise BuildError(
                f"unknown key '{key}' in {CONFIG_FILE}",
                CONFIG_FILE,
                _line_of(text, key),
                hint="known keys: " + ", ".join(sorted([*_TYPES, "execute", "format"])),
            )
        expected = {"str": str, "int": int, "bool": bool}.get(str(_TYPES[key]), str)
        _check_value(key, value, expected, text, CONFIG_FILE)
        values[key] = value
    if "output_dir" in data:
        values["output_origin"] = (CONFIG_FILE, _line_of(text, "output_dir"))
    if overrides.get("output_dir") is not None:
        values["output_origin"] = ("--out", None)
    config = Config(root=root, **values)
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    if config.jekyll is not None:
        config = replace(config, jekyll=without_output(config.jekyll, root, config.output_path))
    _validate(config, text)
    return config


def _validate(config: Config, text: str) -> None:
    try:
        config.tz  # noqa: B018 - constructing the zone is the validation
    except (ZoneInfoNotFoundError, ValueError):
        line = _line_of(text, "timezone")
        where = config.jekyll.config_file if config.jekyll and not line else CONFIG_FILE
        raise BuildError(f"unknown timezone '{config.timezone}'", where, line) from None
    if config.per_page < 1 or config.feed_limit < 1:
        raise BuildError("'per_page' and 'feed_limit' must be at least 1", CONFIG_FILE)
    if config.jekyll is not None:
        pass  # a Jekyll permalink template: its placeholders are checked post by post
    elif "{slug}" not in config.permalink or not config.permalink.startswith("/"):
        raise BuildError(
            "'permalink' must start with '/' and contain {slug}",
            CONFIG_FILE,
            _line_of(text, "permalink"),
        )
    if config.dialect not in ("pandoc", "kramdown"):
        raise BuildError(
            f"'dialect' must be 'pandoc' or 'kramdown', not '{config.dialect}'", CONFIG_FILE,
            _line_of(text, "dialect"),
        )
    if config.mathjax not in MATHJAX_MODES and not config.mathjax.startswith(
        ("https://", "http://", "/")
    ):
        raise BuildError(
            "'mathjax' must be 'build', 'client', 'cdn' or a URL", CONFIG_FILE,
            _line_of(text, "mathjax"),
        )
    posts = PurePosixPath(config.posts_dir)
    if posts.is_absolute() or not posts.parts or ".." in posts.parts or "\\" in config.posts_dir:
        raise BuildError(
            f"'posts_dir' must be a folder inside the project, not '{config.posts_dir}'",
            CONFIG_FILE, _line_of(text, "posts_dir"),
        )
    parts = urlsplit(config.base_url)
    public = parts.scheme in ("http", "https") and parts.netloc
    path_only = not parts.scheme and not parts.netloc and config.base_url.startswith("/")
    if config.base_url and (parts.query or parts.fragment or ".." in parts.path.split("/")
                            or not (public or path_only)):
        raise BuildError(
            f"bad base_url '{config.base_url}'", CONFIG_FILE, _line_of(text, "base_url"),
            hint="give the public address, 'https://example.org/blog/', or a path, '/blog/'",
        )


def url_warnings(config: Config) -> list[BuildWarning]:
    """Without an absolute ``base_url`` the feed, the sitemap and canonical links are left
    out (relative ones are invalid); say so on every build, as Quarto does for its feeds."""
    if config.absolute_base:
        return []
    path = config.root / CONFIG_FILE
    text = path.read_text(encoding="utf-8-sig", errors="replace") if path.is_file() else ""
    what = f"base_url '{config.base_url}' has no scheme and host" if config.base_url \
        else "no base_url"
    hint = 'set base_url = "https://example.org/" in site.toml, or build with --base-url'
    if config.jekyll is not None and not text:
        hint = f"set url: https://example.org in {config.jekyll.config_file}, or build with " \
            "--base-url"
    return [BuildWarning(
        CONFIG_FILE if text else None, _line_of(text, "base_url"),
        f"{what}: feed.xml and sitemap.xml are not written and pages have no canonical link",
        hint,
    )]
