"""Markdown body -> HTML, with TeX passed to MathJax untouched and figure blocks set aside.

markdown-it-py does the parsing; the plugins from mdit-py-plugins add tables, footnotes,
heading anchors and math. Math follows Pandoc's dollar rules, so ``$5 and $6`` stays prose.
Each ```{python} fence becomes a ``FigureBlock`` and an HTML comment placeholder that the
figure stage fills in later, so the expensive parse is cached independently of the figures.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.amsmath import amsmath_block
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.texmath import texmath_plugin

from builder.citations.references import Citing, references_plugin
from builder.errors import BuildError, BuildWarning, Warn, ignore_warning, raise_all
from builder.figures.html import PLACEHOLDER
from builder.figures.options import is_figure_fence, split_options
from builder.markdown.author_html import check_author_html
from builder.markdown.callouts import callouts_plugin
from builder.markdown.crossref import crossref_plugin
from builder.markdown.crossref_format import CrossrefOptions
from builder.markdown.divs import divs_plugin
from builder.markdown.floats import floats_plugin
from builder.markdown.guards import check_environment_closed, nesting_plugin
from builder.markdown.heading_attrs import heading_attrs_plugin
from builder.markdown.heading_ids import heading_ids_rule
from builder.markdown.html_math import html_math_plugin
from builder.markdown.inline_code import inline_code_plugin
from builder.markdown.kramdown_attrs import kramdown_attrs_plugin
from builder.markdown.kramdown_extras import kramdown_extras_plugin
from builder.markdown.kramdown_math import UNCLOSED, kramdown_math_plugin
from builder.markdown.listings import listings_plugin, render_fence
from builder.markdown.references import local_references
from builder.markdown.theorems import theorems_plugin
from builder.model import FigureBlock, Heading, ParsedBody

# Which delimiters each math token type is written back with, for MathJax to find.
_MATH_TOKENS = {
    "math_inline": ("span", "\\(", "\\)"),
    "math_inline_double": ("span", "\\[", "\\]"),  # display math inside a paragraph
    "math_block": ("div", "\\[", "\\]"),
    "math_block_label": ("div", "\\[", "\\]"),
    "math_block_eqno": ("div", "\\[", "\\]"),
    "amsmath": ("div", "", ""),
}


DIALECTS = ("pandoc", "kramdown")


@functools.cache
def make_markdown(dialect: str = "pandoc", dollars: bool = True) -> MarkdownIt:
    """The configured parser of a math dialect (see the module docstring of
    ``kramdown_math``); built once per process because building it is not free.
    ``dollars``: whether ``$...$`` is inline math (always, in the Pandoc dialect)."""
    md = MarkdownIt("commonmark", {"html": True, "highlight": highlight})
    md.enable(["table", "strikethrough"])
    md.use(nesting_plugin)
    md.use(footnote_plugin)
    if dialect == "kramdown":
        md.use(kramdown_math_plugin, dollars=dollars)
    else:
        md.use(texmath_plugin, delimiters="brackets")  # \( \) and \[ \]
        md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
        md.inline.ruler.before("escape", "math_inline_brackets", _display_brackets_rule)
    md.block.ruler.before("blockquote", "amsmath", _amsmath_rule, {"alt": _AMSMATH_ALT})
    md.use(html_math_plugin, dollars=dollars, kramdown=dialect == "kramdown")
    md.use(anchors_plugin, min_level=1, max_level=4, permalink=True, permalinkSymbol="#")
    if dialect != "kramdown":  # kramdown's ids are kramdown_attrs' (kramdown-parser-gfm's)
        md.use(heading_attrs_plugin)  # Pandoc's: ## Intro {#sec-intro}
        md.core.ruler.before("anchor", "heading_ids", heading_ids_rule)
    md.core.ruler.after("anchor", "anchor_names", _name_heading_anchors)
    if dialect != "kramdown":  # Pandoc's and Quarto's syntax; kramdown has none of it
        md.use(divs_plugin)
        md.use(callouts_plugin)
        md.use(theorems_plugin)
        md.use(floats_plugin)
        md.use(listings_plugin)
    if dialect == "kramdown":  # after the anchors: its table of contents links to their ids
        md.use(kramdown_attrs_plugin)
        md.use(kramdown_extras_plugin)
    md.use(inline_code_plugin)
    md.use(crossref_plugin)  # figure blocks' labels, in both dialects
    md.use(references_plugin)  # Pandoc's citations, in posts that have a bibliography
    md.core.ruler.after("block", "figure_blocks", _collect_figure_blocks)
    md.core.ruler.push("checks", _check_inline)
    md.core.ruler.push("author_html", check_author_html)
    for name in _MATH_TOKENS:
        md.add_render_rule(name, _render_math)
    md.add_render_rule("fence", _render_fence)
    return md


def parse_body(body: str, path: str, body_line: int, warn: Warn = ignore_warning,
               dialect: str = "pandoc", dollars: bool = True,
               defaults: dict[str, Any] | None = None,
               citing: Citing | None = None,
               crossref: dict[str, Any] | None = None) -> ParsedBody:
    """Render a post's Markdown body; ``body_line`` maps token lines back to file lines.
    Rules that meet something they can only build around call ``warn_at``; mistakes go to
    ``env["errors"]`` and are raised together. ``defaults``: figure options for every block
    (from the front matter and ``site.toml``). ``citing``: the post's bibliography, if it
    has one (else an ``@`` is never a citation). ``crossref``: its numbering options
    (``number-sections``, ``crossref:``; see ``sources/crossref_option.py``)."""
    md = make_markdown(dialect, dollars)
    env: dict[str, Any] = {"path": path, "body_line": body_line, "blocks": [], "lines": None,
                           "warn": warn, "errors": [], "defaults": defaults,
                           "crossref_options": CrossrefOptions.read(crossref)}
    if citing is not None:
        env["citations"] = citing
    if defaults is not None and defaults.get("eval", True) is not False:
        env["inline"] = []  # `{python} expr` runs (inline_code.py); not in a Jekyll post
    env["lines"] = body.split("\n")
    tokens = md.parse(body, env)
    raise_all(env["errors"])  # every mistake of the post at once
    html = md.renderer.render(tokens, md.options, env)
    return ParsedBody(
        html=html,
        excerpt=_excerpt(md, tokens, env),
        has_math=any(_is_math(t) for t in tokens) or 'class="math' in html
        or any('class="math"' in caption for block in env["blocks"]
               for caption in (block.caption_html, *block.subcaptions_html)),
        headings=tuple(
            Heading(int(t.tag[1]), str(t.attrs.get("id", "")), tokens[i + 1].content)
            for i, t in enumerate(tokens)
            if t.type == "heading_open"
        ),
        blocks=tuple(env["blocks"]),
        references=local_references(html) if env["blocks"] or env.get("inline") else (),
        inline=tuple(env.get("inline", ())),
    )


def warn_at(env: dict[str, Any], body_offset: int, message: str, hint: str | None = None) -> None:
    """Warn about the body line ``body_offset`` (0-based, as in ``Token.map``) of the post."""
    env["warn"](BuildWarning(env["path"], env["body_line"] + body_offset, message, hint))


def _is_math(token: Token) -> bool:
    if token.type in _MATH_TOKENS:
        return True
    if token.type == "html_block":  # formulas found in raw HTML (html_math)
        return 'class="math' in token.content
    return any(child.type in _MATH_TOKENS for child in token.children or ())


def _excerpt(md: MarkdownIt, tokens: Sequence[Token], env: dict[str, Any]) -> str:
    """The first paragraph of prose, as HTML, for listings and feeds."""
    for i, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0:
            return md.renderer.render(list(tokens[i : i + 3]), md.options,
                                      {**env, "excerpt": True}).strip()
    return ""


def _name_heading_anchors(state: StateCore) -> None:
    """Give each heading's "#" link a name: a screen reader otherwise reads every one of
    them as "link, number sign", with nothing to tell them apart (Docusaurus's wording)."""
    for i, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        children = state.tokens[i + 1].children or []
        title = "".join(child.content for child in children
                        if child.type in ("text", "code_inline", "inline_code")
                        or child.type in _MATH_TOKENS)
        for child in children:
            if child.type == "link_open" and child.attrGet("class") == "header-anchor":
                child.attrSet("aria-label", f"Direct link to {' '.join(title.split())}")


# --- figure blocks ---------------------------------------------------------------------


def _collect_figure_blocks(state: StateCore) -> None:
    env = state.env
    path, body_line = env["path"], env["body_line"]
    blocks: list[FigureBlock] = env["blocks"]
    labels: dict[str, int] = {}
    files: dict[str, int] = {}
    for token in state.tokens:
        if token.type != "fence":
            continue
        assert token.map is not None
        _check_fence_closed(token, env)
        if not is_figure_fence(token.info):
            continue
        line = body_line + token.map[0]
        content = token.content.rstrip("\n")
        errors = env.setdefault("errors", [])
        try:
            options, option_lines, code = split_options(content, path, line + 1, env["warn"],
                                                        errors, env.get("defaults"))
        except BuildError as error:  # options that are not YAML: the block cannot be read
            errors.append(error)
            continue
        code_html = highlight(code + "\n", "python", {})
        block = FigureBlock(  # its number and captions come once all is read (crossref.py)
            len(blocks), line, code, options, option_lines, code_html=code_html,
            option_count=_line_count(content) - _line_count(code),
            fenced_html=_fenced(token, content, code) if options.get("echo") == "fenced" else "",
        )
        for key, seen in (("label", labels), ("file", files)):
            value = options.get(key)
            if value is None:
                continue
            if value in seen:
                env.setdefault("errors", []).append(BuildError(
                    f"{key} '{value}' is already used by the figure block on line {seen[value]}",
                    path, option_lines[key],
                ))
            seen[value] = option_lines[key]
        token.meta["figure"] = block.index
        blocks.append(block)


def _fenced(token: Token, content: str, code: str) -> str:
    """Quarto's ``echo: fenced``: the block as written, fence and options included (less the
    ``echo: fenced`` line itself), for posts that teach how blocks are written."""
    options = content[: len(content) - len(code)].rstrip("\n")
    kept = "\n".join(line for line in options.split("\n")
                     if not re.match(r"^\s*#\|\s*echo:\s*fenced\s*$", line))
    inner = (kept + "\n" if kept else "") + code
    body = highlight(inner + "\n", "python", {}).split(">", 2)[2].rsplit("</code>", 1)[0]
    fence = escapeHtml(token.markup)
    return (f'<pre class="highlight"><code class="language-python">{fence}{{python}}\n'
            f"{body}{fence}\n</code></pre>")


def _line_count(text: str) -> int:
    return text.count("\n") + 1 if text else 0


def _check_fence_closed(token: Token, env: dict[str, Any]) -> None:
    assert token.map is not None
    start, end = token.map
    last = env["lines"][end - 1].lstrip(" \t>") if end - 1 < len(env["lines"]) else ""
    marker = token.markup
    closed = end - start >= 2 and last.startswith(marker) and set(last.rstrip()) == {marker[0]}
    if not closed:
        raise BuildError(
            f"code fence opened here with {marker} is never closed",
            env["path"], env["body_line"] + start,
        )


def _render_fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    if "figure" in token.meta:
        return PLACEHOLDER.format(token.meta["figure"]) + "\n"
    if "attrs" in token.meta:  # ```{#lst-x .sql lst-cap="..."} (listings.py)
        return render_fence(self, tokens, idx, options, env)
    lang = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    return highlight(token.content, lang, {}) + "\n"


@functools.cache
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


@functools.lru_cache(maxsize=64)
def _lexer(lang: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(lang)
    except ClassNotFound:
        return None


def highlight(code: str, lang: str, _attrs: Any) -> str:
    """Pygments-highlighted ``<pre>``; an unknown language is shown plain, never an error."""
    lang = lang.strip("{}").strip()
    css = f' class="language-{escapeHtml(lang)}"' if lang else ""
    return f'<pre class="highlight"><code{css}>{highlight_spans(code, lang)}</code></pre>'


@functools.lru_cache(maxsize=1024)
def highlight_spans(code: str, lang: str) -> str:
    """The code as Pygments' spans (classes Rouge writes too), or escaped if the language
    is unknown. Remembered by (code, language) for the process: posts repeat snippets (a
    series' set-up, the same import block), and Pygments' lexing is a sixth of parsing."""
    from pygments import highlight as pygmentize

    lexer = _lexer(lang) if lang else None
    return pygmentize(code, lexer, _formatter()) if lexer else escapeHtml(code)


# --- amsmath environments ----------------------------------------------------------------

# Where mdit-py-plugins' amsmath plugin lets an environment interrupt other blocks.
_AMSMATH_ALT = ["paragraph", "reference", "blockquote", "list", "footnote_def"]


def _amsmath_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """The amsmath plugin's block rule, asked only of lines that begin with ``\\begin{``.

    The plugin's rule runs at the start of every block and inside every paragraph, copying
    the line and matching a regular expression each time: 4% of all parsing, for a line
    that almost never is an environment. The rendering rule is ours (``_render_math``)."""
    if not state.src.startswith("\\begin{", state.bMarks[start] + state.tShift[start]):
        return False
    if amsmath_block(state, start, end, silent):
        return True
    check_environment_closed(state, start)
    return False


# --- display math written \[...\] inside a paragraph -------------------------------------


def _display_brackets_rule(state: StateInline, silent: bool) -> bool:
    """``\\[...\\]`` within a paragraph is display math (texmath's bracket rule only sees it
    at the start of a block); without this, ``\\[`` would be read as an escaped bracket."""
    pos = state.pos
    if not state.src.startswith("\\[", pos):
        return False
    end = state.src.find("\\]", pos + 2)
    if end < 0 or not state.src[pos + 2 : end].strip():
        return False
    if not silent:
        token = state.push("math_inline_double", "math", 0)
        token.content = state.src[pos + 2 : end]
        token.markup = "\\["
    state.pos = end + 2
    return True


# --- inline checks ----------------------------------------------------------------------


def _check_inline(state: StateCore) -> None:
    """Report ``$$`` that never closes, with its line."""
    env = state.env
    for token in state.tokens:
        if token.type != "inline" or not token.children or token.map is None:
            continue
        line = env["body_line"] + token.map[0]
        for child in token.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "text" and child.content.strip() == "$$":
                raise BuildError(
                    "display math opened here with $$ is never closed", env["path"], line
                )
            elif child.type == UNCLOSED:  # kramdown shows it as text: Jekyll built it so
                warn_at(env, line - env["body_line"], "math opened here with $$ is never "
                        "closed in its paragraph: shown as text, as kramdown does")


def _render_math(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    tag, opening, closing = _MATH_TOKENS[token.type]
    label = token.info if token.type == "math_block_label" else token.meta.get("label", "")
    attrs = dict(token.attrs)  # a kramdown attribute list's, if any: {: .equation #id}
    kind = "math display" if token.type == "math_inline_double" else "math"
    attrs["class"] = f"{kind} {attrs['class']}" if attrs.get("class") else kind
    if label:
        attrs["id"] = label
    rendered = "".join(f' {key}="{escapeHtml(str(value))}"' for key, value in attrs.items())
    return f"<{tag}{rendered}>{opening}{escapeHtml(token.content)}{closing}</{tag}>" + (
        "\n" if tag == "div" else ""
    )
