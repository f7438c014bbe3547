"""Markdown that is not a post: what a figure block displayed (``Markdown(...)``, a
``_repr_markdown_``, LaTeX math), rendered by the same parser and rules as the post, so
math reaches MathJax the same way."""

from __future__ import annotations

from typing import Any

from builder.errors import BuildError, ignore_warning, raise_all


def render_fragment(text: str, path: str, line: int) -> str:
    """``text`` as HTML; ``path`` and ``line`` (the block's) locate any mistake in it."""
    from builder.markdown.parser import make_markdown

    md = make_markdown()
    env: dict[str, Any] = {"path": path, "body_line": line, "blocks": [], "errors": [],
                           "lines": text.split("\n"), "warn": ignore_warning}
    try:
        tokens = md.parse(text, env)
        raise_all(env["errors"])
        return md.renderer.render(tokens, md.options, env)
    except BuildError as error:
        raise BuildError(f"in what the block on line {line} displayed: {error.message}",
                         path, line) from None
