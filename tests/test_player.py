"""The player of animated figures: the animated WebP the builder makes beside each GIF, and
the player in Chromium stepping it frame by frame, exactly (the canvas shows the frame the
builder drew and the slider says which), playing, pausing, keys, reduced motion."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.browser import CHROMIUM, browser_page, serve_folder
from tests.conftest import Project

ANIMATION_POST = """
---
title: A bar that moves
date: 2021-05-06
---

The bar steps one place to the right in each frame.

```{python}
#| label: fig-moving
#| fig-cap: "A bar moving right."
#| fig-alt: "An orange bar that moves from the left edge to the right, one place a frame."
import matplotlib.pyplot as plt
from matplotlib.animation import FuncAnimation

fig, ax = plt.subplots(figsize=(3, 1.5))
ax.set_xlim(0, 10)
ax.set_ylim(0, 1)
bar = ax.bar([0.5], [1], width=1, color="tab:orange")[0]

def draw(k):
    bar.set_x(k)
    ax.set_title(f"frame {k}")
    return [bar]

FuncAnimation(fig, draw, frames=10, interval=150)
```

```{python}
#| label: fig-linked
#| fig-link: "https://example.org/bars"
#| fig-alt: "The bar again, linked to where it comes from."
fig, ax = plt.subplots(figsize=(3, 1.5))
ax.set_xlim(0, 3)
bar = ax.bar([0.5], [1], width=1)[0]
FuncAnimation(fig, lambda k: [bar.set_x(k)], frames=3, interval=150)
```
"""
PAGE = "/2021/05/06/a-bar-that-moves/"


def built_post(tmp_path_factory: pytest.TempPathFactory, name: str, text: str) -> Project:
    """A blog of one post, built."""
    project = Project(tmp_path_factory.mktemp("player") / "blog")
    project.post(name, text)
    project.build()
    return project


@pytest.fixture(scope="module")
def animated(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return built_post(tmp_path_factory, "2021-05-06-a-bar-that-moves.md", ANIMATION_POST)


@contextlib.contextmanager
def player_page(project: Project, path: str = PAGE, motion: str = "reduce",
                scheme: str = "light") -> Iterator[tuple[object, list[str], list[str]]]:
    """The post in Chromium, its player ready: (page, console errors, failed requests)."""
    with serve_folder(project.root / "site") as base, \
            browser_page() as (page, errors, failed, _):
        page.emulate_media(reduced_motion=motion, color_scheme=scheme)
        page.goto(base + path)
        wait_state(page, ready=True)
        yield page, errors, failed


def frames_of(path: Path) -> list[np.ndarray]:
    """Every frame of an animated image, whole, as RGB."""
    from PIL import Image, ImageSequence

    with Image.open(path) as image:
        return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(image)]


def published(project: Project, name: str) -> Path:
    return project.root / "site" / PAGE.strip("/") / name


def test_an_animation_gets_the_players_webp_with_the_gifs_pixels(animated: Project) -> None:
    gif, webp = published(animated, "fig-moving.gif"), published(animated, "fig-moving.webp")
    gif_frames, webp_frames = frames_of(gif), frames_of(webp)
    assert len(webp_frames) == len(gif_frames) == 10
    for shown, drawn in zip(webp_frames, gif_frames, strict=True):
        assert np.array_equal(shown, drawn)  # lossless, on the GIF's own palette
    assert not np.array_equal(webp_frames[0], webp_frames[1])
    assert webp.stat().st_size < 0.6 * gif.stat().st_size

    html = animated.page(PAGE.strip("/") + "/index.html")
    assert ('<div class="player">\n<picture>\n'
            '<source srcset="fig-moving.webp" type="image/webp">\n'
            '<img src="fig-moving.gif" alt="An orange bar') in html
    assert "static/player.js" in html
    assert "static/player.js" not in animated.page("index.html")  # only where it plays


def test_the_players_webp_is_the_same_bytes_in_another_process(animated: Project,
                                                               tmp_path: Path) -> None:
    again = Project(tmp_path / "blog")
    again.post("2021-05-06-a-bar-that-moves.md", ANIMATION_POST)
    again.build(env={"PYTHONHASHSEED": "7", "TZ": "Asia/Tokyo"})
    for name in ("fig-moving.webp", "fig-moving.gif"):
        assert published(again, name).read_bytes() == published(animated, name).read_bytes()


def test_a_damaged_player_file_in_the_cache_is_made_again_not_published(
        tmp_path: Path) -> None:
    project = Project(tmp_path / "blog")
    project.post("2021-05-06-a-bar-that-moves.md", ANIMATION_POST)
    project.build()
    good = project.snapshot()
    webp = next(p for p in (project.root / ".cache/figures/objects").rglob("*.webp")
                if p.stat().st_size == published(project, "fig-moving.webp").stat().st_size)
    webp.write_bytes(webp.read_bytes()[:100])
    (project.root / "site").rename(project.root / "old-site")
    explained = project.build("--explain").stderr
    assert "fig-moving: ran (its cached image fig-moving.webp was damaged)" in explained
    assert project.snapshot() == good


browser = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/test installs it)"
)

STATE = """() => {
  const p = document.querySelector('.player');
  const slider = p.querySelector('.player-slider');
  return {ready: p.classList.contains('is-ready'), playing: p.classList.contains('is-playing'),
          frame: p.dataset.frame === undefined ? null : Number(p.dataset.frame),
          slider: Number(slider.value), text: slider.getAttribute('aria-valuetext'),
          play: p.querySelector('.player-play').getAttribute('aria-label')};
}"""
# The canvas's pixels, RGB, row by row (the frame as the reader sees it, before scaling).
PIXELS = """() => {
  const c = document.querySelector('.player canvas');
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const rgb = new Array(c.width * c.height * 3);
  for (let i = 0, j = 0; i < data.length; i += 4) {
    rgb[j++] = data[i]; rgb[j++] = data[i + 1]; rgb[j++] = data[i + 2];
  }
  return {width: c.width, height: c.height, rgb: rgb};
}"""


def shown_frame(page: object, frames: list[np.ndarray]) -> int:
    """Which of the builder's frames the canvas shows: it must be exactly one of them."""
    canvas = page.evaluate(PIXELS)  # type: ignore[attr-defined]
    pixels = np.array(canvas["rgb"], dtype=np.int16).reshape(canvas["height"],
                                                             canvas["width"], 3)
    assert pixels.shape == frames[0].shape
    differences = [np.abs(pixels - f.astype(np.int16)).mean() for f in frames]
    best = int(np.argmin(differences))
    assert differences[best] < 0.5, differences  # the frame as drawn, not a blend or a scale
    return best


