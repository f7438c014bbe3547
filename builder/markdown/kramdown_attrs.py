"""kramdown's attribute lists, as Jekyll posts use them: ``{: .class #id key="value"}``.

Read from gettalong/kramdown ``parser/kramdown/extensions.rb``: a block IAL on its own line
applies to the block right before it, or, after a blank line (or first in its container), to
the block after it; a span IAL right after an emphasis, a link, an image or a code span
applies to it (after plain text it is text); ``{:name: .class}`` defines a reusable list that
``{: name}`` refers to; ``## Heading {#id}`` names a heading; a list marked ``{:toc}`` becomes
the table of contents of the headings (those with ``.no_toc`` left out), as kramdown writes it.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

_ANY = r"(?:\\\}|[^}])"
_NAME = r"\w[\w-]*"
_BLOCK_IAL = re.compile(rf" {{0,3}}\{{:(?![:/])({_ANY}+)\}}[ \t]*$")
_ALD = re.compile(rf" {{0,3}}\{{:({_NAME}):({_ANY}+)\}}[ \t]*$")
_SPAN_IAL = re.compile(rf"\{{:(?![:/])({_ANY}+)\}}")
_KEY_VALUE = rf"({_NAME})=(\"|')((?:\\\}}|\\\2|[^}}\2])*?)\2"
_ID_OR_CLASS = r"(?:#[A-Za-z][\w:-]*|\.[^\s.#]+)+"
_ATTRIBUTE = re.compile(rf"(?:\A|\s)(?:{_KEY_VALUE}|({_NAME})|({_ID_OR_CLASS}))(?=\s|\Z)")
_NON_WORD = re.compile(r"[^\w\- \t]")
_HEADER_ID = re.compile(r"[ \t]+\{#([A-Za-z][\w:-]*)\}[ \t]*$")

IAL = "kramdown_ial"
SPAN_IAL = "kramdown_span_ial"


def parse_attributes(text: str) -> dict[str, Any]:
    """kramdown's ``parse_attribute_list``: ``{"id":…, "class":…, key: value, "refs": […]}``."""
    found: dict[str, Any] = {}
    for key, _, value, ref, id_or_class in _ATTRIBUTE.findall(text):
        if ref:
            found.setdefault("refs", []).append(ref)
        elif id_or_class:
            for part in re.findall(r"[#.][^#.]+", id_or_class):
                if part[0] == ".":
                    found["class"] = f"{found.get('class', '')} {part[1:]}".lstrip()
                else:
                    found["id"] = part[1:]
        else:
            found[key] = re.sub(r"\\([}\"'])", r"\1", value)
    return found


def kramdown_attrs_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("paragraph", IAL, _block_ial,
                          {"alt": ["paragraph", "blockquote", "list", "table"]})
    md.inline.ruler.before("text", SPAN_IAL, _span_ial)
    md.core.ruler.after("block", "kramdown_header_ids", _header_ids)
    md.core.ruler.after("kramdown_header_ids", "kramdown_block_ials", _apply_block_ials)
    md.core.ruler.after("inline", "kramdown_span_ials", _apply_span_ials)
    md.core.ruler.before("anchor", "kramdown_auto_ids", _auto_ids)
    md.core.ruler.push("kramdown_toc", _table_of_contents)
    md.add_render_rule(IAL, lambda *_: "")
    md.add_render_rule(SPAN_IAL, lambda *_: "")


# --- block IALs and ALDs ------------------------------------------------------------------


def _block_ial(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    pos = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith("{:", pos):
        return False
    line = state.src[state.bMarks[start] : state.eMarks[start]]
    ald = _ALD.match(line)
    ial = None if ald else _BLOCK_IAL.match(line)
    if not ald and not ial:
        return False
    if silent:
        return True
    token = state.push(IAL, "", 0)
    token.hidden = True
    token.map = [start, start + 1]
    token.meta = {
        "ald": ald.group(1) if ald else None,
        "attrs": parse_attributes(ald.group(2) if ald else ial.group(1)),  # type: ignore[union-attr]
        "after_blank": start == 0 or state.isEmpty(start - 1)
        or (bool(state.tokens[:-1]) and state.tokens[-2].nesting == 1),
    }
    state.line = start + 1
    return True


def _apply_block_ials(state: StateCore) -> None:
    tokens = state.tokens
    alds: dict[str, dict[str, Any]] = state.env.setdefault("kramdown_alds", {})
    for token in tokens:
        if token.type == IAL and token.meta["ald"]:
            alds[token.meta["ald"]] = token.meta["attrs"]
    for i, token in enumerate(tokens):
        if token.type != IAL or token.meta["ald"]:
            continue
        target = None if token.meta["after_blank"] else _previous_block(tokens, i)
        if target is None:
            target = _next_block(tokens, i)
        if target is not None:
            apply_attributes(target, token.meta["attrs"], alds)


def _previous_block(tokens: list[Token], i: int) -> Token | None:
    j = i - 1
    while j >= 0 and tokens[j].type == IAL:
        j -= 1
    if j < 0 or tokens[j].nesting == 1 or tokens[j].level != tokens[i].level:
        return None
    if tokens[j].nesting == 0:
        return tokens[j]
    depth = 0
    for k in range(j, -1, -1):
        depth += tokens[k].nesting
        if depth == 0:
            return tokens[k]
    return None


def _next_block(tokens: list[Token], i: int) -> Token | None:
    j = i + 1
    while j < len(tokens) and tokens[j].type == IAL:
        j += 1
    if j < len(tokens) and tokens[j].nesting >= 0 and tokens[j].level == tokens[i].level:
        return tokens[j]
    return None


def apply_attributes(token: Token, attrs: dict[str, Any],
                     alds: dict[str, dict[str, Any]]) -> None:
    """Merge an attribute list (and the ALDs it refers to) into a token's attributes."""
    merged: dict[str, Any] = {}
    for ref in attrs.get("refs", ()):
        if ref in alds:
            _merge(merged, alds[ref])
        elif ref == "toc":
            token.meta["toc"] = True
    _merge(merged, {k: v for k, v in attrs.items() if k != "refs"})
    for key, value in merged.items():
        if key == "class":
            old = str(token.attrs.get("class", ""))
            token.attrSet("class", f"{old} {value}".strip())
        else:
            token.attrSet(key, value)


def _merge(into: dict[str, Any], attrs: dict[str, Any]) -> None:
    for key, value in attrs.items():
        if key == "class":
            into["class"] = f"{into.get('class', '')} {value}".strip()
        elif key != "refs":
            into[key] = value


# --- headings: {#id} -----------------------------------------------------------------------


def _header_ids(state: StateCore) -> None:
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens):
            inline = tokens[i + 1]
            match = _HEADER_ID.search(inline.content)
            if match:
                token.attrSet("id", match.group(1))
                inline.content = inline.content[: match.start()]


