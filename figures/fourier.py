"""The convolution theorem at work: 2D convolution as a product of spectra, and a stopwatch.

    F{I * K} = F{I} . F{K}

The discrete Fourier transform multiplies the spectra of periodic signals: its product is a
*circular* convolution, where the kernel wraps around the image's edges. Padding both with
zeros to the size of the full result (n + k - 1 on each axis) leaves the wrap-around nothing
but zeros to meet, so the circular convolution of the padded arrays is the ordinary one.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from figures.conv2d import Mode, convolve2d
from figures.style import CELL, WINDOW, font_size

WIDTH = 5.0  # inches
FONT = font_size(WIDTH)


def fast_length(n: int) -> int:
    """The smallest length >= n made of the factors 2, 3 and 5 only: sizes the FFT is fast
    at (a prime length is many times slower), as ``scipy.fft.next_fast_len`` picks."""
    best = 2 * n
    five = 1
    while five < best:
        three = five
        while three < best:
            length = three
            while length < n:
                length *= 2
            best = min(best, length)
            three *= 3
        five *= 5
    return best


def convolve_fft(image: np.ndarray, kernel: np.ndarray, mode: Mode = "full") -> np.ndarray:
    """``convolve2d`` by the convolution theorem: the same numbers up to rounding."""
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    full = [n + k - 1 for n, k in zip(image.shape, kernel.shape, strict=True)]
    size = [fast_length(n) for n in full]
    spectrum = np.fft.rfft2(image, size) * np.fft.rfft2(kernel, size)
    result = np.fft.irfft2(spectrum, size)[: full[0], : full[1]]
    if mode == "full":
        return result
    if mode == "valid":
        starts = [k - 1 for k in kernel.shape]
        ends = [n for n in image.shape]  # n - k + 1 values from k - 1 on
    elif mode == "same":  # centred on the full result, as convolve2d's "same"
        starts = [(k - 1) // 2 for k in kernel.shape]
        ends = [s + n for s, n in zip(starts, image.shape, strict=True)]
    else:
        raise ValueError(f"mode must be 'full', 'same' or 'valid', not {mode!r}")
    return result[starts[0] : ends[0], starts[1] : ends[1]]


def stopwatch(method: Callable[..., object], *args: object) -> float:
    """Seconds of processor time one call ``method(*args)`` takes. Processor time, not wall
    time: both methods run on one core, and on a busy machine the wall clock also counts the
    time other programs had the core."""
    start = time.process_time()
    method(*args)
    return time.process_time() - start


def time_methods(size: int = 256, kernels: tuple[int, ...] = (3, 5, 7, 9, 11, 13, 15, 19, 23,
                                                                27, 31, 41),
                 rounds: int = 5) -> dict[str, list[float]]:
    """Seconds to convolve a ``size`` x ``size`` image with k x k kernels, both ways: the
    fastest of ``rounds`` rounds over every size (rounds spread the runs of one size in time,
    so a moment of a busy machine cannot spoil them all)."""
    rng = np.random.default_rng(0)
    image = rng.random((size, size))
    pairs = [(k, rng.random((k, k))) for k in kernels]
    times: dict[str, list[float]] = {"k": list(kernels), "direct": [np.inf] * len(kernels),
                                     "fft": [np.inf] * len(kernels)}
    for _ in range(rounds):
        for i, (_, kernel) in enumerate(pairs):
            times["direct"][i] = min(times["direct"][i],
                                     stopwatch(convolve2d, image, kernel, "full"))
            times["fft"][i] = min(times["fft"][i], stopwatch(convolve_fft, image, kernel, "full"))
    return times


def crossover(kernels: list[int], direct: list[float], fft: list[float]) -> float | None:
    """The kernel size from which the FFT stays faster (interpolated between the two sizes
    measured around it, on a log scale of time), or None if it is not faster at the end."""
    ratios = [np.log(d / f) for d, f in zip(direct, fft, strict=True)]  # > 0: FFT faster
    if ratios[-1] <= 0:
        return None
    behind = [i for i, r in enumerate(ratios) if r <= 0]
    if not behind:
        return float(kernels[0])
    i = behind[-1]  # the last size at which the direct sum was still as fast
    share = -ratios[i] / (ratios[i + 1] - ratios[i])
    return float(kernels[i] + share * (kernels[i + 1] - kernels[i]))


def machine() -> str:
    """The processor and numpy that ran the stopwatch, for the figure's footnote."""
    name = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name}, numpy {np.__version__}"


def plot_timings(times: dict[str, list[float]], size: int = 256,
                 where: str | None = None) -> Figure:
    """Milliseconds against kernel size, both ways, and where the FFT takes over."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.3), layout="constrained")
    kernels = times["k"]
    ax.plot(kernels, np.array(times["direct"]) * 1000, "o-", color=WINDOW, linewidth=2,
            label="direct sum")
    ax.plot(kernels, np.array(times["fft"]) * 1000, "s-", color=CELL, linewidth=2,
            label="FFT (numpy.fft)")
    ax.set_yscale("log")
    ax.set_xlabel(f"kernel size $k$ ($k \\times k$ kernel, {size} x {size} image)",
                  fontsize=FONT)
    ax.set_ylabel("milliseconds (processor)", fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(True, which="major", color="#eeeeee", linewidth=0.6)
    cross = crossover(kernels, times["direct"], times["fft"])
    if cross is not None:
        ax.axvline(cross, color="#777777", linewidth=1, linestyle=":")
        ax.text(cross + 0.8, 0.97, f"FFT faster from $k \\approx {cross:.0f}$",
                transform=ax.get_xaxis_transform(), fontsize=FONT, va="top")
    fig.legend(loc="outside upper center", ncols=2, frameon=False, fontsize=FONT)
    if where:
        fig.supxlabel(where, fontsize=FONT, color="#555555")
    return fig
