"""Landmarks, headings and meta data of every kind of page: what screen readers navigate by
and search engines read. Nothing empty is written (an empty <nav>, <footer> or description)."""

from __future__ import annotations

from lxml import html as lxml_html

from tests.conftest import Project


def parsed(project: Project, page: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(project.page(page))


def test_every_page_has_one_h1_and_named_navigation(project: Project) -> None:
    project.write("site.toml", "per_page = 1\n")
    project.post("2020-01-01-a.md", "---\ntitle: A\ntags: [t]\n---\nFirst.\n")
    project.post("2020-01-02-b.md", "---\ntitle: B\ntags: [t]\n---\nSecond.\n\n## Part\n")
    project.build()
    for page in ["index.html", "page/2/index.html", "archive/index.html", "tags/index.html",
                 "tags/t/index.html", "404.html", "2020/01/02/b/index.html"]:
        tree = parsed(project, page)
        assert len(tree.findall(".//h1")) == 1, page
        assert len(tree.findall(".//main")) == 1, page
        labels = [nav.get("aria-label") for nav in tree.iter("nav")]
        assert all(labels) and len(set(labels)) == len(labels), (page, labels)
    home = parsed(project, "index.html")
    assert home.find(".//header//h1").text_content() == "My technical blog"
    assert parsed(project, "tags/t/index.html").find(".//main//h1").text_content() == \
        "Posts tagged “t”"


def test_nothing_empty_is_written(project: Project) -> None:
    project.post("2020-01-01-only.md", "---\ntitle: Only\n---\n## No paragraph here\n")
    project.build()
    post = project.page("2020/01/01/only/index.html")
    assert "post-nav" not in post  # no newer, no older post: no navigation landmark
    for page in ["index.html", "archive/index.html", "tags/index.html", "404.html",
                 "2020/01/01/only/index.html"]:
        text = project.page(page)
        assert "<footer" not in text, page  # no author, no description
        assert 'name="description"' not in text, page  # nothing to say: no empty one


def test_descriptions_come_from_the_post_or_the_site(project: Project) -> None:
    project.write("site.toml", 'description = "Signals & images"\nauthor = "Ada"\n')
    project.post("2020-01-01-a.md", "---\ntitle: A\ndescription: About A.\n---\nBody of A.\n")
    project.post("2020-01-02-b.md", "---\ntitle: B\n---\nFirst *paragraph* of B.\n\nMore.\n")
    project.build()

    def description(page: str) -> str:
        return parsed(project, page).find(".//meta[@name='description']").get("content")

    assert description("2020/01/01/a/index.html") == "About A."
    assert description("2020/01/02/b/index.html") == "First paragraph of B."
    for page in ["index.html", "archive/index.html", "tags/index.html"]:
        assert description(page) == "Signals & images"
    post = parsed(project, "2020/01/02/b/index.html")
    assert post.find(".//nav[@class='post-nav']").get("aria-label") == "Newer and older posts"
    assert [s.text for s in post.find(".//footer")] == ["Ada", "Signals & images"]
