"""The flagship's citations in Chromium: a citation shows its reference on hover and on
keyboard focus (said to screen readers), Escape hides it, and without script it is a link
that leads to its entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import CHROMIUM, browser_page, serve_folder
from tests.conftest import Project
from tests.test_reader import WIDE, flagship_path

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/test installs it)"
)

CITATION = "a[role='doc-biblioref'][href='#ref-lecun1998']"
PREVIEW = "#citation-preview"


def test_a_citation_shows_its_reference_on_hover_and_focus(built_flagship: Project) -> None:
    with serve_folder(built_flagship.root / "site") as base, \
            browser_page() as (page, errors, failed, _):
        page.set_viewport_size(WIDE)
        page.goto(base + flagship_path(built_flagship))
        citation = page.locator(CITATION).first
        preview = page.locator(PREVIEW)
        assert preview.is_hidden()

        citation.scroll_into_view_if_needed()
        citation.hover()
        preview.wait_for(state="visible")
        assert preview.inner_text().startswith("LeCun, Yann, Léon Bottou, Yoshua Bengio, "
                                               "and Patrick Haffner. 1998.")
        assert "↩" not in preview.inner_text()  # the links back are the list's, not its
        below, link = preview.bounding_box(), citation.bounding_box()
        assert below["y"] >= link["y"] + link["height"] or below["y"] + below["height"] <= \
            link["y"]  # beside the citation, not over it
        page.mouse.move(0, 0)
        preview.wait_for(state="hidden")

        page.evaluate("document.activeElement && document.activeElement.blur()")
        citation.focus()  # as Tab reaches it
        preview.wait_for(state="visible")
        assert citation.get_attribute("aria-describedby") == "citation-preview"
        assert preview.get_attribute("role") == "tooltip"
        assert "Gradient-Based Learning" in preview.inner_text()
        page.keyboard.press("Escape")
        preview.wait_for(state="hidden")
        assert citation.get_attribute("aria-describedby") is None

        sobel = page.locator("a[role='doc-biblioref'][href='#ref-sobel1968']").first
        sobel.focus()
        assert page.locator(PREVIEW).inner_text().startswith("Sobel, Irwin, and Gary Feldman.")
        assert not errors and not failed


def test_without_script_a_citation_leads_to_its_entry_and_back(built_flagship: Project) -> None:
    with serve_folder(built_flagship.root / "site") as base, \
            browser_page(javascript=False) as (page, errors, failed, _):
        page.set_viewport_size(WIDE)
        page.goto(base + flagship_path(built_flagship))
        page.locator(CITATION).first.click()
        page.wait_for_function("location.hash === '#ref-lecun1998'")
        entry = page.locator("#ref-lecun1998")
        box = entry.bounding_box()
        assert 0 <= box["y"] < WIDE["height"]  # scrolled to the entry
        entry.locator(".citation-backref").first.click()
        page.wait_for_function("location.hash.startsWith('#citation-')")
        assert page.locator(PREVIEW).count() == 0
        assert not errors and not failed
