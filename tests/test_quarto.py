"""Quarto-style posts, one per behaviour, built once: what each becomes in the page.

The posts are in ``tests/quarto/posts``, written for these tests the way people write
Quarto documents and notebooks. Posts that must fail a build are written inline below.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import Project, typeset

FIXTURE = Path(__file__).parent / "quarto"


@pytest.fixture
def site(quarto_site: Project) -> Project:
    return quarto_site


def page(site: Project, day: str, slug: str) -> str:
    return site.page(f"2021/03/{day}/{slug}/index.html")


def pixels(site: Project, day: str, slug: str, name: str) -> np.ndarray:
    data = (site.root / f"site/2021/03/{day}/{slug}" / name).read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("L"))


def images(html: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', html)


def test_figures_are_saved_tight_so_labels_are_never_cut(site: Project) -> None:
    tight = pixels(site, "01", "tight-xlabel", "fig-wave.png")
    canvas = pixels(site, "01", "tight-xlabel", "fig-canvas.png")
    assert canvas.shape == (600, 1200)  # 6 x 3 in at 100 dpi, twice for sharp screens
    assert canvas[-1].min() < 128  # on the bare canvas the x label runs off the bottom
    # tight: the label is inside, with the 0.1 in (20 px at 2x) white margin below it
    assert tight[-12:].min() == 255
    ink = np.nonzero(tight.min(axis=1) < 128)[0]
    assert tight.shape[0] - ink[-1] < 30
    assert tight.shape[1] < canvas.shape[1]  # the empty margin left and right is gone
    html = page(site, "01", "tight-xlabel")
    height, width = tight.shape
    assert f'src="fig-wave.png" alt="A sine wave." width="{width // 2}" height="{height // 2}"' \
        in html


def test_plt_show_ends_a_figure(site: Project) -> None:
    html = page(site, "02", "show-ends-a-figure")
    assert images(html) == ["figure-1.png", "figure-1-2.png", "figure-2.png", "figure-2-2.png"]
    first = pixels(site, "02", "show-ends-a-figure", "figure-1.png")
    second = pixels(site, "02", "show-ends-a-figure", "figure-1-2.png")
    assert first.shape == second.shape and not np.array_equal(first, second)
    assert "non-interactive" not in html and "cannot be shown" not in html


def test_a_closed_animation_is_the_authors_and_an_open_one_animates(site: Project) -> None:
    html = page(site, "03", "closed-animation")
    assert "saved" in html
    assert images(html) == ["fig-moving.gif"]  # nothing for the closed figure
    with Image.open(site.root / "site/2021/03/03/closed-animation/fig-moving.gif") as gif:
        assert gif.n_frames == 6
        bottom = np.asarray(gif.convert("L"))[-8:]
        assert bottom.min() > 240  # white (less palette rounding): the label fits in the box


def test_a_drawing_error_names_the_line_and_error_true_shows_it(site: Project) -> None:
    html = page(site, "04", "drawing-error-shown")
    assert "line 11, in &lt;module&gt;" in html  # the plt.title line, not the fence
    assert "plt.title(r&quot;$\\frac{1}{$&quot;)" in html
    assert "ValueError: bad TeX in the text &#x27;$\\frac{1}{$&#x27;" in html
    assert "still running" in html


def test_a_drawing_error_fails_the_build_at_its_line(project: Project) -> None:
    project.post("2021-03-04-bad.md", "---\ntitle: Bad\n---\n```{python}\n"
                 "import matplotlib.pyplot as plt\nplt.plot([1])\n"
                 "plt.title(r'$\\frac{1}{$')\nplt.xlabel('fine')\n```\n")
    stderr = project.fail()
    assert "\nposts/2021-03-04-bad.md:7: ValueError: bad TeX in the text '$\\frac{1}{$': " \
        "ParseSyntaxException" in stderr, stderr
    assert "exited with code" not in stderr


def test_a_drawing_error_at_show_names_the_text_too(project: Project) -> None:
    project.post("2021-03-04-bad.md", "---\ntitle: Bad\n---\n```{python}\n"
                 "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n"
                 "ax.set_ylabel('$x^$')\nplt.show()\n```\n")
    assert "\nposts/2021-03-04-bad.md:7: ValueError: bad TeX in the text '$x^$'" in project.fail()


def outputs(html: str) -> list[str]:
    """The cells' outputs, in page order, as (class, text) with markup stripped."""
    found = re.findall(r'<(?:pre|div) class="cell-output ([\w-]+)">(.*?)</(?:pre|div)>', html,
                       re.S)
    return [f"{kind}: {re.sub(r'<[^>]+>', '', text).strip()}" for kind, text in found]


