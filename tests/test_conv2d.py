"""The post's 2D convolution against an independent reference, scipy.signal."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from figures.conv2d import (
    SOBEL_X,
    convolve2d,
    correlate2d,
    flip,
    gaussian,
    max_pool,
    output_size,
    receptive_field,
)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("shapes", [((7, 9), (3, 3)), ((8, 6), (2, 4)), ((5, 5), (5, 5))])
def test_matches_scipy(mode: str, stride: int, shapes: tuple) -> None:
    rng = np.random.default_rng(sum(shapes[0]) * 10 + stride)
    image, kernel = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    expected = signal.convolve2d(image, kernel, mode=mode)[::stride, ::stride]
    ours = convolve2d(image, kernel, mode, stride)
    np.testing.assert_allclose(ours, expected, atol=1e-12)
    expected = signal.correlate2d(image, kernel, mode=mode)[::stride, ::stride]
    np.testing.assert_allclose(correlate2d(image, kernel, mode, stride), expected, atol=1e-12)
    assert ours.shape[0] == output_size(shapes[0][0], shapes[1][0], mode, stride)


def test_convolution_is_correlation_with_the_flipped_kernel() -> None:
    image = np.arange(25.0).reshape(5, 5)
    assert not np.allclose(convolve2d(image, SOBEL_X), correlate2d(image, SOBEL_X))
    np.testing.assert_allclose(convolve2d(image, SOBEL_X), correlate2d(image, flip(SOBEL_X)))


def test_helpers() -> None:
    assert gaussian(5, 1.0).sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(max_pool(np.arange(16.0).reshape(4, 4)), [[5, 7], [13, 15]])
    assert receptive_field([(3, 1), (3, 1), (2, 2), (3, 1)]) == [3, 5, 6, 10]
