"""What the preview server remembers of the files it read: never a stale post after a save."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from builder import fsutil
from builder.fsutil import stat_stamp
from builder.markdown.stage import read_sources


def test_only_a_file_left_alone_for_a_while_is_stamped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fsutil, "_RACY_NS", 300_000_000)  # 2 s in real life
    path = tmp_path / "a.md"
    path.write_text("x")
    assert stat_stamp(path) is None  # its times may not tell this write from the next
    time.sleep(0.4)
    stamp = stat_stamp(path)
    assert stamp is not None and stamp == stat_stamp(path)
    path.write_text("y")
    assert stat_stamp(path) is None


def test_saves_in_one_clock_tick_are_all_seen(tmp_path: Path) -> None:
    """Saves through a swap file get the inode back that the last one freed (seen here: 300
    saves, 2 inodes) and, within one clock tick, the same times: only the bytes differ."""
    post = tmp_path / "2020-01-01-a.md"
    seen: dict = {}
    for i in range(100, 400):
        swap = post.with_name(f".{post.name}.swp")
        swap.write_text(f"Storm {i}\n")
        os.replace(swap, post)
        sources, errors = read_sources([post], tmp_path, seen)
        assert not errors
        assert sources[0].text == f"Storm {i}\n"
