"""Heading ids that name every heading, math included: ``## Case $k=1$`` is ``#case-k1``.

The anchors plugin slugs a heading from its text and code only, so a heading's formula was
dropped from its id (``#case-``) and a heading that is only math got an empty one, which
the plugin then shared between every such heading (``#``, ``#-1``). Pandoc, whose ids Quarto
documents carry, reads a formula as its TeX; so do we, with the plugin's own slug rules,
so every heading without math keeps the id it had. What slugs to nothing (``## $+$``)
becomes ``section``, Pandoc's fallback, numbered like any repeated id.
"""

from __future__ import annotations

from markdown_it.rules_core import StateCore
from mdit_py_plugins.anchors.index import slugify, unique_slug

# (inline code `{python} n` is named by its code: its value is not known when ids are made)
_TEXT = frozenset({"text", "code_inline", "math_inline", "math_inline_double", "inline_code"})
LEVELS = range(1, 5)  # the levels the anchors plugin gives ids and links (parser.py)


def heading_ids_rule(state: StateCore) -> None:
    """Give each heading of ``LEVELS`` without an id one, before the anchors plugin runs
    (it keeps ids it finds). Ids given explicitly are reserved first, as the plugin does."""
    tokens = state.tokens
    taken = {str(t.attrGet("id")) for t in tokens if t.type == "heading_open" and t.attrGet("id")}
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or token.attrGet("id") or int(token.tag[1]) not in LEVELS:
            continue
        title = "".join(child.content for child in tokens[i + 1].children or ()
                        if child.type in _TEXT)
        # first, as Pandoc writes it, before a class its attributes gave (heading_attrs.py)
        token.attrs = {"id": unique_slug(slugify(title) or "section", taken), **token.attrs}
