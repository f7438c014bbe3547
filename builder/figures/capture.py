"""Figures to image files in the worker: tight like Jupyter's, animations in one fixed box.

Jupyter's inline backend and Quarto save figures with ``bbox_inches="tight"``: the image
grows to hold labels that stick out of the canvas and loses the empty margin, so an x label
is never cut off. That is the default here too (``fig-crop: false`` keeps the canvas as it
is). An animation needs one box for all its frames: it is computed once, on the first frame,
like the layout, and every frame is drawn inside it.

Drawing is where matplotlib finds bad TeX (``plt.title(r"$\\frac{1}{$")``), long after the
line that set it ran. So the worker notes, for every text with a ``$`` in it and for every
figure and animation, the post line that made it; a drawing error is then reported at that
line, as an exception of the block (which ``error: true`` can show in the page).

``BlockImages`` is what the worker's backend calls on ``plt.show()`` and what the worker calls
when a block ends: it decides which figures become images, in which order, and names them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from builder.figures.failures import BlockError, from_post, located
from builder.figures.gif import Frames, canvas_rgb, encode_gif
from builder.figures.options import image_format, output_name
from builder.figures.webp import encode_webp

PAD_INCHES = 0.1  # matplotlib's savefig.pad_inches, which the inline backend keeps
_LINE = "_build_site_line"  # attribute naming the post line that made an artist


# --- where in the post each artist was made ---------------------------------------------

_post: str | None = None


def track_lines(post: str | None) -> None:
    """From now on, artists made by code of ``post`` remember their line (None: stop)."""
    global _post
    _post = post


def post_line() -> int | None:
    """The line of ``_post`` that is running now, seen from inside a call it made."""
    if _post is None:
        return None
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == _post:
            return frame.f_lineno
        frame = frame.f_back
    return None


def remember_line(artist: Any) -> None:
    line = post_line()
    if line is not None:
        setattr(artist, _LINE, line)


def line_of(artist: Any) -> int | None:
    return getattr(artist, _LINE, None)


def install_line_tracking() -> None:
    """Texts with TeX in them note their line as they are set (a ``$`` test: nearly free)."""
    from matplotlib.text import Text

    original = Text.set_text

    def set_text(self: Any, s: Any) -> None:
        original(self, s)
        if _post is not None and "$" in self._text:
            remember_line(self)

    Text.set_text = set_text  # type: ignore[method-assign]


def drawing_error(exc: BaseException, figure: Any, anim: Any, post: str) -> BlockError:
    """What failed while ``figure`` was drawn, in one line, at the post line that made it
    (the text with bad TeX, else the animation or the figure, else the line running now)."""
    from matplotlib.artist import Artist
    from matplotlib.text import Text

    failing = None
    tb = exc.__traceback__
    while tb is not None:  # the innermost artist whose draw raised
        candidate = tb.tb_frame.f_locals.get("self")
        if isinstance(candidate, Artist):
            failing = candidate
        tb = tb.tb_next
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    reason = lines[-1] if lines else type(exc).__name__
    if isinstance(failing, Text) and "$" in failing.get_text():
        message = f"{type(exc).__name__}: bad TeX in the text '{failing.get_text()}': {reason}"
    else:
        message = f"{type(exc).__name__}: {reason} (while drawing the figure)"
    line = line_of(failing) or line_of(anim) or line_of(figure) or post_line()
    return BlockError(message, line, details=located(message, line, post))


# --- saving -----------------------------------------------------------------------------


def save_static(fig: Any, path: Path, fmt: str, dpi: float, scale: int, crop: bool,
                quality: int) -> dict[str, Any]:
    """Save one figure as a raster drawn at ``scale`` times the dpi (PNG, JPEG, WebP, a
    one-frame GIF), or as SVG; its size is given in CSS pixels (the 1x size)."""
    tight = {"bbox_inches": "tight", "pad_inches": PAD_INCHES} if crop else {}
    if fmt == "gif":
        fig.set_dpi(dpi * scale)
        restore = fix_box(fig) if crop else None
        try:
            frame = canvas_rgb(fig)
        finally:
            if restore:
                restore()
        encode_gif([frame], 100, path)
        height, width = (n // scale for n in frame.shape[:2])
    elif fmt == "svg":
        fig.savefig(path, format="svg", metadata={"Date": None, "Creator": None}, **tight)
        width, height = _svg_size(path)
    else:
        fig.savefig(path, format=fmt, dpi=dpi * scale, **_raster_options(fmt, quality), **tight)
        from PIL import Image

        with Image.open(path) as image:
            width, height = image.width // scale, image.height // scale
            opaque = fmt == "png" and image.mode == "RGBA" and \
                image.getextrema()[3] == (255, 255)
            pixels = image.convert("RGB") if opaque else None
        if pixels is not None:  # matplotlib writes RGBA: an opaque figure's alpha is waste
            pixels.save(path, format="PNG")  # (a tenth of the bytes), and this writes no text
    return {"file": path.name, "width": width, "height": height, "frames": 1}


def _raster_options(fmt: str, quality: int) -> dict[str, Any]:
    """savefig arguments for same bytes on every run and no metadata (no software version)."""
    if fmt == "png":
        return {"metadata": {"Software": None}}
    if fmt == "jpeg":  # progressive: smaller for large pictures, and it shows while it loads
        return {"pil_kwargs": {"quality": quality, "optimize": True, "progressive": True}}
    return {"pil_kwargs": {"quality": quality, "method": 6}}  # webp: the slowest, smallest


def _svg_size(path: Path) -> tuple[int, int]:
    """The ``width`` and ``height`` written into an SVG (points or pixels; 0 when absent)."""
    import re

    head = path.read_bytes()[:4000].decode("utf-8", "replace")
    tag = re.search(r"<svg\b[^>]*>", head)
    sizes = [re.search(rf'\s{name}="([\d.]+)(?:pt|px)?"', tag.group(0)) if tag else None
             for name in ("width", "height")]
    return tuple(round(float(m.group(1))) if m else 0 for m in sizes)  # type: ignore[return-value]


def _scaled(width: int, height: int, wanted_width: Any, wanted_height: Any) -> tuple[int, int]:
    """The size a display's metadata asks for; one side given keeps the aspect ratio."""
    try:
        new_width = int(wanted_width) if wanted_width else 0
        new_height = int(wanted_height) if wanted_height else 0
    except (TypeError, ValueError):
        return width, height
    if new_width and not new_height and width:
        new_height = round(height * new_width / width)
    elif new_height and not new_width and height:
        new_width = round(width * new_height / height)
    return (new_width, new_height) if new_width else (width, height)


