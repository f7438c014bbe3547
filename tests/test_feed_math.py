"""Math in the Atom feed as MathML: feed readers run no MathJax, so each formula goes out as
the MathML MathJax made of it with the page, and a real feed parser keeps it."""

from __future__ import annotations

import re

import feedparser

from builder.math.mathml import as_mathml
from tests.conftest import Project

POST = r"""---
title: "The heat equation, briefly"
---
Heat spreads as $u_t = \alpha\, u_{xx}$, with $\alpha > 0$.

$$
u(x, t) = \frac{1}{\sqrt{4\pi\alpha t}} \int e^{-(x-y)^2 / 4\alpha t}\, f(y)\, dy
$$

A price of $5 stays text.

Code such as `$x$` stays code.
"""


def test_feed_carries_each_formula_as_mathml(project: Project) -> None:
    project.write("site.toml", 'title = "Notes"\nbase_url = "https://ex.org/"\n')
    project.post("2021-02-03-heat.md", POST)
    project.build()
    raw = project.page("feed.xml")
    feed = feedparser.parse(raw)
    assert not feed.bozo, feed.get("bozo_exception")
    content = feed.entries[0].content[0].value  # as a feed reader's sanitizer leaves it
    formulas = re.findall(r"<math\b[^>]*>.*?</math>", content, re.S)
    assert len(formulas) == 3
    assert formulas[0].startswith('<math xmlns="http://www.w3.org/1998/Math/MathML">')
    assert "<msub><mi>u</mi><mi>t</mi></msub><mo>=</mo><mi>\u03b1</mi>" in formulas[0]
    assert 'display="block"' in formulas[2] and "<mfrac>" in formulas[2] and \
        "<msqrt>" in formulas[2]
    assert "mjx-" not in raw and "\\(" not in content and "\\frac" not in content
    assert "A price of $5 stays text" in content and "<code>$x$</code>" in content


def test_only_typeset_math_changes() -> None:
    typeset = ('<p>a <span class="math"><mjx-container class="MathJax" jax="CHTML">'
               '<mjx-math aria-hidden="true"><mjx-mi>x</mjx-mi></mjx-math>'
               '<mjx-assistive-mml unselectable="on" display="inline">'
               '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi data-mjx-auto-op="false">'
               'x</mi></math></mjx-assistive-mml></mjx-container></span> b</p>')
    assert as_mathml(typeset) == ('<p>a <span class="math"><math xmlns="http://www.w3.org/'
                                  '1998/Math/MathML"><mi>x</mi></math></span> b</p>')
    failed = '<span class="math math-error" title="MathJax: x">\\(x^^2\\)</span>'
    assert as_mathml(failed) == failed  # what MathJax rejected stays as written


def test_with_math_left_to_the_browser_the_feed_still_carries_mathml(project: Project) -> None:
    project.write("site.toml", 'mathjax = "client"\nbase_url = "https://ex.org/"\n')
    project.post("2021-02-03-heat.md", POST)
    project.build()
    assert "<mjx-container" not in project.page("2021/02/03/heat/index.html")  # the browser's
    content = feedparser.parse(project.page("feed.xml")).entries[0].content[0].value
    assert len(re.findall(r"<math\b", content)) == 3 and "\\(" not in content
