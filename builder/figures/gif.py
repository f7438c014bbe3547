"""Animated GIFs straight from Agg's canvas buffers, through Pillow, with one shared palette.

matplotlib's own PillowWriter renders every frame through ``savefig`` (a full second layout
and draw) and lets Pillow pick a palette per frame. Here each frame is drawn once on the
canvas, its RGBA buffer is read in place, and all frames share one palette chosen from a
sample of them, without dithering: faster, smaller and deterministic.

The palette is written once (no colour table per frame) and keeps its last entry free:
Pillow stores only the rectangle that changed since the previous frame, and inside it marks
the unchanged pixels with that free, transparent index, so long runs of one index compress
well. Frames are drawn at twice the dpi for high-density screens; this is what keeps such
GIFs small and quick to encode.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator
from pathlib import Path

import numpy as np
from PIL import Image

_PALETTE_SAMPLES = 12
_SAMPLE_PIXELS = 3_000_000  # colours are chosen from at most this many pixels
_COLOURS = 255  # the 256th entry, transparent, marks pixels unchanged since the last frame
_UNCHANGED = 255


class Frames:
    """An animation's frames, kept as the first one and then only the rectangle each frame
    changed: an animation costs the memory of its motion, not of its frames times their
    pixels (at twice the dpi, 300 frames of a 6.4 x 4.8 inch figure would be 3.5 GB)."""

    def __init__(self) -> None:
        self.first: np.ndarray | None = None
        self._last: np.ndarray | None = None
        self._changes: list[tuple[int, int, np.ndarray] | None] = []

    def append(self, frame: np.ndarray) -> None:
        if self._last is None:
            self.first, self._last = frame.copy(), frame.copy()
            return
        changed = np.any(frame != self._last, axis=2)
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        if not len(rows):
            self._changes.append(None)
            return
        patch = frame[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].copy()
        self._last[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] = patch
        self._changes.append((int(rows[0]), int(cols[0]), patch))

    def __len__(self) -> int:
        return 0 if self.first is None else 1 + len(self._changes)

    def __iter__(self) -> Iterator[np.ndarray]:
        """Each frame whole, in one buffer that the next frame overwrites."""
        if self.first is None:
            return
        frame = self.first.copy()
        yield frame
        for change in self._changes:
            if change is not None:
                top, left, patch = change
                frame[top : top + patch.shape[0], left : left + patch.shape[1]] = patch
            yield frame


def _sample(frames: Collection[np.ndarray]) -> np.ndarray:
    """Some frames, every k-th pixel of each: their colours, at a bounded cost."""
    step = max(1, len(frames) // _PALETTE_SAMPLES)
    last = len(frames) - 1
    picks = [f.copy() for i, f in enumerate(frames) if i % step == 0 or i == last]
    pixels = sum(f.shape[0] * f.shape[1] for f in picks)
    k = max(1, math.ceil(math.sqrt(pixels / _SAMPLE_PIXELS)))
    return np.concatenate([f[::k, ::k] for f in picks], axis=0)


def shared_palette(frames: Collection[np.ndarray]) -> Image.Image:
    """A palette image for all frames, of 255 colours at most: exact when they use few."""
    sample = _sample(frames)
    packed = (sample[..., 0].astype(np.uint32) << 16) | (sample[..., 1].astype(np.uint32) << 8) \
        | sample[..., 2]
    colours = np.unique(packed)
    if len(colours) <= _COLOURS:
        rgb = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1)
    else:
        quantised = Image.fromarray(np.ascontiguousarray(sample)).quantize(
            colors=_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        rgb = np.array(quantised.getpalette()[: 3 * _COLOURS]).reshape(-1, 3)
    palette = np.zeros((256, 3), dtype=np.uint8)
    palette[: len(rgb)] = rgb
    palette[len(rgb) :] = rgb[-1]  # the rest, the transparent entry too, repeat a used colour
    image = Image.new("P", (1, 1))
    image.putpalette(palette.tobytes())
    return image


def quantized(frames: Collection[np.ndarray]) -> tuple[Image.Image, list[Image.Image]]:
    """The frames on one shared palette (and that palette): what the GIF stores, and what
    the player's WebP stores too, so both show the same pixels."""
    palette = shared_palette(frames)
    # Pillow maps a pixel to the first nearest entry: never to the copies, the transparent one
    return palette, [Image.fromarray(frame).quantize(palette=palette, dither=Image.Dither.NONE)
                     for frame in frames]


def encode_gif(frames: Collection[np.ndarray], duration_ms: int,
               path: Path) -> list[Image.Image]:
    """Write RGB frames (H x W x 3, uint8; a list or ``Frames``) as a looping GIF; return
    them on its palette."""
    palette, images = quantized(frames)
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=frame_ms(duration_ms),
        loop=0,
        disposal=1,  # keep the previous frame: only each frame's changed rectangle is stored
        palette=palette.getpalette(),  # one global colour table
        optimize=True,  # unchanged pixels inside that rectangle become the free index
        transparency=_UNCHANGED,
    )
    return images


def frame_ms(interval: float) -> int:
    """How long a frame shows: the animation's interval, at least 20 ms (browsers show
    shorter GIF frames for 100 ms)."""
    return max(20, int(interval))


def canvas_rgb(figure: object) -> np.ndarray:
    """Draw a figure on its Agg canvas and return its pixels as RGB (copied out of the buffer)."""
    canvas = figure.canvas  # type: ignore[attr-defined]
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    if rgba[..., 3].min() == 255:
        return np.ascontiguousarray(rgba[..., :3])
    # A transparent figure: GIF has no partial transparency, so lay it on white.
    alpha = rgba[..., 3:4].astype(np.float32) / 255
    return np.rint(rgba[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