def fix_box(fig: Any) -> Any:
    """Lay ``fig`` out and measure it without rasterising (``draw_without_rendering``), then
    shrink (or grow) its canvas to its tight box plus the padding; return the function that
    puts the canvas back. The box then stays for every later draw.
    """
    from matplotlib import _tight_bbox

    fig.draw_without_rendering()  # runs the layout engine and measures every text
    renderer = fig.canvas.get_renderer()
    box = fig.get_tightbbox(renderer).padded(PAD_INCHES)
    fig.set_layout_engine("none")  # the layout is done; frames must not move
    return _tight_bbox.adjust_bbox(fig, box, renderer, fig.dpi)


def animation_frames(anim: Any, dpi: float, max_frames: int, number: int,
                     crop: bool = True) -> Frames:
    """Draw each frame once on the Agg canvas and keep its pixels.

    This is what ``Animation.save`` does, less its two costs per frame: the extra draw of
    ``draw_idle`` after every frame and a ``savefig`` round trip. The layout engine and the
    tight box are computed on the first frame only, then the axes stay put, so frames never
    jitter.
    """
    fig = anim._fig
    fig.set_dpi(dpi)
    anim._init_draw()
    frames = Frames()
    restore = None
    try:
        for data in anim.new_saved_frame_seq():
            if len(frames) >= max_frames:
                raise BlockError(f"animation {number} has more than {max_frames} frames "
                                 "(the limit is set by 'figures.max_frames' in site.toml)", None)
            anim._pre_draw(data, False)
            anim._draw_frame(data)
            if not frames:
                if crop:
                    restore = fix_box(fig)
                else:
                    canvas_rgb(fig)  # the first draw runs the layout engine: then freeze it
                    fig.set_layout_engine("none")
            frames.append(canvas_rgb(fig))
    finally:
        if restore:
            restore()
    if not frames:
        raise BlockError(f"animation {number} has no frames", None)
    return frames


