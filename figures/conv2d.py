"""2D discrete convolution, written to be read next to the post's formula.

    (I * K)(i, j) = sum_m sum_n I(m, n) K(i - m, j - n)

Sliding a flipped kernel over the image and summing products is the same sum, and is how the
code below computes it. Three border modes, as in ``scipy.signal.convolve2d``: "full" (every
overlap), "same" (the input's size, centred) and "valid" (only where the kernel fits), with
zero padding and an optional stride.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Mode = Literal["full", "same", "valid"]


def correlate2d(image: np.ndarray, kernel: np.ndarray, mode: Mode = "valid",
                stride: int = 1, _convolution: bool = False) -> np.ndarray:
    """Slide ``kernel`` over ``image`` as it is, multiply, sum: what CNN layers compute."""
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    padded = pad_for(image, kernel.shape, mode, _convolution)
    out_h = (padded.shape[0] - kh) // stride + 1
    out_w = (padded.shape[1] - kw) // stride + 1
    # out[i, j] = sum over m, n of kernel[m, n] * padded[i*stride + m, j*stride + n]:
    # loop over the few kernel cells and shift the whole image, instead of over the pixels.
    out = np.zeros((out_h, out_w))
    for m in range(kh):
        for n in range(kw):
            out += kernel[m, n] * padded[m : m + out_h * stride : stride,
                                         n : n + out_w * stride : stride]
    return out


def convolve2d(image: np.ndarray, kernel: np.ndarray, mode: Mode = "valid",
               stride: int = 1) -> np.ndarray:
    """Convolution: correlation with the kernel flipped on both axes."""
    return correlate2d(image, flip(kernel), mode, stride, _convolution=True)


def flip(kernel: np.ndarray) -> np.ndarray:
    """``K(-m, -n)``: the kernel turned by 180 degrees."""
    return np.asarray(kernel)[::-1, ::-1]


def pad_for(image: np.ndarray, kernel_shape: tuple[int, int], mode: Mode,
            convolution: bool = False) -> np.ndarray:
    """Zeros around the image, as many as the border mode asks for."""
    kh, kw = kernel_shape
    if mode == "valid":
        return image
    if mode == "full":
        return np.pad(image, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    if mode == "same":
        # centred on the "full" result; with an even kernel one side gets one zero more:
        # after the image for correlation, before it for convolution (its kernel is flipped)
        top, left = (kh - 1) // 2, (kw - 1) // 2
        if convolution:
            top, left = kh - 1 - top, kw - 1 - left
        return np.pad(image, ((top, kh - 1 - top), (left, kw - 1 - left)))
    raise ValueError(f"mode must be 'full', 'same' or 'valid', not {mode!r}")


def output_size(size: int, kernel: int, mode: Mode, stride: int = 1) -> int:
    """Output length along one axis: the post's table of sizes, computed."""
    padded = {"valid": size, "same": size + kernel - 1, "full": size + 2 * (kernel - 1)}[mode]
    return (padded - kernel) // stride + 1


# Kernels of the image-processing section.
BOX = np.full((5, 5), 1 / 25)
SHARPEN = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float)
SOBEL_X = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
SOBEL_Y = SOBEL_X.T


def gaussian(size: int = 7, sigma: float = 1.5) -> np.ndarray:
    """A normalised Gaussian kernel: a blur that weights near pixels more than far ones."""
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-(x**2) / (2 * sigma**2))
    kernel = np.outer(g, g)
    return kernel / kernel.sum()


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def max_pool(x: np.ndarray, size: int = 2) -> np.ndarray:
    """The largest value of each ``size`` x ``size`` block (the edges that don't fit are cut)."""
    h, w = (x.shape[0] // size) * size, (x.shape[1] // size) * size
    return x[:h, :w].reshape(h // size, size, w // size, size).max(axis=(1, 3))


def receptive_field(layers: list[tuple[int, int]]) -> list[int]:
    """Receptive field after each (kernel, stride) layer: how many input pixels one output
    pixel sees. It grows by (kernel - 1) times the product of the strides before."""
    field, jump, fields = 1, 1, []
    for kernel, stride in layers:
        field += (kernel - 1) * jump
        jump *= stride
        fields.append(field)
    return fields
