"""Which files of a Jekyll site are posts, drafts, pages and static files, as Jekyll decides.

Read from jekyll/jekyll ``reader.rb``, ``entry_filter.rb`` and ``readers/post_reader.rb``:
names starting with ``.``, ``_``, ``#`` or ``~`` (or ending in ``~``) are not the site's unless
``include`` names them; ``exclude`` patterns match as Jekyll matches them (a glob, or a plain
prefix of the path); ``_posts/`` folders anywhere hold posts (``YYYY-MM-DD-title.ext``),
``_drafts/`` folders drafts; any other file that starts with front matter is a page, and every
other file is copied as it is (``assets/``, ``public/``, ``images/``, ``CNAME``, ...).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from builder.config import Config
from builder.errors import BuildError, BuildWarning
from builder.sources.jekyll import OURS, JekyllSettings, has_front_matter

_SPECIAL = (".", "_", "#", "~")
POST_NAME = re.compile(r"^(?:.+/)*?(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^./]+)$")
# Files no one gives front matter: copied without opening them.
_BINARY = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".pdf", ".zip", ".gz",
                     ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp4", ".webm", ".mp3",
                     ".avif", ".bmp", ".tif", ".tiff", ".psd", ".ipynb"})


@dataclass
class SiteFiles:
    posts: list[Path] = field(default_factory=list)  # posts and drafts (dated on their own)
    pages: list[Path] = field(default_factory=list)  # Markdown and HTML with front matter
    other_pages: list[str] = field(default_factory=list)  # front matter, neither: not built
    static: dict[str, Path] = field(default_factory=dict)  # site path -> file, copied as is


def site_warnings(config: Config) -> list[BuildWarning]:
    """What of a Jekyll site is not built: front matter files that are neither Markdown nor
    HTML (a theme's ``atom.xml``, Sass), collections other than posts."""
    if config.jekyll is None:
        return []
    warnings = [BuildWarning(path, None, "not built: only Markdown and HTML pages are "
                             "(build-site's theme makes the feed, the sitemap and the styles)")
                for path in find_site_files(config).other_pages]
    warnings += [BuildWarning(config.jekyll.config_file, None,
                              f"collection '{name}' is not built: only posts and pages are")
                 for name in config.jekyll.collections]
    return [*config.jekyll.warnings, *warnings]


def find_site_files(config: Config) -> SiteFiles:
    """Every file of the Jekyll site at ``config.root``, sorted into what becomes of it."""
    settings = config.jekyll
    assert settings is not None
    walker = _Walker(config, settings)
    walker.walk("")
    found = walker.found
    found.posts.sort()
    found.pages.sort()
    found.other_pages.sort()
    return found


class _Walker:
    def __init__(self, config: Config, settings: JekyllSettings) -> None:
        self.root = config.root
        self.settings = settings
        self.exts = {"." + e for e in settings.markdown_exts} | {".html", ".htm"}
        self.skip = {self.root / name for name in OURS}
        self.skip.add(config.output_path)
        self.found = SiteFiles()

    def walk(self, folder: str) -> None:
        base = self.root / folder
        for name in sorted(self._entries(base, folder)):
            rel = f"{folder}/{name}" if folder else name
            path = base / name
            if path in self.skip:
                continue
            self._refuse_escaping_link(path, rel)
            if name in ("_posts", "_drafts"):
                self._posts(path, rel)
            elif path.is_dir():
                self.walk(rel)
            elif path.is_file():
                self._file(path, rel)

    def _entries(self, base: Path, folder: str) -> list[str]:
        try:
            names = os.listdir(base)
        except OSError as exc:
            raise BuildError(f"cannot read the folder: {exc.strerror}", folder or ".") from None
        kept = []
        for name in names:
            rel = f"{folder}/{name}" if folder else name
            if name in ("_posts", "_drafts") or self._included(rel, name):
                kept.append(name)
            elif self._excluded(rel) or name.startswith(_SPECIAL) or name.endswith("~"):
                continue
            else:
                kept.append(name)
        return kept

    def _included(self, rel: str, name: str) -> bool:
        return _matches(self.settings.include, rel, self.root) or _matches(
            self.settings.include, name, self.root)

    def _excluded(self, rel: str) -> bool:
        patterns = [p for p in self.settings.exclude if p not in self.settings.include]
        return _matches(patterns, rel, self.root)

    def _posts(self, folder: Path, rel: str) -> None:
        """Every post below ``folder`` (``rel`` from the site's root). A blog's thousands of
        posts are walked with the names ``scandir`` gives (no stat, no Path per file until
        one is kept): a no-op build of a 1000-post blog costs this walk and little else."""
        drafts = folder.name == "_drafts"
        pending = [(str(folder), "")]
        while pending:
            here, inside = pending.pop()
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda e: e.name)
            for entry in reversed([e for e in entries if e.is_dir(follow_symlinks=False)
                                   and not e.name.startswith(_SPECIAL)]):
                pending.append((entry.path, f"{inside}{entry.name}/"))
            for entry in entries:
                name = entry.name
                if name.startswith(_SPECIAL) or name.endswith("~") or entry.is_dir():
                    continue
                if entry.is_symlink():
                    self._refuse_escaping_link(Path(entry.path), f"{rel}/{inside}{name}")
                if os.path.splitext(name)[1].lower() not in self.exts:
                    continue
                if drafts or POST_NAME.match(inside + name):
                    self.found.posts.append(Path(entry.path))

    def _file(self, path: Path, rel: str) -> None:
        suffix = path.suffix.lower()
        if suffix in _BINARY or not has_front_matter(path):
            self.found.static[rel] = path
        elif suffix in self.exts:
            self.found.pages.append(path)
        else:
            self.found.other_pages.append(rel)

    def _refuse_escaping_link(self, path: Path, rel: str) -> None:
        if path.is_symlink() and not path.resolve().is_relative_to(self.root):
            raise BuildError("symbolic link points outside the project", rel)


def _matches(patterns: tuple[str, ...] | list[str], rel: str, root: Path) -> bool:
    """``EntryFilter#glob_include?``: a glob of the path, or a plain prefix of it."""
    for pattern in patterns:
        pattern = pattern.lstrip("/")
        if not pattern:
            continue
        if fnmatchcase(rel, pattern) or rel.startswith(pattern):
            return True
        if pattern.endswith("/") and pattern == rel + "/" and (root / rel).is_dir():
            return True
    return False
