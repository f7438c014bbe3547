"""Posts as Quarto and Hugo blogs keep them: ``.qmd`` files, posts that are folders with
their files beside them, and dates in Quarto's forms. The fixture posts are in
``tests/quarto/posts``; posts that must fail are written inline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, browser_page, serve_folder
from tests.conftest import Project, typeset


def time_of(html: str) -> str:
    found = re.search(r'<time datetime="([^"]+)">', html)
    assert found, html
    return found.group(1)


def test_a_post_folder_is_one_post_with_its_files_beside_it(quarto_site: Project) -> None:
    folder = quarto_site.root / "site/2021/04/01/quarto-blog-post"
    html = (folder / "index.html").read_text()
    assert time_of(html) == "2021-04-01T00:00:00+00:00"  # the folder's name dates it
    assert '<img src="images/gradient.png" alt="A gradient, drawn by hand"' in html
    assert (folder / "images/gradient.png").read_bytes() == (
        quarto_site.root / "posts/2021-04-01-quarto-blog-post/images/gradient.png").read_bytes()
    assert (folder / "data/points.csv").is_file() and 'href="data/points.csv"' in html
    # the block ran in the folder: its relative read found the data
    assert "3 points, mean y = 2.67" in html
    # what an editor leaves there is not published, nor the post's own source
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file()) == ["data/points.csv", "images/gradient.png", "index.html"]
    # Quarto's categories are the post's tags
    assert 'href="/tags/quarto/"' in html and 'href="/tags/folders/"' in html


def test_an_undated_folder_takes_its_date_from_the_front_matter(quarto_site: Project) -> None:
    folder = quarto_site.root / "site/2021/03/22/hugo-page-bundle"
    assert time_of((folder / "index.html").read_text()) == "2021-03-22T00:00:00+00:00"
    assert (folder / "attachment.txt").read_text() == "An attachment of the bundle.\n"


def test_a_qmd_file_is_a_post(quarto_site: Project) -> None:
    html = quarto_site.page("2021/04/02/a-quarto-document/index.html")
    assert time_of(html) == "2021-04-02T00:00:00+00:00"  # 4/2/2021: April 2nd
    assert '<details class="cell-code">' in html  # its format: html: options hold
    assert '<figure class="figure" id="fig-line">' in html
    assert "Updated" not in html  # date-modified: last-modified is not a date of the page
    assert "posts/2021-04-02-a-quarto-document.qmd:4: warning: 'date-modified: " \
        "last-modified' is not shown" in quarto_site.stderr  # type: ignore[attr-defined]


DATES = {  # how it is written -> the day it is
    "2021-03-22": "2021-03-22T00:00:00+00:00",
    "2021-03-22 14:30": "2021-03-22T14:30:00+00:00",
    "2021-03-22T14:30:00+02:00": "2021-03-22T14:30:00+02:00",
    '"2021-03-22 14:30:00 +0200"': "2021-03-22T14:30:00+02:00",
    "March 22, 2021": "2021-03-22T00:00:00+00:00",
    "Mar 22 2021": "2021-03-22T00:00:00+00:00",
    "22 March 2021": "2021-03-22T00:00:00+00:00",
    "Monday, March 22nd, 2021": "2021-03-22T00:00:00+00:00",
    "3/22/2021": "2021-03-22T00:00:00+00:00",
    "03-22-2021": "2021-03-22T00:00:00+00:00",
    "3/22/21": "2021-03-22T00:00:00+00:00",
    "22/3/2021": "2021-03-22T00:00:00+00:00",  # 22 cannot be a month
    "3/4/2021": "2021-03-04T00:00:00+00:00",  # month first, as in Quarto
    "2021/03/22": "2021-03-22T00:00:00+00:00",
}


def test_dates_in_quartos_forms(project: Project) -> None:
    for number, written in enumerate(DATES):
        project.post(f"post-{number}.qmd", f"---\ntitle: Post {number}\ndate: {written}\n---\n"
                     "Text.\n")
    project.build()
    for number, day in enumerate(DATES.values()):
        found = list((project.root / "site").glob(f"*/*/*/post-{number}/index.html"))
        assert len(found) == 1, (number, day)
        assert time_of(found[0].read_text()) == day, list(DATES)[number]


@pytest.mark.parametrize(("written", "message"), [
    ("March 32, 2021", "bad date 'March 32, 2021': write it as 2021-03-22 (or 2021-03-22 "
                       "10:30), March 22, 2021, 22 March 2021 or 3/22/2021"),
    ("next tuesday", "bad date 'next tuesday': write it as 2021-03-22"),
    ("13/13/2021", "bad date '13/13/2021'"),
    ("today", "'date: today' would date the post anew on every build (moving it in the "
              "listing, the feed and its address): write the day it was published, as "
              "2021-03-22"),
    ("last-modified", "'date: last-modified' would date the post anew on every build"),
])
def test_a_date_that_is_none_names_its_line_and_the_forms(project: Project, written: str,
                                                         message: str) -> None:
    project.post("x.qmd", f"---\ntitle: X\ndate: {written}\n---\nText.\n")
    stderr = project.fail()
    assert stderr.startswith(f"posts/x.qmd:3: {message}"), stderr


def test_a_post_folder_and_its_mistakes(project: Project) -> None:
    project.post("undated/index.qmd", "---\ntitle: Undated\n---\nText.\n")
    assert project.fail().startswith(
        "posts/undated/index.qmd:1: post has no date\n  hint: name the file (or the post's "
        "folder) YYYY-MM-DD-slug, or add 'date:' to its front matter")

    project.post("undated/index.md", "---\ntitle: Twice\ndate: 2021-01-01\n---\nText.\n")
    assert "posts/undated/index.qmd: a post folder holds one index file, not index.md and " \
        "index.qmd\n  hint: keep index.md or index.qmd" in project.fail()

    (project.root / "posts/undated/index.qmd").unlink()
    project.post("undated/notes.md", "Notes, not a post.\n")
    project.post("undated/sub/index.md", "Not a post either: inside a post's folder.\n")
    result = project.build()
    assert "posts/undated/notes.md:1: warning: only the index of a post folder is a post" \
        in result.stderr
    folder = project.root / "site/2021/01/01/undated"
    assert (folder / "notes.md").read_text() == "Notes, not a post.\n"
    assert (folder / "sub/index.md").is_file() and "built 1 post" in result.stderr


def test_a_file_a_block_writes_over_the_folders_own_is_the_one_published(
        project: Project) -> None:
    project.post("2021-01-01-rewrite/index.md", """\
        ---
        title: Rewrite
        ---
        ```{python}
        with open("table.csv", "w") as out:
            out.write("new\\n")
        ```

        [The table](table.csv), and [the other one](other.csv).
        """)
    project.write("posts/2021-01-01-rewrite/table.csv", "old\n")
    project.write("posts/2021-01-01-rewrite/other.csv", "other\n")
    project.build()
    folder = project.root / "site/2021/01/01/rewrite"
    assert (folder / "table.csv").read_text() == "new\n"
    assert (folder / "other.csv").read_text() == "other\n"
    assert (project.root / "posts/2021-01-01-rewrite/table.csv").read_text() == "old\n"


def test_a_folders_file_named_like_a_figure_is_an_error_naming_both(project: Project) -> None:
    project.post("2021-01-01-clash/index.md", """\
        ---
        title: Clash
        ---
        ```{python}
        import matplotlib.pyplot as plt
        plt.plot([1, 2])
        ```
        """)
    project.write("posts/2021-01-01-clash/figure-1.png", b"not a figure")
    stderr = project.fail()
    assert "2021/01/01/clash/figure-1.png" in stderr and "posts/2021-01-01-clash" in stderr


def test_drafts_keep_their_folders_files_to_themselves(project: Project) -> None:
    project.post("2021-01-01-secret/index.md", "---\ntitle: Secret\ndraft: true\n---\nText.\n")
    project.write("posts/2021-01-01-secret/plan.txt", "secret plans\n")
    project.post("2021-01-02-open.md", "---\ntitle: Open\n---\nText.\n")
    project.build()
    assert not list((project.root / "site").rglob("plan.txt"))
    project.build("--drafts")
    assert (project.root / "site/2021/01/01/secret/plan.txt").is_file()


# --- inline code ----------------------------------------------------------------------


def test_inline_code_shows_its_value_in_the_text(quarto_site: Project) -> None:
    html = quarto_site.page("2021/04/03/inline-code/index.html")
    assert "<p>Values computed in the post appear in its text: the answer is 42.</p>" in html
    assert "The 3 samples average 2.667, as a\nlist [1.5, 2.5, 4.0]; the label reads " \
        "*starred* [sic], and\n<strong>Markdown</strong> with " in html
    assert "is rendered. An object's HTML:\n<span class=\"badge\">new</span>." in html
    assert "<td>np.float64(4.0)</td>" in html or "<td>4.0</td>" in html  # numpy's own repr
    assert "stays code: <code>{python} 6 * 7</code>, <code>{python}6 * 7</code>" in html
    assert '<code class="language-markdown"><span class="sb">`{python} 6 * 7`</span>' in html
    assert '<h2 id="with-lensamples-samples">With 3 samples <a class="header-anchor"' in html
    assert "inline-code" not in html  # every placeholder filled
    # the Markdown value's math is typeset like the post's own
    assert any("msup" in mathml for _, mathml in typeset(html))


def test_inline_values_reach_listings(quarto_site: Project) -> None:
    assert "the answer is 42." in quarto_site.page("index.html")


def test_inline_code_errors_name_their_line(project: Project) -> None:
    project.post("2021-01-01-inline.md", """\
        ---
        title: Inline
        ---
        ```{python}
        x = 1
        ```

        Fine: `{python} x`. Not fine,
        on this line: `{python} y + 1`; nor `{python} x +` here.
        """)
    stderr = project.fail()
    assert "posts/2021-01-01-inline.md:9: in `{python} y + 1`: NameError: name 'y' is not " \
        "defined" in stderr, stderr
    assert "error: true" not in stderr  # inline code has no such option


def test_inline_syntax_errors_name_their_line(project: Project) -> None:
    project.post("2021-01-01-inline.md", "---\ntitle: Inline\n---\nIntro.\n\nBad: "
                 "`{python} 1 +`.\n")
    assert "posts/2021-01-01-inline.md:6: in `{python} 1 +`: SyntaxError: invalid syntax" \
        in project.fail()


@pytest.mark.parametrize("front", ["execute:\n  eval: false", "engine: markdown"])
def test_inline_code_is_code_when_the_document_does_not_run(project: Project,
                                                            front: str) -> None:
    project.post("2021-01-01-inline.qmd", f"---\ntitle: Inline\n{front}\n---\nThe value "
                 "`{python} undefined_name` stays.\n")
    project.build()
    assert "The value <code>{python} undefined_name</code> stays." in project.page(
        "2021/01/01/inline/index.html")


def test_inline_code_is_cached_with_what_it_depends_on(project: Project) -> None:
    def post(value: str, prose: str = "") -> None:
        project.post("2021-01-01-inline.md", f"---\ntitle: Inline\n---\n```{{python}}\n"
                     f"x = {value}\n```\n\nx is `{{python}} x`, two is `{{python}} 1 + 1`."
                     f"{prose}\n")

    post("3")
    project.build()
    post("3", " More prose.")
    explain = project.build("--explain").stderr
    assert "ran 0 figure blocks (3 cached)" in explain
    post("4", " More prose.")
    explain = project.build("--explain").stderr
    assert "posts/2021-01-01-inline.md:8: `{python} x`: ran (an earlier block it uses " \
        "changed)" in explain
    assert "posts/2021-01-01-inline.md:8: `{python} 1 + 1`: cached" in explain
    assert "x is 4, two is 2." in project.page("2021/01/01/inline/index.html")


def test_a_jekyll_sites_posts_keep_inline_code_as_code(project: Project) -> None:
    (project.root / "posts").rmdir()
    project.write("_config.yml", "title: A Jekyll blog\n")
    project.write("_posts/2021-01-01-quarto.md", "---\ntitle: About Quarto\n---\nQuarto "
                  "shows `{python} x` as the value of x.\n")
    project.build()
    assert "Quarto shows <code>{python} x</code> as the value of x." in project.page(
        "2021/01/01/quarto.html")


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_in_the_browser_folder_files_load_and_values_read_in_the_text(
        quarto_site: Project) -> None:
    with serve_folder(quarto_site.root / "site") as base, \
            browser_page() as (page, errors, failed, blocked):
        page.goto(base + "/2021/04/01/quarto-blog-post/")
        image = page.locator('img[alt="A gradient, drawn by hand"]')
        page.wait_for_function("document.querySelector('main img').complete")
        assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [24, 16]
        assert page.request.get(base + "/2021/04/01/quarto-blog-post/data/points.csv").text() \
            .startswith("x,y\n")
        page.goto(base + "/2021/04/03/inline-code/")
        text = " ".join(page.inner_text("main").split())
        assert "the answer is 42." in text
        assert "The 3 samples average 2.667, as a list [1.5, 2.5, 4.0]; the label reads " \
            "*starred* [sic], and Markdown with" in text
        assert page.locator("main strong", has_text="Markdown").count() == 1
        assert page.locator("main .badge").inner_text() == "new"
        assert not failed and not blocked and errors == []


IMAGES = """![A gradient, drawn by *hand*](gradient.png)

