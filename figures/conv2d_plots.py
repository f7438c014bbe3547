"""Figures of the post's 2D part: every number drawn is computed by ``figures.conv2d``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from figures.conv2d import (
    BOX,
    SHARPEN,
    SOBEL_X,
    SOBEL_Y,
    convolve2d,
    correlate2d,
    flip,
    gaussian,
    max_pool,
    output_size,
    receptive_field,
    relu,
)

WINDOW = "#d9480f"
CELL = "#1f6fb4"


def _grid(ax: plt.Axes, values: np.ndarray, title: str, cmap: str = "Blues",
          shown: np.ndarray | None = None, fmt: str = "{:g}") -> None:
    """A matrix as coloured cells with its numbers; cells not yet ``shown`` stay blank."""
    mask = np.ones_like(values, dtype=bool) if shown is None else shown
    limit = max(1.0, float(np.abs(values).max()))
    image = ax.imshow(np.where(mask, values, np.nan), cmap=cmap, vmin=-limit, vmax=limit)
    for (i, j), value in np.ndenumerate(values):
        if mask[i, j]:
            red, green, blue, _ = image.cmap(image.norm(value))
            dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
            ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=9,
                    color="white" if dark else "black")
    ax.set_xticks(np.arange(values.shape[1] + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(values.shape[0] + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="#888888", linewidth=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_title(title, fontsize=10)


def animate_sliding(image: np.ndarray, kernel: np.ndarray) -> FuncAnimation:
    """The flipped kernel slides over the image; each output cell is the sum of products."""
    result = convolve2d(image, kernel, "valid")
    flipped = flip(kernel)
    kh, kw = kernel.shape
    fig, axes = plt.subplots(1, 3, figsize=(8.4, 3.4), width_ratios=[image.shape[1], kw,
                                                                       result.shape[1]],
                             layout="constrained")
    cells = [(i, j) for i in range(result.shape[0]) for j in range(result.shape[1])]
    label = fig.suptitle("", fontsize=10)

    def draw(step: int) -> tuple:
        i, j = cells[step]
        for ax in axes:
            ax.clear()
        _grid(axes[0], image, "image $I$", cmap="Greys")
        axes[0].add_patch(Rectangle((j - 0.5, i - 0.5), kw, kh, fill=False, edgecolor=WINDOW,
                                    linewidth=2.5))
        _grid(axes[1], flipped, "kernel, flipped", cmap="PuOr")
        shown = np.zeros_like(result, dtype=bool)
        shown.flat[: step + 1] = True
        _grid(axes[2], result, "$I * K$", cmap="Oranges", shown=shown)
        axes[2].add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=WINDOW,
                                    linewidth=2.5))
        window = image[i : i + kh, j : j + kw]
        terms = " + ".join(f"{a:g}·{b:g}" for a, b in zip(window.flat, flipped.flat,
                                                           strict=True))
        label.set_text(f"output[{i}, {j}] = {terms} = {result[i, j]:g}")
        return (*axes, label)

    return FuncAnimation(fig, draw, frames=len(cells), interval=700)


def plot_borders(size: int = 5, kernel: int = 3) -> Figure:
    """Zero padding for each border mode, and the output size each gives."""
    modes = ("valid", "same", "full")
    fig, axes = plt.subplots(1, 4, figsize=(9.6, 3.0), layout="constrained")
    image = np.ones((size, size))
    for ax, mode in zip(axes, modes, strict=False):
        pad = {"valid": 0, "same": (kernel - 1) // 2, "full": kernel - 1}[mode]
        padded = np.pad(image, pad)
        ax.imshow(padded, cmap="Blues", vmin=0, vmax=1.6)
        for (i, j), value in np.ndenumerate(padded):
            if value == 0:
                ax.text(j, i, "0", ha="center", va="center", fontsize=8, color="#777777")
        ax.add_patch(Rectangle((-0.5, -0.5), kernel, kernel, fill=False, edgecolor=WINDOW,
                               linewidth=2))
        out = output_size(size, kernel, mode)
        ax.set_title(f"{mode}: {out}x{out} out", fontsize=10)
        ax.set_axis_off()
    strided = output_size(size, kernel, "same", stride=2)
    ax = axes[3]
    ax.imshow(np.pad(image, 1), cmap="Blues", vmin=0, vmax=1.6)
    for k, (i, j) in enumerate([(0, 0), (0, 2), (0, 4)]):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), kernel, kernel, fill=False,
                               edgecolor=WINDOW, linewidth=2, alpha=1 - 0.3 * k))
    ax.set_title(f"same, stride 2: {strided}x{strided} out", fontsize=10)
    ax.set_axis_off()
    fig.suptitle(f"a {size}x{size} image (blue), zero padding (0) and a {kernel}x{kernel} "
                 "kernel (orange)", fontsize=10)
    return fig


def photo_rgb() -> np.ndarray:
    """Grace Hopper, from matplotlib's sample data: red, green, blue from 0 to 1."""
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as file:
        return plt.imread(file).astype(float) / 255