def cells(html: str) -> list[str]:
    """Each figure block's HTML (up to the next block or the end of the post)."""
    end = html.index('<nav class="post-nav"')
    starts = [m.start() for m in re.finditer(r'<div class="cell[ "]', html)]
    return [html[a:b] for a, b in zip(starts, [*starts[1:], end], strict=True)]


def test_the_last_value_is_shown_unless_silenced(site: Project) -> None:
    html = page(site, "05", "shown-values")
    blocks = cells(html)
    assert outputs(blocks[0]) == ["cell-output-display: 2"]
    assert outputs(blocks[1]) == outputs(blocks[2]) == []  # ';' silences, even 'total;'
    assert outputs(blocks[3]) == ["cell-output-stdout: printed first"]  # None shows nothing
    assert outputs(blocks[4]) == ["cell-output-display: &#x27;hello&#x27;"]
    listed = outputs(blocks[5])[0]
    assert listed.startswith("cell-output-display: [0,\n 1,") or "\n" in listed  # wrapped
    assert outputs(blocks[6]) == ["cell-output-display: &lt;__main__.Point object at 0x…&gt;"]
    assert outputs(blocks[7]) == [] and "Text(" not in blocks[7]  # plt.title's value
    assert images(blocks[7]) == ["figure-8.png"]


def test_a_dataframe_is_an_html_table(site: Project) -> None:
    html = page(site, "06", "dataframe")
    first = cells(html)[0]
    assert '<div class="cell-output cell-output-display">' in first
    assert '<table border="1" class="dataframe">' in first
    assert "<th>kernel</th>" in first and "<td>gaussian</td>" in first
    assert "<pre" not in first.split("</code></pre>", 1)[1]  # no text repr beside it
    assert outputs(cells(html)[1])[0].startswith("cell-output-stdout: kernel  size  sum")


def test_the_rich_display_protocol_in_order(site: Project) -> None:
    html = page(site, "07", "rich-display")
    shown = outputs(html)
    assert shown[0] == "cell-output-stdout: first, printed"
    assert shown[1] == "cell-output-display: second, HTML"
    assert '<span class="badge">second, HTML</span>' in html
    assert shown[2].startswith("cell-output-display: A bold note with math")
    assert '<strong>bold</strong> note with math: <span class="math"><mjx-container' in html
    euler, total = typeset(html)  # the math it showed, typeset with the post's
    assert euler[1].startswith("<msup><mi>e</mi>")
    assert shown[3] == "cell-output-stdout: then printed again"
    assert images(html) == ["figure-1.svg"]  # the SVG, between the printed text and the math
    svg = (site.root / "site/2021/03/07/rich-display/figure-1.svg").read_text()
    assert "<circle" in svg
    assert '<img src="figure-1.svg" alt="" width="40" height="40"' in html
    assert shown[4].startswith("cell-output-display: ") and "<mfrac>" in total[1]
    assert shown[5] == "cell-output-display: from a bundle"  # Markdown wins over plain text
    assert shown[6] == "cell-output-display: the last value"
    assert html.index("figure-1.svg") < html.rindex("\u2211")  # after the code, in order
    assert "static/mathjax/chtml.css" in html  # the page has the math the block displayed


def test_ipython_display_objects(site: Project) -> None:
    html = page(site, "08", "ipython-display")
    first, second = cells(html)
    assert "IPython.core.display" not in html
    assert "Some <em>Markdown</em> from <code>IPython.display</code>." in first
    integral, gamma = typeset(first)
    assert integral[1].startswith('<mstyle displaystyle="true" scriptlevel="0"><msubsup>')
    assert "<em>raw HTML</em>" in first
    assert gamma == ("inline", "<mi>\u03b3</mi>")
    assert outputs(second) == ["cell-output-stdout: step 2 of 3"]


def test_matplotlib_inline_magic_and_warnings(site: Project) -> None:
    first, second = cells(page(site, "09", "magics-and-warnings"))
    assert images(first) == ["figure-1.png"]
    assert outputs(second) == [
        "cell-output-stderr: posts/2021-03-09-magics-and-warnings.md:16: UserWarning: this is "
        "deprecated\n  warnings.warn(&quot;this is deprecated&quot;)",
        "cell-output-stdout: done",
    ]


