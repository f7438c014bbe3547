"""How a block fails in the worker: one exception type with the post line it names.

Whatever goes wrong in a block (an exception of the author's code, a drawing error found
later, a limit) ends as a ``BlockError``: a one-line message, the post line, and the
traceback the page shows under ``error: true`` or the build prints under the message.
"""

from __future__ import annotations

import linecache


class BlockError(Exception):
    def __init__(self, message: str, line: int | None, column: int | None = None,
                 details: str = "") -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.details = message, line, column, details


def from_post(exc: BaseException, post: str) -> bool:
    """Whether the author's own code in the post raised ``exc`` (somewhere down the stack)."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == post:
            return True
        tb = tb.tb_next
    return False


def located(message: str, line: int | None, post: str) -> str:
    """A traceback of one frame, at the post line that made what failed (to draw, say)."""
    if line is None:
        return ""
    source = linecache.getline(post, line).strip()
    return (f'Traceback (most recent call last):\n  File "{post}", line {line}, in '
            f"<module>\n    {source}\n{message}")
