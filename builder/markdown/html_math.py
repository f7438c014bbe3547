r"""Math that a page-wide MathJax would have found where Markdown does not look: inside raw
HTML blocks (``<div>$$...$$</div>``, a ``<figcaption>``, a ``<td>``, a hidden ``<div>`` of
``\def`` macros) and ``\eqref{..}``/``\ref{..}`` written in prose.

Jekyll blogs and Pandoc both typeset these. Our MathJax only looks inside the math elements
the parser writes, so the formulas found here get the same markup as all others (an inline
``<span class="math">\(..\)</span>``, a display ``<span class="math display">\[..\]</span>``:
a span, since the HTML around may be a paragraph) and every renderer of the page treats them
alike.

The search follows MathJax's: only text between tags counts (a formula never spans a tag),
never inside ``<script>``, ``<style>``, ``<pre>``, ``<code>``, ``<textarea>`` or an element of
class ``tex2jax_ignore``/``mathjax_ignore``; ``\$`` is a dollar. Single dollars keep Pandoc's
guards, so the prices in a raw ``<td>$5</td>`` stay prose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

from builder.markdown.kramdown_math import dollar_close, kramdown_unescape

# A comment, a tag (quoted attribute values may hold '>'), a declaration or instruction.
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)|</?[A-Za-z][A-Za-z0-9-]*(?:[^>\"']|\"[^\"]*\"|'[^']*')*>|<[!?][^>]*>",
    re.S,
)
_SKIPPED = frozenset({"script", "noscript", "style", "textarea", "pre", "code"})
_IGNORE_CLASS = re.compile(r"""class\s*=\s*["'][^"']*\b(?:tex2jax_ignore|mathjax_ignore)\b""")
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
_OPENERS = re.compile(r"\\\$|\$\$?|\\[(\[]|\\begin\{([A-Za-z*]+)\}|\\(?:eq)?ref\{[^{}\s]+\}")
_REF = re.compile(r"\\(?:eq)?ref\{[^{}\s]+\}")

INLINE = '<span class="math">\\({}\\)</span>'
DISPLAY = '<span class="math display">\\[{}\\]</span>'
ENVIRONMENT = '<span class="math display">{}</span>'


def html_math_plugin(md: MarkdownIt, *, dollars: bool = True, kramdown: bool = False) -> None:
    """Typeset math in raw HTML blocks and references in prose; ``dollars``: whether
    ``$...$`` is inline math; ``kramdown``: prose went through kramdown's escapes."""
    md.core.ruler.after("block", "html_math", lambda state: _html_blocks(state, dollars))
    md.inline.ruler.before("escape", "math_ref",
                           lambda state, silent: _reference(state, silent, kramdown))


def _html_blocks(state: StateCore, dollars: bool) -> None:
    for token in state.tokens:
        if token.type == "html_block" and ("$" in token.content or "\\" in token.content):
            token.content = typeset_html(token.content, dollars)


def _reference(state: StateInline, silent: bool, kramdown: bool) -> bool:
    r"""``\eqref{eq:x}`` in prose: MathJax's ``processRefs`` makes it a link to the equation."""
    if not state.src.startswith(("\\eqref{", "\\ref{"), state.pos):
        return False
    match = _REF.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = kramdown_unescape(match.group()) if kramdown else match.group()
        token.markup = "\\ref"
    state.pos = match.end()
    return True


def typeset_html(html: str, dollars: bool = True) -> str:
    """``html`` with every formula MathJax would find in its text wrapped as math."""
    out: list[str] = []
    for text, is_text in _pieces(html):
        out.append(_typeset_text(text, dollars) if is_text else text)
    return "".join(out)


def _pieces(html: str) -> Iterator[tuple[str, bool]]:
    """(piece, whether it is text MathJax would search) in order; markup and the content of
    skipped elements come back as they are."""
    pos = 0
    for match in _MARKUP.finditer(html):
        if match.start() < pos:
            continue  # inside a skipped element
        if match.start() > pos:
            yield html[pos : match.start()], True
        tag = match.group()
        name = _TAG_NAME.match(tag)
        pos = match.end()
        if name and not tag.startswith("</") and not tag.endswith("/>"):
            lowered = name.group(1).lower()
            if lowered in _SKIPPED or _IGNORE_CLASS.search(tag):
                end = _element_end(html, lowered, pos)
                yield html[match.start() : end], False
                pos = end
                continue
        yield tag, False
    if pos < len(html):
        yield html[pos:], True


def _element_end(html: str, name: str, pos: int) -> int:
    """Where the element opened before ``pos`` ends (after its closing tag), nesting counted."""
    pattern = re.compile(rf"<(/?){re.escape(name)}(?=[\s/>])[^>]*>", re.I)
    depth = 1
    for match in pattern.finditer(html, pos):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return match.end()
    return len(html)


def _typeset_text(text: str, dollars: bool) -> str:
    out: list[str] = []
    pos = 0
    while True:
        match = _OPENERS.search(text, pos)
        if match is None:
            break
        opener = match.group()
        found = None
        if opener == "$$":
            close = text.find("$$", match.end())
            if close >= 0 and text[match.end() : close].strip():
                found = (close + 2, DISPLAY, text[match.end() : close])
        elif opener == "$":
            close = dollar_close(text, match.end(), len(text)) if dollars else -1
            if close >= 0:
                found = (close + 1, INLINE, text[match.end() : close])
        elif opener in ("\\(", "\\["):
            closer = "\\)" if opener == "\\(" else "\\]"
            close = text.find(closer, match.end())
            if close >= 0:
                found = (close + 2, INLINE if opener == "\\(" else DISPLAY,
                         text[match.end() : close])
        elif match.group(1):  # \begin{env}
            end = text.find(f"\\end{{{match.group(1)}}}", match.end())
            if end >= 0:
                end += len(match.group(1)) + 6
                found = (end, ENVIRONMENT, text[match.start() : end])
        elif opener.startswith("\\") and opener != "\\$":  # \ref, \eqref
            found = (match.end(), INLINE, opener)
        if found is None:
            out.append(text[pos : match.end()])
            pos = match.end()
            continue
        end, markup, tex = found
        out.append(text[pos : match.start()])
        out.append(markup.format(tex))
        pos = end
    out.append(text[pos:])
    return "".join(out)
