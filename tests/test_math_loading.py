"""Client-side math (``mathjax = "client"``) while MathJax is on its way: formulas hidden in about the room they will
take (so the page does not jump), shown typeset when it arrives, shown as TeX if it never
does. MathJax's script is held back or refused in Chromium to see each state."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import CHROMIUM, browser_page, serve_folder
from tests.conftest import Project

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")

POST = """---
title: Sums
---
Inline $a_i + b$ and a display formula:

$$
\\sum_{k=1}^n k = \\frac{n(n+1)}{2}
$$

After the formula.
"""
STATE = """() => {
  const display = document.querySelector('div.math');
  return {loading: document.documentElement.classList.contains('math-loading'),
          hidden: getComputedStyle(display).visibility === 'hidden'
                  && getComputedStyle(document.querySelector('span.math')).visibility === 'hidden',
          height: display.getBoundingClientRect().height
                  / parseFloat(getComputedStyle(display).fontSize),
          typeset: document.querySelectorAll('mjx-container').length,
          scales: [...document.querySelectorAll('mjx-container')].map(c => c.style.fontSize),
          text: display.textContent};
}"""


@pytest.fixture
def site(project: Project) -> Path:
    project.post("2020-01-01-sums.md", POST)
    project.write("site.toml", 'mathjax = "client"\n')  # math typeset in the reader's browser
    project.build()
    html = project.page("2020/01/01/sums/index.html")
    assert '<link rel="preload" href="/static/mathjax/tex-chtml.js?v=' in html  # fetched early
    return project.root / "site"


def test_formulas_wait_hidden_in_their_room_then_appear_typeset(site: Path) -> None:
    with serve_folder(site) as base, browser_page() as (page, errors, _, _):
        script: list[str] = []

        def hold(route: object) -> None:  # MathJax "still on its way": an empty script
            script.append(route.request.url)  # type: ignore[attr-defined]
            route.fulfill(body="", content_type="text/javascript")  # type: ignore[attr-defined]

        page.route("**/tex-chtml.js*", hold)
        page.goto(base + "/2020/01/01/sums/")
        waiting = page.evaluate(STATE)
        assert waiting["loading"] and waiting["hidden"] and waiting["typeset"] == 0
        assert waiting["height"] == pytest.approx(3.1, abs=0.05)  # a one-line formula's room

        page.unroute("**/tex-chtml.js*")
        page.add_script_tag(url=script[0])  # and now it arrives
        page.evaluate("MathJax.startup.promise")
        done = page.evaluate(STATE)
        assert not done["loading"] and not done["hidden"] and done["typeset"] == 2
        # inline and display formulas sized from the same text: the shrunk loading size of
        # inline TeX is gone before MathJax measures (it gave 103.7% against 103.9%)
        assert done["scales"][0] == done["scales"][1], done["scales"]
        # typeset, the display (a sum with limits over a fraction) is 4.9em, a little more or
        # less with the x-height MathJax measures in each run (5.0em seen): within 70% of its room
        assert done["height"] == pytest.approx(waiting["height"], rel=0.7)
        assert errors == []


def test_formulas_show_as_tex_when_mathjax_cannot_load(site: Path) -> None:
    with serve_folder(site) as base, browser_page() as (page, _, _, _):
        page.route("**/tex-chtml.js*", lambda route: route.abort())
        page.goto(base + "/2020/01/01/sums/")
        page.wait_for_function("!document.documentElement.classList.contains('math-loading')")
        state = page.evaluate(STATE)
        assert not state["hidden"] and state["typeset"] == 0
        assert "\\sum_{k=1}^n k" in state["text"]  # the reader gets the TeX, not a hole
