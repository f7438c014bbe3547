"""A post's citations checked, formatted and listed: the core rule after the inline parse.

Every key is looked up in the post's bibliography first (a missing one is an error at the
citation's line, ``post.md:12``); then one Pandoc run formats every citation of the post
and its reference list, in document order (numeric styles number by first citation).
The list goes where the post has a ``::: {#refs}`` div (Pandoc's rule), else at the end,
before the footnotes, under a heading: ``reference-section-title``, or "References" as
Quarto writes it. Each citation links to its entry, and each entry links back to the
places that cite it, as footnotes do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from builder.citations.pandoc import bibliography_keys, format_citations
from builder.citations.syntax import citations_plugin, nocite_keys
from builder.errors import BuildError
from builder.markdown.crossref import block_captions
from builder.markdown.inline import inline_children, inline_token
from builder.markdown.pandoc_attrs import Attributes

_LINK = re.compile(r'<a href="#ref-([^"]*)" role="doc-biblioref">')


@dataclass(frozen=True)
class Citing:
    """What a post cites from, for the parser: its files, style and heading (see
    ``sources/bibliography_option.py``), the project root, the site's language."""

    root: Path
    files: tuple[str, ...]
    csl: Path | None
    title: str
    language: str
    nocite: str = ""  # Pandoc's nocite ("@a, @b"; "@*": every entry), and its line
    nocite_line: int = 0


def references_plugin(md: MarkdownIt) -> None:
    citations_plugin(md)
    # after the floats' and callouts' captions and titles are read; before the numbering of
    # figures (whose captions are written out there) and the headings' anchors
    md.core.ruler.before("crossref", "citations", _cite)
    md.add_render_rule("citation", _render_citation)


def _cite(state: StateCore) -> None:
    env = state.env
    citing: Citing | None = env.get("citations")
    if state.inlineMode or citing is None:
        return
    found = _citations(state)
    if not found and not citing.nocite:
        return
    errors = env.setdefault("errors", [])
    # Pandoc formats while the keys are checked (two processes at once: most of each run's
    # time is starting it); its work is dropped if a key is missing.
    with ThreadPoolExecutor(1) as pool:
        formatting = pool.submit(format_citations, [token.content for token, _ in found],
                                 citing.root, citing.files, citing.csl, citing.language,
                                 citing.nocite)
        _check_keys(citing, found, env, errors)
        if errors:
            return
        try:
            shown, listed = formatting.result()
        except BuildError as error:
            errors.append(BuildError(error.message, env["path"], found[0][1]))
            return
    backs: dict[str, list[str]] = {}
    for (token, _), html in zip(found, shown, strict=True):
        token.meta["html"] = _with_ids(html, backs)
        if token.meta.get("caption"):  # read again when crossref.py writes the caption
            env.setdefault("cited", {}).setdefault(token.content, []).append(
                token.meta["html"])
    _place_list(state, _with_backlinks(listed, backs), citing.title)


def _citations(state: StateCore) -> list[tuple[Token, int]]:
    """Every citation of the post with its line, in the order written: in the text, in
    captions and titles read aside, and in figure blocks' captions (which crossref.py
    reads and writes later: their citations are read here first, to be formatted with the
    others)."""
    env = state.env
    found = []
    for token in state.tokens:
        found += [(child, line) for child, line in inline_children([token], "citation")]
        if token.type == "fence" and "figure" in token.meta:
            block = env["blocks"][token.meta["figure"]]
            caption, subcaptions = block_captions(block)
            for text, line in ([caption] if caption else []) + subcaptions:
                if "@" not in text:
                    continue
                offset = line - env["body_line"]
                parsed = inline_token(state.md, text, env, [offset, offset + 1])
                for child, _ in inline_children([parsed], "citation"):
                    child.meta["caption"] = True
                    found.append((child, offset))
    return [(child, env["body_line"] + line) for child, line in found]


def _check_keys(citing: Citing, found: Sequence[tuple[Token, int]], env: dict[str, Any],
                errors: list[BuildError]) -> None:
    """Every key cited must be in one of the files; a file Pandoc cannot read is the error."""
    known: set[str] = set()
    for name in citing.files:
        try:
            known.update(bibliography_keys(citing.root, name))
        except BuildError as error:
            errors.append(error)
            return
    for token, line in found:
        for key in token.meta["keys"]:
            if key not in known:
                errors.append(BuildError(
                    f"citation key '{key}' is not in {' or '.join(citing.files)}", env["path"],
                    line, hint="add the entry, or write \\@ for an '@' that cites nothing"))
    for key in nocite_keys(citing.nocite):
        if key != "*" and key not in known:
            errors.append(BuildError(
                f"nocite key '{key}' is not in {' or '.join(citing.files)}", env["path"],
                citing.nocite_line, hint="add the entry, or take the key out of nocite"))


