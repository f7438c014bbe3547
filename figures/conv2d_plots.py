"""Figures of the post's 2D part drawn as grids of numbers: every number is computed by
``figures.conv2d``. The photographs' figures are in ``figures.photo_plots``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from figures.conv2d import convolve2d, correlate2d, flip, output_size
from figures.style import KERNEL_CMAP, WINDOW, font_size

WIDTH = 5.6  # inches: 560 CSS px
FONT = font_size(WIDTH)
DIVERGING = {KERNEL_CMAP}


def _grid(ax: plt.Axes, values: np.ndarray, title: str, cmap: str = "Greys",
          shown: np.ndarray | None = None) -> None:
    """A matrix as coloured cells with its numbers; cells not yet ``shown`` stay blank.

    A diverging map is centred on 0 (white) with the same reach both ways; any other map
    runs from 0 (its lightest) to the largest value.
    """
    mask = np.ones_like(values, dtype=bool) if shown is None else shown
    top = float(np.abs(values).max()) or 1.0
    low = -top if cmap in DIVERGING else 0.0
    image = ax.imshow(np.where(mask, values, np.nan), cmap=cmap, vmin=low, vmax=top)
    for (i, j), value in np.ndenumerate(values):
        if mask[i, j]:
            red, green, blue, _ = image.cmap(image.norm(value))
            dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
            ax.text(j, i, f"{value:g}", ha="center", va="center", fontsize=FONT,
                    color="white" if dark else "black")
    _cell_lines(ax, values.shape)
    ax.set_title(title, fontsize=FONT)


def _cell_lines(ax: plt.Axes, shape: tuple[int, ...]) -> None:
    ax.set_xticks(np.arange(shape[1] + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(shape[0] + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="#888888", linewidth=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)


def _products(i: int, j: int, window: np.ndarray, kernel: np.ndarray, total: float) -> str:
    """``output[i, j] = a·b + ...`` with one line per row of the kernel, aligned."""
    head = f"output[{i}, {j}] = "
    rows = [" + ".join(f"{a:g}·{b:g}" for a, b in zip(w, k, strict=True))
            for w, k in zip(window, kernel, strict=True)]
    lines = [head + rows[0]] + [" " * (len(head) - 2) + "+ " + row for row in rows[1:]]
    return "\n".join(lines) + f" = {total:g}"


def animate_sliding(image: np.ndarray, kernel: np.ndarray) -> FuncAnimation:
    """The flipped kernel slides over the image; each output cell is the sum of products."""
    result = convolve2d(image, kernel, "valid")
    flipped = flip(kernel)
    kh, kw = kernel.shape
    fig = plt.figure(figsize=(WIDTH, 3.45), layout="constrained")
    grid = fig.add_gridspec(2, 3, width_ratios=[image.shape[1], kw, result.shape[1]],
                            height_ratios=[image.shape[0], 2.3])
    axes = [fig.add_subplot(grid[0, k]) for k in range(3)]
    words = fig.add_subplot(grid[1, :])
    words.set_axis_off()
    label = words.text(0.0, 0.95, "", fontsize=FONT, family="monospace", va="top",
                       transform=words.transAxes)
    cells = [(i, j) for i in range(result.shape[0]) for j in range(result.shape[1])]

    def draw(step: int) -> tuple:
        i, j = cells[step]
        for ax in axes:
            ax.clear()
        _grid(axes[0], image, "image $I$")
        axes[0].add_patch(Rectangle((j - 0.5, i - 0.5), kw, kh, fill=False, edgecolor=WINDOW,
                                    linewidth=3, zorder=3, antialiased=False))
        _grid(axes[1], flipped, "$K$ flipped", cmap=KERNEL_CMAP)
        shown = np.zeros_like(result, dtype=bool)
        shown.flat[: step + 1] = True
        _grid(axes[2], result, "$I * K$", cmap="Oranges", shown=shown)
        axes[2].add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=WINDOW,
                                    linewidth=3, zorder=3, antialiased=False))
        window = image[i : i + kh, j : j + kw]
        label.set_text(_products(i, j, window, flipped, result[i, j]))
        return (*axes, label)

    return FuncAnimation(fig, draw, frames=len(cells), interval=900)


def plot_borders(size: int = 5, kernel: int = 3) -> Figure:
    """Zero padding for each border mode, and the output size each gives."""
    fig, axes = plt.subplots(2, 2, figsize=(WIDTH, 6.3), layout="constrained")
    panels = [("valid", 1), ("same", 1), ("full", 1), ("same", 2)]
    for ax, (mode, stride) in zip(axes.flat, panels, strict=True):
        pad = {"valid": 0, "same": (kernel - 1) // 2, "full": kernel - 1}[mode]
        padded = np.pad(np.ones((size, size)), pad)
        ax.imshow(padded, cmap="Blues", vmin=0, vmax=1.6)
        for (i, j), value in np.ndenumerate(padded):
            if value == 0:
                ax.text(j, i, "0", ha="center", va="center", fontsize=FONT, color="#666666")
        _cell_lines(ax, padded.shape)
        for k, left in enumerate(range(0, padded.shape[1] - kernel + 1, stride)[:3]):
            ax.add_patch(Rectangle((left - 0.5, -0.5), kernel, kernel, fill=False,
                                   edgecolor=WINDOW, linewidth=3 if k == 0 else 2,
                                   alpha=1 - 0.3 * k, linestyle="-" if k == 0 else "--",
                                   zorder=3, antialiased=False))
            if stride == 1:
                break
        out = output_size(size, kernel, mode, stride)
        name = mode if stride == 1 else f"{mode}, stride {stride}"
        ax.set_title(f"{name}: {out}x{out} out", fontsize=FONT)
    fig.suptitle(f"blue: a {size}x{size} image; 0: zero padding;\norange: the {kernel}x"
                 f"{kernel} kernel, where it starts", fontsize=FONT)
    return fig


def plot_conv_vs_corr() -> Figure:
    """An asymmetric kernel on a single bright pixel: convolution stamps the kernel as it is,
    correlation stamps it turned by 180 degrees."""
    kernel = np.array([[1, 2, 0], [0, 3, 0], [0, 0, 0]], dtype=float)
    impulse = np.zeros((7, 7))
    impulse[3, 3] = 1
    panels = [
        ("kernel $K$", kernel),
        ("image $I$: one pixel", impulse),
        ("convolution $I * K$", convolve2d(impulse, kernel, "same")),
        ("correlation (CNNs)", correlate2d(impulse, kernel, "same")),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(WIDTH, 6.0), layout="constrained")
    for ax, (title, values) in zip(axes.flat, panels, strict=True):
        _grid(ax, values, title, cmap="Greens")
    return fig
