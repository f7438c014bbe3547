"""The flagship post's maths: the curves its figures trace are the right convolutions."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from figures.convolution import (
    animate_convolution,
    box,
    convolution_at,
    convolve,
    grid,
    overlap,
    spike,
)


def triangle(t: np.ndarray, height: float = 1.0) -> np.ndarray:
    """Closed form of box(0, 1) * box(0, 1), scaled: 0 outside [0, 2], peak at t = 1."""
    return height * np.clip(1 - np.abs(t - 1), 0, None)


def test_box_with_itself_is_the_triangle() -> None:
    x = grid(-3, 3)
    result = convolve(box(0, 1), box(0, 1), x)
    np.testing.assert_allclose(result, triangle(x), atol=1e-9)
    assert result.max() == pytest.approx(1.0)
    assert x[result.argmax()] == pytest.approx(1.0)


def test_f_with_g_peaks_at_two() -> None:
    x = grid(-3, 3)
    f = box(0, 1)
    result = convolve(f, 2 * f, x)
    np.testing.assert_allclose(result, triangle(x, 2.0), atol=1e-9)
    assert convolution_at(f, 2 * f, 1.0) == pytest.approx(2.0)


def test_integral_and_numpy_convolve_agree() -> None:
    x = grid(-3, 3)
    f, g = spike(decay=3), box(0, 1)
    whole = convolve(f, g, x)
    for t in (-0.5, 0.25, 0.5, 1.0, 1.5, 2.2):
        i = int(np.argmin(np.abs(x - t)))
        assert convolution_at(f, g, x[i], x) == pytest.approx(whole[i], abs=1e-9)
    # against numpy.convolve on the plain grid samples (a Riemann sum): equal up to a step
    step = x[1] - x[0]
    reference = np.convolve(f(x), g(x), mode="same") * step
    assert np.max(np.abs(reference - whole)) < 2 * step


def test_spike_with_box_closed_form() -> None:
    # for 0 <= t <= 1: ∫_0^t e^{-3x} dx = (1 - e^{-3t}) / 3
    x = grid(-3, 3)
    result = convolve(spike(decay=3), box(0, 1), x)
    for t in (0.2, 0.5, 0.9):
        i = int(np.argmin(np.abs(x - t)))
        assert result[i] == pytest.approx((1 - np.exp(-3 * x[i])) / 3, abs=1e-4)


def test_overlap_interval() -> None:
    x = grid(-3, 3)
    assert overlap(box(0, 1), box(0, 1), 0.5, x) == pytest.approx((0.0, 0.5))
    assert overlap(box(0, 1), box(0, 1), 5.0, x) is None


def test_animation_traces_the_convolution() -> None:
    anim = animate_convolution(box(0, 1), box(0, 1))
    anim._init_draw()
    frames = list(anim.new_saved_frame_seq())
    last = frames[-1]
    anim._draw_frame(last)
    trace = next(line for line in anim._fig.axes[0].lines if line.get_label() == "$(f * g)(t)$")
    tx, ty = trace.get_data()
    np.testing.assert_allclose(ty, triangle(np.asarray(tx)), atol=1e-9)
    assert max(ty) == pytest.approx(1.0)
