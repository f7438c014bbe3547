"""Whole sites built end to end with the real command: pages, links, feeds, incremental writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import Project

ATOM = "{http://www.w3.org/2005/Atom}"


def make_posts(project: Project, count: int, tags: tuple[str, ...] = ("math",)) -> None:
    for i in range(count):
        day = f"2020-01-{i + 1:02d}"
        project.post(f"{day}-post-{i}.md", f"""
            ---
            title: Post {i}
            tags: [{", ".join(tags)}]
            ---
            Excerpt of post {i} with $x_{i}$.

            More text.
            """)


def test_pages_listings_tags_archive_feed_sitemap(project: Project) -> None:
    project.write("site.toml", 'title = "Blog"\nper_page = 2\nbase_url = "https://ex.org/blog/"\n')
    make_posts(project, 5)
    project.build()
    site = project.root / "site"
    for page in ["index.html", "page/2/index.html", "page/3/index.html", "archive/index.html",
                 "tags/index.html", "tags/math/index.html", "tags/math/page/3/index.html",
                 "404.html", "feed.xml", "sitemap.xml", "2020/01/05/post-4/index.html"]:
        assert (site / page).is_file(), page
    assert not (site / "page/4").exists()
    home = project.page("index.html")
    assert home.index("Post 4") < home.index("Post 3")  # newest first
    assert "Post 2" not in home
    assert 'href="/blog/page/2/"' in home
    assert 'href="/blog/2020/01/05/post-4/"' in home
    assert 'href="/blog/static/style.css?v=' in home
    # excerpts carry math, typeset like the posts', so listings link the math stylesheet
    assert "<mjx-container" in home and 'href="/blog/static/mathjax/chtml.css?v=' in home

    feed = ET.fromstring((site / "feed.xml").read_bytes())
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [f"Post {i}" for i in range(4, -1, -1)]
    assert entries[0].find(f"{ATOM}link").get("href") == "https://ex.org/blog/2020/01/05/post-4/"
    assert feed.findtext(f"{ATOM}updated") == "2020-01-05T00:00:00+00:00"
    sitemap = ET.fromstring((site / "sitemap.xml").read_bytes())
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://ex.org/blog/2020/01/03/post-2/" in locs


def test_feed_is_capped(project: Project) -> None:
    project.write("site.toml", "feed_limit = 3\nbase_url = \"https://ex.org/\"\n")
    make_posts(project, 6)
    project.build()
    feed = ET.fromstring(project.page("feed.xml"))
    assert len(feed.findall(f"{ATOM}entry")) == 3


def test_titles_are_escaped_everywhere(project: Project) -> None:
    project.write("site.toml", 'base_url = "https://ex.org/"\n')
    project.post("2020-01-01-x.md", """
        ---
        title: "<script>alert(1)</script> & co"
        tags: ["<b>"]
        description: '"quoted"'
        ---
        Body.
        """)
    project.build()
    for page in ["2020/01/01/x/index.html", "index.html", "feed.xml"]:
        text = project.page(page)
        assert "<script>alert" not in text, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text, page
    assert "<b>" not in project.page("tags/index.html")
    assert "&lt;b&gt;" in project.page("tags/b/index.html")  # < and > name no folder
    feed = ET.fromstring(project.page("feed.xml"))
    assert feed.find(f"{ATOM}entry").findtext(f"{ATOM}title") == "<script>alert(1)</script> & co"


def test_drafts_and_future_posts_only_with_drafts(project: Project) -> None:
    project.post("2020-01-01-public.md", "---\ntitle: Public\n---\nx\n")
    project.post("2020-01-02-secret.md", "---\ntitle: Secret\ndraft: true\n---\nx\n")
    project.post("2999-01-01-future.md", "---\ntitle: Future\n---\nx\n")
    project.build()
    everything = b"".join(project.snapshot().values())
    assert b"Secret" not in everything and b"Future" not in everything
    project.build("--drafts")
    assert "Draft: not published" in project.page("2020/01/02/secret/index.html")
    assert "Future" in project.page("index.html")


def test_a_post_is_parsed_only_once_it_is_published(project: Project) -> None:
    """The body of a draft or of a post dated ahead is not parsed (Hugo and Jekyll do not
    render theirs either; on a big site dated ahead that is most of a cold build): a
    mistake in it waits until it is built, and once its date comes it is parsed, from the
    front matter the cache kept, and built as any other post."""
    project.post("2020-01-01-public.md", "---\ntitle: Public\n---\nx\n")
    project.post("2030-01-01-ahead.md", "---\ntitle: Ahead\n---\nComing *soon*.\n")
    project.post("2020-01-02-draft.md",
                 "---\ntitle: Half\ndraft: true\n---\nHalf written.\n\n```python\nx = 1\n")
    early, late = ({"SOURCE_DATE_EPOCH": str(epoch)} for epoch in (1735689600, 1924992000))
    project.build(env=early)  # 2025: the draft's unclosed fence is no mistake yet
    assert not (project.root / "site/2030/01/01/ahead").exists()
    project.build(env=late)  # 2031: the same bytes, now due
    assert "<p>Coming <em>soon</em>.</p>" in project.page("2030/01/01/ahead/index.html")
    failed = project.run("build", "--drafts", env=late, check=False)
    assert failed.returncode == 1
    assert "posts/2020-01-02-draft.md:7: code fence opened here with ``` is never closed" \
        in failed.stderr


def test_a_preview_parses_a_post_that_comes_due_once(project: Project,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview keeps the parse cache in memory: a post whose date comes during a
    session is parsed at the next build, and not again at the ones after."""
    from builder.build import BuildOptions, BuildSession, build_site
    from builder.config import load_config

    project.post("2020-01-01-public.md", "---\ntitle: Public\n---\nx\n")
    project.post("2030-01-01-ahead.md", "---\ntitle: Ahead\n---\nComing *soon*.\n")
    session = BuildSession()
    config = load_config(project.root)
    parsed = []
    for epoch in (1735689600, 1924992000, 1924992000):  # 2025, then 2031 twice
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
        parsed.append(build_site(config, BuildOptions(jobs=1, session=session)).parsed)
    assert parsed == [2, 1, 0]
    assert "<p>Coming <em>soon</em>.</p>" in project.page("2030/01/01/ahead/index.html")


