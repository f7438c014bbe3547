"""Drawing social cards with matplotlib: run in worker processes only (``cards.py`` starts
them), never imported by the builder's own process before it forks them.

A card is 1200 x 630 pixels, the size link previews (OpenGraph, Twitter's large summary)
show: the site's name, the post's title (wrapped to the card, smaller when long, its
``$...$`` math drawn by matplotlib's mathtext), its date and tags, a band of the theme's
accent and, when the post has a raster figure, its first one at the right. A worker keeps
one figure for all its cards, draws what they share once (the ground, the band, the site's
name) and only the rest on each, and measures each word once; the card is a JPEG (quality 90,
no chroma subsampling), which encodes five times faster than a PNG of it, and which the
services showing previews make of every image anyway. Agg draws the same pixels from the
same text, fonts (matplotlib's own DejaVu) and versions, and the file carries no metadata,
so the same card is the same bytes.
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
_LEFT = _MARGIN + 16  # the text's left edge, past the accent band
# Math as Pandoc reads dollars: "$" then no space, no space before the closing "$", and no
# digit after it (so "costs $5 and $6" stays text).
_MATH = re.compile(r"(?<!\\)\$(?=\S)[^$]*?(?<=\S)(?<!\\)\$(?!\d)")


@dataclass(frozen=True)
class CardSpec:
    """What a card shows, and where its file goes (written whole, then renamed)."""

    path: str
    title: str
    site: str
    date: str
    tags: tuple[str, ...]
    image: bytes | None = None  # the post's first raster figure, any format Pillow reads


def draw_all(specs: list[CardSpec]) -> list[tuple[str, str]]:
    """Draw each card into its file: one worker's share of a build's cards. Returns (path,
    what went wrong) of those it could not draw."""
    import matplotlib

    matplotlib.use("Agg")
    failed = []
    with _defaults():
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
    """The card's JPEG bytes (call within ``_defaults``)."""
    from PIL import Image

    figure, canvas = _figure()
    canvas.restore_region(_background(figure, canvas, spec.site))
    right = WIDTH - _MARGIN
    picture = _thumbnail(spec.image) if spec.image else None
    if picture is not None:
        left = WIDTH - _MARGIN - picture.width
        figure.figimage(_array(picture), xo=left, yo=(HEIGHT - picture.height) // 2, zorder=2)
        right = left - 48
    renderer = canvas.get_renderer()
    _title(figure, renderer, spec.title, right)
    _footer(figure, renderer, spec, right)
    for artist in [*figure.images, *figure.texts]:  # drawn over the background, then gone
        figure.draw_artist(artist)
        artist.remove()
    # Agg's RGBA buffer read as RGB with a padding byte: the encoder skips the alpha
    image = Image.frombuffer("RGBX", canvas.get_width_height(), canvas.buffer_rgba(), "raw",
                             "RGBX", 0, 1)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, subsampling=0)
    return out.getvalue()


_FIGURE: list[Any] = []  # this worker's figure and canvas, made for its first card
_BACKGROUNDS: dict[str, Any] = {}  # the pixels all cards of a site share: band, site name
_WIDTHS: dict[tuple[str, str], float] = {}  # (word, weight) -> width per px of font size


def _figure() -> tuple[Any, Any]:
    if not _FIGURE:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Rectangle

        figure = Figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100, facecolor=BACKGROUND)
        figure.patches.append(Rectangle((0, 0), 16 / WIDTH, 1, transform=figure.transFigure,
                                        color=ACCENT))
        _FIGURE[:] = [figure, FigureCanvasAgg(figure)]
    return _FIGURE[0], _FIGURE[1]


def _background(figure: Any, canvas: Any, site: str) -> Any:
    """What every card of the site shows, drawn once: the ground, the band, the name."""
    if site not in _BACKGROUNDS:
        _place(figure, canvas.get_renderer(), site, 28, MUTED, HEIGHT - _MARGIN, "bold")
        canvas.draw()
        _BACKGROUNDS[site] = canvas.copy_from_bbox(figure.bbox)
        for text in list(figure.texts):
            text.remove()
    return _BACKGROUNDS[site]


