"""One error base that knows where in the author's files it happened, and its mild sibling.

The command line prints every ``BuildError`` as ``path:line: message`` and exits non-zero;
anything else is a bug in the builder and keeps its traceback. A ``BuildWarning`` is what the
builder could not honour but can build around (a Jekyll plugin's tag, a Quarto option we do
not know): printed as ``path:line: warning: message`` on every build until the source changes,
never a failed build.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """A place in a source file, shown to the author as ``path:line[:column]``."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


class BuildError(Exception):
    """An author's mistake: carries where it is, what is wrong and, optionally, how to fix it."""

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        *,
        column: int | None = None,
        hint: str | None = None,
        details: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = Location(str(path), line, column) if path is not None else None
        self.hint = hint
        self.details = details

    def __reduce__(self) -> tuple:
        # Exceptions pickle only their args; a BuildError must cross process boundaries whole.
        return (_rebuild, (type(self), self.__dict__))

    def __str__(self) -> str:
        head = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            head += f"\n  hint: {self.hint}"
        return head


def describe(error: BuildError) -> str:
    """The error as the command line prints it: the headline, then any traceback, indented."""
    if isinstance(error, BuildErrors):
        return "\n".join(describe(e) for e in error.errors)
    text = str(error)
    if error.details:
        text += "\n" + "\n".join("  " + line for line in error.details.rstrip().splitlines())
    return text


class BuildErrors(BuildError):
    """Several independent mistakes, reported together so the author fixes them in one pass."""

    def __init__(self, errors: Iterable[BuildError]) -> None:
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} errors")

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


def _rebuild(cls: type[BuildError], state: dict) -> BuildError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


def raise_all(errors: list[BuildError]) -> None:
    """Raise nothing, the single error, or all of them at once (nested ones flattened)."""
    errors = [e for error in errors
              for e in (error.errors if isinstance(error, BuildErrors) else [error])]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise BuildErrors(errors)


@dataclass(frozen=True, order=True)
class BuildWarning:
    """A problem the build works around; plain data, so parsed posts can cache it."""

    path: str | None
    line: int | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = str(Location(self.path, self.line)) + ": " if self.path else ""
        text = f"{where}warning: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


Warn = Callable[[BuildWarning], None]


def ignore_warning(_: BuildWarning) -> None:
    """The default ``warn`` of code that can warn, for callers that do not listen."""


_TYPE_WORDS = {"bool": "true or false", "int": "a whole number", "float": "a number",
               "str": "text", "list": "a list", "dict": "a table"}


def type_words(*types: type) -> str:
    """How a message names what a value must be: 'a whole number', not 'a int'."""
    if float in types:  # an int is a number too
        types = tuple(t for t in types if t is not int)
    return " or ".join(_TYPE_WORDS.get(t.__name__, t.__name__) for t in types)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 post', '2 posts', '0 posts'."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


# What a fault of the machine means and what to do about it, by errno.
_FAULTS = {
    errno.EACCES: ("permission denied", "make it writable (chmod u+w), or build elsewhere"),
    errno.EPERM: ("not permitted", "make it writable (chmod u+w), or build elsewhere"),
    errno.EROFS: ("the disk is read-only", "build on a writable disk"),
    errno.ENOSPC: ("no space left on the disk", "free some space and build again"),
    errno.EDQUOT: ("the disk quota is used up", "free some space and build again"),
    errno.EFBIG: ("file too large", "free some space (or raise the file size limit) and "
                  "build again"),
    errno.EMFILE: ("too many open files", "raise the limit (ulimit -n) and build again"),
}


def machine_fault(exc: OSError, root: Path) -> BuildError:
    """A failed file-system call as one line: the path (relative to the project where it
    lies inside), what went wrong, what to do."""
    name = exc.filename
    shown = None
    if name is not None:
        path = Path(os.fsdecode(name))
        try:
            shown = path.relative_to(root).as_posix() if path.is_absolute() else str(path)
        except ValueError:
            shown = str(path)
    what, fix = _FAULTS.get(exc.errno or 0, ((exc.strerror or str(exc)).lower(),
                                             "fix that and build again"))
    return BuildError(f"{what}: {fix}", shown)


@contextlib.contextmanager
def machine_faults(root: Path) -> Iterator[None]:
    """Faults of the machine (permissions, a full disk) raised as ``BuildError``s."""
    try:
        yield
    except OSError as exc:
        raise machine_fault(exc, root) from None
