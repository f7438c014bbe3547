"""What a block touched, seen from inside the worker: the cache's dependencies.

An audit hook (PEP 578) hears every file Python opens for reading and every folder it lists
(``os.listdir``, ``os.scandir``, and so ``glob``, ``pathlib`` and ``os.walk``). Project files
and folders, and data files outside the project, become the block's dependencies, each with
its hash (a folder's hash is that of its list of names, so a new file in it counts). What
the import system reads is left to the list of imported modules. What cannot be heard is
remembered as a note: programs a block starts read files the hook never sees, and so does
the network. A block can declare those with ``#| depends:``.

Paths shown to readers (tracebacks of ``#| error: true`` blocks end up in pages) are made
relative to the project or to the folder on ``sys.path`` they come from, so a page is the
same on every machine and never shows the author's home or virtualenv.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from builder.figures.folder import source_folder
from builder.fsutil import file_digest, listing_digest

BUILDER = Path(__file__).resolve().parents[1]  # the builder package
_SKIP_DIRS = frozenset({".cache", ".venv", "venv", "site", ".git", "__pycache__"})
_STARTS_PROGRAMS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
                              "os.spawn", "os.fork", "os.forkpty", "pty.spawn"})
_LISTS = frozenset({"os.listdir", "os.scandir"})
_MACHINERY = ("<frozen importlib", "importlib/metadata", "importlib/resources", "pkgutil.py",
              "pkg_resources")

_state: dict[str, Any] = {"root": Path.cwd(), "output": None, "system": ()}
opened: set[str] = set()
listed: set[str] = set()
notes: set[str] = set()


def output() -> Path | None:
    """The site's output folder of the running job (a block must not read the last build)."""
    return _state["output"]


def reset(root: Path, output: Path | None) -> None:
    """Start a job of a post in ``root`` whose site is written to ``output``."""
    _state["root"], _state["output"] = root, output
    if not _state["system"]:
        _state["system"] = _system_folders()
    opened.clear()
    listed.clear()
    notes.clear()


def _system_folders() -> tuple[str, ...]:
    """Where Python, libraries, caches and the OS live: read by libraries, not as data."""
    import site
    import sysconfig

    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sysconfig.get_paths()["stdlib"],
               "/usr", "/etc", "/proc", "/sys", "/dev", "/run", "/var",
               "/opt", str(BUILDER), *site.getsitepackages(), site.getusersitepackages()}
    return tuple(sorted(os.path.join(os.path.realpath(f), "") for f in folders if f))


def _by_machinery() -> bool:
    """The event comes from the import system or package metadata, not from the block."""
    frame = sys._getframe(1)
    depth = 0
    while frame is not None and depth < 40:
        name = frame.f_code.co_filename
        if name.startswith(_MACHINERY[0]) or any(m in name for m in _MACHINERY[1:]):
            return True
        frame, depth = frame.f_back, depth + 1
    return False


@contextlib.contextmanager
def unheard() -> Iterator[None]:
    """What the worker itself reads and lists (mirroring the post's folder, looking for the
    files a block wrote) is not the block's doing."""
    _state["quiet"] = True
    try:
        yield
    finally:
        _state["quiet"] = False


def audit(event: str, args: tuple[Any, ...]) -> None:
    if _state.get("quiet"):
        return
    if event == "open":
        _opened(args)
    elif event in _LISTS:
        path = args[0] if args else "."
        if isinstance(path, (str, bytes, os.PathLike)) and not _by_machinery():
            listed.add(os.path.abspath(os.fsdecode(path if path is not None else ".")))
    elif event in _STARTS_PROGRAMS:
        notes.add("it started another program, whose reads are not tracked")
    elif event == "socket.connect":
        notes.add("it used the network, which is not tracked")


def _opened(args: tuple[Any, ...]) -> None:
    if not args or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    mode = args[1] if len(args) > 1 else "r"
    flags = args[2] if len(args) > 2 else 0
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return
    if isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR):
        return
    try:
        path = os.path.abspath(os.fsdecode(args[0]))
    except (TypeError, ValueError):
        return
    if path not in opened and not _by_machinery():
        opened.add(path)


def project_relative(path: str) -> str | None:
    """``path`` relative to the project, if it is an author's file (not the builder's own,
    not the output, cache or a virtualenv); ``""`` for the project folder itself."""
    root = _state["root"]
    try:
        resolved = Path(path).resolve()
        rel = resolved.relative_to(root)
    except (ValueError, OSError):
        return None
    if resolved.is_relative_to(BUILDER):
        return None
    output = _state["output"]
    if output is not None and resolved.is_relative_to(output):
        return None
    if rel.parts and (rel.parts[0] in _SKIP_DIRS or "site-packages" in rel.parts
                      or "__pycache__" in rel.parts):
        return None
    return rel.as_posix() if rel.parts else ""


def _outside_data(path: str) -> str | None:
    """An absolute path read from outside the project that is data, not a library's file."""
    real = os.path.realpath(path)
    if Path(real).is_relative_to(_state["root"]) or real.startswith(_state["system"]) or any(
            part.startswith(".") for part in Path(real).parts[1:]):
        return None
    return real


def dependencies(post: str) -> dict[str, str | None]:
    """Project modules imported, files read and folders listed so far, with their hashes.

    Keys are project-relative (``figures/x.py``), absolute for data outside the project,
    and end in ``/`` for a folder's list of names (``./`` for the project folder)."""
    root: Path = _state["root"]
    found: dict[str, str | None] = {}
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        rel = project_relative(file) if file else None
        if rel:
            found[rel] = None
    for path in list(opened):
        key = project_relative(path)
        if key is None:
            key = _outside_data(path)
        if key and key != post and os.path.isfile(path):
            found[key] = None
    ignore = {str(_state["output"])} if _state["output"] else set()
    for path in list(listed):
        path = source_folder(path)  # a folder of the mirror stands for the post's own
        rel = project_relative(path)
        key = (rel + "/" if rel else "./") if rel is not None else _outside_data(path)
        if key and os.path.isdir(path):
            found[key if key.endswith("/") else key + "/"] = None
    return {key: (listing_digest(root / key, ignore) if key.endswith("/")
                  else file_digest(root / key)) for key in sorted(found)}


def forget_project_modules() -> None:
    """So an edited helper is imported afresh (and recorded) by the next job in a warm worker."""
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and project_relative(file):
            del sys.modules[name]


def shown_path(path: str, post: str) -> str:
    """A traceback's file name as readers see it: the same on every machine."""
    if path == post or not os.path.isabs(path):
        return path
    rel = project_relative(path)
    if rel:
        return rel
    best = ""
    for entry in sys.path:
        folder = os.path.join(os.path.realpath(entry), "") if entry else ""
        if folder and path.startswith(folder) and len(folder) > len(best):
            best = folder
    if best:
        return path[len(best):]
    return "…/" + os.path.basename(path)


def hide_paths(text: str, scratch: str) -> str:
    """Take the machine's folders out of a message: the scratch folder a block runs in,
    the project, the home folder."""
    root = str(_state["root"])
    for folder, shown in ((scratch, ""), (root, ""), (os.path.expanduser("~"), "~")):
        if folder and folder != "/":
            text = text.replace(os.path.join(folder, ""), shown + ("/" if shown else ""))
            text = text.replace(folder, shown or ".")
    return text