def test_date_from_front_matter_wins_over_file_name(project: Project) -> None:
    project.write("site.toml", 'timezone = "Europe/Berlin"\n')
    project.post("2020-01-01-x.md", "---\ndate: 2021-06-07 08:09:10 +0200\n---\nx\n")
    project.post("y.md", "---\ndate: 2019-02-03\nslug: why\n---\nx\n")
    project.build()
    assert '<time datetime="2021-06-07T08:09:10+02:00">' in project.page("2021/06/07/x/index.html")
    assert '<time datetime="2019-02-03T00:00:00+01:00">' in project.page("2019/02/03/why/index.html")


def test_permalink_pattern_and_override(project: Project) -> None:
    project.write("site.toml", 'permalink = "/posts/{slug}/"\n')
    project.post("2020-01-01-a.md", "x\n")
    project.post("2020-01-02-b.md", "---\npermalink: /about/me.html\nlayout: page\n---\nx\n")
    project.build()
    assert (project.root / "site/posts/a/index.html").is_file()
    assert (project.root / "site/about/me.html").is_file()


def test_posts_in_a_nested_folder(project: Project) -> None:
    project.write("site.toml", 'posts_dir = "content/posts"\n')
    project.write("content/posts/2020-01-01-a.md", "---\ntitle: Nested\n---\nx\n")
    project.write("content/posts/2020-01-02-b.md", "---\ntitle: [bad\n---\nx\n")
    assert "content/posts/2020-01-02-b.md:2:" in project.fail()
    (project.root / "content/posts/2020-01-02-b.md").unlink()
    project.build()
    assert "Nested" in project.page("2020/01/01/a/index.html")


def test_template_and_static_overrides(project: Project) -> None:
    project.post("2020-01-01-a.md", "x\n")
    project.write("templates/404.html", "{% extends 'base.html' %}{% block main %}Lost!{% endblock %}")
    project.write("static/style.css", "body { color: red }")
    project.write("static/extra/logo.svg", "<svg/>")
    project.build()
    assert "Lost!" in project.page("404.html")
    assert project.page("static/style.css") == "body { color: red }"
    assert project.page("static/extra/logo.svg") == "<svg/>"


