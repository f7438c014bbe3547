"""Quarto's callouts: ``::: {.callout-note}`` (and ``-tip``, ``-warning``, ``-important``,
``-caution``, or a bare ``.callout``) as a box with a coloured edge, an icon and a title.

Read from quarto-cli's ``customnodes/callout.lua`` and ``modules/callouts.lua``: the title is
the ``title`` attribute (Markdown), else the div's first heading (taken out of the body),
else, in the default appearance, the type's name ("Note"); ``appearance`` is ``default``
(a title band), ``simple`` (no band) or ``minimal`` (simple, without an icon); ``icon=false``
drops the icon; ``collapse="true"`` folds the body away under its title (any other value: a
fold shown open). A titled callout starts with its type, visually hidden, so a screen reader
says "Warning: Mind the units" where the eye sees the colour. Folds are ``<details>`` (no
script, the keyboard works); the theme styles the rest, in light and dark.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from builder.markdown.divs import matching_close
from builder.markdown.inline import inline_token
from builder.markdown.pandoc_attrs import Attributes

TYPES = ("note", "tip", "warning", "important", "caution")
_OWN_KEYS = ("title", "appearance", "collapse", "icon")


def callouts_plugin(md: MarkdownIt) -> None:
    # After the inline rules (a title is Markdown) and before heading anchors (a heading
    # that becomes a title is no heading of the page).
    md.core.ruler.before("anchor", "callouts", _callouts)
    md.add_render_rule("callout_open", _render_open)
    md.add_render_rule("callout_close", _render_close)


def callout_type(attributes: Attributes) -> str | None:
    """``note``, ``tip``… for a callout div, ``none`` for a bare ``.callout``, else None."""
    for name in attributes.classes:
        if name == "callout":
            kind = "none"
            break
        if name.startswith("callout-") and name[8:] in TYPES:
            return name[8:]
    else:
        return None
    return kind


def _callouts(state: StateCore) -> None:
    if state.inlineMode or not state.env.get("divs"):  # parseInline runs core rules too
        return
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = callout_type(token.meta["attrs"]) if token.type == "div_open" else None
        if kind is not None:
            _make_callout(state, i, kind)
        i += 1


def _make_callout(state: StateCore, index: int, kind: str) -> None:
    tokens = state.tokens
    opening = tokens[index]
    attributes: Attributes = opening.meta["attrs"]
    given = attributes.pairs
    title: Token | None = None
    if given.get("title"):
        title = inline_token(state.md, given["title"], state.env, opening.map)
    elif index + 3 < len(tokens) and tokens[index + 1].type == "heading_open":
        title = tokens[index + 2]
        del tokens[index + 1 : index + 4]
    appearance = given.get("appearance", "default" if kind != "none" else "simple")
    if appearance not in ("default", "simple", "minimal"):
        appearance = "default"  # as Quarto reads an unknown one
    icon = given.get("icon", "true" if kind != "none" else "false") != "false" \
        and appearance != "minimal"
    if appearance == "minimal":
        appearance = "simple"
    classes = [c for c in attributes.classes if c != "callout" and not c.startswith("callout-")]
    titled = title is not None or appearance == "default"
    folded = "collapse" in given and titled  # a fold needs a title to click
    opening.type = "callout_open"
    opening.meta.update(
        kind=kind, title=title, appearance=appearance, icon=icon, folded=folded,
        opened=given.get("collapse") != "true",
        attrs=Attributes(attributes.id, classes,
                         {k: v for k, v in given.items() if k not in _OWN_KEYS}),
    )
    closing = tokens[matching_close(tokens, index)]
    closing.type = "callout_close"
    closing.meta["tag"] = "details" if folded else "div"


def _name(kind: str) -> str:
    return kind.capitalize() if kind != "none" else "Callout"


def _render_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    meta = token.meta
    kind, title, target = meta["kind"], meta["title"], meta.get("target")
    shown = self.renderInline(title.children or [], options, env) if title is not None else ""
    if target is not None:  # "Note 1: Title" (crossref.py numbered it): its name is said
        heading = _numbered(target, kind, shown, env)
    elif title is not None:
        heading = f'<span class="visually-hidden">{_name(kind)}: </span>{shown}' \
            if kind != "none" else shown
    elif meta["appearance"] == "default":
        heading = _name(kind)
    else:
        heading = ""
    classes = ["callout", f"callout-{kind}", f"callout-style-{meta['appearance']}",
               "callout-titled" if heading else "callout-untitled"]
    if not meta["icon"]:
        classes.append("no-icon")
    attributes: Attributes = meta["attrs"]
    attributes = Attributes(attributes.id, classes + attributes.classes, attributes.pairs)
    if meta["folded"]:
        opened = " open" if meta["opened"] else ""
        return (f"<details{attributes.html()}{opened}>\n<summary class=\"callout-header\">"
                f'<span class="callout-title">{heading}</span></summary>\n'
                '<div class="callout-body">\n')
    header = (f'<div class="callout-header"><span class="callout-title">{heading}</span>'
              "</div>\n") if heading else ""
    if not heading and kind != "none":  # the type, for a screen reader, where no title says it
        header = f'<span class="visually-hidden">{escapeHtml(_name(kind))}: </span>\n'
    return f'<div{attributes.html()}>\n{header}<div class="callout-body">\n'


def _numbered(target: Any, kind: str, shown: str, env: Any) -> str:
    """A numbered callout's title (Quarto's ``callout_title_prefix``): its type's name (or
    the post's ``nte-title``…), the number, and the title after the post's delimiter."""
    from builder.markdown.crossref import options_of

    crossref = options_of(env)
    name = escapeHtml(crossref.title(target.kind, _name(kind)))
    if not shown:
        return f"{name}&nbsp;{target.number}"
    return f"{name}&nbsp;{target.number}{escapeHtml(crossref.title_delim)} {shown}"


def _render_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return f"</div>\n</{tokens[idx].meta['tag']}>\n"
