"""Figures drawn for both schemes (``dark-rendering: true``): the dark rendering's
pixels (light axes and text on the dark page's colour, the author's colours kept), its
cache key, the markup the theme toggle swaps, and the page in Chromium following the
reader's scheme, animations' players too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.browser import CHROMIUM
from tests.conftest import Project
from tests.test_player import built_post, frames_of, player_page, shown_frame, wait_state

POST = """
---
title: Both schemes
date: 2021-05-07
execute:
  dark-rendering: true
---

```{python}
#| label: fig-lines
#| fig-alt: "Two lines crossing."
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(4, 3))
ax.plot([0, 1, 2], [0, 1, 0], label="default colour")
ax.plot([0, 1, 2], [1, 0, 1], color="#d9480f", linewidth=4, label="the author's orange")
ax.legend()
ax.set_title("Title")
ax.set_xlabel("x")
```

```{python}
#| label: fig-moving
#| fig-alt: "An orange bar that moves right."
from matplotlib.animation import FuncAnimation

fig, ax = plt.subplots(figsize=(3, 1.5))
ax.set_xlim(0, 10)
bar = ax.bar([0.5], [1], width=1, color="tab:orange")[0]

def draw(k):
    bar.set_x(k)
    return [bar]

FuncAnimation(fig, draw, frames=10, interval=150)
```

```{python}
#| label: fig-light-only
#| dark-rendering: false
#| fig-alt: "A light figure only."
plt.plot([1, 2])
```
"""
PAGE = "2021/05/07/both-schemes/"
BACKGROUND = (0x16, 0x18, 0x1B)  # the theme's dark --bg


@pytest.fixture(scope="module")
def schemes(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return built_post(tmp_path_factory, "2021-05-07-both-schemes.md", POST)


def rgb(project: Project, name: str) -> np.ndarray:
    return frames_of(project.root / "site" / PAGE / name)[0].astype(int)


def test_a_dark_rendering_has_light_axes_and_text_on_the_dark_page(schemes: Project) -> None:
    light, dark = rgb(schemes, "fig-lines.png"), rgb(schemes, "fig-lines-dark.png")
    assert light.shape == dark.shape
    luminance = dark @ np.array([0.2126, 0.7152, 0.0722])
    corner = dark[2, 2]
    assert tuple(corner) == BACKGROUND  # the face is the page's: no frame around it
    # The axes' box: its left spine is the lightest long column of the plot's left part,
    # light on the dark face (on the light page it is the darkest).
    rows = slice(dark.shape[0] // 4, 3 * dark.shape[0] // 4)
    columns = luminance[rows, : dark.shape[1] // 3].mean(axis=0)
    spine = int(np.argmax(columns))
    assert columns[spine] > 120 and luminance[2, 2] < 30
    light_columns = (light @ np.array([0.2126, 0.7152, 0.0722]))[rows, : light.shape[1] // 3]
    assert light_columns.mean(axis=0).min() < 100  # the light one's spine: dark
    # Text (title, ticks, legend): light pixels outside the plotted lines.
    top = luminance[: dark.shape[0] // 10]
    assert (top > 180).sum() > 50  # the title, light on dark
    # The author's own colour stays as it was: the thick orange line in both.
    orange = np.array([0xD9, 0x48, 0x0F])
    for image in (light, dark):
        assert (np.abs(image - orange).sum(axis=2) == 0).sum() > 200


def test_the_page_offers_both_and_the_toggle_markup_names_the_dark_one(schemes: Project) -> None:
    html = schemes.page(PAGE + "index.html")
    assert ('<picture class="schemes">\n<source srcset="fig-lines-dark.png" '
            'media="(prefers-color-scheme: dark)" data-scheme="dark">\n'
            '<img src="fig-lines.png"') in html
    assert ('<div class="player">\n<picture class="schemes">\n'
            '<source srcset="fig-moving-dark.webp" type="image/webp" '
            'media="(prefers-color-scheme: dark)" data-scheme="dark">\n'
            '<source srcset="fig-moving-dark.gif" media="(prefers-color-scheme: dark)" '
            'data-scheme="dark">\n<source srcset="fig-moving.webp" type="image/webp">\n'
            '<img src="fig-moving.gif"') in html
    assert '<img src="fig-light-only.png"' in html and "fig-light-only-dark" not in html
    site = schemes.root / "site" / PAGE
    assert sorted(p.name for p in site.glob("*-dark.*")) == [
        "fig-lines-dark.png", "fig-moving-dark.gif", "fig-moving-dark.webp"]
    dark_frames = frames_of(site / "fig-moving-dark.webp")
    assert len(dark_frames) == 10 and tuple(dark_frames[0][2, 2]) == BACKGROUND


def test_dark_renderings_are_cached_apart_from_the_light_ones(tmp_path: Path) -> None:
    project = Project(tmp_path / "blog")
    post = project.post("2021-05-07-both-schemes.md", POST)
    project.build()
    again = project.build("--explain").stderr
    assert "ran 0 figure blocks (3 cached)" in again and "dark rendering" not in again

    post.write_text(post.read_text().replace("  dark-rendering: true\n",
                                             "  dark-rendering: false\n"))
    light_only = project.build("--explain").stderr
    assert "ran 0 figure blocks (3 cached)" in light_only  # the light ones did not change
    assert not list((project.root / "site" / PAGE).glob("*-dark.*"))
    assert 'class="schemes"' not in project.page(PAGE + "index.html")

    post.write_text(post.read_text().replace("  dark-rendering: false\n",
                                             "  dark-rendering: true\n"))
    back = project.build("--explain").stderr
    assert "ran 0 figure blocks (3 cached)" in back  # both kept in the cache
    assert len(list((project.root / "site" / PAGE).glob("*-dark.*"))) == 3


def test_a_bad_value_is_an_error_at_its_line(project: Project) -> None:
    project.post("2021-05-07-bad.md", "---\ntitle: Bad\n---\n\n```{python}\n"
                 "#| renderings: [dark, dim]\n#| dark-rendering: auto\nprint(1)\n```\n")
    stderr = project.fail()
    assert "posts/2021-05-07-bad.md:6: figure option 'renderings' must be a list of light " \
        "and dark, such as [light, dark], not ['dark', 'dim']" in stderr
    assert "posts/2021-05-07-bad.md:7: figure option 'dark-rendering' must be true or " \
        "false, not 'auto'" in stderr


QUARTO_RENDERINGS = """
---
title: Drawn both ways
---