def save_animation(anim: Any, path: Path, dpi: float, scale: int, max_frames: int,
                   number: int, crop: bool) -> dict[str, Any]:
    """An animation as a looping GIF, drawn at ``scale`` times the dpi, sized in CSS pixels,
    and the same frames as the player's WebP beside it (``player``)."""
    frames = animation_frames(anim, dpi * scale, max_frames, number, crop)
    images = encode_gif(frames, anim._interval, path)
    player = path.with_suffix(".webp")
    encode_webp(images, anim._interval, player)
    assert frames.first is not None
    height, width = (n // scale for n in frames.first.shape[:2])
    return {"file": path.name, "width": width, "height": height, "frames": len(frames),
            "player": player.name}


# --- the images of one block -------------------------------------------------------------

_PYPLOT = "_build_site_pyplot"  # marks the figures pyplot made (and may close)


def _is_open(fig: Any) -> bool:
    """Not closed by the author: a pyplot figure still managed, or one pyplot never knew."""
    return fig.canvas.manager is not None or not getattr(fig, _PYPLOT, False)


class BlockImages:
    """The images one block shows, in order: at each ``plt.show()`` (every open figure, then
    closed, as Jupyter's inline backend does) and at the end (what is still open)."""

    def __init__(self, block: dict[str, Any], settings: dict[str, Any], folder: Path,
                 post: str) -> None:
        options = block["options"]
        self.block, self.settings, self.folder, self.post = block, settings, folder, post
        self.dpi = options.get("fig-dpi", settings["dpi"])
        self.fmt, self.suffix, sharp = image_format(options)
        self.retina = settings["retina"]  # animations and GIFs are always drawn sharp
        self.scale = self.retina if sharp else 1
        self.crop = options.get("fig-crop", True)
        self.scheme = settings.get("scheme", "light")  # "dark": names end in -dark
        self.images: list[dict[str, Any]] = []
        self.outputs: list[dict[str, Any]] = []  # the block's outputs, images among them
        self.animations: list[Any] = []  # every Animation the block made, in order

    def new_figure(self, fig: Any) -> None:
        setattr(fig, _PYPLOT, True)
        remember_line(fig)

    def new_animation(self, anim: Any) -> None:
        remember_line(anim)
        self.animations.append(anim)

    def show(self, figure: Any = None) -> None:
        """``plt.show()`` (every open figure) or ``fig.show()`` (that one)."""
        import matplotlib.pyplot as plt

        figures = [figure] if figure is not None else [plt.figure(n) for n in plt.get_fignums()]
        self._check_limit(len(figures))
        for fig in figures:
            self.add(fig)
            plt.close(fig)

    def finish(self) -> None:
        """At the end of the block: figures still open, and animations of figures pyplot
        never managed (an Animation of a closed figure was the author's to save)."""
        import matplotlib.pyplot as plt

        figures = [plt.figure(n) for n in plt.get_fignums()]
        for anim in self.animations:
            if _is_open(anim._fig) and all(anim._fig is not f for f in figures):
                figures.append(anim._fig)
        self._check_limit(len(figures))
        for fig in figures:
            self.add(fig)

    def _check_limit(self, more: int) -> None:
        total, limit = len(self.images) + more, self.settings["max_figures_per_block"]
        if total > limit:
            raise BlockError(f"the block made {total} figures; the limit is {limit} per block",
                             post_line())

    def add(self, fig: Any) -> None:
        anim = next((a for a in self.animations if a._fig is fig), None)
        number = len(self.images)
        try:
            if anim is not None:
                path = self.folder / output_name(self.block, number, "gif", self.scheme)
                count = sum(1 for image in self.images if image["frames"] > 1) + 1
                image = save_animation(anim, path, self.dpi, self.retina,
                                       self.settings["max_frames"], count, self.crop)
            else:
                path = self.folder / output_name(self.block, number, self.suffix, self.scheme)
                scale = self.retina if self.fmt == "gif" else self.scale
                image = save_static(fig, path, self.fmt, self.dpi, scale, self.crop,
                                    self.settings["quality"])
        except BlockError as error:
            if error.line is None:
                error.line = line_of(anim or fig) or post_line()
                error.details = located(error.message, error.line, self.post)
            raise
        except Exception as exc:
            if from_post(exc, self.post):
                raise  # the author's own code failed (an animation's frame function)
            raise drawing_error(exc, fig, anim, self.post) from None
        self._append({**image, "figure": True})

    def add_data(self, data: bytes, ext: str, metadata: dict[str, Any]) -> None:
        """An image a displayed object made (``_repr_png_``...), shown at its own size or
        at the ``width``/``height`` its display metadata asks for."""
        self._check_limit(1)
        path = self.folder / output_name(self.block, len(self.images), ext, self.scheme)
        path.write_bytes(data)
        width = height = 0
        if ext == "svg":
            width, height = _svg_size(path)
        else:
            from PIL import Image, UnidentifiedImageError

            try:
                with Image.open(path) as image:
                    width, height = image.size
            except (OSError, UnidentifiedImageError):
                raise BlockError(f"a displayed object gave {ext.upper()} data that is not an "
                                 "image", post_line()) from None
        width, height = _scaled(width, height, metadata.get("width"), metadata.get("height"))
        self._append({"file": path.name, "width": width, "height": height, "frames": 1,
                      "figure": False})

    def _append(self, image: dict[str, Any]) -> None:
        self.images.append(image)
        self.outputs.append({"type": "image", **image})
