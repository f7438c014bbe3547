"""Jekyll's Liquid tags, on python-liquid: ``include`` (Jekyll's, with parameters, from
``_includes/``), ``include_relative``, ``post_url``, ``link`` and ``highlight`` (with
``linenos``), read from jekyll/jekyll ``lib/jekyll/tags/``. ``raw`` and ``comment`` are
python-liquid's own.

A tag no one here knows (a plugin's: ``{% twitter %}``, ``{% cite %}``) is not a crash, as
it is in Jekyll without the plugin: it is left in the page as the author wrote it, and the
build warns with its file and line.
"""

from __future__ import annotations

import re
import shlex
from io import StringIO
from pathlib import Path
from typing import TextIO

from liquid import Environment, RenderContext
from liquid.ast import BlockNode, Node
from liquid.exceptions import LiquidSyntaxError
from liquid.parser import get_parser
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.token import TOKEN_EXPRESSION, TOKEN_ILLEGAL, TOKEN_TAG, Token
from markdown_it.common.utils import escapeHtml

from builder.errors import BuildError
from builder.sources.liquid_filters import JEKYLL, relative_url

# IncludeTag::VALID_SYNTAX: name=value, the value quoted or a variable.
_PARAM = re.compile(
    r"""([\w-]+)\s*=\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|'([^'\\]*(?:\\.[^'\\]*)*)'|([\w.-]+))""")
_VARIABLE_FILE = re.compile(r"^(?P<variable>[^{]*(\{\{\s*[\w\-.]+\s*(\|.*)?\}\}[^\s{}]*)+)"
                            r"(?P<params>.*)$", re.S)
_VALID_FILE = re.compile(r"^[\w/.\-()+~#@]+$")
_POST_NAME = re.compile(r"^(.+/)*(\d+-\d+-\d+)-(.*)$")
_HIGHLIGHT = re.compile(r"^([a-zA-Z0-9.+#_-]+)((\s+\w+(=(\w+|\"([0-9]+\s)*[0-9]+\"))?)*)$")


def line_of(token: Token) -> int:
    """The 1-based line of ``token`` in the text it came from."""
    return token.source.count("\n", 0, max(token.start_index, 0)) + 1


def tag_text(token: Token) -> str:
    """The whole ``{% ... %}`` a tag token came from, as the author wrote it."""
    source = token.source
    start = source.rfind("{%", 0, token.start_index)
    end = source.find("%}", token.start_index)
    return source[start : end + 2] if start >= 0 and end >= 0 else f"{{% {token.value} %}}"


def _markup(stream: TokenStream) -> tuple[Token, str]:
    """The tag's token and its markup, leaving the stream on the tag's last token."""
    token = stream.current
    if stream.peek.kind == TOKEN_EXPRESSION:
        next(stream)
        return token, stream.current.value
    return token, ""


class _Simple(Tag):
    block = False
    node: type[_Node]

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup(stream)
        return self.node(token, markup.strip())


class _Node(Node):
    def __init__(self, token: Token, markup: str) -> None:
        super().__init__(token)
        self.markup = markup
        self.blank = False

    def fail(self, context: RenderContext, message: str) -> BuildError:
        """An author's mistake Jekyll refuses to build too: an error naming the line."""
        return BuildError(message, *context.globals[JEKYLL].where(self.token))


# --- include -----------------------------------------------------------------------------


class IncludeNode(_Node):
    relative = False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        state = context.globals[JEKYLL]
        matched = _VARIABLE_FILE.match(self.markup)
        if matched:
            name = render_markup(context, matched["variable"].strip())
            params = matched["params"].strip()
        else:
            name, _, params = self.markup.partition(" ")
        name = name.strip()
        if re.search(r"[./]{2,}", name) or not _VALID_FILE.match(name):
            raise self.fail(context, f"include file '{name}' has characters Jekyll refuses")
        template = state.partial(context.env, name, self.relative)
        if template is None:
            where = "beside the page" if self.relative else "in _includes/ (a theme's?)"
            state.unsupported(self.token, f"no included file '{name}' {where}: the tag is "
                              "left in the page as written")
            return buffer.write(escapeHtml(tag_text(self.token)))
        values = {}
        for key, double, single, variable in _PARAM.findall(params):
            if variable:
                values[key] = context.get(variable.split("."), token=self.token, default=None)
            else:
                values[key] = (double or single).replace('\\"', '"').replace("\\'", "'")
        with context.extend({"include": values} if params.strip() else {}, template=template):
            template.render_with_context(context, buffer, partial=True)
        return True


def render_markup(context: RenderContext, markup: str) -> str:
    """A tag's markup holding ``{{ variables }}``, rendered in the tag's own context."""
    if "{{" not in markup:
        return markup
    buffer = StringIO()
    context.env.from_string(markup).render_with_context(context, buffer, partial=True)
    return buffer.getvalue()


class IncludeRelativeNode(IncludeNode):
    relative = True


class IncludeTag(_Simple):
    name = "include"
    node = IncludeNode


class IncludeRelativeTag(_Simple):
    name = "include_relative"
    node = IncludeRelativeNode


# --- links to other posts and files ------------------------------------------------------


