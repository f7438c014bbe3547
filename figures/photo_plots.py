"""Figures of the post's 2D part on a photograph: classic filters and a convolutional layer.

Signed values (kernels, edge responses, feature maps) share one diverging colour map,
``KERNEL_CMAP`` (blue < 0 < red), so a colour means the same thing in every panel.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from figures.conv2d import (
    BOX,
    SHARPEN,
    SOBEL_X,
    SOBEL_Y,
    convolve2d,
    correlate2d,
    gaussian,
    max_pool,
    receptive_field,
    relu,
)
from figures.style import CELL, KERNEL_CMAP, font_size

WIDTH = 5.0  # inches: 500 CSS px, two photographs side by side
FONT = font_size(WIDTH)
LEGEND = "blue < 0 < red"


def photo_rgb() -> np.ndarray:
    """Grace Hopper, from matplotlib's sample data: red, green, blue from 0 to 1."""
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as file:
        return plt.imread(file).astype(float) / 255


def photo() -> np.ndarray:
    """The photograph in grey levels from 0 to 1."""
    return photo_rgb() @ np.array([0.299, 0.587, 0.114])


def _signed(ax: plt.Axes, values: np.ndarray) -> None:
    """Signed values centred on white, reaching as far each way."""
    top = float(np.abs(values).max()) or 1.0
    ax.imshow(values, cmap=KERNEL_CMAP, vmin=-top, vmax=top)


def _kernel_inset(ax: plt.Axes, kernel: np.ndarray) -> None:
    """The kernel in the corner of its result: colours, cell lines, and the numbers when
    they fit (3x3)."""
    inset = ax.inset_axes([0.0, 0.0, 0.34, 0.34 * ax.bbox.width / ax.bbox.height
                           if ax.bbox.height else 0.34])
    inset.set_label("kernel")
    _signed(inset, kernel)
    top = float(np.abs(kernel).max())
    if kernel.shape[0] <= 3:
        for (i, j), value in np.ndenumerate(kernel):
            inset.text(j, i, f"{value:g}", ha="center", va="center", fontsize=FONT,
                       color="white" if abs(value) > 0.6 * top else "black")
    inset.set_xticks(np.arange(kernel.shape[1] + 1) - 0.5, minor=True)
    inset.set_yticks(np.arange(kernel.shape[0] + 1) - 0.5, minor=True)
    inset.grid(which="minor", color="#777777", linewidth=0.5)
    inset.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    for spine in inset.spines.values():
        spine.set_edgecolor("white")
        spine.set_linewidth(2)


def _colour_key(ax: plt.Axes) -> None:
    """The legend panel: what the colours mean, with a strip of the map itself."""
    ax.set_axis_off()
    ax.text(0.0, 1.0, f"Kernels (insets) and\nSobel responses:\n{LEGEND}.\nEach kernel is "
            "scaled\nto its largest value.\nBorders: zero padding.", fontsize=FONT,
            va="top", transform=ax.transAxes, linespacing=1.35)
    strip = ax.inset_axes([0.0, 0.05, 0.9, 0.1])
    strip.imshow(np.linspace(-1, 1, 256)[None, :], cmap=KERNEL_CMAP, aspect="auto")
    strip.set_xticks([0, 127.5, 255], ["< 0", "0", "> 0"], fontsize=FONT)
    strip.set_yticks([])


def plot_filters(image: np.ndarray) -> Figure:
    """The photograph through classic kernels, each kernel in the corner of its result."""
    gx = convolve2d(image, SOBEL_X, "same")
    gy = convolve2d(image, SOBEL_Y, "same")
    blur = gaussian()
    panels = [
        ("original", image, None),
        ("box blur: 5x5, each 1/25", convolve2d(image, BOX, "same"), BOX),
        ("Gaussian: 7x7, $\\sigma = 1.5$", convolve2d(image, blur, "same"), blur),
        ("sharpen", np.clip(convolve2d(image, SHARPEN, "same"), 0, 1), SHARPEN),
        ("Sobel x", gx, SOBEL_X),
        ("Sobel y", gy, SOBEL_Y),
        ("gradient magnitude", np.hypot(gx, gy), None),
    ]
    height = WIDTH / 2 * image.shape[0] / image.shape[1]
    fig, axes = plt.subplots(4, 2, figsize=(WIDTH, 4 * height + 1.0), layout="constrained")
    fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02, wspace=0.02, hspace=0.02)
    for ax, (title, result, kernel) in zip(axes.flat, panels, strict=False):
        if title.startswith("Sobel"):
            _signed(ax, result)
        else:
            ax.imshow(result, cmap="gray", vmin=0, vmax=max(1.0, result.max()))
        ax.set_title(title, fontsize=FONT, pad=3)
        ax.set_axis_off()
        if kernel is not None:
            _kernel_inset(ax, kernel)
    _colour_key(axes.flat[-1])
    return fig


def plot_layer(rgb: np.ndarray) -> Figure:
    """One convolutional layer by hand: three input channels, a bank of two kernels (each
    spanning all three channels), feature maps, ReLU and 2x2 max pooling."""
    channels = [rgb[..., k] for k in range(3)]
    bank = {"vertical edges": SOBEL_X, "horizontal edges": SOBEL_Y}
    height = WIDTH / 3 * rgb.shape[0] / rgb.shape[1]
    fig, axes = plt.subplots(3, 3, figsize=(WIDTH, 3 * height + 0.75), layout="constrained")
    for ax, name, channel in zip(axes[0], ("red", "green", "blue"), channels, strict=True):
        ax.imshow(channel, cmap="gray", vmin=0, vmax=1)
        ax.set_title(name, fontsize=FONT, pad=3)
    for row, kernel in enumerate(bank.values(), start=1):
        # a kernel of a layer spans every input channel; here the same 3x3 on each
        feature = sum(correlate2d(c, kernel, "same") for c in channels)
        top = float(np.abs(feature).max())
        _signed(axes[row, 0], feature)
        axes[row, 1].imshow(relu(feature), cmap="Reds", vmin=0, vmax=top)
        axes[row, 2].imshow(max_pool(relu(feature)), cmap="Reds", vmin=0, vmax=top)
    for ax, title in zip(axes[1], ("feature map", "ReLU", "2x2 max pool"), strict=True):
        ax.set_title(title, fontsize=FONT, pad=3)
    for ax, name in zip(axes[:, 0], ("input", *bank), strict=True):
        ax.text(-0.05, 0.5, name, rotation=90, ha="right", va="center", fontsize=FONT,
                transform=ax.transAxes)
    for ax in axes.flat:
        ax.set_axis_off()
    return fig


def plot_receptive_field() -> Figure:
    """How many input pixels one output pixel sees, layer after layer."""
    layers = [(3, 1), (3, 1), (2, 2), (3, 1), (3, 1), (2, 2), (3, 1)]
    names = ["conv", "conv", "pool", "conv", "conv", "pool", "conv"]
    fields = receptive_field(layers)
    fig, ax = plt.subplots(figsize=(WIDTH, 2.9), layout="constrained")
    ax.bar(range(1, len(fields) + 1), fields, color=CELL)
    ax.set_xticks(range(1, len(fields) + 1), names, fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    for x, field in enumerate(fields, start=1):
        ax.text(x, field + 0.5, f"{field}x{field}", ha="center", fontsize=FONT)
    ax.set_ylim(0, max(fields) * 1.18)
    ax.set_ylabel("pixels seen (side)", fontsize=FONT)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
