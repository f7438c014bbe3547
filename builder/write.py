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

from builder.claims import check_claims
from builder.config import Config
from builder.errors import BuildError, BuildWarning
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
    origin: str = ""  # what made it, for errors: "posts/x.md", "the archive", …


@dataclass(frozen=True)
class Derived:
    """Outputs made from other outputs' bytes once those are written, in the same swap (the
    search index of the written pages). ``make`` is given, for the path of one of this
    build's outputs, a file that holds its bytes: the staged one, or the live one if it did
    not change; it returns the derived outputs (keyed like any other)."""

    make: Callable[[Callable[[str], str]], list[Output]]


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    rendered: int = 0


def check_output_dir(config: Config, out: Path) -> None:
    """Refuse, before deleting anything, an output folder that is not ours to replace. The
    error names where the folder was chosen (``site.toml``'s line, ``--out``), if anywhere."""
    root = config.root
    where, line = config.output_origin

    def refuse(message: str, hint: str | None = None) -> BuildError:
        return BuildError(message, where, line, hint=hint)

    if out == root or root.is_relative_to(out):
        raise refuse(f"output folder '{out}' is the project or holds it")
    for name in (*SOURCE_FOLDERS, config.posts_dir):
        source = (root / name).resolve()
        if out == source or out.is_relative_to(source) or source.is_relative_to(out):
            raise refuse(f"output folder '{out}' overlaps the source folder '{name}/'")
    cache = (root / ".cache").resolve()
    if out == cache or cache.is_relative_to(out):
        raise refuse(f"output folder '{out}' overlaps the cache folder '.cache/'")
    if out.is_symlink():
        raise refuse(f"output folder '{out}' is a symbolic link")
    if out.exists():
        if not out.is_dir():
            raise refuse(f"output '{out}' exists and is not a folder")
        if (out / ".git").exists():
            raise refuse(f"output folder '{out}' holds a .git folder")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise refuse(
                f"output folder '{out}' holds files build-site did not write; "
                "refusing to replace it",
                hint="choose another --out, or empty that folder yourself",
            )


_WRITERS = 4


@dataclass(frozen=True)
class Staged:
    """What became of one rendered output: its digest and size, and the written file's
    mtime, or None when its bytes equal the live file's and nothing was written."""

    hashed: str
    size: int
    mtime: int | None


# Outputs waiting to be staged by forked children, which inherit them (closures and all).
_PENDING: list[tuple[Output, list | None]] = []


def _stage_slice(start: int, stop: int, staging: str, live: str, fresh: bool) -> list[Staged]:
    return [_stage(output, record, staging, live, fresh)
            for output, record in _PENDING[start:stop]]


