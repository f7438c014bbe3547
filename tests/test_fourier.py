"""The convolution theorem's code against the direct sum, and the crossover it reports."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from figures.conv2d import convolve2d
from figures.fourier import convolve_fft, crossover, fast_length, plot_timings


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("shapes", [((7, 9), (3, 3)), ((8, 6), (2, 4)), ((5, 5), (5, 5)),
                                    ((31, 17), (6, 7))])
def test_fft_convolution_is_the_direct_sum(mode: str, shapes: tuple) -> None:
    rng = np.random.default_rng(sum(shapes[0]) + sum(shapes[1]))
    image, kernel = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    np.testing.assert_allclose(convolve_fft(image, kernel, mode), convolve2d(image, kernel, mode),
                               atol=1e-10)


def smooth(m: int) -> bool:
    """Made of the factors 2, 3 and 5 only."""
    for p in (2, 3, 5):
        while m % p == 0:
            m //= p
    return m == 1


def test_fast_length_is_the_next_length_with_small_factors() -> None:
    for n in (1, 2, 7, 97, 258, 271, 1000, 1021):
        length = fast_length(n)
        assert length >= n and smooth(length), (n, length)
        assert not any(smooth(m) for m in range(n, length)), (n, length)


def test_crossover() -> None:
    kernels = [3, 5, 7, 9, 11]
    fft = [4.0] * 5
    assert crossover(kernels, [1.0, 2.0, 4.0, 8.0, 16.0], fft) == pytest.approx(7.0)
    assert crossover(kernels, [1.0, 2.0, 3.0, 8.0, 16.0], fft) == pytest.approx(7 + 2 * np.log(4 / 3) / np.log(8 / 3))
    assert crossover(kernels, [5.0] * 5, fft) == 3.0  # faster throughout
    assert crossover(kernels, [1.0, 2.0, 8.0, 3.0, 3.0], fft) is None  # not faster at the end
    assert crossover(kernels, [1.0, 8.0, 2.0, 8.0, 16.0], fft) == pytest.approx(7 + 2 * np.log(2) / np.log(4))


def test_timing_figure_marks_the_crossover() -> None:
    times = {"k": [3, 5, 7, 9, 11], "direct": [0.001, 0.002, 0.004, 0.008, 0.016],
             "fft": [0.004] * 5}
    fig = plot_timings(times, where="a test machine")
    texts = [t.get_text() for t in fig.axes[0].texts] + [t.get_text() for t in fig.texts]
    assert any("k \\approx 7" in t for t in texts), texts
    assert "a test machine" in texts