def _with_ids(html: str, backs: dict[str, list[str]]) -> str:
    """Each link to an entry gets an id (``citation-3``: the post's third) its entry links
    back to."""
    def named(match: re.Match[str]) -> str:
        key = match.group(1)
        anchor = f"citation-{sum(map(len, backs.values())) + 1}"
        backs.setdefault(key.replace("&amp;", "&"), []).append(anchor)
        return f'<a href="#ref-{key}" role="doc-biblioref" id="{anchor}">'
    return _LINK.sub(named, html)


def _with_backlinks(listed: str, backs: dict[str, list[str]]) -> str:
    """Pandoc's list (an entry's ``<div>`` and ``</div>`` on lines of their own), each entry
    ending with links back to where it is cited."""
    lines = listed.split("\n")
    key = None
    for i, line in enumerate(lines):
        opening = re.match(r'<div id="ref-([^"]*)" class="csl-entry"', line)
        if opening:
            key = opening.group(1).replace("&amp;", "&")
        elif line == "</div>" and key is not None and i > 0:
            anchors = backs.get(key, [])
            links = "".join(
                f' <a href="#{a}" class="citation-backref" aria-label="Back to '
                + ("the citation" if len(anchors) == 1 else f"citation {n + 1}")
                + f'">↩︎{"" if len(anchors) == 1 else n + 1}</a>'
                for n, a in enumerate(anchors))
            last = lines[i - 1]
            if last.endswith("</div>"):  # a numeric style: [1] in a margin, the rest beside
                lines[i - 1] = last[: -len("</div>")] + links + "</div>"
            else:
                lines[i - 1] = last + links
            key = None
    return "\n".join(lines)


def _place_list(state: StateCore, listed: str, title: str) -> None:
    """Into ``::: {#refs}`` if the post has one (the div becomes Pandoc's list, its own
    content after the entries), else at the end, before the footnotes, under a heading."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        attrs = token.meta.get("attrs") if token.type == "div_open" else None
        if attrs is not None and getattr(attrs, "id", "") == "refs":
            close = next(j for j in range(i + 1, len(tokens)) if tokens[j].type == "div_close"
                         and tokens[j].level == token.level)
            tokens[close] = _html("</div>\n")
            tokens[i] = _html(listed.removesuffix("</div>").rstrip("\n") + "\n")
            return
    end = next((i for i, t in enumerate(tokens) if t.type == "footnote_block_open"),
               len(tokens))
    tokens[end:end] = [*_heading(title or "References", tokens), _html(listed + "\n")]


def _html(content: str) -> Token:
    return Token("html_block", "", 0, content=content, block=True)


def _heading(title: str, tokens: Sequence[Token]) -> list[Token]:
    """The list's heading, its id made as every heading's is (the ids are given already)."""
    from mdit_py_plugins.anchors.index import slugify, unique_slug

    taken = {str(t.attrGet("id")) for t in tokens if t.attrGet("id")}
    ident = unique_slug(slugify(title) or "references", taken)
    opening = Token("heading_open", "h2", 1, attrs={"id": ident}, markup="##", block=True)
    # Pandoc's citeproc makes it an unnumbered section: it takes no section number
    opening.meta["attrs"] = Attributes(classes=["unnumbered"])
    text = Token("text", "", 0, content=title)
    inline = Token("inline", "", 0, content=title, children=[text])
    closing = Token("heading_close", "h2", -1, markup="##", block=True)
    return [opening, inline, closing]


def _render_citation(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                     env: Any) -> str:
    token = tokens[idx]
    html = token.meta.get("html")
    if html is None:  # a figure block's caption, read again: formatted with the others
        waiting = env.get("cited", {}).get(token.content)
        html = waiting.pop(0) if waiting else None
    if html is None:  # not formatted (the post failed to): as written
        return escapeHtml(token.content)
    if env.get("excerpt"):  # listings and feeds show the citation, not links into the post
        return re.sub(r"</?a\b[^>]*>", "", html)
    return html
