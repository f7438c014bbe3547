"""What a reader reaches for, in Chromium: the contents list, the light/dark toggle (and the
figures that follow it), and the copy button on code."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, browser_page, serve_folder
from tests.conftest import Project

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/test installs it)"
)

WIDE, PHONE = {"width": 1400, "height": 900}, {"width": 390, "height": 800}


def flagship_path(project: Project) -> str:
    site = project.root / "site"
    post = next(p for p in site.rglob("index.html") if "cnns" in str(p)).parent
    return "/" + post.relative_to(site).as_posix() + "/"


def scrolled_to(page: object, ident: str) -> None:
    """Wait until the heading stands at the top of the window (scrolling is smooth)."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "id => Math.abs(document.getElementById(id).getBoundingClientRect().top) < 2", arg=ident)


@contextlib.contextmanager
def flagship_contents(project: Project, viewport: dict
                      ) -> Iterator[tuple[object, object, list, list]]:
    """The flagship post in a window of this size: (page, its contents list, console
    errors, failed requests)."""
    with serve_folder(project.root / "site") as base, \
            browser_page() as (page, errors, failed, _):
        page.set_viewport_size(viewport)
        page.goto(base + flagship_path(project))
        yield page, page.locator("nav.toc"), errors, failed


def test_contents_beside_the_text_link_to_their_headings(built_flagship: Project) -> None:
    with flagship_contents(built_flagship, WIDE) as (page, toc, errors, failed):
        assert toc.locator("details").evaluate("d => d.open")  # open beside the text
        entries = toc.locator("a").all_inner_texts()
        assert entries[:3] == ["Convolutions", "A concrete example", "2D discrete convolutions"]
        text = page.locator(".post-body").bounding_box()
        beside = toc.bounding_box()
        assert beside["x"] >= text["x"] + text["width"]  # in the margin, not over the text

        link = toc.locator("a", has_text="Convolution or correlation?")
        ident = link.get_attribute("href")[1:]
        link.click()
        scrolled_to(page, ident)
        assert page.evaluate("location.hash") == "#" + ident
        assert toc.bounding_box()["y"] < 100  # it stays in sight as the text scrolls
        page.wait_for_function(  # the section being read is marked
            "(document.querySelector('nav.toc a[aria-current]') || {}).innerText"
            " === 'Convolution or correlation?'")
        assert page.locator("nav.toc a[aria-current]").count() == 1
        assert errors == [] and failed == []


def test_contents_are_folded_above_the_text_on_a_phone(built_flagship: Project) -> None:
    with flagship_contents(built_flagship, PHONE) as (page, toc, errors, failed):
        assert not toc.locator("details").evaluate("d => d.open")
        assert toc.bounding_box()["y"] < page.locator(".post-body").bounding_box()["y"]
        toc.locator("summary").click()
        link = toc.locator("a", has_text="A concrete example")
        link.click()
        scrolled_to(page, link.get_attribute("href")[1:])
        assert errors == [] and failed == []


PICTURE_POST = """---
title: Two renderings
---
A figure drawn twice, for the light and the dark scheme, as a block with two renderings
is written into the page:

<figure class="figure">
<picture class="schemes">
<source srcset="/static/wave-dark.png" media="(prefers-color-scheme: dark)" data-scheme="dark">
<img src="/static/wave.png" alt="A wave, drawn for the page's scheme." width="40" height="20">
</picture>
</figure>

```python
print("dark or light")
```
"""


@pytest.fixture(scope="module")
def pictured(tmp_path_factory: pytest.TempPathFactory) -> Project:
    from PIL import Image

    project = Project(tmp_path_factory.mktemp("schemes") / "blog")
    for name, colour in (("wave.png", (250, 250, 250)), ("wave-dark.png", (20, 20, 30))):
        out = io.BytesIO()
        Image.new("RGB", (40, 20), colour).save(out, "PNG")
        project.write(f"static/{name}", out.getvalue())
    project.post("2021-03-04-schemes.md", PICTURE_POST)
    project.build()
    return project


SHOWN = """() => {
  const img = document.querySelector('picture.schemes img');
  return {theme: document.documentElement.dataset.theme || null,
          stored: localStorage.getItem('theme'),
          pressed: document.querySelector('.theme-toggle').getAttribute('aria-pressed'),
          background: getComputedStyle(document.body).backgroundColor,
          image: img.complete ? img.currentSrc.split('/').pop() : null};
}"""
LIGHT, DARK = "rgb(253, 253, 252)", "rgb(22, 24, 27)"


