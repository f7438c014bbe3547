"""Ids in SVG math that depend on the post, not on what the engine typeset before.

MathJax's SVG output names each formula's glyph paths ``MJX-<n>-TEX-...``, ``n`` counting the
formulas its output has drawn since it started. One engine typesets many posts, in whatever
order the build's workers take them, so the same post came out with other ids from one build
to the next (and a formula reused from another post would bring that post's ids). Each
formula's ids are renamed after its post's math and its place in it: the same post gives the
same bytes, and two formulas on one page (a post, or the excerpts of a listing) never share
an id unless they are the same formulas of the same post.
"""

from __future__ import annotations

import re

_ID = re.compile(r'((?:\bid="|\bhref="#)MJX-)(\d+)-')


def own_ids(html: tuple[str, ...], key: str) -> tuple[str, ...]:
    """``html`` (a post's typeset formulas, in order) with ids named after ``key`` (the
    post's math entry) and each formula's index."""
    return tuple(_renamed(formula, f"{key[:10]}-{index}") for index, formula in enumerate(html))


def _renamed(formula: str, name: str) -> str:
    if "MJX-" not in formula:  # CHTML, and SVG formulas without glyphs
        return formula
    numbers: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        number = numbers.setdefault(match[2], name if not numbers else f"{name}-{len(numbers)}")
        return f"{match[1]}{number}-"

    return _ID.sub(rename, formula)
