"""Drawing social cards with matplotlib: run in worker processes only (``cards.py`` starts
them), never imported by the builder's own process.

A card is 1200 x 630 pixels, the size link previews (OpenGraph, Twitter's large summary)
show: the site's name, the post's title (wrapped to the card, smaller when long, its
``$...$`` math drawn by matplotlib's mathtext), its date and tags, a band of the theme's
accent and, when the post has a raster figure, its first one at the right. Agg draws the
same pixels from the same text, fonts (matplotlib's own DejaVu) and versions, and the PNG
carries no metadata, so the same card is the same bytes.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 1200, 630
BACKGROUND, TEXT, MUTED, ACCENT = "#fdfdfc", "#1f2328", "#59636e", "#0b5cad"
_MARGIN = 72  # px around the text
# Math as Pandoc reads dollars: "$" then no space, no space before the closing "$", and no
# digit after it (so "costs $5 and $6" stays text).
_MATH = re.compile(r"(?<!\\)\$(?=\S)[^$]*?(?<=\S)(?<!\\)\$(?!\d)")


@dataclass(frozen=True)
class CardSpec:
    """What a card shows, and where its PNG goes (written atomically)."""

    path: str
    title: str
    site: str
    date: str
    tags: tuple[str, ...]
    image: bytes | None = None  # the post's first raster figure, any format Pillow reads


def draw_all(specs: list[CardSpec]) -> list[tuple[str, str]]:
    """Draw each card into its file (written whole, then renamed into place): one worker's
    share of a build's cards. Returns (path, what went wrong) of those it could not draw."""
    import matplotlib

    matplotlib.use("Agg")
    failed = []
    for spec in specs:
        try:
            data = draw(spec)
            tmp = f"{spec.path}.{os.getpid()}.tmp"
            with open(tmp, "wb") as handle:
                handle.write(data)
            os.replace(tmp, spec.path)
        except Exception as error:  # said to the build, which names the post
            failed.append((spec.path, f"{type(error).__name__}: {error}"))
    return failed


def draw(spec: CardSpec) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    with matplotlib_defaults():
        figure = Figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100, facecolor=BACKGROUND)
        canvas = FigureCanvasAgg(figure)
        figure.patches.append(_band(figure))
        text_right = WIDTH - _MARGIN
        picture = _thumbnail(spec.image) if spec.image else None
        if picture is not None:
            left = WIDTH - _MARGIN - picture.width
            figure.figimage(_array(picture), xo=left, yo=(HEIGHT - picture.height) // 2,
                            zorder=2)
            text_right = left - 48
        renderer = canvas.get_renderer()
        _place(figure, renderer, spec.site, 28, MUTED, HEIGHT - _MARGIN, "bold")
        _title(figure, renderer, spec.title, text_right)
        _footer(figure, renderer, spec, text_right)
        canvas.draw()
        image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG", compress_level=6)
    return out.getvalue()


class matplotlib_defaults:
    """matplotlib's own defaults while a card is drawn (a block's style never leaks in), and
    no warning about a glyph a font lacks (the card draws what it can)."""

    def __enter__(self) -> None:
        import matplotlib

        self._context = matplotlib.rc_context()
        self._context.__enter__()
        matplotlib.rcdefaults()
        matplotlib.rcParams["font.family"] = "DejaVu Sans"
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc: object) -> None:
        self._warnings.__exit__(*exc)
        self._context.__exit__(*exc)


def _band(figure: Any) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((0, 0), 16 / WIDTH, 1, transform=figure.transFigure, color=ACCENT)


