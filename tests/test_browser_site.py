"""The built flagship site in a real browser: math typeset, nothing missing, no errors."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import pytest

from tests import flagship as figures
from tests.browser import CHROMIUM, browser_page, is_local, serve_folder
from tests.conftest import REPO, Project

ARTIFACTS = REPO / "test-artifacts"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/test installs it)"
)


def blocked_only_outside(errors: list[str], blocked: list[str]) -> list[str]:
    """Console errors, less the failures of the outside requests the browser may not make."""
    return [e for e in errors if not (blocked and "net::ERR_" in e)]


def test_flagship_post_typesets_and_resolves(flagship: Project) -> None:
    flagship.build()
    site = flagship.root / "site"
    post_url = next(p for p in site.rglob("index.html") if "cnns" in str(p)).parent
    path = "/" + post_url.relative_to(site).as_posix() + "/"
    source = next((flagship.root / "posts").glob("*cnns*.md")).read_text()
    with serve_folder(site) as base, browser_page() as (page, errors, failed, blocked):
        page.goto(base + path)
        containers = page.locator("mjx-container").count()  # typeset when the site was built
        spans = page.locator(".math").count()
        assert containers == spans > 0
        assert containers >= len(re.findall(r"\$[^$\s]", source)) // 2 - 2
        assert page.locator("mjx-merror, .math-error").count() == 0
        assert page.locator("text=2D discrete convolutions").count() >= 1
        images = page.locator("img").all()
        assert len(images) == source.count("```{python}") >= 12  # every figure, from its block
        for image in images:
            image.scroll_into_view_if_needed()  # they load lazily
            width = image.evaluate("i => i.decode().then(() => i.naturalWidth)")
            assert width > 0, image.get_attribute("src")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "flagship-post.png"), full_page=True)
        for figure in page.locator("figure.figure").all():  # each figure, for review
            label = figure.get_attribute("id")
            figure.screenshot(path=str(ARTIFACTS / f"{label}.png"))
            assert (ARTIFACTS / f"{label}.png").stat().st_size > 1000

        links = sorted({a for a in page.eval_on_selector_all(
            "a[href]", "els => els.map(e => e.href)") if is_local(a)})
        for link in links:
            response = page.request.get(link.split("#")[0])
            assert response.ok, link
        assert not failed, failed
        assert blocked_only_outside(errors, blocked) == []
        assert all(not is_local(url) for url in blocked)


def assert_weighs_at_most(fetched: dict[str, tuple[str, bytes]], budget: int) -> None:
    """What a reader downloads for the page, every image included: the bytes of each
    response, text (HTML, CSS, scripts, SVG) counted gzipped as any web server sends it."""
    def wire(kind: str, body: bytes) -> int:
        textual = kind.startswith("text/") or any(k in kind for k in ("javascript", "svg", "json"))
        return len(gzip.compress(body, 6)) if textual else len(body)

    sizes = {url.rsplit("/", 1)[-1] or url: wire(*fetched[url]) for url in fetched}
    total = sum(sizes.values())
    largest = ", ".join(f"{name} {size // 1000} kB" for name, size in
                        sorted(sizes.items(), key=lambda item: -item[1])[:6])
    assert total <= budget, f"the post weighs {total / 1e6:.2f} MB: {largest}"


def test_figures_on_a_laptop_and_a_phone(flagship: Project) -> None:
    """Each figure is shown at its 1x size, or the column's width when that is narrower, in
    the column widths the text-size test assumes; screenshots of each, at both, for review."""
    flagship.build()
    site = flagship.root / "site"
    post = next(p for p in site.rglob("index.html") if "cnns" in str(p)).parent
    fetched: dict[str, tuple[str, bytes]] = {}
    with serve_folder(site) as base, browser_page() as (page, errors, failed, _):
        page.on("response", lambda r: fetched.setdefault(
            r.url, (r.headers.get("content-type", ""), r.body())) if r.ok else None)
        for device, (window, column) in figures.COLUMNS.items():
            page.set_viewport_size({"width": window, "height": 900})
            page.goto(base + "/" + post.relative_to(site).as_posix() + "/")
            # the title's typo is fixed; the address the author published is kept
            assert page.locator("h1.post-title").inner_text() == \
                "CNNs from an Image Processing Perspective"
            assert post.relative_to(site).as_posix() == \
                "2016/11/27/cnns-from-an-image-processing-perspective"
            width = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                                  "'.post-body')).width)")
            assert column <= width < column + 1, (device, width)  # the test assumes no wider
            folder = ARTIFACTS / f"figures-{window}px"
            folder.mkdir(parents=True, exist_ok=True)
            shown = page.locator("figure.figure").all()
            assert len(shown) == len(figures.blocks())
            for figure in shown:
                image = figure.locator("img")
                image.scroll_into_view_if_needed()
                natural = image.evaluate("i => i.decode().then(() => i.naturalWidth)")
                box = image.bounding_box()
                css = int(image.get_attribute("width"))
                assert natural >= 2 * css  # drawn at 2x: sharp on a high-density screen
                assert abs(box["width"] - min(css, column)) <= 1, (figure.get_attribute("id"))
                label = figure.get_attribute("id")
                figure.screenshot(path=str(folder / f"{label}.png"))
        assert not failed, failed
        assert_weighs_at_most(fetched, 2_000_000)
        assert errors == [] or all("net::ERR_" in e for e in errors)


def test_site_pages_render_without_errors(project: Project) -> None:
    project.write("site.toml", 'title = "Blog"\nper_page = 1\nbase_url = "http://x/sub/"\n')
    project.post("2020-01-01-a.md", "---\ntags: [t]\n---\nFirst $\\alpha$.\n")
    project.post("2020-01-02-b.md",
                 "---\ntags: [t]\n---\nSecond $$\\beta$$ here, \\[\\gamma_1\\] too.\n")
    project.build()
    served = project.root / "served"
    shutil.copytree(project.root / "site", served / "sub")
    with serve_folder(served) as base, browser_page() as (page, errors, failed, blocked):
        for path in ["/sub/", "/sub/page/2/", "/sub/tags/", "/sub/tags/t/", "/sub/archive/",
                     "/sub/2020/01/02/b/", "/sub/404.html"]:
            page.goto(base + path)
            for link in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                if is_local(link) and "/sub/" in link:
                    assert page.request.get(link.split("#")[0]).ok, (path, link)
        page.goto(base + "/sub/2020/01/02/b/")
        # display math inside a paragraph is typeset as display math
        assert page.locator('mjx-container[display="true"]').count() == 2
        assert not failed, failed
        assert errors == []
        assert blocked == []
