"""An index kept as one file plus a journal of what later builds changed in it.

A cache index of a big site (10,000 posts: megabytes of JSON) rewritten whole by every build
costs an edit more than the edit's own work. A build that changed a few entries appends them
to ``journal.jsonl`` in one ``write`` (a crash leaves at most a torn last line, which is
skipped: its entry is made again); the index is rewritten once the journal holds a quarter
of it, and the journal then starts afresh.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_MIN = 64  # a journal shorter than this never makes the index be rewritten


def read_journal(path: Path) -> list[tuple[str, Any]]:
    """The journal's changes in order: (key, entry), entry None for a key forgotten."""
    try:
        lines = path.read_bytes().splitlines()
    except OSError:
        return []
    changes = []
    for line in lines:
        try:
            key, entry = json.loads(line)
        except (ValueError, TypeError):
            continue
        if isinstance(key, str):
            changes.append((key, entry))
    return changes


def append_journal(path: Path, changes: Sequence[tuple[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps([key, entry]) + "\n" for key, entry in changes).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o666)
    try:
        os.write(fd, lines)  # one write: a crash leaves at most a torn last line
    finally:
        os.close(fd)


def rewrite_due(journaled: int, changes: int, entries: int) -> bool:
    """Whether to rewrite the index instead of journaling ``changes`` more."""
    return journaled + changes > max(_MIN, entries // 4)
