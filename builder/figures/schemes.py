"""Figures drawn for both schemes: which blocks ask, and pairing each dark rendering with
the light image it stands for. Two ways, one result (an image with its ``dark`` rendering,
which the page offers in a ``<picture>`` the theme swaps: ``picture.py``):

- ``dark-rendering: true`` (a cell option; ``[execute]`` in ``site.toml`` or a post's front
  matter sets it for every block): the block runs a second time, in a job of its own,
  under the dark style (``styles.py``), with its own cache key (the light key's parts and
  the style's digest). Its images are named ``<name>-dark.<ext>``; the n-th figure of the
  dark run is the dark rendering of the n-th figure of the light one.
- Quarto's ``renderings: [light, dark]``: the block draws each rendering itself, one
  figure per scheme in the order the option names them (quarto-dev's renderings examples:
  ``light_style(); plt.show(); dark_style(); plt.show()``), and they are paired here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from builder.errors import BuildWarning
from builder.figures.cache import FigureCache
from builder.figures.outputs import image_of
from builder.figures.styles import DARK_DIGEST
from builder.model import CellOutput, FigureBlock, ParsedBody, PostMeta
from builder.write import Output

if TYPE_CHECKING:
    from builder.figures.stage import FigureStage


@dataclass
class Renderings:
    """The dark renderings of a build: each block's key and its cache entry, by
    (post, block index)."""

    keys: dict[tuple[str, int], str] = field(default_factory=dict)
    entries: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)


def wants_dark(block: FigureBlock) -> bool:
    return not block.inline and block.options.get("dark-rendering") is True


def dark_key_parts(parts: dict[str, str]) -> dict[str, str]:
    """A dark rendering's key parts: its light figures' and the dark style's digest."""
    return {**parts, "scheme": DARK_DIGEST}


def attach_dark(posts: Sequence[tuple[PostMeta, ParsedBody]],
                entries: dict[tuple[str, int], dict[str, Any]], cache: FigureCache,
                stage: FigureStage) -> None:
    """Give each light figure its dark rendering, and publish the dark files."""
    if not entries:
        return
    for meta, body in posts:
        results = stage.results.get(meta.source, {})
        folder = str(PurePosixPath(meta.output_file).parent)
        folder = "" if folder == "." else folder + "/"
        for block in body.blocks:
            entry, result = entries.get((meta.source, block.index)), results.get(block.index)
            if entry is None or result is None:
                continue
            dark = [image_of(o) for o in entry["outputs"]
                    if o["type"] == "image" and o.get("figure", True)]
            light = [o.image for o in result.outputs if o.image is not None and o.image.figure]
            if len(dark) != len(light):
                stage.warnings.append(BuildWarning(
                    meta.source, block.line, f"drawn for the dark scheme the block showed "
                    f"{len(dark)} figures, not {len(light)}: its figures have no dark "
                    "rendering", "draw the same figures whatever the style"))
                continue
            pairs = dict(zip((id(image) for image in light), dark, strict=True))
            outputs = []
            for output in result.outputs:
                image = output.image
                if image is not None and id(image) in pairs:
                    image = replace(image, dark=pairs[id(image)])
                    for stored in image.dark.stored_files():  # type: ignore[union-attr]
                        stage.outputs.append(Output(
                            folder + stored.file, "figure:" + stored.digest,
                            lambda d=stored.digest, n=stored.file: cache.read_image(d, n),
                            meta.source))
                    output = CellOutput(output.kind, output.text, image, output.result)
                outputs.append(output)
            results[block.index] = replace(result, outputs=tuple(outputs))


def pair_drawn_renderings(posts: Sequence[tuple[PostMeta, ParsedBody]],
                          stage: FigureStage) -> None:
    """Quarto's ``renderings``: the block's images, one per scheme in the option's order,
    become one image with its dark rendering. Another number of images is a warning, and
    every image is shown as it is (nothing is lost)."""
    for meta, body in posts:
        results = stage.results.get(meta.source, {})
        for block in body.blocks:
            order = block.options.get("renderings")
            result = results.get(block.index)
            if not order or len(order) < 2 or result is None:
                continue
            images = [o for o in result.outputs if o.image is not None]
            if len(images) != len(order):
                if images:
                    stage.warnings.append(BuildWarning(
                        meta.source, block.option_lines.get("renderings", block.line),
                        f"renderings names {len(order)} schemes but the block showed "
                        f"{len(images)} images: they are shown as they are",
                        "draw one figure per scheme, in the order 'renderings' names them"))
                continue
            light, dark = (images[order.index(scheme)] for scheme in ("light", "dark"))
            merged = replace(light.image, dark=dark.image)  # type: ignore[arg-type]
            outputs = tuple(CellOutput(o.kind, o.text, merged, o.result) if o is light else o
                            for o in result.outputs if o is not dark)
            results[block.index] = replace(result, outputs=outputs)
