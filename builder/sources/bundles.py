"""Posts that are folders: ``posts/my-post/index.qmd`` (a Quarto blog's) or ``index.md`` (a
Hugo page bundle), with the images and data the post uses beside it.

The folder names the post as a file name would (``2021-03-22-my-post/`` gives the date and
the slug ``my-post``; ``my-post/`` the slug, the date then coming from the front matter),
its blocks run in it (``figures/folder.py``), and every other file in it and below it is
published beside the post's page, so ``![](images/photo.jpg)`` and ``[the data](data.csv)``
work on the site as they do in an editor's preview. A Markdown file in the folder other than
its index is not a post of its own (as in a Hugo bundle): it is published as a file, with a
warning, since its author may have meant a page.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path, PurePosixPath

from builder.errors import BuildError, BuildWarning, Warn

POST_SUFFIXES = (".md", ".markdown", ".qmd")
INDEX_NAMES = tuple("index" + suffix for suffix in POST_SUFFIXES)


def skipped_name(name: str) -> bool:
    """Hidden files, editor droppings and ``_`` names (``__pycache__``, Quarto's ``_files``
    of its own output): neither posts nor a post's files."""
    return name.startswith((".", "#", "_")) or name.endswith("~")


def post_index(folder: str, names: list[str]) -> str | None:
    """The index file among a folder's ``names``, if the folder is a post; two are an error
    (both would be the one page)."""
    found = [name for name in INDEX_NAMES if name in names]
    if len(found) > 1:
        raise BuildError(f"a post folder holds one index file, not {' and '.join(found)}",
                         f"{folder}/{found[1]}", hint=f"keep {found[0]} or {found[1]}")
    return found[0] if found else None


def post_folder(source: str, posts_dir: str) -> str | None:
    """The folder a post is (``posts/my-post``), or None for a post that is a file."""
    folder, _, name = source.rpartition("/")
    if name not in INDEX_NAMES or not folder.startswith(_prefix(posts_dir)):
        return None  # (string tests: this is asked of every post of every build)
    return folder


@functools.cache
def _prefix(posts_dir: str) -> str:
    return PurePosixPath(posts_dir).as_posix() + "/"


def post_name(source: str, posts_dir: str) -> str:
    """What a post's date and slug are read from: its folder's name, or its file's."""
    folder = post_folder(source, posts_dir)
    return PurePosixPath(folder).name if folder else PurePosixPath(source).stem


def bundle_files(root: Path, folder: str, warn: Warn) -> dict[str, Path]:
    """Every file of a post's folder but its index, by its path inside the folder, in a
    stable order. A symbolic link out of the project is refused: its target would be
    published."""
    found: dict[str, Path] = {}
    base = root / folder
    for path in sorted(_walk(base)):
        rel = path.relative_to(base).as_posix()
        if rel in INDEX_NAMES:
            continue
        shown = f"{folder}/{rel}"
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            raise BuildError("symbolic link points outside the project", shown,
                             hint="copy the file into the project instead")
        if path.suffix in POST_SUFFIXES:
            warn(BuildWarning(shown, 1, "only the index of a post folder is a post: this "
                              "file is published as it is, beside the post's page",
                              "make it a post of its own outside the folder, or link to it"))
        found[rel] = path
    return found


def _walk(folder: Path) -> list[Path]:
    files: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return files
    for entry in entries:
        if skipped_name(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False):
            files += _walk(Path(entry.path))
        elif entry.is_file():
            files.append(Path(entry.path))
    return files
