"""An animation's frames as one animated WebP: what the page's player decodes and steps.

Lossless, on the GIF's own palette (``gif.quantized``): the player shows exactly the pixels
the GIF shows (feeds and readers without script get the GIF), in a third of its bytes on
the flagship's animations (``benchmarks/animations.py``). libwebp stores each frame as the
rectangle that changed, like the GIF, but compresses it far better than LZW.

Key frames (whole frames) are few: every one costs a whole frame's bytes, and what they buy
is the cost of a jump back (decoding from the key frame before it). One at most every
``_KEY_MAX`` frames bounds a jump to that many small rectangles. libwebp's output depends on
its inputs alone (one thread), so the same frames give the same bytes in any process.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from builder.figures.gif import frame_ms

_KEY_MIN, _KEY_MAX = 33, 64  # libwebp wants kmin > kmax / 2


def encode_webp(images: Sequence[Image.Image], interval: float, path: Path) -> None:
    """Write the frames (palette images from ``gif.quantized``) as a looping animated WebP."""
    images[0].save(
        path,
        format="WEBP",
        save_all=True,
        append_images=list(images[1:]),
        duration=frame_ms(interval),
        loop=0,
        lossless=True,
        quality=100,  # for lossless: the effort spent compressing (method 4 of 6 is fast)
        method=4,
        kmin=_KEY_MIN,
        kmax=_KEY_MAX,
    )