```{python}
#| label: fig-both
#| renderings: [dark, light]
#| fig-cap: "One figure, drawn by the block for each scheme (Quarto's renderings)."
import matplotlib.pyplot as plt

for style in ("dark_background", "default"):
    with plt.style.context(style):
        plt.figure(figsize=(3, 2))
        plt.plot([1, 3, 2])
        plt.show()
```

```{python}
#| label: fig-three
#| renderings: [light, dark]
for n in range(3):
    plt.figure(figsize=(2, 1))
    plt.plot([n, 0])
```
"""


def test_quartos_renderings_pair_the_figures_the_block_drew(project: Project) -> None:
    project.post("2021-05-09-both-ways.md", QUARTO_RENDERINGS)
    stderr = project.build().stderr
    html = project.page("2021/05/09/both-ways/index.html")
    # the block drew dark first, then light, as its option says: one figure, two renderings
    assert ('<picture class="schemes">\n<source srcset="fig-both.png" '
            'media="(prefers-color-scheme: dark)" data-scheme="dark">\n'
            '<img src="fig-both-2.png"') in html
    assert html.count("<img") == 4  # fig-both once; fig-three's three, as they were
    site = project.root / "site" / "2021/05/09/both-ways"
    assert frames_of(site / "fig-both.png")[0][2, 2].sum() == 0  # the dark one: black
    assert frames_of(site / "fig-both-2.png")[0][2, 2].sum() == 3 * 255
    assert "posts/2021-05-09-both-ways.md:20: warning: renderings names 2 schemes but the " \
        "block showed 3 images: they are shown as they are" in stderr


browser = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/test installs it)"
)
SHOWN = "() => document.querySelector('img[alt=\"Two lines crossing.\"]').currentSrc"


@browser
def test_the_readers_scheme_picks_the_rendering_and_the_toggle_swaps_it(
        schemes: Project) -> None:
    site = schemes.root / "site" / PAGE
    light_frames = frames_of(site / "fig-moving.webp")
    dark_frames = frames_of(site / "fig-moving-dark.webp")
    with player_page(schemes, "/" + PAGE, scheme="dark") as (page, errors, failed):
        page.wait_for_function(f"() => ({SHOWN})().endsWith('fig-lines-dark.png')")
        wait_state(page, frame=0)
        page.get_by_role("button", name="Next frame").click()
        wait_state(page, frame=1)
        assert shown_frame(page, dark_frames) == 1  # the player steps the dark frames

        page.locator(".theme-toggle").click()  # light chosen on a dark system
        page.wait_for_function(f"() => ({SHOWN})().endsWith('/fig-lines.png')")
        page.wait_for_function(  # the player took the light WebP, on the same frame
            "() => document.querySelector('.player img').currentSrc.endsWith('/fig-moving.webp')")
        page.wait_for_function("() => { const c = document.querySelector('.player canvas');"
                               " const p = c.getContext('2d').getImageData(2, 2, 1, 1).data;"
                               " return p[0] > 200; }")
        assert shown_frame(page, light_frames) == 1
        page.locator(".theme-toggle").click()
        page.wait_for_function(f"() => ({SHOWN})().endsWith('fig-lines-dark.png')")
        assert errors == [] and failed == []


def test_a_block_that_fails_says_so_once_and_a_mismatch_is_a_warning(project: Project) -> None:
    project.post("2021-05-08-fails.md", """
        ---
        title: Fails
        execute:
          dark-rendering: true
        ---

        ```{python}
        import matplotlib.pyplot as plt
        plt.plot([1, 2])
        1 / 0
        ```
        """)
    stderr = project.fail()
    assert stderr.count("posts/2021-05-08-fails.md:10: ZeroDivisionError") == 1, stderr

    project.post("2021-05-08-fails.md", """
        ---
        title: Fails
        execute:
          dark-rendering: true
        ---

        ```{python}
        import matplotlib.pyplot as plt
        plt.plot([1, 2])
        if plt.rcParams["figure.facecolor"] != "white":  # one more figure in the dark
            plt.figure()
            plt.plot([2, 1])
        ```
        """)
    stderr = project.build().stderr
    assert "posts/2021-05-08-fails.md:7: warning: drawn for the dark scheme the block " \
        "showed 2 figures, not 1: its figures have no dark rendering" in stderr
    assert 'class="schemes"' not in project.page("2021/05/08/fails/index.html")
