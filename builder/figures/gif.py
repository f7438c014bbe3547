"""Animated GIFs straight from Agg's canvas buffers, through Pillow, with one shared palette.

matplotlib's own PillowWriter renders every frame through ``savefig`` (a full second layout
and draw) and lets Pillow pick a palette per frame. Here each frame is drawn once on the
canvas, its RGBA buffer is read in place, and all frames share one palette chosen from a
sample of them, without dithering: faster, smaller (Pillow then stores only the changed
rectangle of each frame), and deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

_PALETTE_SAMPLES = 12


def shared_palette(frames: Sequence[np.ndarray]) -> Image.Image:
    """A 256-colour palette image for all frames: exact when they use few colours."""
    step = max(1, len(frames) // _PALETTE_SAMPLES)
    sample = np.concatenate([*list(frames[::step]), frames[-1]], axis=0)
    packed = (sample[..., 0].astype(np.uint32) << 16) | (sample[..., 1].astype(np.uint32) << 8) \
        | sample[..., 2]
    colours = np.unique(packed)
    if len(colours) <= 256:
        rgb = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1)
        palette = np.zeros((256, 3), dtype=np.uint8)
        palette[: len(rgb)] = rgb
        palette[len(rgb) :] = rgb[-1]
        image = Image.new("P", (1, 1))
        image.putpalette(palette.astype(np.uint8).tobytes())
        return image
    return Image.fromarray(sample).quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )


def encode_gif(frames: Sequence[np.ndarray], duration_ms: int, path: Path) -> None:
    """Write RGB frames (H x W x 3, uint8) as a looping GIF."""
    palette = shared_palette(frames)
    images = [
        Image.fromarray(frame).quantize(palette=palette, dither=Image.Dither.NONE)
        for frame in frames
    ]
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=max(20, int(duration_ms)),
        loop=0,
        disposal=1,  # keep the previous frame: only each frame's changed rectangle is stored
    )


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
