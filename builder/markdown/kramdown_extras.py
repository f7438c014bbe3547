"""kramdown's other extensions that Jekyll posts use: ``{::comment}``, ``{::nomarkdown}`` and
``{::options /}`` blocks, abbreviations (``*[HTML]: Hyper Text Markup Language``) and
definition lists (mdit-py-plugins' ``deflist``, the syntax kramdown shares with PHP Markdown
Extra). Read from gettalong/kramdown ``parser/kramdown/extensions.rb`` and
``abbreviation.rb``.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin

_EXTENSION = re.compile(r" {0,3}\{::(\w+)(?:\s((?:\\\}|[^}])*?)|)(/)?\}[ \t]*$")
_ABBREVIATION = re.compile(r" {0,3}\*\[([^\]\n]+)\]:[ \t]*(.*?)[ \t]*$")


def kramdown_extras_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("paragraph", "kramdown_extension", _extension,
                          {"alt": ["paragraph"]})
    md.block.ruler.before("reference", "kramdown_abbreviation", _abbreviation,
                          {"alt": ["paragraph"]})
    md.core.ruler.after("inline", "kramdown_abbreviations", _abbreviate)
    md.use(deflist_plugin)


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] : state.eMarks[line]]


def _extension(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``{::comment}…{:/comment}`` (dropped), ``{::nomarkdown}…{:/}`` (kept raw),
    ``{::options … /}`` (kramdown's own settings: nothing to show)."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    match = _EXTENSION.match(_line(state, start))
    if not match or match.group(1) not in ("comment", "nomarkdown", "options"):
        return False
    name, closed = match.group(1), bool(match.group(3))
    stop = re.compile(rf" {{0,3}}\{{:/({name})?\}}[ \t]*$")
    last = start
    if not closed:
        last = next((n for n in range(start + 1, end) if stop.match(_line(state, n))), -1)
        if last < 0:
            return False
    if silent:
        return True
    if name == "nomarkdown" and last > start + 1:
        token = state.push("html_block", "", 0)
        token.content = state.getLines(start + 1, last, state.blkIndent, True)
        token.map = [start, last + 1]
    state.line = last + 1
    return True


def _abbreviation(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    match = _ABBREVIATION.match(_line(state, start))
    if not match:
        return False
    if not silent:
        state.env.setdefault("kramdown_abbreviations", {})[match.group(1)] = match.group(2)
    state.line = start + 1
    return True


def _abbreviate(state: StateCore) -> None:
    """Every occurrence of an abbreviation in the text, as a word, becomes ``<abbr>``."""
    titles: dict[str, str] = state.env.get("kramdown_abbreviations", {})
    if not titles:
        return
    pattern = re.compile(r"(?<!\w)(" + "|".join(
        re.escape(a) for a in sorted(titles, key=len, reverse=True)) + r")(?!\w)")
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        out: list[Token] = []
        for child in block.children:
            if child.type != "text" or not pattern.search(child.content):
                out.append(child)
                continue
            pos = 0
            for match in pattern.finditer(child.content):
                out.append(_text(child.content[pos : match.start()]))
                abbr = Token("html_inline", "", 0)
                title = titles[match.group(1)]
                attribute = f' title="{escapeHtml(title)}"' if title else ""
                abbr.content = f"<abbr{attribute}>{escapeHtml(match.group(1))}</abbr>"
                out.append(abbr)
                pos = match.end()
            out.append(_text(child.content[pos:]))
        block.children = [t for t in out if t.type != "text" or t.content]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token
