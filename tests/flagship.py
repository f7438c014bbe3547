"""The flagship post's figure blocks, run in this process, and how big their text is shown.

A figure is drawn at the site's dpi times ``retina`` and shown at its 1x size, or narrower
when the post's column is narrower: then the browser scales the whole image down, text
included. ``COLUMNS`` is the width of the post's column in the default theme at a laptop's
760 px and a phone's 390 px wide window (the browser test checks the theme still gives them).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.animation import Animation
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from builder.config import FigureSettings
from builder.figures.capture import PAD_INCHES
from builder.markdown.parser import parse_body
from builder.model import FigureBlock
from builder.sources.posts import read_source
from tests.conftest import REPO

POST = "posts/2016-11-27-cnns-from-an-image-processing-perspective.md"
COLUMNS = {"laptop": (760, 716), "phone": (390, 352)}  # window -> column width, CSS px
MIN_TEXT_PX = 11.0
DPI = FigureSettings().dpi


def blocks() -> list[FigureBlock]:
    text = read_source(REPO / POST, REPO).text
    _, front, body = text.split("---", 2)
    return list(parse_body(body, POST, front.count("\n") + 2).blocks)


def run(block: FigureBlock) -> tuple[list[Figure], list[Animation]]:
    """The block's figures and animations, as the worker finds them (rc reset, Agg)."""
    plt.close("all")
    matplotlib.rcdefaults()
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    namespace: dict[str, Any] = {"__name__": "__main__"}
    lines = block.code.rstrip().split("\n")
    exec("\n".join(lines[:-1]), namespace)
    value = eval(lines[-1], namespace)
    animations = [value] if isinstance(value, Animation) else []
    animated = {id(a._fig) for a in animations}
    statics = [plt.figure(n) for n in plt.get_fignums()]
    return [f for f in statics if id(f) not in animated], animations


@dataclass(frozen=True)
class DrawnText:
    text: str
    pixels: float  # the font's size (em) in pixels of the 1x image
    where: tuple[float, float]  # its position in the 1x image, pixels from the bottom left

    def shown(self, natural_width: float, column: float) -> float:
        """Its size in CSS pixels when the image is shown in a column that wide."""
        return self.pixels * min(1.0, column / natural_width)


@contextlib.contextmanager
def recording() -> Iterator[list[DrawnText]]:
    """Every text Agg draws meanwhile (tick labels, titles, legends, annotations, math), as
    drawn: only what is on the canvas counts, not hidden axes' tick labels."""
    seen: list[DrawnText] = []
    original = RendererAgg.draw_text

    def draw_text(self: RendererAgg, gc: Any, x: float, y: float, s: str, prop: Any,
                  angle: float, ismath: Any = False, mtext: Any = None) -> Any:
        if s.strip():
            seen.append(DrawnText(s, self.points_to_pixels(prop.get_size_in_points()),
                                  (round(x), round(y))))
        return original(self, gc, x, y, s, prop, angle, ismath, mtext)

    RendererAgg.draw_text = draw_text  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        RendererAgg.draw_text = original  # type: ignore[method-assign]


def box(fig: Figure, crop: bool) -> Bbox:
    """The part of the canvas the image shows, in inches: its tight box, as the worker saves
    it (``fig-crop``, on by default), or the whole canvas. Draw the figure first."""
    if not crop:
        return Bbox.from_bounds(0, 0, *fig.get_size_inches())
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(PAD_INCHES)


def texts_of(block: FigureBlock) -> list[tuple[float, list[DrawnText]]]:
    """(natural width in CSS px, texts drawn) for each image the block makes; animations are
    drawn at their first, middle and last frames, as the worker draws them."""
    dpi = block.options.get("fig-dpi", DPI)
    crop = block.options.get("fig-crop", True)
    statics, animations = run(block)
    made = []
    for anim in animations:
        fig = anim._fig
        fig.set_dpi(dpi)
        anim._init_draw()
        frames = list(anim.new_saved_frame_seq())
        with recording() as seen:
            for k, data in enumerate(frames):
                anim._draw_frame(data)
                if k in (0, len(frames) // 2, len(frames) - 1):
                    fig.canvas.draw()
                if k == 0:
                    width = box(fig, crop).width * dpi
                    fig.set_layout_engine("none")
        made.append((width, seen))
    for fig in statics:
        fig.set_dpi(dpi)
        with recording() as seen:
            fig.canvas.draw()
        made.append((box(fig, crop).width * dpi, seen))
    plt.close("all")
    return made
