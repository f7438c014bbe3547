"""How Quarto writes a cross-reference's words and numbers: "Figure 1", "Theorem 2 (Name)",
"Section 1.2", "Note 3", and what a post's ``crossref:`` options change of them.

Read from quarto-cli's ``crossref/format.lua`` (``titlePrefix``, ``refPrefix``,
``formatNumberOption``, ``sectionNumber``), ``mainstateinit.lua`` (the kinds and their
names), ``customnodes/theorem.lua`` and ``proof.lua`` (the theorem kinds), and the defaults
of ``language/_language.yml`` (a reference's prefix is its kind's title: "Theorem"; a kind
without one reads ``alg.``, as in Quarto). Numbers are Arabic unless ``labels`` (or
``fig-labels``…) says ``roman``, ``roman i``, ``alpha a``, ``alpha A``; sub-figures are
lettered ``alpha a`` unless ``subref-labels`` says otherwise. With ``chapters: true`` every
number is prefixed by its level-1 heading's ("Figure 2.1") and counts from 1 in each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

THEOREMS = {"thm": "Theorem", "lem": "Lemma", "cor": "Corollary", "prp": "Proposition",
            "cnj": "Conjecture", "def": "Definition", "exm": "Example", "exr": "Exercise",
            "alg": "Algorithm"}
THEOREM_CLASSES = {"thm": "theorem", "lem": "lemma", "cor": "corollary", "prp": "proposition",
                   "cnj": "conjecture", "def": "definition", "exm": "example",
                   "exr": "exercise", "alg": "algorithm"}
# Proof-like kinds: numbered only with an id (``#rem-x``); ``.proof``, ``.remark``,
# ``.solution`` divs without one are not (Quarto's ``proof_types`` and their categories).
PROOFS = {"prf": "Proof", "rem": "Remark", "sol": "Solution"}
CALLOUTS = {"nte": "Note", "wrn": "Warning", "cau": "Caution", "tip": "Tip", "imp": "Important"}
FLOATS = {"fig": "Figure", "tbl": "Table", "lst": "Listing"}
# What a reference reads before the number, by kind, when the post does not say.
PREFIXES = {**FLOATS, **{k: v for k, v in THEOREMS.items() if k != "alg"}, **PROOFS,
            **CALLOUTS, "eq": "Equation", "sec": "Section", "ch": "Chapter"}
# The labels an ``@`` refers by (Quarto's ``valid_ref_types``): "ch" is only a prefix.
KINDS = frozenset([*PREFIXES, "alg"]) - {"ch"}

_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


@dataclass(frozen=True)
class CrossrefOptions:
    """A post's ``crossref:`` options and section numbering (``sources/crossref_option.py``
    reads and checks them; these are their values)."""

    options: dict[str, Any] = field(default_factory=dict)  # crossref: {fig-title: ...}
    number_sections: bool = False
    number_depth: int = 6
    number_offset: tuple[int, ...] = ()
    shift_headings: int = 0  # shift-heading-level-by (heading_attrs.py)

    @classmethod
    def read(cls, given: dict[str, Any] | None) -> CrossrefOptions:
        """From the checked front matter (``PostMeta.crossref``)."""
        given = given or {}
        return cls(dict(given.get("crossref") or {}), bool(given.get("number-sections")),
                   int(given.get("number-depth", 6)), tuple(given.get("number-offset", ())),
                   int(given.get("shift-heading-level-by", 0)))

    @property
    def chapters(self) -> bool:
        return self.options.get("chapters") is True

    def title(self, kind: str, default: str | None = None) -> str:
        """What a caption or a theorem's title starts with: "Figure", "Theorem"."""
        fallback = default or THEOREMS.get(kind) or PREFIXES.get(kind, kind)
        return str(self.options.get(f"{kind}-title", fallback))

    def prefix(self, kind: str, upper: bool = False) -> str:
        """What a reference reads before the number; ``@Fig-x`` capitalises its first
        letter (Quarto's rule, whatever the prefix)."""
        text = str(self.options.get(f"{kind}-prefix", PREFIXES.get(kind, f"{kind}.")))
        return text[:1].upper() + text[1:] if upper else text

    @property
    def title_delim(self) -> str:
        return str(self.options.get("title-delim", ":"))

    @property
    def hyperlink(self) -> bool:
        return self.options.get("ref-hyperlink", True) is not False

    def number(self, kind: str, order: int, chapter: int = 0) -> str:
        """The ``order``-th of its kind as the post's labels write it ("3", "iii", "c"),
        after its chapter's number in chapters mode ("2.3")."""
        style = self.options.get(f"{kind}-labels", self.options.get("labels", "arabic"))
        shown = styled(style, order)
        return f"{chapter}.{shown}" if self.chapters and chapter else shown

    @property
    def subref_style(self) -> str | list[str]:
        """How sub-figures are labelled, if the post says ("": a, b, c)."""
        return self.options.get("subref-labels", self.options.get("labels", ""))

    def subref(self, index: int) -> str:
        """A sub-figure's label: "a", "b"… (``index`` from 0)."""
        return subref_label(self.subref_style, index)


def subref_label(style: str | list[str], index: int) -> str:
    """The ``index``-th sub-figure's label (from 0) in a style; "" is Quarto's default,
    "a", "b"… (then "aa", as sub-figures always were here)."""
    return styled(style, index + 1) if style else letters(index)


def styled(style: Any, order: int) -> str:
    """``order`` (from 1) in a label style: ``arabic``, ``roman`` (``roman i``: lower case),
    ``alpha x`` (counting from the letter x), or a list of labels used in turn."""
    if isinstance(style, list):
        return str(style[(order - 1) % len(style)]) if style else str(order)
    style = str(style)
    if style == "arabic":
        return str(order)
    if style.startswith("alpha "):
        first = style.split(" ")[1] or "a"
        return letters(order - 1, first)
    if style.startswith("roman"):
        return roman(order).lower() if style.endswith("i") else roman(order)
    return style  # Quarto reads any other word as a list of one label


def letters(index: int, first: str = "a") -> str:
    """The ``index``-th letter from ``first`` (Quarto counts on past "z" in Unicode; "a"
    alone goes on as a…z, aa, ab…, as sub-figures do)."""
    if first != "a":
        return chr(ord(first) + index)
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(97 + rest) + text
    return text


def roman(number: int) -> str:
    text = ""
    for value, numeral in _ROMAN:
        while number >= value:
            text += numeral
            number -= value
    return text
