"""What markdown-it would drop or misread without a word, made errors naming the line.

- Nesting: past ``maxNesting`` (20 in the CommonMark preset) markdown-it skips the rest of
  a block silently, so a 12-level list lost levels 9 to 11. The limit is raised to where
  only a machine-made post reaches it, and a post that does is an error, not a smaller page.
- An amsmath environment (``\\begin{align}``) whose ``\\end{align}`` never comes would be a
  plain paragraph; like an unclosed ``$$``, it is an error at the line where it opened.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from mdit_py_plugins.amsmath import RE_OPEN

from builder.errors import BuildError

DEEPEST = 100  # token levels: a block quote adds one, a list level two
_OPEN = re.compile(RE_OPEN)


def nesting_plugin(md: MarkdownIt) -> None:
    md.options["maxNesting"] = DEEPEST + 20  # room for the inline levels of the deepest block
    md.block.ruler.before("table", "nesting_guard", _nesting_guard)


def _nesting_guard(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.level >= DEEPEST:
        raise BuildError(
            f"lists and block quotes are nested too deeply here (at most {DEEPEST // 2} list "
            f"levels or {DEEPEST} quote levels are read)",
            state.env["path"], state.env["body_line"] + start,
        )
    return False


def check_environment_closed(state: StateBlock, start: int) -> None:
    """Called where an amsmath environment did not parse: raise if its end never comes."""
    begin = state.bMarks[start] + state.tShift[start]
    match = _OPEN.match(state.src, begin, state.eMarks[start])
    if match is None:
        return
    closing = f"\\end{{{match.group(1)}{match.group(2)}}}"
    if closing not in state.src[begin:]:
        raise BuildError(
            f"\\begin{{{match.group(1)}{match.group(2)}}} opened here is never closed with "
            f"{closing}", state.env["path"], state.env["body_line"] + start,
        )
