"""The Jekyll test blog, built with no site.toml and served under its baseurl by a plain
static server, in Chromium: every formula typeset in the mode kramdown gave it (Jekyll's
own formulas, stored by ``benchmarks.jekyll_compare``), no MathJax error, no broken image
or link, no Liquid or kramdown syntax left in the text. Also the seed post in a Jekyll
site, and tag pages for names with spaces, '+' and accents."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.browser import CHROMIUM, browser_page, is_local, serve_folder
from tests.conftest import REPO, Project
from tests.test_jekyll_compare import CHOSEN
from tests.test_jekyll_site import seed_site

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/test installs it)"
)
FIXTURE = REPO / "tests" / "fixtures" / "jekyll-blog"
FORMULAS = json.loads((REPO / "tests" / "fixtures" / "jekyll-blog.formulas.json")
                      .read_text(encoding="utf-8"))

MODES = """els => els.map(e => e.getAttribute('display') === 'true' ? 'display' : 'inline')"""
# The page's visible text less code, where Liquid shown on purpose ({% raw %}) belongs.
VISIBLE_TEXT = """() => {
  let text = document.body.innerText;
  for (const el of document.querySelectorAll('pre, code')) text = text.split(el.innerText).join('');
  return text;
}"""


def typeset(page: object) -> None:
    """Math is typeset when the site is built; with ``mathjax = "client"``, once MathJax's
    deferred script (run before the load event ``goto`` waits for) has finished."""
    page.evaluate("window.MathJax && MathJax.startup ? MathJax.startup.promise : null")  # type: ignore[attr-defined]


def check_page(page: object, base: str, path: str) -> list[str]:
    """Visit ``path``; return its formulas' modes after asserting what every page must be."""
    response = page.goto(base + path)  # type: ignore[attr-defined]
    assert response.ok, path
    typeset(page)
    assert page.locator("mjx-merror").count() == 0, path  # type: ignore[attr-defined]
    assert page.locator(".math").count() == page.locator(  # type: ignore[attr-defined]
        ".math mjx-container").count(), path
    for image in page.locator("img").all():  # type: ignore[attr-defined]
        image.scroll_into_view_if_needed()
        width = image.evaluate("i => i.decode().then(() => i.naturalWidth, () => 0)")
        assert width > 0, (path, image.get_attribute("src"))
    text = page.evaluate(VISIBLE_TEXT)  # type: ignore[attr-defined]
    for syntax in ("{%", "{{", "{:"):
        assert syntax not in text, (path, syntax, text[text.find(syntax) - 80:][:160])
    for link in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):  # type: ignore[attr-defined]
        if is_local(link):
            assert page.request.get(link.split("#")[0]).ok, (path, link)  # type: ignore[attr-defined]
    return page.eval_on_selector_all(".post-body mjx-container", MODES)  # type: ignore[attr-defined]


def test_jekyll_blog_reads_as_on_jekyll(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    shutil.copytree(FIXTURE, root)
    project = Project.__new__(Project)
    project.root = root
    project.build()
    served = tmp_path / "served"
    shutil.copytree(root / "site", served / "blog")  # the baseurl of _config.yml
    chosen = {(page, tex) for page, jekyll, _ in CHOSEN for _, tex in jekyll}
    with serve_folder(served) as base, browser_page() as (page, errors, failed, blocked):
        checked = 0
        for path, formulas in FORMULAS.items():
            expected = [mode for mode, tex in formulas if (path, tex) not in chosen]
            url = "/blog/" + quote(path.removesuffix("index.html"))
            assert check_page(page, base, url) == expected, path
            checked += len(expected)
        assert checked >= 290
        for path in ("/blog/", "/blog/archive/", "/blog/tags/", "/blog/tags/c%2B%2B/",
                     "/blog/tags/caf%C3%A9/", "/blog/tags/machine-learning/",
                     "/blog/tags/signal-processing/", "/blog/404.html"):
            check_page(page, base, path)
        assert failed == [] and errors == [] and blocked == []


def test_seed_post_in_a_jekyll_site_shows_its_images_and_math(project: Project) -> None:
    seed_site(project).build()
    served = project.root / "served"
    shutil.copytree(project.root / "site", served / "blog")
    with serve_folder(served) as base, browser_page() as (page, errors, failed, blocked):
        check_page(page, base, "/blog/2016/11/27/cnns-from-an-image-processing-perspective.html")
        assert page.locator("img").count() == 7
        assert page.locator("mjx-container").count() >= 20
        assert failed == [] and all(not is_local(url) for url in blocked)  # the YouTube frame
        assert [e for e in errors if "net::ERR_" not in e] == []


def test_tag_pages_for_any_name_on_a_static_server(project: Project) -> None:
    project.post("2020-01-01-a.md", "---\ntags: [Machine Learning, C++, café, C, CI/CD, "
                 "\"50% off\", machine-learning]\n---\nText.\n")
    project.build()
    site = project.root / "site"
    assert {p.name for p in (site / "tags").iterdir() if p.is_dir()} == {
        "machine-learning", "c++", "café", "c", "ci-cd", "50-off"}
    with serve_folder(site) as base, browser_page() as (page, errors, failed, blocked):
        page.goto(base + "/tags/")
        links = page.eval_on_selector_all("a.tag", "els => els.map(e => e.href)")
        assert base + "/tags/c%2B%2B/" in links and base + "/tags/caf%C3%A9/" in links
        for link in links:
            page.goto(link)
            assert page.locator("h1").inner_text().startswith("Posts tagged"), link
        page.goto(base + "/2020/01/01/a/")
        for tag in page.locator("a.tag").all():
            tag.click()
            assert page.locator("h1").inner_text().startswith("Posts tagged")
            page.go_back()
        assert failed == [] and errors == [] and blocked == []