class PostUrlNode(_Node):
    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        state = context.globals[JEKYLL]
        name = self.markup.lstrip("/")
        match = _POST_NAME.match(name)
        if not match:
            raise self.fail(context, f"post_url '{self.markup}' has no date and title")
        folder, day, slug = match.group(1) or "", match.group(2), match.group(3)
        pattern = re.compile(
            rf"^_posts/{re.escape(folder)}{day}-{re.escape(slug)}\.[^.]+$|"
            rf"^{re.escape(folder)}_posts/?{day}-{re.escape(slug)}\.[^.]+$")
        for path, url in state.index.posts_by_path:
            if pattern.match(path):
                return buffer.write(_after_base(buffer, relative_url(url, context=context),
                                                state.base_path))
        raise self.fail(context, f"post_url '{self.markup}': no post of that name in _posts/")


def _after_base(buffer: TextIO, url: str, base_path: str) -> str:
    """Jekyll 3 (GitHub Pages') ``post_url`` gave no base path, so posts wrote
    ``{{ site.baseurl }}{% post_url x %}``; Jekyll 4's gives it. Either way, one base."""
    base = base_path.rstrip("/")
    written = buffer.getvalue() if isinstance(buffer, StringIO) else ""
    if base and written.endswith(base) and url.startswith(base + "/"):
        return url[len(base):]
    return url


class PostUrlTag(_Simple):
    name = "post_url"
    node = PostUrlNode


class LinkNode(_Node):
    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        state = context.globals[JEKYLL]
        path = render_markup(context, self.markup).strip().lstrip("/")
        url = state.index.files.get(path)
        if url is None:
            raise self.fail(context, f"link '{path}': no post, page or file of that path")
        return buffer.write(relative_url(url, context=context))


class LinkTag(_Simple):
    name = "link"
    node = LinkNode


# --- highlight ---------------------------------------------------------------------------


class HighlightNode(Node):
    def __init__(self, token: Token, lang: str, linenos: bool, block: BlockNode) -> None:
        super().__init__(token)
        self.lang, self.linenos, self.block = lang, linenos, block
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        inner = context.get_buffer(buffer)
        self.block.render(context, inner)
        code = re.sub(r"\A[\n\r]+|[\n\r]+\Z", "", inner.getvalue())
        return buffer.write(highlight_html(code, self.lang, self.linenos))


class HighlightTag(Tag):
    name = "highlight"
    end = "endhighlight"

    def parse(self, stream: TokenStream) -> Node:
        token = stream.eat(TOKEN_TAG)
        markup = ""
        if stream.current.kind == TOKEN_EXPRESSION:
            markup = stream.current.value.strip()
            next(stream)
        match = _HIGHLIGHT.match(markup)
        if not match:
            raise LiquidSyntaxError("highlight needs a language: {% highlight python %}",
                                    token=token)
        options = shlex.split(match.group(2)) if match.group(2) else []
        block = get_parser(self.env).parse_block(stream, (self.end,))
        stream.expect(TOKEN_TAG, value=self.end)
        return HighlightNode(token, match.group(1).lower(),
                             any(o.split("=")[0] == "linenos" for o in options), block)


def highlight_html(code: str, lang: str, linenos: bool) -> str:
    """Jekyll's markup (``figure.highlight > pre > code``) around Pygments' spans, whose
    classes are the ones Rouge writes; line numbers as Rouge's table. Blank lines carry an
    empty span, so the block stays one HTML block for the Markdown that follows."""
    from builder.markdown.parser import highlight_spans

    body = highlight_spans(code + "\n", lang).rstrip("\n")
    attrs = f'class="language-{escapeHtml(lang.replace("+", "-"))}" data-lang="{escapeHtml(lang)}"'
    if linenos:
        numbers = "\n".join(str(n) for n in range(1, body.count("\n") + 2))
        body = ('<table class="rouge-table"><tbody><tr><td class="gutter gl">'
                f'<pre class="lineno">{numbers}</pre></td><td class="code"><pre>{body}</pre>'
                "</td></tr></tbody></table>")
    html = f'<figure class="highlight"><pre><code {attrs}>{body}</code></pre></figure>'
    return re.sub(r"\n(?=\n)", "\n<span></span>", html)


# --- tags nobody here knows ---------------------------------------------------------------


class UnsupportedNode(Node):
    """A plugin's tag: shown as written, with a warning naming its line."""

    def __init__(self, token: Token, text: str) -> None:
        super().__init__(token)
        self.text = text
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        context.globals[JEKYLL].unsupported(self.token)
        return buffer.write(escapeHtml(self.text))


class UnsupportedTag(Tag):
    name = TOKEN_ILLEGAL
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, _ = _markup(stream)
        return UnsupportedNode(token, tag_text(token))


def add_jekyll_tags(env: Environment) -> None:
    for tag in (IncludeTag, IncludeRelativeTag, PostUrlTag, LinkTag, HighlightTag,
                UnsupportedTag):
        env.add_tag(tag)


def include_path(folder: Path, name: str) -> Path | None:
    """The file ``name`` inside ``folder``, never outside it (symbolic links included)."""
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        return None
    return path
