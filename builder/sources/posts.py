"""Find the posts and turn each file's front matter and name into a validated ``PostMeta``.

Jekyll posts work as they are (``layout``, ``title``, ``use_math``, the ``YYYY-MM-DD-slug.md``
file name), and so do Quarto's (``.qmd``, a post that is a folder with ``index.qmd``: see
``bundles.py``; dates as Quarto reads them: ``dates.py``); every field is checked here so
later stages can trust it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from builder.config import Config
from builder.errors import BuildError, BuildWarning, Warn, ignore_warning, raise_all
from builder.figures.defaults import post_defaults
from builder.fsutil import digest
from builder.model import PostMeta
from builder.sources.bibliography_option import KEYS as BIBLIOGRAPHY_KEYS
from builder.sources.bibliography_option import read_bibliography
from builder.sources.bundles import POST_SUFFIXES, post_index, post_name, skipped_name
from builder.sources.contents_option import toc_depth
from builder.sources.crossref_option import read_crossref
from builder.sources.dates import FORMS, MOVING, read_date
from builder.sources.frontmatter import split_front_matter
from builder.sources.image_option import preview_image

_NAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})-(?P<slug>.+)$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class SourceFile:
    """A post file's bytes and their hash; decoded only when the post must be parsed. A
    file known by its stamp comes without its bytes (``known.loaded`` reads them)."""

    path: str
    raw: bytes | None
    digest: str
    liquid: bool = False  # holds Liquid ('{%' or '{{'): a Jekyll document reads the site
    head: str = ""  # digest of the front matter's bytes: what the rest of a site sees of it
    # names a bibliography, a citation style or a reference list's title: its parse key reads
    # its front matter (bibliography_option.bibliography_key); other posts' keys never do
    cites: bool = False

    @property
    def text(self) -> str:
        """The text with BOM and CRLF removed; a file that is not UTF-8 is an error."""
        if self.raw is None:
            raise RuntimeError(f"{self.path} was not read")  # a bug: see known.loaded
        try:
            text = self.raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = self.raw.count(b"\n", 0, exc.start) + 1
            raise BuildError(
                f"not UTF-8 text (byte 0x{self.raw[exc.start]:02x})", self.path, line,
                hint="save the file as UTF-8",
            ) from None
        return text.replace("\r\n", "\n").replace("\r", "\n")


def find_posts(config: Config) -> list[str]:
    """Every post file (its path), in a stable order; editor droppings and hidden files are
    not posts. In a Jekyll site: its posts, drafts and pages, found as Jekyll finds them.
    Paths are strings: at 10,000 posts, making ``Path`` objects cost a rebuild 40 ms."""
    if config.jekyll is not None:
        from builder.sources.jekyll_files import find_site_files

        found = find_site_files(config)
        return [str(path) for path in found.posts + found.pages]
    folder = config.posts_path
    if not folder.is_dir():
        raise BuildError(
            f"no '{config.posts_dir}/' folder here", config.root.name or str(config.root),
            hint=f"run 'build-site new \"My first post\"' to create {config.posts_dir}/",
        )
    return sorted(_walk(str(folder), config.root, top=True))


def _walk(folder: str, root: Path, top: bool = False) -> Iterator[str]:
    """Post files below ``folder``; hidden folders (``.git``) are not entered, and a symbolic
    link to a file outside the project is refused (its contents would be published). A
    folder holding an index file is one post: nothing below it is a post of its own."""
    with os.scandir(folder) as scanned:
        entries = [entry for entry in scanned if not skipped_name(entry.name)]
    index = None if top else post_index(
        Path(folder).relative_to(root).as_posix(), [entry.name for entry in entries])
    for entry in entries:
        name = entry.name
        if index is not None and name != index:
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path, root)
        elif name.endswith(POST_SUFFIXES) and entry.is_file():
                if entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(root):
                    raise BuildError("symbolic link points outside the project",
                                     Path(entry.path).relative_to(root).as_posix(),
                                     hint="copy the file into the project instead")
                yield entry.path


def read_source(path: str | Path, root: Path) -> SourceFile:
    path = Path(path)
    rel = path.relative_to(root).as_posix()
    raw = path.read_bytes()
    end = raw.find(b"\n---", 3) if raw.startswith((b"---", b"\xef\xbb\xbf---")) else 0
    return SourceFile(rel, raw, digest(raw), b"{%" in raw or b"{{" in raw,
                      digest(raw[: max(end, 0)]), any(word in raw for word in _CITING))


_CITING = tuple(key.encode() for key in BIBLIOGRAPHY_KEYS)


def parse_meta(
    source: SourceFile, config: Config, layouts: frozenset[str], warn: Warn = ignore_warning
) -> tuple[PostMeta, str]:
    """Validate front matter and file name; return the post's metadata and its Markdown body.
    What the post asks for that can be built around is passed to ``warn``, not raised."""
    data, lines, body, body_line = split_front_matter(source.text, source.path)
    fields = _Fields(data, lines, source.path)
    stem = post_name(source.path, config.posts_dir)
    named = _NAME.match(stem)
    tz = config.tz

    slug = fields.string("slug") or (named.group("slug") if named else stem)
    if not _SLUG.match(slug) or ".." in slug:
        fields.fail("slug", f"slug '{slug}' may only use letters, digits, '.', '_' and '-'")

    if "date" in data:
        when = fields.datetime("date", tz)
    elif named:
        try:
            when = datetime.combine(date.fromisoformat(named.group("date")), time(), tz)
        except ValueError:
            raise BuildError(f"bad date in file name '{stem}'", source.path) from None
    else:
        raise BuildError(
            "post has no date", source.path, 1,
            hint="name the file (or the post's folder) YYYY-MM-DD-slug, or add 'date:' to "
                 "its front matter",
        )
    updated = fields.updated(tz, warn)

    layout = fallback_layout(fields.string("layout") or "post", "post", layouts, (),
                             source.path, lines.get("layout", 1), warn)

    title = fields.string("title") or slug.replace("-", " ").capitalize()
    values = {
        "year": f"{when.year:04d}", "month": f"{when.month:02d}", "day": f"{when.day:02d}",
        "slug": slug,
    }
    permalink = fields.string("permalink") or config.permalink.format(**values)
    url = _checked_url(permalink, source.path, lines.get("permalink"))

    defaults, problems = post_defaults(data, lines, source.path, config.figure_defaults, warn)
    raise_all(problems)
    cites = read_bibliography(data, lines, source.path, config)
    image, image_alt = preview_image(data, lines, source.path, url)
    meta = PostMeta(
        source=source.path,
        slug=slug,
        title=title,
        date=when,
        updated=updated,
        tags=fields.tags(),
        draft=fields.boolean("draft"),
        description=fields.string("description"),
        url=url,
        layout=layout,
        use_math=fields.boolean("use_math"),
        body_line=body_line,
        toc_depth=toc_depth(data, lines, source.path),
        figure_defaults=defaults,
        bibliography=cites.files if cites else (),
        csl=cites.csl if cites else "",
        references_title=cites.title if cites else "",
        nocite=cites.nocite if cites else "",
        nocite_line=lines.get("nocite", 1) if cites and cites.nocite else 0,
        image=image,
        image_alt=image_alt,
        crossref=read_crossref(data, lines, source.path, warn, config.numbering),
    )
    return meta, body


def fallback_layout(wanted: str, fallback: str, layouts: frozenset[str],
                    accepted: tuple[str, ...], path: str, line: int, warn: Warn) -> str:
    """The layout to render with: ``wanted`` if a template has that name, else ``fallback``
    with one warning listing the layouts; names in ``accepted`` (a Jekyll theme's) fall back
    without a word. Never a failed build: posts brought from other themes name their own."""
    if wanted in layouts:
        return wanted
    if wanted not in accepted:
        known = ", ".join(sorted({*layouts, *accepted}))
        warn(BuildWarning(path, line, f"unknown layout '{wanted}': rendered with '{fallback}'",
                          f"known layouts: {known}"))
    return fallback


def _checked_url(permalink: str, path: str, line: int | None) -> str:
    """Keep a permalink inside the output folder, whatever encoding it hides behind."""
    decoded = permalink
    for _ in range(3):
        decoded = unquote(decoded)
    bad = (
        not permalink.startswith("/")
        or permalink.startswith("//")
        or "\\" in decoded
        or "\x00" in decoded
        or any(part in ("..", ".") for part in decoded.split("/"))
        or any(part.startswith(".") for part in decoded.split("/") if part)
    )
    if bad:
        raise BuildError(
            f"permalink '{permalink}' must be a path inside the site, like /2016/05/01/my-post/",
            path, line,
        )
    return decoded.lstrip("/")


class _Fields:
    """Typed access to front matter values, failing with the line of the offending key."""

    def __init__(self, data: dict[str, Any], lines: dict[str, int], path: str) -> None:
        self.data, self.lines, self.path = data, lines, path

    def fail(self, key: str, message: str) -> None:
        raise BuildError(message, self.path, self.lines.get(key, 1))

    def string(self, key: str) -> str:
        value = self.data.get(key)
        if value is None:
            return ""
        if isinstance(value, (dict, list)):
            self.fail(key, f"'{key}' must be text, not a {type(value).__name__}")
        return str(value).strip()

    def boolean(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            self.fail(key, f"'{key}' must be true or false, not {value!r}")
        return value

    def tags(self) -> tuple[str, ...]:
        """``tags``, then Quarto's ``categories`` (a Quarto blog's tags)."""
        found: list[str] = []
        for key in ("tags", "categories"):
            raw: Any = self.data.get(key) or []
            if isinstance(raw, str):
                raw = raw.replace(",", " ").split()
            if not isinstance(raw, list) or not all(isinstance(t, (str, int)) for t in raw):
                self.fail(key, f"'{key}' must be a list of words")
            found += (str(t).strip() for t in raw)
        # Any name is a tag: its page's folder is made safe (pages/tag_names.py).
        return tuple(dict.fromkeys(t for t in found if t))

    def datetime(self, key: str, tz: ZoneInfo) -> datetime:
        value = self.data.get(key)
        found = read_date(value, tz)
        if found is not None:
            return found
        if isinstance(value, str) and value.strip().lower() in MOVING:
            self.fail(key, f"'{key}: {value.strip()}' would date the post anew on every build "
                      f"(moving it in the listing, the feed and its address): write the day it "
                      f"was published, as {FORMS}")
        self.fail(key, f"bad {key} {value!r}: write it as {FORMS}")
        raise AssertionError  # unreachable: fail() raises

    def updated(self, tz: ZoneInfo, warn: Warn) -> datetime | None:
        """``updated``, or Quarto's ``date-modified``. Quarto's ``last-modified`` (the
        file's time, which a checkout resets), ``today`` and ``now`` are left out with a
        warning: the same sources make the same site."""
        for key in ("updated", "date-modified"):
            value = self.data.get(key)
            if value is None:
                continue
            if isinstance(value, str) and value.strip().lower() in MOVING:
                warn(BuildWarning(self.path, self.lines.get(key, 1), f"'{key}: "
                                  f"{value.strip()}' is not shown: it would change the page on "
                                  "every build", "write the day the post was last updated"))
                return None
            return self.datetime(key, tz)
        return None
