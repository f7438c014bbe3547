"""The post's folder as a block sees it: its files readable, what it writes kept apart.

Quarto runs a document in its own folder, so ``np.loadtxt("data.csv")`` and
``cv2.imread("images/photo.jpg")`` read files beside the post, and ``anim.save("sine.gif")``
leaves a file the post can show with ``![](sine.gif)``. Running in the real folder would
litter the author's sources (and the git tree) with every file a block writes, so a block
runs in a mirror of it in the build's scratch space: real folders for the post's folder and
everything below it, one symbolic link per file. Reads go through the links (and are seen by
the worker's dependency tracking, which follows them to the real file); a new file is a new
file of the mirror. The folders above the post's are real too, each with links to what else
is in it, so ``../data/x.csv`` works as well.

A Python write to a linked file (``open(name, "w")``, ``np.save``, ``fig.savefig``: every
write passes the ``open`` audit event) first replaces the link by a copy, so it never reaches
the original; writing into a linked folder first turns it into a real folder of links. C
libraries that write a file themselves are not seen: they make new files as they should, but
one that overwrites a file already beside the post writes through the link.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

_SKIPPED = ("__pycache__",)  # and every hidden entry (.git, .cache, .venv, editor files)

_mirror: str | None = None  # the mirror's root while a job runs
_root: str | None = None  # the project folder it mirrors
_busy = False  # copy-on-write opens files itself: its own audit events are not acted on


def build_mirror(root: Path, post_dir: Path, mirror: Path, output: Path | None) -> Path:
    """Mirror ``post_dir`` (inside ``root``) under ``mirror``; return the mirrored folder.
    The site's output folder is left out (a block must not read the last build)."""
    global _mirror, _root
    source, target = root, mirror
    target.mkdir(parents=True, exist_ok=True)
    for part in post_dir.relative_to(root).parts:
        _link_entries(source, target, skip=part, output=output)
        source, target = source / part, target / part
        target.mkdir()
    _copy_tree(source, target, output)
    _mirror, _root = str(mirror), str(root)
    return target


def _wanted(name: str, path: str, output: Path | None) -> bool:
    return not name.startswith(".") and name not in _SKIPPED and \
        (output is None or path != str(output))


def _link_entries(source: Path, target: Path, skip: str, output: Path | None) -> None:
    """Links in ``target`` to each entry of ``source`` but ``skip`` (mirrored for real)."""
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.name != skip and _wanted(entry.name, entry.path, output):
                os.symlink(entry.path, target / entry.name)


def _copy_tree(source: Path, target: Path, output: Path | None) -> None:
    """Real folders, linked files: the post's folder and all below it."""
    with os.scandir(source) as entries:
        for entry in entries:
            if not _wanted(entry.name, entry.path, output):
                continue
            if entry.is_dir(follow_symlinks=False):
                (target / entry.name).mkdir()
                _copy_tree(Path(entry.path), target / entry.name, output)
            else:
                os.symlink(entry.path, target / entry.name)


def release() -> None:
    global _mirror, _root
    _mirror = _root = None


def source_folder(path: str) -> str:
    """The project folder a folder of the mirror stands for (else ``path`` itself)."""
    if _mirror is None or _root is None or not path.startswith(_mirror + os.sep):
        return path
    return os.path.join(_root, os.path.relpath(path, _mirror))


def audit(event: str, args: tuple[object, ...]) -> None:
    """The audit hook: a file opened for writing is made the mirror's own first."""
    if event != "open" or _mirror is None or not args:
        return
    target, mode = args[0], args[1] if len(args) > 1 else "r"
    flags = args[2] if len(args) > 2 else 0
    writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
        isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR))
    if writes and isinstance(target, (str, bytes, os.PathLike)):
        with contextlib.suppress(TypeError, ValueError):
            before_write(os.fsdecode(target))


def before_write(path: str) -> None:
    """Called with each path opened for writing: inside the mirror, a linked file becomes a
    copy and a linked folder on the way becomes a real folder of links, before the write."""
    global _busy
    if _mirror is None or _busy:
        return
    absolute = os.path.abspath(path)
    if not absolute.startswith(_mirror + os.sep):
        return
    _busy = True
    try:
        parts = Path(absolute).relative_to(_mirror).parts
        current = Path(_mirror)
        for part in parts[:-1]:
            current = current / part
            if current.is_symlink() and current.is_dir():
                _materialise(current)
        if current.joinpath(parts[-1]).is_symlink():
            _unlink_copy(current / parts[-1])
    except OSError:
        pass  # the write itself will report what is wrong
    finally:
        _busy = False


def _materialise(folder: Path) -> None:
    source = Path(os.readlink(folder))
    folder.unlink()
    folder.mkdir()
    _link_entries(source, folder, skip="", output=None)


def _unlink_copy(link: Path) -> None:
    """Replace a link by a copy of what it points at (an append keeps the old content)."""
    source = Path(os.readlink(link))
    link.unlink()
    if source.is_file():
        shutil.copyfile(source, link)


Stamp = tuple[int, int, int]


def snapshot(folder: Path) -> dict[str, Stamp]:
    """The regular files (not links) below ``folder``: size and times, by path."""
    found: dict[str, Stamp] = {}
    stack = [str(folder)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    found[os.path.relpath(entry.path, folder)] = (
                        stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    return found


def written(before: dict[str, Stamp], after: dict[str, Stamp]) -> list[str]:
    """Files made or changed between two snapshots, as paths with '/' (sorted)."""
    return sorted(Path(rel).as_posix() for rel, stamp in after.items()
                  if before.get(rel) != stamp)


MAX_FILES = 200  # files a block writes that are kept (for the page to show or link to)
MAX_BYTES = 200 * 1024 * 1024


def keep_written(names: list[str], cwd: Path, store: Path) -> tuple[list[dict[str, str]], int]:
    """Copy the files a block wrote into ``store`` (each block keeps its own version of a file
    a later block rewrites); return them, and how many were left out over the limits."""
    kept: list[dict[str, str]] = []
    total = 0
    for name in names:
        size = (cwd / name).stat().st_size
        if len(kept) >= MAX_FILES or total + size > MAX_BYTES:
            return kept, len(names) - len(kept)
        target = store / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cwd / name, target)
        kept.append({"file": name, "path": str(target)})
        total += size
    return kept, 0
