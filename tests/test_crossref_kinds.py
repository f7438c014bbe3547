"""Quarto's other cross-reference kinds, as its HTML writes them (quarto-cli's
``crossref/sections.lua``, ``format.lua``, ``customnodes/theorem.lua``, ``proof.lua``,
``modules/callouts.lua``): numbered sections and ``@sec-x``, theorems and proofs, numbered
callouts, the ``crossref:`` options, and the warnings a mistake gives."""

from __future__ import annotations

import re
from typing import Any

from builder.errors import BuildWarning
from builder.markdown.parser import parse_body
from tests.conftest import Project


def render(text: str, crossref: dict[str, Any] | None = None) -> tuple[str, list[str]]:
    warnings: list[BuildWarning] = []
    html = parse_body(text, "posts/p.qmd", 5, warnings.append, crossref=crossref).html
    return html, [str(w) for w in warnings]


def heading(html: str, ident: str) -> str:
    match = re.search(rf'<h(\d) id="{ident}"[^>]*>(.*?) <a class="header-anchor"', html)
    assert match, html
    return match.group(2)


SECTIONS = """\
## Introduction {#sec-intro}

See @sec-intro, @sec-method and [-@sec-detail].

## Method {#sec-method}

### Detail {#sec-detail}

### Aside {.unnumbered}

### Another {-}

### Third

### Hidden {.unlisted}

## Results

#### Deep
"""


def test_headings_are_numbered_from_the_posts_top_level() -> None:
    html, warnings = render(SECTIONS, {"number-sections": True})
    assert heading(html, "sec-intro") == '<span class="header-section-number">1</span> Introduction'
    assert '<h2 id="sec-method" data-number="2">' in html
    assert heading(html, "sec-detail") == '<span class="header-section-number">2.1</span> Detail'
    assert heading(html, "aside") == "Aside"  # unnumbered: no number, and no count
    assert heading(html, "another") == "Another"
    assert heading(html, "third").startswith('<span class="header-section-number">2.2</span>')
    assert heading(html, "results").startswith('<span class="header-section-number">3</span>')
    # a level skipped counts as 0, as Quarto counts it
    assert heading(html, "deep").startswith('<span class="header-section-number">3.0.1</span>')
    assert warnings == []


def test_section_references_read_as_quarto_writes_them() -> None:
    for options in ({"number-sections": True}, None):  # without numbers too: Quarto counts
        html, _ = render(SECTIONS, options)
        assert ('See <a class="quarto-xref" href="#sec-intro">Section&nbsp;1</a>, '
                '<a class="quarto-xref" href="#sec-method">Section&nbsp;2</a> and '
                '<a class="quarto-xref" href="#sec-detail">2.1</a>.') in html
    html, _ = render(SECTIONS)
    assert "header-section-number" not in html and "data-number" not in html


def test_level_one_headings_lead_the_numbers_and_depth_and_offset_apply() -> None:
    text = "# One\n\n## Sub {#sec-sub}\n\n### Deeper\n\n# Two\n\n@sec-sub\n"
    html, _ = render(text, {"number-sections": True, "number-depth": 2})
    assert heading(html, "one").startswith('<span class="header-section-number">1</span>')
    assert heading(html, "sec-sub").startswith('<span class="header-section-number">1.1</span>')
    assert heading(html, "deeper") == "Deeper"  # below number-depth
    assert ">Section&nbsp;1.1</a>" in html
    html, _ = render(text, {"number-sections": True, "number-offset": [4]})
    assert heading(html, "one").startswith('<span class="header-section-number">5</span>')
    assert heading(html, "two").startswith('<span class="header-section-number">6</span>')


def test_an_unnumbered_heading_is_no_target() -> None:
    html, warnings = render("## Preface {- #sec-preface}\n\nSee @sec-preface.\n",
                            {"number-sections": True})
    assert heading(html, "sec-preface") == "Preface"
    assert '<h2 id="sec-preface" class="unnumbered">' in html  # as Pandoc writes the class
    assert "<strong>?@sec-preface</strong>" in html
    assert warnings == [
        "posts/p.qmd:7: warning: @sec-preface refers to nothing in this post: shown as "
        "?@sec-preface, as Quarto does (give a heading the id: '## Title {#sec-preface}' (an "
        "unnumbered heading is no target, as in Quarto))"]


