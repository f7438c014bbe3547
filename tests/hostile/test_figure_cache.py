"""The figure cache against dependencies it could miss, and what the build says while and
after it runs blocks."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from tests.conftest import Project
from tests.hostile.test_figure_processes import HEAD, fence


def explain(project: Project) -> dict[str, str]:
    lines = project.build("--explain").stderr.splitlines()
    return {line.split(": ")[1]: line.split(": ", 2)[2] for line in lines
            if line.startswith("posts/") and ": fig-" in line}


LISTING = fence("""
from pathlib import Path
print(sorted(p.name for p in (Path(__file__).parent / "data").glob("*.csv")))
""", "label: fig-list")


def test_a_folder_listing_is_a_dependency(project: Project) -> None:
    """Item 5: a block that lists a folder re-runs when a file appears in it."""
    project.write("posts/data/a.csv", "1\n")
    project.post("2020-01-01-l.md", HEAD + LISTING)
    assert explain(project) == {"fig-list": "ran (not in the cache)"}
    assert explain(project) == {"fig-list": "cached"}
    project.write("posts/data/b.csv", "2\n")
    assert explain(project) == {
        "fig-list": "ran (files were added to or removed from posts/data/)"}
    assert "[&#x27;a.csv&#x27;, &#x27;b.csv&#x27;]" in project.page("2020/01/01/l/index.html")
    project.post("2020-01-02-other.md", HEAD)  # another post: the data folder is unchanged
    assert explain(project) == {"fig-list": "cached"}


def test_data_outside_the_project_is_a_dependency(project: Project, tmp_path) -> None:
    """Item 5: a file read from outside the project (not a library's) is tracked too."""
    outside = tmp_path / "shared-data" / "values.txt"
    outside.parent.mkdir()
    outside.write_text("1 2 3\n")
    project.post("2020-01-01-o.md", HEAD + fence(
        f"print(open({str(outside)!r}).read())", "label: fig-out"))
    explain(project)
    assert explain(project) == {"fig-out": "cached"}
    outside.write_text("4 5 6\n")
    assert explain(project) == {"fig-out": f"ran ({outside} changed)"}
    assert "4 5 6" in project.page("2020/01/01/o/index.html")


def test_what_cannot_be_tracked_is_said_and_can_be_declared(project: Project) -> None:
    """Item 5: a file read by a program the block starts is invisible to the worker:
    --explain says so, and '#| depends:' makes it part of the key."""
    project.write("posts/notes.txt", "first\n")
    code = "import subprocess, pathlib\nprint(subprocess.run(['cat', str(pathlib.Path(__file__)" \
           ".parent / 'notes.txt')], capture_output=True, text=True).stdout)"
    post = project.post("2020-01-01-s.md", HEAD + fence(code, "label: fig-sub"))
    explain(project)
    assert explain(project) == {"fig-sub": "cached (it started another program, whose reads "
                                "are not tracked: declare what it reads with '#| depends: "
                                "[...]')"}
    post.write_text(HEAD + fence(code, "label: fig-sub", "depends: [notes.txt]"))
    assert explain(project) == {"fig-sub": "ran (its options changed)"}
    project.write("posts/notes.txt", "second\n")
    assert explain(project) == {"fig-sub": "ran (a file it depends on changed)"}
    assert "second" in project.page("2020/01/01/s/index.html")


def test_a_declared_dependency_that_does_not_exist_is_an_error(project: Project) -> None:
    project.post("2020-01-01-s.md", HEAD + fence("pass", "label: fig-x", "depends: [nope.csv]"))
    assert project.fail().startswith(
        "posts/2020-01-01-s.md:8: depends: 'nope.csv' does not exist (posts/nope.csv)")


def test_explain_and_the_summary_agree(project: Project) -> None:
    """Item 24: a cached block re-run because a changed block needs its names is reported
    as run by --explain, and counted as run by the summary."""
    post = project.post("2020-01-01-e.md", HEAD + fence("data = [1, 2]", "label: fig-a")
                        + fence("print(data)", "label: fig-b")
                        + fence("print(3)", "label: fig-c"))
    project.build()
    post.write_text(post.read_text().replace("print(data)", "print(data[::-1])"))
    result = project.build("--explain")
    assert "posts/2020-01-01-e.md:6: fig-a: ran (with fig-b, which uses what it defines)" \
        in result.stderr
    assert "posts/2020-01-01-e.md:10: fig-b: ran (its code changed)" in result.stderr
    assert "posts/2020-01-01-e.md:14: fig-c: cached" in result.stderr
    assert "ran 2 figure blocks (1 cached)" in result.stderr
    assert "built 1 post into" in result.stderr  # not "1 posts"


TWO_BLOCKS = HEAD + fence("print(1)", "label: fig-one") + fence("print(2)", "label: fig-two")


def test_progress_in_a_log_is_one_line_per_block(project: Project) -> None:
    """Item 22: which block runs and how many there are, one plain line each."""
    project.post("2020-01-01-p.md", TWO_BLOCKS)
    stderr = project.build("--jobs", "1").stderr
    assert "running 2 figure blocks in 1 worker\n" in stderr
    assert "[1/2] running posts/2020-01-01-p.md:6 fig-one\n" in stderr
    assert "[2/2] running posts/2020-01-01-p.md:10 fig-two\n" in stderr


def test_progress_on_a_terminal_is_a_bar_redrawn_in_place(project: Project) -> None:
    """Item 22: on a terminal, one line redrawn (a bar, the count, the block), cleared before
    the summary."""
    project.post("2020-01-01-p.md", TWO_BLOCKS)
    main, terminal = pty.openpty()
    build = subprocess.Popen([sys.executable, "-m", "builder", "build", "--root",
                              str(project.root), "--jobs", "1"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=terminal)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal closed with the build
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert build.wait(timeout=60) == 0
    text = shown.decode()
    assert "\r\x1b[K[" + "." * 24 + "] 1/2 posts/2020-01-01-p.md:6 fig-one" in text
    assert "\r\x1b[K[" + "#" * 12 + "." * 12 + "] 2/2 posts/2020-01-01-p.md:10 fig-two" in text
    assert "\r\x1b[Kbuilt 1 post into" in text
    assert "running posts/" not in text  # no plain lines on a terminal
