"""File events -> "something the site depends on changed", robust to real editors.

Editors save through swap files and renames, in bursts; ``git checkout`` touches hundreds of
files at once. Events are reduced to the paths that matter (posts, figure code, templates,
static files, ``site.toml``, data files figure blocks read), editor droppings are dropped,
and the build loop asks for them only once things have been quiet for a moment.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from builder.config import CONFIG_FILE, Config

WATCHED_FOLDERS = ("figures", "templates", "static")
EVERYTHING = "*"  # stands for "any file may have changed": events were lost
_IGNORED_DIRS = frozenset({".git", ".cache", ".venv", "venv", "__pycache__", "node_modules"})


def is_editor_dropping(name: str) -> bool:
    """Swap, backup and lock files of vim, emacs, JetBrains, VS Code and friends."""
    return (
        name.startswith((".", "#"))  # hidden files, vim's .x.swp, emacs' #x# and .#x locks
        or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".crdownload"))
        or name == "4913"  # vim's probe that a folder is writable
    )


class ChangeSet:
    """Paths that changed since the last build, collected from the watcher's thread."""

    def __init__(self, config: Config, extra: Iterable[str] = ()) -> None:
        self.config = config
        self.root = config.root
        self.output = config.output_path
        self.posts = PurePosixPath(config.posts_dir).parts  # may be nested: content/posts
        self.extra = set(extra)
        self.changed: set[str] = set()
        self.last_event = 0.0
        self.lock = threading.Lock()
        self.wakeup = threading.Event()
        self.lost_because = ""

    def relevant(self, path: str) -> str | None:
        """The project-relative path if a change to it can change the site, else None."""
        try:
            rel = PurePosixPath(Path(path).resolve(strict=False).relative_to(self.root))
        except ValueError:
            return None
        if not rel.parts or is_editor_dropping(rel.name):
            return None
        if any(part in _IGNORED_DIRS or part.startswith(".") for part in rel.parts[:-1]):
            return None
        text = rel.as_posix()
        if Path(path).resolve(strict=False).is_relative_to(self.output):
            return None  # our own output: watching it would rebuild forever
        if text == CONFIG_FILE or text in self.extra:
            return text
        if self.config.jekyll is not None:  # a Jekyll site: any file of it may be content
            return None if rel.parts[0] == "_site" else text
        shared = min(len(rel.parts), len(self.posts))  # inside the posts folder, or above it
        if rel.parts[0] in WATCHED_FOLDERS or rel.parts[:shared] == self.posts[:shared]:
            return text
        return None

    def add(self, *paths: str) -> None:
        kept = [rel for rel in (self.relevant(p) for p in paths if p) if rel]
        if kept:
            with self.lock:
                self.changed.update(kept)
                self.last_event = time.monotonic()
            self.wakeup.set()

    def lost_events(self, why: str) -> None:
        """Events were dropped (the kernel's queue overflowed): rebuild from a full rescan,
        which every build is, and tell the browser to reload the whole page."""
        with self.lock:
            self.changed.add(EVERYTHING)
            self.lost_because = why
            self.last_event = time.monotonic()
        self.wakeup.set()

    def take_when_quiet(self, quiet: float, longest: float) -> set[str]:
        """Wait for a change, then until no event came for ``quiet`` s (at most ``longest``)."""
        self.wakeup.wait()
        started = time.monotonic()
        while True:
            with self.lock:
                since = time.monotonic() - self.last_event
            if since >= quiet or time.monotonic() - started >= longest:
                break
            time.sleep(quiet - since if since < quiet else 0.005)
        with self.lock:
            changed, self.changed = self.changed, set()
            self.wakeup.clear()
        return changed


class _OverflowAlarm(logging.Handler):
    """watchdog reports an inotify queue overflow only in its log (it re-adds its watches but
    the lost events stay lost); hearing that log line is how the preview learns of it."""

    def __init__(self, changes: ChangeSet) -> None:
        super().__init__(logging.WARNING)
        self.changes = changes

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.changes.lost_events("the inotify event queue overflowed")


_WATCHDOG_LOG = "watchdog.observers"


class Watcher:
    """watchdog observers on the folders that matter; polling when inotify is exhausted, and
    a full rescan when its event queue overflowed."""

    def __init__(self, changes: ChangeSet, say: object) -> None:
        self.changes = changes
        self.say = say
        self.observer = self._observer()
        self.watched: set[str] = set()
        self.alarm = _OverflowAlarm(changes)

    def _observer(self) -> object:
        from watchdog.observers import Observer

        return Observer()

    def _handler(self) -> object:
        from watchdog.events import FileSystemEventHandler

        changes = self.changes

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: object) -> None:
                kind = getattr(event, "event_type", "")
                if kind in ("opened", "closed_no_write"):
                    return
                if kind == "modified" and getattr(event, "is_directory", False):
                    return  # a folder "modified" only echoes the events of what is inside
                changes.add(getattr(event, "src_path", ""), getattr(event, "dest_path", ""))

        return Handler()

    def _folders(self) -> list[tuple[Path, bool]]:
        root = self.changes.root
        if self.changes.config.jekyll is not None:
            return [(root, True)]
        return [(root, False)] + [
            (root / name, True) for name in (self.changes.config.posts_dir, *WATCHED_FOLDERS)
            if (root / name).is_dir()
        ]

    def start(self, extra: Iterable[str] = ()) -> None:
        logging.getLogger(_WATCHDOG_LOG).addHandler(self.alarm)
        folders = self._folders()
        try:
            self._schedule(folders)
            self.observer.start()  # type: ignore[attr-defined]
        except OSError as exc:  # inotify limits: fall back to polling, and say so
            from watchdog.observers.polling import PollingObserver

            self.say(f"warning: cannot watch with inotify ({exc}); polling every second")
            self.observer = PollingObserver(timeout=1)
            self.watched.clear()
            self._schedule(folders)
            self.observer.start()  # type: ignore[attr-defined]
        self.watch_files(extra)

    def _schedule(self, folders: list[tuple[Path, bool]]) -> None:
        handler = self._handler()
        for folder, recursive in folders:
            key = str(folder)
            if key not in self.watched:
                self.observer.schedule(handler, key, recursive=recursive)  # type: ignore[attr-defined]
                self.watched.add(key)

    def watch_new_folders(self) -> None:
        """Watch ``templates/`` and friends made while serving (say, a first override)."""
        try:
            self._schedule(self._folders())
        except OSError as exc:
            self.say(f"warning: cannot watch a new folder: {exc}")

    def watch_files(self, paths: Iterable[str]) -> None:
        """Also watch data files that figure blocks read (their folders, not recursively)."""
        self.changes.extra.update(paths)
        folders = {(self.changes.root / p).parent for p in paths}
        try:
            self._schedule([(f, False) for f in folders if f.is_dir()])
        except OSError as exc:
            self.say(f"warning: cannot watch {len(folders)} data folders: {exc}")

    def stop(self) -> None:
        logging.getLogger(_WATCHDOG_LOG).removeHandler(self.alarm)
        if self.observer.is_alive():  # type: ignore[attr-defined]
            self.observer.stop()  # type: ignore[attr-defined]
            self.observer.join(timeout=5)  # type: ignore[attr-defined]
