"""Math a page-wide MathJax finds in raw HTML and in prose references, in both dialects."""

from __future__ import annotations

import pytest

from builder.markdown.html_math import typeset_html
from builder.markdown.parser import parse_body
from tests.conftest import Project, typeset


@pytest.mark.parametrize("dialect", ["pandoc", "kramdown"])
@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("<div>$$x^2$$</div>",
         '<div><span class="math display">\\[x^2\\]</span></div>'),
        ("<figure>\n<figcaption>The map $f: X \\to Y$ costs $5 and $10.</figcaption>\n</figure>",
         '<figure>\n<figcaption>The map <span class="math">\\(f: X \\to Y\\)</span> costs $5 '
         "and $10.</figcaption>\n</figure>"),
        ("<table><tr><td>$a_1$</td><td>\\(b\\)</td><td>\\[c\\]</td><td>$5</td></tr></table>",
         '<table><tr><td><span class="math">\\(a_1\\)</span></td>'
         '<td><span class="math">\\(b\\)</span></td>'
         '<td><span class="math display">\\[c\\]</span></td><td>$5</td></tr></table>'),
        # the macros of a hidden div are typeset, so later formulas can use them
        ('<div style="display:none">$$\\def\\R{\\mathbb{R}}$$</div>',
         '<div style="display:none"><span class="math display">\\[\\def\\R{\\mathbb{R}}\\]'
         "</span></div>"),
        ("<p>\\begin{align}a &amp;= b\\end{align}</p>",
         '<p><span class="math display">\\begin{align}a &amp;= b\\end{align}</span></p>'),
        # what MathJax skips stays as written: code, ignored classes, attributes, comments
        ('<pre>$x$</pre>\n<div class="tex2jax_ignore">$y$ <div>$z$</div></div>\n'
         '<p title="$a$">$b$ \\$c$</p>\n<!-- $d$ -->',
         '<pre>$x$</pre>\n<div class="tex2jax_ignore">$y$ <div>$z$</div></div>\n'
         '<p title="$a$"><span class="math">\\(b\\)</span> \\$c$</p>\n<!-- $d$ -->'),
        # a formula never spans a tag
        ("<p>$a <b>bold</b> b$</p>", "<p>$a <b>bold</b> b$</p>"),
    ],
)
def test_math_in_raw_html_blocks(dialect: str, source: str, html: str) -> None:
    body = parse_body(source + "\n", "p.md", 1, dialect=dialect)
    assert body.html == html + "\n"
    assert body.has_math == ('class="math' in html)


@pytest.mark.parametrize("dialect", ["pandoc", "kramdown"])
def test_references_in_prose_are_typeset(dialect: str) -> None:
    html = parse_body("As \\eqref{eq:main} and \\ref{eq:two} show, `\\ref{x}` is code.",
                      "p.md", 1, dialect=dialect).html
    assert html == ('<p>As <span class="math">\\(\\eqref{eq:main}\\)</span> and '
                    '<span class="math">\\(\\ref{eq:two}\\)</span> show, '
                    "<code>\\ref{x}</code> is code.</p>\n")


def test_inline_html_content_is_markdown_so_its_math_is_too() -> None:
    html = parse_body('Note<span class="sidenote">where $$x$$ is $y$</span>.', "p.md", 1,
                      dialect="kramdown").html
    assert html == ('<p>Note<span class="sidenote">where <span class="math">\\(x\\)</span> is '
                    '<span class="math">\\(y\\)</span></span>.</p>\n')


def test_dollars_off_leaves_single_dollars_in_html_alone() -> None:
    assert typeset_html("<td>$a$ $$b$$</td>", dollars=False) == (
        '<td>$a$ <span class="math display">\\[b\\]</span></td>')


def test_post_with_math_only_in_html_is_typeset(project: Project) -> None:
    project.post("2020-01-01-a.md", "<div>\n$$\\alpha$$\n</div>\n")
    project.build()
    page = project.page("2020/01/01/a/index.html")
    assert '<span class="math display"><mjx-container' in page
    assert typeset(page) == [("block", "<mi>\u03b1</mi>")]
    assert "static/mathjax/chtml.css" in page
    project.write("site.toml", 'mathjax = "client"\n')
    project.build()
    page = project.page("2020/01/01/a/index.html")
    assert '<span class="math display">\\[\\alpha\\]</span>' in page
    assert "tex-chtml.js" in page
