"""An incremental build makes the very bytes a cold build makes of the same sources.

Random sequences of what authors do between builds (prose edits, new posts, deletions,
renames, dates that move a post to another page, tag and title changes, drafts toggled,
a future date) are applied to one project; after each step the project is built
incrementally twice over (``build`` reading what earlier builds saved, and the preview's
way, one session kept from build to build), and a copy of its sources is built cold each
way: each incremental site must be byte for byte its cold twin.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from pathlib import Path

import pytest

from builder import fsutil, uptodate
from builder.build import BuildOptions, BuildSession, build_site
from builder.config import load_config
from tests.conftest import Project

SITE_TOML = 'title = "Blog"\nper_page = 2\nfeed_limit = 3\nbase_url = "https://ex.org/b/"\n'
TAGS = ("math", "notes", "signals", "Fourier Analysis")


def _snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file() and p.name != ".build-site"}


def _without_search(files: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in files.items() if not path.startswith("pagefind/")}


def _post_text(rng: random.Random, n: int, *, day: int | None = None,
               tags: list[str] | None = None, draft: bool = False, title: str = "") -> str:
    day = rng.randint(1, 28) if day is None else day
    tags = tags if tags is not None else rng.sample(TAGS, rng.randint(0, 2))
    math = rng.choice([f"$x_{{{n}}}$", f"$$\\sum_k k^{{{n}}}$$", "no math"])
    return (f"---\ntitle: \"{title or f'Post {n}'}\"\ndate: 2021-03-{day:02d}\n"
            f"tags: [{', '.join(tags)}]\n" + ("draft: true\n" if draft else "") +
            f"---\nFirst paragraph of post {n}, with {math}.\n\n## Part\n\nMore words {n}.\n")


class _Edits:
    """What an author does to ``posts/`` between two builds, chosen at random."""

    def __init__(self, posts: Path, rng: random.Random) -> None:
        self.posts, self.rng, self.next = posts, rng, 0

    def files(self) -> list[Path]:
        return sorted(self.posts.glob("*.md"))

    def add(self) -> str:
        self.next += 1
        name = f"post-{self.next}.md"
        (self.posts / name).write_text(_post_text(self.rng, self.next))
        return f"add {name}"

    def step(self) -> str:
        files = self.files()
        if len(files) < 3:
            return self.add()
        path = self.rng.choice(files)
        text = path.read_text()
        kind = self.rng.choice(["prose", "prose", "add", "delete", "rename", "date", "tags",
                                "draft", "title", "future", "same-size"])
        if kind == "add":
            return self.add()
        if kind == "delete":
            path.unlink()
        elif kind == "rename":
            self.next += 1
            path.rename(path.with_name(f"renamed-{self.next}.md"))
        elif kind == "prose":
            path.write_text(text.replace("More words", f"More words {self.rng.random():.3f}"))
        elif kind == "same-size":  # same size, same modification time: only ctime tells
            info = path.stat()
            path.write_text(text.replace("First", "Frist") if "First" in text
                            else text.replace("Frist", "First"))
            os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
        else:
            head, body = text.split("---\n", 2)[1:]
            lines = head.splitlines()
            if kind == "date":
                lines = [f"date: 2021-0{self.rng.randint(1, 4)}-{self.rng.randint(1, 28):02d}"
                         if x.startswith("date:") else x for x in lines]
            elif kind == "future":
                lines = ["date: 2999-01-01" if x.startswith("date:") else x for x in lines]
            elif kind == "tags":
                tags = self.rng.sample(TAGS, self.rng.randint(0, 3))
                lines = [f"tags: [{', '.join(tags)}]" if x.startswith("tags:") else x
                         for x in lines]
            elif kind == "title":
                lines = [f'title: "Retitled {self.rng.randint(0, 999)}"'
                         if x.startswith("title:") else x for x in lines]
            elif kind == "draft":
                lines = ([x for x in lines if x != "draft: true"] if "draft: true" in lines
                         else [*lines, "draft: true"])
            path.write_text("---\n" + "\n".join(lines) + "\n---\n" + body)
        return f"{kind} {path.name}"


def _build(root: Path, session: BuildSession | None = None) -> None:
    config = load_config(root)
    build_site(config, BuildOptions(jobs=1, session=session))


def _build_as_command(root: Path) -> bool:
    """Build as ``build-site build`` does: first ask whether anything changed since the
    last build (``uptodate``); True when nothing had, and nothing was built."""
    config = load_config(root)
    inputs = uptodate.stamp_inputs(config, drafts=False)
    if uptodate.unchanged(config, inputs) is not None:
        return True
    build_site(config, BuildOptions(jobs=1, inputs=inputs))
    return False


@pytest.mark.parametrize(("seed", "search"), [(1, True), (2, False)])
def test_random_edits_build_as_a_cold_build_does(
    tmp_path: Path, seed: int, search: bool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Stamps are trusted once a file is 50 ms old (2 s in real life), so most steps below
    # find their unchanged posts by stamp, as a build on an author's machine does.
    monkeypatch.setattr(fsutil, "_RACY_NS", 50_000_000)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    rng = random.Random(seed)
    settings = SITE_TOML + ("" if search else "search = false\n")
    kept, preview = Project(tmp_path / "kept"), Project(tmp_path / "preview")
    for project in (kept, preview):
        project.write("site.toml", settings)
    edits = _Edits(kept.root / "posts", rng)
    for _ in range(7):
        edits.add()
    session = BuildSession()
    done = []
    for step in range(10):
        if step:
            done.append(edits.step())
            if rng.random() < 0.4:
                done.append(edits.step())
        shutil.rmtree(preview.root / "posts")
        shutil.copytree(kept.root / "posts", preview.root / "posts")
        time.sleep(0.06)  # the step's files known by their stamps: the changes must be seen
        assert not _build_as_command(kept.root), done  # every step changes something
        _build(preview.root, session)
        # the preview publishes MathJax's whole fonts: its cold twin is a first preview build
        for name, cold_session in (("cold", None), ("cold-preview", BuildSession())):
            cold = Project(tmp_path / name)
            cold.write("site.toml", settings)
            shutil.rmtree(cold.root / "posts")
            shutil.copytree(kept.root / "posts", cold.root / "posts")
            _build(cold.root, cold_session)
            expected = _snapshot(cold.root / "site")
            built = _snapshot((kept if cold_session is None else preview).root / "site")
            if cold_session is not None:  # the preview keeps its last search index (README)
                built, expected = _without_search(built), _without_search(expected)
            assert built == expected, (name, done)
            shutil.rmtree(cold.root)
        assert _build_as_command(kept.root), done  # and now nothing has changed
        time.sleep(0.06)  # old enough for stamps to be trusted at the next step


def test_a_same_size_edit_with_its_old_mtime_is_seen(
    project: Project, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only the change time tells this edit: size and modification time are put back, and
    the post was stamped (old enough to be trusted) by the build before."""
    monkeypatch.setattr(fsutil, "_RACY_NS", 50_000_000)
    project.write("site.toml", 'title = "Blog"\n')
    post = project.post("2021-01-01-a.md", "---\ntitle: A\n---\nWord one.\n")
    time.sleep(0.06)
    _build(project.root)
    info = post.stat()
    post.write_text("---\ntitle: A\n---\nWord two.\n")
    os.utime(post, ns=(info.st_atime_ns, info.st_mtime_ns))
    time.sleep(0.06)
    _build(project.root)
    assert "Word two." in project.page("2021/01/01/a/index.html")


def test_an_inline_value_that_changes_reaches_the_listings_in_the_preview(
    project: Project,
) -> None:
    """A post's excerpt shows an inline value; the data it comes from changes, the post does
    not: the preview's next build shows the new value on the home page too (the listings'
    memo is not the post's parse key alone)."""
    project.write("site.toml", 'title = "Blog"\nsearch = false\n')
    project.post("2021-01-01-inline.md", "---\ntitle: Inline\n---\n```{python}\n"
                 "x = open('n.txt').read().strip()\n```\n\nThe value is `{python} x` today.\n")
    project.write("posts/n.txt", "41\n")
    session = BuildSession()
    _build(project.root, session)
    assert "The value is 41 today." in project.page("index.html")
    project.write("posts/n.txt", "42\n")
    _build(project.root, session)
    assert "The value is 42 today." in project.page("2021/01/01/inline/index.html")
    assert "The value is 42 today." in project.page("index.html")
