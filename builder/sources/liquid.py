"""Liquid over a Jekyll document, as Jekyll renders it before Markdown: python-liquid (a
faithful Python port of Shopify's Liquid, which Jekyll runs) with Jekyll's objects
(``site``, ``page``, ``jekyll``), filters and tags.

Jekyll renders Liquid only in documents holding ``{%`` or ``{{`` (and not when the front
matter says ``render_with_liquid: false``), in lax mode: a syntax error is a warning and the
rest still renders. Here too: each problem is a warning naming the file and line, and a tag
no one here knows is left in the page as written. The rendered text keeps a map from its
lines back to the document's, so later errors still name the line the author wrote.
"""

from __future__ import annotations

import bisect
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from liquid import Environment, Mode, RenderContext
from liquid.exceptions import LiquidError, LiquidInterrupt, StopRender
from liquid.token import Token

from builder.errors import BuildError, BuildWarning, Warn
from builder.sources.liquid_filters import JEKYLL, add_jekyll_filters
from builder.sources.liquid_tags import add_jekyll_tags, include_path, line_of
from builder.sources.site_index import SiteIndex


class _Environment(Environment):
    """Jekyll's lax Liquid: errors go to the document being rendered, as warnings."""

    recorder: Callable[[LiquidError], None] | None = None

    def error(self, exc: Any, msg: str | None = None, token: Token | None = None) -> None:
        if not isinstance(exc, LiquidError):
            exc = exc(msg, token=token)
        elif not exc.token:
            exc.token = token
        if self.recorder is None:
            raise exc
        self.recorder(exc)


@functools.cache
def environment() -> _Environment:
    env = _Environment(tolerance=Mode.WARN, strict_filters=False)
    add_jekyll_filters(env)
    add_jekyll_tags(env)
    return env


class LineMap:
    """Rendered line -> the document's line, from where each top-level node began."""

    def __init__(self, anchors: list[tuple[int, int]] | None = None) -> None:
        self.anchors = anchors or [(0, 0)]
        self.outs = [out for out, _ in self.anchors]

    def source_line(self, line: int) -> int:
        """0-based rendered line -> 0-based document line."""
        i = bisect.bisect_right(self.outs, line) - 1
        out, src = self.anchors[max(i, 0)]
        mapped = src + (line - out)
        if i + 1 < len(self.anchors) and self.anchors[i + 1][1] > src:
            mapped = min(mapped, self.anchors[i + 1][1] - 1)
        return max(mapped, 0)


class _Counting(StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return super().write(text)


@dataclass
class JekyllState:
    """What Jekyll's tags and filters need while one document renders."""

    root: Path
    path: str  # the document, relative to the root
    body_line: int  # the file line of the body's first line
    text: str  # the body being rendered
    base_path: str
    site_url: str
    markdown: tuple[str, bool]
    index: SiteIndex
    warn: Warn
    partials: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # partial source -> its path

    def partial(self, env: Environment, name: str, relative: bool) -> Any:
        """The parsed include ``name``: from ``_includes/``, or beside the document for
        ``include_relative``; never from outside those folders; None if there is none."""
        if relative:
            folder = self.root
            name = (Path(self.path).parent / name).as_posix()
        else:
            folder = self.root / "_includes"
        path = include_path(folder, name)
        if path is None:
            return None
        key = str(path)
        if key not in self.partials:
            rel = path.relative_to(self.root.resolve()).as_posix()
            try:
                text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
            except UnicodeDecodeError as exc:
                raise BuildError(f"not UTF-8 text: {exc.reason}", rel,
                                 hint="save the file as UTF-8") from None
            self.sources[text] = rel
            self.partials[key] = env.from_string(text, name=rel, path=rel)
        return self.partials[key]

    def where(self, token: Token | None) -> tuple[str, int | None]:
        """The file and line of a token, in the document or in one of its includes."""
        if token is None or token.start_index < 0:
            return self.path, None
        if token.source == self.text:
            return self.path, self.body_line + line_of(token) - 1
        return self.sources.get(token.source, self.path), line_of(token)

    def unsupported(self, token: Token, message: str | None = None) -> None:
        path, line = self.where(token)
        self.warn(BuildWarning(path, line, message or f"Liquid tag '{token.value}' is not "
                               "supported (a Jekyll plugin's?): left in the page as written"))

    def problem(self, error: LiquidError) -> None:
        path, line = self.where(error.token)
        message = str(error.message if hasattr(error, "message") else error).split("\n")[0]
        self.warn(BuildWarning(path, line, f"Liquid: {message}"))


def render_liquid(state: JekyllState, page: dict[str, Any], site: dict[str, Any]
                  ) -> tuple[str, LineMap]:
    """The document's body with its Liquid rendered, and the map back to its lines."""
    env = environment()
    env.recorder = state.problem
    try:
        template = env.from_string(state.text, path=state.path)
        context = RenderContext(template, globals=template.make_globals({
            "site": site, "page": page,
            "jekyll": {"environment": os.environ.get("JEKYLL_ENV", "development")},
            JEKYLL: state,
        }))
        buffer = _Counting()
        anchors: list[tuple[int, int]] = []
        for node in template.nodes:
            anchors.append((buffer.lines, line_of(node.token) - 1))
            try:
                node.render(context, buffer)
            except StopRender:
                break
            except (LiquidError, LiquidInterrupt) as error:
                if isinstance(error, LiquidError):
                    env.error(error, token=node.token)
        return buffer.getvalue(), LineMap(anchors)
    finally:
        env.recorder = None
