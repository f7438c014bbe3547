"""Every path of the site claimed once: no two things written to one path, and no file
where another output needs a folder of that name (``/x`` and ``/x/`` as two permalinks).

Found before anything is written, and named by what made each claim (a post, a figure of
a post, a listing, a static file), never by a temporary folder it would have failed in.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import TYPE_CHECKING

from builder.errors import BuildError, raise_all

if TYPE_CHECKING:
    from builder.write import Output


def _author_file(origin: str) -> bool:
    """An origin that is a file of the project (a post, a static file), not a description
    such as 'the archive'."""
    return bool(origin) and not origin.startswith(("the ", "a figure of ")) and " " not in origin


def _error(owner: Output, message: str) -> BuildError:
    return BuildError(message, owner.origin if _author_file(owner.origin) else None,
                      hint="give one of them another permalink or name")


def _name(output: Output) -> str:
    return output.origin or "another output"


def check_claims(outputs: Sequence[Output]) -> None:
    """Raise every clash of paths among ``outputs`` at once."""
    owners: dict[str, Output] = {}
    errors = []
    for output in outputs:
        other = owners.get(output.path)
        if other is None:
            owners[output.path] = output
            continue
        if not _author_file(output.origin) and _author_file(other.origin):
            output, other = other, output
        errors.append(_error(output, f"its output '{output.path}' is also written by "
                                     f"{_name(other)}"))
    folders: dict[str, Output] = {}
    for path, output in owners.items():
        folder = posixpath.dirname(path)
        while folder and folder not in folders:
            folders[folder] = output
            folder = posixpath.dirname(folder)
    for path, file in owners.items():
        inside = folders.get(path)
        if inside is None:
            continue
        if _author_file(inside.origin) or not _author_file(file.origin):
            errors.append(_error(inside, f"its output '{inside.path}' needs a folder '{path}', "
                                         f"where {_name(file)} writes a file"))
        else:
            errors.append(_error(file, f"its output '{path}' is a file where {_name(inside)} "
                                       f"needs a folder (for '{inside.path}')"))
    raise_all(errors)
