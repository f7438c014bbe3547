"""Citations as Pandoc writes them: the HTML each syntax becomes, the reference list and its
place, styles, mistakes reported at their lines, the bibliography as a dependency of the
parse (``build`` and ``serve``), the feed, and posts without a bibliography unchanged."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from builder.citations.references import Citing
from builder.errors import BuildError
from builder.markdown.parser import parse_body
from tests.conftest import Project

BIB = """\
@article{lecun1998,
  author  = {LeCun, Yann and Bottou, Léon and Bengio, Yoshua and Haffner, Patrick},
  title   = {Gradient-Based Learning Applied to Document Recognition},
  journal = {Proceedings of the {IEEE}},
  year    = {1998},
  volume  = {86},
  number  = {11},
  pages   = {2278--2324},
}

@book{duda1973,
  author    = {Duda, Richard O. and Hart, Peter E.},
  title     = {Pattern Classification and Scene Analysis},
  publisher = {Wiley},
  year      = {1973},
}

@misc{dumoulin2016,
  author    = {Dumoulin, Vincent and Visin, Francesco},
  title     = {A Guide to Convolution Arithmetic for Deep Learning},
  year      = {2016},
  publisher = {arXiv},
}

@misc{odd:key.2,
  author = {Doe, Jane},
  title  = {A Key With Punctuation},
  year   = {2001},
}
"""


@pytest.fixture
def bib(tmp_path: Path) -> Citing:
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    return Citing(tmp_path, ("refs.bib",), None, "", "en")


def cited(text: str, citing: Citing) -> str:
    """The HTML of the first paragraph of ``text``."""
    html = parse_body(text + "\n", "posts/p.md", 5, citing=citing).html
    return html.split("</p>")[0].removeprefix("<p>")


@pytest.mark.parametrize(("source", "shown"), [
    ("[@lecun1998]", "(LeCun et al. 1998)"),
    ("@lecun1998 says so.", "LeCun et al. (1998) says so."),
    ("[see @lecun1998, p. 3; @duda1973]", "(see LeCun et al. 1998, 3; Duda and Hart 1973)"),
    ("[@lecun1998, pp. 2280-2290, and elsewhere]", "(LeCun et al. 1998, 2280\u201390, and elsewhere)"),  # an en dash
    ("Duda and Hart [-@duda1973] wrote it.", "Duda and Hart (1973) wrote it."),
    ("@lecun1998 [chap. 2] says so.", "LeCun et al. (1998, chap. 2) says so."),
    ("As @dumoulin2016.", "As Dumoulin and Visin (2016)."),  # the full stop ends the key
    ("[@odd:key.2]", "(Doe 2001)"),  # punctuation inside a key
    ("[@{odd:key.2}]", "(Doe 2001)"),
])
def test_each_syntax_reads_as_pandoc_writes_it(bib: Citing, source: str, shown: str) -> None:
    html = cited(source, bib)
    assert re.sub(r"<[^>]+>", "", html) == shown
    assert 'class="citation"' in html and 'role="doc-biblioref"' in html


def test_a_citation_links_to_its_entry_which_links_back(bib: Citing) -> None:
    html = parse_body("Read [@lecun1998; @duda1973].\n\nAnd @lecun1998 again.\n",
                      "posts/p.md", 5, citing=bib).html
    assert re.findall(r'<a href="#ref-([^"]+)" role="doc-biblioref" id="([^"]+)">', html) == [
        ("lecun1998", "citation-1"), ("duda1973", "citation-2"), ("lecun1998", "citation-3")]
    entries = dict(re.findall(r'<div id="ref-([^"]+)" class="csl-entry" role="listitem">\n'
                              r"(.*?)\n</div>", html))
    assert set(entries) == {"lecun1998", "duda1973"}  # only what is cited
    assert entries["lecun1998"].startswith("LeCun, Yann, Léon Bottou, Yoshua Bengio, and "
                                           "Patrick Haffner. 1998.")
    assert re.findall(r'href="#(citation-\d)" class="citation-backref" aria-label="([^"]+)"',
                      entries["lecun1998"]) == [("citation-1", "Back to citation 1"),
                                                ("citation-3", "Back to citation 2")]
    assert 'href="#citation-2" class="citation-backref" aria-label="Back to the citation"' \
        in entries["duda1973"]


def test_the_list_ends_the_post_under_a_heading_before_the_footnotes(bib: Citing) -> None:
    body = parse_body("Text [@duda1973].[^1]\n\n## Later\n\nMore.\n\n[^1]: A note.\n",
                      "posts/p.md", 5, citing=bib)
    html = body.html
    assert html.index("Later") < html.index('<h2 id="references"') < html.index('id="refs"') \
        < html.index('class="footnotes"')
    assert [h.id for h in body.headings] == ["later", "references"]  # in the contents too


def test_the_list_goes_into_a_refs_div_and_takes_a_title(tmp_path: Path, bib: Citing) -> None:
    html = parse_body("Text [@duda1973].\n\n# Works cited\n\n::: {#refs}\n:::\n\nAfter.\n",
                      "posts/p.md", 5, citing=bib).html
    assert html.count('id="refs"') == 1 and "References" not in html
    assert html.index("Works cited") < html.index('<div id="refs" class="references') \
        < html.index("Duda, Richard O.") < html.index("After.")
    titled = Citing(bib.root, bib.files, None, "Sources", "en")
    assert '<h2 id="sources">Sources' in parse_body("[@duda1973]\n", "p.md", 1,
                                                    citing=titled).html


@pytest.mark.parametrize("style", ["ieee", "apa"])
def test_a_shipped_csl_style(bib: Citing, style: str) -> None:
    from builder.sources.bibliography_option import STYLES_FOLDER

    citing = Citing(bib.root, bib.files, STYLES_FOLDER / f"{style}.csl", "", "en")
    html = parse_body("See [@duda1973] and [@lecun1998].\n", "p.md", 1, citing=citing).html
    text = re.sub(r"<[^>]+>", "", html.split("</p>")[0])
    if style == "ieee":
        assert text == "See [1] and [2]."  # numbered in the order cited
        assert '<div class="csl-left-margin">[1]</div>' in html.replace(" </div>", "</div>")
    else:
        assert text == "See (Duda &amp; Hart, 1973) and (LeCun et al., 1998)."


@pytest.mark.parametrize("source", [
    "Write to me@example.com or to a@b.org.",
    "Code `@lecun1998` and math $a@b$ and \\@lecun1998.",
    "See @fig-x and [@tbl-y] and @sec-intro.",  # Quarto's cross-references
    "[a link](mailto:x@lecun1998) and <me@example.com>.",
])
def test_what_is_not_a_citation(bib: Citing, source: str) -> None:
    html = parse_body(source + "\n", "p.md", 1, citing=bib).html
    assert 'class="citation"' not in html and 'id="refs"' not in html


def test_without_a_bibliography_every_at_stays_text() -> None:
    source = "Thanks @karpathy, [@lecun1998] and @lecun1998 [p. 3].\n"
    html = parse_body(source, "p.md", 1).html
    assert html == ('<p>Thanks @karpathy, [@lecun1998] and @lecun1998 [p. 3].</p>\n')


def test_the_excerpt_shows_citations_without_links(bib: Citing) -> None:
    body = parse_body("As @lecun1998 showed.\n", "p.md", 1, citing=bib)
    assert body.excerpt == ('<p>As <span class="citation" data-cites="lecun1998">LeCun et '
                            'al. (1998)</span> showed.</p>')


def test_a_missing_key_is_an_error_at_its_line(bib: Citing) -> None:
    with pytest.raises(BuildError) as caught:
        parse_body("Fine [@duda1973].\n\nA second\nline cites [@nobody2020; @lecun1998].\n",
                   "posts/p.md", 5, citing=bib)
    assert str(caught.value).splitlines()[0] == \
        "posts/p.md:8: citation key 'nobody2020' is not in refs.bib"


# --- whole builds --------------------------------------------------------------------------

POST = """\
---
title: Cited
bibliography: refs.bib
---

