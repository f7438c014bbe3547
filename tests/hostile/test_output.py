"""The builder and its output under faults and hostile sources: trust nothing reused without a
check, one clear line for every fault of the machine, no collisions, nothing from outside."""

from __future__ import annotations

import ctypes
import json
import os
import re
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Project

GOOD = "---\ntitle: Good\n---\nFine $x$.\n"


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def site_files(folder: Path) -> tuple[set[str], int]:
    """The site's files, less the search index's, and how many those are: the index names
    its files after their contents, which an edit changes."""
    found = files(folder)
    index = {name for name in found if name.startswith("pagefind/")}
    return found - index, len(index)


def test_a_damaged_back_buffer_never_makes_a_smaller_site(project: Project) -> None:
    """Item 10: a file deleted from .site.back/ (the previous site, reused to build the next)
    is noticed and put back, not left missing from the next site."""
    post = project.post("2020-01-01-a.md", GOOD)
    project.post("2020-01-02-b.md", GOOD)
    project.build()
    complete = site_files(project.root / "site")
    post.write_text(GOOD + "\nEdit one.\n")
    project.build()  # the site before this edit is now .site.back/
    back = project.root / ".site.back"
    (back / "2020/01/02/b/index.html").unlink()
    (back / "static/style.css").unlink()
    post.write_text(GOOD + "\nEdit two.\n")
    project.build()
    assert site_files(project.root / "site") == complete
    post.write_text(GOOD + "\nEdit three.\n")
    project.build()
    assert site_files(project.root / "site") == complete


