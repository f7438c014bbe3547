"""The site's search index: Pagefind over the post pages as written, kept by what it indexes.

Pagefind (pagefind.app; its Rust program comes in the ``pagefind-bin`` wheel, so no Node.js
is needed) reads HTML and writes a static index split into small files, which the theme's
search box (Pagefind's own Component UI) loads in the reader's browser as words are typed:
no server, no outside request, nothing to download that the site does not serve.

It indexes the pages the writer has just rendered (``write.Derived``): the post and page
templates mark their ``<article>`` as the body to index, and math (MathJax's output or its
TeX), code and figure output are left out, so words are found in the prose. The index's key
is made of the keys of the pages it reads (each covers all a page is made from), Pagefind's
version and these settings: when none changed the index is read from ``.cache/search/``,
where one packed file and its list are kept, and Pagefind does not run.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from builder.config import Config
from builder.errors import BuildError, BuildWarning
from builder.fsutil import atomic_write, digest
from builder.versions import installed_version
from builder.write import Derived, Output

FOLDER = "pagefind"  # where the index is published in the site
SEARCH_VERSION = "1"
# Not words a reader searches for: math, code (and the fold it sits in), what blocks
# printed, the headings' "#" links, footnotes' and references' back links, the contents
# list, the post's date and tags, and the links to the next and previous posts.
EXCLUDE = (".math", "mjx-container", "pre", "code", ".cell-code", ".cell-output",
           ".header-anchor", ".footnote-backref", ".citation-backref", ".toc", ".post-meta",
           ".post-nav")
# Pagefind's other interfaces, which the theme does not load.
UNUSED = frozenset({"pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js",
                    "pagefind-modular-ui.css", "pagefind-highlight.js"})
_TIMEOUT = 1800  # seconds: Pagefind indexes thousands of pages in a few


@functools.cache
def pagefind() -> tuple[str, str] | None:
    """Pagefind's program and version, or None when the wheel is not installed (a platform
    it has no build for): then the site has no search box, and the build says so."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]

        return str(get_executable()), installed_version("pagefind-bin")
    except (ImportError, FileNotFoundError):
        return None


def search_warning(config: Config) -> list[BuildWarning]:
    if config.search and pagefind() is None:
        return [BuildWarning(None, None, "search is off: Pagefind is not installed",
                             "pip install pagefind-bin, or set search = false in site.toml")]
    return []


def searchable(config: Config) -> bool:
    return config.search and pagefind() is not None


