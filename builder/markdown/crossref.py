"""Quarto's cross-references: figures, tables, equations, sections, theorems, proofs and
callouts numbered in the order they come, sub-figures lettered, and ``@fig-x`` written as
Quarto writes it ("Figure 1", "Section 2.1", "Theorem 3", "Note 1", "Figure 1 (a)").

Read from quarto-cli's ``crossref/refs.lua`` and ``crossref/format.lua``: each kind is
numbered on its own from 1, in document order; a target inside a figure or table float is its
sub-figure (its references read "Figure 1 (a)", whatever its own kind); ``@Fig-x`` capitalises
the prefix, ``[-@fig-x]`` drops it ("1"), ``[Fig. @fig-x]`` replaces it ("Fig. 1"), and
``[@fig-a; @fig-b]`` lists both. A reference to a label that names nothing is a warning
naming its line and reads **?@fig-x**, as in Quarto. The words and number styles are the
post's ``crossref:`` options' (``crossref_format.py``); sections are ``sections.py``'s,
theorems and proofs ``theorems.py``'s.

What can be a target: a figure block's ``label`` (``fig-``/``tbl-``; its sub-figures are
``label-1``, ``label-2``… when it has ``fig-subcap`` or a layout; with a list of ``fig-cap``
each image is a figure of its own, ``label-1``…), a ``::: {#fig-x}``/``{#tbl-x}`` div, an
image ``{#fig-x}``, a table captioned ``: Caption {#tbl-x}``, ``$$ ... $$ {#eq-x}``
(numbered with ``\\tag{n}``, which MathJax shows at the right, as Quarto does), a heading
``{#sec-x}``, a theorem div ``::: {#thm-x}``, a proof-like div ``::: {#rem-x}`` and a callout
``::: {#nte-x .callout-note}``.
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
from builder.markdown.crossref_format import CALLOUTS, KINDS, CrossrefOptions
from builder.markdown.inline import inline_children, inline_token
from builder.markdown.sections import Sections, is_unnumbered, number_heading
from builder.model import FigureBlock

_DEFAULTS = CrossrefOptions()
_LABEL = r"[A-Za-z]+-[\w-]*[\w]"
_CITE = re.compile(rf"@({_LABEL})")
_BRACKET = re.compile(rf"\[((?:[^\[\]@;]*@{_LABEL}[^\[\]@;]*;?)+)\]")
_ITEM = re.compile(rf"\s*(-?)([^@]*?)\s*@({_LABEL})\s*$")


@dataclass(frozen=True)
class Target:
    kind: str  # the prefix's kind: a sub-figure's is its parent's
    number: str  # as shown: "2", "1.3" (a section, or chapters mode), "iv" (labels: roman)
    letter: str = ""  # a sub-figure's "a", "b"…
    order: int = 0  # its place among its kind (a block's later figures count on from it)


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


def is_reference_type(label: str) -> bool:
    return label.split("-", 1)[0].lower() in KINDS


def options_of(env: dict[str, Any]) -> CrossrefOptions:
    return env.get("crossref_options") or _DEFAULTS


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
    options = options_of(env)
    targets: dict[str, Target] = {}
    open_parents: dict[str, Target] = {}  # blocks whose sub-figures are counted when they run
    counts: dict[str, int] = {}
    floats: list[tuple[str, str, list[int]]] = []  # (label, kind, [children so far])
    blocks: list[FigureBlock] = env.get("blocks", [])
    # without "{#" or numbering options a post's only targets are its figure blocks
    labelled = "{#" in state.src or options.number_sections or options.chapters
    sections = Sections(options, state.tokens if blocks or labelled else [])

    def add(label: str, kind: str) -> Target | None:
        if not label or label in targets:
            return targets.get(label)
        if floats and kind in ("fig", "tbl", "lst"):
            parent, parent_kind, children = floats[-1]
            children.append(1)
            parent_target = targets[parent]
            targets[label] = Target(parent_kind, parent_target.number,
                                    options.subref(len(children) - 1))
        else:
            counts[kind] = counts.get(kind, 0) + 1
            targets[label] = Target(kind, options.number(kind, counts[kind], sections.chapter),
                                    order=counts[kind])
        return targets[label]

    equations = "{#eq-" in state.src
    theorems = 0  # how deep inside theorems and proofs (whose headings are not numbered)
    tokens = state.tokens
    for i, token in enumerate(tokens if blocks or labelled else ()):
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
            blocks[index] = _number_block(blocks[index], add, targets, open_parents, options)
            add(str(blocks[index].options.get("lst-label", "")), "lst")
        elif token.type == "fence" and token.meta.get("label"):  # a listing (listings.py)
            add(token.meta["label"], "lst")
        elif token.type == "heading_open" and not theorems and not is_unnumbered(token):
            _number_section(token, tokens[i + 1], sections, targets, counts)
        elif token.type == "theorem_open":
            theorems += 1
            label = token.meta["label"]
            token.meta["target"] = add(label, label.split("-", 1)[0].lower()) if label else None
        elif token.type == "theorem_close":
            theorems -= 1
        elif token.type == "callout_open" and _callout_kind(token.meta["attrs"].id):
            label = token.meta["attrs"].id
            token.meta["target"] = add(label, _callout_kind(label))
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


def _number_section(token: Token, inline: Token, sections: Sections,
                    targets: dict[str, Target], counts: dict[str, int]) -> None:
    """Count a heading; a ``sec-`` one becomes a target, and the number is written before
    its text if the post numbers its sections. In chapters mode a level-1 heading starts
    every kind's count again."""
    level = int(token.tag[1])
    position = sections.heading(level)
    options = sections.options
    if level == 1 and options.chapters:
        counts.clear()
    ident = str(token.attrGet("id") or "")
    if ident.split("-", 1)[0].lower() == "sec" and ident not in targets:
        chapter = options.chapters and sections.is_chapter(position)
        targets[ident] = Target("ch" if chapter else "sec", sections.number(position))
    if options.number_sections and level <= options.number_depth:
        number_heading(token, inline, sections.number(position, level))