def test_client_mathjax_is_self_hosted_and_only_where_needed(project: Project) -> None:
    project.write("site.toml", 'mathjax = "client"\n')
    project.post("2020-01-01-math.md", "Euler: $e^{i\\pi}+1=0$\n")
    project.post("2020-01-02-prose.md", "No math, $5 and $6.\n")
    project.build()
    assert "<mjx-container" not in project.page("2020/01/01/math/index.html")
    assert '<script defer src="/static/mathjax/tex-chtml.js' in project.page(
        "2020/01/01/math/index.html")
    assert "MathJax" not in project.page("2020/01/02/prose/index.html")
    fonts = project.root / "site/static/mathjax/output/chtml/fonts/woff-v2"
    assert (fonts / "MathJax_Main-Regular.woff").is_file()
    project.write("site.toml", 'mathjax = "cdn"\n')
    project.build()
    assert "cdn.jsdelivr.net/npm/mathjax@3" in project.page("2020/01/01/math/index.html")


def test_new_creates_a_dated_draft(project: Project) -> None:
    result = project.run("new", "Héllo, Wörld: a post!", "--date", "2021-02-03")
    assert result.stdout.strip() == "posts/2021-02-03-hello-world-a-post.md"
    text = (project.root / result.stdout.strip()).read_text()
    assert 'title: "Héllo, Wörld: a post!"' in text and "draft: true" in text
    project.build("--drafts")
    assert "Héllo, Wörld: a post!" in project.page("2021/02/03/hello-world-a-post/index.html")
    again = project.run("new", "Héllo, Wörld: a post!", "--date", "2021-02-03", check=False)
    assert again.returncode == 1 and "exists already" in again.stderr


def test_nothing_changed_writes_nothing(project: Project) -> None:
    make_posts(project, 3)
    project.build()
    site = project.root / "site"
    inode = site.stat().st_ino
    mtimes = {p: p.stat().st_mtime_ns for p in site.rglob("*")}
    result = project.build()
    assert "parsed 0, ran 0 figure blocks (0 cached), wrote 0 files, removed 0" in result.stderr
    assert site.stat().st_ino == inode
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*")} == mtimes


def test_the_build_after_a_cold_one_renders_nothing(project: Project) -> None:
    """The posts parsed afresh and the same posts read back from the parse cache make the
    same page keys (a date's time zone once differed between the two), so the build after
    a cold one renders nothing again."""
    import json

    make_posts(project, 3)
    project.build()
    state = next((project.root / ".cache" / "site").glob("*.json"))
    keys = {path: record[0] for path, record in json.loads(state.read_bytes())["outputs"].items()}
    project.build()
    again = {path: record[0] for path, record in json.loads(state.read_bytes())["outputs"].items()}
    assert again == keys


def changed_files(project: Project, action) -> set[str]:
    """The site's files an action changed; the search index stands for its files as one
    ("pagefind/"), since which of them change depends on how Pagefind splits its index."""
    before = project.snapshot()
    action()
    after = project.snapshot()
    changed = {path for path in before.keys() | after.keys()
               if before.get(path) != after.get(path)}
    return {"pagefind/" if path.startswith("pagefind/") else path for path in changed}


def test_prose_edit_rewrites_only_what_shows_it(project: Project) -> None:
    project.write("site.toml", 'base_url = "https://ex.org/"\n')
    make_posts(project, 3)
    project.build()
    post = project.root / "posts/2020-01-02-post-1.md"
    post.write_text(post.read_text().replace("More text.", "More text, edited."))
    result = project.build()
    assert "parsed 1, ran 0 figure blocks (0 cached), wrote " in result.stderr
    post.write_text(post.read_text().replace("edited", "edited again"))
    # the post, the feed (which carries whole posts) and the search index (which finds its
    # words); no listing shows that paragraph
    assert changed_files(project, project.build) == {"2020/01/02/post-1/index.html", "feed.xml",
                                                     "pagefind/"}
    post.write_text(post.read_text().replace("Excerpt of post 1", "New excerpt"))
    assert changed_files(project, project.build) == {
        "2020/01/02/post-1/index.html", "feed.xml", "index.html", "tags/math/index.html",
        "pagefind/",
    }
    assert "New excerpt" in project.page("index.html")
    post.write_text(post.read_text().replace("title: Post 1", "title: Renamed"))
    assert changed_files(project, project.build) == {
        "2020/01/02/post-1/index.html", "feed.xml", "index.html", "tags/math/index.html",
        "archive/index.html", "2020/01/01/post-0/index.html", "2020/01/03/post-2/index.html",
        "pagefind/", "2020/01/02/post-1/social-card.jpg",
    }  # the neighbours link to it by title; its card shows the title


def test_deleted_post_disappears(project: Project) -> None:
    make_posts(project, 2)
    project.build()
    (project.root / "posts/2020-01-02-post-1.md").unlink()
    project.build()
    assert not (project.root / "site/2020/01/02/post-1").exists()
    assert "Post 1" not in project.page("index.html")


