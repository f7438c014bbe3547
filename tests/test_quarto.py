"""Quarto-style posts, one per behaviour, built once: what each becomes in the page.

The posts are in ``tests/quarto/posts``, written for these tests the way people write
Quarto documents and notebooks. Posts that must fail a build are written inline below.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import Project

FIXTURE = Path(__file__).parent / "quarto"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("quarto") / "blog"
    shutil.copytree(FIXTURE, root)
    project = Project(root)
    project.build()
    return project


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
    end = html.index('<nav class="post-nav">')
    starts = [m.start() for m in re.finditer(r'<div class="cell"[ >]', html)]
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
    assert '<strong>bold</strong> note with math: <span class="math">\\(e^{i\\pi} + 1 = 0\\)' \
        in html
    assert shown[3] == "cell-output-stdout: then printed again"
    assert images(html) == ["figure-1.svg"]  # the SVG, between the printed text and the math
    svg = (site.root / "site/2021/03/07/rich-display/figure-1.svg").read_text()
    assert "<circle" in svg
    assert '<img src="figure-1.svg" alt="" width="40" height="40"' in html
    assert shown[4] == "cell-output-display: \\(\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}\\)"
    assert shown[5] == "cell-output-display: from a bundle"  # Markdown wins over plain text
    assert shown[6] == "cell-output-display: the last value"
    assert html.index("figure-1.svg") < html.rindex("\\sum_")  # after the code, in order
    assert "<script" in html  # the page loads MathJax for the math the block displayed


def test_ipython_display_objects(site: Project) -> None:
    html = page(site, "08", "ipython-display")
    first, second = cells(html)
    assert "IPython.core.display" not in html
    assert "Some <em>Markdown</em> from <code>IPython.display</code>." in first
    assert "\\(\\displaystyle \\int_0^1 x\\,dx = \\tfrac{1}{2}\\)" in first
    assert "<em>raw HTML</em>" in first
    assert "\\(\\gamma\\)" in first
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
