"""The flagship post's figures read well where they are shown: on a laptop and on a phone."""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from builder.config import FigureSettings
from builder.figures.capture import save_static
from tests import flagship

BLOCKS = {block.label: block for block in flagship.blocks()}


@pytest.mark.parametrize("label", sorted(BLOCKS))
def test_every_text_is_at_least_11_px_on_a_laptop_and_a_phone(label: str) -> None:
    small = []
    for natural, texts in flagship.texts_of(BLOCKS[label]):
        assert texts, "no text drawn: the recording missed it"
        for device, (window, column) in flagship.COLUMNS.items():
            for text in texts:
                size = text.shown(natural, column)
                if size < flagship.MIN_TEXT_PX:
                    small.append(f"{text.text!r} at {text.where}: {size:.1f} px on a "
                                 f"{window} px {device} window")
    assert not small, f"{label}: {len(small)} texts too small:\n" + "\n".join(small[:20])


HUES = {"red": 0, "orange": 30, "yellow": 60, "green": 120, "blue": 220, "purple": 280}


def colour_name(rgb: np.ndarray, names: tuple[str, str]) -> str:
    """'white', or which of the legend's two colour ``names`` this colour's hue is nearer."""
    hue, saturation, value = colorsys.rgb_to_hsv(*(np.asarray(rgb) / 255))
    if saturation < 0.03 and value > 0.9:
        return "white"  # (compression moves white by a level or two)

    def distance(name: str) -> float:
        turn = abs(hue * 360 - HUES[name]) % 360
        return min(turn, 360 - turn)

    return min(names, key=distance)


def test_kernel_insets_are_coloured_as_their_legend_says(tmp_path: Path) -> None:
    """Sample each inset cell of the published image (WebP, 2x) away from its number, and
    check negative, zero and positive cells against the legend's 'X < 0 < Y', and that a
    larger value is a stronger colour."""
    block = BLOCKS["fig-filters"]
    (fig,), _ = flagship.run(block)
    settings = FigureSettings()
    dpi = settings.dpi * settings.retina
    fig.set_dpi(dpi)
    with flagship.recording() as texts:
        fig.canvas.draw()
    legend = next(t.text for t in texts if " < 0 < " in t.text)
    negative, positive = re.search(r"(\w+) < 0 < (\w+)", legend).groups()
    shown = flagship.box(fig, crop=True)  # the image is the figure's tight box
    path = tmp_path / block.options["file"]
    save_static(fig, path, "webp", settings.dpi, settings.retina, True, settings.quality)
    pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)
    assert abs(pixels.shape[1] - shown.width * dpi) <= 1
    insets = [child for ax in fig.axes for child in ax.child_axes
              if child.get_label() == "kernel"]
    assert len(insets) == 5  # box, Gaussian, sharpen, Sobel x and y
    for inset in insets:
        kernel = np.asarray(inset.images[0].get_array())
        faint = 0.1 * np.abs(kernel).max()  # this close to 0, white is right too
        strength = {}
        for (i, j), value in np.ndenumerate(kernel):
            x, y = inset.transData.transform((j - 0.3, i - 0.3))  # a cell's corner, not its number
            row, col = round(shown.y1 * dpi - y), round(x - shown.x0 * dpi)
            colour = pixels[row - 1 : row + 2, col - 1 : col + 2].mean(axis=(0, 1))
            expected = {negative if value < 0 else positive if value > 0 else "white"}
            if abs(value) < faint:
                expected.add("white")
            name = colour_name(colour, (negative, positive))
            assert name in expected, (kernel.shape, (i, j), value, colour)
            strength[(i, j)] = 765 - colour.sum()  # how far from white
        for weak in strength:  # clearly larger (by a fifth of the largest): clearly stronger
            for strong in strength:
                if abs(kernel[strong]) - abs(kernel[weak]) > 2 * faint:
                    assert strength[strong] > strength[weak], (kernel, weak, strong)
    plt.close("all")