def _stage(output: Output, record: list | None, staging: str, live: str, fresh: bool) -> Staged:
    """Render one output and, unless the live site already has these bytes, write it into
    the staging folder. A file there may be a hard link shared with the live site, so it
    is replaced, never written in place."""
    data = output.produce()
    hashed = digest(data)
    if record and record[1] == hashed and _matches(f"{live}/{output.path}", record):
        return Staged(hashed, len(data), None)
    target = f"{staging}/{output.path}"
    if not fresh:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    try:
        fd = os.open(target, flags, 0o666)
    except FileNotFoundError:  # its folder is new: one failed open beats a mkdir per file
        os.makedirs(posixpath.dirname(target), exist_ok=True)
        fd = os.open(target, flags, 0o666)
    try:
        with open(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            return Staged(hashed, len(data), os.fstat(fd).st_mtime_ns)
    except OSError as exc:  # a full disk says nothing of which file: name it
        exc.filename = exc.filename or target
        raise


def _matches(path: str, record: list) -> bool:
    """The file is the one a record describes (same size and mtime as when it was written)."""
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return stat.st_size == record[2] and stat.st_mtime_ns == record[3]


def live_files_intact(writer: SiteWriter) -> bool:
    """Every file the last build wrote is in the live site as it was written."""
    out = str(writer.out)
    return (writer.out / MARKER).is_file() and all(
        _matches(f"{out}/{path}", record) for path, record in writer.previous.items())


def stage_all(todo: list[tuple[Output, list | None]], staging: Path, live: Path,
              fresh: bool, jobs: int) -> list[Staged]:
    """Render outputs and write the changed ones into ``staging``, in forked worker
    processes when there are many: rendering is CPU work and so, on a cold build, is
    creating thousands of files and folders, so both are spread over the cores.

    Forked children inherit the parsed posts and the compiled templates, so nothing is sent
    to them and only digests come back. Forking is only safe without other threads running
    (the preview server has some), so then everything happens here.
    """
    from builder.procutil import can_fork, process_pool

    args = (str(staging), str(live), fresh)
    if jobs < 2 or len(todo) < 64 or not can_fork():
        return [_stage(output, record, *args) for output, record in todo]
    _PENDING[:] = todo
    try:
        size = -(-len(todo) // (jobs * 4))
        bounds = [(i, min(i + size, len(todo))) for i in range(0, len(todo), size)]
        with process_pool(jobs, fork=True) as pool:
            futures = [pool.submit(_stage_slice, a, b, *args) for a, b in bounds]
            return [staged for future in futures for staged in future.result()]
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
        # the digest of the last build's list of paths, which claimed each path once
        self.claimed: str = state.get("claims", "")

    def _load_state(self) -> dict:
        """What the last build wrote; anything damaged or of the wrong shape is forgotten,
        which costs a full staging folder, never a wrong site."""
        if not (self.out / MARKER).is_file():
            return {}
        try:
            data = json.loads(self.state_path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or not isinstance(data.get("generation", 0), int) or \
                not isinstance(data.get("back_dirty", []), list) or \
                not isinstance(data.get("claims", ""), str) or \
                not isinstance(data.get("outputs", {}), dict):
            return {}
        outputs = data.get("outputs", {})
        if not all(isinstance(r, list) and len(r) == 4 and isinstance(r[2], int)
                   and isinstance(r[3], int) for r in outputs.values()):
            return {}
        return data

    def write(self, outputs: Iterable[Output], jobs: int = 1,
              warn: Callable[[BuildWarning], None] | None = None,
              derived: Derived | None = None) -> WriteReport:
        outputs = list(outputs)
        # the same paths as the last build's have no clash (their origins name one, if any)
        claims = digest("\0".join(output.path for output in outputs).encode())
        if claims != self.claimed:
            check_claims(outputs)
        try:
            report = self._write(outputs, jobs, warn or (lambda _: None), derived, claims)
        except OSError as exc:  # name the site's file, not the staging folder's
            name = os.fsdecode(exc.filename) if exc.filename is not None else ""
            for folder in (self.back, self.out.parent / f".{self.out.name}.tmp-{os.getpid()}"):
                if name.startswith(f"{folder}/"):
                    exc.filename = str(self.out) + name[len(str(folder)):]
            raise
        return report

    def _sort(self, outputs: list[Output], state: dict[str, list],
              report: WriteReport) -> list[tuple[Output, list | None]]:
        """The outputs to render (with their last record); the others are unchanged."""
        todo: list[tuple[Output, list | None]] = []
        for output in outputs:
            record = self.previous.get(output.path)
            if (record and record[0] == output.key
                    and _matches(f"{self.out}/{output.path}", record)):
                state[output.path] = record
                report.unchanged += 1
            else:
                state[output.path] = []
                todo.append((output, record))
        return todo

    def _write(self, outputs: list[Output], jobs: int, warn: Callable[[BuildWarning], None],
               derived: Derived | None, claims: str) -> WriteReport:
        report = WriteReport()
        state: dict[str, list] = {}
        todo = self._sort(outputs, state, report)
        removed = sorted(set(self.previous) - set(state))
        generation, back_dirty = self.generation, self.back_dirty
        live = (self.out / MARKER).is_file()
        if todo or removed or not live or derived is not None:
            staging, fresh = self._open_staging()
            try:
                staged = stage_all(todo, staging, self.out, fresh, jobs)
                if derived is not None:
                    written = {o.path for (o, _), s in zip(todo, staged, strict=True)
                               if s.mtime is not None}
                    late = derived.make(lambda path: f"{staging if path in written else self.out}"
                                        f"/{path}")
                    check_claims(outputs + late)
                    late_todo = self._sort(late, state, report)
                    staged += stage_all(late_todo, staging, self.out, fresh, jobs)
                    todo += late_todo
                    removed = sorted(set(self.previous) - set(state))
            except BaseException:
                self._abandon(staging, fresh)
                raise
            changed = set()
            for (output, record), result in zip(todo, staged, strict=True):
                report.rendered += 1
                if result.mtime is None:
                    assert record is not None
                    state[output.path] = [output.key, *record[1:]]
                    report.unchanged += 1
                else:
                    changed.add(output.path)
                    state[output.path] = [output.key, result.hashed, result.size, result.mtime]
            if changed or removed or not live:
                generation += 1
                self._swap_in(staging, fresh, changed, removed, state, generation, warn)
                back_dirty = sorted(changed | set(removed))
            else:  # every rendered output had the live bytes: staging is as it was
                self._abandon(staging, fresh, intact=True)
            report.written = sorted(changed)
        report.removed = removed
        if (state, generation, back_dirty, claims) != (self.previous, self.generation,
                                                       self.back_dirty, self.claimed):
            data = {"generation": generation, "back_dirty": back_dirty, "claims": claims,
                    "outputs": state}
            atomic_write(self.state_path, json.dumps(data, separators=(",", ":")).encode())
        self.previous, self.generation, self.back_dirty = state, generation, back_dirty
        self.claimed = claims
        return report

    def _back_is_current(self) -> bool:
        """The back buffer is the version before the live one, and was left complete."""
        try:
            marker = (self.back / MARKER).read_bytes()
        except OSError:
            return False
        return marker == _marker(self.generation - 1) and (self.out / MARKER).is_file()

    def _open_staging(self) -> tuple[Path, bool]:
        """The folder this build writes into: the back buffer, brought up to date only where
        it differs (untrusted until complete), or else a fresh folder (``fresh`` is True).
        A back buffer that can't be written (made read-only) is not used."""
        if self.out.exists() and self._back_is_current():
            try:
                (self.back / MARKER).unlink()
                return self.back, False
            except OSError:
                pass
        staging = self.out.parent / f".{self.out.name}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        (staging / MARKER).write_bytes(MARKER_TEXT + b"staging\n")  # ours, if left behind
        return staging, True

    def _abandon(self, staging: Path, fresh: bool, intact: bool = False) -> None:
        if fresh:
            shutil.rmtree(staging, ignore_errors=True)
        elif intact:
            (staging / MARKER).write_bytes(_marker(self.generation - 1))

    def _swap_in(self, staging: Path, fresh: bool, changed: set[str], removed: list[str],
                 state: dict[str, list], generation: int,
                 warn: Callable[[BuildWarning], None]) -> None:
        out = self.out
        touched = set(state) if fresh else set(self.back_dirty) | set(removed)
        if not fresh:  # trust, but check: a file of the back buffer deleted or changed
            touched |= {path for path in state if path not in touched and path not in changed
                        and not _matches(f"{staging}/{path}", state[path])}
        try:
            _place(staging, out, sorted(touched - changed), set(state))
        except BaseException:
            self._abandon(staging, fresh)
            raise
        (staging / MARKER).write_bytes(_marker(generation))
        if not out.exists():
            os.rename(staging, out)
        else:
            exchange_dirs(staging, out)
            if staging != self.back:  # the previous site is in staging now: the new back
                shutil.rmtree(self.back, ignore_errors=True)
                try:
                    os.rename(staging, self.back)
                except OSError:  # the old back buffer would not go: made read-only
                    shutil.rmtree(staging, ignore_errors=True)
                    back = self.back.name
                    warn(BuildWarning(
                        None, None,
                        f"{back}/ can't be replaced (something in it is read-only), so each "
                        "build writes the whole site afresh",
                        f"chmod -R u+w {back} && rm -rf {back}"))


def _marker(generation: int) -> bytes:
    return MARKER_TEXT + f"generation {generation}\n".encode()


def _place(staging: Path, live: Path, paths: list[str], wanted: set[str]) -> None:
    """Make ``staging`` hold, at each of ``paths``, the live file (a hard link), or nothing
    if the path is no longer wanted. The new files are already there (``stage_all``)."""
    base, current = str(staging), str(live)

    def place(chunk: list[str]) -> None:
        made: set[str] = set()
        for path in chunk:
            target = f"{base}/{path}"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
            if path not in wanted:
                continue
            folder = posixpath.dirname(path)
            if folder and folder not in made:
                os.makedirs(f"{base}/{folder}", exist_ok=True)
                made.add(folder)
            os.link(f"{current}/{path}", target)

    # File-system calls wait on the disk, not the CPU: a few threads overlap them.
    chunks = [paths[i::_WRITERS] for i in range(_WRITERS)]
    with ThreadPoolExecutor(_WRITERS) as pool:
        for done in [pool.submit(place, chunk) for chunk in chunks if chunk]:
            done.result()
    # Emptied folders go only once every thread is done: pruned while another thread linked
    # a new file into the same folder (a search index replaces its files in place), the link
    # failed with "no such file or directory".
    for folder in sorted({posixpath.dirname(p) for p in paths if p not in wanted}, reverse=True):
        _prune(base, folder)


def _prune(base: str, folder: str) -> None:
    """Remove folders emptied by a removed page, up to the site's root."""
    while folder:
        try:
            os.rmdir(f"{base}/{folder}")
        except OSError:
            return
        folder = posixpath.dirname(folder)
