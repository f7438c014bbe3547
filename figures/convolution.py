"""Continuous and discrete 1D convolution, computed and drawn for the flagship post.

Every curve is computed: a ``Signal`` is a function of x, the convolution is a numerical
integral on a fine grid (the midpoint rule, which is exact for the boxes drawn here),
and each animation traces ``(f * g)(t)`` from the same numbers a reader could check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

from figures.style import faint, font_size, ink, muted

F_COLOUR = "#1f6fb4"  # f: blue
G_COLOUR = "#d9480f"  # g and its flipped, shifted copies: orange
AREA_COLOUR = "#f2c94c"  # the product f(x) g(t - x): yellow, as in Wikipedia's figures
STEP = 1 / 200  # grid spacing: fine enough for smooth curves, exact at the boxes' edges
FRAMES = 60
INTERVAL_MS = 80
WIDTH, HEIGHT = 5.0, 2.8  # inches: 500 CSS px wide
FONT = font_size(WIDTH)
LABELLED = (-0.15, 2.75)  # room above the signals for an animation's running label


@dataclass(frozen=True)
class Signal:
    """A real function of x, with the algebra the post uses: scaling, flipping, shifting."""

    func: Callable[[np.ndarray], np.ndarray]
    name: str

    def __call__(self, x: np.ndarray | float) -> np.ndarray:
        return self.func(np.asarray(x, dtype=float))

    def __mul__(self, factor: float) -> Signal:
        return Signal(lambda x: factor * self.func(x), f"{factor:g}{self.name}")

    __rmul__ = __mul__

    def flipped(self) -> Signal:
        """``x -> g(-x)``: the mirror image in the vertical axis."""
        return Signal(lambda x: self.func(-x), f"{self.name}'")

    def shifted(self, t: float) -> Signal:
        """``x -> g(x - t)``: moved right by ``t``."""
        return Signal(lambda x: self.func(x - t), f"{self.name}(x - t)")


def box(a: float, b: float) -> Signal:
    """1 on (a, b), 0 outside, and 1/2 at the two jumps (the usual convention in signal
    processing, where a jump's value is the mean of its two sides)."""

    def func(x: np.ndarray) -> np.ndarray:
        inside = ((x > a) & (x < b)).astype(float)
        edges = np.isclose(x, a) | np.isclose(x, b)
        return np.where(edges, 0.5, inside)

    return Signal(func, "box")


def spike(decay: float = 3.0, length: float = 1.0) -> Signal:
    """Jumps to 1 at x = 0, then decays exponentially until ``length``: a "spiky" function."""

    def func(x: np.ndarray) -> np.ndarray:
        inside = (x > 0) & (x < length)
        value = np.where(inside, np.exp(-decay * np.clip(x, 0, None)), 0.0)
        return np.where(np.isclose(x, 0) | np.isclose(x, length),
                        0.5 * np.exp(-decay * np.clip(x, 0, None)), value)

    return Signal(func, "spike")


def grid(lo: float = -3.0, hi: float = 3.0, step: float = STEP) -> np.ndarray:
    """Sample points symmetric around 0 with an exact ``step``, so grids line up under shifts."""
    n_lo, n_hi = round(lo / step), round(hi / step)
    return np.arange(n_lo, n_hi + 1) * step


def midpoints(lo: float = -3.0, hi: float = 3.0, step: float = STEP) -> np.ndarray:
    """Centres of the grid's cells: where the integrals sample their integrands.

    The midpoint rule never samples a jump of a box whose edges lie on the grid, so for
    such boxes it is exact at every ``t`` on the grid: the product ``f(x) g(t - x)`` is
    constant on each cell, and the cell's centre sees that constant.
    """
    n_lo, n_hi = round(lo / step), round(hi / step)
    return (np.arange(n_lo, n_hi) + 0.5) * step


def convolution_at(f: Signal, g: Signal, t: float, x: np.ndarray | None = None) -> float:
    """``(f * g)(t) = ∫ f(x) g(t - x) dx``, by the midpoint rule over the cells of ``x``."""
    x = grid() if x is None else x
    step = x[1] - x[0]
    centres = midpoints(x[0], x[-1], step)
    return float(np.sum(f(centres) * g(t - centres)) * step)


def convolve(f: Signal, g: Signal, x: np.ndarray) -> np.ndarray:
    """``(f * g)`` on the whole grid ``x = grid(-L, L)`` at once, with ``numpy.convolve``.

    The discrete convolution of the midpoint samples, times the step, is the midpoint rule
    for every ``t`` at once: index ``k + 2n - 1`` of the full result is ``t = x[k]``.
    """
    step = x[1] - x[0]
    n = (len(x) - 1) // 2
    centres = midpoints(x[0], x[-1], step)
    full = np.convolve(f(centres), g(centres), mode="full") * step
    return full[n - 1 : 3 * n]


# --- drawing -------------------------------------------------------------------------------


def _axes(width: float = WIDTH, height: float = HEIGHT,
          xlim: tuple[float, float] = (-2.5, 2.5),
          ylim: tuple[float, float] = (-0.15, 2.3)) -> tuple[Figure, plt.Axes]:
    """Axes for the signals; animations pass a taller ``ylim`` to keep their label clear."""
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.axhline(0, color="#999999", linewidth=0.8, zorder=0)
    ax.axvline(0, color="#999999", linewidth=0.8, zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlabel("$x$", fontsize=FONT, labelpad=0)
    ax.tick_params(labelsize=FONT)
    ax.grid(True, color=faint(), linewidth=0.6)
    return fig, ax


def _legend(ax: plt.Axes) -> None:
    """One row above the plot, where nothing that moves can run into it."""
    ax.figure.legend(loc="outside upper center", ncols=len(ax.get_legend_handles_labels()[0]),
                     frameon=False, fontsize=FONT, handlelength=1.5, columnspacing=1.2)


def _label(ax: plt.Axes) -> plt.Text:
    """The changing text of an animation (the shift, the area), top left."""
    return ax.text(0.02, 0.97, "", transform=ax.transAxes, fontsize=FONT, va="top")


def plot_signals(xlim: tuple[float, float] = (-2.5, 2.5), **signals: Signal) -> Figure:
    """The signals, each in its colour, labelled by its keyword (``f=…, g=…``)."""
    fig, ax = _axes(xlim=xlim)
    x = grid(*xlim)
    colours = [F_COLOUR, G_COLOUR, ink()]  # the convolution (f * g): black
    for k, ((name, signal), colour) in enumerate(zip(signals.items(), colours, strict=False)):
        # the first on top: where f and g share an edge, both still show
        plot_signal(ax, x, signal, color=colour, linewidth=2.2, label=f"${name}(x)$",
                zorder=3 + len(signals) - k)
    _legend(ax)
    return fig


def plot_flip(g: Signal) -> Figure:
    """``g`` faded, and its mirror image ``g'(x) = g(-x)`` drawn over it."""
    fig, ax = _axes()
    x = grid(-2.5, 2.5)
    plot_signal(ax, x, g, color=G_COLOUR, linewidth=1.5, alpha=0.35, linestyle="--",
            label="$g(x)$")
    plot_signal(ax, x, g.flipped(), color=G_COLOUR, linewidth=2.2, label="$g'(x) = g(-x)$")
    ax.annotate("", xy=(-0.5, 1.0), xytext=(0.5, 1.0),
                arrowprops={"arrowstyle": "->", "color": muted(), "linewidth": 1.2})
    _legend(ax)
    return fig


def is_steps(signal: Signal, x: np.ndarray) -> bool:
    """Piecewise constant on ``x`` (a box, not a curve): its jumps are the only changes."""
    return np.count_nonzero(np.diff(signal(x))) <= 0.02 * len(x)


def crisp(artist: Any, steps: bool = True) -> Any:
    """No antialiasing for a moving artist whose edges are vertical or horizontal: there it
    adds no smoothness, only in-between shades that change every frame and cost an animation
    a quarter of its bytes. (A curve keeps it: ``steps=False``.)"""
    if steps:
        artist.set_antialiased(False)
    return artist


def moving_line(ax: plt.Axes, steps: bool, **style: Any) -> Any:
    """A line for a moving signal; a piecewise-constant one is drawn as exact steps, crisp."""
    (line,) = ax.plot([], [], drawstyle="steps-mid" if steps else "default", **style)
    return crisp(line, steps)


def plot_signal(ax: plt.Axes, x: np.ndarray, signal: Signal, **style: Any) -> Any:
    """A still signal; a piecewise-constant one as exact steps (vertical edges)."""
    y = signal(x)
    if is_steps(signal, x):
        return ax.plot(*as_steps(x, y), drawstyle="steps-mid", **style)[0]
    return ax.plot(x, y, **style)[0]


def as_steps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Samples for a ``steps-mid`` line: without a jump's in-between value (a box is 1/2 at
    its edges), so each jump is one vertical edge at that sample, not two a pixel apart."""
    middle = (y[1:-1] != y[:-2]) & (y[1:-1] != y[2:])
    keep = np.concatenate([[True], ~middle, [True]])
    return x[keep], y[keep]


def _sweep(t0: float, t1: float, frames: int = FRAMES) -> np.ndarray:
    """Shift values for the frames: there and back, so the loop has no jump."""
    half = np.linspace(t0, t1, frames // 2)
    return np.concatenate([half, half[::-1]])


def animate_shift(g: Signal, t0: float = -1.5, t1: float = 1.5) -> FuncAnimation:
    """``g'(x - t)`` sliding with ``t``; a marker shows where ``t`` is."""
    fig, ax = _axes(ylim=LABELLED)
    x = grid(-2.5, 2.5)
    flipped = g.flipped()
    plot_signal(ax, x, flipped, color=G_COLOUR, linewidth=1.2, alpha=0.3, linestyle="--",
            label="$g'(x)$")
    steps = is_steps(g, x)
    line = moving_line(ax, steps, color=G_COLOUR, linewidth=2.2, label="$g'(x - t)$")
    (marker,) = ax.plot([], [], "v", color=ink(), markersize=8)
    label = _label(ax)
    _legend(ax)
    ts = _sweep(t0, t1)

    def draw(i: int) -> tuple:
        t = ts[i]
        y = flipped.shifted(t)(x)
        line.set_data(*(as_steps(x, y) if steps else (x, y)))
        marker.set_data([t], [-0.08])
        label.set_text(f"$t = {t:+.2f}$")
        return line, marker, label

    return FuncAnimation(fig, draw, frames=len(ts), interval=INTERVAL_MS, blit=False)


def _shade_product(ax: plt.Axes, f: Signal, g: Signal, t: float, x: np.ndarray,
                   shaded: list) -> None:
    """Replace last frame's shading with the area under ``f(x) g(t - x)`` for this ``t``."""
    for artist in shaded:
        artist.remove()
    shaded.clear()
    product = f(x) * g(t - x)
    area = ax.fill_between(x, product, color=AREA_COLOUR, alpha=0.8, linewidth=0)
    shaded.append(crisp(area, np.count_nonzero(np.diff(product)) <= 0.02 * len(x)))


def overlap(f: Signal, g: Signal, t: float, x: np.ndarray) -> tuple[float, float] | None:
    """``[a, b]``: where ``f(x)`` and ``g(t - x)`` are both non-zero, if anywhere."""
    both = (np.abs(f(x)) > 0) & (np.abs(g(t - x)) > 0)
    if not both.any():
        return None
    return float(x[both][0]), float(x[both][-1])


def animate_overlap(f: Signal, g: Signal, t0: float = -1.0, t1: float = 2.0) -> FuncAnimation:
    """``f`` and the flipped, shifted ``g``; the area under their product over ``[a, b]``."""
    fig, ax = _axes(ylim=LABELLED)
    x = grid(-2.5, 2.5)
    plot_signal(ax, x, f, color=F_COLOUR, linewidth=2.2, label="$f(x)$")
    steps = is_steps(g, x)
    line = moving_line(ax, steps, color=G_COLOUR, linewidth=2.2, label="$g'(x - t)$")
    label = _label(ax)
    _legend(ax)
    ts = _sweep(t0, t1)
    shaded: list = []

    def draw(i: int) -> tuple:
        t = ts[i]
        _shade_product(ax, f, g, t, x, shaded)
        y = g(t - x)
        line.set_data(*(as_steps(x, y) if steps else (x, y)))
        span = overlap(f, g, t, x)
        if span:
            a, b = span
            for end, name in ((a, "a"), (b, "b")):
                shaded.append(ax.axvline(end, color="#777777", linewidth=0.8, linestyle=":"))
                shaded.append(ax.text(end, 2.12, f"${name}$", ha="center", va="bottom",
                                      fontsize=FONT))
        area = convolution_at(f, g, t, x)
        label.set_text(f"$t = {t:+.2f}$,  $\\mathrm{{area}} = {area:.2f}$")
        return (line, label, *shaded)

    return FuncAnimation(fig, draw, frames=len(ts), interval=INTERVAL_MS)


def animate_discrete(f: Signal, g: Signal, step: float = 0.25, t0: float = -1.0,
                     t1: float = 2.0) -> FuncAnimation:
    """The discrete version: samples ``f[i]`` and ``g[t - i]``; the sum of their products."""
    fig, ax = _axes(ylim=LABELLED)
    x = np.arange(round(-2.5 / step), round(2.5 / step) + 1) * step
    fine = grid(-2.5, 2.5)
    ts = np.round(_sweep(t0, t1) / step) * step  # the discrete shift moves sample by sample
    f_stems = ax.stem(x - step * 0.12, f(x), linefmt=F_COLOUR, markerfmt="o", basefmt=" ",
                      label="$f[i]$")
    f_stems.markerline.set_color(F_COLOUR)
    plot_signal(ax, fine, f, color=F_COLOUR, linewidth=0.8, alpha=0.3)
    g_stems = ax.stem(x + step * 0.12, g(-x), linefmt=G_COLOUR, markerfmt="s", basefmt=" ",
                      label="$g[t - i]$")
    g_stems.markerline.set_color(G_COLOUR)
    crisp(g_stems.stemlines)  # stems are vertical; the markers stay smooth
    bars = ax.bar(x, np.zeros_like(x), width=step * 0.8, color=AREA_COLOUR, alpha=0.8,
                  zorder=0, label="$f[i]\\,g[t - i]$")
    for bar in bars:
        crisp(bar)
    label = _label(ax)
    _legend(ax)

    def draw(i: int) -> tuple:
        t = ts[i]
        values = g(t - x)
        g_stems.markerline.set_ydata(values)
        shifted = x + step * 0.12
        g_stems.stemlines.set_segments(
            [[(xi, 0), (xi, v)] for xi, v in zip(shifted, values, strict=True)]
        )
        products = f(x) * values
        for bar, height in zip(bars, products, strict=True):
            bar.set_height(height)
        total = float(np.sum(products) * step)
        label.set_text(f"$t = {t:+.2f}$,  $\\sum_i f[i]\\,g[t-i]\\,\\Delta = {total:.2f}$")
        return (g_stems.markerline, g_stems.stemlines, label, *bars)

    return FuncAnimation(fig, draw, frames=len(ts), interval=INTERVAL_MS)


def animate_convolution(f: Signal, g: Signal, t0: float = -1.5, t1: float = 2.5,
                        ylim: tuple[float, float] = (-0.1, 1.25)) -> FuncAnimation:
    """Wikipedia's picture: ``g(t - x)`` slides over ``f``, the product's area is shaded, and
    the convolution ``(f * g)(t)`` is traced up to the current ``t``."""
    fig, ax = _axes(xlim=(t0 - 0.5, t1 + 0.5), ylim=ylim)
    x = grid(t0 - 0.5, t1 + 0.5)
    trace_x = grid(-3.0, 3.0)
    result = convolve(f, g, trace_x)
    plot_signal(ax, x, f, color=F_COLOUR, linewidth=2.0, label="$f(x)$")
    steps = is_steps(g, x)
    moving = moving_line(ax, steps, color=G_COLOUR, linewidth=2.0, label="$g(t - x)$")
    (trace,) = ax.plot([], [], color=ink(), linewidth=2.2, label="$(f * g)(t)$")
    (dot,) = ax.plot([], [], "o", color=ink(), markersize=5)
    cursor = ax.axvline(t0, color="#777777", linewidth=0.8, linestyle=":")
    _legend(ax)
    ts = np.linspace(t0, t1, FRAMES)
    shaded: list = []

    def draw(i: int) -> tuple:
        t = ts[i]
        _shade_product(ax, f, g, t, x, shaded)
        y = g(t - x)
        moving.set_data(*(as_steps(x, y) if steps else (x, y)))
        upto = trace_x <= t + 1e-9
        trace.set_data(trace_x[upto], result[upto])
        dot.set_data([t], [convolution_at(f, g, t, trace_x)])
        cursor.set_xdata([t, t])
        return (moving, trace, dot, cursor, *shaded)

    return FuncAnimation(fig, draw, frames=len(ts), interval=INTERVAL_MS)