def photo() -> np.ndarray:
    """The photograph in grey levels from 0 to 1."""
    return photo_rgb() @ np.array([0.299, 0.587, 0.114])


def plot_filters(image: np.ndarray) -> Figure:
    """The photograph through classic kernels, each shown beside its result."""
    gx = convolve2d(image, SOBEL_X, "same")
    gy = convolve2d(image, SOBEL_Y, "same")
    panels = [
        ("original", image, None),
        ("box blur (5x5)", convolve2d(image, BOX, "same"), BOX),
        ("Gaussian blur (7x7, $\\sigma = 1.5$)", convolve2d(image, gaussian(), "same"), gaussian()),
        ("sharpen", np.clip(convolve2d(image, SHARPEN, "same"), 0, 1), SHARPEN),
        ("Sobel x", gx, SOBEL_X),
        ("Sobel y", gy, SOBEL_Y),
        ("gradient magnitude", np.hypot(gx, gy), None),
    ]
    fig, axes = plt.subplots(2, 4, figsize=(10, 6.2), layout="constrained")
    for ax, (title, result, kernel) in zip(axes.flat, panels, strict=False):
        signed = title.startswith("Sobel")
        ax.imshow(result, cmap="RdBu" if signed else "gray",
                  vmin=-np.abs(result).max() if signed else 0,
                  vmax=np.abs(result).max() if signed else max(1.0, result.max()))
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
        if kernel is not None:
            inset = ax.inset_axes([0.0, 0.0, 0.3, 0.3])
            inset.imshow(kernel, cmap="PuOr", vmin=-np.abs(kernel).max(),
                         vmax=np.abs(kernel).max())
            inset.set_xticks([])
            inset.set_yticks([])
    axes.flat[-1].set_axis_off()
    axes.flat[-1].text(0.0, 0.5, "Insets: each kernel\n(purple < 0 < orange).\n"
                       "The image is convolved\nwith zero padding ('same').",
                       fontsize=10, va="center")
    return fig


def plot_conv_vs_corr() -> Figure:
    """An asymmetric kernel on a single bright pixel: convolution stamps the kernel as it is,
    correlation stamps it turned by 180 degrees."""
    kernel = np.array([[1, 2, 0], [0, 3, 0], [0, 0, 0]], dtype=float)
    impulse = np.zeros((7, 7))
    impulse[3, 3] = 1
    panels = [
        ("kernel K", kernel),
        ("image: one pixel", impulse),
        ("convolution I * K", convolve2d(impulse, kernel, "same")),
        ("correlation (what CNNs compute)", correlate2d(impulse, kernel, "same")),
    ]
    fig, axes = plt.subplots(1, 4, figsize=(10, 2.9), layout="constrained")
    for ax, (title, values) in zip(axes, panels, strict=True):
        _grid(ax, values, title, cmap="Greens")
    return fig


def plot_layer(rgb: np.ndarray) -> Figure:
    """One convolutional layer by hand: three input channels, a bank of two kernels, feature
    maps, ReLU and 2x2 max pooling; then how far one pixel sees as layers stack."""
    channels = [rgb[..., k] for k in range(3)]
    names = ("red channel", "green channel", "blue channel")
    bank = {"vertical edges": SOBEL_X, "horizontal edges": SOBEL_Y}
    fig = plt.figure(figsize=(10, 6.4), layout="constrained")
    grid = fig.add_gridspec(3, 5)
    for row, (name, channel) in enumerate(zip(names, channels, strict=True)):
        ax = fig.add_subplot(grid[row, 0])
        ax.imshow(channel, cmap="gray")
        ax.set_title(name, fontsize=9)
        ax.set_axis_off()
    for row, (name, kernel) in enumerate(bank.items()):
        # a kernel of a layer spans every input channel; here the same 3x3 on each
        feature = sum(correlate2d(c, kernel, "same") for c in channels)
        for col, (title, values) in enumerate(
            [(f"{name}: feature map", feature), ("ReLU", relu(feature)),
             ("2x2 max pool", max_pool(relu(feature)))], start=1,
        ):
            ax = fig.add_subplot(grid[row, col])
            ax.imshow(values, cmap="magma")
            ax.set_title(title, fontsize=9)
            ax.set_axis_off()
    ax = fig.add_subplot(grid[2, 1:4])
    layers = [(3, 1), (3, 1), (2, 2), (3, 1), (3, 1), (2, 2), (3, 1)]
    names = ["conv", "conv", "pool", "conv", "conv", "pool", "conv"]
    fields = receptive_field(layers)
    ax.bar(range(1, len(fields) + 1), fields, color=CELL)
    ax.set_xticks(range(1, len(fields) + 1), names, fontsize=8)
    for x, field in enumerate(fields, start=1):
        ax.text(x, field + 0.3, f"{field}x{field}", ha="center", fontsize=8)
    ax.set_ylabel("receptive field (pixels)", fontsize=9)
    ax.set_title("what one output pixel sees, layer after layer", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