class _defaults:
    """matplotlib's own defaults while cards are drawn (nothing of the environment's style
    leaks in), and no warning about a glyph a font lacks (the card draws what it can)."""

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
    parts = [spec.date] if spec.date else []
    for tag in spec.tags:
        trial = "  ·  ".join([*parts, f"#{tag}"])
        if _line_width(renderer, trial, "normal") * 24 > right - _LEFT:
            break
        parts.append(f"#{tag}")
    lines = _wrap(renderer, "  ·  ".join(parts), "normal", (right - _LEFT) / 24)
    _place(figure, renderer, _cut(lines, 1), 24, MUTED, _MARGIN + 10, "normal")


def _title(figure: Any, renderer: Any, title: str, right: float) -> None:
    """The title, as large as fits: 60 px down to 36, on at most four lines."""
    top = HEIGHT - _MARGIN - 80
    for size in (60, 54, 48, 42, 36):
        lines = _wrap(renderer, title, "bold", (right - _LEFT) / size)
        if len(lines) * size * 1.25 <= top - _MARGIN - 70:
            break
    _place(figure, renderer, _cut(lines, 4), size, TEXT, top, "bold", spacing=1.15)


def _cut(lines: list[str], most: int) -> str:
    """At most ``most`` lines, the last ending in an ellipsis when some are left out."""
    if len(lines) > most:
        lines = [*lines[: most - 1], lines[most - 1].rstrip(" .,;:·") + "…"]
    return "\n".join(lines)


def _place(figure: Any, renderer: Any, text: str, size: float, color: str, y: float,
           weight: str, spacing: float = 1.2) -> None:
    """``text`` from the left margin, its top ``y`` pixels from the bottom, drawn at
    ``size`` pixels (matplotlib counts points: 72 to the inch of 100 pixels). TeX that
    mathtext can't draw is shown as written."""
    math = bool(_MATH.search(text))
    if math:
        try:
            for line in text.split("\n"):
                if _MATH.search(line):
                    renderer.get_text_width_height_descent(line, _font(weight), ismath=True)
        except ValueError:
            math = False
    figure.text(_LEFT / WIDTH, y / HEIGHT, text, fontsize=size * 0.72, color=color,
                weight=weight, va="top", ha="left", linespacing=spacing, parse_math=math)


def _font(weight: str) -> Any:
    from matplotlib.font_manager import FontProperties

    return FontProperties(family="DejaVu Sans", weight=weight, size=72)


def _word_width(renderer: Any, word: str, weight: str) -> float:
    """The width of ``word`` per pixel of font size (text scales with its size): measured
    once per worker, whatever size a title is tried at."""
    key = (word, weight)
    width = _WIDTHS.get(key)
    if width is None:
        try:
            width = renderer.get_text_width_height_descent(
                word, _font(weight), ismath=bool(_MATH.search(word)))[0]
        except ValueError:  # mathtext can't parse it: measured as text
            width = renderer.get_text_width_height_descent(word, _font(weight), ismath=False)[0]
        width = _WIDTHS[key] = float(width) / 100  # a 72 pt font is 100 px at 100 dpi
    return width


def _line_width(renderer: Any, text: str, weight: str) -> float:
    words = _words(text)
    space = _word_width(renderer, "a a", weight) - 2 * _word_width(renderer, "a", weight)
    return sum(_word_width(renderer, w, weight) for w in words) + space * max(0, len(words) - 1)


def _wrap(renderer: Any, text: str, weight: str, width: float) -> list[str]:
    """Words on lines no wider than ``width`` (in font sizes)."""
    space = _word_width(renderer, "a a", weight) - 2 * _word_width(renderer, "a", weight)
    lines: list[list[str]] = []
    used = 0.0
    for word in _words(text):
        size = _word_width(renderer, word, weight)
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