def test_other_magics_name_their_line(project: Project) -> None:
    project.post("2021-03-09-m.md", "---\ntitle: M\n---\n```{python}\nx = 1\n%run helper.py\n"
                 "!pip install numpy\n```\n")
    stderr = project.fail()
    assert "\nposts/2021-03-09-m.md:6: IPython magic '%run' cannot run here: blocks are plain " \
        "Python" in stderr
    assert "SyntaxError" not in stderr


def sources(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "posts").rglob("*")) if p.is_file()}


def test_blocks_run_in_the_posts_folder(site: Project) -> None:
    html = page(site, "10", "post-folder")
    first, second, third = cells(html)
    assert outputs(second) == []
    assert outputs(first) == ["cell-output-stdout: 4 rows, last value 0.125; pattern (8, 8)"]
    folder = site.root / "site/2021/03/10/post-folder"
    with Image.open(folder / "decay.gif") as gif:
        assert gif.n_frames == 4
    assert (folder / "decay.svg").read_text().lstrip().startswith("<?xml")
    assert '<img src="decay.gif" alt="The decay, animated by hand"' in html
    assert not (folder / "scratch-notes.txt").exists()  # written but not shown
    assert outputs(third) == ["cell-output-stdout: overwritten"]  # the later block's view
    # the author's folder is as it was: nothing written into it, nothing overwritten
    assert sources(site.root) == sources(FIXTURE)


def test_what_a_block_reads_in_its_folder_is_a_dependency(project: Project) -> None:
    project.write("posts/data/values.csv", "1\n2\n")
    post = project.post("2021-03-10-r.md", "---\ntitle: R\n---\n```{python}\n"
                        "import numpy as np\nprint(np.loadtxt('data/values.csv').sum())\n```\n")
    project.build()
    assert "3.0" in project.page("2021/03/10/r/index.html")
    project.write("posts/data/values.csv", "5\n5\n")
    result = project.build("--explain")
    assert "posts/2021-03-10-r.md:4: block-1: ran (posts/data/values.csv changed)" \
        in result.stderr
    assert "10.0" in project.page("2021/03/10/r/index.html")
    post.write_text(post.read_text() + "\nMore prose.\n")
    assert "block-1: cached" in project.build("--explain").stderr
    # nothing the block wrote or read is left in the project outside .cache and site
    assert sorted(p.name for p in (project.root / "posts").rglob("*")) == [
        "2021-03-10-r.md", "data", "values.csv"]


def test_written_files_come_from_the_cache_too(project: Project) -> None:
    post = project.post("2021-03-10-w.md", "---\ntitle: W\n---\n![](out/table.csv)\n\n"
                        "```{python}\nimport os, numpy as np\nos.makedirs('out', exist_ok=True)\n"
                        "np.savetxt('out/table.csv', [1, 2])\n```\n")
    project.build()
    written = project.root / "site/2021/03/10/w/out/table.csv"
    assert written.read_text().startswith("1.0")
    post.write_text(post.read_text().replace("![](out/table.csv)", "[table](out/table.csv)"))
    assert "block-1: cached" in project.build("--explain").stderr
    assert written.read_text().startswith("1.0")
    post.write_text(post.read_text().replace("[table](out/table.csv)", "No link."))
    project.build()
    assert not written.exists()  # no longer referred to: no longer published


def test_how_the_code_is_shown(site: Project) -> None:
    fenced, folded, wrapped = cells(page(site, "11", "code-options"))
    assert "```{python}\n" in fenced and "#| output: false" in fenced
    assert "echo: fenced" not in fenced  # Quarto leaves that one line out
    assert outputs(fenced) == []
    assert folded.startswith('<div class="cell worked-example">')
    assert '<details class="cell-code" open><summary>Show the arithmetic</summary>' in folded
    assert '<pre class="highlight numbered">' in folded
    assert folded.count('<span class="code-line') == 3
    assert '<span class="code-line marked"><span class="n">b</span>' in folded
    assert '<pre class="highlight code-wrap">' in wrapped


def test_which_outputs_are_shown(site: Project) -> None:
    html = page(site, "12", "output-options")
    assert "not shown" not in html and "secret = 42" not in html  # include: false
    blocks = cells(html)
    assert len(blocks) == 5
    assert "print" in blocks[0] and outputs(blocks[0]) == []  # output: false
    assert '<h3 id="printed-as-a-heading">Printed as a heading' in blocks[1]  # asis
    assert "<td>3</td>\n<td>9</td>" in blocks[1] and "<pre class=\"cell-output" not in blocks[1]
    assert outputs(blocks[2]) == ["cell-output-stdout: the result"]  # warning: false
    shown = outputs(blocks[3])  # message: false keeps the warning, hides the message
    assert len(shown) == 1 and "UserWarning: a shown warning" in shown[0]
    assert "ValueError: invalid literal for int() with base 10" in blocks[4]  # error: true