Convolutions [see @lecun1998, p. 3] as @duda1973 filtered images.
"""


def test_errors_of_a_build_name_file_and_line(project: Project) -> None:
    project.write("posts/refs.bib", BIB)
    project.post("2020-01-01-cited.md", POST)
    project.build()
    before = project.snapshot()

    project.post("2020-01-01-cited.md", POST.replace("@duda1973", "@hart1973"))
    assert project.fail().splitlines()[0] == \
        "posts/2020-01-01-cited.md:6: citation key 'hart1973' is not in posts/refs.bib"

    project.post("2020-01-01-cited.md", POST)
    project.write("posts/refs.bib", BIB.replace("  year    = {1998},\n", "  year = {1998,\n"))
    assert project.fail().splitlines()[0].startswith(
        "posts/refs.bib:1: this entry is not closed (Pandoc: unexpected")

    project.post("2020-01-01-cited.md", POST.replace("refs.bib", "missing.bib"))
    assert project.fail().splitlines()[0] == \
        "posts/2020-01-01-cited.md:3: bibliography file 'posts/missing.bib' does not exist"

    project.post("2020-01-01-cited.md", POST.replace("---\n\n", "csl: fancy\n---\n\n"))
    assert project.fail().splitlines()[0] == \
        "posts/2020-01-01-cited.md:4: unknown citation style 'fancy'"
    assert project.snapshot() == before  # the last good site stays


def test_editing_the_bibliography_parses_the_posts_citing_it_again(project: Project) -> None:
    project.write("posts/refs.bib", BIB)
    project.post("2020-01-01-cited.md", POST)
    project.post("2020-01-02-plain.md", "---\ntitle: Plain\n---\n\nNo citations, @handle.\n")
    assert "parsed 2" in project.build().stderr
    assert "parsed 0" in project.build().stderr
    project.write("posts/refs.bib", BIB.replace("Pattern Classification", "Pattern Recognition"))
    assert "parsed 1," in project.build().stderr  # only the post citing it
    assert "Pattern Recognition and Scene Analysis" in project.page("2020/01/01/cited/index.html")
    plain = project.page("2020/01/02/plain/index.html")
    assert "No citations, @handle." in plain and "refs" not in plain


def test_posts_known_by_their_stamps_still_find_their_bibliography(project: Project) -> None:
    """A build reads only the posts whose stamps changed (issue 14), and a post's parse key
    holds its bibliography's bytes: a post left alone long enough to be known by its stamp
    (two seconds) still has its key made, from its front matter or the site's bibliography,
    and an edit of the .bib file still parses it again (this crashed when the two met)."""
    project.write("posts/refs.bib", BIB)
    project.write("refs/all.bib", BIB)
    project.write("site.toml", 'bibliography = "refs/all.bib"\n')
    project.post("2020-01-01-cited.md", POST)
    project.post("2020-01-02-site.md", POST.replace("bibliography: refs.bib\n", ""))
    project.post("2020-01-03-plain.md", "---\ntitle: Plain\n---\n\nNo citations.\n")
    time.sleep(2.1)  # past fsutil's racy window: the next build records the posts' stamps
    assert "parsed 3" in project.build().stderr
    assert "parsed 0" in project.build().stderr  # every post known by its stamp
    project.write("posts/refs.bib", BIB.replace("Pattern Classification", "Pattern Recognition"))
    assert "parsed 1," in project.build().stderr
    assert "Pattern Recognition" in project.page("2020/01/01/cited/index.html")
    project.write("refs/all.bib", BIB.replace("Pattern Classification", "Pattern Analysis"))
    assert "parsed 2," in project.build().stderr  # the site's: every post that may cite
    assert "Pattern Analysis" in project.page("2020/01/02/site/index.html")


def test_a_site_wide_bibliography_and_style(project: Project) -> None:
    project.write("refs/all.bib", BIB)
    project.write("site.toml", 'bibliography = "refs/all.bib"\ncsl = "ieee"\n')
    project.post("2020-01-01-cited.md", POST.replace("bibliography: refs.bib\n", ""))
    project.build()
    page = project.page("2020/01/01/cited/index.html")
    assert "Convolutions see [1, p. 3] as [2] filtered images." in re.sub(r"<[^>]+>", "", page)
    project.write("site.toml", 'bibliography = ["refs/none.bib"]\n')
    assert project.fail().splitlines()[0] == \
        "site.toml:1: bibliography file 'refs/none.bib' does not exist"


def test_the_feed_reads_citations_as_text_with_the_list(project: Project) -> None:
    import feedparser

    project.write("posts/refs.bib", BIB)
    project.post("2020-01-01-cited.md", POST)
    project.build("--base-url", "https://example.org/")
    feed = feedparser.parse(project.page("feed.xml"))
    assert not feed.bozo
    content = feed.entries[0].content[0].value
    text = re.sub(r"<[^>]+>", "", content)
    assert "Convolutions (see LeCun et al. 1998, 3) as Duda and Hart (1973) filtered" in text
    assert "Duda, Richard O., and Peter E. Hart. 1973. Pattern Classification" in text
    assert 'href="https://example.org/2020/01/01/cited/#ref-lecun1998"' in content


def test_a_bibliography_save_rebuilds_the_preview(project: Project) -> None:
    from tests.test_serve import Server

    project.write("refs.bib", BIB)  # outside the posts folder: watched as a dependency
    project.post("2020-01-01-cited.md", POST.replace("refs.bib", "../refs.bib"))
    server = Server(project)
    try:
        status, _, body = server.request("/2020/01/01/cited/")
        assert status == 200 and b"Pattern Classification and Scene" in body
        project.write("refs.bib", BIB.replace("Pattern Classification", "Scene Analysis"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            body = server.request("/2020/01/01/cited/")[2]
            if b"Scene Analysis and Scene Analysis" in body:
                break
            time.sleep(0.1)
        assert b"Scene Analysis and Scene Analysis" in body
    finally:
        server.stop()


def test_a_list_of_bibliographies_csl_json_and_a_style_file(project: Project) -> None:
    from builder.sources.bibliography_option import STYLES_FOLDER

    project.write("posts/refs.bib", BIB)
    project.write("shared/more.json", '[{"id": "sobel1968", "type": "speech", "title": '
                  '"An Isotropic 3x3 Image Gradient Operator", "author": [{"family": "Sobel", '
                  '"given": "Irwin"}, {"family": "Feldman", "given": "Gary"}], '
                  '"issued": {"date-parts": [[1968]]}}]')
    project.write("styles/mine.csl", (STYLES_FOLDER / "ieee.csl").read_text(encoding="utf-8"))
    project.post("2020-01-01-cited.md", POST.replace(
        "bibliography: refs.bib\n",
        "bibliography: [refs.bib, ../shared/more.json]\ncsl: ../styles/mine.csl\n")
        + "\nEdges [@sobel1968].\n")
    project.build()
    text = re.sub(r"<[^>]+>", "", project.page("2020/01/01/cited/index.html"))
    assert "Convolutions see [1, p. 3] as [2] filtered images." in text
    assert "Edges [3]." in text and "[3] I. Sobel and G. Feldman" in text

    notes = (STYLES_FOLDER / "chicago-author-date.csl").read_text(encoding="utf-8")
    project.write("styles/mine.csl", notes.replace('class="in-text"', 'class="note"', 1))
    assert project.fail().splitlines()[0] == ("posts/2020-01-01-cited.md:4: "
                                              "'styles/mine.csl' is a note style (citations "
                                              "as footnotes), which is not supported")


def test_a_figure_blocks_caption_cites_in_its_place(bib: Citing) -> None:
    source = ("Before [@lecun1998].\n\n```{python}\n#| label: fig-edges\n"
              "#| fig-cap: \"Sobel's kernels, as in [@duda1973, p. 271].\"\n"
              "print(1)\n```\n\nAfter [@duda1973].\n")
    body = parse_body(source, "posts/p.md", 5, citing=bib)
    caption = body.blocks[0].caption_html
    assert re.sub(r"<[^>]+>", "", caption) == "Sobel's kernels, as in (Duda and Hart 1973, 271)."
    assert 'id="citation-2"' in caption  # numbered where the figure stands
    assert sorted(re.findall(r'href="#(citation-\d)" class="citation-backref"', body.html)) \
        == ["citation-1", "citation-2", "citation-3"]  # the caption's is linked back to
    with pytest.raises(BuildError) as caught:  # its keys are checked too
        parse_body(source.replace("@duda1973, p", "@hart1973, p"), "posts/p.md", 5,
                   citing=bib)
    assert str(caught.value).splitlines()[0] == \
        "posts/p.md:9: citation key 'hart1973' is not in refs.bib"


# --- nocite (Pandoc's) ---------------------------------------------------------------------


def test_nocite_lists_entries_not_cited(project: Project) -> None:
    project.write("posts/refs.bib", BIB)
    project.post("2021-06-01-read.md", """\
        ---
        title: Further reading
        bibliography: refs.bib
        nocite: |
          @dumoulin2016, @lecun1998
        number-sections: true
        ---

        ## Filters

        As @duda1973 filtered images.
        """)
    project.post("2021-06-02-all.md", """\
        ---
        title: Everything
        bibliography: refs.bib
        nocite: "@*"
        ---

        Nothing cited here.
        """)
    project.build()
    page = project.page("2021/06/01/read/index.html")
    entries = re.findall(r'<div id="ref-([^"]+)" class="csl-entry"', page)
    assert entries == ["duda1973", "dumoulin2016", "lecun1998"]  # Chicago: by author
    assert "Duda and Hart" in page and 'href="#ref-lecun1998"' not in page  # listed, uncited
    # the list's heading is Pandoc's unnumbered section
    assert '<h2 id="filters" data-number="1">' in page
    assert '<h2 id="references">References' in page
    page = project.page("2021/06/02/all/index.html")
    assert sorted(re.findall(r'<div id="ref-([^"]+)" class="csl-entry"', page)) == \
        ["duda1973", "dumoulin2016", "lecun1998", "odd:key.2"]


def test_a_nocite_key_not_in_the_bibliography_is_an_error_at_its_line(
        project: Project) -> None:
    project.write("posts/refs.bib", BIB)
    project.post("2021-06-03-typo.md", """\
        ---
        title: Typo
        bibliography: refs.bib
        nocite: "@lecun1998, @lecunn1998"
        ---

        Text.
        """)
    assert "posts/2021-06-03-typo.md:4: nocite key 'lecunn1998' " \
        "is not in posts/refs.bib" in project.fail()
