"""Quarto's panel layouts: which item goes in which row, at what width.

One rule for a block's outputs (``#| layout-ncol: 2``) and for a div's content
(``::: {layout="[[1,1],[1]]"}``), read from quarto-cli's ``layout/layout.lua`` and
``layout/width.lua``:

- ``layout-ncol: n``: rows of n cells, each 100/n percent wide (the last row too, so a
  lone last figure keeps its size); ``layout-nrow: m`` alone: as many columns as m rows need.
- ``layout: [[1, 1], [1]]``: a row per list, each number a share of its row (``[1]`` is one
  row); a negative share is a spacer of that width; if items remain when the rows run out,
  the last row is used again.
- ``layout-valign`` aligns a row's cells (top by default); ``layout-align`` places each item
  in its cell (images and tables centred by default, other content to the left).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from html import escape
from typing import Any

LAYOUT_KEYS = ("layout", "layout-ncol", "layout-nrow")
_FLEX = {"left": "flex-start", "center": "center", "right": "flex-end"}


@dataclass(frozen=True)
class Cell:
    item: int | None  # the index of the item shown; None: a spacer
    width: float  # percent of the row


def has_layout(options: dict[str, Any]) -> bool:
    return any(key in options for key in LAYOUT_KEYS)


def layout_rows(count: int, options: dict[str, Any]) -> list[list[Cell]]:
    """The rows of ``count`` items under the (checked) layout options."""
    grid = options.get("layout")
    if grid is not None:
        return _grid_rows(count, _as_rows(grid))
    ncol = options.get("layout-ncol")
    if ncol is None:
        nrow = options.get("layout-nrow")
        ncol = math.ceil(count / nrow) if nrow else 1
    width = round(100 / max(ncol, 1), 1)
    return [[Cell(i, width) for i in range(start, min(start + ncol, count))]
            for start in range(0, count, max(ncol, 1))]


def _as_rows(grid: list[Any]) -> list[list[float]]:
    return grid if any(isinstance(row, list) for row in grid) else [grid]


def _grid_rows(count: int, rows: list[list[float]]) -> list[list[Cell]]:
    shares = []
    for row in rows:
        total = sum(abs(w) for w in row)
        shares.append([(w / total * 100 if total else 0.0) for w in row])
    laid: list[list[Cell]] = []
    item, index = 0, 0
    while item < count:
        row = shares[min(index, len(shares) - 1)]
        cells = []
        for share in row:
            if share < 0:
                cells.append(Cell(None, round(-share, 1)))
            elif item < count:
                cells.append(Cell(item, round(share, 1)))
                item += 1
        laid.append(cells)
        index += 1
    return laid


def parse_layout_attribute(key: str, value: str) -> tuple[Any, str | None]:
    """A div's ``layout-ncol="2"`` or ``layout="[[1,1],[1]]"`` as the cell option's value,
    or (None, what is wrong)."""
    if key in ("layout-ncol", "layout-nrow"):
        if value.strip().isdigit() and 0 < int(value) <= 100:
            return int(value), None
        return None, f"{key} must be a whole number from 1 to 100, not {value!r}"
    try:
        grid = json.loads(value)
    except ValueError:
        grid = None
    if isinstance(grid, list) and grid and (
            all(_number(v) for v in grid) or all(
                isinstance(r, list) and r and all(_number(v) for v in r) for r in grid)):
        return grid, None
    return None, f"layout must be rows of widths such as [[1,1],[1]], not {value!r}"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value != 0


def panel_html(cells: list[str], kinds: list[str], options: dict[str, Any],
               ident: str = "") -> str:
    """The items' HTML laid out in rows (Quarto's classes and inline widths). ``kinds`` says
    which items are images or tables (centred by default)."""
    rows = []
    for row in layout_rows(len(cells), options):
        parts = [cell_opening(cell, kinds[cell.item] if cell.item is not None else "", options)
                 + (f"\n{cells[cell.item]}\n" if cell.item is not None else "") + "</div>"
                 for cell in row]
        rows.append(row_opening(options) + "\n" + "\n".join(parts) + "\n</div>")
    return panel_opening(ident) + "\n" + "\n".join(rows) + "\n</div>"


def panel_opening(ident: str = "") -> str:
    attribute = f' id="{escape(ident, quote=True)}"' if ident else ""
    return f'<div class="quarto-layout-panel"{attribute}>'


def row_opening(options: dict[str, Any]) -> str:
    valign = options.get("layout-valign", "default")
    extra = f" quarto-layout-valign-{valign}" if valign in ("top", "center", "bottom") else ""
    return f'<div class="quarto-layout-row{extra}">'


def cell_opening(cell: Cell, kind: str, options: dict[str, Any]) -> str:
    """A cell's opening tag (a spacer's is the whole cell but its closing tag)."""
    if cell.item is None:
        return ('<div class="quarto-layout-cell quarto-figure-spacer" '
                f'style="flex-basis: {cell.width}%;">')
    align = options.get("layout-align", "default")
    place = align if align in _FLEX else ("center" if kind in ("image", "table") else "left")
    return (f'<div class="quarto-layout-cell" style="flex-basis: {cell.width}%;'
            f'justify-content: {_FLEX[place]};">')