![](no-caption.png)

Text beside ![an inline image](inline.png) in a sentence.

![Wide](wide.png){width=80% fig-alt="A wide gradient"}
"""


def test_an_image_alone_in_a_quarto_documents_paragraph_is_a_captioned_figure() -> None:
    """Pandoc's implicit figures, as Quarto renders a ``.qmd``: an image with text, alone in
    its paragraph, is a figure captioned by that text; one without text, or inside a
    sentence, stays an image. A post written for this tool (``.md``) keeps its images."""
    from builder.markdown.parser import parse_body

    qmd = parse_body(IMAGES, "posts/p.qmd", 5).html
    assert ('<figure class="figure">\n<img src="gradient.png" alt="A gradient, drawn by hand" />'
            '\n<figcaption>A gradient, drawn by <em>hand</em></figcaption>\n</figure>') in qmd
    assert '<p><img src="no-caption.png" alt="" /></p>' in qmd
    assert '<p>Text beside <img src="inline.png" alt="an inline image" /> in a sentence.</p>' in qmd
    assert re.search(r'<figure class="figure">\n<img src="wide.png" alt="A wide gradient"[^>]*>'
                     r'\n<figcaption>Wide</figcaption>', qmd)
    md = parse_body(IMAGES, "posts/p.md", 5).html
    assert "<figure" not in md and "<figcaption" not in md
    assert '<p><img src="gradient.png" alt="A gradient, drawn by hand" /></p>' in md
