"""The file watcher with real watchdog observers on a real folder: what counts as a change,
one rebuild per burst, and what happens when inotify runs out or drops events."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator

import pytest

from builder.config import load_config
from builder.preview.watch import EVERYTHING, ChangeSet, Watcher, is_editor_dropping
from tests.conftest import Project


@pytest.fixture
def watched(project: Project) -> Iterator[tuple[ChangeSet, Watcher, list[str]]]:
    project.post("2020-01-01-a.md", "---\ntitle: A\n---\nText.\n")
    (project.root / "figures").mkdir()
    changes = ChangeSet(load_config(project.root))
    said: list[str] = []
    watcher = Watcher(changes, said.append)
    watcher.start()
    yield changes, watcher, said
    watcher.stop()


def take(changes: ChangeSet) -> set[str]:
    """The next burst of changes (failing the test rather than waiting forever)."""
    done: list[set[str]] = []
    thread = threading.Thread(target=lambda: done.append(changes.take_when_quiet(0.2, 5)),
                              daemon=True)  # a failing test must not hang the run
    thread.start()
    thread.join(timeout=10)
    assert done, "no change was reported"
    return done[0]


@pytest.mark.parametrize("name", [".a.md.swp", "a.md~", "#a.md#", ".#a.md", "4913", "x.tmp"])
def test_editor_droppings(name: str) -> None:
    assert is_editor_dropping(name)
    assert not is_editor_dropping("a.md")


def test_an_editors_save_burst_is_one_change_of_the_real_file(
    watched: tuple[ChangeSet, Watcher, list[str]], project: Project,
) -> None:
    changes, _, _ = watched
    post = project.root / "posts/2020-01-01-a.md"
    for i in range(20):  # vim: write a swap file, rename it over the post, probe the folder
        swap = post.with_name(f".{post.name}.swp")
        swap.write_text(f"---\ntitle: A\n---\nSave {i}.\n")
        os.replace(swap, post)
        (post.parent / "4913").write_text("")
        (post.parent / "4913").unlink()
    (project.root / "figures/helpers.py").write_text("X = 1\n")
    (project.root / "notes.txt").write_text("not part of the site\n")
    assert take(changes) == {"posts/2020-01-01-a.md", "figures/helpers.py"}


def test_lost_events_mean_a_full_rescan(
    watched: tuple[ChangeSet, Watcher, list[str]],
) -> None:
    changes, _, _ = watched
    # what watchdog logs when the kernel's inotify queue overflows (events were dropped)
    logging.getLogger("watchdog.observers.inotify_c").warning(
        "Inotify queue overflowed; filesystem events were lost")
    assert take(changes) == {EVERYTHING}
    assert "overflowed" in changes.lost_because


def test_inotify_limits_fall_back_to_polling(
    project: Project, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from watchdog.observers import Observer

    class Exhausted(Observer):  # type: ignore[misc,valid-type]
        def schedule(self, *args: object, **kwargs: object) -> None:
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(Watcher, "_observer", lambda self: Exhausted())
    project.post("2020-01-01-a.md", "---\ntitle: A\n---\nText.\n")
    changes = ChangeSet(load_config(project.root))
    said: list[str] = []
    watcher = Watcher(changes, said.append)
    watcher.start()
    try:
        assert any("polling" in line for line in said)
        (project.root / "posts/2020-01-01-a.md").write_text("---\ntitle: A\n---\nNew.\n")
        assert take(changes) == {"posts/2020-01-01-a.md"}
    finally:
        watcher.stop()


def test_stopping_forgets_the_overflow_alarm(project: Project) -> None:
    changes = ChangeSet(load_config(project.root))
    watcher = Watcher(changes, lambda _: None)
    watcher.start()
    watcher.stop()
    assert watcher.alarm not in logging.getLogger("watchdog.observers").handlers


def test_a_folder_made_while_watching_is_watched(
    watched: tuple[ChangeSet, Watcher, list[str]], project: Project,
) -> None:
    changes, watcher, _ = watched
    (project.root / "templates").mkdir()
    assert take(changes) == {"templates"}
    watcher.watch_new_folders()
    (project.root / "templates/post.html").write_text("{{ content }}")
    assert take(changes) == {"templates/post.html"}


def test_a_nested_posts_folder_is_watched(project: Project) -> None:
    project.write("site.toml", 'posts_dir = "content/posts"\n')
    post = project.write("content/posts/2020-01-01-a.md", "---\ntitle: A\n---\nText.\n")
    changes = ChangeSet(load_config(project.root))
    watcher = Watcher(changes, lambda _: None)
    watcher.start()
    try:
        post.write_text("---\ntitle: A\n---\nEdited.\n")
        (project.root / "content/notes.md").write_text("beside the posts, not one of them\n")
        assert take(changes) == {"content/posts/2020-01-01-a.md"}
    finally:
        watcher.stop()
    assert changes.relevant(str(project.root / "content")) == "content"  # moving it moves posts
