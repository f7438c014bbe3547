"""Quarto's cross-references: figures, tables and equations numbered in the order they come,
sub-figures lettered, and ``@fig-x`` written as Quarto writes it ("Figure 1", "Table 2",
"Equation 3", "Figure 1 (a)").

Read from quarto-cli's ``crossref/refs.lua`` and ``crossref/format.lua``: each kind is
numbered on its own from 1, in document order; a target inside a figure or table float is its
sub-figure (its references read "Figure 1 (a)", whatever its own kind); ``@Fig-x`` capitalises
the prefix, ``[-@fig-x]`` drops it ("1"), ``[Fig. @fig-x]`` replaces it ("Fig. 1"), and
``[@fig-a; @fig-b]`` lists both. A reference to a label that names nothing is a warning
naming its line and reads **?@fig-x**, as in Quarto.

What can be a target: a figure block's ``label`` (``fig-``/``tbl-``; its sub-figures are
``label-1``, ``label-2``… when it has ``fig-subcap`` or a layout; with a list of ``fig-cap``
each image is a figure of its own, ``label-1``…), a ``::: {#fig-x}``/``{#tbl-x}`` div, an
image ``{#fig-x}``, a table captioned ``: Caption {#tbl-x}``, and ``$$ ... $$ {#eq-x}``
(numbered with ``\\tag{n}``, which MathJax shows at the right, as Quarto does).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from builder.figures.html import float_kind
from builder.figures.layout import has_layout
from builder.markdown.inline import inline_children, inline_token
from builder.model import FigureBlock

PREFIXES = {"fig": "Figure", "tbl": "Table", "eq": "Equation"}
# Quarto's other reference types (sections, listings, theorems, callouts): references to
# them are references, which nothing here numbers, so they read "?@sec-x" with a warning.
OTHER_TYPES = ("sec", "lst", "thm", "lem", "cor", "prp", "cnj", "def", "exm", "exr", "sol",
               "rem", "alg", "nte", "tip", "wrn", "imp", "cau")
_LABEL = r"[A-Za-z]+-[\w-]*[\w]"
_CITE = re.compile(rf"@({_LABEL})")
_BRACKET = re.compile(rf"\[((?:[^\[\]@;]*@{_LABEL}[^\[\]@;]*;?)+)\]")
_ITEM = re.compile(rf"\s*(-?)([^@]*?)\s*@({_LABEL})\s*$")


@dataclass(frozen=True)
class Target:
    kind: str  # the prefix's kind: a sub-figure's is its parent's
    number: int
    letter: str = ""  # a sub-figure's "a", "b"…


@dataclass(frozen=True)
class Reference:
    label: str
    upper: bool = False  # @Fig-x: "Figure" capitalised (Quarto's rule for every prefix)
    prefix: str | None = None  # [Fig. @fig-x]; "" for [-@fig-x]


def crossref_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "crossref_bracket", _bracket_rule)
    md.inline.ruler.push("crossref", _cite_rule)
    md.core.ruler.before("anchor", "crossref", _number_and_check)  # after floats.py's
    md.add_render_rule("crossref", _render_reference)


def letter(index: int) -> str:
    """Quarto's sub-figure letters: a…z, then aa, ab…"""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(97 + rest) + text
    return text


def is_reference_type(label: str) -> bool:
    kind = label.split("-", 1)[0].lower()
    return kind in PREFIXES or kind in OTHER_TYPES


# --- reading references -------------------------------------------------------------------