def test_same_inputs_same_bytes_across_processes(tmp_path: Path) -> None:
    snapshots = []
    for i, (seed, tz) in enumerate([("1", "UTC"), ("2", "Asia/Tokyo")]):
        project = Project(tmp_path / f"copy{i}")
        make_posts(project, 4, tags=("b", "a", "c"))
        project.build(env={"PYTHONHASHSEED": seed, "TZ": tz, "LANG": "C"})
        snapshots.append(project.snapshot())
    assert snapshots[0] == snapshots[1]


def test_stale_staging_folder_is_removed_and_said(project: Project) -> None:
    make_posts(project, 1)
    project.build()
    stale = project.root / ".site.tmp-99999"
    (stale / "x").mkdir(parents=True)
    (stale / ".build-site").write_text("")
    result = project.build()
    assert not stale.exists()
    assert "removed .site.tmp-99999, left by an interrupted build" in result.stderr


def test_killed_build_leaves_the_previous_site(project: Project) -> None:
    make_posts(project, 2)
    project.build()
    before = project.snapshot()
    for i in range(400):
        project.post(f"2021-01-01-more-{i}.md", f"# More {i}\n\n" + "Some $x$ text. " * 200)
    for delay in (0.3, 0.8, 1.5):
        build = subprocess.Popen(
            [sys.executable, "-m", "builder", "build", "--root", str(project.root), "-q"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        build.send_signal(signal.SIGKILL)
        build.wait()
        after = project.snapshot()
        assert after == before or len(after) > len(before) + 400  # old site, or the whole new one
        if after != before:
            break
    project.build()
    assert (project.root / "site/2021/01/01/more-399/index.html").is_file()
    assert not list(project.root.glob(".site.tmp-*"))


def test_python_m_builder_and_help() -> None:
    for args in (["--help"], ["build", "--help"], ["new", "--help"]):
        result = subprocess.run([sys.executable, "-m", "builder", *args], capture_output=True,
                                text=True, check=True, env={**os.environ})
        assert "Usage:" in result.stdout


def test_back_buffer_follows_edits_and_deletions(project: Project) -> None:
    make_posts(project, 3)
    project.build()
    posts = sorted((project.root / "posts").glob("*.md"))
    for round_ in range(3):  # each build swaps the two folders; both must stay right
        posts[0].write_text(posts[0].read_text() + f"\nEdit {round_}.\n")
        project.build()
        assert f"Edit {round_}." in project.page("2020/01/01/post-0/index.html")
    posts[1].unlink()
    project.build()
    assert not (project.root / "site/2020/01/02").exists()  # emptied folders go too
    project.post("2020-01-05-new.md", "---\ntitle: New\n---\nx\n")
    project.build()
    assert "New" in project.page("index.html")
    fresh = Project(project.root.parent / "fresh")
    for post in (project.root / "posts").glob("*.md"):
        fresh.post(post.name, post.read_text())
    fresh.build()
    assert project.snapshot() == fresh.snapshot()


def test_untrusted_back_buffer_is_rebuilt(project: Project) -> None:
    make_posts(project, 2)
    project.build()
    project.post("2020-01-01-post-0.md", "---\ntitle: Post 0\ntags: [math]\n---\nChanged.\n")
    project.build()
    back = project.root / ".site.back"
    (back / ".build-site").unlink()  # as if a build died while updating it
    (back / "2020/01/02/post-1/index.html").write_text("garbage")
    project.post("2020-01-01-post-0.md", "---\ntitle: Post 0\ntags: [math]\n---\nAgain.\n")
    project.build()
    assert "garbage" not in project.page("2020/01/02/post-1/index.html")
    assert "Again." in project.page("2020/01/01/post-0/index.html")


def test_worker_processes_build_what_one_process_builds(tmp_path: Path) -> None:
    """Enough posts that parsing and page writing go to forked workers (and, after a
    template change, write into the back buffer, whose files are shared with the live site)."""
    serial, pooled = Project(tmp_path / "serial"), Project(tmp_path / "pooled")
    for project in (serial, pooled):
        make_posts(project, 28)
        for i in range(50):
            project.post(f"2021-03-{i % 28 + 1:02d}-extra-{i}.md", f"# Extra {i}\n\n$y_{i}$\n")
    serial.build("--jobs", "1")
    result = pooled.build("--jobs", "2")
    assert "parsed 78" in result.stderr
    assert pooled.snapshot() == serial.snapshot()
    for project in (serial, pooled):  # now the previous site is kept as the back buffer
        project.post("2020-01-05-post-4.md", "---\ntitle: Post 4\n---\nEdited.\n")
        project.build("--jobs", "1")
    base = pooled.page("2020/01/01/post-0/index.html")
    for project in (serial, pooled):
        project.write("templates/post.html", '{% extends "base.html" %}{% block main %}'
                      "<article>Restyled {{ post.title }}{{ content }}</article>{% endblock %}")
    serial.build("--jobs", "1")
    result = pooled.build("--jobs", "2")
    assert "parsed 0" in result.stderr  # the bodies come from the parse cache
    assert pooled.snapshot() == serial.snapshot()
    assert "Restyled Post 0" in pooled.page("2020/01/01/post-0/index.html")
    back = pooled.root / ".site.back/2020/01/01/post-0/index.html"
    assert back.read_text() == base  # the previous site was not written through its links


def test_damaged_parse_cache_is_parsed_again(project: Project) -> None:
    make_posts(project, 2)
    project.build()
    expected = project.snapshot()
    (pack,) = (project.root / ".cache/parsed").glob("*.pack")
    data = bytearray(pack.read_bytes())
    data[len(data) // 2] ^= 0x20
    pack.write_bytes(bytes(data))
    project.write("templates/post.html", "{% extends 'base.html' %}{% block main %}"
                  "{{ content }}{% endblock %}")  # every post page is rendered again
    project.build()
    (project.root / "templates/post.html").unlink()
    project.build()
    assert project.snapshot() == expected


def test_parse_cache_packs_are_collected(project: Project) -> None:
    def packs() -> list[str]:
        return sorted(p.name for p in (project.root / ".cache/parsed").glob("*.pack"))

    make_posts(project, 2)
    project.build()
    first = packs()
    for post in (project.root / "posts").glob("*.md"):
        post.write_text(post.read_text() + "\nEdited.\n")
        project.build()
    assert len(packs()) == 2 and not set(first) & set(packs())  # the first pack is unused


def test_lost_parse_pack_is_parsed_and_packed_again(project: Project) -> None:
    make_posts(project, 2)
    project.build()
    expected = project.snapshot()
    for pack in (project.root / ".cache/parsed").glob("*.pack"):
        pack.unlink()
    assert "parsed 2," in project.build().stderr
    assert list((project.root / ".cache/parsed").glob("*.pack"))
    assert "parsed 0," in project.build().stderr
    assert project.snapshot() == expected


def test_an_edit_is_journaled_not_the_whole_parse_index_rewritten(project: Project) -> None:
    """A build that parsed one post appends its entry to the journal; the next reads the
    index and the journal, parsing nothing; a torn journal line is a post parsed again."""
    make_posts(project, 3)
    project.build()
    folder = project.root / ".cache/parsed"
    index = (folder / "index.json").read_bytes()
    edited = project.post("2020-01-02-post-1.md", "---\ntitle: Post 1\n---\nEdited.\n")
    assert "parsed 1," in project.build().stderr
    assert (folder / "index.json").read_bytes() == index
    journal = (folder / "journal.jsonl").read_bytes()
    assert journal.count(b"\n") == 2  # the new entry, and the old one forgotten
    assert "parsed 0," in project.build().stderr
    expected = project.snapshot()
    (folder / "journal.jsonl").write_bytes(journal[: len(journal) // 3])  # a torn line
    assert "parsed 1," in project.build().stderr
    assert project.snapshot() == expected
    assert "Edited." in project.page("2020/01/02/post-1/index.html")
    assert edited.is_file()


def test_warnings_print_on_every_build_and_never_fail_it(project: Project) -> None:
    """A warning is one line naming file and line; a cached parse still reports it."""
    project.write("site.toml", 'base_url = "https://ex.org/"\n')
    project.post("2020-01-01-v.md", """
        ---
        title: Video
        ---
        Watch:

        <iframe src="https://example.org/embed"></iframe>
        """)
    for _ in range(2):  # the second build parses nothing: the warning comes from the cache
        result = project.build()
        assert "posts/2020-01-01-v.md:6: warning: <iframe> without a title" in result.stderr
        assert "1 warning" in result.stderr.splitlines()[-1]
    assert "parsed 0" in result.stderr
    assert project.build("--quiet").stderr == ""
