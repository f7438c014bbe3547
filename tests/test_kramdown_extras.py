"""kramdown's attribute lists, table of contents, definition lists, abbreviations and block
extensions in the kramdown dialect. Each expectation is what kramdown 2.4 (Jekyll 4.3's)
writes for the same source, less whitespace and its own footnote markup."""

from __future__ import annotations

import pytest

from builder.markdown.parser import parse_body


def html_of(source: str) -> str:
    html = parse_body(source, "p.md", 1, dialect="kramdown").html
    return html.replace(' <a class="header-anchor"', "\n<a").replace("\n", "")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # a block IAL right after a block applies to it
        ("A paragraph.\n{: .lead #first}\n", '<p class="lead" id="first">A paragraph.</p>'),
        # after a blank line, to the block below
        ("{: .callout}\nBelow.\n", '<p class="callout">Below.</p>'),
        ("Above.\n\n{: .note}\nBelow.\n", '<p>Above.</p><p class="note">Below.</p>'),
        # two lists on one block accumulate; key="value" pairs
        ('Text.\n{: .a}\n{: .b title="T"}\n', '<p class="a b" title="T">Text.</p>'),
        # headings, lists, tables, code and math blocks take them too
        ("## Head\n{: .no_toc}\n", '<h2 class="no_toc" id="head">Head'),
        ("- a\n- b\n{: .items}\n", '<ul class="items"><li>a</li><li>b</li></ul>'),
        ("$$x$$\n{: .eq #e1}\n", '<div class="math eq" id="e1">\\[x\\]</div>'),
        ("```python\nx = 1\n```\n{: .code}\n", '<pre class="highlight"><code class="language-python">'),
        # an ALD defined once, referred to by name
        ("{:warn: .warning title=\"Careful\"}\n\nText.\n{: warn}\n",
         '<p class="warning" title="Careful">Text.</p>'),
    ],
)
def test_block_attribute_lists(source: str, expected: str) -> None:
    assert expected in html_of(source)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('[DFT](https://x.example/){:target="_blank" rel="noopener"}',
         '<a href="https://x.example/" target="_blank" rel="noopener">DFT</a>'),
        ("*term*{: .term}", '<em class="term">term</em>'),
        ("**bold**{: #b}", '<strong id="b">bold</strong>'),
        ("`code`{: .path}", '<code class="path">code</code>'),
        ('![A sine](/s.png){: width="240" .centered}',
         '<img src="/s.png" alt="A sine" width="240" class="centered" />'),
        # after plain text an IAL is text, as kramdown leaves it
        ("plain {: .x} text", "<p>plain {: .x} text</p>"),
    ],
)
def test_span_attribute_lists(source: str, expected: str) -> None:
    assert expected in html_of(source)


def test_header_ids_and_table_of_contents() -> None:
    html = html_of("* TOC\n{:toc}\n\n# One {#first}\n\n## Two $$x$$\n\n### Three\n\n"
                   "## Skipped\n{: .no_toc}\n\n# Four\n\n## Two $$x$$\n")
    assert html.startswith(
        '<ul id="markdown-toc"><li><a href="#first" id="markdown-toc-first">One</a>'
        '<ul><li><a href="#two-x" id="markdown-toc-two-x">Two <span class="math">\\(x\\)</span>'
        '</a><ul><li><a href="#three" id="markdown-toc-three">Three</a></li></ul></li></ul></li>'
        '<li><a href="#four" id="markdown-toc-four">Four</a><ul><li><a href="#two-x-1" '
        'id="markdown-toc-two-x-1">Two <span class="math">\\(x\\)</span></a></li></ul></li></ul>')
    assert '<h1 id="first">One' in html
    assert "TOC" not in html and "{:" not in html


def test_definition_lists_abbreviations_and_extensions() -> None:
    html = html_of(
        "Discrete Fourier transform\n: $$X[k] = \\sum_n x[n]$$\n\n"
        "The FFT is fast; FFTs are too.\n\n*[FFT]: Fast Fourier Transform\n\n"
        "{::comment}\nNot published: $$x$$.\n{:/comment}\n\n"
        "{::nomarkdown}\n<p class=\"raw\">*kept*</p>\n{:/nomarkdown}\n\n"
        "{::options parse_block_html=\"true\" /}\nEnd.\n")
    assert ('<dl><dt>Discrete Fourier transform</dt><dd><span class="math">'
            "\\(X[k] = \\sum_n x[n]\\)</span></dd></dl>") in html
    assert '<p>The <abbr title="Fast Fourier Transform">FFT</abbr> is fast; FFTs are too.</p>' \
        in html
    assert "Not published" not in html and "{:" not in html
    assert '<p class="raw">*kept*</p>' in html
    assert html.endswith("<p>End.</p>")


def test_pandoc_dialect_leaves_braces_alone() -> None:
    html = parse_body("Text.\n{: .lead}\n", "p.md", 1).html
    assert html == "<p>Text.\n{: .lead}</p>\n"
