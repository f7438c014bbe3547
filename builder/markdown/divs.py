"""Pandoc's fenced divs, as Quarto documents use them: ``::: {#fig-x layout-ncol=2}``,
``::: {.callout-note}``, ``::: columns``, closed by a line of colons.

mdit-py-plugins' ``container`` plugin (markdown-it-container) is not used: it closes a
container at the first bare ``:::`` line, so a div nested in another with fences of the same
length (``::: {.callout-tip}`` holding a ``::: {#fig-x}``, each with three colons, as
Pandoc's manual and Quarto's guides write them) would end the outer div early. Pandoc's rule
is the one here: a fence with attributes opens a div, a fence without closes the innermost
one, and the lengths need not match. Lines inside code fences are not fences.

A div is ``div_open``/``div_close`` tokens with the attributes in ``meta["attrs"]``; the
rules that give divs a meaning (callouts, figure and table divs) work on those tokens, and
any other div is written as Pandoc writes it, a ``<div>`` with its attributes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

from builder.markdown.pandoc_attrs import Attributes, braced_attributes

_OPENING = re.compile(r":{3,}[ \t]*(.*?)[ \t]*:*[ \t]*$")
_CLOSING = re.compile(r":{3,}[ \t]*$")
_WORD = re.compile(r"[A-Za-z][\w-]*")
_CODE_FENCE = re.compile(r"(`{3,}|~{3,})")


def divs_plugin(md: MarkdownIt) -> None:
    # An opening fence ends a paragraph right above it (the search for the closing fence
    # counts it as opening a div, so the tokens must agree).
    md.block.ruler.before("fence", "fenced_div", _fenced_div, {"alt": ["paragraph"]})
    md.add_render_rule("div_open", _render_div)
    md.add_render_rule("div_close", _render_div)


def opening_attributes(line: str) -> Attributes | None:
    """The attributes of a div's opening fence line (``::: {.x}`` or ``::: word``), or
    None if the line does not open a div."""
    match = _OPENING.match(line)
    if not match or not match.group(1):
        return None
    params = match.group(1)
    if _WORD.fullmatch(params):  # '::: callout-note': one bare word is a class
        return Attributes(classes=[params])
    found = braced_attributes(params)
    if found is None or found[0] != len(params):
        return None
    return found[1]


def _line(state: StateBlock, number: int) -> str:
    return state.src[state.bMarks[number] + state.tShift[number] : state.eMarks[number]]


def _fenced_div(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4 or \
            not state.src.startswith(":::", state.bMarks[start] + state.tShift[start]):
        return False
    first = _line(state, start)
    attributes = opening_attributes(first)
    if attributes is None:
        return False
    if silent:
        return True
    closing = _closing_line(state, start, end)
    closed = closing is not None
    last = closing if closing is not None else end
    if not closed:
        from builder.markdown.parser import warn_at

        warn_at(state.env, start, "div opened here with ::: is never closed: it ends with "
                "the post (or its list or quote), as in Pandoc")
    old_parent, old_max = state.parentType, state.lineMax
    state.parentType = "fenced_div"  # type: ignore[assignment]
    state.lineMax = last
    state.env["divs"] = True  # the rules giving divs a meaning look for them only then
    token = state.push("div_open", "div", 1)
    token.markup, token.block, token.map = ":::", True, [start, last + (1 if closed else 0)]
    token.meta["attrs"] = attributes
    state.md.block.tokenize(state, start + 1, last)
    token = state.push("div_close", "div", -1)
    token.markup, token.block = ":::", True
    state.parentType, state.lineMax = old_parent, old_max
    state.line = last + (1 if closed else 0)
    return True


def _closing_line(state: StateBlock, start: int, end: int) -> int | None:
    """The line of the fence closing the div opened on ``start``: nested divs opened
    between are closed first, and code fences are skipped whole."""
    depth, fence = 0, ""
    for number in range(start + 1, end):
        begin, stop = state.bMarks[number] + state.tShift[number], state.eMarks[number]
        if begin < stop and state.sCount[number] < state.blkIndent:
            return None  # the list item or quote holding the div ended
        if state.sCount[number] - state.blkIndent >= 4:
            continue  # indented code
        line = state.src[begin:stop]
        if fence:
            if line.startswith(fence) and not line.strip().strip(fence[0]):
                fence = ""
            continue
        match = _CODE_FENCE.match(line)
        if match:
            fence = match.group(1)
            continue
        if not line.startswith(":::"):
            continue
        if _CLOSING.match(line):
            if depth == 0:
                return number
            depth -= 1
        elif opening_attributes(line) is not None:
            depth += 1
    return None


def matching_close(tokens: Sequence[Token], index: int) -> int:
    """Where the block opened at ``index`` (a div, a callout, a theorem, a figure…) closes:
    the next closing token at its level, whatever the rules made of the tokens between."""
    level = tokens[index].level
    for j in range(index + 1, len(tokens)):
        if tokens[j].level == level and tokens[j].nesting == -1:
            return j
    raise AssertionError("an opening token without its closing one")


def _render_div(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    if token.nesting == -1:
        return "</div>\n"
    attributes: Attributes = token.meta["attrs"]
    return f"<div{attributes.html()}>\n"
