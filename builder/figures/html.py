"""What a figure block becomes in the page: its code (unless hidden), then its outputs in
order (printed text, displayed HTML and Markdown, images), a figure's caption with them.

Markup follows Quarto's: a ``<div class="cell">`` holding the code and the outputs, each
output with Quarto's classes (``cell-output-stdout``, ``cell-output-display``...), images in
a ``<figure>`` with the label as its id, so ``@fig-…`` links land on it and a post looks the
same in both tools. The cell options that only change how a block is shown are read here:
``include``, ``echo`` (``fenced`` too), ``output`` (``asis`` too), ``warning``, ``message``,
``code-fold``, ``code-summary``, ``code-line-numbers``, ``code-overflow``, ``classes``,
``fig-align``, ``fig-link``, ``fig-cap-location`` and the page columns.
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any

from builder.figures.outputs_html import cell_body, separate_figures
from builder.model import CellOutput, FigureBlock, FigureResult

PLACEHOLDER = "<!--figure-block:{}-->"


# --- the code -----------------------------------------------------------------------------


def code_html(block: FigureBlock, number: int | None = None) -> str:
    """The block's code as ``echo``, ``code-line-numbers``, ``code-overflow``,
    ``code-fold`` and ``code-summary`` ask."""
    options = block.options
    code = block.fenced_html or block.code_html
    numbers = options.get("code-line-numbers", False)
    if numbers is not False:
        code = _numbered(code, _lines(numbers))
    if options.get("code-overflow") == "wrap":
        code = code.replace('<pre class="highlight">', '<pre class="highlight code-wrap">', 1)
    fold = options.get("code-fold", False)
    if fold is not False:
        summary = escape(str(options.get("code-summary") or _fold_summary(block, number)))
        opened = " open" if fold == "show" else ""
        code = f'<details class="cell-code"{opened}><summary>{summary}</summary>\n{code}\n' \
               "</details>"
    label = options.get("lst-label")
    if label:  # the code as a listing, its caption above (markdown/listings.py)
        code = (f'<figure class="figure quarto-float quarto-float-lst" '
                f'id="{escape(label, quote=True)}">\n<figcaption>{block.listing_caption_html}'
                f"</figcaption>\n{code}\n</figure>")
    return code


def _lines(spec: Any) -> set[int]:
    """``code-line-numbers: "1,3-4"``: the lines to highlight (revealjs' form; ``true``: none)."""
    wanted: set[int] = set()
    if isinstance(spec, str):
        for part in re.split(r"[,|\s]+", spec):
            low, _, high = part.partition("-")
            if low.isdigit():
                wanted.update(range(int(low), int(high if high.isdigit() else low) + 1))
    return wanted


def _numbered(code: str, highlighted: set[int]) -> str:
    """Each line of highlighted code in its own span, which the stylesheet numbers (Pygments
    closes its spans at every line end, so lines split cleanly)."""
    head, _, rest = code.partition("<code")
    attributes, _, rest = rest.partition(">")
    body, _, tail = rest.rpartition("</code>")
    lines = body.rstrip("\n").split("\n")
    spans = "".join(f'<span class="code-line{" marked" if n in highlighted else ""}">'
                    f"{line}\n</span>" for n, line in enumerate(lines, 1))
    head = head.replace('class="highlight', 'class="highlight numbered', 1)
    return f"{head}<code{attributes}>{spans}</code>{tail}"


def _fold_summary(block: FigureBlock, number: int | None) -> str:
    """What a folded block's toggle says: "Code" alone, a dozen times in a post, leaves a
    screen-reader user (who lists the page's controls) nothing to tell the folds apart."""
    if number is not None and block.caption_labels:
        return f"Code for {block.caption_labels[0]}"
    if number is not None:
        return f"Code for {'Table' if float_kind(block) == 'tbl' else 'Figure'} {number}"
    caption = " ".join(unescape(re.sub(r"<[^>]*>", "", block.caption_html)).split())
    return f"Code for “{caption}”" if caption else "Code"


# --- the outputs --------------------------------------------------------------------------


def shown_outputs(block: FigureBlock, result: FigureResult | None) -> list[CellOutput]:
    """The outputs ``output``, ``warning`` and ``message`` let through. Like Quarto's
    Jupyter engine, ``warning: false`` hides the error stream; ``message: false`` hides what
    is not a Python warning in it."""
    options = block.options
    if result is None or options.get("output", True) is False:
        return []
    hidden = set()
    if options.get("warning", True) is False:
        hidden |= {"warning", "stderr"}
    if options.get("message", True) is False:
        hidden.add("stderr")
    return [o for o in result.outputs if o.kind not in hidden]


def figure_html(block: FigureBlock, result: FigureResult | None,
                number: int | None = None) -> str:
    """The block's cell: its code, then its outputs; images (or, for a ``tbl-`` label, the
    displayed tables) in a numbered float with the caption, laid out in rows and lettered as
    sub-figures when the block asks (``layout-ncol``, ``layout``, ``fig-subcap``)."""
    options = block.options
    if options.get("include", True) is False:
        return ""
    number = block.number if number is None else number
    label = block.label if "label" in options else None
    kind = float_kind(block)
    float_id = label if label and label.startswith(("fig-", "tbl-")) else None
    parts = []
    if options.get("echo", True) is not False or result is None:
        parts.append(code_html(block, number))
    outputs = shown_outputs(block, result)
    parts += cell_body(block, outputs, kind, float_id, number)
    classes = " ".join(["cell", *_classes(options)])
    held = float_id and not separate_figures(block, kind)  # else the cell takes the label
    ident = f' id="{escape(label, quote=True)}"' if label and not held else ""
    return f'<div class="{escape(classes, quote=True)}"{ident}>\n' + "\n".join(parts) + \
        "\n</div>\n"


def float_kind(block: FigureBlock) -> str:
    """``tbl`` for a block whose outputs are a table (a ``tbl-`` label, or ``tbl-cap``
    alone), else ``fig``."""
    options = block.options
    if block.label.startswith("tbl-") and "label" in options:
        return "tbl"
    return "tbl" if "tbl-cap" in options and "fig-cap" not in options else "fig"


def _classes(options: dict[str, Any]) -> list[str]:
    """``classes``, and Quarto's classes for page columns and caption places."""
    given = options.get("classes", [])
    found = [c.lstrip(".") for c in ([given] if isinstance(given, str) else given)]
    for key in ("column", "fig-column", "tbl-column"):
        if key in options:
            found.append(f"{key}-{options[key]}")
    return found


def fill_placeholders(
    html: str, blocks: tuple[FigureBlock, ...], results: dict[int, FigureResult]
) -> str:
    """Put each block's output where the Markdown stage left its placeholder."""
    for block in blocks:
        rendered = figure_html(block, results.get(block.index))
        html = html.replace(PLACEHOLDER.format(block.index), rendered, 1)
    return html
