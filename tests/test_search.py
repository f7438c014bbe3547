"""Full-text search: Pagefind's index of the posts, queried in Chromium from the header's box
and through Pagefind's own API, offline; made again only when a page it reads changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import CHROMIUM, browser_page, serve_folder
from tests.conftest import Project

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (scripts/test installs it)")

POST = """---
title: Gradients of images
tags: [edges]
---
A gradient points where the image brightens fastest; its length says how fast.

## Estimating it

Finite differences estimate each component. The formula
$\\operatorname{zygomorph}(x) = \\mathrm{quokka}_{x}$ is only math, and so is

$$
\\nabla I = \\begin{pmatrix} \\mathrm{numbat} \\end{pmatrix}
$$

```python
def wombatize(image):
    return image  # only code
```

```{python}
print("bilby")
```
"""


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = Project(tmp_path_factory.mktemp("search") / "blog")
    project.post("2022-05-06-gradients.md", POST)
    project.post("2022-05-07-other.md", "---\ntitle: Other\n---\nNothing about that here.\n")
    project.build()
    return project


# Pagefind's own API, as the search box uses it: (title, url, excerpt) of each result.
QUERY = """async term => {
  const pagefind = await import('/pagefind/pagefind.js');
  const found = await pagefind.search(term);
  return Promise.all(found.results.map(async r => {
    const data = await r.data();
    return [data.meta.title, data.url, data.excerpt];
  }));
}"""


@needs_chromium
def test_the_index_holds_the_prose_not_math_code_or_output(searched: Project) -> None:
    with serve_folder(searched.root / "site") as base, \
            browser_page() as (page, errors, failed, blocked):
        page.goto(base + "/")
        [(title, url, excerpt)] = page.evaluate(QUERY, "brightens")
        assert (title, url) == ("Gradients of images", "/2022/05/06/gradients/")
        assert "where the image <mark>brightens</mark> fastest" in excerpt
        assert "The formula is only math" in excerpt  # the formula is not in the text
        assert [title for title, *_ in page.evaluate(QUERY, "gradients")] == \
            ["Gradients of images"]  # the title counts, and words are stemmed
        for hidden in ("zygomorph", "quokka", "numbat", "wombatize", "bilby", "edges"):
            assert page.evaluate(QUERY, hidden) == [], hidden  # math, code, output, tags
        assert errors == [] and failed == [] and blocked == []


@needs_chromium
def test_typing_sobel_finds_the_flagship_post(built_flagship: Project) -> None:
    site = built_flagship.root / "site"
    post = next(p for p in site.rglob("index.html") if "cnns" in str(p)).parent
    path = "/" + post.relative_to(site).as_posix() + "/"
    with serve_folder(site) as base, browser_page() as (page, errors, failed, blocked):
        page.goto(base + "/")
        box = page.locator(".site-search input[role=combobox]")
        box.fill("Sobel")
        first = page.locator(".site-search [role=option]").first
        first.wait_for()
        assert first.get_attribute("href") == path
        assert "CNNs from an Image Processing Perspective" in first.inner_text()
        assert first.locator("mark").first.inner_text().strip("()") == "Sobel"
        sections = page.locator(".site-search [role=option][href*='#']").all()
        assert sections  # the sections that say it, each a result of its own
        assert errors == [] and failed == [] and blocked == []  # offline: nothing from outside
        box.press("Enter")  # the selected result opens
        page.wait_for_url(base + path)


def test_an_unchanged_site_is_not_indexed_again(searched: Project, tmp_path: Path) -> None:
    import shutil

    project = Project(tmp_path / "copy")
    shutil.copytree(searched.root / "posts", project.root / "posts", dirs_exist_ok=True)
    project.build()
    cache = project.root / ".cache" / "search"
    packs = list(cache.glob("*.pack"))
    assert len(packs) == 1
    made = packs[0].stat().st_ino
    result = project.build()
    assert "wrote 0 files" in result.stderr
    assert packs[0].stat().st_ino == made  # Pagefind did not run: its pack is the same file

    mirror = cache / "pages" / "2022/05/06/gradients/index.html"
    copied = mirror.stat().st_ino
    post = project.root / "posts/2022-05-07-other.md"
    post.write_text(post.read_text().replace("Nothing", "Something"))
    project.build()
    assert [p.name for p in cache.glob("*.pack")] != [packs[0].name]  # made anew; old gone
    assert len(list(cache.glob("*.pack"))) == 1
    assert mirror.stat().st_ino == copied  # the page that did not change is not copied again
    assert "Something" in (cache / "pages" / "2022/05/07/other/index.html").read_text()

    index = project.snapshot()
    pack = next(cache.glob("*.pack"))
    pack.write_bytes(pack.read_bytes()[:-10])  # damaged: made again, never published
    shutil.rmtree(project.root / "site" / "pagefind")
    project.build()
    assert project.snapshot() == index


def test_search_can_be_turned_off(tmp_path: Path) -> None:
    project = Project(tmp_path / "blog")
    project.write("site.toml", "search = false\n")
    project.post("2022-05-06-gradients.md", POST)
    project.build()
    assert not (project.root / "site" / "pagefind").exists()
    page = project.page("2022/05/06/gradients/index.html")
    assert "site-search" not in page and "pagefind-searchbox" not in page


def test_a_slimmed_page_gives_pagefind_the_same_index(built_flagship: Project,
                                                      tmp_path: Path) -> None:
    """Pagefind reads pages less their head, scripts and typeset math (``slim``): the index
    is the one it makes of the page as published, byte for byte."""
    import subprocess

    from builder.pages.search import EXCLUDE, pagefind, slim

    site = built_flagship.root / "site"
    page = next(p for p in site.rglob("index.html") if "cnns" in str(p))
    text = page.read_text(encoding="utf-8")
    assert len(slim(text)) < len(text) / 2
    found = pagefind()
    assert found is not None
    made = []
    for name, html in (("as-published", text), ("slimmed", slim(text))):
        folder = tmp_path / name
        (folder / "site" / "post").mkdir(parents=True)
        (folder / "site" / "post" / "index.html").write_text(html, encoding="utf-8")
        command = [found[0], "--site", str(folder / "site"), "--output-path",
                   str(folder / "index"), "--silent"]
        for selector in EXCLUDE:
            command += ["--exclude-selectors", selector]
        subprocess.run(command, check=True, timeout=300)
        made.append({p.relative_to(folder / "index").as_posix(): p.read_bytes()
                     for p in sorted((folder / "index").rglob("*")) if p.is_file()})
    assert made[0] == made[1]
