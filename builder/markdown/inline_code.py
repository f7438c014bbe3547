"""Quarto's inline code: `` `{python} expr` `` in the prose shows the value of ``expr``.

Quarto finds it with ``(^|[^`])`{python}[ \\t]([^`]+)``` (``executeInlineCodeHandler`` in
quarto-cli's ``src/core/execute-inline.ts``) and evaluates it in the kernel, in document
order, when the Markdown cell holding it is reached, so it sees what the blocks before it
defined (``cell_execute_inline`` in ``src/resources/jupyter/notebook.py``). Here each one
becomes a ``FigureBlock`` marked ``inline``, numbered after the post's blocks and run with
them (``figures/inline.py``), and a placeholder in the HTML until its value is known. Only
a single-backtick span starting with ``{python}`` and a space counts (``` ``{python} x`` ```
stays code), and code in code blocks is never run. Where the post's (or the site's)
defaults say ``eval: false`` (or ``engine: markdown``), it stays code, as in Quarto; in a
Jekyll site's posts too, as Jekyll showed it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from builder.model import FigureBlock

PLACEHOLDER = "<!--inline-code:{}-->"
_INLINE = re.compile(r"`\{python\}[ \t]+([^`]+)`(?!`)")


def inline_code_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("backticks", "inline_code", _inline_rule)
    md.core.ruler.after("inline", "inline_code", _collect)
    md.add_render_rule("inline_code", _render)


def _inline_rule(state: StateInline, silent: bool) -> bool:
    """Only in a post whose blocks run: ``parse_body`` then gives ``env["inline"]``."""
    if state.src[state.pos] != "`" or "inline" not in state.env:
        return False
    match = _INLINE.match(state.src, state.pos)
    if not match or not match.group(1).strip():
        return False
    if not silent:
        token = state.push("inline_code", "", 0)
        token.content = match.group(1).strip()
        token.meta["offset"] = state.src.count("\n", 0, state.pos)  # lines into its block
        state.env["inline_found"] = True
    state.pos = match.end()
    return True


def _collect(state: StateCore) -> None:
    """Number each expression after the post's blocks, with its line in the post."""
    env = state.env
    found: list[FigureBlock] | None = env.get("inline")
    if not env.pop("inline_found", False) or found is None or state.inlineMode:
        return  # (inlineMode: a caption's Markdown, an option, is never run)
    first = len(env.get("blocks", ()))
    line = 0  # of the nearest block-level token with a map (a table cell's may have none)
    for token in state.tokens:
        if token.map is not None:
            line = token.map[0]
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type == "inline_code":
                child.meta["index"] = first + len(found)
                found.append(FigureBlock(
                    first + len(found), env["body_line"] + line + child.meta["offset"],
                    child.content, {}, inline=True))


def _render(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    if "index" not in token.meta:  # not run (a caption's): code, as written
        return f"<code>{{python}} {escapeHtml(token.content)}</code>"
    return PLACEHOLDER.format(token.meta["index"])