def test_heading_attributes_are_pandocs() -> None:
    html, _ = render('## Notes {#notes .aside lang=fr}\n\n## Braces {not attributes}\n'
                     '## Set {#set}\n')
    assert '<h2 id="notes" class="aside" lang="fr">Notes <a' in html
    assert '<h2 id="braces-not-attributes">Braces {not attributes} <a' in html


def test_the_table_of_contents_shows_the_numbers(project: Project) -> None:
    project.post("2021-05-01-numbered.qmd", "---\ntitle: Numbered\nnumber-sections: true\n"
                 "---\n\n" + SECTIONS)
    project.build()
    page = project.page("2021/05/01/numbered/index.html")
    assert ('<li><a href="#sec-intro"><span class="header-section-number">1</span> '
            'Introduction</a></li>') in page
    assert '<a href="#aside">Aside</a>' in page
    assert '<a href="#hidden"' not in page  # {.unlisted}: not in the contents, as in Pandoc
    assert '<h3 id="hidden" class="unlisted" data-number="2.3">' in page


THEOREMS = """\
::: {#thm-line}
## Line

The equation of a straight line is $y = mx + b$.
:::

::: {#lem-small name="A *small* one"}
- first a list
:::

::: {#cor-x .important}
Follows.
:::

::: {.proof}
Obvious.
:::

::: {.remark}
## Aside
Unnumbered.
:::

::: {#rem-sign}
Mind the sign.
:::

See @thm-line, @lem-small, @cor-x and @rem-sign.
"""


def test_theorems_and_proofs_read_as_in_quarto() -> None:
    html, warnings = render(THEOREMS)
    assert ('<div id="thm-line" class="theorem">\n<p><span class="theorem-title"><strong>'
            'Theorem 1 (Line)</strong></span> The equation') in html
    assert ('<div id="lem-small" class="theorem lemma">\n<p><span class="theorem-title">'
            '<strong>Lemma 1 (A <em>small</em> one)</strong></span> &nbsp;</p>\n<ul>') in html
    assert ('<div id="cor-x" class="important theorem corollary">\n<p><span '
            'class="theorem-title"><strong>Corollary 1</strong></span> Follows.</p>') in html
    assert ('<div class="proof">\n<p><span class="proof-title"><em>Proof</em>. </span>'
            'Obvious.</p>') in html
    assert ('<div class="proof remark">\n<p><span class="proof-title"><em>Remark</em> '
            '(Aside). </span>Unnumbered.</p>') in html
    assert ('<div id="rem-sign" class="proof remark">\n<p><span class="proof-title"><em>'
            'Remark 1</em>. </span>Mind the sign.</p>') in html
    assert ('See <a class="quarto-xref" href="#thm-line">Theorem&nbsp;1</a>, '
            '<a class="quarto-xref" href="#lem-small">Lemma&nbsp;1</a>, '
            '<a class="quarto-xref" href="#cor-x">Corollary&nbsp;1</a> and '
            '<a class="quarto-xref" href="#rem-sign">Remark&nbsp;1</a>.') in html
    assert "<h2" not in html and warnings == []


def test_each_kind_counts_on_its_own_and_headings_inside_are_not_numbered() -> None:
    text = ("## Before\n\n::: {#thm-a}\nA.\n\n### Inside\n:::\n\n::: {#thm-b}\nB.\n:::\n\n"
            "::: {#def-c}\nC.\n:::\n\n::: {#alg-d}\nD.\n:::\n\n## After\n\n"
            "@thm-b, @def-c, @alg-d\n")
    html, _ = render(text, {"number-sections": True})
    assert "<strong>Theorem 2</strong>" in html and "<strong>Definition 1</strong>" in html
    assert '<div id="alg-d" class="theorem algorithm">' in html
    assert "<strong>Algorithm 1</strong>" in html
    assert ">alg.&nbsp;1</a>" in html  # Quarto has no prefix for algorithms: "alg."
    assert heading(html, "inside") == "Inside"
    assert heading(html, "after").startswith('<span class="header-section-number">2</span>')


