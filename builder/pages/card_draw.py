"""Drawing social cards with Pillow, in worker processes (``cards.py`` starts them).

A card is 1200 x 630 pixels, the size link previews (OpenGraph, Twitter's large summary)
show: the site's name, the post's title (wrapped to the card, smaller when long), its date
and tags, a band of the theme's accent and, when the post has a raster figure, its first one
at the right. Text is drawn by Pillow's FreeType in the fonts figures use (matplotlib's own
DejaVu, read from matplotlib's folder without importing it); a line holding ``$...$`` math
is drawn by matplotlib's mathtext, imported only then, as figures draw their math. What all
cards of a site share (the ground, the band, the site's name) is drawn once per worker, and
each word measured once. Pillow draws a card's text in a tenth of the time matplotlib's
``Text`` took; the JPEG (quality 90, no chroma subsampling, five times faster to encode than
a PNG, and what the services showing previews make of every image anyway) is now most of a
card's cost. The same text, fonts and library versions give the same pixels, and the file
carries no metadata, so the same card is the same bytes.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 1200, 630
BACKGROUND, TEXT, MUTED, ACCENT = "#fdfdfc", "#1f2328", "#59636e", "#0b5cad"
_MARGIN = 72  # px around the text
_LEFT = _MARGIN + 16  # the text's left edge, past the accent band
_SEPARATOR = " · "  # between the date and the tags
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
    """The card's JPEG bytes."""
    from PIL import ImageDraw

    card = _background(spec.site).copy()
    right = WIDTH - _MARGIN
    picture = _thumbnail(spec.image) if spec.image else None
    if picture is not None:
        left = WIDTH - _MARGIN - picture.width
        top = HEIGHT - (HEIGHT - picture.height) // 2 - picture.height  # as it always was
        card.paste(picture.convert("RGB"), (left, top))
        right = left - 48
    pen = ImageDraw.Draw(card)
    _title(card, pen, spec.title, right)
    _footer(card, pen, spec, right)
    out = io.BytesIO()
    card.save(out, "JPEG", quality=90, subsampling=0)
    return out.getvalue()


_BACKGROUNDS: dict[str, Any] = {}  # the pixels all cards of a site share: band, site name
_FONTS: dict[tuple[str, int], Any] = {}  # (weight, px) -> Pillow's font
_WIDTHS: dict[tuple[str, str], float] = {}  # (word, weight) -> width per px of font size
_MEASURE = 100  # px: the size words are measured at


def _background(site: str) -> Any:
    """What every card of the site shows, drawn once: the ground, the band, the name."""
    if site not in _BACKGROUNDS:
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
        pen = ImageDraw.Draw(image)
        pen.rectangle((0, 0, 16, HEIGHT - 1), fill=ACCENT)  # with its edge softened
        pen.line((17, 0, 17, HEIGHT - 1), fill=_mix(ACCENT, BACKGROUND, 0.25))
        _place(image, pen, site, 28, MUTED, _MARGIN, "bold")
        _BACKGROUNDS[site] = image
    return _BACKGROUNDS[site]


def _mix(one: str, other: str, share: float) -> tuple[int, ...]:
    """``share`` of colour ``one``, the rest ``other``."""
    a, b = (bytes.fromhex(colour.lstrip("#")) for colour in (one, other))
    return tuple(round(x * share + y * (1 - share)) for x, y in zip(a, b, strict=True))


def _font(weight: str, size: int) -> Any:
    """DejaVu Sans (bold or not) at ``size`` px: the files matplotlib ships, which figures
    are drawn in. Basic layout (FreeType's own kerning, no shaping library): the same
    pixels wherever the same Pillow runs."""
    key = (weight, size)
    if key not in _FONTS:
        from PIL import ImageFont

        spec = find_spec("matplotlib")
        folders = list(spec.submodule_search_locations or []) if spec else []
        name = "DejaVuSans-Bold.ttf" if weight == "bold" else "DejaVuSans.ttf"
        path = Path(folders[0]) / "mpl-data" / "fonts" / "ttf" / name
        _FONTS[key] = ImageFont.truetype(str(path), size,
                                         layout_engine=ImageFont.Layout.BASIC)
    return _FONTS[key]


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