def _cite_rule(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "@" or (pos > 0 and (state.src[pos - 1].isalnum()
                                              or state.src[pos - 1] in "_-.")):
        return False
    match = _CITE.match(state.src, pos)
    if not match or not is_reference_type(match.group(1)):
        return False
    if not silent:
        label = match.group(1)
        state.env["refs"] = True  # the post's references are checked only then
        token = state.push("crossref", "", 0)
        token.meta["refs"] = [Reference(label[0].lower() + label[1:], label[0].isupper())]
    state.pos = match.end()
    return True


def _bracket_rule(state: StateInline, silent: bool) -> bool:
    """``[@fig-x]``, ``[-@fig-x]``, ``[Fig. @fig-x]``, ``[@fig-a; @fig-b]`` (Pandoc's
    citation brackets); anything else in brackets is left to the link rule."""
    pos = state.pos
    if state.src[pos] != "[":
        return False
    match = _BRACKET.match(state.src, pos)
    if not match or state.src[match.end() : match.end() + 1] in ("(", "[", ":"):
        return False
    refs = []
    for part in match.group(1).split(";"):
        if not part.strip():
            continue
        item = _ITEM.match(part)
        if item is None or not is_reference_type(item.group(3)):
            return False
        suppress, prefix, label = item.groups()
        refs.append(Reference(label[0].lower() + label[1:], label[0].isupper(),
                              "" if suppress else (prefix or None)))
    if not silent:
        state.env["refs"] = True
        state.push("crossref", "", 0).meta["refs"] = refs
    state.pos = match.end()
    return True


# --- numbering ----------------------------------------------------------------------------


def _number_and_check(state: StateCore) -> None:
    if state.inlineMode:  # md.parseInline (a caption) runs the core rules too
        return
    env = state.env
    targets: dict[str, Target] = {}
    open_parents: dict[str, Target] = {}  # blocks whose sub-figures are counted when they run
    counts = {kind: 0 for kind in PREFIXES}
    floats: list[tuple[str, str, list[int]]] = []  # (label, kind, [children so far])
    blocks: list[FigureBlock] = env.get("blocks", [])

    def add(label: str, kind: str) -> Target | None:
        if not label or label in targets:
            return targets.get(label)
        if floats and kind != "eq":
            parent, parent_kind, children = floats[-1]
            children.append(1)
            parent_target = targets[parent]
            targets[label] = Target(parent_kind, parent_target.number, letter(len(children) - 1))
        else:
            counts[kind] += 1
            targets[label] = Target(kind, counts[kind])
        return targets[label]

    labelled = "{#" in state.src  # else only figure blocks can be targets
    equations = "{#eq-" in state.src
    for token in state.tokens if blocks or labelled else ():
        if token.type == "float_open":
            add(token.meta["label"], token.meta["kind"])
            floats.append((token.meta["label"], token.meta["kind"], []))
        elif token.type == "float_close":
            floats.pop()
        elif token.type == "image_figure_open" and token.meta["label"]:
            add(token.meta["label"], "fig")
        elif token.type == "table_open" and str(token.meta.get("label", "")).startswith("tbl-"):
            add(token.meta["label"], "tbl")
        elif token.type == "fence" and "figure" in token.meta:
            index = token.meta["figure"]
            blocks[index] = _number_block(blocks[index], add, counts, targets, open_parents)
        for child in [token, *(token.children or ())] if equations else ():
            if child.type in ("math_inline_double", "math_block") and child.meta.get("label"):
                target = add(child.meta["label"], "eq")
                if target is not None:
                    child.content = f"{child.content.rstrip()} \\tag{{{target.number}}}"
    env["crossref"] = targets
    env["crossref_open"] = open_parents
    captions = _render_block_captions(state, blocks)
    if env.get("refs"):
        _check_references(state, captions)


def _number_block(block: FigureBlock, add: Any, counts: dict[str, int],
                  targets: dict[str, Target], open_parents: dict[str, Target]) -> FigureBlock:
    """A figure block's number, and its sub-figures' (or its figures', for a list of
    captions) labels."""
    options = block.options
    label = str(options.get("label", ""))
    kind = label.split("-", 1)[0]
    if kind not in ("fig", "tbl"):
        return block
    captions = options.get(f"{kind}-cap")
    subcaps = options.get(f"{kind}-subcap")
    if isinstance(captions, list) and len(captions) > 1 and subcaps is None:
        first = add(f"{label}-1", kind)
        for n in range(2, len(captions) + 1):
            add(f"{label}-{n}", kind)
        return replace(block, number=first.number if first else None)
    target = add(label, kind)
    if target is None:
        return block
    if isinstance(subcaps, list):
        for n in range(len(subcaps)):
            targets.setdefault(f"{label}-{n + 1}", Target(target.kind, target.number, letter(n)))
    elif subcaps is not None or has_layout(options):
        open_parents[label] = target
    return replace(block, number=target.number if not target.letter else None)


def _render_block_captions(state: StateCore, blocks: list[FigureBlock]) -> list[Token]:
    """Captions are Markdown and may refer to figures, so they are rendered once every
    target has its number; returns their inline tokens, whose references are checked."""
    md = state.md
    parsed: list[Token] = []

    def render(text: str, line: int) -> str:
        offset = line - state.env["body_line"]
        token = inline_token(md, text, state.env, [offset, offset + 1])
        parsed.append(token)
        return md.renderer.render([token], md.options, state.env)

    for i, block in enumerate(blocks):
        caption, subcaptions = block_captions(block)
        blocks[i] = replace(
            block,
            caption_html=render(*caption) if caption else "",
            subcaptions_html=tuple(render(text, line) for text, line in subcaptions),
        )
    return parsed


def block_captions(block: FigureBlock) -> tuple[tuple[str, int] | None,
                                                  list[tuple[str, int]]]:
    """A figure block's caption and its sub-figures' (or its figures', for a list of
    captions), each with the line it is written on, in the order they are rendered."""
    options = block.options
    kind = float_kind(block)
    captions = options.get(f"{kind}-cap", options.get("fig-cap"))
    subcaps = options.get(f"{kind}-subcap")
    texts = captions if isinstance(captions, list) else []
    if isinstance(subcaps, list):
        texts = subcaps
    lines = block.option_lines
    caption_line = lines.get(f"{kind}-cap", block.line)
    sub_line = lines.get(f"{kind}-subcap", lines.get(f"{kind}-cap", block.line))
    return ((captions, caption_line) if isinstance(captions, str) else None,
            [(str(text), sub_line) for text in texts])


def caption_number(env: dict[str, Any], label: str, kind: str) -> str:
    """What a caption starts with: "Figure 2: ", "Table 1: ", "(a) " for a sub-figure."""
    target = env.get("crossref", {}).get(label)
    if target is None:
        return ""
    if target.letter:
        return f"({target.letter}) "
    return f'<span class="figure-number">{PREFIXES[kind]} {target.number}:</span> '


# --- references ---------------------------------------------------------------------------


def resolve(env: dict[str, Any], label: str) -> Target | None:
    found = env.get("crossref", {}).get(label)
    if found is not None:
        return found
    parent, _, number = label.rpartition("-")
    target = env.get("crossref_open", {}).get(parent)
    if target is not None and number.isdigit() and int(number) > 0:
        return Target(target.kind, target.number, letter(int(number) - 1))
    return None


def _check_references(state: StateCore, captions: list[Token]) -> None:
    """A warning, at its line, for each reference to nothing (Quarto: "Unable to resolve
    crossref @fig-x"), in the text and in captions and titles. References to sub-figures of
    a block whose count is known only when it runs (``fig-subcap: true``) are noted on the
    block, for the figure stage to check."""
    from builder.markdown.parser import warn_at

    env = state.env
    subrefs: dict[str, list[tuple[int, int]]] = {}
    for child, line in inline_children([*state.tokens, *captions], "crossref"):
        for ref in child.meta["refs"]:
            if resolve(env, ref.label) is None:
                warn_at(env, line, f"@{ref.label} refers to nothing in this post: shown "
                        f"as ?@{ref.label}, as Quarto does", _hint(ref.label))
            elif ref.label not in env["crossref"]:  # a block's sub-figure: counted once
                parent, _, number = ref.label.rpartition("-")  # the block ran
                subrefs.setdefault(parent, []).append((int(number), env["body_line"] + line))
    blocks = env.get("blocks", [])
    for i, block in enumerate(blocks):
        if block.label in subrefs:
            blocks[i] = replace(block, subrefs=tuple(subrefs[block.label]))


def _hint(label: str) -> str:
    kind = label.split("-", 1)[0]
    if kind == "fig":
        return (f"label a figure block '#| label: {label}', an image "
                f"'![Caption](x.png){{#{label}}}' or a div '::: {{#{label}}}'")
    if kind == "tbl":
        return f"label a block '#| label: {label}', or caption a table ': Caption {{#{label}}}'"
    if kind == "eq":
        return f"label a display formula '$$ ... $$ {{#{label}}}'"
    return f"'{kind}-' references are not numbered here (only fig-, tbl- and eq-)"


def _render_reference(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                      env: Any) -> str:
    shown = []
    for ref in tokens[idx].meta["refs"]:
        target = resolve(env, ref.label)
        if target is None:
            shown.append(f"<strong>?@{escapeHtml(ref.label)}</strong>")
            continue
        number = f"{target.number}" + (f" ({target.letter})" if target.letter else "")
        prefix = PREFIXES[target.kind] if ref.prefix is None else escapeHtml(ref.prefix)
        if ref.upper:
            prefix = prefix[:1].upper() + prefix[1:]
        text = f"{prefix}&nbsp;{number}" if prefix else number
        shown.append(f'<a class="quarto-xref" href="#{escapeHtml(ref.label)}">{text}</a>')
    return ", ".join(shown)