def test_callouts_with_an_id_are_numbered() -> None:
    text = ("::: {#nte-a .callout-note}\nFirst.\n:::\n\n"
            "::: {#nte-b .callout-note}\n## Units\nSecond.\n:::\n\n"
            "::: {#wrn-c .callout-warning title=\"Mind *this*\"}\nThird.\n:::\n\n"
            "::: {.callout-note}\nUnnumbered.\n:::\n\n"
            "See @nte-a, @nte-b and @wrn-c.\n")
    html, _ = render(text)
    assert ('<div id="nte-a" class="callout callout-note callout-style-default '
            'callout-titled">\n<div class="callout-header"><span class="callout-title">'
            'Note&nbsp;1</span></div>') in html
    assert '<span class="callout-title">Note&nbsp;2: Units</span>' in html
    assert '<span class="callout-title">Warning&nbsp;1: Mind <em>this</em></span>' in html
    assert ('See <a class="quarto-xref" href="#nte-a">Note&nbsp;1</a>, <a class="quarto-xref"'
            ' href="#nte-b">Note&nbsp;2</a> and <a class="quarto-xref" href="#wrn-c">'
            'Warning&nbsp;1</a>.') in html


# --- the crossref: options -----------------------------------------------------------------

FLOATS = """\
![Elephant](e.png){#fig-e}

See @fig-e, @tbl-t, @eq-a, @thm-a and @Fig-pb.

| a | b |
|---|---|
| 1 | 2 |

: Letters {#tbl-t}

$$ x $$ {#eq-a}

::: {#thm-a}
T.
:::

::: {#fig-p layout-ncol=2}
![A](a.png){#fig-pa}

![B](b.png){#fig-pb}

Panel
:::
"""


def test_titles_prefixes_and_labels_follow_the_options() -> None:
    html, _ = render(FLOATS, {"crossref": {
        "fig-title": "Fig.", "fig-prefix": "fig.", "tbl-labels": "alpha A", "title-delim": "—",
        "labels": "roman", "subref-labels": "roman i", "thm-title": "Satz"}})
    assert '<figcaption><span class="figure-number">Fig. I—</span> Elephant' in html
    assert ('See <a class="quarto-xref" href="#fig-e">fig.&nbsp;I</a>, <a class="quarto-xref" '
            'href="#tbl-t">Table&nbsp;A</a>, <a class="quarto-xref" href="#eq-a">'
            'Equation&nbsp;I</a>, <a class="quarto-xref" href="#thm-a">Theorem&nbsp;I</a> and '
            '<a class="quarto-xref" href="#fig-pb">Fig.&nbsp;II (ii)</a>.') in html
    assert '<span class="figure-number">Table A—</span> Letters' in html
    assert r"\tag{I}" in html
    assert "<strong>Satz I</strong>" in html
    assert "<figcaption>(i) A</figcaption>" in html and "<figcaption>(ii) B</figcaption>" in html
    assert '<span class="figure-number">Fig. II—</span> Panel' in html


def test_chapters_number_after_the_level_one_heading_and_links_can_be_text() -> None:
    text = ("# Intro\n\n![A](a.png){#fig-a}\n\n# Method {#sec-method}\n\n![B](b.png){#fig-b}\n\n"
            "## Detail {#sec-detail}\n\n@fig-b, @sec-method, @sec-detail\n")
    html, _ = render(text, {"crossref": {"chapters": True, "ref-hyperlink": False}})
    assert '<span class="figure-number">Figure 1.1:</span> A' in html
    assert '<span class="figure-number">Figure 2.1:</span> B' in html
    assert "<p>Figure&nbsp;2.1, Chapter&nbsp;2, Section&nbsp;2.1</p>" in html


OPTIONS_POST = """\
---
title: Options
crossref:
  fig-title: Fig.
  fig-labels: alpha a
  lof-title: Figures
  fig-caption: nope
format:
  html:
    number-sections: true
    code-fold: true
---

## Plot {#sec-plot}

```{python}
#| label: fig-line
#| fig-cap: A line
#| fig-subcap: true
#| layout-ncol: 2
import matplotlib.pyplot as plt
plt.plot([0, 1]); plt.show(); plt.plot([1, 0]); plt.show()
```

```{python}
#| label: fig-two
#| fig-cap: [First, Second]
plt.plot([0, 1]); plt.show(); plt.plot([1, 0]); plt.show()
```

@fig-line-2, @fig-two-2 and @sec-plot.
"""


