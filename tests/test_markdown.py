"""Markdown to HTML: golden files for whole documents, and TeX that must reach MathJax intact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from builder.errors import BuildError
from builder.markdown.parser import parse_body

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", ["math", "basics"])
def test_golden_html(name: str) -> None:
    source = (GOLDEN / f"{name}.md").read_text(encoding="utf-8")
    html = parse_body(source, f"posts/{name}.md", 1).html
    expected = GOLDEN / f"{name}.html"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(html, encoding="utf-8")
    assert html == expected.read_text(encoding="utf-8")


def math_of(source: str) -> list[str]:
    import re

    html = parse_body(source, "p.md", 1).html
    return re.findall(r'<(?:span|div) class="math[^"]*"[^>]*>(.*?)</(?:span|div)>', html, re.S)


@pytest.mark.parametrize(
    ("source", "tex"),
    [
        ("$a_i * b_j$ and $c_k * d_l$", ["\\(a_i * b_j\\)", "\\(c_k * d_l\\)"]),
        ("$a \\\\ b$", ["\\(a \\\\ b\\)"]),
        ("$f \\ast g$", ["\\(f \\ast g\\)"]),
        ("$\\{x\\}$", ["\\(\\{x\\}\\)"]),
        ("$1<x$ and $a&b$", ["\\(1&lt;x\\)", "\\(a&amp;b\\)"]),
        ("$$x^2$$", ["\\[x^2\\]"]),
        ("\\(a\\)\n\n\\[\nb\n\\]\n", ["\\(a\\)", "\\[\nb\n\\]"]),
        ("so \\[a_i * b_j\\] and\n\\[\\{x\\}\\]\nend", ["\\[a_i * b_j\\]", "\\[\\{x\\}\\]"]),
    ],
)
def test_tex_reaches_mathjax_unchanged(source: str, tex: list[str]) -> None:
    assert math_of(source) == tex


@pytest.mark.parametrize(
    "source",
    ["It costs $5 and $6.", "\\$5 is a price, so is \\$6.", "A $ sign alone, $ spaced $.",
     "`$code$` is code", "a \\[ alone", "an escaped \\\\[x\\]"],
)
def test_dollars_that_are_not_math(source: str) -> None:
    assert math_of(source) == []


def test_pipe_inside_table_math_is_written_escaped() -> None:
    source = "| a |\n|---|\n| $x \\| y$ |\n"
    assert math_of(source) == ["\\(x | y\\)"]


@pytest.mark.parametrize(
    ("source", "tex"),
    [
        ("text\n\\begin{align}\na &= b\n\\end{align}\n",  # interrupts a paragraph
         ["\\begin{align}\na &amp;= b\n\\end{align}"]),
        ("  \\begin{equation*}\nx\n\\end{equation*}\n", ["\\begin{equation*}\nx\n\\end{equation*}"]),
        ("- item\n\n  \\begin{gather}\ny\n\\end{gather}\n", ["\\begin{gather}\ny\n\\end{gather}"]),
    ],
)
def test_amsmath_environments_are_display_math(source: str, tex: list[str]) -> None:
    assert math_of(source) == tex


def test_other_environments_and_code_are_not_amsmath() -> None:
    html = parse_body("\\begin{itemize} is prose\n\n    \\begin{align}\n    x\n    \\end{align}\n",
                      "p.md", 1).html
    assert 'class="math' not in html
    assert "<p>\\begin{itemize} is prose</p>" in html
    assert "<pre><code>\\begin{align}" in html  # indented four spaces: a code block


def test_math_in_lists_and_quotes() -> None:
    assert math_of("- $a_1$\n- $b_2$\n\n> $c_3$\n") == ["\\(a_1\\)", "\\(b_2\\)", "\\(c_3\\)"]


def test_unclosed_display_math_names_the_opening_line() -> None:
    with pytest.raises(BuildError) as info:
        parse_body("text\n\n$$\nx = 1\n\nmore\n", "posts/p.md", 10)
    assert str(info.value).startswith("posts/p.md:12: display math opened here with $$")


def test_unclosed_fence_names_the_opening_line() -> None:
    with pytest.raises(BuildError) as info:
        parse_body("a\n\n```python\nx = 1\n", "posts/p.md", 5)
    assert str(info.value).startswith("posts/p.md:7: code fence opened here with ``` is never")


def test_headings_get_stable_unique_anchors() -> None:
    body = parse_body("## Hello, World\n\n## Hello, World\n", "p.md", 1)
    assert [h.id for h in body.headings] == ["hello-world", "hello-world-1"]
    assert ('<a class="header-anchor" href="#hello-world" aria-label="Direct link to Hello, '
            'World">#</a>') in body.html


def test_excerpt_is_the_first_paragraph() -> None:
    body = parse_body("# Title\n\nFirst *para* with $x$.\n\nSecond.\n", "p.md", 1)
    assert body.excerpt == '<p>First <em>para</em> with <span class="math">\\(x\\)</span>.</p>'
    assert body.has_math


def test_plain_python_fence_is_highlighted_not_collected() -> None:
    body = parse_body("```python\nx = 1\n```\n", "p.md", 1)
    assert body.blocks == ()
    assert '<span class="n">x</span>' in body.html


def test_untitled_iframe_is_a_warning_with_its_line() -> None:
    """A warning names the line and never fails the build; titled frames are fine."""
    seen: list = []
    source = ("Intro.\n\n<iframe src=\"https://example.org/v\"></iframe>\n\n"
              "<iframe title=\"A talk\" src=\"x\"></iframe>\n\nText <iframe src=\"y\"></iframe>\n")
    body = parse_body(source, "posts/p.md", 4, seen.append)
    assert [(w.path, w.line) for w in seen] == [("posts/p.md", 6), ("posts/p.md", 10)]
    assert str(seen[0]).startswith("posts/p.md:6: warning: <iframe> without a title")
    assert body.html.count("<iframe") == 3  # the author's HTML is kept as written