class SearchIndex:
    """The index of ``pages`` (the outputs of the site's posts and pages): its outputs, read
    from the cache when it holds this index, else ``derived``, which makes it."""

    def __init__(self, config: Config, pages: Sequence[Output], keep_stale: bool = False,
                 jobs: int = 1) -> None:
        self.jobs = jobs
        found = pagefind()
        assert found is not None
        self.program, version = found
        self.folder = config.root / ".cache" / "search"
        self.pages = sorted(pages, key=lambda o: o.path)
        self.key = digest(json.dumps([version, SEARCH_VERSION, EXCLUDE, sorted(UNUSED),
                                      [(o.path, o.key) for o in self.pages]]).encode())
        self.outputs = self._cached(self.key)
        if self.outputs is None and keep_stale:  # the preview's: the last index made
            self.outputs = self._cached(self._last())
        self.derived = Derived(self._make) if self.outputs is None else None

    def _files(self, key: str) -> tuple[Path, Path]:
        return self.folder / f"{key}.json", self.folder / f"{key}.pack"

    def _last(self) -> str:
        with contextlib.suppress(OSError):
            return (self.folder / "last").read_text().strip()
        return ""

    def _cached(self, key: str) -> list[Output] | None:
        """The index's outputs, if the cache holds it whole (its list, and a pack of the
        size the list says); a damaged entry is made again."""
        if not key:
            return None
        listing, pack = self._files(key)
        try:
            entries = json.loads(listing.read_bytes())
            size = pack.stat().st_size
        except (OSError, ValueError):
            return None
        if not isinstance(entries, list) or not all(
                isinstance(e, list) and len(e) == 3 and isinstance(e[1], int) for e in entries) \
                or sum(e[1] for e in entries) != size:
            return None
        outputs, start = [], 0
        for name, length, hashed in entries:  # the files follow one another in the pack
            outputs.append(Output(f"{FOLDER}/{name}", "search:" + hashed,
                                  functools.partial(_read_part, pack, start, length, hashed),
                                  "the search index"))
            start += length
        return outputs

    def _make(self, locate: Callable[[str], str]) -> list[Output]:
        """Index the written pages and keep the index in the cache; its files become the
        site's outputs. Pagefind reads a folder: ``.cache/search/pages/``, where each page
        is kept without what Pagefind would only skip (``slim``), updated where a page
        changed, so an edit costs one page's copy besides Pagefind's own run."""
        mirror = self.folder / "pages"
        self._update_mirror(mirror, locate)
        for stale in self.folder.glob("tmp-*"):  # a killed build's (one build at a time)
            shutil.rmtree(stale, ignore_errors=True)
        scratch = self.folder / f"tmp-{os.getpid()}"
        try:
            self._run(mirror, scratch)
            names = sorted(p.relative_to(scratch).as_posix() for p in scratch.rglob("*")
                           if p.is_file() and p.name not in UNUSED)
            self._store([(name, (scratch / name).read_bytes()) for name in names])
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        outputs = self._cached(self.key)
        if outputs is None:
            raise BuildError(f"the search index just written to {self.folder} can't be read",
                             hint="is the disk full?")
        return outputs

    def _update_mirror(self, mirror: Path, locate: Callable[[str], str]) -> None:
        """Bring the folder Pagefind reads up to date: a page is copied again when its key
        changed or its copy is not the size it was written at; pages gone are removed."""
        listing = self.folder / "pages.json"
        try:
            known = json.loads(listing.read_bytes())
        except (OSError, ValueError):
            known = {}
        if not isinstance(known, dict):
            known = {}
        kept: dict[str, list] = {}
        todo: list[tuple[str, str]] = []  # (the written page, its copy)
        keys = {}
        for page in self.pages:
            copy = mirror / page.path
            record = known.get(page.path)
            if record == [page.key, _size(copy)]:
                kept[page.path] = record
            else:
                todo.append((locate(page.path), str(copy)))
                keys[str(copy)] = (page.path, page.key)
        for copy, size in _copy_slimmed(todo, self.jobs):
            path, key = keys[copy]
            kept[path] = [key, size]
        for path in set(known) - set(kept):
            with contextlib.suppress(OSError):
                (mirror / path).unlink()
        atomic_write(listing, json.dumps(kept, sort_keys=True).encode())

    def _run(self, site: Path, out: Path) -> None:
        command = [self.program, "--site", str(site), "--output-path", str(out), "--silent"]
        for selector in EXCLUDE:
            command += ["--exclude-selectors", selector]
        from builder.procutil import can_fork, die_with_parent

        parent = os.getpid()
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=_TIMEOUT,
                stdin=subprocess.DEVNULL, cwd=site.parent,
                # it dies with the build (forking with threads about, as in the preview,
                # only runs code that is safe there: none)
                preexec_fn=(lambda: die_with_parent(parent)) if can_fork() else None,
            )
        except subprocess.TimeoutExpired:
            raise BuildError(f"Pagefind took more than {_TIMEOUT} s to index the site",
                             hint="set search = false in site.toml to build without search"
                             ) from None
        if done.returncode != 0:
            said = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
            raise BuildError(f"Pagefind could not index the site: "
                             f"{said[-1].strip() if said else f'exit {done.returncode}'}",
                             hint="set search = false in site.toml to build without search")

    def _store(self, files: list[tuple[str, bytes]]) -> None:
        """One pack of the index's files and the list of them, then the older ones go."""
        listing, pack = self._files(self.key)
        atomic_write(pack, b"".join(data for _, data in files))
        atomic_write(listing, json.dumps([[name, len(data), digest(data)]
                                          for name, data in files]).encode())
        atomic_write(self.folder / "last", self.key.encode())
        for path in self.folder.iterdir():
            if path.suffix in (".json", ".pack") and path.stem not in (self.key, "pages"):
                path.unlink(missing_ok=True)


def _copy_slimmed(todo: list[tuple[str, str]], jobs: int) -> list[tuple[str, int]]:
    """Write each page's slimmed copy; (copy, its size) of each. Many pages (a cold build's)
    are shared among forked workers: it is a second of CPU for a thousand math-heavy pages."""
    from builder.procutil import can_fork, process_pool

    if jobs < 2 or len(todo) < 64 or not can_fork():
        return _slim_copies(todo)
    with process_pool(jobs, fork=True) as pool:
        shares = [pool.submit(_slim_copies, todo[i::jobs]) for i in range(jobs)]
        return [done for share in shares for done in share.result()]


def _slim_copies(todo: list[tuple[str, str]]) -> list[tuple[str, int]]:
    made = []
    for page, copy in todo:
        with open(page, encoding="utf-8") as handle:
            data = slim(handle.read()).encode()
        atomic_write(Path(copy), data)
        made.append((copy, len(data)))
    return made


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


_HEAD = re.compile(r"<head\b.*?</head\s*>", re.S | re.I)
_TITLE = re.compile(r"<title\b.*?</title\s*>", re.S | re.I)
_SKIPPED = re.compile(r"<(mjx-container|script|style)\b.*?</\1\s*>", re.S | re.I)


def slim(page: str) -> str:
    """A page as Pagefind reads it, less what it would only skip: the head but its title,
    scripts, styles and typeset math (four fifths of a math-heavy page's bytes). The index
    made from it is the same, byte for byte (a test holds this)."""
    title = _TITLE.search(page)
    page = _HEAD.sub(f"<head>{title.group(0) if title else ''}</head>", page, count=1)
    return _SKIPPED.sub("", page)


def _read_part(pack: Path, start: int, length: int, hashed: str) -> bytes:
    """One file of the index, checked against its hash: damage is an error, never a broken
    index published."""
    with open(pack, "rb") as handle:
        handle.seek(start)
        data = handle.read(length)
    if digest(data) != hashed:
        raise BuildError(f"the search index in {pack.parent} is damaged",
                         hint=f"delete {pack.parent} and build again")
    return data
