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
    if number is not None:
        return f"Code for Figure {number}"
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


def output_html(output: CellOutput, alt: str, asis: bool = False) -> str:
    if output.image is not None:
        image = output.image
        size = f' width="{image.width}" height="{image.height}"' if image.width else ""
        return (f'<img src="{escape(image.file, quote=True)}" alt="{alt}"{size} '
                'loading="lazy" decoding="async">')
    if output.kind == "html":
        if asis:
            return output.text
        return f'<div class="cell-output cell-output-display">\n{output.text}\n</div>'
    text = escape(terminal_text(output.text))
    return f'<pre class="cell-output {_STREAM_CLASS[output.kind]}"><code>{text}</code></pre>'


def figure_html(block: FigureBlock, result: FigureResult | None, number: int | None) -> str:
    options = block.options
    if options.get("include", True) is False:
        return ""
    label = block.label if "label" in options else None
    figure_id = label if label and label.startswith("fig-") else None
    parts = []
    if options.get("echo", True) is not False or result is None:
        parts.append(code_html(block, number))
    outputs = shown_outputs(block, result)
    asis = options.get("output") == "asis"
    caption = _caption(block, number)
    alt = escape(str(options.get("fig-alt") or options.get("fig-cap") or ""), quote=True)
    link = options.get("fig-link")
    images = [o for o in outputs if o.image is not None]

    def shown(output: CellOutput) -> str:
        html = output_html(output, alt, asis)
        if link and output.image is not None:
            html = f'<a href="{escape(str(link), quote=True)}">{html}</a>'
        return html

    if len(images) > 1 and caption:  # one captioned figure holds them all
        parts.append(_figure("\n".join(shown(o) for o in outputs), figure_id, caption,
                             options))
    else:  # each image a figure of its own; a lone image takes the label and the caption
        lone = len(images) == 1
        parts += [_figure(shown(o), figure_id if lone else None, caption if lone else "",
                          options)
                  if o.image is not None else shown(o) for o in outputs]
        if caption and not images:
            parts.append(_figure("", figure_id, caption, options))
    classes = " ".join(["cell", *_classes(options)])
    ident = f' id="{escape(label, quote=True)}"' if label and not figure_id else ""
    return f'<div class="{escape(classes, quote=True)}"{ident}>\n' + "\n".join(parts) + \
        "\n</div>\n"


def _classes(options: dict[str, Any]) -> list[str]:
    """``classes``, and Quarto's classes for page columns and caption places."""
    given = options.get("classes", [])
    found = [c.lstrip(".") for c in ([given] if isinstance(given, str) else given)]
    for key in ("column", "fig-column", "tbl-column"):
        if key in options:
            found.append(f"{key}-{options[key]}")
    return found


def _caption(block: FigureBlock, number: int | None) -> str:
    caption = block.caption_html
    if number is None and not caption:
        return ""
    separator = ":" if caption else ""
    label = f'<span class="figure-number">Figure {number}{separator}</span> ' if number else ""
    return f"<figcaption>{label}{caption}</figcaption>"


def _figure(inner: str, ident: str | None, caption: str, options: dict[str, Any]) -> str:
    attribute = f' id="{escape(ident, quote=True)}"' if ident else ""
    align = options.get("fig-align", "default")
    classes = "figure" + (f" figure-{align}" if align != "default" else "")
    top = options.get("fig-cap-location", options.get("cap-location")) == "top"
    body = "\n".join(part for part in ((caption, inner) if top else (inner, caption)) if part)
    return f'<figure class="{classes}"{attribute}>\n{body}\n</figure>'


def fill_placeholders(
    html: str, blocks: tuple[FigureBlock, ...], results: dict[int, FigureResult]
) -> str:
    """Put each block's output where the Markdown stage left its placeholder."""
    numbers = figure_numbers(blocks)
    for block in blocks:
        rendered = figure_html(block, results.get(block.index), numbers.get(block.label))
        html = html.replace(PLACEHOLDER.format(block.index), rendered, 1)
    return html
