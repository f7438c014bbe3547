"""Formulas typeset once and reused across posts: the pages come out as if every post were
typeset on its own, and only formulas that nothing around them can change are reused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from builder.config import load_config
from builder.math.engine import Engine, Typeset
from builder.math.shared import FormulaMemo
from builder.math.stage import math_options
from builder.math.typesetter import typeset_post

REPO = Path(__file__).resolve().parent.parent
FORMULAS = json.loads((REPO / "tests" / "fixtures" / "jekyll-blog.formulas.json")
                      .read_text(encoding="utf-8"))


class Counting:
    """An engine that counts the formulas it is given."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.formulas = 0

    def typeset(self, options: dict, elements: list[tuple[str, str]]) -> Typeset:
        self.formulas += len(elements)
        return self.engine.typeset(options, elements)


@pytest.fixture(scope="module")
def engine() -> Engine:
    from builder.math.engine import engine as started

    return started()


@pytest.fixture(scope="module")
def options(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("site")
    (root / "site.toml").write_text('[math.macros]\nRR = "\\\\mathbb{R}"\n', encoding="utf-8")
    return math_options(load_config(root))


def inline(tex: str) -> tuple[str, str]:
    return "span", rf"\({tex}\)"


def display(tex: str) -> tuple[str, str]:
    return "div", rf"\[{tex}\]"


def posts() -> list[list[tuple[str, str]]]:
    """The math elements of each page of the test blog, as the stage finds them."""
    made = {"inline": inline, "display": display}
    return [[made[mode](tex) for mode, tex in page] for page in FORMULAS.values() if page]


def test_a_blogs_posts_come_out_as_if_each_were_typeset_alone(engine: Engine,
                                                              options: dict) -> None:
    """Every post of the test blog, typeset through the memo twice over (the second time
    every shareable formula is known), gives what MathJax gives for the post by itself."""
    memo, counting = FormulaMemo(), Counting(engine)
    alone = [engine.typeset(options, elements) for elements in posts()]
    for _ in range(2):
        assert [memo.typeset(counting, options, elements) for elements in posts()] == alone
    total = sum(len(elements) for elements in posts())
    assert total < counting.formulas < 2 * total  # the second round typeset only the rest


@pytest.mark.parametrize("elements, shared", [
    # numbered: its number depends on the equations before it in its post
    ([("div", r"\begin{equation} a = b \end{equation}")], False),
    ([("div", r"\begin{align} a &= b \end{align}")], False),
    ([display(r"a = b \tag{1}")], False),
    ([display(r"a = b \label{x}")], False),
    ([inline(r"\eqref{x}")], False),
    # a post that defines a macro shares none of its formulas (one may use the definition)
    ([inline(r"\def\half{\tfrac12}"), inline(r"x^2")], False),
    ([inline(r"x^2"), display(r"\DeclareMathOperator{\tr}{tr}\tr A")], False),
    # unnumbered displays, environments inside a formula, starred forms: shared
    ([("div", r"\begin{align*} a &= b \end{align*}")], True),
    ([display(r"f(x) = \begin{cases} 1 & x > 0 \\ 0 & \text{else} \end{cases}")], True),
    ([inline(r"x \in \RR")], True),
])
def test_only_formulas_nothing_around_can_change_are_reused(
        engine: Engine, options: dict, elements: list[tuple[str, str]], shared: bool) -> None:
    memo, counting = FormulaMemo(), Counting(engine)
    first = memo.typeset(counting, options, elements)
    again = memo.typeset(counting, options, elements)
    assert first == again == engine.typeset(options, elements)
    assert counting.formulas == len(elements) * (1 if shared else 2)


def test_a_macro_defined_in_one_post_does_not_reach_another(engine: Engine,
                                                            options: dict) -> None:
    """``\\half`` defined in one post is undefined in the next (drawn in red, with a
    warning), whatever the memo saw before."""
    memo = FormulaMemo()
    memo.typeset(engine, options, [inline(r"\def\half{\tfrac12}"), inline(r"\half")])
    other = memo.typeset(engine, options, [inline(r"\half")])
    assert other == engine.typeset(options, [inline(r"\half")])
    assert [p.kind for p in other.problems] == ["warning"]


def test_formulas_with_complaints_are_not_kept_and_keep_their_place(engine: Engine,
                                                                    options: dict) -> None:
    memo, counting = FormulaMemo(), Counting(engine)
    elements = [inline("x"), inline(r"\frac{1}"), inline("y")]
    memo.typeset(counting, options, [inline("x"), inline("y")])
    result = memo.typeset(counting, options, elements)
    assert result == engine.typeset(options, elements)
    assert [p.index for p in result.problems] == [1]
    memo.typeset(counting, options, elements)
    assert counting.formulas == 2 + 1 + 1  # the bad formula goes to MathJax every time


def test_other_options_are_other_formulas(engine: Engine, options: dict) -> None:
    memo, counting = FormulaMemo(), Counting(engine)
    memo.typeset(counting, options, [inline("x^2")])
    big = dict(options, ex=options["ex"] * 2)
    assert memo.typeset(counting, big, [inline("x^2")]) == engine.typeset(big, [inline("x^2")])
    assert counting.formulas == 2


def test_svg_ids_are_the_posts_whatever_was_typeset_before(options: dict) -> None:
    """MathJax's SVG output numbers its glyph ids by how many formulas the engine drew
    before: a post's bytes depended on which worker typeset it after which posts. They are
    named after the post now, and a formula shown twice in a post (reused the second time)
    gets ids of its own each time."""
    svg = dict(options, output="svg")
    elements = [inline("x^2"), display(r"\sum_i x_i"), inline("x^2")]
    first = typeset_post(svg, "a" * 64, elements)
    typeset_post(svg, "b" * 64, [inline("y"), inline("z")])
    assert typeset_post(svg, "a" * 64, elements) == first
    ids = [re.findall(r'id="([^"]+)"', html) for html in first.html]
    assert all(ids) and len({i for found in ids for i in found}) == sum(map(len, ids))
    assert all(i.startswith(f"MJX-aaaaaaaaaa-{n}-") for n, found in enumerate(ids) for i in found)
    assert first.html[2].replace("-2-", "-0-") == first.html[0]