def _thumbnail(data: bytes) -> Any:
    """The figure, scaled to fit the card's right part, on white (figures are drawn on
    white); None when it can't be read."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.seek(0)  # an animation's first frame
        image = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    box_w, box_h = 460, HEIGHT - 2 * _MARGIN
    scale = min(box_w / image.width, box_h / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    shown = Image.new("RGBA", size, "white")
    shown.alpha_composite(image.resize(size, Image.Resampling.LANCZOS))
    return shown


def _array(image: Any) -> Any:
    import numpy as np

    return np.asarray(image.convert("RGB"))


def _footer(figure: Any, renderer: Any, spec: CardSpec, right: float) -> None:
    """The date, then as many tags as fit on the line."""
    parts = [spec.date]
    for tag in spec.tags:
        trial = "  ·  ".join([*parts, f"#{tag}"])
        if _Measure(figure, renderer, "normal").line(trial) * 24 > right - _MARGIN - 16:
            break
        parts.append(f"#{tag}")
    _place(figure, renderer, "  ·  ".join(parts), 24, MUTED, _MARGIN + 10, "normal")


def _title(figure: Any, renderer: Any, title: str, right: float) -> None:
    """The title, as large as fits: 60 px down to 36, on at most four lines."""
    measure = _Measure(figure, renderer, "bold")
    width, top = right - _MARGIN - 16, HEIGHT - _MARGIN - 80
    for size in (60, 54, 48, 42, 36):
        lines = measure.wrap(title, width / size)
        if len(lines) * size * 1.25 <= top - _MARGIN - 70:
            break
    if len(lines) > 4:
        lines = lines[:4]
        lines[-1] = lines[-1].rstrip(" .,;:") + "…"
    _place(figure, renderer, "\n".join(lines), size, TEXT, top, "bold", spacing=1.15)


def _place(figure: Any, renderer: Any, text: str, size: float, color: str, y: float,
           weight: str, spacing: float = 1.2) -> None:
    """``text`` from the left margin, its top ``y`` pixels from the bottom, drawn at
    ``size`` pixels (matplotlib counts points: 72 to the inch of 100 pixels)."""
    shown = figure.text((_MARGIN + 16) / WIDTH, y / HEIGHT, text, fontsize=size * 0.72,
                        color=color, weight=weight, va="top", ha="left", linespacing=spacing,
                        parse_math=_has_math(text))
    try:
        shown.get_window_extent(renderer)
    except ValueError:  # mathtext can't draw that TeX: the text as written
        shown.set_parse_math(False)


def _has_math(text: str) -> bool:
    return bool(_MATH.search(text))


class _Measure:
    """Widths of words in one weight, per pixel of font size (text scales with its size):
    each word is measured once, whatever size the title is tried at."""

    def __init__(self, figure: Any, renderer: Any, weight: str) -> None:
        self.figure, self.renderer, self.weight = figure, renderer, weight
        self.widths: dict[str, float] = {}

    def word(self, word: str) -> float:
        if word not in self.widths:
            probe = self.figure.text(0, 0, word, fontsize=72, weight=self.weight,
                                     parse_math=_has_math(word))
            try:
                width = probe.get_window_extent(self.renderer).width
            except ValueError:  # mathtext can't parse it: measured as text
                probe.set_parse_math(False)
                width = probe.get_window_extent(self.renderer).width
            probe.remove()
            self.widths[word] = float(width) / 100  # 72 pt = 100 px
        return self.widths[word]

    def space(self) -> float:
        return self.word("a a") - 2 * self.word("a")

    def line(self, text: str) -> float:
        words = _words(text)
        return sum(self.word(w) for w in words) + self.space() * max(0, len(words) - 1)

    def wrap(self, text: str, width: float) -> list[str]:
        """Words on lines no wider than ``width`` (in font sizes)."""
        space = self.space()
        lines: list[list[str]] = []
        used = 0.0
        for word in _words(text):
            size = self.word(word)
            if lines and used + space + size <= width * 0.98:  # a little slack for hinting
                lines[-1].append(word)
                used += space + size
            else:
                lines.append([word])
                used = size
        return [" ".join(line) for line in lines] or [""]


def _words(text: str) -> list[str]:
    """Words; a ``$...$`` formula, spaces and all, is one (with what sticks to it)."""
    return re.findall(rf"(?:{_MATH.pattern}|\S)+", text)
