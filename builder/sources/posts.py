"""Find the posts and turn each file's front matter and name into a validated ``PostMeta``.

Jekyll posts work as they are (``layout``, ``title``, ``use_math``, the ``YYYY-MM-DD-slug.md``
file name); every field is checked here so later stages can trust it.
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
from builder.sources.contents_option import toc_depth
from builder.sources.frontmatter import split_front_matter

POST_SUFFIXES = (".md", ".markdown")
_NAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})-(?P<slug>.+)$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_JEKYLL_DATE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$"
)


@dataclass(frozen=True)
class SourceFile:
    """A post file's bytes and their hash; decoded only when the post must be parsed."""

    path: str
    raw: bytes
    digest: str

    @property
    def text(self) -> str:
        """The text with BOM and CRLF removed; a file that is not UTF-8 is an error."""
        try:
            text = self.raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = self.raw.count(b"\n", 0, exc.start) + 1
            raise BuildError(
                f"not UTF-8 text (byte 0x{self.raw[exc.start]:02x})", self.path, line,
                hint="save the file as UTF-8",
            ) from None
        return text.replace("\r\n", "\n").replace("\r", "\n")


def find_posts(config: Config) -> list[Path]:
    """Every post file, in a stable order; editor droppings and hidden files are not posts.
    In a Jekyll site: its posts, drafts and pages, found as Jekyll finds them."""
    if config.jekyll is not None:
        from builder.sources.jekyll_files import find_site_files

        found = find_site_files(config)
        return found.posts + found.pages
    folder = config.posts_path
    if not folder.is_dir():
        raise BuildError(
            f"no '{config.posts_dir}/' folder here", config.root.name or str(config.root),
            hint=f"run 'build-site new \"My first post\"' to create {config.posts_dir}/",
        )
    return [Path(path) for path in sorted(_walk(str(folder), config.root))]


def _walk(folder: str, root: Path) -> Iterator[str]:
    """Post files below ``folder``; hidden folders (``.git``) are not entered, and a symbolic
    link to a file outside the project is refused (its contents would be published)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith((".", "#", "_")) or name.endswith("~"):
                continue
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(entry.path, root)
            elif name.endswith(POST_SUFFIXES) and entry.is_file():
                if entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(root):
                    raise BuildError("symbolic link points outside the project",
                                     Path(entry.path).relative_to(root).as_posix(),
                                     hint="copy the file into the project instead")
                yield entry.path


def read_source(path: Path, root: Path) -> SourceFile:
    rel = path.relative_to(root).as_posix()
    raw = path.read_bytes()
    return SourceFile(rel, raw, digest(raw))


def parse_meta(
    source: SourceFile, config: Config, layouts: frozenset[str], warn: Warn = ignore_warning
) -> tuple[PostMeta, str]:
    """Validate front matter and file name; return the post's metadata and its Markdown body.
    What the post asks for that can be built around is passed to ``warn``, not raised."""
    data, lines, body, body_line = split_front_matter(source.text, source.path)
    fields = _Fields(data, lines, source.path)
    stem = Path(source.path).stem
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
            hint="name the file YYYY-MM-DD-slug.md or add 'date:' to its front matter",
        )
    updated = fields.datetime("updated", tz) if data.get("updated") is not None else None

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
        raw: Any = self.data.get("tags") or []
        if isinstance(raw, str):
            raw = raw.replace(",", " ").split()
        if not isinstance(raw, list) or not all(isinstance(t, (str, int)) for t in raw):
            self.fail("tags", "'tags' must be a list of words")
        # Any name is a tag: its page's folder is made safe (pages/tag_names.py).
        return tuple(dict.fromkeys(str(t).strip() for t in raw if str(t).strip()))

    def datetime(self, key: str, tz: ZoneInfo) -> datetime:
        value = self.data.get(key)
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=tz)
        if isinstance(value, date):
            return datetime.combine(value, time(), tz)
        if isinstance(value, str):
            text = value.strip()
            match = _JEKYLL_DATE.match(text)
            if match:
                offset = match.group(3) or ""
                if offset and offset != "Z" and ":" not in offset:
                    offset = offset[:3] + ":" + offset[3:]
                text = f"{match.group(1)}T{match.group(2)}{offset}"
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                pass
            else:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
        self.fail(key, f"bad {key} {value!r}: write it as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS")
        raise AssertionError  # unreachable: fail() raises
