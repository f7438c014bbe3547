"""Small file-system helpers whose one job is never leaving a half-written file behind."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def digest(data: bytes) -> str:
    """The content hash used everywhere: cache entries, written files, figure images."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_digest(path: Path) -> str | None:
    """``digest`` of a file's bytes, or None when it can't be read."""
    try:
        return digest(path.read_bytes())
    except OSError:
        return None


def listing_digest(folder: Path, ignore: set[str] | frozenset[str] = frozenset()) -> str | None:
    """Hash of a folder's list of names (folders marked with a ``/``), or None when it can't
    be listed. Hidden names and ``__pycache__`` are left out (the builder and Python write
    those), and so is any path in ``ignore`` (the site's output folder)."""
    try:
        with os.scandir(folder) as entries:
            names = sorted(
                entry.name + ("/" if entry.is_dir() else "") for entry in entries
                if not entry.name.startswith(".") and entry.name != "__pycache__"
                and entry.path not in ignore
            )
    except OSError:
        return None
    return digest("\0".join(names).encode())


# Younger than this, a file's times may not tell one write from the next: timestamps come
# from a clock that ticks every few milliseconds (FAT's every 2 s).
_RACY_NS = 2_000_000_000

Stamp = tuple[int, ...] | None


def stat_stamp(path: str | Path) -> Stamp:
    """Size, modification time, inode and change time: equal stamps, same bytes. Trusted
    across builds too (``sources/known.py``): a checkout, a copy or a restored cache gives
    files new inodes and change times, and no program can set a change time back.

    None for a file changed in the last two seconds, which must be read to be known: an
    editor saving twice within one clock tick, through a swap file whose inode the file
    system hands back at once (seen here: 300 saves, 2 inodes), can leave every field of
    the stamp as it was while the bytes changed. Git calls such files "racy"."""
    info = os.stat(path)
    if time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) < _RACY_NS:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary name beside ``path`` and rename it into place."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        exc.filename = str(path)  # not its temporary name: the file the author would look for
        raise
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            exc.filename = str(path)
        raise


def exchange_dirs(new: Path, current: Path) -> None:
    """Atomically swap two folders (Linux ``renameat2``), else swap with two quick renames.

    Afterwards ``current`` holds what was in ``new`` and ``new`` holds the previous contents.
    """
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = getattr(libc, "renameat2", None)
        if renameat2 is not None:
            result = renameat2(
                _AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(current), _RENAME_EXCHANGE
            )
            if result == 0:
                return
            if ctypes.get_errno() not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
                raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(current))
    parked = current.with_name(current.name + ".old-swap")
    os.rename(current, parked)
    os.rename(new, current)
    os.rename(parked, new)


@contextlib.contextmanager
def exclusive_lock(path: Path, on_wait: object = None) -> Iterator[None]:
    """Hold an advisory lock on ``path``; the OS releases it if the process dies."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if callable(on_wait):
                handle.seek(0)
                on_wait(handle.read().strip())
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
