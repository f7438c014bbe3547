"""What a figure block becomes in the page: its code (unless hidden), images, output, caption.

Markup follows Quarto's (a ``<figure>`` with the label as its id) so ``@fig-…`` links land on
it and a post looks the same in both tools.
"""

from __future__ import annotations

from html import escape

from builder.model import FigureBlock, FigureResult

PLACEHOLDER = "<!--figure-block:{}-->"


def figure_numbers(blocks: tuple[FigureBlock, ...] | list[FigureBlock]) -> dict[str, int]:
    """Quarto's rule: blocks labelled ``fig-…`` are numbered 1, 2, … in order."""
    numbers: dict[str, int] = {}
    for block in blocks:
        if "label" in block.options and block.label.startswith("fig-"):
            numbers[block.label] = len(numbers) + 1
    return numbers


def figure_html(block: FigureBlock, result: FigureResult | None, number: int | None) -> str:
    options = block.options
    parts = []
    if options.get("echo", True) or result is None:
        code = block.code_html
        if options.get("code-fold", False):
            code = f'<details class="cell-code"><summary>Code</summary>\n{code}\n</details>'
        parts.append(code)
    if result is not None and options.get("output", True):
        if result.stdout:
            parts.append(f'<pre class="cell-output"><code>{escape(result.stdout)}</code></pre>')
        if result.error:
            parts.append(f'<pre class="cell-output cell-error"><code>{escape(result.error)}'
                         "</code></pre>")
        alt = escape(str(options.get("fig-alt") or options.get("fig-cap") or ""), quote=True)
        for image in result.images:
            width = image.width
            height = image.height
            parts.append(
                f'<img src="{escape(image.file, quote=True)}" alt="{alt}" width="{width}" '
                f'height="{height}" loading="lazy" decoding="async">'
            )
    caption = block.caption_html
    if number is not None or caption:
        separator = ":" if caption else ""
        label = f'<span class="figure-number">Figure {number}{separator}</span> ' if number \
            else ""
        parts.append(f"<figcaption>{label}{caption}</figcaption>")
    ident = f' id="{escape(block.label, quote=True)}"' if "label" in options else ""
    inner = "\n".join(parts)
    return f'<figure class="figure"{ident}>\n{inner}\n</figure>\n'


def fill_placeholders(
    html: str, blocks: tuple[FigureBlock, ...], results: dict[int, FigureResult]
) -> str:
    """Put each block's output where the Markdown stage left its placeholder."""
    numbers = figure_numbers(blocks)
    for block in blocks:
        rendered = figure_html(block, results.get(block.index), numbers.get(block.label))
        html = html.replace(PLACEHOLDER.format(block.index), rendered, 1)
    return html
