"""Math typeset when the site is built: what pages carry, what MathJax's complaints print,
what the cache saves, and the pieces (finding math in HTML, lines, the site stylesheet)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from builder.math.css import site_stylesheet
from builder.math.html import find_math, find_run, splice
from builder.math.lines import formula_lines
from tests.conftest import Project

MATH_POST = r"""---
title: Numbers
---
Let $x \in \RR$ with $\norm{x} < 1$, as $\eqref{eq:later}$ says, and $\def\half{\tfrac12}\half$ then $\half x$.

\begin{equation}
a = b \label{eq:first}
\end{equation}

$$\DeclareMathOperator{\tr}{tr} \tr A = 1$$

\begin{align}
c &= d \label{eq:later}\\
e &= f
\end{align}

See $\eqref{eq:first}$ and $\tr B$.
"""

SITE_MACROS = '[math.macros]\nRR = "\\\\mathbb{R}"\nnorm = ["\\\\left\\\\lVert #1 \\\\right\\\\rVert", 1]\n'


def mathml(page: str) -> list[str]:
    """The assistive MathML of each typeset formula: what a screen reader reads."""
    return re.findall(r"<mjx-assistive-mml[^>]*>(.*?)</mjx-assistive-mml>", page)


def post_warnings(result: object) -> list[str]:
    return [line for line in result.stderr.splitlines()  # type: ignore[attr-defined]
            if line.startswith("posts/") and ": warning: " in line]


def by_line(lines: list[str]) -> list[str]:
    """Warnings of one post in its order (each stage says its own as it finds them)."""
    return sorted(lines, key=lambda line: int(line.split(":")[1]))


def summary(result: object) -> str:
    return result.stderr.strip().splitlines()[-1]  # type: ignore[attr-defined]


def test_a_post_is_one_document_numbered_with_macros_and_references(project: Project) -> None:
    project.write("site.toml", SITE_MACROS)
    project.post("2020-01-01-numbers.md", MATH_POST)
    result = project.build()
    page = project.page("2020/01/01/numbers/index.html")
    assert post_warnings(result) == []
    assert page.count("<mjx-container") == page.count('class="math"') == 10
    body = page.split('<div class="post-body">')[1]
    assert "\\(" not in body and "\\begin{" not in body  # no TeX left for a browser to do
    assert '<link rel="stylesheet" href="/static/mathjax/chtml.css?v=' in page
    assert "mathjax" not in " ".join(re.findall(r"<script[^>]*>", page)).lower()  # no MathJax
    formulas = mathml(page)
    assert 'mathvariant="double-struck">R</mi>' in formulas[0]  # site macro \RR
    assert "<mo>‖</mo>" in formulas[1] or "‖" in formulas[1]  # site macro with an argument
    assert "<mtext>(2)</mtext>" in formulas[2]  # forward reference to the align's label
    assert "<mfrac>" in formulas[4]  # \half, defined by \def in the formula before
    tags = re.findall(r"<mtext>\((\d)\)</mtext>", page)
    assert tags == ["2", "1", "2", "3", "1"]  # refs and tags: equation 1, align 2 and 3
    assert 'id="mjx-eqn:eq:later"' in page and 'href="#mjx-eqn%3Aeq%3Alater"' in page
    assert "<mi>tr</mi>" in formulas[-1]  # \DeclareMathOperator lasts for the whole post
    css = project.page("static/mathjax/chtml.css")
    assert "mjx-c.mjx-c1D465.TEX-I::before" in css  # the glyphs the site uses …
    assert "mjx-c.mjx-c1D6FC.TEX-I::before" not in css  # … and not those it doesn't (alpha)
    assert len(css) < 40_000
    assert 'url("fonts/MathJax_Main-Regular.woff?v=' in css  # the site's cut of the font
    assert (project.root / "site/static/mathjax/fonts/MathJax_Math-Italic.woff").is_file()
    assert not (project.root / "site/static/mathjax/tex-chtml.js").exists()


def test_each_post_is_its_own_document(project: Project) -> None:
    project.post("2020-01-01-a.md", "$\\def\\half{\\tfrac12}\\half$\n\n\\begin{equation}x\\end{equation}\n")
    project.post("2020-01-02-b.md", "$\\half$\n\n\\begin{equation}y\\end{equation}\n")
    result = project.build()
    b = project.page("2020/01/02/b/index.html")
    assert "undefined control sequence \\half" in result.stderr  # a's \def is a's alone
    assert "posts/2020-01-02-b.md:1: warning" in result.stderr
    assert re.findall(r"<mtext>\((\d)\)</mtext>", b) == ["1"]  # b's numbers start at 1


def test_mathjax_complaints_are_warnings_naming_the_line(project: Project) -> None:
    project.post("2020-01-01-bad.md", """
        ---
        title: Bad
        ---
        Fine $x$.

        Double $x^^2$ here,
        and $\\nofoo y$ there, see $\\eqref{eq:none}$.

        > Quoted \\(x^{\\) unbalanced.

        ```{python}
        #| fig-cap: 'A caption with $\\frac{1}$ in it.'
        print(1)
        ```
        """)
    result = project.build()
    lines = by_line(post_warnings(result))
    assert lines == [
        "posts/2020-01-01-bad.md:6: warning: MathJax cannot typeset \\(x^^2\\): "
        "Missing open brace for superscript; the page shows its TeX",
        "posts/2020-01-01-bad.md:7: warning: undefined control sequence \\nofoo in \\(\\nofoo y\\)",
        "posts/2020-01-01-bad.md:7: warning: no \\label{eq:none} in this post for this "
        "reference in \\(\\eqref{eq:none}\\)",
        "posts/2020-01-01-bad.md:9: warning: MathJax finds no complete formula in \\(x^{\\); "
        "the page shows it as text (are its braces balanced?)",
        "posts/2020-01-01-bad.md:11: warning: the block is a figure (a fig- label or fig-cap) "
        "but showed no image (draw something, or drop the caption)",
        "posts/2020-01-01-bad.md:12: warning: MathJax cannot typeset \\(\\frac{1}\\): "
        "Missing argument for \\frac; the page shows its TeX",
    ]
    page = project.page("2020/01/01/bad/index.html")
    assert ('<span class="math math-error" title="MathJax: Missing open brace for superscript">'
            "\\(x^^2\\)</span>") in page
    assert "\\(\\frac{1}\\)</span>" in page  # in the caption, also shown as written
    assert 'style="color: red;"' in page  # \nofoo drawn in red, as the browser's MathJax does
    assert "<mtext>(???)</mtext>" in page
    assert "\\(x^{\\)</span>" in page
    again = project.build()  # warnings come back on every build until the post changes
    assert by_line(post_warnings(again)) == lines
    assert "typeset the math" not in summary(again)


def test_prose_edits_typeset_nothing_and_formula_edits_one_post(project: Project) -> None:
    project.post("2020-01-01-a.md", "Alpha $\\alpha$ and $$\\beta$$.\n")
    project.post("2020-01-02-b.md", "Gamma $\\gamma$.\n")
    project.post("2020-01-03-c.md", "No math at all.\n")
    assert "typeset the math of 2 posts" in summary(project.build())
    assert "typeset the math" not in summary(project.build())
    project.post("2020-01-01-a.md", "Alpha, edited, $\\alpha$ and $$\\beta$$.\n")
    edited = project.build()
    assert "typeset the math" not in summary(edited)
    page = project.page("2020/01/01/a/index.html")
    assert "Alpha, edited," in page and page.count("<mjx-container") == 2
    project.post("2020-01-02-b.md", "Gamma $\\gamma + 1$.\n")
    assert "typeset the math of 1 post," in summary(project.build())
    assert "<mn>1</mn>" in project.page("2020/01/02/b/index.html")


def test_a_formula_edit_is_journaled_not_the_whole_math_index_rewritten(
    project: Project,
) -> None:
    """A build that typeset one post's math appends its row to the journal (the index of a
    big site holds a million tokens); the next build reads both and typesets nothing; a torn
    journal line costs that post's entry read again, not a wrong page."""
    for n in range(3):
        project.post(f"2020-01-0{n + 1}-p{n}.md", f"Post {n}: $x_{n}$.\n")
    project.build()
    folder = project.root / ".cache/math"
    index = (folder / "index.json").read_bytes()
    project.post("2020-01-02-p1.md", "Post 1: $\\sqrt{y}$.\n")
    assert "typeset the math of 1 post," in summary(project.build())
    assert (folder / "index.json").read_bytes() == index
    journal = (folder / "journal.jsonl").read_bytes()
    assert journal.count(b"\n") == 2 and b"msqrt" in journal  # new, and old forgotten
    assert "typeset the math" not in summary(project.build())
    expected = project.snapshot()
    (folder / "journal.jsonl").write_bytes(journal[: len(journal) // 2])  # a torn line
    assert "typeset the math" not in summary(project.build())  # its entry is still there
    assert project.snapshot() == expected


def test_damaged_cache_entries_are_typeset_again(project: Project) -> None:
    project.post("2020-01-01-a.md", "Alpha $\\alpha$.\n")
    project.build()
    entries = list((project.root / ".cache/math/entries").rglob("*.json"))
    assert len(entries) == 1
    data = json.loads(entries[0].read_text())
    data["html"][0] = "<b>wrong</b>"
    entries[0].write_text(json.dumps(data))
    (project.root / ".cache/math/index.json").unlink()
    project.post("2020-01-01-a.md", "Alpha, again, $\\alpha$.\n")
    assert "typeset the math of 1 post" in summary(project.build())
    page = project.page("2020/01/01/a/index.html")
    assert "<b>wrong</b>" not in page and "<mjx-container" in page


def test_math_from_any_source_goes_the_same_way(project: Project) -> None:
    """Math the author wrote as HTML elements, captions, excerpts: all typeset here."""
    project.post("2020-01-01-a.md", """
        Intro with $\\alpha$ in the excerpt.

        <p>Raw <span class="math">\\(\\beta &lt; 1\\)</span> HTML.</p>

        ```{python}
        #| fig-cap: 'Caption with $\\gamma$.'
        print(1)
        ```
        """)
    project.build()
    page = project.page("2020/01/01/a/index.html")
    assert page.count("<mjx-container") == 3
    assert "<mo>&lt;</mo>" in page  # the escaped "<" reached MathJax as "<"
    home = project.page("index.html")
    assert home.count("<mjx-container") == 1 and "<mi>\u03b1</mi>" in home  # alpha


def test_use_math_without_math_typesets_nothing(project: Project) -> None:
    project.post("2020-01-01-a.md", "---\nuse_math: true\n---\nNo math, $5 and $6.\n")
    assert "typeset the math" not in summary(project.build())
    assert not (project.root / ".cache/math/entries").exists()  # no engine was started
    assert "mathjax" not in project.page("2020/01/01/a/index.html")


def test_client_mode_keeps_tex_for_the_browser(project: Project) -> None:
    project.write("site.toml", 'mathjax = "client"\n' + SITE_MACROS)
    project.post("2020-01-01-a.md", "Alpha $\\alpha \\in \\RR$.\n")
    project.build()
    page = project.page("2020/01/01/a/index.html")
    assert "<mjx-container" not in page and "\\(\\alpha \\in \\RR\\)" in page
    assert "tex-chtml.js" in page
    assert '"RR": "\\\\mathbb{R}"' in page  # site macros reach the browser's MathJax too
    assert not (project.root / ".cache/math").exists()


def test_svg_output(project: Project) -> None:
    project.write("site.toml", '[math]\noutput = "svg"\n')
    project.post("2020-01-01-a.md", "Alpha $\\alpha$.\n")
    project.build()
    page = project.page("2020/01/01/a/index.html")
    assert '<mjx-container class="MathJax" jax="SVG"' in page and "<svg" in page
    assert 'href="/static/mathjax/svg.css?v=' in page
    assert not (project.root / "site/static/mathjax/fonts").exists()  # no fonts needed


def test_feeds_carry_mathml_not_mathjaxs_html(project: Project) -> None:
    project.write("site.toml", 'base_url = "https://example.org/"\n')
    project.post("2020-01-01-a.md", "Alpha $\\alpha$.\n")
    project.build()
    feed = project.page("feed.xml")  # feed readers have no MathJax CSS: MathML (test_feed_math)
    assert "&lt;mi&gt;\u03b1&lt;/mi&gt;" in feed and "mjx-" not in feed


@pytest.mark.parametrize("text, message", [
    ('[math]\noutput = "png"\n', "site.toml:2: 'math.output' must be \"chtml\" or \"svg\""),
    ("[math]\nscale = 0\n", "site.toml:2: 'math.scale' must be between 0.25 and 4"),
    ('[math.macros]\nR2 = "x"\n', "site.toml:2: 'R2' is not a TeX macro name"),
    ('[math.macros]\nnorm = ["x", "1"]\n', "site.toml:2: macro 'norm' must be a TeX string"),
    ('mathjax = "server"\n', "site.toml:1: 'mathjax' must be 'build', 'client', 'cdn' or a URL"),
])
def test_math_settings_are_checked(project: Project, text: str, message: str) -> None:
    project.write("site.toml", text)
    project.post("2020-01-01-a.md", "Alpha $\\alpha$.\n")
    assert message in project.fail()


# --- the pieces ----------------------------------------------------------------------------


def test_find_and_splice_math_elements() -> None:
    html = ('<p>a <span class="math">\\(x &lt; y\\)</span> b</p>\n'
            '<div class="math" id="eq-1">\\[z\\]</div>\n<span class="math display">\\[w\\]</span>'
            '<span class="mathematics">\\(no\\)</span>')
    elements = find_math(html)
    assert [e.key for e in elements] == [("span", "\\(x < y\\)"), ("div", "\\[z\\]"),
                                         ("span", "\\[w\\]")]
    out = splice(html, elements, ["X", "Z", "W"], {2: 'bad "w" <here>'})
    assert out == ('<p>a <span class="math">X</span> b</p>\n<div class="math" id="eq-1">Z</div>\n'
                   '<span class="math display math-error" title="MathJax: bad &quot;w&quot; '
                   '&lt;here&gt;">\\[w\\]</span><span class="mathematics">\\(no\\)</span>')


def test_an_excerpts_math_is_a_run_of_the_posts() -> None:
    post = [("span", "a"), ("div", "b"), ("span", "c"), ("span", "a"), ("span", "d")]
    assert find_run(post, [("span", "a"), ("span", "d")]) == 3
    assert find_run(post, [("span", "c")]) == 2
    assert find_run(post, [("span", "e")]) is None


def test_formula_lines() -> None:
    source = ("---\ntitle: x\n---\nA $a$ and $b$ and a long $c + d + e$ here\n\n"
              "> $$\n> \\frac{1}{2}\n> $$\n\n#| fig-cap: \"$\\\\frac{3}{4}$\"\n")
    texts = ["\\(a\\)", "\\(b\\)", "\\(c + d + e\\)", "\\[\n\\frac{1}{2}\n\\]",
             "\\(\\frac{3}{4}\\)", "\\(nowhere\\)"]
    assert formula_lines(source, texts, 4) == [4, 4, 4, 7, 10, 10]


def test_site_stylesheet_keeps_only_what_is_used() -> None:
    rules = [('@font-face /* 0 */', 'font-family: MJXZERO'),
             ('mjx-container[jax="CHTML"]', "line-height: 0"),
             ("mjx-mfrac", "display: inline-block"),
             ("mjx-c.mjx-c1D465.TEX-I::before", 'content: "\\1D465"'),
             ("mjx-c.mjx-c1D466.TEX-I::before", 'content: "\\1D466"'),
             ('mjx-munder:not([limits="false"])', "display: inline-table"),
             ("mjx-mtd:first-child, mjx-mfrac > mjx-frac", "padding-left: 0")]
    css = site_stylesheet(rules, {"mjx-container", "mjx-c", "mjx-c1D465", "TEX-I", "mjx-frac",
                                  "mjx-mfrac", "mjx-munder", "mjx-c1D465.TEX-I", "mjx-c1D466."})
    assert css.splitlines() == [
        "@font-face /* 0 */ {font-family: MJXZERO}",
        'mjx-container[jax="CHTML"] {line-height: 0}',
        "mjx-mfrac {display: inline-block}",
        'mjx-c.mjx-c1D465.TEX-I::before {content: "\\1D465"}',
        'mjx-munder:not([limits="false"]) {display: inline-table}',
        "mjx-mtd:first-child, mjx-mfrac > mjx-frac {padding-left: 0}",
    ]


def test_the_bundle_is_what_its_script_makes() -> None:
    """The committed bundle names its sources; scripts/bundle-mathjax --check rebuilds it."""
    root = Path(__file__).resolve().parents[1]
    bundle = (root / "builder/math/mathjax-bundle.js").read_text(encoding="utf-8")
    lock = json.loads((root / "scripts/mathjax/package-lock.json").read_text())
    mathjax = lock["packages"]["node_modules/mathjax-full"]["version"]
    esbuild = lock["packages"]["node_modules/esbuild"]["version"]
    assert bundle.startswith(f"/*! MathJax {mathjax} (https://www.mathjax.org), Apache-2.0")
    assert f"with esbuild {esbuild}. */" in bundle.splitlines()[1]
    assert (root / "builder/math/MATHJAX-LICENSE.txt").read_text().lstrip().startswith(
        "Apache License")


def test_math_with_an_authors_classes_and_id_is_typeset_and_keeps_them() -> None:
    """A kramdown attribute list on a formula (``{: .equation #parseval}``) adds classes and
    an id after "math": the element is still math, and keeps what the author gave it."""
    from builder.math.html import find_math, splice

    page = '<p>a</p><div class="math equation" id="parseval">\\[x &lt; 1\\]</div>'
    [element] = find_math(page)
    assert element.text == "\\[x < 1\\]"
    assert splice(page, [element], ["<mjx-container>T</mjx-container>"], {}) == \
        '<p>a</p><div class="math equation" id="parseval"><mjx-container>T</mjx-container></div>'
    assert 'class="math equation math-error" title="MathJax: bad" id="parseval"' in \
        splice(page, [element], [""], {0: "bad"})


def test_numbered_rows_get_no_invalid_css(project: Project) -> None:
    """MathJax's CHTML gives a numbered align's last row ``height: NaNem``; browsers drop it,
    an HTML checker does not: the page has only valid declarations, as the browser kept."""
    project.post("2020-01-01-rows.md", "\\begin{align}\na &= 1 \\\\\nb &= 2\n\\end{align}\n")
    project.build()
    page = project.page("2020/01/01/rows/index.html")
    assert page.count("<mjx-mlabeledtr") == 2 and "NaN" not in page
