"""What a figure block becomes in the page: its code (unless hidden), then its outputs in
order (printed text, displayed HTML and Markdown, images), a figure's caption with them.

Markup follows Quarto's: a ``<div class="cell">`` holding the code and the outputs, each
output with Quarto's classes (``cell-output-stdout``, ``cell-output-display``...), images in
a ``<figure>`` with the label as its id, so ``@fig-…`` links land on it and a post looks the
same in both tools.
"""

from __future__ import annotations

import re
from html import escape

from builder.model import CellOutput, FigureBlock, FigureResult

PLACEHOLDER = "<!--figure-block:{}-->"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_STREAM_CLASS = {"stdout": "cell-output-stdout", "stderr": "cell-output-stderr",
                 "warning": "cell-output-stderr", "text": "cell-output-display",
                 "error": "cell-error"}


def figure_numbers(blocks: tuple[FigureBlock, ...] | list[FigureBlock]) -> dict[str, int]:
    """Quarto's rule: blocks labelled ``fig-…`` are numbered 1, 2, … in order."""
    numbers: dict[str, int] = {}
    for block in blocks:
        if "label" in block.options and block.label.startswith("fig-"):
            numbers[block.label] = len(numbers) + 1
    return numbers


def terminal_text(text: str) -> str:
    """Printed text as a terminal leaves it: colour codes dropped, and a line rewritten
    after a carriage return (a progress bar) showing only its last state."""
    text = _ANSI.sub("", text)
    if "\r" in text:
        text = "\n".join(next((part for part in reversed(line.split("\r")) if part), "")
                         for line in text.split("\n"))
    return text


def code_html(block: FigureBlock) -> str:
    code = block.code_html
    if block.options.get("code-fold", False):
        code = f'<details class="cell-code"><summary>Code</summary>\n{code}\n</details>'
    return code


def output_html(output: CellOutput, alt: str) -> str:
    if output.image is not None:
        image = output.image
        size = f' width="{image.width}" height="{image.height}"' if image.width else ""
        return (f'<img src="{escape(image.file, quote=True)}" alt="{alt}"{size} '
                'loading="lazy" decoding="async">')
    if output.kind == "html":
        return f'<div class="cell-output cell-output-display">\n{output.text}\n</div>'
    text = escape(terminal_text(output.text))
    return f'<pre class="cell-output {_STREAM_CLASS[output.kind]}"><code>{text}</code></pre>'


def figure_html(block: FigureBlock, result: FigureResult | None, number: int | None) -> str:
    options = block.options
    label = block.label if "label" in options else None
    figure_id = label if label and label.startswith("fig-") else None
    parts = []
    if options.get("echo", True) or result is None:
        parts.append(code_html(block))
    outputs = list(result.outputs) if result is not None and options.get("output", True) \
        else []
    caption = _caption(block, number)
    alt = escape(str(options.get("fig-alt") or options.get("fig-cap") or ""), quote=True)
    images = [o for o in outputs if o.image is not None]
    if len(images) > 1 and caption:  # one captioned figure holds them all
        parts.append(_figure("\n".join(output_html(o, alt) for o in outputs), figure_id,
                             caption))
    else:  # each image a figure of its own; a lone image takes the label and the caption
        lone = len(images) == 1
        parts += [_figure(output_html(o, alt), figure_id if lone else None,
                          caption if lone else "")
                  if o.image is not None else output_html(o, alt) for o in outputs]
        if caption and not images:
            parts.append(_figure("", figure_id, caption))
    ident = f' id="{escape(label, quote=True)}"' if label and not figure_id else ""
    return f'<div class="cell"{ident}>\n' + "\n".join(parts) + "\n</div>\n"


def _caption(block: FigureBlock, number: int | None) -> str:
    caption = block.caption_html
    if number is None and not caption:
        return ""
    separator = ":" if caption else ""
    label = f'<span class="figure-number">Figure {number}{separator}</span> ' if number else ""
    return f"<figcaption>{label}{caption}</figcaption>"


def _figure(inner: str, ident: str | None, caption: str) -> str:
    attribute = f' id="{escape(ident, quote=True)}"' if ident else ""
    body = "\n".join(part for part in (inner, caption) if part)
    return f'<figure class="figure"{attribute}>\n{body}\n</figure>'


def fill_placeholders(
    html: str, blocks: tuple[FigureBlock, ...], results: dict[int, FigureResult]
) -> str:
    """Put each block's output where the Markdown stage left its placeholder."""
    numbers = figure_numbers(blocks)
    for block in blocks:
        rendered = figure_html(block, results.get(block.index), numbers.get(block.label))
        html = html.replace(PLACEHOLDER.format(block.index), rendered, 1)
    return html
