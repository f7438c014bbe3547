"""Quarto's section numbers: ``number-sections: true`` writes "1.2" before a heading, and
``@sec-x`` reads "Section 1.2" (with or without numbered headings: Quarto counts them
either way).

Read from quarto-cli's ``crossref/sections.lua``, ``format.lua`` (``sectionNumber``),
``index.lua`` and ``normalize/flags.lua``. Every heading not marked ``.unnumbered`` (``{-}``)
counts, at its level; a heading closes the deeper levels (they start again from their
``number-offset``). The number starts at the document's top level: the smallest level any
heading has (a post of ``##`` sections numbers them 1, 2 and their ``###`` 1.1; one of
``###`` only, 0.1, as Quarto does), or level 1 in chapters mode. Headings deeper than
``number-depth`` count but show no number. An unnumbered heading is no target: ``@sec-x``
to it reads ``?@sec-x``, as in Quarto. Headings inside a theorem or proof are never
numbered (``crossref/theorems.lua``).
"""

from __future__ import annotations

from markdown_it.token import Token

from builder.markdown.crossref_format import CrossrefOptions
from builder.markdown.pandoc_attrs import Attributes

LEVELS = 7  # Quarto caps levels at 7


class Sections:
    """The section counters as a post's headings move them, in document order."""

    def __init__(self, options: CrossrefOptions, tokens: list[Token]) -> None:
        self.options = options
        offsets = list(options.number_offset[:LEVELS])
        self.offsets = [0] + offsets + [0] * (LEVELS - len(offsets))  # index 1..7
        self.counts = list(self.offsets)
        levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
        self.top = 1 if options.chapters else min([LEVELS, *levels])

    def heading(self, level: int) -> tuple[int, ...]:
        """Count a numbered heading; its counters (index 1..7) as they stand after it."""
        level = min(level, LEVELS)
        current = max((i for i in range(1, LEVELS + 1) if self.counts[i]), default=0)
        if level < current:
            for i in range(level + 1, LEVELS + 1):
                self.counts[i] = self.offsets[i]
        self.counts[level] += 1
        return tuple(self.counts)

    @property
    def chapter(self) -> int:
        """The level-1 count (what chapters mode prefixes numbers with)."""
        return self.counts[1]

    def number(self, counts: tuple[int, ...], depth: int | None = None) -> str:
        """The number Quarto shows: the top level's count (in chapters mode), then each
        level after the first down to the last one counted."""
        shown = [str(counts[1])] if self.top == 1 else []
        end = depth if depth is not None else LEVELS
        last = next((i for i in range(end, 1, -1) if counts[i] > 0), 1)
        shown += [str(counts[i]) for i in range(2, last + 1)]
        return ".".join(shown)

    def is_chapter(self, counts: tuple[int, ...]) -> bool:
        return not any(counts[2:])


def is_unnumbered(token: Token) -> bool:
    attributes: Attributes | None = token.meta.get("attrs") if token.meta else None
    return attributes is not None and "unnumbered" in attributes.classes


def number_heading(token: Token, inline: Token, number: str) -> None:
    """Write the number before the heading's text as Quarto's HTML does."""
    token.attrSet("data-number", number)
    span = Token("html_inline", "", 0)
    span.content = f'<span class="header-section-number">{number}</span> '
    inline.children = [span, *(inline.children or [])]
