r"""Math as kramdown (Jekyll's Markdown) reads it, for posts brought from a Jekyll blog.

kramdown knows one math delimiter, ``$$``, and decides the mode by where it stands
(``lib/kramdown/parser/kramdown/math.rb``): a ``$$...$$`` that is a block of its own, after
a block boundary (a blank line, the start of a container, an attribute list) and before one,
is display math; anywhere else, in the middle of a sentence or on a line of a paragraph, it
is *inline* math. Its content is kept raw.

Everything else a Jekyll author writes as math is found later, in kramdown's HTML, by the
page's MathJax: ``$...$`` (when the blog's MathJax config enables it), ``\\(...\\)`` and
``\\[...\\]`` (kramdown turns ``\\`` into ``\``), environments such as ``\begin{align}``.
That text went through kramdown's backslash escapes first (``\_`` -> ``_``, ``\|`` -> ``|``,
``\\{`` -> ``\{``) and its entities were decoded by the browser, so the same is done here to
hand MathJax the TeX the author's readers got. A single ``\(`` is kramdown's escaped
parenthesis: prose, as on Jekyll.

Tokens are the ones the Pandoc dialect makes (``math_inline``, ``math_inline_double``,
``math_block``), so both dialects render with the same markup.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

# kramdown-parser-gfm's ESCAPED_CHARS_GFM: a backslash before one of these is dropped.
_ESCAPED = re.compile(r"\\([\\.*_+`<>()\[\]{}#!:|\"'$=\-~])")
# A block IAL (``{: .class}``) or end-of-block marker (``^``) line: block boundaries too.
_BOUNDARY_LINE = re.compile(r" {0,3}(?:\{:(?![:/])(?:[^{}\\]|\\.)*\}|\^)[ \t]*$")
_LIST_ITEM = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)", re.MULTILINE)
UNCLOSED = "kramdown_unclosed_math"


def kramdown_unescape(text: str) -> str:
    """What MathJax reads of prose text that kramdown rendered: escapes dropped, a backslash
    left at the end of a line taken as GFM's hard line break (so ``\\`` ending a line of an
    environment written outside ``$$`` reached MathJax as one backslash), entities decoded
    (kramdown passes ``&lt;`` through and the browser decodes it)."""
    text = _ESCAPED.sub(r"\1", text).replace("\\\n", "\n")
    return html.unescape(text) if "&" in text else text


def kramdown_math_plugin(md: MarkdownIt, *, dollars: bool = True) -> None:
    """Register kramdown's ``$$`` rules and MathJax's delimiters in kramdown's output;
    ``dollars``: whether the blog's MathJax reads ``$...$`` as inline math."""
    md.block.ruler.before("paragraph", "kramdown_math_block", _math_block)
    md.inline.ruler.before("escape", "kramdown_brackets", _escaped_delimiters)
    md.inline.ruler.before("escape", "kramdown_math_inline", _double_dollars)
    if dollars:
        md.inline.ruler.after("kramdown_math_inline", "kramdown_dollar", _single_dollar)
    md.core.ruler.after("inline", "kramdown_environments", _unescape_environments)
    md.add_render_rule(UNCLOSED, lambda *_: "$$")


# --- $$ on its own: display math --------------------------------------------------------


def _after_boundary(state: StateBlock, line: int) -> bool:
    """kramdown's ``after_block_boundary?``: the first block of its container, or after a
    blank line or a block attribute list."""
    if not state.tokens or state.tokens[-1].nesting == 1:
        return state.tokens[-1].type != "dd_open" if state.tokens else True  # a dd's 1st line is
        # its text: kramdown reads "Term\n: $$x$$" as inline math
    if state.tokens[-1].type == "kramdown_ial":
        return True
    return line > 0 and state.isEmpty(line - 1)