def wait_state(page: object, **wanted: object) -> dict:
    conditions = " && ".join(f"s.{key} === {value!r}".replace("True", "true")
                             .replace("False", "false") for key, value in wanted.items())
    page.wait_for_function(  # type: ignore[attr-defined]
        f"() => {{ const s = ({STATE})(); return {conditions}; }}", timeout=10000)
    return page.evaluate(STATE)  # type: ignore[attr-defined]


@browser
def test_the_player_steps_frame_by_frame_and_the_slider_shows_which(animated: Project) -> None:
    frames = frames_of(published(animated, "fig-moving.webp"))
    with player_page(animated) as (page, errors, failed):  # reduced motion: no autoplay
        state = wait_state(page, ready=True, frame=0)  # the first frame, still
        assert not state["playing"] and state["play"] == "Play"
        assert state["slider"] == 0 and state["text"] == "Frame 1 of 10"
        assert shown_frame(page, frames) == 0
        page.wait_for_timeout(400)  # longer than two frames: still the first
        assert page.evaluate(STATE)["frame"] == 0

        page.get_by_role("button", name="Next frame").click()
        wait_state(page, frame=1, slider=1)
        assert shown_frame(page, frames) == 1
        page.get_by_role("button", name="Previous frame").click()
        page.get_by_role("button", name="Previous frame").click()  # wraps to the last
        wait_state(page, frame=9, slider=9)
        assert shown_frame(page, frames) == 9

        slider = page.get_by_role("slider", name="Frame")
        slider.focus()
        page.keyboard.press("Home")
        wait_state(page, frame=0, slider=0)
        for expected in range(1, 6):  # arrow keys on the slider: one frame each
            page.keyboard.press("ArrowRight")
            state = wait_state(page, frame=expected, slider=expected)
            assert shown_frame(page, frames) == expected
        assert state["text"] == "Frame 6 of 10"
        page.keyboard.press(",")
        wait_state(page, frame=4, slider=4)
        page.keyboard.press(".")
        page.keyboard.press(".")
        wait_state(page, frame=6, slider=6)
        assert shown_frame(page, frames) == 6
        page.keyboard.press("End")
        wait_state(page, frame=9, slider=9)
        slider.fill("3")  # dragged there
        wait_state(page, frame=3, slider=3)
        assert shown_frame(page, frames) == 3
        assert errors == [] and failed == []


