"""The worker's matplotlib backend: Agg canvases whose ``show()`` hands figures to the block.

Jupyter's inline backend (matplotlib-inline) is a backend module too: ``plt.show()`` displays
every open figure at that point of the cell's output and closes it, so a second plot after it
starts a new figure; ``fig.show()`` shows one figure. The worker selects this module with
``matplotlib.use("module://builder.figures.backend")`` and sets the two hooks below; it runs
only in the worker process (as ``worker.py``, the only other module importing matplotlib).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg


def _ignore(*_: Any) -> None:
    pass


# Set by the worker for each block: what ``show`` does, and what to note about a new figure.
on_show: Callable[[Any], None] = _ignore  # called with a figure, or None for "all open ones"
on_new_figure: Callable[[Any], None] = _ignore


class FigureManager(FigureManagerBase):
    def show(self) -> None:
        """``fig.show()``: that figure goes to the output now (Agg would only warn)."""
        on_show(self.canvas.figure)


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager

    def __init__(self, figure: Any = None) -> None:
        super().__init__(figure)
        on_new_figure(self.figure)


def show(*_: Any, **__: Any) -> None:
    """``plt.show()``: every open figure goes to the output now, and is closed."""
    on_show(None)