def _before_boundary(state: StateBlock, line: int, end: int) -> bool:
    """kramdown's ``before_block_boundary?``: the end of the container, a blank line, an
    attribute list or an end-of-block marker. A list item ends where the next item starts
    (markdown-it does not cut the item's lines out as kramdown does, so look for it)."""
    if line >= end or state.isEmpty(line):
        return True
    if state.sCount[line] < state.blkIndent and _LIST_ITEM.match(
        state.src, state.bMarks[line] + state.tShift[line]
    ):
        return True
    return bool(_BOUNDARY_LINE.match(_line_text(state, line)))


def _line_text(state: StateBlock, line: int) -> str:
    return state.getLines(line, line + 1, state.blkIndent, False)


def _math_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    pos = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith("$$", pos) or not _after_boundary(state, start):
        return False
    text = state.src[pos + 2 : state.eMarks[start]]
    parts = []
    line = start
    while True:
        close = text.find("$$")
        if close >= 0:
            parts.append(text[:close])
            rest = text[close + 2 :]
            break
        parts.append(text)
        line += 1
        if line >= end:
            return False  # never closed: a paragraph, whose inline rule reports it
        text = _line_text(state, line)
    if rest.strip():
        return False  # text follows on the closing line: inline math in a paragraph
    following = line + 1
    if not _before_boundary(state, following, end):
        return False  # a paragraph continues right after: kramdown makes it inline
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = "\n".join(parts).strip()
    token.markup = "$$"
    token.map = [start, following]
    state.line = following
    return True


# --- $$ inside a paragraph: inline math -------------------------------------------------


def _double_dollars(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if not src.startswith("$$", pos):
        return False
    close = src.find("$$", pos + 2, state.posMax)
    if close < 0:
        # kramdown shows it as typed; the core check warns with the line.
        if not silent:
            state.push(UNCLOSED, "", 0)
        state.pos = pos + 2
        return True
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = src[pos + 2 : close].strip()
        token.markup = "$$"
    state.pos = close + 2
    return True


# --- what MathJax finds in kramdown's output -------------------------------------------


def dollar_close(src: str, start: int, end: int) -> int:
    """Where inline math opened by the ``$`` before ``start`` closes, or -1, by Pandoc's
    guards against prose dollars: a non-space after the opening and before the closing
    ``$``, no digit right after it (``$5 and $10`` stays prose), ``\\$`` is a dollar."""
    if start >= end or src[start] in "$ \t\n":
        return -1
    close = start
    while True:
        close = src.find("$", close + 1, end)
        if close < 0 or src.startswith("$$", close):
            return -1
        if src[close - 1] in " \t\n\\":
            continue
        if close + 1 < end and src[close + 1].isdigit():
            continue
        return close


def _single_dollar(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "$":
        return False
    close = dollar_close(src, pos + 1, state.posMax)
    if close < 0:
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = kramdown_unescape(src[pos + 1 : close])
        token.markup = "$"
    state.pos = close + 1
    return True


def _escaped_delimiters(state: StateInline, silent: bool) -> bool:
    r"""``\\(...\\)`` and ``\\[...\\]``: kramdown makes them ``\(...\)``, MathJax's own."""
    src, pos = state.src, state.pos
    if not src.startswith("\\\\", pos) or pos + 2 >= state.posMax or src[pos + 2] not in "([":
        return False
    display = src[pos + 2] == "["
    close = src.find("\\\\]" if display else "\\\\)", pos + 3, state.posMax)
    if close < 0 or not src[pos + 3 : close].strip():
        return False
    if not silent:
        token = state.push("math_inline_double" if display else "math_inline", "math", 0)
        token.content = kramdown_unescape(src[pos + 3 : close])
        token.markup = "\\\\["
    state.pos = close + 3
    return True


def _unescape_environments(state: StateCore) -> None:
    r"""``\begin{align}`` outside ``$$`` is prose to kramdown: its ``\\\\`` became ``\\``."""
    for token in state.tokens:
        if token.type == "amsmath":
            token.content = kramdown_unescape(token.content)
