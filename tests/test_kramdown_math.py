"""The kramdown math dialect: the modes and TeX kramdown (Jekyll 4.3, kramdown 2.4, GFM input)
plus a page-wide MathJax give. Each expectation was checked against kramdown's own output."""

from __future__ import annotations

import re

import pytest

from builder.markdown.parser import parse_body
from tests.conftest import Project, typeset

_MATH = re.compile(r'<(span|div) class="(math[^"]*)"[^>]*>\\[(\[](.*?)\\[)\]]</\1>', re.S)


def modes(source: str, dollars: bool = True) -> list[tuple[str, str]]:
    """(mode, TeX) of every formula: 'inline' or 'display', as MathJax will typeset it."""
    html = parse_body(source, "p.md", 1, dialect="kramdown", dollars=dollars).html
    return [("display" if tag == "div" or "display" in cls else "inline", tex)
            for tag, cls, tex in _MATH.findall(html)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # $$ inside a sentence is inline math; a $$ block of its own is display math
        ("sampled from $$\\mathbf{x}_0 \\sim q$$, let us",
         [("inline", "\\mathbf{x}_0 \\sim q")]),
        ("Text\n\n$$\nx = 1\n$$\n\nMore", [("display", "x = 1")]),
        ("$$x^2$$", [("display", "x^2")]),
        # a $$ block glued to a paragraph, before or after, is part of it: inline
        ("Text\n$$\nx = 1\n$$\nmore text", [("inline", "x = 1")]),
        ("$$a$$\n$$b$$\n", [("inline", "a"), ("inline", "b")]),
        ("# Head\n$$x$$\n", [("inline", "x")]),
        # containers: a list item or quote holding only $$ is a block
        ("- $$x$$\n- b\n", [("display", "x")]),
        ("> $$x$$\n> more\n", [("inline", "x")]),
        ("> $$x$$\n", [("display", "x")]),
        # blank lines inside block math belong to it
        ("$$\na\n\nb\n$$\n", [("display", "a\n\nb")]),
        # an attribute list right after closes the block
        ("$$x$$\n{: .eq}\n", [("display", "x")]),
        # $$ content is raw: kramdown's escapes do not apply inside it
        ("$$\\{x\\} \\| \\_$$", [("display", "\\{x\\} \\| \\_")]),
        # in a table cell, \| is the pipe (the cell splitter's escape)
        ("| a | b |\n|---|---|\n| $$x \\| y$$ | c |\n", [("inline", "x | y")]),
    ],
)
def test_double_dollars_as_kramdown_decides(source: str, expected: list) -> None:
    assert modes(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # \\( and \\[ are how kramdown blogs write MathJax's delimiters
        ("so \\\\(a_b\\\\) and \\\\[x^2\\\\] end", [("inline", "a_b"), ("display", "x^2")]),
        # kramdown's escapes apply to what it sees as prose: \_ is _, \\{ is \{, \| is |
        ("\\\\(a\\_b + \\\\{c\\\\}\\\\)", [("inline", "a_b + \\{c\\}")]),
        ("$\\{x\\}$ and $\\\\{x\\\\}$ and $a \\| b$", [("inline", "{x}"), ("inline", "\\{x\\}"),
                                                      ("inline", "a | b")]),
        # entities reach MathJax decoded, as the browser decodes them
        ("$a &lt; b$", [("inline", "a &lt; b")]),
        # single dollars: MathJax's inline math, with Pandoc's guards against prices
        ("a $x_1$ b", [("inline", "x_1")]),
        ("It costs $5 and $10.", []),
        ("a $ b $ c", []),
        # \( and \[ are kramdown's escaped brackets: prose, as on Jekyll
        ("see \\(y\\) and \\[z\\]", []),
        ("`$$x$$` and `\\\\(y\\\\)`", []),
    ],
)
def test_what_mathjax_finds_in_kramdown_output(source: str, expected: list) -> None:
    assert modes(source) == expected


def test_environments_outside_dollars_went_through_kramdown_escapes() -> None:
    """An environment outside $$ is prose to kramdown: its escapes apply (``\\{`` is ``{``),
    and a backslash ending a line is GFM's hard line break, so ``\\\\`` there reached
    MathJax as one backslash (Jekyll's page shows one line; kramdown 2.4, GFM input)."""
    html = parse_body("\\begin{align}\na &= \\{b\\} \\\\\\\\\nc\n\\end{align}\n", "p.md", 1,
                      dialect="kramdown").html
    assert html == '<div class="math">\\begin{align}\na &amp;= {b} \\\nc\n\\end{align}</div>\n'


def test_single_dollars_follow_the_blogs_mathjax_config() -> None:
    assert modes("a $x$ b $$y$$", dollars=False) == [("inline", "y")]


def test_unclosed_double_dollars_are_text_and_a_warning() -> None:
    warnings: list = []
    body = parse_body("Intro.\n\nopen $$ never\n\nclosed", "posts/p.md", 3, warnings.append,
                      dialect="kramdown")
    assert "<p>open $$ never</p>" in body.html
    assert [str(w) for w in warnings] == [
        "posts/p.md:5: warning: math opened here with $$ is never closed in its paragraph: "
        "shown as text, as kramdown does"]


def test_pandoc_dialect_is_unchanged() -> None:
    html = parse_body("a $$x$$ b \\(y\\)", "p.md", 1).html
    assert html == ('<p>a <span class="math display">\\[x\\]</span> b '
                    '<span class="math">\\(y\\)</span></p>\n')


def test_site_chooses_the_dialect(project: Project) -> None:
    project.write("site.toml", 'dialect = "kramdown"\n')
    project.post("2020-01-01-a.md", "In a sentence $$x^2$$ is inline.\n")
    project.build()
    square = "<msup><mi>x</mi><mn>2</mn></msup>"
    assert typeset(project.page("2020/01/01/a/index.html")) == [("inline", square)]
    project.write("site.toml", 'dialect = "pandoc"\n')
    project.build()  # the parse cache knows the dialect
    assert typeset(project.page("2020/01/01/a/index.html")) == [("block", square)]
    project.write("site.toml", 'dialect = "markdown"\n')
    assert "site.toml:1: 'dialect' must be 'pandoc' or 'kramdown'" in project.fail()
