"""File events -> "something the site depends on changed", robust to real editors.

Editors save through swap files and renames, in bursts; ``git checkout`` touches hundreds of
files at once. Events are reduced to the paths that matter (posts, figure code, templates,
static files, ``site.toml``, data files figure blocks read), editor droppings are dropped,
and the build loop asks for them only once things have been quiet for a moment.
"""

from __future__ import annotations

import logging
import os
import posixpath
import threading
import time
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from builder.config import CONFIG_FILE, Config

WATCHED_FOLDERS = ("figures", "templates", "static")
EVERYTHING = "*"  # stands for "any file may have changed": events were lost
_MID_SAVE = 0.5  # seconds a changed file may be missing, mid-save, before it counts as deleted
_IGNORED_DIRS = frozenset({".git", ".cache", ".venv", "venv", "__pycache__", "node_modules"})


def is_editor_dropping(name: str) -> bool:
    """Swap, backup and lock files of vim, emacs, JetBrains, VS Code and friends."""
    return (
        name.startswith((".", "#", "~$"))  # hidden files, vim's .x.swp, emacs' #x# and .#x
        or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".crdownload", ".part",
                          "___jb_tmp___", "___jb_old___", ".kate-swp"))
        or name == "4913"  # vim's probe that a folder is writable
    )


class ChangeSet:
    """Paths that changed since the last build, collected from the watcher's thread."""

    def __init__(self, config: Config, extra: Iterable[str] = ()) -> None:
        self.configure(config)
        self.extra = set(extra)
        self.changed: set[str] = set()
        self.born: set[str] = set()  # made since the last build: gone again, never a change
        self.last_event = 0.0
        self.lock = threading.Lock()
        self.wakeup = threading.Event()
        self.lost_because = ""

    def configure(self, config: Config) -> None:
        """The settings (``site.toml`` may have changed the posts folder)."""
        self.config = config
        self.root = config.root
        self.output = config.output_path
        self.posts = PurePosixPath(config.posts_dir).parts  # may be nested: content/posts

    def relevant(self, path: str) -> str | None:
        """The project-relative path if a change to it can change the site, else None;
        a figure block's data outside the project is named by its absolute path."""
        resolved = Path(path).resolve(strict=False)
        try:
            rel = PurePosixPath(resolved.relative_to(self.root))
        except ValueError:  # outside: a file a block read, or one in a folder it looks in
            text = str(resolved)
            return text if text in self.extra or f"{posixpath.dirname(text)}/" in self.extra \
                or f"{text}/" in self.extra else None
        if not rel.parts or is_editor_dropping(rel.name):
            return None
        if any(part in _IGNORED_DIRS or part.startswith(".") for part in rel.parts[:-1]):
            return None
        text = rel.as_posix()
        if Path(path).resolve(strict=False).is_relative_to(self.output):
            return None  # our own output: watching it would rebuild forever
        folder = posixpath.dirname(text)
        if text == CONFIG_FILE or text in self.extra or f"{folder or '.'}/" in self.extra:
            return text  # a file a figure block read, or one in a folder it listed
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

    def event(self, kind: str, source: str, destination: str = "") -> None:
        """One file event. A file made since the last build and renamed away or deleted
        again (an editor's or ``sed -i``'s temporary file) is no change at all."""
        gone = self.relevant(source) if kind in ("moved", "deleted") and source else None
        if gone is not None and gone in self.born:
            with self.lock:
                self.born.discard(gone)
                self.changed.discard(gone)
                self.last_event = time.monotonic()
            source = ""
        made = self.relevant(source if kind == "created" else destination) \
            if kind in ("created", "moved") else None
        if made is not None:
            with self.lock:
                if made not in self.changed:  # else it changed before: a real change stays
                    self.born.add(made)
        self.add(source, destination)

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
        self._settle(_MID_SAVE)
        with self.lock:
            changed, self.changed = self.changed, set()
            self.born.clear()
            self.wakeup.clear()
        return changed

    def _settle(self, longest: float) -> None:
        """A changed file that is missing may be mid-save (renamed away, written, renamed
        back): give it ``longest`` seconds to come back before calling it deleted."""
        deadline = time.monotonic() + longest
        while time.monotonic() < deadline:
            with self.lock:
                missing = [p for p in self.changed if p != EVERYTHING
                           and not (self.root / p).exists() and p not in self.born]
            if not missing:
                return
            time.sleep(0.01)


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
                changes.event(kind, getattr(event, "src_path", ""),
                              getattr(event, "dest_path", ""))

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

    def _data_folders(self, paths: Iterable[str]) -> set[Path]:
        """The folders of data files blocks read: a listed folder (``data/``) itself, else
        the folder holding the file."""
        root = self.changes.root
        return {root / p if p.endswith("/") else (root / p).parent for p in paths}

    def catch_up(self, since: float) -> None:
        """Tell as changed what was saved (or made, renamed, deleted: its folder changed)
        from ``since`` until watching began: a save during the first build, which on a big
        site takes minutes, is then built next instead of waiting for another save."""
        margin = since - 1.0  # file times may lag the clock by a tick
        root = self.changes.root
        extra = self.changes.extra
        found = [p if Path(p).is_absolute() else str(root / p) for p in extra
                 if not (root / p).exists()]  # a file a block read, deleted meanwhile
        folders = self._data_folders(extra)
        for folder, recursive in self._folders() + [(f, False) for f in folders if f.is_dir()]:
            pending = [str(folder)]
            while pending:
                try:
                    with os.scandir(pending.pop()) as scanned:
                        entries = list(scanned)
                except OSError:
                    continue
                for entry in entries:
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except OSError:  # gone since the folder was listed: a change too
                        found.append(entry.path)
                        continue
                    if max(info.st_mtime, info.st_ctime) >= margin:
                        found.append(entry.path)
                    if recursive and entry.is_dir(follow_symlinks=False) and \
                            entry.name not in _IGNORED_DIRS:
                        pending.append(entry.path)
        self.changes.add(*found)

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
        folders = self._data_folders(paths)
        try:
            self._schedule([(f, False) for f in folders if f.is_dir()])
        except OSError as exc:
            self.say(f"warning: cannot watch {len(folders)} data folders: {exc}")

    def stop(self) -> None:
        logging.getLogger(_WATCHDOG_LOG).removeHandler(self.alarm)
        if self.observer.is_alive():  # type: ignore[attr-defined]
            self.observer.stop()  # type: ignore[attr-defined]
            self.observer.join(timeout=5)  # type: ignore[attr-defined]
