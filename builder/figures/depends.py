"""``#| depends: [data/*.csv, /srv/big.nc]``: what a block reads that the worker cannot see.

The worker hears what Python reads; a program a block starts (``subprocess``), a C library
opening files itself, or the network are beyond it. A block names such inputs, and their
bytes become part of its cache key. Paths are relative to the post's folder (or absolute);
``*``, ``?`` and ``**`` patterns are allowed; a folder stands for every file below it.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from builder.errors import BuildError
from builder.fsutil import digest, file_digest


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file()
                      and not any(part.startswith(".") for part in p.relative_to(path).parts))
    return [path]


def declared_digests(patterns: list[str], post_dir: Path, root: Path, source: str,
                     line: int) -> dict[str, str]:
    """Each declared pattern's hash over the names and bytes of what it matches now.

    A plain path that does not exist is an error (a typo would otherwise make the option
    silently useless); a pattern may match nothing."""
    found: dict[str, str] = {}
    for pattern in patterns:
        full = os.path.join(post_dir, os.path.expanduser(pattern))
        if glob.has_magic(pattern):
            matches = [Path(p) for p in sorted(glob.glob(full, recursive=True))]
        elif os.path.exists(full):
            matches = [Path(full)]
        else:
            shown = os.path.relpath(full, root) if Path(full).is_relative_to(root) else full
            raise BuildError(
                f"depends: '{pattern}' does not exist ({shown})", source, line,
                hint="paths are relative to the post's folder; a pattern like "
                     "'data/*.csv' may match nothing",
            )
        parts = []
        for match in matches:
            for file in _files(match):
                parts.append(f"{os.path.relpath(file, post_dir)}\0{file_digest(file)}")
        found[pattern] = digest("\n".join(parts).encode())
    return found


def declared_files(patterns: list[str], post_dir: Path, root: Path) -> set[str]:
    """The files the patterns match now, project-relative where they can be (for watching).
    Outside the project, also the folders a pattern looks through (``/abs/dir/``): a file
    added there changes what it matches, and the folder's times tell (the preview watches
    them, and a build's up-to-date check stamps them)."""
    files: set[str] = set()
    for pattern in patterns:
        full = os.path.join(post_dir, os.path.expanduser(pattern))
        magic = glob.has_magic(pattern)
        matches = glob.glob(full, recursive=True) if magic else [full]
        for match in matches:
            for file in _files(Path(match)):
                resolved = file.resolve()
                files.add(resolved.relative_to(root).as_posix()
                          if resolved.is_relative_to(root) else str(resolved))
        base = Path(_fixed_part(full) if magic else full).resolve()
        if base.is_dir() and not base.is_relative_to(root):
            files.update(f"{folder}/" for folder, _, _ in os.walk(base))
    return files


def _fixed_part(pattern: str) -> str:
    """The folder a glob pattern starts from: its components before the first wildcard."""
    parts = Path(pattern).parts
    fixed = next((i for i, part in enumerate(parts) if glob.has_magic(part)), len(parts))
    return str(Path(*parts[:fixed])) if fixed else "."
