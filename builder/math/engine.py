"""MathJax at build time: the committed bundle of MathJax's server-side code, run in V8.

``mathjax-bundle.js`` is MathJax 3.2.2's own TeX input and CHTML/SVG output with the liteDOM
adaptor, bundled by ``scripts/bundle-mathjax``; the ``mini-racer`` wheel runs it, so typesetting
at build time needs ``pip install`` and nothing else (no Node.js). Starting V8 and loading the
bundle takes a few tenths of a second, so a process starts the engine once, on first use,
and a build that typesets nothing never starts it.

V8 runs threads of its own: a process that has started the engine must not fork (the child
would inherit a V8 without them). mini-racer drives V8 from a Python thread, so
``procutil.can_fork`` already says no once the engine runs.
"""

from __future__ import annotations

import atexit
import functools
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.errors import BuildError
from builder.fsutil import file_digest

BUNDLE = Path(__file__).with_name("mathjax-bundle.js")
_TIMEOUT = 120.0  # seconds for one post's formulas: MathJax's own limits stop runaway macros


@dataclass(frozen=True)
class Problem:
    """What MathJax said about one math element: ``error`` (not typeset: the TeX is shown)
    or ``warning`` (typeset as the browser would, e.g. an undefined macro drawn in red)."""

    index: int
    kind: str
    message: str


@dataclass(frozen=True)
class Typeset:
    """One post's math elements after typesetting: each element's new inner HTML, and what
    was typeset (``(tag, text)`` of each element), once it is known."""

    html: tuple[str, ...]
    problems: tuple[Problem, ...]
    elements: tuple[tuple[str, str], ...] | None = None


@functools.cache
def bundle_digest() -> str:
    """Hash of the bundle and of the modules that mend what it writes (this one, and the
    SVG ids' renaming): part of every cache key, so a new MathJax, or a new mend,
    re-typesets everything."""
    digest = file_digest(BUNDLE)
    if digest is None:
        raise BuildError(f"the MathJax bundle is missing: {BUNDLE}",
                         hint="reinstall build-site, or set mathjax = \"client\" in site.toml")
    menders = (Path(__file__), Path(__file__).with_name("svg_ids.py"))
    return "-".join([digest, *(str(file_digest(path)) for path in menders)])


class Engine:
    """One V8 isolate with the bundle loaded. Not thread-safe: one caller at a time."""

    def __init__(self) -> None:
        try:
            from py_mini_racer import MiniRacer
        except ImportError:
            raise BuildError(
                "typesetting math at build time needs the mini-racer package",
                hint="pip install mini-racer, or set mathjax = \"client\" in site.toml",
            ) from None
        self._racer = MiniRacer()
        self._racer.eval(BUNDLE.read_text(encoding="utf-8"))
        self.version = str(self._racer.eval("BuildSiteMathJax.version"))

    def _call(self, function: str, request: Any) -> Any:
        argument = json.dumps(json.dumps(request, ensure_ascii=False))
        answer = self._racer.eval(f"BuildSiteMathJax.{function}({argument})",
                                  timeout_sec=_TIMEOUT)
        return json.loads(str(answer))

    def typeset(self, options: dict[str, Any], elements: list[tuple[str, str]]) -> Typeset:
        """Typeset one post's math elements, ``(tag, text)`` in page order, as one document.

        MathJax turns an author's TeX mistake into an error we report; an exception from
        MathJax itself (a bug, a limit) is caught too: then each element is typeset on its
        own, so one bad formula costs only itself (and the post's numbering after it)."""
        from py_mini_racer import JSEvalException

        try:
            answer = self._call("render", {"options": options, "elements": elements})
            return Typeset(tuple(_valid_styles(html) for html in answer["html"]),
                           tuple(Problem(i, kind, message) for i, kind, message
                                 in answer["problems"]))
        except JSEvalException as error:
            if len(elements) == 1:
                return Typeset((_plain(elements[0][1]),),
                               (Problem(0, "error", f"MathJax failed: {_first_line(error)}"),))
        html, problems = [], []
        for index, element in enumerate(elements):
            alone = self.typeset(options, [element])
            html.append(alone.html[0])
            problems += [Problem(index, p.kind, p.message) for p in alone.problems]
        return Typeset(tuple(html), tuple(problems))

    def stylesheet(self, options: dict[str, Any]) -> list[tuple[str, str]]:
        """Every CSS rule the output may need, as (selector, declarations), in MathJax's order."""
        return [(selector, body) for selector, body in self._call("stylesheet", options)]

    def close(self) -> None:
        self._racer.close()


# MathJax 3.2.2's CHTML sets the last labelled row of a table (a numbered ``align``) to
# ``height: NaNem``: a browser's CSS parser drops that declaration, so the client's pages never
# had it; written into our HTML it is an error to an HTML checker. Dropped here the same way.
_NAN_DECLARATION = re.compile(r' ?[a-z-]+: [^;"]*\bNaN[^;"]*;?(?=[ "])')
_EMPTY_STYLE = re.compile(r' style=""')


def _valid_styles(html: str) -> str:
    if "NaN" not in html:
        return html
    return _EMPTY_STYLE.sub("", _NAN_DECLARATION.sub("", html))


def _plain(text: str) -> str:
    from html import escape

    return escape(text, quote=False)


def _first_line(error: Exception) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[0].strip() if lines else type(error).__name__


_ENGINE: Engine | None = None
_LOCK = threading.Lock()


def engine() -> Engine:
    """This process's engine, started on first use and closed when the process exits (an
    open isolate makes the interpreter hang at exit)."""
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            _ENGINE = Engine()
            atexit.register(_close)
        return _ENGINE


def _close() -> None:
    global _ENGINE
    if _ENGINE is not None:
        _ENGINE.close()
        _ENGINE = None
