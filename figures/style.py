"""What the post's figures share: text that stays legible on a phone, and one colour code.

A figure ``w`` inches wide is an image of ``100 w`` CSS pixels (100 dpi, drawn at 2x, shown at
1x). In the theme's column it is shown at that size on a laptop (716 px column) and scaled
down to 352 px on a phone, text and all. ``font_size(w)`` is the smallest type that still
reads at 11 px there; ``tests/test_flagship_figures.py`` measures every text drawn.
"""

from __future__ import annotations

import math

DPI = 100
PHONE_COLUMN = 352  # CSS px: the default theme's column in a 390 px wide phone
SMALLEST = 11  # CSS px: no text of a figure is shown smaller
PAD = 0.1  # inches the saved image's tight box may add on each side (build-site's fig-crop)

KERNEL_CMAP = "RdBu_r"  # kernels and signed responses: blue < 0 (white) < red
WINDOW = "#d9480f"  # the kernel's window over the image: orange
CELL = "#1f6fb4"  # the image's pixels: blue


def font_size(width: float) -> float:
    """Points, rounded up to a half, for text at least ``SMALLEST`` px on a phone."""
    scale = min(1.0, PHONE_COLUMN / ((width + 2 * PAD) * DPI))
    return math.ceil(SMALLEST / scale * 72 / DPI * 2) / 2


def on_dark() -> bool:
    """Whether the figure being drawn has a dark face: build-site draws the post's figures
    a second time, for the dark scheme, with a dark style (``renderings: [light, dark]``)."""
    import matplotlib

    red, green, blue = matplotlib.colors.to_rgb(matplotlib.rcParams["figure.facecolor"])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.5


def ink() -> str:
    """What is drawn in black on white (the convolution's curve): light on a dark face."""
    return "#e6e6e3" if on_dark() else "#222222"


def muted() -> str:
    """Secondary marks (arrows): grey that reads on either face."""
    return "#a3a7ab" if on_dark() else "#555555"


def faint() -> str:
    """Grid lines: just visible, never louder than the data."""
    return "#2e3237" if on_dark() else "#eeeeee"
