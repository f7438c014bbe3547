"""Bad input: one clean `path:line: message`, exit 1, no traceback, and the old site intact."""

from __future__ import annotations

import pytest

from tests.conftest import Project

GOOD = """
---
title: Good
---
Fine.
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ntitle: [unclosed\n---\n", "posts/2020-01-01-bad.md:2: front matter:"),
        ("---\n- a list\n---\n", "posts/2020-01-01-bad.md:2: front matter must be a mapping"),
        ("---\ndate: 2020-13-45\n---\n", "posts/2020-01-01-bad.md:2: front matter: bad date '2020-13-45'"),
        ("---\ntitle: a\ntitle: b\n---\n",
         "posts/2020-01-01-bad.md:3: front matter: duplicate key 'title' (first given on line 2)"),
        ("---\npermalink: /../../etc/\n---\n", "posts/2020-01-01-bad.md:2: permalink"),
        ("---\npermalink: /%2e%2e/x/\n---\n", "posts/2020-01-01-bad.md:2: permalink"),
        ("---\npermalink: //evil.example/\n---\n", "posts/2020-01-01-bad.md:2: permalink"),
        ("---\ndraft: maybe\n---\n", "posts/2020-01-01-bad.md:2: 'draft' must be true or false"),
        ("---\ntitle: x\n", "posts/2020-01-01-bad.md:1: front matter opened here is never closed"),
        ("---\ntitle: x\n---\n\ntext\n\n$$\nx\n", "posts/2020-01-01-bad.md:7: display math"),
        ("---\ntitle: x\n---\n\n~~~\ncode\n", "posts/2020-01-01-bad.md:5: code fence opened"),
    ],
)
def test_bad_post_is_reported_and_site_kept(project: Project, text: str, expected: str) -> None:
    project.post("2020-01-01-good.md", GOOD)
    project.build()
    before = project.snapshot()
    project.post("2020-01-01-bad.md", text)
    stderr = project.fail()
    assert stderr.startswith(expected), stderr
    assert project.snapshot() == before


def test_not_utf8_names_the_line(project: Project) -> None:
    project.write("posts/2020-01-01-latin.md", "---\ntitle: x\n---\nline\ncaf\xe9\n".encode("latin-1"))
    assert project.fail().startswith("posts/2020-01-01-latin.md:5: not UTF-8 text (byte 0xe9)")


def test_bom_and_crlf_are_fine(project: Project) -> None:
    project.write("posts/2020-01-01-win.md", b"\xef\xbb\xbf---\r\ntitle: Windows\r\n---\r\nHi $x$\r\n")
    project.build()
    page = project.page("2020/01/01/win/index.html")
    assert "<h1 class=\"post-title\">Windows</h1>" in page
    assert '<span class="math"><mjx-container' in page and "<mi>x</mi>" in page  # typeset


def test_every_bad_post_is_reported_at_once(project: Project) -> None:
    project.post("2020-01-01-a.md", "---\npermalink: /../x/\n---\n")
    project.post("2020-01-02-b.md", "---\ndraft: 3\n---\n")
    stderr = project.fail()
    assert "posts/2020-01-01-a.md:2:" in stderr
    assert "posts/2020-01-02-b.md:2:" in stderr


def test_two_posts_with_one_permalink_name_both(project: Project) -> None:
    project.post("2020-01-01-a.md", "---\npermalink: /same/\n---\n")
    project.post("2020-01-02-b.md", "---\npermalink: /same/\n---\n")
    stderr = project.fail()
    assert "posts/2020-01-02-b.md: 'same/index.html' is also the output of posts/2020-01-01-a.md" \
        in stderr


def test_post_without_date(project: Project) -> None:
    project.post("undated.md", "---\ntitle: x\n---\n")
    assert project.fail().startswith("posts/undated.md:1: post has no date")


def test_missing_posts_folder(project: Project) -> None:
    (project.root / "posts").rmdir()
    assert "no 'posts/' folder here" in project.fail()


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('title = "x"\ncolour = "red"\n', "site.toml:2: unknown key 'colour' in site.toml"),
        ("per_page = 'ten'\n", "site.toml:1: 'per_page' must be a whole number, not text"),
        ('timezone = "Mars/Olympus"\n', "site.toml:1: unknown timezone 'Mars/Olympus'"),
        ("title = \n", "site.toml:1: invalid TOML"),
        ("[figures]\nspeed = 3\n", "site.toml:2: unknown key 'figures.speed'"),
        ("[figures]\nquality = 101\n", "site.toml:2: 'figures.quality' must be between 1 and 100, not 101"),
        ('title = "x"\nposts_dir = "../elsewhere"\n',
         "site.toml:2: 'posts_dir' must be a folder inside the project, not '../elsewhere'"),
        ('posts_dir = "/srv/posts"\n',
         "site.toml:1: 'posts_dir' must be a folder inside the project, not '/srv/posts'"),
        ('posts_dir = "."\n', "site.toml:1: 'posts_dir' must be a folder inside the project"),
    ],
)
def test_bad_config(project: Project, toml: str, expected: str) -> None:
    project.post("2020-01-01-good.md", GOOD)
    project.write("site.toml", toml)
    assert project.fail().startswith(expected)


def test_template_error_names_the_template(project: Project) -> None:
    project.post("2020-01-01-good.md", GOOD)
    project.write("templates/post.html", "{% extends 'base.html' %}\n{% block main %}{{ oops( }}{% endblock %}\n")
    assert project.fail().startswith("templates/post.html:2: template error")


@pytest.mark.parametrize("out", [".", "..", "posts", "posts/site"])
def test_refuses_output_folders_that_are_not_ours(project: Project, out: str) -> None:
    project.post("2020-01-01-good.md", GOOD)
    before = sorted(p.name for p in project.root.iterdir())
    stderr = project.fail("--out", out)
    assert "output folder" in stderr
    assert sorted(p.name for p in project.root.iterdir()) == before


def test_refuses_a_folder_of_someone_elses_files(project: Project) -> None:
    project.post("2020-01-01-good.md", GOOD)
    project.write("site/precious.txt", "keep me")
    assert "holds files build-site did not write" in project.fail()
    assert (project.root / "site/precious.txt").read_text() == "keep me"


def test_unknown_layout_is_a_warning_and_the_post_layout(project: Project) -> None:
    project.post("2020-01-01-a.md", "---\ntitle: A\nlayout: fancy\n---\nText $x$.\n")
    result = project.build()
    assert ("posts/2020-01-01-a.md:3: warning: unknown layout 'fancy': rendered with 'post' "
            "(known layouts: page, post)") in result.stderr
    assert '<article class="post' in project.page("2020/01/01/a/index.html")
