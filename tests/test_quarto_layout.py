"""Quarto's layout and cross-reference features, one fixture post each (in
``tests/quarto/posts``, named in ``POSTS``): callouts, figure and table floats, sub-figures,
equations, and references to them. The posts are built once, without the other Quarto
fixtures (those run figure blocks this module does not need)."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from builder.pages.highlight import contrast
from tests.browser import CHROMIUM, browser_page, serve_folder
from tests.conftest import REPO, Project

FIXTURE = Path(__file__).parent / "quarto"
POSTS = ("2021-04-01-callouts.md", "2021-04-02-subfigures.md", "2021-04-03-tables.md",
         "2021-04-04-equations.md", "2021-04-05-figure-divs.md")
ARTIFACTS = REPO / "test-artifacts"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("quarto-layout") / "blog"
    shutil.copytree(FIXTURE, root)
    for entry in (root / "posts").iterdir():
        if entry.name not in POSTS:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    project = Project(root)
    project.stderr = project.build().stderr  # type: ignore[attr-defined]
    return project


def page(site: Project, slug: str) -> str:
    return (site.root / "site" / address(site, slug).strip("/") / "index.html").read_text(
        encoding="utf-8")


def address(site: Project, slug: str) -> str:
    found = list((site.root / "site/2021/04").glob(f"*/{slug}/index.html"))
    assert len(found) == 1, slug
    return "/" + found[0].parent.relative_to(site.root / "site").as_posix() + "/"


def hex_colour(css: str) -> str:
    """``rgb(1, 2, 3)`` (as the browser computes colours) as ``#010203``."""
    red, green, blue = (int(v) for v in re.findall(r"\d+", css)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


def text(html: str) -> str:
    """What a reader sees of some HTML (tags dropped, space collapsed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def element(html: str, start: str) -> str:
    """The element whose opening tag starts with ``start``, up to its matching end tag."""
    at = html.index(start)
    tag = re.match(r"<([a-z]+)", start).group(1)  # type: ignore[union-attr]
    depth = 0
    for match in re.finditer(rf"<(/?){tag}[\s>]", html[at:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return html[at : at + match.end()]
    raise AssertionError(f"{start} is never closed")


def test_callouts_have_their_type_title_and_body(site: Project) -> None:
    html = page(site, "callouts")
    note = element(html, '<div class="callout callout-note')
    assert 'callout-style-default callout-titled"' in note
    assert text(note).startswith("Note Python's math.fsum")
    assert "<mjx-container" in note  # math in a callout is typeset like any other
    tip = element(html, '<div class="callout callout-tip')
    # the title attribute is Markdown; a screen reader hears the type before it
    assert '<span class="visually-hidden">Tip: </span>Use <em>Kahan</em> summation in ' \
        "loops" in tip
    warning = element(html, '<div class="callout callout-warning')
    assert text(warning).startswith("Warning: Mind the order Adding from the largest")
    assert "<h2" not in warning  # the heading became the title, not a heading of the page
    caution = element(warning, '<details class="callout callout-caution')  # nested, folded
    assert "<summary" in caution and " open" not in caution.split(">", 1)[0]
    assert text(caution).startswith("Caution: The proof, folded Each addition")
    important = element(html, '<div class="callout callout-important')
    assert "callout-style-simple callout-untitled" in important
    assert "callout-header" not in important
    assert '<span class="visually-hidden">Important: </span>' in important
    opened = element(html, '<details class="callout callout-tip')
    assert "callout-style-simple" in opened and "no-icon" in opened
    assert opened.split(">", 1)[0].endswith(" open")
    assert '<div id="aside" class="column-margin">' in html
    assert ":::" not in text(html)


def test_an_unclosed_div_is_a_warning_naming_its_line(project: Project) -> None:
    project.post("2021-04-01-open.md", """\
        ---
        title: Open
        ---
        Text.

        ::: {.callout-note}
        Never closed.
        """)
    result = project.build()
    assert "posts/2021-04-01-open.md:6: warning: div opened here with ::: is never closed" \
        in result.stderr
    html = next((project.root / "site").rglob("open/index.html")).read_text()
    assert "Never closed." in text(element(html, '<div class="callout callout-note'))


@needs_chromium
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_callouts_as_the_reader_sees_them(site: Project, scheme: str) -> None:
    with serve_folder(site.root / "site") as base, \
            browser_page() as (tab, errors, failed, _):
        tab.emulate_media(color_scheme=scheme)
        tab.goto(base + address(site, "callouts"))
        edges, page_colour = {}, hex_colour(tab.evaluate(
            "getComputedStyle(document.body).backgroundColor"))
        for kind in ("note", "tip", "warning", "important", "caution"):
            box = tab.locator(f".callout-{kind}").first
            edge = hex_colour(box.evaluate("e => getComputedStyle(e).borderLeftColor"))
            assert contrast(edge, page_colour) >= 3, (kind, edge)  # WCAG's 3:1 for graphics
            edges[kind] = edge
            header = box.locator(":scope > .callout-header")
            if header.count():
                band = hex_colour(header.evaluate("e => getComputedStyle(e).backgroundColor"))
                words = hex_colour(header.evaluate("e => getComputedStyle(e).color"))
                simple = "simple" in (box.get_attribute("class") or "")
                assert simple or band != page_colour  # the title band is tinted
                assert contrast(words, page_colour if simple else band) >= 4.5
        assert len(set(edges.values())) == 5  # each type its own colour

        # the note as drawn: its edge in its colour, the icon in the band, the band tinted
        note = tab.locator(".callout-note").first
        shot = Image.open(io.BytesIO(note.screenshot())).convert("RGB")
        height = shot.size[1]
        edge = tuple(int(edges["note"][i : i + 2], 16) for i in (1, 3, 5))
        assert all(abs(a - b) <= 2 for a, b in zip(shot.getpixel((2, height // 2)), edge, strict=True))
        band = np.asarray(shot.crop((8, 2, 60, 36)), dtype=int)
        drawn = (np.abs(band - np.array(edge)).sum(axis=2) < 40).sum()
        assert drawn > 40  # the icon, in the callout's colour

        # the folded callout opens from the keyboard
        body = tab.locator(".callout-caution .callout-body")
        assert not body.is_visible()
        tab.locator(".callout-caution summary").focus()
        tab.keyboard.press("Enter")
        assert body.is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"quarto-callouts-{scheme}.png"), full_page=True)
        assert errors == [] and failed == []


def figure_ids(html: str) -> list[str]:
    return re.findall(r'<figure[^>]* id="([^"]+)"', html)


def test_sub_figures_of_a_block_are_laid_out_and_lettered(site: Project) -> None:
    html = page(site, "subfigures")
    views = element(html, '<figure class="figure quarto-float quarto-float-fig" id="fig-views"')
    row = element(views, '<div class="quarto-layout-row">')
    cells = re.findall(r'<div class="quarto-layout-cell" style="([^"]+)"', row)
    assert cells == ["flex-basis: 50.0%;justify-content: center;"] * 2  # side by side
    assert figure_ids(row) == ["fig-views-1", "fig-views-2"]
    assert "<figcaption>(a) The signal</figcaption>" in row
    assert "<figcaption>(b) Its spectrum, <span class=\"math\"><mjx-container" in row
    assert 'alt="A sine wave whose oscillations speed up."' in row  # one fig-alt per image
    assert 'alt="A broad hump of frequencies."' in row
    assert views.rstrip().endswith('<figcaption><span class="figure-number">Figure 1:</span> '
                                   "A chirp, in time and in frequency</figcaption>\n</figure>")
    # references in Quarto's words, to the float and to a sub-figure
    assert '<a class="quarto-xref" href="#fig-views">Figure&nbsp;1</a>' in html
    assert '<a class="quarto-xref" href="#fig-views-2">Figure&nbsp;1 (b)</a>' in html


def test_layout_rows_spacers_and_caption_lists(site: Project) -> None:
    html = page(site, "subfigures")
    kernels = element(html, '<figure class="figure quarto-float quarto-float-fig" '
                            'id="fig-kernels"')
    rows = kernels.split('<div class="quarto-layout-row">')[1:]
    assert [row.count("<img ") for row in rows] == [2, 1]  # layout [[1, 1], [1]]
    assert re.findall(r"<figcaption>\(([a-z])\)</figcaption>", kernels) == ["a", "b", "c"]
    assert '<a class="quarto-xref" href="#fig-kernels-3">Figure&nbsp;2 (c)</a>' in html
    # a list of fig-cap: each image its own numbered figure; [45, -10, 45] leaves a gap
    ramps = element(html, '<div class="cell" id="fig-ramps">')
    assert re.findall(r'flex-basis: ([\d.]+)%', ramps) == ["45.0", "10.0", "45.0"]
    assert "quarto-figure-spacer" in ramps
    assert figure_ids(ramps) == ["fig-ramps-1", "fig-ramps-2"]
    assert '<span class="figure-number">Figure 3:</span> Rising' in ramps
    assert '<span class="figure-number">Figure 4:</span> Falling' in ramps
    assert '<a class="quarto-xref" href="#fig-ramps-2">Figure&nbsp;4</a>' in html
    # printed text is a cell; the error stream stays above the panel
    last = html[html.index("Printed text is a cell"):]
    warning, panel = last.index("cell-output-stderr"), last.index("quarto-layout-panel")
    assert warning < panel < last.index("cell-output-stdout")
    assert "cell-output-stdout" in element(last, '<div class="quarto-layout-cell"')


def test_tables_are_numbered_and_captioned(site: Project) -> None:
    html = page(site, "tables")
    kernels = element(html, '<figure class="figure quarto-float quarto-float-tbl" '
                            'id="tbl-kernels">')
    assert kernels.startswith('<figure class="figure quarto-float quarto-float-tbl" '
                              'id="tbl-kernels">\n<figcaption><span class="figure-number">'
                              "Table 1:</span> The kernels we use</figcaption>\n<table>")
    assert "<p>: The kernels" not in html  # the caption line is no paragraph
    sums = element(html, '<figure class="figure quarto-float quarto-float-tbl" id="tbl-sums"')
    assert '<span class="figure-number">Table 2:</span> Sums, computed' in sums
    assert 'class="dataframe"><colgroup><col style="width: 60%"><col style="width: 40%">' \
        "</colgroup>" in sums  # tbl-colwidths on the DataFrame's table
    assert '<span class="figure-number">Table 3:</span> Sizes, with Pandoc' in html
    assert re.search(r"<caption>Widths from the dashes, caption right under the table"
                     r'</caption>\n<colgroup><col style="width: 7%"><col style="width: 93%">',
                     html)  # 6 and 75 dashes; the caption line was no row of the table
    pair = element(html, '<figure id="tbl-pair"')
    assert "<figcaption>(a) Left</figcaption>" in pair and 'id="tbl-right"' in pair
    assert '<a class="quarto-xref" href="#tbl-right">Table&nbsp;4 (b)</a>' in html
    assert 'and table\n<a class="quarto-xref" href="#tbl-sizes">3</a>' in html  # [-@tbl-x]


def test_equations_are_numbered_with_quartos_tag(site: Project) -> None:
    html = page(site, "equations")
    forward = element(html, '<div class="math" id="eq-forward">')
    assert "<mtext>(1)</mtext>" in forward  # MathJax drew the \tag
    assert "<mtext>(2)</mtext>" in element(html, '<div class="math" id="eq-inverse">')
    assert '<a class="quarto-xref" href="#eq-forward">Equation&nbsp;1</a>' in html
    assert '<a class="quarto-xref" href="#eq-inverse">Eq.&nbsp;2</a>' in html
    assert "{#eq-" not in html
    assert html.count("<mtext>(") == 2  # the unlabelled formula has no number
    # @Eq-forward capitalises (Equation already is); an unknown label warns, with its line
    assert "<strong>?@eq-missing</strong> names nothing" in html
    assert "posts/2021-04-04-equations.md:16: warning: @eq-missing refers to nothing in this " \
        "post: shown as ?@eq-missing, as Quarto does" in site.stderr  # type: ignore[attr-defined]


def test_equations_with_mathjax_in_the_browser(project: Project) -> None:
    """With ``mathjax = "client"`` the page carries Quarto's \\tag for the browser."""
    project.write("site.toml", 'mathjax = "client"\n')
    project.post("2021-04-04-eq.md", (FIXTURE / "posts/2021-04-04-equations.md").read_text())
    project.build()
    html = next((project.root / "site").rglob("eq/index.html")).read_text()
    assert '<div class="math" id="eq-forward">\\[\nX(f) = \\int_{-\\infty}^{\\infty} x(t)\\, ' \
        "e^{-2\\pi i f t}\\, dt \\tag{1}\\]</div>" in html
    assert '<div class="math" id="eq-inverse">\\[x(t) = ' in html and "\\tag{2}\\]" in html


def test_figure_divs_images_and_panels(site: Project) -> None:
    html = page(site, "figure-divs")
    drawn = element(html, '<figure id="fig-drawn"')
    assert figure_ids(drawn) == ["fig-drawn", "fig-box", "fig-gauss"]
    assert "<figcaption>(a) A box kernel</figcaption>" in drawn
    assert drawn.rstrip().endswith('<span class="figure-number">Figure 1:</span> Two kernels, '
                                   "drawn beforehand</figcaption>\n</figure>")
    alone = element(html, '<figure class="figure" id="fig-alone">')
    assert 'alt="A grey square."' in alone and 'style="width: 40%;"' in alone
    assert '<span class="figure-number">Figure 2:</span> The box kernel alone' in alone
    single = element(html, '<figure id="fig-single"')
    assert '<span class="figure-number">Figure 3:</span> A figure div around one image' in single
    assert '<a class="quarto-xref" href="#fig-alone">Figure&nbsp;2</a>' in single
    panel = html[html.index('<div class="quarto-layout-panel">', html.index("fig-single")):]
    assert re.findall(r"flex-basis: ([\d.]+)%", panel)[:3] == ["33.3", "33.3", "33.3"]
    assert "<figcaption>Left</figcaption>" in panel  # an image in a panel shows its caption
    assert '<a class="quarto-xref" href="#fig-single">Figure&nbsp;3</a> is the third' in html
    # a figure div inside a callout, both with ::: fences: each closes where it should
    tip = element(html, '<div class="callout callout-tip')
    assert figure_ids(element(tip, '<figure id="fig-pair"')) == ["fig-pair", "fig-pair-box",
                                                                  "fig-pair-gauss"]
    assert '<a class="quarto-xref" href="#fig-pair-gauss">Figure&nbsp;4 (b)</a>' in tip
    assert "<p>After the callout.</p>" in html.split(tip)[1]


def test_reference_forms_and_warnings(project: Project) -> None:
    project.post("2021-04-06-refs.md", """\
        ---
        title: Refs
        ---
        ![A](/a.png){#fig-a}

        See @fig-a, [@fig-a], [-@fig-a], [Fig. @fig-a], [@fig-a; @fig-b], @Fig-a.
        Not references: me@fig-a.org, [a link](#fig-a), @someone and @fig-.
        @sec-intro names no heading here.
        """)
    result = project.build()
    html = next((project.root / "site").rglob("refs/index.html")).read_text()
    link = '<a class="quarto-xref" href="#fig-a">'
    assert (f"See {link}Figure&nbsp;1</a>, {link}Figure&nbsp;1</a>, {link}1</a>, "
            f"{link}Fig.&nbsp;1</a>, {link}Figure&nbsp;1</a>, <strong>?@fig-b</strong>, "
            f"{link}Figure&nbsp;1</a>.") in html
    assert 'me@fig-a.org, <a href="#fig-a">a link</a>, @someone and @fig-.' in html
    assert "posts/2021-04-06-refs.md:6: warning: @fig-b refers to nothing in this post" \
        in result.stderr
    assert "posts/2021-04-06-refs.md:8: warning: @sec-intro refers to nothing in this post: " \
        "shown as ?@sec-intro, as Quarto does (give a heading the id: '## Title {#sec-intro}'" \
        in result.stderr


def test_a_wrong_layout_is_an_error_at_its_line(project: Project) -> None:
    project.post("2021-04-07-bad.md", """\
        ---
        title: Bad
        ---
        ::: {#fig-x layout-ncol=two}
        ![A](/a.png)

        Caption
        :::

        ::: {layout="[[1, 1], oops]"}
        text
        :::
        """)
    stderr = project.fail()
    assert "posts/2021-04-07-bad.md:4: layout-ncol must be a whole number from 1 to 100, not " \
        "'two'" in stderr
    assert "posts/2021-04-07-bad.md:10: layout must be rows of widths such as [[1,1],[1]]" \
        in stderr


def test_a_sub_caption_count_that_does_not_match_is_a_warning(project: Project) -> None:
    project.post("2021-04-08-count.md", """\
        ---
        title: Count
        ---
        ```{python}
        #| label: fig-c
        #| fig-subcap: ["one", "two", "three"]
        import matplotlib.pyplot as plt
        plt.figure(); plt.show(); plt.figure()
        ```

        ```{python}
        #| label: fig-t
        #| fig-subcap: true
        plt.figure(); plt.show(); plt.figure()
        ```

        @fig-t-2 is there, @fig-t-5 is not.
        """)
    stderr = project.build().stderr
    assert "posts/2021-04-08-count.md:6: warning: fig-subcap gives 3 captions but the block " \
        "showed 2 figures" in stderr
    assert "posts/2021-04-08-count.md:17: warning: @fig-t-5 refers to figure 5 of the block " \
        "on line 11, which showed 2" in stderr
    assert "fig-t-2 refers" not in stderr


@needs_chromium
@pytest.mark.parametrize("width", [1100, 390])
def test_two_figures_side_by_side_in_the_browser(site: Project, width: int) -> None:
    with serve_folder(site.root / "site") as base, \
            browser_page() as (tab, errors, failed, _):
        tab.set_viewport_size({"width": width, "height": 900})
        tab.goto(base + address(site, "subfigures"))
        views = tab.locator("#fig-views")
        views.scroll_into_view_if_needed()
        boxes = []
        for ident in ("#fig-views-1", "#fig-views-2"):
            image = tab.locator(f"{ident} img")
            assert image.evaluate("i => i.decode().then(() => i.naturalWidth)") > 0
            boxes.append(image.bounding_box())
        first, second = boxes
        assert abs(first["y"] - second["y"]) < 2  # one row
        assert first["x"] + first["width"] <= second["x"]  # left, then right, not overlapping
        column = tab.locator(".post-body").bounding_box()
        assert second["x"] + second["width"] <= column["x"] + column["width"] + 1
        caption = tab.locator("#fig-views > figcaption").bounding_box()
        assert caption["y"] > max(b["y"] + b["height"] for b in boxes)  # under both
        assert tab.evaluate("document.documentElement.scrollWidth") <= width  # no overflow
        ARTIFACTS.mkdir(exist_ok=True)
        views.screenshot(path=str(ARTIFACTS / f"quarto-subfigures-{width}.png"))
        assert errors == [] and failed == []
