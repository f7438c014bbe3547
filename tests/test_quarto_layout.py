"""Quarto's layout and cross-reference features, one fixture post each (in
``tests/quarto/posts``, dated April 2021): callouts, figure and table floats, sub-figures,
equations, and references to them. The posts are built once, without the other Quarto
fixtures (those run figure blocks this module does not need)."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from builder.pages.highlight import contrast
from tests.browser import CHROMIUM, browser_page, serve_folder
from tests.conftest import REPO, Project

FIXTURE = Path(__file__).parent / "quarto"
ARTIFACTS = REPO / "test-artifacts"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("quarto-layout") / "blog"
    shutil.copytree(FIXTURE, root)
    for post in (root / "posts").glob("*.md"):
        if not post.name.startswith("2021-04-"):
            post.unlink()
    project = Project(root)
    project.stderr = project.build().stderr  # type: ignore[attr-defined]
    return project


def page(site: Project, slug: str) -> str:
    return (site.root / "site" / address(site, slug).strip("/") / "index.html").read_text(
        encoding="utf-8")


def address(site: Project, slug: str) -> str:
    found = list((site.root / "site/2021/04").glob(f"*/{slug}/index.html"))
    assert len(found) == 1, slug
    return "/" + found[0].parent.relative_to(site.root / "site").as_posix() + "/"


def hex_colour(css: str) -> str:
    """``rgb(1, 2, 3)`` (as the browser computes colours) as ``#010203``."""
    red, green, blue = (int(v) for v in re.findall(r"\d+", css)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


def text(html: str) -> str:
    """What a reader sees of some HTML (tags dropped, space collapsed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def element(html: str, start: str) -> str:
    """The element whose opening tag starts with ``start``, up to its matching end tag."""
    at = html.index(start)
    tag = re.match(r"<([a-z]+)", start).group(1)  # type: ignore[union-attr]
    depth = 0
    for match in re.finditer(rf"<(/?){tag}[\s>]", html[at:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return html[at : at + match.end() + len(tag) + 1]
    raise AssertionError(f"{start} is never closed")


def test_callouts_have_their_type_title_and_body(site: Project) -> None:
    html = page(site, "callouts")
    note = element(html, '<div class="callout callout-note')
    assert 'callout-style-default callout-titled"' in note
    assert text(note).startswith("Note Python's math.fsum")
    assert "<mjx-container" in note  # math in a callout is typeset like any other
    tip = element(html, '<div class="callout callout-tip')
    # the title attribute is Markdown; a screen reader hears the type before it
    assert '<span class="visually-hidden">Tip: </span>Use <em>Kahan</em> summation in ' \
        "loops" in tip
    warning = element(html, '<div class="callout callout-warning')
    assert text(warning).startswith("Warning: Mind the order Adding from the largest")
    assert "<h2" not in warning  # the heading became the title, not a heading of the page
    caution = element(warning, '<details class="callout callout-caution')  # nested, folded
    assert "<summary" in caution and " open" not in caution.split(">", 1)[0]
    assert text(caution).startswith("Caution: The proof, folded Each addition")
    important = element(html, '<div class="callout callout-important')
    assert "callout-style-simple callout-untitled" in important
    assert "callout-header" not in important
    assert '<span class="visually-hidden">Important: </span>' in important
    opened = element(html, '<details class="callout callout-tip')
    assert "callout-style-simple" in opened and "no-icon" in opened
    assert opened.split(">", 1)[0].endswith(" open")
    assert '<div id="aside" class="column-margin">' in html
    assert ":::" not in text(html)


def test_an_unclosed_div_is_a_warning_naming_its_line(project: Project) -> None:
    project.post("2021-04-01-open.md", """\
        ---
        title: Open
        ---
        Text.

        ::: {.callout-note}
        Never closed.
        """)
    result = project.build()
    assert "posts/2021-04-01-open.md:6: warning: div opened here with ::: is never closed" \
        in result.stderr
    html = next((project.root / "site").rglob("open/index.html")).read_text()
    assert "Never closed." in text(element(html, '<div class="callout callout-note'))


@needs_chromium
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_callouts_as_the_reader_sees_them(site: Project, scheme: str) -> None:
    with serve_folder(site.root / "site") as base, \
            browser_page() as (tab, errors, failed, _):
        tab.emulate_media(color_scheme=scheme)
        tab.goto(base + address(site, "callouts"))
        edges, page_colour = {}, hex_colour(tab.evaluate(
            "getComputedStyle(document.body).backgroundColor"))
        for kind in ("note", "tip", "warning", "important", "caution"):
            box = tab.locator(f".callout-{kind}").first
            edge = hex_colour(box.evaluate("e => getComputedStyle(e).borderLeftColor"))
            assert contrast(edge, page_colour) >= 3, (kind, edge)  # WCAG's 3:1 for graphics
            edges[kind] = edge
            header = box.locator(":scope > .callout-header")
            if header.count():
                band = hex_colour(header.evaluate("e => getComputedStyle(e).backgroundColor"))
                words = hex_colour(header.evaluate("e => getComputedStyle(e).color"))
                simple = "simple" in (box.get_attribute("class") or "")
                assert simple or band != page_colour  # the title band is tinted
                assert contrast(words, page_colour if simple else band) >= 4.5
        assert len(set(edges.values())) == 5  # each type its own colour

        # the note as drawn: its edge in its colour, the icon in the band, the band tinted
        note = tab.locator(".callout-note").first
        shot = Image.open(io.BytesIO(note.screenshot())).convert("RGB")
        height = shot.size[1]
        edge = tuple(int(edges["note"][i : i + 2], 16) for i in (1, 3, 5))
        assert all(abs(a - b) <= 2 for a, b in zip(shot.getpixel((2, height // 2)), edge, strict=True))
        band = np.asarray(shot.crop((8, 2, 60, 36)), dtype=int)
        drawn = (np.abs(band - np.array(edge)).sum(axis=2) < 40).sum()
        assert drawn > 40  # the icon, in the callout's colour

        # the folded callout opens from the keyboard
        body = tab.locator(".callout-caution .callout-body")
        assert not body.is_visible()
        tab.locator(".callout-caution summary").focus()
        tab.keyboard.press("Enter")
        assert body.is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"quarto-callouts-{scheme}.png"), full_page=True)
        assert errors == [] and failed == []