def _without_root_powers() -> None:
    """Run as root (CI containers do) but let file permissions bind: drop the capabilities
    that override them from the bounding set; the program exec'd next has none of them."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "cannot drop a capability")


def read_only(folder: Path, recursive: bool) -> None:
    for path in [*(folder.rglob("*") if recursive else []), folder]:
        if not path.is_symlink():
            path.chmod(0o555 if path.is_dir() else 0o444)


def writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def build(project: Project, setup: Callable[[], None] = _without_root_powers,
          *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "builder", "build", "--root", str(project.root), *args],
        cwd=project.root, capture_output=True, text=True, preexec_fn=setup, timeout=300)


def one_clean_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines()
              if not line.startswith(("running ", "["))]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Error:" not in errors[0], result.stderr
    return errors[0]


def test_a_read_only_output_folder_keeps_building(project: Project) -> None:
    """Item 11: after `chmod -R a-w site`, builds go on (the old site can't be reused as the
    back buffer, so each build writes a fresh one) and say once what to do; nothing crashes."""
    post = project.post("2020-01-01-a.md", GOOD)
    project.build()
    read_only(project.root / "site", recursive=True)
    try:
        for n in range(3):
            post.write_text(GOOD + f"\nEdit {n}.\n")
            result = build(project)
            assert result.returncode == 0, result.stderr
            assert f"Edit {n}." in project.page("2020/01/01/a/index.html")
            assert "Traceback" not in result.stderr
        assert "warning: .site.back/ can't be replaced" in result.stderr
    finally:
        writable(project.root)


@pytest.mark.parametrize(("locked", "named"), [
    ("", ".cache"),  # the project folder itself: .cache can't be made
    (".cache", ".cache/build.lock"),
    (".cache/figures", ".cache/figures"),
])
def test_read_only_project_folders_are_one_clean_line(project: Project, locked: str,
                                                      named: str) -> None:
    """Item 11: a folder the build must write to is read-only: one line naming it and what to
    do, exit 1, the site as it was."""
    project.post("2020-01-01-a.md", GOOD + "\n```{python}\nprint(1)\n```\n")
    if locked:
        project.build()
        (project.root / locked).mkdir(parents=True, exist_ok=True)
    before = project.snapshot() if locked else {}
    folder = project.root / locked
    if locked:
        project.post("2020-01-01-a.md", GOOD + "\n```{python}\nprint(2)\n```\n")
    read_only(folder, recursive=bool(locked))
    try:
        line = one_clean_line(build(project, _without_root_powers, "--no-cache"))
    finally:
        writable(project.root)
    assert re.match(rf"{re.escape(named)}(/\S*)?: permission denied", line), line
    assert "make it writable" in line or "writable" in line
    if locked:
        assert project.snapshot() == before


def test_a_full_disk_is_one_clean_line(project: Project) -> None:
    """Item 11: writing the site fails part way (here: a file-size limit, as a full disk
    would): one line naming the file, the site as it was."""
    project.post("2020-01-01-a.md", GOOD)
    project.build()
    before = project.snapshot()
    project.post("2020-01-02-big.md", GOOD + "\n" + "A long line of prose. " * 20_000 + "\n")
    project.post("2020-01-03-c.md", GOOD)

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    line = one_clean_line(build(project, small_files))  # the parse cache is written first
    assert re.match(r"\.cache/parsed/\w+\.pack: file too large", line), line
    line = one_clean_line(build(project, small_files, "--no-cache"))
    assert re.match(r"site/2020/01/02/big/index.html: file too large", line), line
    assert "free some space" in line
    assert project.snapshot() == before
    assert not list(project.root.glob(".site.tmp-*"))


def test_damaged_cache_files_of_the_wrong_shape_are_rebuilt(project: Project) -> None:
    """Item 11: cache files that parse as JSON but have the wrong shape are forgotten."""
    project.post("2020-01-01-a.md", GOOD + "\n```{python}\n#| label: fig-a\nprint(1)\n```\n")
    project.build()
    good = project.snapshot()
    for state in (project.root / ".cache/site").glob("*.json"):
        state.write_text(json.dumps({"generation": "x", "outputs": {"index.html": "y"},
                                     "back_dirty": 3}))
    (project.root / ".cache/figures/history.json").write_text(
        json.dumps({"posts/2020-01-01-a.md#0": ["not", "a", "dict"]}))
    for entry in (project.root / ".cache/figures/entries").rglob("*.json"):
        entry.write_text(json.dumps({"images": "none", "deps": [], "stdout": 3}))
    post = project.root / "posts/2020-01-01-a.md"
    post.write_text(post.read_text().replace("print(1)", "print(1)  # again"))
    result = project.build()
    assert "Traceback" not in result.stderr
    post.write_text(post.read_text().replace("print(1)  # again", "print(1)"))
    project.build()
    assert project.snapshot() == good


def test_a_figures_lock_of_the_wrong_shape_is_one_clean_line(project: Project) -> None:
    """Item 11: a figures.lock whose entries lack fields says so, with what to do."""
    project.post("2020-01-01-a.md", GOOD + "\n```{python}\n#| label: fig-a\n"
                 "import matplotlib.pyplot as plt\nplt.plot([1, 2])\n```\n")
    project.run("check", "--update")
    lock = project.root / "figures.lock"
    data = json.loads(lock.read_text())
    for entry in data["figures"].values():
        del entry["size"]
        entry["hash"] = "0" * 32
    lock.write_text(json.dumps(data))
    result = project.run("check", check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "figures.lock: the entry for posts/2020-01-01-a.md:fig-a.png is damaged " \
        "(no 'size'); run 'build-site check --update'" in result.stderr


def test_a_file_and_a_folder_of_one_name_are_an_error_naming_both(project: Project) -> None:
    """Item 12: permalinks /x and /x/ want a file 'x' and a folder 'x'."""
    project.post("2020-01-01-a.md", "---\npermalink: /x\n---\nA.\n")
    project.post("2020-01-02-b.md", "---\npermalink: /x/\n---\nB.\n")
    stderr = project.fail()
    assert "posts/2020-01-02-b.md: its output 'x/index.html' needs a folder 'x', where " \
        "posts/2020-01-01-a.md writes a file" in stderr, stderr
    assert ".tmp-" not in stderr and "IsADirectoryError" not in stderr


@pytest.mark.parametrize(("permalink", "other"), [
    ("/archive/", "the archive"), ("/tags/", "the list of tags"),
    ("/robots.txt", "the robots.txt file"), ("/", "the home page"),
])
def test_a_post_claiming_a_page_of_the_site_is_named(project: Project, permalink: str,
                                                     other: str) -> None:
    """Item 12: a post whose permalink is a page the site makes says which post and which
    page."""
    project.post("2020-01-01-a.md", f"---\npermalink: {permalink}\n---\nA.\n")
    project.post("2020-01-02-b.md", GOOD)
    stderr = project.fail()
    output = permalink.lstrip("/") + ("index.html" if permalink.endswith("/") else "")
    assert stderr.startswith(f"posts/2020-01-01-a.md: its output '{output}' is also "
                             f"written by {other}"), stderr


def test_a_post_that_links_outside_the_project_is_refused(project: Project,
                                                          tmp_path: Path) -> None:
    """Item 13: a post file that is a symbolic link to a file outside the project."""
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\nPrivate words.\n")
    project.post("2020-01-01-a.md", GOOD)
    (project.root / "posts/2020-01-02-leak.md").symlink_to(secret)
    stderr = project.fail()
    assert stderr.startswith("posts/2020-01-02-leak.md: symbolic link points outside the "
                             "project"), stderr
    assert not (project.root / "site").exists()
    inside = project.root / "drafts/kept.md"
    inside.parent.mkdir()
    inside.write_text(GOOD)
    (project.root / "posts/2020-01-02-leak.md").unlink()
    (project.root / "posts/2020-01-02-ok.md").symlink_to(inside)  # inside: fine
    project.build()


def test_a_template_that_links_outside_the_project_is_refused(project: Project,
                                                              tmp_path: Path) -> None:
    """Item 13: the same for a template (and for one included by another)."""
    secret = tmp_path / "secret.html"
    secret.write_text("Private words.")
    project.post("2020-01-01-a.md", GOOD)
    (project.root / "templates/parts").mkdir(parents=True)
    (project.root / "templates/parts/footer.html").symlink_to(secret)
    stderr = project.fail()
    assert stderr.startswith("templates/parts/footer.html: symbolic link points outside the "
                             "project"), stderr
    assert "Private words" not in stderr


def _nested_list(depth: int) -> str:
    return "".join("  " * level + f"- level {level}\n" for level in range(depth))


def test_deep_nesting_is_rendered(project: Project) -> None:
    """Item 14: a 12-level list and a 30-level block quote keep every level's text."""
    project.post("2020-01-01-a.md", GOOD + "\n" + _nested_list(12) + "\n"
                 + "> " * 30 + "deep quote\n")
    project.build()
    page = project.page("2020/01/01/a/index.html")
    for level in range(12):
        assert f"level {level}" in page
    assert "deep quote" in page
    assert page.count("<blockquote>") == 30


