"""A post's table of contents and the heading ids it links to: every heading has an id that
names it, math included, and the list is the page's headings as the page shows them."""

from __future__ import annotations

import re

import pytest

from builder.markdown.parser import parse_body
from builder.pages.toc import table_of_contents
from tests.conftest import Project, typeset


@pytest.mark.parametrize(
    ("heading", "ident"),
    [
        ("## Case $k=1$", "case-k1"),  # was "case-": the formula was left out
        ("## $\\alpha$-blending", "alpha-blending"),
        ("## $3 \\times 3$ kernels", "3-times-3-kernels"),
        ("## $f * g$", "f--g"),  # only math: its TeX, slugged as text would be
        ("## $+$", "section"),  # nothing left: Pandoc's fallback
        ("## Plain, *emphasis* and `code`", "plain-emphasis-and-code"),  # as before
    ],
)
def test_heading_ids_name_the_heading_math_included(heading: str, ident: str) -> None:
    assert [h.id for h in parse_body(heading + "\n", "p.md", 1).headings] == [ident]


def test_headings_that_are_only_math_get_distinct_ids_in_order() -> None:
    body = parse_body("## $+$\n\n## $+$\n\n## Case $k$\n\n## Case k\n", "p.md", 1)
    assert [h.id for h in body.headings] == ["section", "section-1", "case-k", "case-k-1"]
    assert 'href="#case-k-1"' in body.html


def test_kramdown_headings_keep_kramdowns_ids() -> None:
    from builder.markdown.parser import parse_body as parse

    body = parse("## Two $$x$$\n", "p.md", 1, dialect="kramdown")
    assert [h.id for h in body.headings] == ["two-x"]


def test_contents_nest_by_level_and_drop_what_cannot_be_in_a_link() -> None:
    source = ("## Intro\n\n### A [link](https://example.org/) in it[^n]\n\n#### Too deep\n\n"
              "## Case $k=1$\n\n### Sub\n\n[^n]: A note.\n")
    html = parse_body(source, "p.md", 1).html
    toc = str(table_of_contents(html, 3))
    assert toc == (
        '<ol><li><a href="#intro">Intro</a><ol><li><a href="#a-link-in-it">A link in it</a>'
        '</li></ol></li><li><a href="#case-k1">Case <span class="math">\\(k=1\\)</span></a>'
        '<ol><li><a href="#sub">Sub</a></li></ol></li></ol>')
    assert "Too deep" in str(table_of_contents(html, 4))
    assert "<ol><li>" in str(table_of_contents(html, 2)) and "Sub" not in \
        str(table_of_contents(html, 2))


@pytest.mark.parametrize(
    ("source", "depth"),
    [("## One heading only\n", 3), ("## One\n\n## Two\n", 0),
     ("* TOC\n{:toc}\n\n## One\n\n## Two\n", 3)],
    ids=["one heading", "toc: false", "kramdown's own {:toc}"],
)
def test_no_contents_where_they_would_say_nothing(source: str, depth: int) -> None:
    dialect = "kramdown" if "{:toc}" in source else "pandoc"
    html = parse_body(source, "p.md", 1, dialect=dialect).html
    assert str(table_of_contents(html, depth)) == ""


POST = """---
title: Separable kernels
{front}---
Blurring with a $k \\times k$ kernel costs $k^2$ products per pixel.

## Why separate

A Gaussian kernel is the outer product of two vectors.

## Case $k=1$

Nothing to do.

### The cost

Two passes of $k$ products.
"""


def test_the_post_page_lists_its_headings_with_their_math_typeset(project: Project) -> None:
    project.post("2020-01-01-separable.md", POST.format(front=""))
    project.post("2020-01-02-short.md", POST.format(front="toc: false\n"))
    project.post("2020-01-03-shallow.md", POST.format(front="toc-depth: 2\n"))
    project.build()
    page = project.page("2020/01/01/separable/index.html")
    toc = page.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="#([^"]+)"', toc) == ["why-separate", "case-k1", "the-cost"]
    assert [tex for _, tex in typeset(toc)] == ["<mi>k</mi><mo>=</mo><mn>1</mn>"]
    assert 'id="case-k1"' in page and 'aria-label="Contents"' in toc
    assert '<nav class="toc"' not in project.page("2020/01/02/short/index.html")
    shallow = project.page("2020/01/03/shallow/index.html")
    assert "the-cost" not in shallow.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]


def test_a_wrong_toc_option_names_its_line(project: Project) -> None:
    project.post("2020-01-01-p.md", POST.format(front="toc: sometimes\n"))
    assert "posts/2020-01-01-p.md:3: 'toc' must be true or false" in project.fail()
    project.post("2020-01-01-p.md", POST.format(front="toc-depth: 9\n"))
    assert "posts/2020-01-01-p.md:3: 'toc-depth' must be a heading level" in project.fail()
