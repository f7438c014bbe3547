"""Inline code `` `{python} expr` `` (found by ``markdown/inline_code.py``) among the blocks.

A post's blocks and inline expressions run in one namespace in document order, as Quarto's
Jupyter engine runs them: an expression sees what the blocks before it defined, and is
cached like a block (its key covers its code and the code of the blocks it reads names
from). Its value is shown as Quarto shows a user expression's (``resolveUserExpressions``
in quarto-cli's ``src/core/jupyter/jupyter-inline.ts``): an object's HTML as raw HTML, its
Markdown (``IPython.display.Markdown``) as Markdown, else its plain text, as text: a
string without the quotes of its repr, a number or a list as Python prints it. (Quarto
hands plain text to Pandoc as Markdown, escaping some of its punctuation in strings: there
``2*x*y`` loses its stars and ``$x$`` becomes math; here text always reads as written.)
Images and LaTeX, which Quarto has no inline place for in HTML, show as plain text too.
"""

from __future__ import annotations

import ast
from html import escape
from typing import Any

from builder.errors import BuildError
from builder.markdown.inline_code import PLACEHOLDER
from builder.model import CellOutput, FigureBlock, FigureResult, ParsedBody


def run_order(body: ParsedBody) -> list[FigureBlock]:
    """The post's blocks and inline expressions as they run: in document order (no two
    share a line: a fence has lines of its own)."""
    if not body.inline:
        return list(body.blocks)
    return sorted((*body.blocks, *body.inline), key=lambda unit: unit.line)


def unit_at(body: ParsedBody, index: int) -> FigureBlock:
    """The block or inline expression numbered ``index``."""
    count = len(body.blocks)
    return body.blocks[index] if index < count else body.inline[index - count]


def inline_result(output: dict[str, Any], unit: FigureBlock, path: str) -> FigureResult:
    """What the page shows for an expression's value (as the worker reported it)."""
    mime, text = output["mime"], output["text"]
    if mime == "text/html":
        html = text
    elif mime == "text/markdown":
        html = _inline_markdown(text, path, unit.line)
    else:
        html = escape(_unquoted(text), quote=False)
    return FigureResult(unit.index, (CellOutput("html", html, result=True),))


def _unquoted(text: str) -> str:
    """A string's text without the quotes of its repr (``'a\\nb'`` is ``a``, a line
    break, ``b``); any other plain text as it is."""
    if len(text) < 2 or text[0] != text[-1] or text[0] not in "'\"":
        return text
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text[1:-1]
    return value if isinstance(value, str) else text


def _inline_markdown(text: str, path: str, line: int) -> str:
    from builder.markdown.parser import make_markdown

    md = make_markdown()
    env: dict[str, Any] = {"path": path, "body_line": line, "blocks": [], "errors": [],
                           "lines": text.split("\n"), "warn": lambda _: None}
    try:
        return md.renderInline(text, env).strip()
    except BuildError as error:
        raise BuildError(f"in the value of inline code: {error.message}", path, line) from None


def fill_inline(html: str, inline: tuple[FigureBlock, ...],
                results: dict[int, FigureResult]) -> str:
    """Each expression's value where the Markdown stage left its placeholder; an
    expression that did not run (an earlier block failed) shows as code."""
    for unit in inline:
        marker = PLACEHOLDER.format(unit.index)
        if marker not in html:
            continue
        result = results.get(unit.index)
        shown = result.outputs[0].text if result and result.outputs else \
            f"<code>{{python}} {escape(unit.code, quote=False)}</code>"
        html = html.replace(marker, shown)
    return html