def test_nesting_deeper_than_the_limit_is_an_error(project: Project) -> None:
    """Item 14: past the limit the text would be dropped: an error with the line instead."""
    project.post("2020-01-01-a.md", GOOD + "\nIntro.\n\n" + "> " * 200 + "too deep\n")
    assert project.fail().startswith(
        "posts/2020-01-01-a.md:8: lists and block quotes are nested too deeply here (at most "
        "50 list levels or 100 quote levels are read)")


def test_an_unclosed_environment_is_an_error(project: Project) -> None:
    """Item 15: \\begin{align} without its \\end{align} is reported like an unclosed $$."""
    project.post("2020-01-01-a.md", GOOD + "\nIntro.\n\n\\begin{align}\na &= b\n\nMore prose.\n")
    assert project.fail().startswith(
        "posts/2020-01-01-a.md:8: \\begin{align} opened here is never closed with "
        "\\end{align}")


def test_files_replaced_in_a_folder_are_placed_whatever_the_threads_do(tmp_path: Path) -> None:
    """A search index replaces the files of its folders on every edit. The writer places the
    live files into the staging folder with a few threads; it emptied and removed a folder
    while another thread linked a new file into it ("no such file or directory" in two
    landing runs). Many folders, each losing its old files and gaining new ones, 100 times."""
    from builder.write import _place

    for trial in range(100):
        live, staging = tmp_path / f"live{trial}", tmp_path / f"staging{trial}"
        old = [f"index/f{i}/old{j}" for i in range(8) for j in range(2)]
        new = [f"index/f{i}/znew{j}" for i in range(8) for j in range(4)]
        for root, paths in ((staging, old), (live, new)):
            for path in paths:
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_text(path)
        _place(staging, live, sorted(old + new), set(new))
        assert sorted(p.relative_to(staging).as_posix()
                      for p in staging.rglob("*") if p.is_file()) == sorted(new)
