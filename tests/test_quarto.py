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
