"""Pandoc's code block attributes and Quarto's code listings: ```` ```{.sql} ````,
```` ```{#lst-customers .sql lst-cap="Customers Query"} ```` (a listing, "Listing 1:
Customers Query" above the code), and a figure block's ``#| lst-label`` and ``#| lst-cap``
(its code shown as a listing).

Read from Pandoc's manual (``fenced_code_attributes``: the first class names the language)
and quarto-cli's ``quarto-pre/parsefiguredivs.lua`` (a code block is a listing when its id
starts ``lst-`` and it has ``lst-cap``; without the caption it stays a code block) and
``mainstateinit.lua`` (a listing's caption stands above it). ``::: {#lst-x}`` divs are
``floats.py``'s; ``crossref.py`` numbers all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from builder.markdown.inline import inline_token
from builder.markdown.pandoc_attrs import Attributes, braced_attributes

_FENCES = ("```{", "~~~{", "``` {", "~~~ {")  # a post without these has no attributes


def listings_plugin(md: MarkdownIt) -> None:
    # After the figure blocks are set aside, before the numbering.
    md.core.ruler.before("anchor", "listings", _listings)


def fence_attributes(info: str) -> Attributes | None:
    """The attributes of a fence's ``{...}`` info string, or None (a plain language word,
    or braces that are not attributes)."""
    info = info.strip()
    if not info.startswith("{"):
        return None
    found = braced_attributes(info)
    return found[1] if found is not None and found[0] == len(info) else None


def _listings(state: StateCore) -> None:
    source = state.src
    if state.inlineMode or not any(fence in source for fence in _FENCES):
        return
    for token in state.tokens:
        if token.type != "fence" or "figure" in token.meta:
            continue
        attributes = fence_attributes(token.info)
        if attributes is None:
            continue
        token.meta["attrs"] = attributes
        caption = attributes.pairs.get("lst-cap")
        if attributes.id.startswith("lst-") and caption is not None:
            token.meta["label"] = attributes.id
            token.meta["caption"] = inline_token(state.md, caption, state.env, token.map)


def render_fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A code block with attributes: highlighted in its first class's language, its id on
    the ``<pre>``; a listing in Quarto's float, its caption above."""
    from builder.markdown.parser import highlight

    token = tokens[idx]
    attributes: Attributes = token.meta["attrs"]
    lang = attributes.classes[0] if attributes.classes else ""
    code = highlight(token.content, lang, {})
    label = token.meta.get("label")
    if not label:
        if attributes.id:
            code = code.replace("<pre ", f'<pre id="{escapeHtml(attributes.id)}" ', 1)
        return code + "\n"
    caption = self.renderInline(token.meta["caption"].children or [], options, env)
    return listing_html(env, label, caption, code)


def listing_html(env: dict[str, Any], label: str, caption: str, code: str) -> str:
    """The code in a listing float, "Listing 1: caption" above it."""
    from builder.markdown.crossref import caption_number

    return (f'<figure class="figure quarto-float quarto-float-lst" id="{escapeHtml(label)}">\n'
            f"<figcaption>{caption_number(env, label, 'lst')}{caption}</figcaption>\n"
            f"{code}\n</figure>\n")