def _auto_ids(state: StateCore) -> None:
    """kramdown-parser-gfm's ``generate_gfm_header_id``: the heading's text (math and code
    included), lower case, without punctuation, spaces as hyphens; repeats get ``-1``, ..."""
    counts: dict[str, int] = {}
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or token.attrs.get("id"):
            continue
        text = "".join(c.content for c in tokens[i + 1].children or []
                       if c.type in ("text", "code_inline", "math_inline", "softbreak")
                       or c.type == "text_special")
        ident = _NON_WORD.sub("", text.lower()).replace(" ", "-").replace("\t", "-")
        counts[ident] = counts.get(ident, -1) + 1
        token.attrSet("id", f"{ident}-{counts[ident]}" if counts[ident] else ident)


# --- span IALs ------------------------------------------------------------------------------


def _span_ial(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("{:", state.pos) or state.src.startswith("{::", state.pos):
        return False
    match = _SPAN_IAL.match(state.src, state.pos, state.posMax)
    if match is None or not state.tokens or (state.tokens[-1].type == "text" and not \
            _is_delimiter(state)):
        return False
    if not silent:
        token = state.push(SPAN_IAL, "", 0)
        token.meta = {"attrs": parse_attributes(match.group(1)), "text": match.group()}
    state.pos = match.end()
    return True


def _is_delimiter(state: StateInline) -> bool:
    """The text before is an emphasis delimiter that may yet close an emphasis."""
    last = len(state.tokens) - 1
    return any(d.token == last for d in state.delimiters)


def _apply_span_ials(state: StateCore) -> None:
    alds = state.env.get("kramdown_alds", {})
    for block in state.tokens:
        children = block.children or []
        for i, child in enumerate(children):
            if child.type != SPAN_IAL:
                continue
            target = _span_target(children, i)
            if target is None:  # after plain text: text, as kramdown leaves it
                child.type, child.content = "text", child.meta["text"]
            else:
                apply_attributes(target, child.meta["attrs"], alds)


def _span_target(children: list[Token], i: int) -> Token | None:
    i -= 1
    while i >= 0 and children[i].type == "text" and not children[i].content:
        i -= 1  # what is left of a '**' that closed a strong emphasis
    if i < 0:
        return None
    i += 1
    before = children[i - 1]
    if before.type in ("image", "code_inline", "math_inline", "html_inline"):
        return before if before.type != "html_inline" else None
    if before.nesting == -1:
        depth = 0
        for k in range(i - 1, -1, -1):
            depth += children[k].nesting
            if depth == 0:
                return children[k]
    return None


# --- {:toc} ---------------------------------------------------------------------------------


def _table_of_contents(state: StateCore) -> None:
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open") and token.meta.get("toc"):
            depth, end = 0, i
            for end in range(i, len(tokens)):
                depth += tokens[end].nesting
                if depth == 0:
                    break
            html = Token("html_block", "", 0)
            html.content = _toc_html(state, token.tag)
            html.map = token.map
            tokens[i : end + 1] = [html]
            return  # kramdown makes one table of contents


def _toc_html(state: StateCore, tag: str) -> str:
    tokens = state.tokens
    headings = []
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or "no_toc" in str(token.attrs.get("class", "")).split():
            continue
        children = _without_anchor(tokens[i + 1].children or [])
        text = state.md.renderer.renderInline(children, state.md.options, state.env).strip()
        headings.append((int(token.tag[1]), str(token.attrs.get("id", "")), text))
    out, stack = [f'<{tag} id="markdown-toc">'], [headings[0][0] if headings else 1]
    for n, (level, ident, text) in enumerate(headings):
        if n:
            if level > stack[-1]:
                out.append(f"<{tag}>")
                stack.append(level)
            else:
                out.append("</li>")
                while len(stack) > 1 and level < stack[-1]:
                    stack.pop()
                    out.append(f"</{tag}>\n</li>")
        link = escapeHtml(ident)
        out.append(f'<li><a href="#{link}" id="markdown-toc-{link}">{text}</a>')
    if headings:
        out.append("</li>")
    while len(stack) > 1:
        stack.pop()
        out.append(f"</{tag}>\n</li>")
    out.append(f"</{tag}>")
    return "\n".join(out) + "\n"


def _without_anchor(children: list[Token]) -> list[Token]:
    """The heading's text less the permalink anchor the anchors plugin appended."""
    out: list[Token] = []
    skipping = False
    for child in children:
        if child.type == "link_open" and "header-anchor" in str(child.attrs.get("class", "")):
            skipping = True
        elif skipping and child.type == "link_close":
            skipping = False
        elif not skipping:
            out.append(child)
    return out
