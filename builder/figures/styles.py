"""The dark scheme's matplotlib style: what a block's figures are drawn again under when it
asks for ``dark-rendering: true`` (``schemes.py`` plans those runs).

The block runs again from the top under these rcParams (the worker applies them before the
first block of the job), rather than its finished figures being re-coloured afterwards:
only a fresh run knows which colours came from the style (black text, axes, ticks: they
follow these settings) and which the author chose (``color="#d9480f"``, a colour map: they
stay as they are), and an animation's frame function draws new artists on every frame.

The face is the theme's dark page (``style.css``: ``--bg``), so the figure sits on the page
without a frame; text, axes, ticks and legend take the theme's dark text colours. The colour
cycle and colour maps are kept: the author's colours mean the same in both schemes.
"""

from __future__ import annotations

from builder.fsutil import digest

BACKGROUND = "#16181b"  # style.css: the dark scheme's --bg
TEXT = "#e6e6e3"  # its --text
MUTED = "#a3a7ab"  # its --muted: axes' edges, ticks
FAINT = "#3d4247"  # grid lines and frames: seen, never louder than the data

DARK_STYLE: dict[str, object] = {
    "figure.facecolor": BACKGROUND,
    "figure.edgecolor": BACKGROUND,
    "savefig.facecolor": "auto",  # the figure's own
    "savefig.edgecolor": "auto",
    "axes.facecolor": BACKGROUND,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": TEXT,
    "axes.titlecolor": "auto",  # text.color
    "text.color": TEXT,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": TEXT,
    "ytick.labelcolor": TEXT,
    "grid.color": FAINT,
    "legend.facecolor": "inherit",  # the axes'
    "legend.edgecolor": FAINT,
    "legend.labelcolor": "None",  # text.color
    "patch.edgecolor": TEXT,
    "hatch.color": TEXT,
    "boxplot.boxprops.color": TEXT,
    "boxplot.whiskerprops.color": TEXT,
    "boxplot.capprops.color": TEXT,
    "boxplot.flierprops.color": TEXT,
    "boxplot.flierprops.markeredgecolor": TEXT,
}

# In the cache key of every dark rendering: a change of the style draws them all again.
DARK_DIGEST = digest(repr(sorted(DARK_STYLE.items())).encode())
