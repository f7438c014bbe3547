"""Write the site: only files whose bytes changed, staged beside the output, swapped in whole.

The previous site stays byte-identical until a build has fully succeeded: changed files go
into a staging folder (unchanged ones are hard links, so staging costs almost nothing), and
the two folders are exchanged in one atomic rename. A build that writes nothing touches nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import posixpath
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from builder.config import Config
from builder.errors import BuildError
from builder.fsutil import atomic_write, digest, exchange_dirs

MARKER = ".build-site"
MARKER_TEXT = b"This folder is written by build-site; it replaces it whole on every build.\n"
SOURCE_FOLDERS = ("posts", "figures", "templates", "static", ".git")


@dataclass(frozen=True)
class Output:
    """A file of the site: its path, a key over everything it is made from, and its maker."""

    path: str
    key: str
    produce: Callable[[], bytes]


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    rendered: int = 0


def check_output_dir(config: Config, out: Path) -> None:
    """Refuse, before deleting anything, an output folder that is not ours to replace."""
    root = config.root
    if out == root or root.is_relative_to(out):
        raise BuildError(f"output folder '{out}' is the project or holds it", "site.toml")
    for name in (*SOURCE_FOLDERS, config.posts_dir):
        source = (root / name).resolve()
        if out == source or out.is_relative_to(source) or source.is_relative_to(out):
            raise BuildError(f"output folder '{out}' overlaps the source folder '{name}/'",
                             "site.toml")
    cache = (root / ".cache").resolve()
    if out == cache or cache.is_relative_to(out):
        raise BuildError(f"output folder '{out}' overlaps the cache folder '.cache/'", "site.toml")
    if out.is_symlink():
        raise BuildError(f"output folder '{out}' is a symbolic link", "site.toml")
    if out.exists():
        if not out.is_dir():
            raise BuildError(f"output '{out}' exists and is not a folder", "site.toml")
        if (out / ".git").exists():
            raise BuildError(f"output folder '{out}' holds a .git folder", "site.toml")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise BuildError(
                f"output folder '{out}' holds files build-site did not write; "
                "refusing to replace it", "site.toml",
                hint="choose another --out, or empty that folder yourself",
            )


_WRITERS = 4


# Outputs waiting to be produced by forked children, which inherit them (closures and all).
_PENDING: list[Output] = []


def _produce_slice(start: int, stop: int) -> list[bytes]:
    return [output.produce() for output in _PENDING[start:stop]]


def produce_all(outputs: list[Output], jobs: int) -> list[bytes]:
    """Render outputs, in forked worker processes when there are many.

    Forked children inherit the parsed posts and the compiled templates, so nothing is sent
    to them; they send back bytes. Forking is only safe without other threads running (the
    preview server has some), so then everything renders here.
    """
    from builder.procutil import can_fork, process_pool

    if jobs < 2 or len(outputs) < 64 or not can_fork():
        return [output.produce() for output in outputs]
    _PENDING[:] = outputs
    try:
        size = -(-len(outputs) // (jobs * 4))
        bounds = [(i, min(i + size, len(outputs))) for i in range(0, len(outputs), size)]
        with process_pool(jobs, fork=True) as pool:
            futures = [pool.submit(_produce_slice, a, b) for a, b in bounds]
            return [data for future in futures for data in future.result()]
    finally:
        _PENDING.clear()


def remove_stale_staging(out: Path, say: Callable[[str], None]) -> None:
    for stale in sorted(out.parent.glob(f".{out.name}.tmp-*")):
        if (stale / MARKER).is_file() or not any(stale.iterdir()):
            shutil.rmtree(stale, ignore_errors=True)
            say(f"removed {stale.name}, left by an interrupted build")


class SiteWriter:
    """Knows what the last build wrote (``.cache``) so it can tell what changed.

    The site is double-buffered: beside ``site/`` stays the previous version,
    ``.site.back/``, whose files are hard links shared with the live site except where the
    last build changed them. A build brings that back buffer up to date (work proportional
    to what changed, not to the size of the site), writes its changes into it, and swaps
    the two folders in one atomic rename. When the back buffer can't be trusted (a crash
    while it was being updated, a first build), a full staging folder of hard links is made.
    """

    def __init__(self, config: Config, out: Path) -> None:
        self.out = out
        self.back = out.parent / f".{out.name}.back"
        ident = hashlib.blake2b(str(out).encode(), digest_size=8).hexdigest()
        self.state_path = config.root / ".cache" / "site" / f"{ident}.json"
        state = self._load_state()
        self.previous: dict[str, list] = state.get("outputs", {})
        self.generation: int = state.get("generation", 0)
        self.back_dirty: list[str] = state.get("back_dirty", [])

    def _load_state(self) -> dict:
        if not (self.out / MARKER).is_file():
            return {}
        try:
            data = json.loads(self.state_path.read_bytes())
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _on_disk(self, path: str, record: list) -> bool:
        try:
            stat = os.stat(f"{self.out}/{path}")
        except OSError:
            return False
        return stat.st_size == record[2] and stat.st_mtime_ns == record[3]

    def write(self, outputs: Iterable[Output], jobs: int = 1) -> WriteReport:
        report = WriteReport()
        changed: dict[str, bytes] = {}
        state: dict[str, list] = {}
        todo: list[Output] = []
        for output in outputs:
            if output.path in state:
                raise BuildError(f"two things want to be written to '{output.path}'")
            record = self.previous.get(output.path)
            if record and record[0] == output.key and self._on_disk(output.path, record):
                state[output.path] = record
                report.unchanged += 1
            else:
                state[output.path] = []
                todo.append(output)
        for output, data in zip(todo, produce_all(todo, jobs), strict=True):
            record = self.previous.get(output.path)
            report.rendered += 1
            hashed = digest(data)
            if record and record[1] == hashed and self._on_disk(output.path, record):
                state[output.path] = [output.key, *record[1:]]
                report.unchanged += 1
                continue
            changed[output.path] = data
            state[output.path] = [output.key, hashed, len(data), 0]
        removed = sorted(set(self.previous) - set(state))
        generation, back_dirty = self.generation, self.back_dirty
        if changed or removed or not (self.out / MARKER).is_file():
            generation = self.generation + 1
            self._swap_in(changed, removed, state, generation)
            back_dirty = sorted(set(changed) | set(removed))
        report.written = sorted(changed)
        report.removed = removed
        data = {"generation": generation, "back_dirty": back_dirty, "outputs": state}
        atomic_write(self.state_path, json.dumps(data, separators=(",", ":")).encode())
        self.previous, self.generation, self.back_dirty = state, generation, back_dirty
        return report

    def _back_is_current(self) -> bool:
        """The back buffer is the version before the live one, and was left complete."""
        try:
            marker = (self.back / MARKER).read_bytes()
        except OSError:
            return False
        return marker == _marker(self.generation - 1) and (self.out / MARKER).is_file()

    def _swap_in(self, changed: dict[str, bytes], removed: list[str], state: dict[str, list],
                 generation: int) -> None:
        out = self.out
        if out.exists() and self._back_is_current():
            staging = self.back
            (staging / MARKER).unlink()  # untrusted until it is complete again
            touched = set(self.back_dirty) | set(changed) | set(removed)
            _place(staging, out, sorted(touched), changed, set(state))
        else:
            staging = out.parent / f".{out.name}.tmp-{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            (staging / MARKER).write_bytes(MARKER_TEXT + b"staging\n")  # ours, if left behind
            try:
                _place(staging, out, sorted(state), changed, set(state))
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        (staging / MARKER).write_bytes(_marker(generation))
        if not out.exists():
            os.rename(staging, out)
        else:
            exchange_dirs(staging, out)
            if staging != self.back:  # the previous site is in staging now: the new back
                shutil.rmtree(self.back, ignore_errors=True)
                os.rename(staging, self.back)
        for path in changed:
            state[path][3] = os.stat(f"{out}/{path}").st_mtime_ns


def _marker(generation: int) -> bytes:
    return MARKER_TEXT + f"generation {generation}\n".encode()


def _place(staging: Path, live: Path, paths: list[str], changed: dict[str, bytes],
           wanted: set[str]) -> None:
    """Make ``staging`` hold, at each of ``paths``, the new bytes or the live file (a hard
    link), or nothing if the path is no longer wanted. Files are replaced, never rewritten
    in place: the two folders share inodes."""
    base, current = str(staging), str(live)

    def place(chunk: list[str]) -> None:
        made: set[str] = set()
        for path in chunk:
            target = f"{base}/{path}"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
            if path not in wanted:
                _prune(base, posixpath.dirname(path))
                continue
            folder = posixpath.dirname(path)
            if folder and folder not in made:
                os.makedirs(f"{base}/{folder}", exist_ok=True)
                made.add(folder)
            data = changed.get(path)
            if data is None:
                os.link(f"{current}/{path}", target)
            else:
                with open(target, "wb") as handle:
                    handle.write(data)

    # File-system calls wait on the disk, not the CPU: a few threads overlap them.
    chunks = [paths[i::_WRITERS] for i in range(_WRITERS)]
    with ThreadPoolExecutor(_WRITERS) as pool:
        for done in [pool.submit(place, chunk) for chunk in chunks if chunk]:
            done.result()


def _prune(base: str, folder: str) -> None:
    """Remove folders emptied by a removed page, up to the site's root."""
    while folder:
        try:
            os.rmdir(f"{base}/{folder}")
        except OSError:
            return
        folder = posixpath.dirname(folder)