def _footer(card: Any, pen: Any, spec: CardSpec, right: float) -> None:
    """The date, then as many tags as fit on the line."""
    parts = [spec.date] if spec.date else []
    for tag in spec.tags:
        trial = _SEPARATOR.join([*parts, f"#{tag}"])
        if _line_width(trial, "normal") * 24 > right - _LEFT:
            break
        parts.append(f"#{tag}")
    lines = _wrap(_SEPARATOR.join(parts), "normal", (right - _LEFT) / 24)
    _place(card, pen, _cut(lines, 1), 24, MUTED, HEIGHT - _MARGIN - 10, "normal")


def _title(card: Any, pen: Any, title: str, right: float) -> None:
    """The title, as large as fits: 60 px down to 36, on at most four lines."""
    top = HEIGHT - _MARGIN - 80
    for size in (60, 54, 48, 42, 36):
        lines = _wrap(title, "bold", (right - _LEFT) / size)
        if len(lines) * size * 1.25 <= top - _MARGIN - 70:
            break
    _place(card, pen, _cut(lines, 4), size, TEXT, HEIGHT - top, "bold", spacing=1.15)


def _cut(lines: list[str], most: int) -> str:
    """At most ``most`` lines, the last ending in an ellipsis when some are left out."""
    if len(lines) > most:
        lines = [*lines[: most - 1], lines[most - 1].rstrip(" .,;:·") + "…"]
    return "\n".join(lines)


def _place(card: Any, pen: Any, text: str, size: int, color: str, top: float, weight: str,
           spacing: float = 1.2) -> None:
    """``text`` from the left margin, its top ``top`` pixels from the card's top, at ``size``
    pixels. Lines are set as matplotlib set them when it drew the cards: ``spacing`` times
    the font's height apart (DejaVu's ascender and descender make one em), each line's ink
    centred in its slot. TeX that mathtext can't draw is shown as written."""
    baseline = top
    below = 0.0  # the last line's part of its slot below its baseline
    for line in text.split("\n"):
        math = _mathtext(line, size, weight) if _MATH.search(line) else None
        if math is not None:
            ascent, descent = math[1], math[2]
        else:
            _, up, _, down = _font(weight, size).getbbox(line or " ", anchor="ls")
            ascent, descent = -up, down
        slot = spacing * size
        baseline += below + (slot + ascent - descent) / 2
        below = (slot - ascent + descent) / 2
        y = round(baseline)
        if math is None:
            pen.text((_LEFT, y), line, font=_font(weight, size), fill=color, anchor="ls")
        else:
            from PIL import Image

            mask = Image.fromarray(math[0], "L")
            card.paste(color, (_LEFT, y - round(ascent)), mask)


def _mathtext(text: str, size: int, weight: str) -> tuple[Any, float, float, float] | None:
    """(ink as an 8-bit mask, ascent, descent, width) of a line with math, drawn by
    matplotlib's mathtext at ``size`` px in matplotlib's defaults; None if it can't read it."""
    import matplotlib
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser

    with matplotlib.rc_context(), warnings.catch_warnings():
        matplotlib.rcdefaults()  # nothing of the environment's style leaks in
        warnings.simplefilter("ignore")  # a glyph the font lacks: drawn as it can be
        font = FontProperties(family="DejaVu Sans", weight=weight, size=size * 0.72)
        try:  # 0.72: points at 100 dpi are pixels
            parsed = MathTextParser("agg").parse(text, dpi=100, prop=font)
        except ValueError:
            return None
    return parsed.image, parsed.height - parsed.depth, parsed.depth, parsed.width


def _word_width(word: str, weight: str) -> float:
    """The width of ``word`` per pixel of font size (text scales with its size): measured
    once per worker, whatever size a title is tried at."""
    key = (word, weight)
    width = _WIDTHS.get(key)
    if width is None:
        math = _mathtext(word, _MEASURE, weight) if _MATH.search(word) else None
        measured = math[3] if math else _font(weight, _MEASURE).getlength(word)
        width = _WIDTHS[key] = float(measured) / _MEASURE
    return width


def _space(weight: str) -> float:
    return _word_width("a a", weight) - 2 * _word_width("a", weight)


def _line_width(text: str, weight: str) -> float:
    words = _words(text)
    return sum(_word_width(w, weight) for w in words) + _space(weight) * max(0, len(words) - 1)


def _wrap(text: str, weight: str, width: float) -> list[str]:
    """Words on lines no wider than ``width`` (in font sizes)."""
    space = _space(weight)
    lines: list[list[str]] = []
    used = 0.0
    for word in _words(text):
        size = _word_width(word, weight)
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