def test_the_options_reach_figure_blocks_and_unknown_keys_warn(project: Project) -> None:
    project.post("2021-05-02-options.md", OPTIONS_POST)
    result = project.build()
    page = project.page("2021/05/02/options/index.html")
    assert '<span class="figure-number">Fig. a:</span> A line' in page
    assert "<figcaption>(a)</figcaption>" in page and "<figcaption>(b)</figcaption>" in page
    assert '<span class="figure-number">Fig. b:</span> First' in page
    assert '<span class="figure-number">Fig. c:</span> Second' in page
    assert "Code for Fig. a</summary>" in page
    # fig-title is the captions' word; references keep theirs (fig-prefix), as in Quarto
    assert ('>Figure&nbsp;a (b)</a>, <a class="quarto-xref" href="#fig-two-2">Figure&nbsp;c'
            '</a> and <a class="quarto-xref" href="#sec-plot">Section&nbsp;1</a>.') in page
    assert '<span class="header-section-number">1</span> Plot' in page
    assert "posts/2021-05-02-options.md:7: warning: unknown crossref option 'fig-caption' is " \
        "ignored" in result.stderr
    assert "number-sections" not in result.stderr  # a document option, no figure option
    assert "lof-title" not in result.stderr
    project.build("--no-cache")  # parsed afresh or read from the parse cache: the same page
    assert project.page("2021/05/02/options/index.html") == page
    project.build()
    assert project.page("2021/05/02/options/index.html") == page


def test_a_wrong_value_is_an_error_at_its_line(project: Project) -> None:
    project.post("2021-05-03-bad.md", "---\ntitle: Bad\ncrossref:\n  chapters: yes please\n"
                 "---\n\nText.\n")
    assert "posts/2021-05-03-bad.md:4: crossref option 'chapters' must be true or false, " \
        "not 'yes please'" in project.fail()
    project.post("2021-05-03-bad.md", "---\ntitle: Bad\nnumber-depth: deep\n---\n\nText.\n")
    assert "posts/2021-05-03-bad.md:3: 'number-depth' must be a heading level" in project.fail()


# --- code listings -------------------------------------------------------------------------

LISTINGS = '''\
```{#lst-customers .sql lst-cap="Customers *query*"}
SELECT * FROM Customers
```

Then we query the customers (@lst-customers), as @lst-div and @lst-plain do not.

```{#lst-plain .python}
x = 3
```

```{.python}
y = 4
```

::: {#lst-div}
```python
z = 5
```

A listing in a div
:::
'''


def test_code_listings_are_numbered_with_their_caption_above() -> None:
    html, warnings = render(LISTINGS)
    assert html.startswith(
        '<figure class="figure quarto-float quarto-float-lst" id="lst-customers">\n'
        '<figcaption><span class="figure-number">Listing 1:</span> Customers <em>query</em>'
        '</figcaption>\n<pre class="highlight"><code class="language-sql"><span class="k">'
        'SELECT</span>')
    assert ('(<a class="quarto-xref" href="#lst-customers">Listing&nbsp;1</a>), as '
            '<a class="quarto-xref" href="#lst-div">Listing&nbsp;2</a> and '
            '<strong>?@lst-plain</strong> do not.') in html
    # without lst-cap a block is no listing (Quarto's rule), but keeps its id and language
    assert '<pre id="lst-plain" class="highlight"><code class="language-python"><span ' \
        'class="n">x</span>' in html
    assert '<pre class="highlight"><code class="language-python"><span class="n">y' in html
    assert ('<figure id="lst-div" class="figure quarto-float quarto-float-lst">\n<figcaption>'
            '<span class="figure-number">Listing 2:</span> A listing in a div</figcaption>\n'
            '<pre class="highlight"><code class="language-python">') in html
    assert warnings == [
        "posts/p.qmd:9: warning: @lst-plain refers to nothing in this post: shown as "
        "?@lst-plain, as Quarto does (label a code block: '```{#lst-plain .python "
        "lst-cap=\"Caption\"}')"]