def expect(page: object, theme: str | None, stored: str | None, dark: bool,
           image: str) -> None:
    """The page shows this, once it has settled: a swapped image loads, and a change of
    the system's scheme reaches the page's script, a moment later."""
    import json

    want = {"theme": theme, "stored": stored, "pressed": "true" if dark else "false",
            "background": DARK if dark else LIGHT, "image": image}
    with contextlib.suppress(Exception):  # if it never does, the assertion says what differs
        page.wait_for_function(  # type: ignore[attr-defined]
            f"want => JSON.stringify(({SHOWN})()) === want", arg=json.dumps(want),
            timeout=5000)
    assert page.evaluate(SHOWN) == want  # type: ignore[attr-defined]


def test_theme_toggle_swaps_page_and_figures_and_is_remembered(pictured: Project) -> None:
    with serve_folder(pictured.root / "site") as base, \
            browser_page() as (page, errors, failed, _):
        page.emulate_media(color_scheme="light")
        page.goto(base + "/2021/03/04/schemes/")
        toggle = page.locator(".theme-toggle")
        assert toggle.is_visible() and toggle.get_attribute("aria-label") == "Dark theme"
        expect(page, None, None, dark=False, image="wave.png")

        toggle.click()
        expect(page, "dark", "dark", dark=True, image="wave-dark.png")
        page.reload()  # the choice survives, applied before the first paint
        expect(page, "dark", "dark", dark=True, image="wave-dark.png")

        toggle.click()  # back to the system's scheme: the choice is forgotten
        expect(page, None, None, dark=False, image="wave.png")
        page.reload()
        expect(page, None, None, dark=False, image="wave.png")

        page.emulate_media(color_scheme="dark")  # no choice made: the system decides
        expect(page, None, None, dark=True, image="wave-dark.png")
        toggle.click()  # light on a dark system: remembered, figures drawn for light
        expect(page, "light", "light", dark=False, image="wave.png")
        page.reload()
        expect(page, "light", "light", dark=False, image="wave.png")
        assert errors == [] and failed == []


# What the page looks like, element by element: equal under a dark system and under dark
# chosen with the toggle on a light one, so the audits of the system's dark scheme hold.
LOOKS = """() => [...document.querySelectorAll(
    'body, a, h1, h2, .post-meta, .tag, pre, code, .highlight span, figcaption, .toc a,'
    + ' .copy-button, .theme-toggle, summary, .figure img')].slice(0, 400).map(e => {
  const s = getComputedStyle(e);
  return [e.tagName, s.color, s.backgroundColor, s.borderTopColor];
})"""


def test_dark_chosen_on_a_light_system_looks_as_a_dark_system(built_flagship: Project) -> None:
    with serve_folder(built_flagship.root / "site") as base, \
            browser_page() as (page, _, _, _):
        path = base + flagship_path(built_flagship)
        page.emulate_media(color_scheme="dark")
        page.goto(path)
        system = page.evaluate(LOOKS)
        page.emulate_media(color_scheme="light")
        page.evaluate("localStorage.setItem('theme', 'dark')")
        page.reload()
        chosen = page.evaluate(LOOKS)
        assert len(system) > 100 and chosen == system
        assert ["BODY", "rgb(230, 230, 227)", DARK, "rgb(230, 230, 227)"] in chosen


def test_copy_buttons_copy_the_code_as_written(built_flagship: Project) -> None:
    source = next((built_flagship.root / "posts").glob("*cnns*.md")).read_text()
    with serve_folder(built_flagship.root / "site") as base, \
            browser_page() as (page, errors, _, _):
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        page.goto(base + flagship_path(built_flagship))
        fold = page.locator("details.cell-code").first
        fold.locator("summary").click()  # folded figure code has its button too
        block = fold.locator(".code-copy")
        block.hover()
        button = block.locator(".copy-button")
        page.wait_for_function("b => getComputedStyle(b).opacity === '1'",  # shown on hover
                               arg=button.element_handle())
        assert button.text_content() == "Copy code"  # its name; "Copy" is what is seen
        button.click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert button.inner_text() == "Copied"
        assert len(copied.splitlines()) >= 3 and copied in source  # the block's code, as written
        said = page.wait_for_function("document.querySelector('.copy-status').textContent")
        assert said.json_value() == "Code copied"  # to screen readers, in a live region

        buttons = page.locator(".post-body .copy-button")
        assert buttons.count() == page.locator(".post-body pre:not(.cell-output) > code").count()
        assert page.locator("pre.cell-output + .copy-button").count() == 0  # outputs: no button
        assert not re.search(r"\bCopy\b", page.locator("pre").first.inner_text())
        assert errors == []