def test_document_options_are_every_blocks_defaults(site: Project) -> None:
    first, second = cells(page(site, "13", "document-defaults"))
    assert "<pre class=\"highlight" not in first  # echo: false from the front matter
    assert outputs(first) == ["cell-output-stdout: from a block with no options"]
    assert '<details class="cell-code">' in second  # echo: true here, folded by format: html
    assert 'width="300" height="200"' in second  # fig-width/fig-height from format: html


def test_unknown_options_are_warnings_naming_their_line(site: Project) -> None:
    stderr = site.stderr  # type: ignore[attr-defined]
    post = "posts/2021-03-14-unknown-options.md"
    assert f"{post}:7: warning: unknown figure option 'colour' is ignored" in stderr
    assert f"{post}:8: warning: unknown figure option 'tooltip' is ignored" in stderr
    assert outputs(page(site, "14", "unknown-options")) == ["cell-output-stdout: built anyway"]


def test_every_mistake_of_every_post_in_one_run(project: Project) -> None:
    project.post("2021-03-15-a.md", "---\ntitle: A\n---\n```{python}\n#| echo: maybe\n"
                 "#| fig-align: middle\n#| unknown: 1\npass\n```\n\n```{python}\n"
                 "#| layout-ncol: -2\npass\n```\n")
    project.post("2021-03-15-b.md", "---\ntitle: B\n---\n```{python}\n1 / 0\n```\n")
    project.post("2021-03-15-c.md", "---\ntitle: [broken\n---\n")
    stderr = project.fail()
    for expected in (
        "posts/2021-03-15-a.md:5: figure option 'echo' must be true, false or fenced, not "
        "'maybe'",
        "posts/2021-03-15-a.md:6: figure option 'fig-align' must be default, left, right or "
        "center, not 'middle'",
        "posts/2021-03-15-a.md:12: figure option 'layout-ncol' must be a number above 0",
        "posts/2021-03-15-b.md:5: ZeroDivisionError: division by zero",
        "posts/2021-03-15-c.md:2: front matter:",
    ):
        assert "\n" + expected in "\n" + stderr, expected


def test_site_and_front_matter_defaults_are_checked(project: Project) -> None:
    project.write("site.toml", "[execute]\necho = false\nlabel = 'x'\n\n[format.html]\n"
                  "code-fold = 'show'\n\n[format.pdf]\nfig-width = 5\n")
    project.post("2021-03-16-d.md", "---\ntitle: D\nexecute:\n  warning: maybe\n  output: asis\n"
                 "---\n```{python}\nprint('*printed*')\n```\n")
    stderr = project.fail()
    assert "posts/2021-03-16-d.md:4: figure option 'warning' must be true or false" in stderr
    assert "site.toml:3: warning: 'label' is not a figure option that can be set for every " \
        "block" in stderr
    assert "site.toml:8: warning: [format.pdf] is ignored" in stderr
    project.post("2021-03-16-d.md", "---\ntitle: D\nexecute:\n  output: asis\n"
                 "---\n```{python}\nprint('*printed*')\n```\n")
    project.build()
    html = project.page("2021/03/16/d/index.html")
    assert "<em>printed</em>" in html and "<pre class=\"highlight" not in html
    project.write("site.toml", "[execute]\necho = 'loud'\n")
    assert "site.toml:2: figure option 'echo' must be true, false or fenced" in project.fail()


def test_engine_markdown_shows_blocks_without_running_them(project: Project) -> None:
    project.post("2021-03-16-e.md", "---\ntitle: E\nengine: markdown\njupyter: julia-1.9\n---\n"
                 "```{python}\nthis is not run(\n```\n")
    result = project.build()
    assert "posts/2021-03-16-e.md:4: warning: jupyter kernel 'julia-1.9' is not available" \
        in result.stderr
    assert "<span class=\"n\">run</span>" in project.page("2021/03/16/e/index.html")


def test_a_figure_block_that_draws_nothing_is_a_warning(project: Project) -> None:
    project.post("2021-03-16-f.md", "---\ntitle: F\n---\n```{python}\n#| label: fig-empty\n"
                 "#| fig-cap: Nothing here.\nx = 1\n```\n")
    result = project.build()
    assert "posts/2021-03-16-f.md:4: warning: the block is a figure (a fig- label or fig-cap) " \
        "but showed no image" in result.stderr
