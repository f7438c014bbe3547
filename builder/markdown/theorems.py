"""Quarto's theorems and proofs: ``::: {#thm-x}`` (and ``#lem-``, ``#cor-``, ``#prp-``,
``#cnj-``, ``#def-``, ``#exm-``, ``#exr-``, ``#alg-``) is "**Theorem 1 (Name)** ..."; a
``::: {.proof}`` (``.remark``, ``.solution``) is "*Proof.* ...", numbered only with an id
(``::: {#rem-x}`` is "*Remark 1.*").

Read from quarto-cli's ``quarto-pre/parseblockreftargets.lua`` (the name is the ``name``
attribute, else the div's first heading, taken out of the body), ``customnodes/theorem.lua``
and ``proof.lua`` (the HTML: the div gets the class ``theorem`` and the kind's, such as
``lemma``; the title, bold for theorems and italic for proofs, starts the first paragraph, or
a paragraph of its own when the div starts with something else) and ``crossref/theorems.lua``
(headings inside are never numbered). ``crossref.py`` numbers them with the other kinds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from builder.markdown.crossref_format import PROOFS, THEOREM_CLASSES
from builder.markdown.divs import matching_close
from builder.markdown.inline import inline_token
from builder.markdown.pandoc_attrs import Attributes

_PROOF_CLASSES = {"proof": "prf", "remark": "rem", "solution": "sol"}


def theorems_plugin(md: MarkdownIt) -> None:
    # With the callouts (a heading that becomes a name is no heading of the page), before the
    # numbering and the headings' anchors.
    md.core.ruler.before("anchor", "theorems", _theorems)
    md.add_render_rule("theorem_open", _render_open)
    md.add_render_rule("theorem_close", lambda *_: "</div>\n")
    md.add_render_rule("theorem_title", _render_title)


def theorem_kind(attributes: Attributes) -> tuple[str, bool] | None:
    """(kind, is a proof) of a theorem or proof div, else None."""
    kind = attributes.id.split("-", 1)[0].lower() if "-" in attributes.id else ""
    if kind in THEOREM_CLASSES:
        return kind, False
    if kind in PROOFS:
        return kind, True
    for name in attributes.classes:
        if name in _PROOF_CLASSES:
            return _PROOF_CLASSES[name], True
    return None


def _theorems(state: StateCore) -> None:
    if state.inlineMode or not state.env.get("divs"):
        return
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type == "div_open":
            found = theorem_kind(token.meta["attrs"])
            if found is not None:
                _make_theorem(state, i, *found)


def _make_theorem(state: StateCore, index: int, kind: str, proof: bool) -> None:
    tokens = state.tokens
    opening = tokens[index]
    attributes: Attributes = opening.meta["attrs"]
    name: Token | None = None
    if attributes.pairs.get("name"):
        name = inline_token(state.md, attributes.pairs["name"], state.env, opening.map)
    elif tokens[index + 1].type == "heading_open":
        name = tokens[index + 2]
        del tokens[index + 1 : index + 4]
    numbered = attributes.id.split("-", 1)[0].lower() == kind
    label = attributes.id if numbered else ""
    if proof:
        classes = [c for c in attributes.classes if c not in _PROOF_CLASSES]
        classes += ["proof"] if kind == "prf" else ["proof", PROOFS[kind].lower()]
        ident = attributes.id if "-" in attributes.id else ""
    else:
        classes = [*attributes.classes, "theorem"]
        classes += [THEOREM_CLASSES[kind]] if kind != "thm" else []
        ident = attributes.id
    pairs = {k: v for k, v in attributes.pairs.items() if k != "name"}
    opening.type = "theorem_open"
    opening.meta.update(kind=kind, proof=proof, label=label, title=name,
                        attrs=Attributes(ident, classes, pairs))
    tokens[matching_close(tokens, index)].type = "theorem_close"
    _place_title(tokens, index, opening)


def _place_title(tokens: list[Token], index: int, opening: Token) -> None:
    """The title starts the first paragraph, or a paragraph of its own (with a
    non-breaking space after a theorem's, as Quarto writes it)."""
    title = Token("theorem_title", "", 0)
    title.meta["theorem"] = opening
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if following is not None and following.type == "paragraph_open" \
            and tokens[index + 2].children:
        inline = tokens[index + 2]
        inline.children = [title, *(inline.children or [])]
        return
    children = [title]
    if not opening.meta["proof"]:
        space = Token("html_inline", "", 0)
        space.content = "&nbsp;"
        children.append(space)
    level = opening.level + 1  # inside the div (floats.py pairs tokens by their level)
    inline = Token("inline", "", 0, children=children, level=level + 1)
    tokens[index + 1 : index + 1] = [
        Token("paragraph_open", "p", 1, block=True, level=level), inline,
        Token("paragraph_close", "p", -1, block=True, level=level)]


def _render_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    attributes: Attributes = tokens[idx].meta["attrs"]
    return f"<div{attributes.html()}>\n"


def _render_title(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                  env: Any) -> str:
    from builder.markdown.crossref import options_of

    meta = tokens[idx].meta["theorem"].meta
    kind, target, name = meta["kind"], meta.get("target"), meta["title"]
    shown = self.renderInline(name.children or [], options, env) if name is not None else ""
    number = f" {target.number}" if target is not None else ""
    named = f" ({shown})" if shown else ""
    if meta["proof"]:  # "Proof", "Remark 1": Quarto's environment titles, in italics
        return (f'<span class="proof-title"><em>{escapeHtml(PROOFS[kind])}{number}</em>'
                f"{named}. </span>")
    title = escapeHtml(options_of(env).title(kind))
    return f'<span class="theorem-title"><strong>{title}{number}{named}</strong></span> '
