"""What the command line shows while figure blocks run: which one, and how many are left.

On a terminal, one line redrawn in place (a bar, the count, the block); anywhere else (a CI
log, a pipe), one plain line per block, so a log says which block was running when it
stopped. Every other message first clears the bar, so lines never mix.
"""

from __future__ import annotations

import shutil
import sys
import threading
from typing import TextIO

_WIDTH = 24


class Status:
    """Messages and progress on one stream (standard error)."""

    def __init__(self, stream: TextIO | None = None, prefix: object = None) -> None:
        self.stream = stream or sys.stderr
        self.prefix = prefix  # called for each plain line: the preview's clock
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self.showing = False
        self.lock = threading.Lock()

    def _head(self) -> str:
        return f"{self.prefix()} " if callable(self.prefix) else ""

    def say(self, message: str) -> None:
        with self.lock:
            self._clear()
            self.stream.write(self._head() + message + "\n")
            self.stream.flush()

    def progress(self, count: int, total: int, what: str) -> None:
        """Block ``count`` of ``total`` has started: ``what`` is ``posts/x.md:12 fig-a``."""
        with self.lock:
            if not self.terminal:
                self.stream.write(f"{self._head()}[{count}/{total}] running {what}\n")
            else:
                done = round(_WIDTH * (count - 1) / max(total, 1))
                line = f"[{'#' * done}{'.' * (_WIDTH - done)}] {count}/{total} {what}"
                columns = shutil.get_terminal_size((80, 24)).columns
                self.stream.write("\r\x1b[K" + line[: max(columns - 1, 10)])
                self.showing = True
            self.stream.flush()

    def clear(self) -> None:
        with self.lock:
            self._clear()

    def _clear(self) -> None:
        if self.showing:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.showing = False
