"""Typeset math as MathML alone: for the feed, whose readers run no MathJax and load no
stylesheet of ours, so MathJax's HTML output would show them nothing but boxes.

Every formula typeset at build time carries MathJax's own MathML of it (its assistive
MathML, made by the same TeX parser as the page, so the two never disagree); this keeps that
and drops the rest: each ``<mjx-container>`` becomes its ``<math>`` element (with
``display="block"`` for display math), which feed readers render as they render HTML.
"""

from __future__ import annotations

import re

_CONTAINER = re.compile(
    r"<mjx-container\b[^>]*>.*?<mjx-assistive-mml\b[^>]*>(<math\b.*?</math>)"
    r"</mjx-assistive-mml></mjx-container>", re.S)
_MATHJAX_DATA = re.compile(r' data-mjx-[a-z-]+="[^"]*"')  # MathJax's notes to itself


def as_mathml(html: str) -> str:
    """``html`` with each typeset formula replaced by its MathML."""
    if "<mjx-container" not in html:
        return html
    return _CONTAINER.sub(lambda m: _MATHJAX_DATA.sub("", m.group(1)), html)
