"""The flagship's math typeset at build time, in a browser with JavaScript off: every formula
there at first paint, and drawn as the browser's own MathJax draws it."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from builder.math.fonts import SOURCE, mathjax_root
from tests.browser import CHROMIUM, browser_page, serve_folder
from tests.conftest import REPO, Project
from tests.test_math_fonts import ZOO

ARTIFACTS = REPO / "test-artifacts"
# Animated figures differ frame by frame; the header's tools and the copy buttons are shown
# by the theme's script only (their room is kept without it: the layout is the same).
# What differs between the two pages for reasons other than math: pictures, and the room the
# animations' players keep for their controls, which only a page running scripts has.
HIDE = ("img, iframe, .site-tools, .copy-button, .player canvas, .player-controls "
        "{ visibility: hidden !important; } .player { padding-bottom: 0 !important; }")

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/test installs it)"
)


def _post_path(site: Path) -> str:
    page = next(p for p in site.rglob("index.html") if "cnns" in str(p))
    return "/" + page.parent.relative_to(site).as_posix() + "/"


def _shoot(site: Path, path: str, javascript: bool) -> tuple[list[Image.Image], Image.Image]:
    """Each math element's picture, and the whole page's, once its math and fonts are final."""
    with serve_folder(site) as base, browser_page(javascript) as (page, errors, failed, _):
        page.goto(base + path)
        if javascript:
            page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
            page.evaluate("MathJax.startup.promise.then(() => 1)")
        else:
            # typeset in the HTML: visible, with a size, and no TeX left in the text
            boxes = page.eval_on_selector_all(".math", """els => els.map(e => {
                const c = e.querySelector('mjx-container'), r = c && c.getBoundingClientRect();
                return r ? [r.width, r.height] : [0, 0]; })""")
            assert boxes and all(w > 0 and h > 0 for w, h in boxes), boxes
            text = page.inner_text(".post-body")
            assert "\\(" not in text and "\\[" not in text and "\\begin" not in text
        # every image loaded, in both: Chromium loads lazy images at once with JavaScript off,
        # and a 2x image's own aspect ratio can differ from its rounded width/height by a
        # fraction of a pixel, which would move what follows it
        page.evaluate("""Promise.all([...document.images].map(i => {
            i.loading = 'eager'; return i.decode().catch(() => null); }))""")
        page.evaluate("document.fonts.ready.then(() => 1)")
        fonts = page.evaluate("[...document.fonts].filter(f => f.status === 'error').length")
        assert fonts == 0
        assert not failed, failed
        shots = [Image.open(io.BytesIO(e.screenshot(style=HIDE))).convert("L")
                 for e in page.locator(".math").all()]
        whole = Image.open(io.BytesIO(page.screenshot(full_page=True, style=HIDE))).convert("L")
        assert errors == []
    return shots, whole


def _differing(a: Image.Image, b: Image.Image) -> float:
    """The share of pixels whose grey levels differ noticeably (anti-aliasing aside)."""
    diff = np.abs(np.asarray(a, dtype=int) - np.asarray(b, dtype=int))
    return float((diff > 64).mean())


def test_flagship_math_is_final_without_javascript_and_looks_as_in_the_browser(
        flagship: Project) -> None:
    flagship.build()
    built = flagship.root / "built"
    shutil.copytree(flagship.root / "site", built)
    flagship.write("site.toml", 'mathjax = "client"\n')
    flagship.build()
    path = _post_path(built)
    ours, our_page = _shoot(built, path, javascript=False)
    theirs, their_page = _shoot(flagship.root / "site", path, javascript=True)
    ARTIFACTS.mkdir(exist_ok=True)
    our_page.save(ARTIFACTS / "math-at-build.png")
    their_page.save(ARTIFACTS / "math-in-browser.png")

    assert len(ours) == len(theirs) >= 50
    for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert abs(a.width - b.width) <= 1 and abs(a.height - b.height) <= 1, (index, a.size,
                                                                               b.size)
        if a.size == b.size:
            assert _differing(a, b) < 0.02, index
    assert our_page.size == their_page.size  # the same layout: nothing moves
    assert _differing(our_page, their_page) < 0.0005


def test_every_kind_of_glyph_draws_from_the_sites_fonts_as_from_mathjaxs_own(
        project: Project) -> None:
    """The fonts cut down to the site's glyphs draw a post using every kind of glyph pixel
    for pixel as MathJax's whole fonts do, and as the browser's MathJax does."""
    project.post("2020-01-01-glyphs.md", ZOO)
    project.build()
    built, whole = project.root / "built", project.root / "whole"
    shutil.copytree(project.root / "site", built)
    shutil.copytree(project.root / "site", whole)  # the same pages with MathJax's own fonts
    for font in (whole / "static/mathjax/fonts").iterdir():
        font.write_bytes((mathjax_root() / SOURCE / font.name).read_bytes())
    css = whole / "static/mathjax/chtml.css"
    css.write_text(re.sub(r"; unicode-range: [^}]*", "", css.read_text()))
    project.write("site.toml", 'mathjax = "client"\n')
    project.build()
    path = "/2020/01/01/glyphs/"
    ours, our_page = _shoot(built, path, javascript=False)
    full, full_page = _shoot(whole, path, javascript=False)
    theirs, _ = _shoot(project.root / "site", path, javascript=True)
    assert len(ours) == len(full) == len(theirs) == 15
    for index, (a, b) in enumerate(zip(ours, full, strict=True)):
        assert a.size == b.size and _differing(a, b) == 0, index
    assert _differing(our_page, full_page) == 0
    for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert abs(a.width - b.width) <= 1 and abs(a.height - b.height) <= 1, index
        if a.size == b.size:
            assert _differing(a, b) < 0.002, index


def test_a_formula_mathjax_rejects_is_shown_as_written(project: Project) -> None:
    """A formula MathJax rejects is a warning naming its line, and the reader sees its TeX as
    the author wrote it (escaped: its "<" is text), marked in the error colour, no blank."""
    project.post("2020-01-01-bad.md", "---\ntitle: Bad\n---\nFine $x$.\n\n"
                 "Double $x^^2 < y$ here.\n")
    result = project.build()
    assert ("posts/2020-01-01-bad.md:6: warning: MathJax cannot typeset \\(x^^2 < y\\): "
            "Missing open brace for superscript; the page shows its TeX") in result.stderr
    with serve_folder(project.root / "site") as base, \
            browser_page(javascript=False) as (page, errors, failed, _):
        page.goto(base + "/2020/01/01/bad/")
        shown = page.locator(".math-error")
        assert shown.count() == 1 and shown.is_visible()
        assert shown.inner_text() == "\\(x^^2 < y\\)"
        assert shown.get_attribute("title") == "MathJax: Missing open brace for superscript"
        colours = page.evaluate("""[getComputedStyle(document.querySelector('.math-error')).color,
                                    getComputedStyle(document.querySelector('p')).color]""")
        assert colours[0] != colours[1]
        assert page.locator("mjx-container").count() == 1  # the good formula, typeset
        assert not errors and not failed
