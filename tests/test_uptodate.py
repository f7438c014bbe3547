"""A build that finds nothing changed stops at once, and only then.

``build`` first asks whether every file the build could read, every setting and the live site
are as the last successful build left them (``builder/uptodate.py``). These tests run the
command in this process, with stamps trusted once a file is 50 ms old (2 s in real life), and
check both sides: the build that stops says what the full one said, and each kind of change
an author makes (a post, a template, a stylesheet, site.toml, a figure module, an option, the
clock passing a future post's date, a file of the live site damaged) makes a full build.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder import fsutil
from builder.cli import cli
from tests.conftest import Project

POST = """\
---
title: First
date: 2021-03-01
tags: [notes]
---
Words with $x^2$ in them.
"""
FIGURE_POST = """\
---
title: Plotted
date: 2021-03-02
---
A figure drawn by shared code.

```{python}
#| label: fig-line
from figures.helpers import values
import matplotlib.pyplot as plt
plt.plot(values())
```
"""


@pytest.fixture
def blog(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setattr(fsutil, "_RACY_NS", 50_000_000)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    monkeypatch.chdir(project.root)
    project.write("site.toml", 'title = "Blog"\nbase_url = "https://ex.org/"\nsearch = false\n'
                  "cards = false\n")
    project.post("2021-03-01-first.md", POST)
    project.post("2021-03-02-plotted.md", FIGURE_POST)
    project.write("figures/helpers.py", "def values():\n    return [1, 3, 2]\n")
    return project


def _build(*args: str) -> str:
    """Run ``build-site build`` here; what it printed (standard error)."""
    time.sleep(0.06)  # every file older than the racy window, as between two saves
    result = CliRunner().invoke(cli, ["build", "--jobs", "1", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stderr


def _stopped(printed: str) -> bool:
    return "nothing changed since the last build" in printed


def test_a_second_build_stops_and_says_what_the_first_said(blog: Project) -> None:
    blog.post("2024-01-01-later.md", POST.replace("2021-03-01", "2024-01-01"))
    blog.post("2021-04-01-odd.md", POST + "\n```{python}\n#| tooltip: 1\nx = 1\n```\n")
    first = _build()
    assert not _stopped(first)
    site = blog.snapshot()
    second = _build()
    assert _stopped(second)
    assert blog.snapshot() == site
    # the same warnings and counts, in the same words
    warned = [line for line in first.splitlines() if "warning:" in line]
    assert any("odd.md:9: warning: unknown figure option 'tooltip'" in w for w in warned)
    assert warned == [line for line in second.splitlines() if "warning:" in line]
    assert "1 future post not built (use --drafts)" in second
    assert "built 3 posts into site/" in second
    assert "ran 0 figure blocks (2 cached)" in second
    assert "parsed 0" in second and "wrote 0 files" in second
    assert "1 warning" in second


@pytest.mark.parametrize("change", [
    "edit a post", "add a post", "delete a post", "template", "stylesheet", "site.toml",
    "figure module", "a file the site is made of",
])
def test_every_kind_of_change_makes_a_full_build(blog: Project, change: str) -> None:
    _build()
    assert _stopped(_build())
    root = blog.root
    if change == "edit a post":
        blog.post("2021-03-01-first.md", POST.replace("Words", "Other words"))
    elif change == "add a post":
        blog.post("2021-03-05-new.md", POST.replace("First", "New"))
    elif change == "delete a post":
        (root / "posts" / "2021-03-01-first.md").unlink()
    elif change == "template":
        blog.write("templates/404.html", "<p>Lost.</p>\n")
    elif change == "stylesheet":
        blog.write("static/extra.css", "p { color: red }\n")
    elif change == "site.toml":
        blog.write("site.toml", (root / "site.toml").read_text().replace("Blog", "Log"))
    elif change == "figure module":
        blog.write("figures/helpers.py", "def values():\n    return [3, 1, 2]\n")
    else:
        blog.write("posts/data.csv", "x\n1\n")
    before = blog.snapshot()
    printed = _build()
    assert not _stopped(printed)
    if change != "a file the site is made of":
        assert blog.snapshot() != before
    assert _stopped(_build())


def test_options_and_environment_are_inputs(blog: Project,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    blog.post("2021-03-03-draft.md", POST.replace("title: First", "title: Draft\ndraft: true"))
    _build()
    assert not _stopped(_build("--drafts"))
    assert (blog.root / "site/2021/03/01/draft/index.html").exists()
    assert not _stopped(_build())  # the drafts are gone again
    assert not (blog.root / "site/2021/03/01/draft/index.html").exists()
    assert not _stopped(_build("--base-url", "https://other.example/"))
    assert "https://other.example/" in blog.page("feed.xml")
    assert _stopped(_build("--base-url", "https://other.example/"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    assert not _stopped(_build("--base-url", "https://other.example/"))
    assert not _stopped(_build("--no-cache"))
    assert not _stopped(_build("--explain"))


def test_a_future_post_is_published_when_its_day_comes(
    blog: Project, monkeypatch: pytest.MonkeyPatch,
) -> None:
    blog.post("2024-01-01-later.md", POST.replace("2021-03-01", "2024-01-01"))
    _build()
    assert _stopped(_build())
    assert not (blog.root / "site/2024/01/01/later/index.html").exists()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")  # 2024-01-01, the post's day
    printed = _build()
    assert not _stopped(printed)
    assert (blog.root / "site/2024/01/01/later/index.html").exists()


def test_a_damaged_live_site_is_rebuilt(blog: Project) -> None:
    _build()
    page = blog.root / "site/2021/03/01/first/index.html"
    good = page.read_bytes()
    page.write_text("vandalised")
    assert not _stopped(_build())
    assert page.read_bytes() == good
    page.unlink()
    assert not _stopped(_build())
    assert page.read_bytes() == good


def test_a_file_changed_a_moment_ago_is_not_trusted(
    blog: Project, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _build()
    monkeypatch.setattr(fsutil, "_RACY_NS", 10_000_000_000)  # every file is "just saved"
    assert not _stopped(_build())
    monkeypatch.setattr(fsutil, "_RACY_NS", 50_000_000)
    assert _stopped(_build())


def test_a_same_size_edit_with_its_old_mtime_is_seen(blog: Project) -> None:
    _build()
    post = blog.root / "posts" / "2021-03-01-first.md"
    info = post.stat()
    post.write_text(POST.replace("Words", "Sword"))
    os.utime(post, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert not _stopped(_build())
    assert "Sword" in blog.page("2021/03/01/first/index.html")


def test_another_build_in_between_is_never_mistaken_for_this_one(blog: Project,
                                                                  tmp_path: Path) -> None:
    """Another build of the same site (other options, through the library) changes the live
    site without a record: the record of the build before names an older generation."""
    from builder.build import BuildOptions, build_site
    from builder.config import load_config

    blog.post("2021-03-03-draft.md", POST.replace("title: First", "title: Draft\ndraft: true"))
    _build()
    build_site(load_config(blog.root), BuildOptions(jobs=1, drafts=True))
    assert (blog.root / "site/2021/03/01/draft/index.html").exists()
    assert not _stopped(_build())
    assert not (blog.root / "site/2021/03/01/draft/index.html").exists()


def test_a_file_outside_the_project_a_block_depends_on_is_an_input(
    blog: Project, tmp_path: Path,
) -> None:
    """A figure block names a file outside the project in ``depends``: its edit makes a full
    build, which runs the block again."""
    shared = tmp_path / "shared.txt"
    shared.write_text("3\n")
    blog.post("2021-03-04-shared.md", "---\ntitle: Shared\n---\nA value.\n\n```{python}\n"
              f"#| depends: [{shared}]\nprint('value', open({str(shared)!r}).read().strip())"
              "\n```\n")
    _build()
    _build()  # the first build learned of the file: the next one's key has its stamp
    assert _stopped(_build())
    shared.write_text("4\n")
    assert not _stopped(_build())
    assert "value 4" in blog.page("2021/03/04/shared/index.html")
    assert _stopped(_build())


def test_the_blocks_said_cached_are_the_ones_a_full_rebuild_finds(blog: Project) -> None:
    """A dark rendering runs a block twice on a cold build; a build with nothing to do
    says the number of blocks a full rebuild would find cached, not the runs."""
    blog.post("2021-03-02-plotted.md", FIGURE_POST.replace("title: Plotted",
                                                           "title: Plotted\nexecute:\n  dark-rendering: true"))
    assert "ran 2 figure blocks (0 cached)" in _build()  # the block, and its dark rendering
    stopped = _build()
    assert _stopped(stopped) and "ran 0 figure blocks (1 cached)" in stopped
    blog.write("posts/notes.txt", "an unrelated file: the next build runs in full\n")
    full = _build()
    assert not _stopped(full) and "ran 0 figure blocks (1 cached)" in full


def test_a_post_in_a_folder_named_like_a_tools_folder_is_an_input(blog: Project) -> None:
    """Only the project's own top-level ``venv/`` or ``node_modules/`` is never read: a post
    that is a folder of that name (a post about virtual environments) is a post."""
    blog.post("venv/index.md", "---\ntitle: Virtual environments\ndate: 2021-05-01\n---\nOld.\n")
    _build()
    assert _stopped(_build())
    blog.post("venv/index.md", "---\ntitle: Virtual environments\ndate: 2021-05-01\n---\nNew.\n")
    assert not _stopped(_build())
    assert "New." in blog.page("2021/05/01/venv/index.html")


def test_a_folder_outside_the_project_a_block_depends_on_is_an_input(
    blog: Project, tmp_path: Path,
) -> None:
    """``depends`` names a folder outside the project that the block reads through another
    program (so only ``depends`` tells): a file added to it makes a full build."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("1\n")
    blog.post("2021-03-05-listing.md", "---\ntitle: Listing\n---\nFiles.\n\n```{python}\n"
              f"#| depends: [{data}/]\nimport subprocess\n"
              f"listed = subprocess.run(['ls', {str(data)!r}], capture_output=True, text=True)\n"
              "print('files', len(listed.stdout.split()))\n```\n")
    _build()
    _build()  # the first build learned of the folder: the next one's key has its stamp
    assert _stopped(_build())
    (data / "b.csv").write_text("2\n")
    assert not _stopped(_build())
    assert "files 2" in blog.page("2021/03/05/listing/index.html")
    _build()  # that build learned of b.csv too
    assert _stopped(_build())
