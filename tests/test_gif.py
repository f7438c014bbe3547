"""The GIF encoder against matplotlib's own writer: same frames, faster, no larger."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from PIL import Image, ImageSequence

from builder.figures.capture import animation_frames
from builder.figures.gif import encode_gif


def make_animation() -> FuncAnimation:
    fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
    x = np.linspace(0, 2 * np.pi, 200)
    (line,) = ax.plot(x, np.sin(x))
    ax.set_ylim(-1.2, 1.2)

    def step(i: int) -> tuple:
        line.set_ydata(np.sin(x + i / 5))
        ax.set_title(f"frame {i}")
        return (line,)

    return FuncAnimation(fig, step, frames=12, interval=100)


def frames_of(path: Path) -> list[np.ndarray]:
    with Image.open(path) as image:
        return [np.asarray(f.convert("RGB"), dtype=float) for f in ImageSequence.Iterator(image)]


def test_frames_match_matplotlibs_writer(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.gif", tmp_path / "theirs.gif"
    anim = make_animation()
    encode_gif(animation_frames(anim, 100, 1000, 1, crop=False), anim._interval, ours)
    plt.close("all")
    make_animation().save(theirs, writer="pillow", fps=10)
    plt.close("all")
    a, b = frames_of(ours), frames_of(theirs)
    assert len(a) == len(b) == 12
    for frame_a, frame_b in zip(a, b, strict=True):
        assert frame_a.shape == frame_b.shape == (200, 300, 3)
        assert np.mean(np.abs(frame_a - frame_b)) < 3.0  # palette rounding only
    assert ours.stat().st_size <= theirs.stat().st_size
    with Image.open(ours) as image:
        assert image.info["loop"] == 0 and image.info["duration"] == 100


def test_encoding_is_deterministic(tmp_path: Path) -> None:
    anim = make_animation()
    frames = animation_frames(anim, 100, 1000, 1)
    encode_gif(frames, 100, tmp_path / "a.gif")
    encode_gif(frames, 100, tmp_path / "b.gif")
    assert (tmp_path / "a.gif").read_bytes() == (tmp_path / "b.gif").read_bytes()
    plt.close("all")


def test_many_colours_use_one_quantised_palette(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, size=(40, 60, 3), dtype=np.uint8) for _ in range(5)]
    encode_gif(frames, 50, tmp_path / "noise.gif")
    with Image.open(tmp_path / "noise.gif") as image:
        assert image.n_frames == 5 and image.size == (60, 40)


def test_transparent_figures_are_laid_on_white(tmp_path: Path) -> None:
    from builder.figures.gif import canvas_rgb

    fig = plt.figure(figsize=(1, 1), dpi=20)
    fig.patch.set_alpha(0)
    pixels = canvas_rgb(fig)
    assert pixels.shape == (20, 20, 3) and pixels.min() == 255  # an empty, clear figure
    plt.close(fig)


def test_frames_decode_as_drawn_with_255_colours(tmp_path: Path) -> None:
    """The palette keeps its 256th entry for 'unchanged': no pixel drawn ever takes it, so
    none shows an older frame through (Pillow maps colours to the palette to within a few
    levels: it looks colours up at 6 bits per channel)."""
    rng = np.random.default_rng(1)
    colours = rng.permutation(256)[:255, None].repeat(3, axis=1).astype(np.uint8)
    first = colours[rng.integers(0, 255, size=(60, 80))]
    frames = [first]
    for k in range(1, 4):  # each frame changes a patch; the rest stays as it was
        frame = frames[-1].copy()
        frame[10 * k : 10 * k + 12, 5 * k : 5 * k + 30] = colours[-k]
        frames.append(frame)
    encode_gif(frames, 50, tmp_path / "exact.gif")
    decoded = frames_of(tmp_path / "exact.gif")
    assert len(decoded) == 4
    for ours, drawn in zip(decoded, frames, strict=True):
        assert np.abs(ours - drawn).max() <= 3


def test_frames_are_kept_as_what_changed() -> None:
    from builder.figures.gif import Frames

    rng = np.random.default_rng(2)
    background = rng.integers(0, 256, size=(300, 400, 3), dtype=np.uint8)
    drawn, frames = [], Frames()
    for k in range(20):  # a dot moving over a busy, still background; one frame repeated
        frame = background.copy()
        frame[100 + k : 110 + k, 10 * k : 10 * k + 10] = (255, 0, 0)
        for _ in range(2 if k == 5 else 1):
            drawn.append(frame)
            frames.append(frame)
    assert len(frames) == len(drawn) == 21
    for kept, original in zip(frames, drawn, strict=True):
        np.testing.assert_array_equal(kept, original)
    stored = sum(change[2].nbytes for change in frames._changes if change)
    assert stored < 20 * 11 * 20 * 3  # each change is at most 11 rows by 20 columns
