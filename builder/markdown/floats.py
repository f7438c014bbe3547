"""Quarto's floats written in Markdown: figure, table and listing divs (``::: {#fig-x}``,
``{#tbl-x}``, ``{#lst-x}``: a listing's caption stands above it, as a table's), images with
an identifier (``![Caption](x.png){#fig-x}``), pipe tables with a caption line
(``: Caption {#tbl-x}``), equations with one (``$$ ... $$ {#eq-x}``), and panels
(``::: {layout-ncol=2}``) laid out by ``figures/layout.py``.

Read from quarto-cli's ``quarto-pre/parsefiguredivs.lua`` (a float div's caption is its
last paragraph, or its ``fig-cap``/``tbl-cap`` attribute), ``crossref/equations.lua`` (the
label follows a display formula) and Pandoc's manual (a table caption is a paragraph
starting ``Table:`` or ``:``, before or after the table). This module reshapes the tokens
and draws them; ``crossref.py`` numbers what they name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from builder.errors import BuildError
from builder.figures.layout import (
    LAYOUT_KEYS,
    cell_opening,
    layout_rows,
    panel_opening,
    parse_layout_attribute,
    row_opening,
)
from builder.figures.outputs_html import colgroup
from builder.markdown.divs import matching_close
from builder.markdown.inline import inline_token
from builder.markdown.pandoc_attrs import Attributes, braced_attributes

_DOLLARS = re.compile(r"(?<!\\)\$\$")
# A line that may be a table's caption (after a line break: a search from "\n" is quick).
_CAPTION_LINE = re.compile(r"\n[ \t>]*(?:[Tt]able)?:\s")
_CAPTION = re.compile(r"(?:[Tt]able)?:\s+(.+)", re.S)
_PLACES = ("top", "bottom", "margin")
PANDOC_COLUMNS = 72  # Pandoc's --columns: wider pipe tables get widths from their dashes


def floats_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.push("image_attributes", _image_attributes)
    md.block.ruler.before("math_block", "labelled_math", _labelled_math)
    md.core.ruler.before("anchor", "floats", _floats)
    for name in ("float_open", "float_close", "float_caption", "image_figure_open",
                 "image_figure_close", "panel_open", "panel_close", "row_open", "row_close",
                 "cell_open", "cell_close", "table_open", "table_close"):
        md.add_render_rule(name, _RENDERERS[name])


def _image_attributes(state: StateInline, silent: bool) -> bool:
    """``{#fig-x width=50%}`` right after an image (Pandoc's ``link_attributes``)."""
    if not state.tokens or state.tokens[-1].type != "image" or state.pending:
        return False
    found = braced_attributes(state.src, state.pos)
    if found is None:
        return False
    end, attributes = found
    if not silent:
        image = state.tokens[-1]
        image.meta["attrs"] = attributes
        for key in ("width", "height"):
            value = attributes.pairs.pop(key, None)
            if value and value.isdigit():
                image.attrSet(key, value)
            elif value:
                style = image.attrGet("style") or ""
                image.attrSet("style", f"{style}{key}: {value};")
        if attributes.classes:
            image.attrSet("class", " ".join(attributes.classes))
        if attributes.id and not attributes.id.startswith("fig-"):  # a figure's is its own
            image.attrSet("id", attributes.id)
    state.pos = end
    return True


def _floats(state: StateCore) -> None:
    if state.inlineMode:  # md.parseInline (a caption, a title) runs the core rules too
        return
    source = state.src  # most posts have none of this: a look at the text skips the walks
    if _CAPTION_LINE.search(source) or source.lstrip(" \t>").startswith((":", "Table:",
                                                                         "table:")):
        _table_captions(state)
    if "{#eq-" in source:
        _equation_labels(state)
    implicit = _implicit_figures(state.env)
    if "{#fig-" not in source and not state.env.get("divs") and not (implicit and "![" in source):
        return
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "paragraph_open" and (
                _lone_image(tokens, i, labelled=True)
                or (implicit and _captioned(_lone_image(tokens, i, labelled=False)))):
            _image_figure(tokens, i)
        elif token.type == "div_open":
            _float_div(state, i)
        i += 1


# --- images --------------------------------------------------------------------------------


def _lone_image(tokens: list[Token], index: int, labelled: bool) -> Token | None:
    """The image alone in the paragraph opened at ``index`` (with an identifier, if
    ``labelled``), or None."""
    inline = tokens[index + 1]
    children = [c for c in inline.children or ()
                if not (c.type == "text" and not c.content.strip())]
    if len(children) != 1 or children[0].type != "image":
        return None
    image = children[0]
    if labelled and not image.meta.get("attrs", Attributes()).id.startswith("fig-"):
        return None
    return image


def _implicit_figures(env: dict) -> bool:
    """Whether an image alone in its paragraph is a figure captioned by its text even
    without a label: in a Quarto document (``.qmd``), as Pandoc's ``implicit_figures`` makes
    it there. Elsewhere (a post written for this tool, a Jekyll post) such an image stays an
    image, as its author saw it."""
    return str(env.get("path", "")).endswith(".qmd")


def _captioned(image: Token | None) -> bool:
    """An image with text to caption it (Pandoc leaves an image with empty text alone)."""
    return image is not None and any(
        child.content.strip() or child.type not in ("text", "softbreak")
        for child in image.children or ())


def _image_figure(tokens: list[Token], index: int) -> None:
    """A paragraph holding only an image becomes a figure captioned by the image's text."""
    image = _lone_image(tokens, index, labelled=False)
    assert image is not None
    attributes: Attributes = image.meta.get("attrs", Attributes())
    tokens[index].type = "image_figure_open"
    tokens[index].meta.update(label=attributes.id, align=attributes.pairs.get("fig-align", ""))
    close = tokens[index + 2]
    close.type = "image_figure_close"
    close.meta["label"] = attributes.id
    close.meta["caption"] = image.children or []
    if "fig-alt" in attributes.pairs:  # the alt text, where the caption is the image's text
        alt = Token("text", "", 0, content=attributes.pairs["fig-alt"])
        image.children = [alt]


# --- divs ----------------------------------------------------------------------------------


def _float_div(state: StateCore, index: int) -> None:
    tokens = state.tokens
    opening = tokens[index]
    attributes: Attributes = opening.meta["attrs"]
    closing = matching_close(tokens, index)
    kind = attributes.id.split("-", 1)[0] \
        if attributes.id.startswith(("fig-", "tbl-", "lst-")) else ""
    options = _layout_options(state, opening, attributes)
    caption = None
    if kind:
        given = attributes.pairs.pop(f"{kind}-cap", None)
        blocks = _children(tokens, index, closing)
        if given is not None:
            caption = inline_token(state.md, given, state.env, opening.map)
        elif len(blocks) > 1 and tokens[blocks[-1][0]].type == "paragraph_open" and \
                not _lone_image(tokens, blocks[-1][0], labelled=False):
            start, end = blocks[-1]
            caption = tokens[start + 1]
            del tokens[start:end]
            closing -= end - start
    if options:
        closing = _lay_out(state, index, closing, options)
    if not kind:
        return
    place = attributes.pairs.pop(f"{kind}-cap-location", attributes.pairs.pop("cap-location", ""))
    top = place == "top" or (kind in ("tbl", "lst") and place not in _PLACES)
    opening.type, tokens[closing].type = "float_open", "float_close"
    opening.meta.update(kind=kind, label=attributes.id)
    if caption is not None:
        tokens.insert(index + 1 if top else closing, Token("float_caption", "figcaption", 0, meta={
            "inline": caption, "label": attributes.id, "kind": kind}))


def _layout_options(state: StateCore, opening: Token, attributes: Attributes
                    ) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key in (*LAYOUT_KEYS, "layout-align", "layout-valign"):
        value = attributes.pairs.pop(key, None)
        if value is None:
            continue
        if key in LAYOUT_KEYS:
            value, problem = parse_layout_attribute(key, value)
            if problem:
                state.env.setdefault("errors", []).append(BuildError(
                    problem, state.env["path"], state.env["body_line"] + opening.map[0]))
                continue
        options[key] = value
    return options if any(key in options for key in LAYOUT_KEYS) else {}


def _children(tokens: list[Token], opening: int, closing: int) -> list[tuple[int, int]]:
    """(start, end) of each block directly inside the tokens ``opening``..``closing``."""
    found, i = [], opening + 1
    while i < closing:
        end = matching_close(tokens, i) + 1 if tokens[i].nesting == 1 else i + 1
        found.append((i, end))
        i = end
    return found


def _lay_out(state: StateCore, opening: int, closing: int, options: dict[str, Any]) -> int:
    """Wrap the blocks between ``opening`` and ``closing`` in rows and cells; a heading goes
    with the block after it, and an image alone in its paragraph is a figure captioned by
    its text (as in Quarto, where every such image is one). Returns the new ``closing``."""
    tokens = state.tokens
    cells: list[list[Token]] = []
    heading: list[Token] = []
    for start, end in _children(tokens, opening, closing):
        block = tokens[start:end]
        if block[0].type == "heading_open":
            heading += block
            continue
        image = _lone_image(tokens, start, labelled=False) \
            if block[0].type == "paragraph_open" else None
        if image is not None and image.children:
            _image_figure(tokens, start)
        cells.append(heading + block)
        heading = []
    if heading:
        cells.append(heading)
    laid: list[Token] = [Token("panel_open", "div", 1)]
    for row in layout_rows(len(cells), options):
        laid.append(Token("row_open", "div", 1, meta={"options": options}))
        for cell in row:
            content = cells[cell.item] if cell.item is not None else []
            kind = _cell_kind(content)
            laid.append(Token("cell_open", "div", 1,
                              meta={"cell": cell, "kind": kind, "options": options}))
            laid += content
            laid.append(Token("cell_close", "div", -1))
        laid.append(Token("row_close", "div", -1))
    laid.append(Token("panel_close", "div", -1))
    tokens[opening + 1 : closing] = laid
    return opening + 1 + len(laid)


def _cell_kind(content: list[Token]) -> str:
    first = next((t for t in content if t.type not in ("heading_open", "heading_close",
                                                       "inline")), None)
    if first is None:
        return "text"
    if first.type in ("image_figure_open", "float_open") or (
            first.type == "paragraph_open" and any(c.type == "image" for c in
                                                   content[1].children or ())):
        return "image"
    return "table" if first.type == "table_open" else "text"


# --- tables ---------------------------------------------------------------------------------


def _table_captions(state: StateCore) -> None:
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        if tokens[i].type == "table_open":
            i = _table_caption(state, i)
        i += 1


def _caption_text(tokens: list[Token], start: int) -> str | None:
    """The caption (``Table:`` or ``:`` dropped) of the paragraph opened at ``start``."""
    if start < 0 or start + 2 >= len(tokens) or tokens[start].type != "paragraph_open":
        return None
    match = _CAPTION.fullmatch(tokens[start + 1].content)
    return match.group(1) if match else None


def _table_caption(state: StateCore, index: int) -> int:
    """Find the caption of the table opened at ``index`` (the paragraph after it, the one
    before it, or its last row when no blank line came between); return where it ends."""
    tokens = state.tokens
    closing = matching_close(tokens, index)
    text, where = _caption_text(tokens, closing + 1), closing + 1
    if text is None and index >= 3 and tokens[index - 1].type == "paragraph_close":
        text, where = _caption_text(tokens, index - 3), index - 3
    if text is not None:
        del tokens[where : where + 3]
        if where < index:
            index, closing = index - 3, closing - 3
    else:
        text = _caption_row(state, index, closing)
        closing = matching_close(tokens, index)
    if text is None:
        return closing
    text, attributes = _trailing_attributes(text)
    caption = inline_token(state.md, text, state.env, tokens[index].map)
    tokens[index].meta.update(caption=caption, label=attributes.id,
                              colwidths=attributes.pairs.get("tbl-colwidths"))
    tokens[closing].meta["float"] = attributes.id.startswith("tbl-")
    return closing


def _caption_row(state: StateCore, index: int, closing: int) -> str | None:
    """A caption line right under the table, which markdown-it read as its last row."""
    tokens = state.tokens
    row = max((i for i in range(index, closing) if tokens[i].type == "tr_open"), default=None)
    if row is None or tokens[row].map is None:
        return None
    line = state.env["lines"][tokens[row].map[0]].strip()
    match = _CAPTION.fullmatch(line)
    if "|" in line or not match:
        return None
    end = matching_close(tokens, row) + 1
    del tokens[row:end]
    if tokens[row - 1].type == "tbody_open" and tokens[row].type == "tbody_close":
        del tokens[row - 1 : row + 1]
    return match.group(1)


def _trailing_attributes(text: str) -> tuple[str, Attributes]:
    """A caption's text and the ``{#tbl-x ...}`` that may end it."""
    text = text.rstrip()
    start = text.rfind("{")
    while start >= 0:
        found = braced_attributes(text, start)
        if found and found[0] == len(text):
            return text[:start].rstrip(), found[1]
        start = text.rfind("{", 0, start)
    return text, Attributes()


def table_widths(state_lines: Sequence[str], token: Token, defaults: dict[str, Any]
                 ) -> list[float]:
    """Column widths in percent as Quarto's ``tbl-colwidths`` gives them: a list is used
    as it is; ``auto`` (the default) and ``true`` take Pandoc's widths from the dashes of
    the separator line when the table is wider than 72 characters (``auto``: unless it
    holds a link); ``false``: none."""
    given = token.meta.get("colwidths")
    value: Any = defaults.get("tbl-colwidths", "auto")
    if given is not None:
        value = {"true": True, "false": False}.get(given, given)
        if isinstance(value, str) and value.startswith("["):
            value = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", value)]
    if isinstance(value, list):
        return [float(v) for v in value]
    if value is False or token.map is None:
        return []
    start, end = token.map
    lines = state_lines[start:end]
    if not any(len(line) > PANDOC_COLUMNS for line in lines):
        return []
    if value == "auto" and any("](" in line or "<http" in line for line in lines):
        return []
    cells = [c for c in lines[1].strip().strip("|").split("|")] if len(lines) > 1 else []
    dashes = [c.count("-") for c in cells]
    total = sum(dashes)
    return [round(100 * d / total) for d in dashes] if total else []


# --- equations -------------------------------------------------------------------------------


def _labelled_math(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``$$`` ... ``$$ {#eq-x}`` as a block: dollarmath's block rule would read on past the
    ``$$`` that has the label after it, to the next line ending in ``$$``."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith("$$", begin) or "{#eq-" not in state.src:
        return False
    close = _DOLLARS.search(state.src, begin + 2)
    if close is None:
        return False
    last = start
    while last < end and state.eMarks[last] < close.start():
        last += 1
    if last >= end:
        return False
    tail = state.src[close.end() : state.eMarks[last]].rstrip()
    space = len(tail) - len(tail.lstrip())
    found = braced_attributes(tail, space)
    if not found or found[0] != len(tail) or not found[1].id.startswith("eq-"):
        return False
    if silent:
        return True
    lines = [state.src[state.bMarks[n] + state.tShift[n] : state.eMarks[n]]
             for n in range(start, last + 1)]
    lines[-1] = lines[-1][: close.start() - state.bMarks[last] - state.tShift[last]]
    lines[0] = lines[0][2:]
    token = state.push("math_block", "math", 0)
    token.block, token.markup, token.map = True, "$$", [start, last + 1]
    token.content = "\n".join(lines)
    token.meta["label"] = found[1].id
    state.line = last + 1
    return True


def _equation_labels(state: StateCore) -> None:
    """``$$ ... $$ {#eq-x}``: the label after a display formula (in a paragraph, where
    markdown-it puts ``$$`` followed by text) is taken off the text onto the formula."""
    for token in state.tokens:
        children = token.children or []
        for j, child in enumerate(children[:-1]):
            after = children[j + 1]
            if child.type != "math_inline_double" or after.type != "text":
                continue
            space = len(after.content) - len(after.content.lstrip())
            found = braced_attributes(after.content, space)
            if found and found[1].id.startswith("eq-"):
                child.meta["label"] = found[1].id
                after.content = after.content[found[0]:]


# --- rendering ------------------------------------------------------------------------------


def caption_prefix(env: dict[str, Any], label: str, kind: str) -> str:
    """"Figure 2:" / "(a)" before a caption, as ``crossref.py`` numbered its label."""
    from builder.markdown.crossref import caption_number

    return caption_number(env, label, kind)


def _render_float_open(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                       env: Any) -> str:
    token = tokens[idx]
    attributes: Attributes = token.meta["attrs"]
    classes = ["figure", "quarto-float", f"quarto-float-{token.meta['kind']}",
               *attributes.classes]
    shown = Attributes(attributes.id, classes, attributes.pairs)
    return f"<figure{shown.html()}>\n"


def _render_caption(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                    env: Any) -> str:
    meta = tokens[idx].meta
    inline = self.renderInline(meta["inline"].children or [], options, env)
    return f"<figcaption>{caption_prefix(env, meta['label'], meta['kind'])}{inline}" \
           "</figcaption>\n"


def _render_image_open(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                       env: Any) -> str:
    meta = tokens[idx].meta
    ident = f' id="{escapeHtml(meta["label"])}"' if meta["label"] else ""
    align = f" figure-{meta['align']}" if meta["align"] in ("left", "right", "center") else ""
    return f'<figure class="figure{align}"{ident}>\n'


def _render_image_close(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                        env: Any) -> str:
    meta = tokens[idx].meta
    caption = self.renderInline(meta["caption"], options, env)
    prefix = caption_prefix(env, meta["label"], "fig") if meta["label"] else ""
    if not caption and not prefix:
        return "\n</figure>\n"
    return f"\n<figcaption>{prefix}{caption}</figcaption>\n</figure>\n"


def _render_table_open(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                       env: Any) -> str:
    token = tokens[idx]
    label = token.meta.get("label") or ""
    if label and not label.startswith("tbl-"):
        token.attrSet("id", label)
    table = self.renderToken(tokens, idx, options, env)
    widths = colgroup(table_widths(env.get("lines") or [], token, env.get("defaults") or {}))
    caption = token.meta.get("caption")
    if caption is None:
        return table + widths
    inline = self.renderInline(caption.children or [], options, env)
    if not label.startswith("tbl-"):  # a caption alone is the table's own, as Pandoc has it
        return f"{table}<caption>{inline}</caption>\n{widths}"
    return (f'<figure class="figure quarto-float quarto-float-tbl" id="{escapeHtml(label)}">\n'
            f"<figcaption>{caption_prefix(env, label, 'tbl')}{inline}</figcaption>\n"
            f"{table}{widths}")


def _render_table_close(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                        env: Any) -> str:
    table = self.renderToken(tokens, idx, options, env)
    return table + "</figure>\n" if tokens[idx].meta.get("float") else table


_RENDERERS: dict[str, Any] = {
    "float_open": _render_float_open,
    "float_close": lambda *_: "</figure>\n",
    "float_caption": _render_caption,
    "image_figure_open": _render_image_open,
    "image_figure_close": _render_image_close,
    "panel_open": lambda *_: panel_opening() + "\n",
    "panel_close": lambda *_: "</div>\n",
    "row_open": lambda self, t, i, o, e: row_opening(t[i].meta["options"]) + "\n",
    "row_close": lambda *_: "</div>\n",
    "cell_open": lambda self, t, i, o, e: cell_opening(
        t[i].meta["cell"], t[i].meta["kind"], t[i].meta["options"]) + "\n",
    "cell_close": lambda *_: "</div>\n",
    "table_open": _render_table_open,
    "table_close": _render_table_close,
}