def _callout_kind(label: str) -> str | None:
    kind = label.split("-", 1)[0].lower() if "-" in label else ""
    return kind if kind in CALLOUTS else None


def _number_block(block: FigureBlock, add: Any, targets: dict[str, Target],
                  open_parents: dict[str, Target], options: CrossrefOptions) -> FigureBlock:
    """A figure block's number, and its sub-figures' (or its figures', for a list of
    captions) labels."""
    block_options = block.options
    label = str(block_options.get("label", ""))
    kind = label.split("-", 1)[0]
    if kind not in ("fig", "tbl"):
        return block
    captions = block_options.get(f"{kind}-cap")
    subcaps = block_options.get(f"{kind}-subcap")
    title = options.title(kind)
    block = replace(block, title_delim=options.title_delim, subref_style=options.subref_style)
    if isinstance(captions, list) and len(captions) > 1 and subcaps is None:
        figures = [add(f"{label}-{n}", kind) for n in range(1, len(captions) + 1)]
        return replace(block, number=figures[0].order if figures[0] else None,
                       caption_labels=tuple(f"{title} {f.number}" for f in figures if f))
    target = add(label, kind)
    if target is None:
        return block
    if isinstance(subcaps, list):
        for n in range(len(subcaps)):
            targets.setdefault(f"{label}-{n + 1}",
                               Target(target.kind, target.number, options.subref(n)))
    elif subcaps is not None or has_layout(block_options):
        open_parents[label] = target
    if target.letter:
        return replace(block, number=None)
    return replace(block, number=target.order, caption_labels=(f"{title} {target.number}",))


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
        listing = block.options.get("lst-label")
        listed = ""
        if listing:  # "Listing 1: caption" over its code (listings.py)
            text = str(block.options.get("lst-cap", ""))
            line = block.option_lines.get("lst-cap", block.line)
            listed = caption_number(state.env, listing, "lst") + (render(text, line) if text
                                                                   else "")
        blocks[i] = replace(
            block,
            caption_html=render(*caption) if caption else "",
            subcaptions_html=tuple(render(text, line) for text, line in subcaptions),
            listing_caption_html=listed,
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
    options = options_of(env)
    title = escapeHtml(f"{options.title(kind)} {target.number}{options.title_delim}")
    return f'<span class="figure-number">{title}</span> '


# --- references ---------------------------------------------------------------------------


def resolve(env: dict[str, Any], label: str) -> Target | None:
    found = env.get("crossref", {}).get(label)
    if found is not None:
        return found
    parent, _, number = label.rpartition("-")
    target = env.get("crossref_open", {}).get(parent)
    if target is not None and number.isdigit() and int(number) > 0:
        return Target(target.kind, target.number, options_of(env).subref(int(number) - 1))
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
    if kind == "sec":
        return (f"give a heading the id: '## Title {{#{label}}}' (an unnumbered heading is "
                "no target, as in Quarto)")
    if kind in CALLOUTS:
        return f"give a callout the id: '::: {{#{label} .callout-note}}'"
    if kind == "lst":
        return f"label a code block: '```{{#{label} .python lst-cap=\"Caption\"}}'"
    return f"give a div the id: '::: {{#{label}}}'"


def _render_reference(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                      env: Any) -> str:
    shown = []
    crossref = options_of(env)
    for ref in tokens[idx].meta["refs"]:
        target = resolve(env, ref.label)
        if target is None:
            shown.append(f"<strong>?@{escapeHtml(ref.label)}</strong>")
            continue
        number = f"{target.number}" + (f" ({target.letter})" if target.letter else "")
        prefix = escapeHtml(crossref.prefix(target.kind, ref.upper)) if ref.prefix is None \
            else escapeHtml(ref.prefix)
        if ref.upper and ref.prefix:
            prefix = prefix[:1].upper() + prefix[1:]
        text = f"{prefix}&nbsp;{number}" if prefix else number
        if crossref.hyperlink:
            text = f'<a class="quarto-xref" href="#{escapeHtml(ref.label)}">{text}</a>'
        shown.append(text)
    return ", ".join(shown)