def test_a_figure_blocks_code_is_a_listing_with_lst_label(project: Project) -> None:
    project.post("2021-05-04-cell.md", """\
        ---
        title: Cell
        ---
        ```{python}
        #| lst-label: lst-square
        #| lst-cap: Squares, as @lst-square shows
        #| label: fig-square
        #| fig-cap: Its plot
        import matplotlib.pyplot as plt
        plt.plot([n * n for n in range(5)])
        ```

        The code in @lst-square draws @fig-square.
        """)
    result = project.build()
    page = project.page("2021/05/04/cell/index.html")
    assert ('<figure class="figure quarto-float quarto-float-lst" id="lst-square">\n'
            '<figcaption><span class="figure-number">Listing 1:</span> Squares, as <a '
            'class="quarto-xref" href="#lst-square">Listing&nbsp;1</a> shows</figcaption>\n'
            '<pre class="highlight"><code class="language-python">') in page
    assert ('The code in <a class="quarto-xref" href="#lst-square">Listing&nbsp;1</a> draws '
            '<a class="quarto-xref" href="#fig-square">Figure&nbsp;1</a>.') in page
    assert "warning: posts/" not in result.stderr and ".md:" not in result.stderr.replace(
        "posts/2021-05-04-cell.md:4 fig-square", "")  # nothing said of the post but its run


def test_shift_heading_level_by_moves_headings_and_their_numbers() -> None:
    text = "# One {#sec-one}\n\n## Two\n\n###### Six {#six}\n\n@sec-one\n"
    html, _ = render(text, {"shift-heading-level-by": 1, "number-sections": True})
    assert '<h2 id="sec-one" data-number="1"><span class="header-section-number">1</span> ' \
        "One" in html
    assert '<h3 id="two" data-number="1.1">' in html
    assert '<p id="six" class="heading">Six</p>' in html  # Pandoc's HTML for a level 7
    html, warnings = render("# Title\n\nText.\n\n## Part\n\n# Lower\n",
                            {"shift-heading-level-by": -1})
    assert html.startswith("<p>Text.</p>\n<h1") and "<p>Lower</p>" in html
    assert warnings == [
        "posts/p.qmd:5: warning: with shift-heading-level-by -1, Quarto makes this first "
        "heading the post's title: it is left out, and the title is the front matter's"]


def test_site_toml_numbers_every_post_and_a_post_says_otherwise(project: Project) -> None:
    project.write("site.toml", '[format.html]\nnumber-sections = true\ncode-fold = true\n\n'
                  '[format.html.crossref]\nfig-title = "Fig."\nsec-title = "x"\n')
    project.post("2021-05-05-site.md", "---\ntitle: Site\n---\n\n## One\n\n"
                 "![A](a.png){#fig-a}\n")
    project.post("2021-05-06-own.md", "---\ntitle: Own\nnumber-sections: false\ncrossref:\n"
                 "  title-delim: \" —\"\n---\n\n## One\n\n![A](a.png){#fig-a}\n")
    result = project.build()
    page = project.page("2021/05/05/site/index.html")
    assert '<span class="header-section-number">1</span> One' in page
    assert '<span class="figure-number">Fig. 1:</span> A' in page
    page = project.page("2021/05/06/own/index.html")
    assert "header-section-number" not in page
    assert '<span class="figure-number">Fig. 1 —</span> A' in page  # the site's title, its delim
    assert "site.toml:7: warning: unknown crossref option 'sec-title' is ignored" \
        in result.stderr
    assert "number-sections" not in result.stderr  # not a figure option: no word of it
    project.write("site.toml", "[format.html]\nnumber-sections = false\n")  # parsed again
    project.build()
    assert "header-section-number" not in project.page("2021/05/05/site/index.html")


def test_each_kinds_prefix_and_title_can_be_changed() -> None:
    text = ("## Intro {#sec-intro}\n\n$$ x $$ {#eq-x}\n\n| a |\n|---|\n| 1 |\n\n: T {#tbl-t}\n\n"
            "::: {#thm-t}\nT.\n:::\n\n@sec-intro, @eq-x, @tbl-t, @Thm-t, [-@eq-x]\n")
    html, _ = render(text, {"crossref": {"sec-prefix": "§", "eq-prefix": "Eq.",
                                         "tbl-prefix": "tab.", "tbl-title": "Tab.",
                                         "thm-prefix": "theorem"}})
    assert ('>§&nbsp;1</a>, <a class="quarto-xref" href="#eq-x">Eq.&nbsp;1</a>, '
            '<a class="quarto-xref" href="#tbl-t">tab.&nbsp;1</a>, <a class="quarto-xref" '
            'href="#thm-t">Theorem&nbsp;1</a>, <a class="quarto-xref" href="#eq-x">1</a>') in html
    assert '<span class="figure-number">Tab. 1:</span> T' in html
