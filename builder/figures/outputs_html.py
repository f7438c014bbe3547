"""A figure block's outputs in the page: each output as Quarto marks it up, and the images
(or, for a ``tbl-`` block, the displayed tables) gathered in a numbered float with their
caption, laid out in rows and lettered as sub-figures when the block asks.

Quarto's rules (``core/jupyter/labels.ts``, ``quarto-pre/parsefiguredivs.lua``):
``fig-subcap`` (a list, or ``true`` for bare letters) makes each image a sub-figure
``label-1``, ``label-2``… captioned "(a) …" under the block's caption "Figure 1: …";
``layout-ncol``, ``layout-nrow`` and ``layout`` put the outputs in rows (printed text too;
the error stream stays above, as Quarto keeps it out of the panel); a list of ``fig-cap``
makes each image a figure of its own, numbered in turn; ``fig-alt``, ``fig-link`` and
``fig-align`` may be lists too, one entry per image.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any

from builder.figures.layout import has_layout, panel_html
from builder.figures.picture import image_html
from builder.model import CellOutput, FigureBlock

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_STREAM_CLASS = {"stdout": "cell-output-stdout", "stderr": "cell-output-stderr",
                 "warning": "cell-output-stderr", "text": "cell-output-display",
                 "error": "cell-error"}
_PREAMBLE = ("stderr", "warning", "error")
PREFIXES = {"fig": "Figure", "tbl": "Table"}
_TABLE_TAG = re.compile(r"<table\b[^>]*>")


def terminal_text(text: str) -> str:
    """Printed text as a terminal leaves it: colour codes dropped, and a line rewritten
    after a carriage return (a progress bar) showing only its last state."""
    text = _ANSI.sub("", text)
    if "\r" in text:
        text = "\n".join(next((part for part in reversed(line.split("\r")) if part), "")
                         for line in text.split("\n"))
    return text


def output_html(output: CellOutput, alt: str, asis: bool = False) -> str:
    if output.image is not None:
        return image_html(output.image, alt)
    if output.kind == "html":
        if asis:
            return output.text
        return f'<div class="cell-output cell-output-display">\n{output.text}\n</div>'
    text = escape(terminal_text(output.text))
    return f'<pre class="cell-output {_STREAM_CLASS[output.kind]}"><code>{text}</code></pre>'


def colgroup(widths: Sequence[float]) -> str:
    """Column widths in percent, as Pandoc writes them."""
    cols = "".join(f'<col style="width: {w:g}%">' for w in widths)
    return f"<colgroup>{cols}</colgroup>\n" if widths else ""


def caption_html(kind: str, number: int | None, caption: str, block: FigureBlock | None = None,
                 index: int = 0) -> str:
    """"Figure 2: Caption": ``block``'s own words for its ``index``-th figure, as the post's
    ``crossref:`` options wrote them (crossref.py)."""
    if number is None and not caption:
        return ""
    labels = block.caption_labels if block is not None else ()
    shown = escape(labels[index]) if index < len(labels) else f"{PREFIXES[kind]} {number}"
    separator = (escape(block.title_delim) if block is not None else ":") if caption else ""
    label = f'<span class="figure-number">{shown}{separator}</span> ' if number else ""
    return f"<figcaption>{label}{caption}</figcaption>"


def cell_body(block: FigureBlock, outputs: list[CellOutput], kind: str,
              float_id: str | None, number: int | None) -> list[str]:
    """The HTML of the block's outputs, in order, floats and panels made."""
    options = block.options
    lettered = f"{kind}-subcap" in options
    separate = separate_figures(block, kind)
    laid = has_layout(options) or lettered
    items = [o for o in outputs if _is_item(o, kind)]
    place = {id(o): i for i, o in enumerate(items)}  # the n-th image (or table) of the block
    shown = _Shown(block, kind, place)
    caption = caption_html(kind, number, block.caption_html, block) if not separate else ""

    if not laid and not separate:
        return _plain(shown, outputs, place, kind, float_id, caption)
    rendered = []
    for output in outputs:
        if id(output) in place:
            i = place[id(output)]
            if lettered:
                rendered.append(shown.sub_figure(output, i, float_id))
            elif separate:
                figure_number = number + i if number is not None else None
                text = block.subcaptions_html[i] if i < len(block.subcaptions_html) else ""
                ident = f"{float_id}-{i + 1}" if float_id else None
                rendered.append(_figure(shown(output), ident, caption_html(
                    kind, figure_number, text, block, i), options, kind, i))
            else:
                rendered.append(_figure(shown(output), None, "", options, kind, i))
        else:
            rendered.append(shown(output))
    if not laid:
        return rendered
    cells = [(o, html) for o, html in zip(outputs, rendered, strict=True)
             if o.kind not in _PREAMBLE]
    preamble = [html for o, html in zip(outputs, rendered, strict=True) if o.kind in _PREAMBLE]
    kinds = ["image" if o.image is not None else "table" if "<table" in o.text else "text"
             for o, _ in cells]
    layout = options if has_layout(options) else {"layout-ncol": 1}
    panel = panel_html([html for _, html in cells], kinds, layout)
    if separate or (not caption and not float_id):
        return [*preamble, panel]
    return [*preamble, _float(panel, float_id, caption, options, kind)]


