"""The flagship post driven from the keyboard alone, in Chromium: where Tab goes, what each
stop is called, and that what has focus can be seen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import CHROMIUM, browser_page, serve_folder
from tests.conftest import Project

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/test installs it)"
)

# What has focus: its tag, its accessible name as a screen reader would get it (aria-label,
# else its text), whether it sits inside a typeset formula, and how it is drawn.
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), cls: el.className,
          name: (el.getAttribute('aria-label') || el.innerText || '').trim(),
          inMath: !!el.closest('mjx-container'), opacity: style.opacity,
          visible: box.width > 0 && box.bottom > 0 && box.top < innerHeight};
}"""


def tab_stops(page: object, limit: int = 200) -> list[dict]:
    stops: list[dict] = []
    for _ in range(limit):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        stop = page.evaluate(FOCUSED)  # type: ignore[attr-defined]
        if stop["tag"] == "body" or (stops and stop == stops[0]):
            break
        stops.append(stop)
    return stops


def flagship_path(project: Project) -> str:
    site = project.root / "site"
    post = next(p for p in site.rglob("index.html") if "cnns" in str(p)).parent
    return "/" + post.relative_to(site).as_posix() + "/"


def test_tab_order_skips_formulas_and_every_stop_has_a_telling_name(
        built_flagship: Project) -> None:
    with serve_folder(built_flagship.root / "site") as base, \
            browser_page() as (page, errors, _, _):
        page.goto(base + flagship_path(built_flagship))
        assert page.evaluate("typeof MathJax") == "undefined"  # typeset when the site was built
        assert page.locator("mjx-container").count() > 50
        stops = tab_stops(page)

        assert stops[0]["name"] == "Skip to content" and stops[0]["visible"]
        assert not [s for s in stops if s["inMath"] or s["tag"].startswith("mjx")]
        # 91 when formulas took Tab stops; the animations' players and the references' back
        # links are stops of their own
        text = [s for s in stops if not s["cls"].startswith("player-")
                and s["cls"] != "citation-backref"]
        assert len(text) < 50, [s["name"] for s in text]
        assert all(s["name"] for s in stops), stops

        anchors = [s for s in stops if s["cls"] == "header-anchor"]
        assert len(anchors) >= 5
        assert all(s["name"].startswith("Direct link to ") for s in anchors)
        assert len({s["name"] for s in anchors}) == len(anchors)
        assert all(s["opacity"] == "1" for s in anchors)  # focused: shown in full, not faded

        folds = [s["name"] for s in stops if s["tag"] == "summary" and s["name"] != "Contents"]
        assert folds == [f"Code for Figure {n}" for n in range(1, len(folds) + 1)]
        assert len(folds) >= 10
        assert errors == []


def test_client_mathjax_keeps_formulas_out_of_the_tab_order(project: Project) -> None:
    """With ``mathjax = "client"`` MathJax's menu makes every formula focusable unless told
    not to: a post with many formulas would be dozens of Tab stops."""
    formulas = " ".join(f"$x_{n}$" for n in range(12))
    project.post("2020-01-01-many.md", f"---\ntitle: Many\n---\n{formulas} [a link](#x)\n\n"
                 "$$\n\\sum_k k\n$$\n")
    project.write("site.toml", 'mathjax = "client"\n')
    project.build()
    with serve_folder(project.root / "site") as base, browser_page() as (page, errors, _, _):
        page.goto(base + "/2020/01/01/many/")
        page.evaluate("MathJax.startup.promise")
        assert page.locator("mjx-container").count() == 13
        stops = tab_stops(page)
        assert stops and not [s for s in stops if s["inMath"] or s["tag"].startswith("mjx")]
        assert errors == []


def test_skip_link_moves_past_the_header(built_flagship: Project) -> None:
    with serve_folder(built_flagship.root / "site") as base, \
            browser_page() as (page, _, _, _):
        page.goto(base + "/")
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED)["name"] == "Skip to content"
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#content"
        page.keyboard.press("Tab")  # the next stop is the first link of the main content
        assert page.evaluate("!!document.activeElement.closest('main')")


def test_code_folds_are_named_after_their_figure() -> None:
    """Numbered figures by number; others by caption; a block with neither says "Code"."""
    from builder.figures.html import figure_html
    from builder.model import FigureBlock

    def summary(options: dict, caption: str = "", number: int | None = None) -> str:
        block = FigureBlock(0, 1, "x = 1", {"code-fold": True, **options}, caption_html=caption)
        html = figure_html(block, None, number)
        return html.split("<summary>")[1].split("</summary>")[0]

    assert summary({"label": "fig-a"}, "A wave.", 3) == "Code for Figure 3"
    assert summary({}, 'Waves &amp; <span class="math">\\(k\\)</span>') == \
        "Code for “Waves &amp; \\(k\\)”"
    assert summary({}) == "Code"
