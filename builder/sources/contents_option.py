"""The front matter's say on a post's table of contents: ``toc: false`` turns it off,
``toc-depth: 2`` lists headings down to that level (Quarto's names for both; the default
depth is Quarto's, 3). A Jekyll site's themes give ``toc`` meanings of their own, so there
only ``toc: false`` counts and other values are left to the theme they were written for."""

from __future__ import annotations

from typing import Any

from builder.errors import BuildError

DEFAULT_DEPTH = 3


def toc_depth(data: dict[str, Any], lines: dict[str, int], path: str,
              jekyll: bool = False) -> int:
    """The deepest heading level the post's contents list shows; 0 for none."""
    shown = data.get("toc", True)
    if jekyll:
        depth = data.get("toc-depth")
        ok = isinstance(depth, int) and not isinstance(depth, bool) and 1 <= depth <= 6
        return 0 if shown is False else depth if ok else DEFAULT_DEPTH
    if shown is None:
        shown = True
    if not isinstance(shown, bool):
        raise BuildError(f"'toc' must be true or false, not {shown!r}", path, lines.get("toc"))
    depth = data.get("toc-depth", DEFAULT_DEPTH)
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= 6:
        raise BuildError(f"'toc-depth' must be a heading level from 1 to 6, not {depth!r}",
                         path, lines.get("toc-depth"))
    return depth if shown else 0