def separate_figures(block: FigureBlock, kind: str) -> bool:
    """A list of captions (and no sub-captions): each image is a figure of its own."""
    captions = block.options.get(f"{kind}-cap")
    return isinstance(captions, list) and len(captions) > 1 and \
        f"{kind}-subcap" not in block.options


def _is_item(output: CellOutput, kind: str) -> bool:
    """What a float of this kind holds: images, or for a table the displayed tables."""
    if kind == "tbl":
        return output.kind == "html" and "<table" in output.text
    return output.image is not None


def _plain(shown: _Shown, outputs: list[CellOutput], place: dict[int, int], kind: str,
           float_id: str | None, caption: str) -> list[str]:
    """No layout: one float holds every output when there are several items and a caption
    (or it is a table); a lone image takes the label and the caption."""
    options = shown.options
    if (len(place) > 1 and caption) or (kind == "tbl" and (caption or float_id)):
        return [_figure("\n".join(shown(o) for o in outputs), float_id, caption, options, kind)]
    lone = len(place) == 1
    parts = [_figure(shown(o), float_id if lone else None, caption if lone else "", options,
                     kind, place[id(o)])
             if id(o) in place else shown(o) for o in outputs]
    if caption and not place:
        parts.append(_figure("", float_id, caption, options, kind))
    return parts


class _Shown:
    """Each output's HTML, with the entry of ``fig-alt`` and ``fig-link`` for its image."""

    def __init__(self, block: FigureBlock, kind: str, place: dict[int, int]) -> None:
        self.block, self.kind, self.place = block, kind, place
        self.options = block.options
        self.asis = self.options.get("output") == "asis"

    def _entry(self, key: str, index: int) -> str:
        value = self.options.get(key)
        if isinstance(value, list):
            return str(value[index]) if index < len(value) else ""
        return str(value or "")

    def __call__(self, output: CellOutput) -> str:
        index = self.place.get(id(output), 0)
        alt = self._entry("fig-alt", index) or self._entry("fig-cap", index)
        html = output_html(output, escape(alt, quote=True), self.asis)
        link = self._entry("fig-link", index)
        if link and output.image is not None:
            html = f'<a href="{escape(link, quote=True)}">{html}</a>'
        widths = self.options.get("tbl-colwidths")
        if self.kind == "tbl" and isinstance(widths, list) and output.kind == "html":
            html = _TABLE_TAG.sub(lambda m: m.group(0) + colgroup(widths), html, count=1)
        return html

    def sub_figure(self, output: CellOutput, index: int, parent: str | None) -> str:
        from builder.markdown.crossref_format import subref_label

        texts = self.block.subcaptions_html
        text = texts[index] if index < len(texts) else ""
        shown = escape(subref_label(self.block.subref_style, index))
        caption = f"<figcaption>({shown}) {text}".rstrip() + "</figcaption>"
        ident = f"{parent}-{index + 1}" if parent else None
        return _figure(self(output), ident, caption, self.options, self.kind, index)


def _figure(inner: str, ident: str | None, caption: str, options: dict[str, Any],
            kind: str = "fig", index: int = 0) -> str:
    attribute = f' id="{escape(ident, quote=True)}"' if ident else ""
    align = options.get("fig-align", "default")
    if isinstance(align, list):
        align = align[index] if index < len(align) else "default"
    classes = "figure" + (f" figure-{align}" if align != "default" else "")
    if kind == "tbl":
        classes += " quarto-float quarto-float-tbl"
    top = _caption_on_top(options, kind)
    body = "\n".join(part for part in ((caption, inner) if top else (inner, caption)) if part)
    return f'<figure class="{classes}"{attribute}>\n{body}\n</figure>'


def _float(panel: str, ident: str | None, caption: str, options: dict[str, Any],
           kind: str) -> str:
    attribute = f' id="{escape(ident, quote=True)}"' if ident else ""
    top = _caption_on_top(options, kind)
    body = "\n".join(part for part in ((caption, panel) if top else (panel, caption)) if part)
    return f'<figure class="figure quarto-float quarto-float-{kind}"{attribute}>\n{body}\n' \
           "</figure>"


def _caption_on_top(options: dict[str, Any], kind: str) -> bool:
    place = options.get(f"{kind}-cap-location", options.get("cap-location"))
    return place == "top" or (kind == "tbl" and place is None)