@browser
def test_play_and_pause_with_the_button_and_the_keyboard(animated: Project) -> None:
    with player_page(animated) as (page, errors, failed):
        wait_state(page, frame=0)
        play = page.locator(".player-play")
        play.click()
        wait_state(page, playing=True, play="Pause")
        wait_state(page, frame=3)  # it moves on by itself, frame after frame
        play.click()
        state = wait_state(page, playing=False, play="Play")
        page.wait_for_timeout(450)  # three frames' time: it stays where it stopped
        assert page.evaluate(STATE)["frame"] == state["frame"]

        page.get_by_role("slider", name="Frame").focus()
        page.keyboard.press("k")
        wait_state(page, playing=True)
        page.keyboard.press(" ")
        wait_state(page, playing=False)
        page.keyboard.press("k")
        wait_state(page, playing=True)
        page.keyboard.press("ArrowRight")  # a step pauses too
        wait_state(page, playing=False)
        assert errors == [] and failed == []


@browser
def test_a_linked_animation_plays_as_an_image_without_controls(animated: Project) -> None:
    with player_page(animated) as (page, errors, failed):
        linked = page.locator("a .player")  # buttons inside a link would be invalid
        assert "is-still" in linked.get_attribute("class")
        assert linked.locator(".player-controls").count() == 0
        assert linked.evaluate("p => getComputedStyle(p).paddingBottom") == "0px"
        assert linked.locator("img").is_visible()
        assert errors == [] and failed == []


@browser
def test_it_plays_by_itself_unless_the_reader_asks_for_less_motion(animated: Project) -> None:
    with player_page(animated, motion="no-preference") as (page, errors, failed):
        wait_state(page, playing=True, play="Pause")
        wait_state(page, frame=4)
        assert errors == [] and failed == []


@browser
def test_without_script_the_animation_plays_as_an_image(animated: Project) -> None:
    with serve_folder(animated.root / "site") as base, \
            browser_page(javascript=False) as (page, _, failed, _):
        page.goto(base + PAGE)
        img = page.locator(".player img").first
        page.wait_for_function("() => document.querySelector('.player img').complete")
        assert img.evaluate("i => i.currentSrc.split('/').pop()") == "fig-moving.webp"
        assert img.is_visible() and page.locator(".player-controls").count() == 0
        # the controls' room is kept: the page is laid out as with script
        assert page.locator(".player").first.evaluate("p => getComputedStyle(p).paddingBottom") \
            != "0px"
        assert failed == []



@browser
def test_the_preview_swaps_an_edited_animation_into_the_player(project: Project) -> None:
    from tests.test_serve import Server

    quiet = ANIMATION_POST.replace("#| label: fig-moving\n", "#| label: fig-moving\n"
                                   "#| echo: false\n")  # an edit then changes only the image
    post = project.post("2021-05-06-a-bar-that-moves.md", quiet)
    server = Server(project)
    try:
        with browser_page() as (page, errors, failed, _):
            page.emulate_media(reduced_motion="reduce")
            page.goto(server.url + PAGE)
            wait_state(page, ready=True, frame=0)
            page.get_by_role("button", name="Next frame").click()
            wait_state(page, frame=1)
            page.evaluate("window.marker = 'kept'")
            post.write_text(quiet.replace('color="tab:orange"', 'color="tab:blue"'))
            blue = ("() => { const c = document.querySelector('.player canvas');"
                    " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                    " for (let i = 0; i < d.length; i += 4)"
                    "   if (d[i] === 31 && d[i + 1] === 119 && d[i + 2] === 180) return true;"
                    " return false; }")
            page.wait_for_function(blue, timeout=60000)  # the new frames, in the player
            assert page.evaluate("window.marker") == "kept"  # the page was not reloaded
            shown = wait_state(page, ready=True)["frame"]
            page.get_by_role("button", name="Next frame").click()
            wait_state(page, frame=shown + 1)  # and it steps them
            assert page.evaluate(blue)
            assert errors == [] and failed == []
    finally:
        server.stop()
