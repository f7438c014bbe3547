"""What the preview server remembers of the files it read: never a stale post after a save."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from builder import fsutil
from builder.errors import BuildError
from builder.fsutil import stat_stamp
from builder.markdown.stage import each_source
from builder.sources.known import KnownSources, loaded
from builder.sources.posts import SourceFile


def read_sources(paths: list[Path], root: Path, known: KnownSources,
                 ) -> tuple[list[SourceFile], list[BuildError]]:
    """The posts as a build reads them, and the mistakes found reading them."""
    errors: list[BuildError] = []
    return list(each_source(paths, root, errors, known)), errors


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
    seen = KnownSources()
    for i in range(100, 400):
        swap = post.with_name(f".{post.name}.swp")
        swap.write_text(f"Storm {i}\n")
        os.replace(swap, post)
        sources, errors = read_sources([post], tmp_path, seen)
        assert not errors
        assert sources[0].text == f"Storm {i}\n"


def test_a_build_reads_only_the_posts_whose_stamps_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The index saved by one build tells the next which posts it need not read: their
    digests come from it, their bytes are read only to be parsed."""
    monkeypatch.setattr(fsutil, "_RACY_NS", 50_000_000)
    posts = [tmp_path / f"2020-01-0{i}-p.md" for i in range(1, 4)]
    for i, post in enumerate(posts):
        post.write_text(f"Post {i}\n")
    time.sleep(0.06)
    index = tmp_path / ".cache" / "sources.json"
    first = KnownSources(index)
    sources, _ = read_sources(posts, tmp_path, first)
    assert all(s.raw is not None for s in sources)
    first.save()
    posts[1].write_text("Post one, edited\n")
    again, _ = read_sources(posts, tmp_path, KnownSources(index))
    assert [s.raw is None for s in again] == [True, False, True]
    assert [s.digest for s in again] != [s.digest for s in sources]
    assert again[0].digest == sources[0].digest
    assert loaded(again[0], tmp_path).text == "Post 0\n"
    index.write_text('{"version": 1, "files": {"2020-01-01-p.md": [1, 2]}}')  # damaged
    assert all(s.raw is not None for s in read_sources(posts, tmp_path,
                                                       KnownSources(index))[0])
