"""Formulas typeset once per process, however many posts show them.

A post's math is one MathJax document because a formula may depend on the ones before it
(``\\def``, numbering, ``\\label``/``\\eqref``). Most formulas depend on nothing: ``$x_i$``,
``$\\alpha$``, a ``cases`` display. Such a formula comes out of MathJax the same, byte for
byte, whether alone or in any post (checked on every formula of the test blog and the
flagship, and by a test), so once typeset it is reused: a site's common formulas cost
MathJax once per worker, not once per post.

A formula is reused only when nothing around it can change it: it defines, numbers, labels
and references nothing, and its post defines no macro and requires no package anywhere (so
no rule about where a definition takes effect has to be re-derived here). The site's macros
and MathJax's options are part of the key. Only a formula MathJax typeset without a
complaint is kept: a complaint names the line of its own post.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from builder.math.engine import Problem, Typeset

Element = tuple[str, str]  # (tag, TeX)

# Anything that makes a post's formulas one document: definitions (anywhere in the post),
# and in a formula, those, numbering, labels and references.
_DEFINING = (r"def|gdef|edef|xdef|let|newcommand|renewcommand|providecommand|"
             r"DeclareMathOperator|newenvironment|renewenvironment|require")
_DEFINES = re.compile(rf"\\(?:{_DEFINING})(?![a-zA-Z])")
_CONTEXTUAL = re.compile(
    rf"\\(?:label|ref|eqref|tag|notag|nonumber|{_DEFINING})(?![a-zA-Z])"
    # a numbered environment: its number comes from the formulas before it
    r"|\\begin\s*\{\s*(?:equation|align|gather|multline|flalign|alignat|xalignat|xxalignat|"
    r"eqnarray)\s*\}")
_CAPACITY = 50_000  # formulas remembered (a long-running preview's bound; ~2 KB each)


class FormulaMemo:
    """Typeset formulas by ``(options, tag, TeX)``, for the formulas that may be shared."""

    def __init__(self, capacity: int = _CAPACITY) -> None:
        self._known: dict[tuple[str, str, str], str] = {}
        self._capacity = capacity

    def typeset(self, engine: Any, options: dict[str, Any], elements: Sequence[Element]
                ) -> Typeset:
        """``engine.typeset`` of one post's elements, with the shareable formulas already
        known taken from here: only the others go to MathJax, still as one document in page
        order (the shared ones number and define nothing, so leaving them out changes
        nothing for the rest)."""
        scope = json.dumps(options, sort_keys=True)
        shareable = _shareable(elements)
        known = {i: self._known.get((scope, *elements[i])) for i in shareable}
        known = {i: html for i, html in known.items() if html is not None}
        rest = [i for i in range(len(elements)) if i not in known]
        done = engine.typeset(options, [elements[i] for i in rest]) if rest else \
            Typeset((), ())
        html = dict(known)
        html.update(zip(rest, done.html, strict=True))
        problems = tuple(Problem(rest[p.index], p.kind, p.message) for p in done.problems)
        flagged = {p.index for p in problems}
        for i in shareable:
            if i not in known and i not in flagged and "<mjx-container" in html[i]:
                self._remember((scope, *elements[i]), html[i])
        return Typeset(tuple(html[i] for i in range(len(elements))), problems)

    def _remember(self, key: tuple[str, str, str], html: str) -> None:
        if len(self._known) >= self._capacity:
            self._known.pop(next(iter(self._known)))
        self._known[key] = html


def _shareable(elements: Sequence[Element]) -> list[int]:
    """The elements whose typeset form does not depend on the rest of their post."""
    if any(_DEFINES.search(text) for _, text in elements):
        return []
    return [i for i, (_, text) in enumerate(elements) if not _CONTEXTUAL.search(text)]


MEMO = FormulaMemo()  # this process's: a typesetting worker's, or the preview server's
