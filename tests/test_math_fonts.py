"""MathJax's fonts as a site with math typeset at build time publishes them: cut down to the
glyphs its math draws, each listed with the characters it has, preloaded by the pages that
draw with it, checked in the cache and made again when damaged."""

from __future__ import annotations

import re

from fontTools.ttLib import TTFont

from builder.math.fonts import SOURCE, glyph_rules, mathjax_root
from tests.conftest import Project

# Every kind of glyph MathJax draws: letters of each alphabet, big operators, radicals,
# delimiters from one glyph up to assembled ones (top, middle, extender, bottom), wide
# accents, stretched arrows and braces, text. The browser test draws it too.
ZOO = r"""---
title: Glyphs
---
Letters $x + \alpha = \mathrm{d}y$, $\mathbb{R}^n$, $\mathcal{F}$, $\mathfrak{g}$,
$\mathsf{S}$, $\mathtt{t}$, $\boldsymbol{v} \cdot \mathbf{M}$, $\mathit{ff}$, $\vec{v}$, $\hat{a}$.

$$\sum_{k=1}^{n} \int_0^\infty \prod_i \oint f \, dx \quad \bigcup_j A_j$$

$$\sqrt{\frac{1}{2}} + \sqrt{\frac{\frac{a}{b}}{\frac{c}{d}}} + \sqrt[3]{x}$$

$$\left( \frac{a}{b} \right) \left[ \frac{\frac{a}{b}}{c} \right] \left\{ \begin{array}{c} 1 \\ 2 \\ 3 \\ 4 \\ 5 \\ 6 \end{array} \right. \left\| \begin{matrix} a \\ b \\ c \\ d \end{matrix} \right\| \Biggl\langle x \Biggr\rangle \left\lfloor \frac{n}{2} \right\rfloor$$

$$\overbrace{a + b + c}^{\text{three}} \underbrace{x + y}_{2} \widehat{xyz} \widetilde{abc}
\overrightarrow{AB} \xrightarrow{\text{a long label}} \overline{z + w}$$

$$f(x) = \begin{cases} 1 & x \ge 0 \\ -1 & \text{otherwise} \end{cases}$$
"""


def faces(css: str) -> dict[str, tuple[str, str]]:
    """Each @font-face of the stylesheet: file name -> (URL, unicode-range)."""
    found = {}
    for body in re.findall(r"^@font-face \{(.*)\}$", css, re.MULTILINE):
        url = re.search(r'url\("([^"]+)"\)', body)[1]  # type: ignore[index]
        ranges = re.search(r"unicode-range: ([^;]*)", body)
        found[url.split("/")[-1].split("?")[0]] = (url, ranges[1] if ranges else "")
    return found


def codes(ranges: str) -> set[int]:
    result: set[int] = set()
    for part in ranges.split(", "):
        first, _, last = part.removeprefix("U+").partition("-")
        result.update(range(int(first, 16), int(last or first, 16) + 1))
    return result


def preloads(page: str) -> list[str]:
    return re.findall(r'<link rel="preload" href="/static/mathjax/fonts/([^"?]+)\?v=', page)


def test_each_font_keeps_the_glyphs_drawn_with_it_and_says_which(project: Project) -> None:
    project.post("2020-01-01-glyphs.md", ZOO)
    project.build()
    site = project.root / "site/static/mathjax"
    css = (site / "chtml.css").read_text()
    listed = faces(css)
    published = sorted(p.name for p in (site / "fonts").iterdir())
    assert sorted(listed) == published  # every font the stylesheet names is there, no other
    for name in ("MathJax_Vector-Bold.woff", "MathJax_Script-Regular.woff",
                 "MathJax_SansSerif-Bold.woff", "MathJax_Calligraphic-Bold.woff"):
        assert name not in published  # none of the post's glyphs is drawn with these
    source = mathjax_root() / SOURCE
    for name, (url, ranges) in listed.items():
        font = TTFont(site / "fonts" / name)
        has = set(font.getBestCmap())
        assert url.startswith(f"fonts/{name}?v=")
        if name == "MathJax_Zero.woff":
            assert (site / "fonts" / name).read_bytes() == (source / name).read_bytes()
            continue
        assert has == codes(ranges), name  # the browser skips a font without the glyph
        assert has <= set(TTFont(source / name).getBestCmap())
        assert (site / "fonts" / name).stat().st_size < (source / name).stat().st_size
    # every glyph a rule draws is in the first font of its list that has it in MathJax's
    # own fonts, i.e. the glyph the reader saw before is the glyph the reader sees now
    whole = {name: set(TTFont(source / name).getBestCmap()) for name in listed}
    family_file = dict(re.findall(r"font-family: ([\w-]+); src: url\(\"fonts/([^\"?]+)", css))
    for rule in glyph_rules(css):
        for char in rule.chars:
            before = next((f for f in rule.families if f in family_file
                           and ord(char) in whole[family_file[f]]), None)
            if before is not None and before != "MJXZERO":
                assert ord(char) in codes(listed[family_file[before]][1]), (rule, char)
    italic = set(TTFont(site / "fonts/MathJax_Math-Italic.woff").getBestCmap())
    assert ord("x") in italic and 0x3B1 in italic and ord("q") not in italic


def test_pages_preload_the_fonts_their_math_draws_with(project: Project) -> None:
    project.post("2020-01-01-x.md", "Just $x$.\n")
    project.post("2020-01-02-r.md", "Reals $\\mathbb{R}$.\n")
    project.post("2020-01-03-sum.md", "$$\\left( \\sum_k \\frac{a}{b} \\right)$$\n")
    project.post("2020-01-04-prose.md", "No math.\n")
    project.build()
    assert preloads(project.page("2020/01/01/x/index.html")) == [
        "MathJax_Zero.woff", "MathJax_Math-Italic.woff"]
    assert preloads(project.page("2020/01/02/r/index.html")) == [
        "MathJax_Zero.woff", "MathJax_AMS-Regular.woff"]
    assert preloads(project.page("2020/01/03/sum/index.html")) == [
        "MathJax_Zero.woff", "MathJax_Math-Italic.woff", "MathJax_Size2-Regular.woff",
        "MathJax_Size4-Regular.woff"]  # ∑ from Size2, the tall parentheses from Size4
    prose = project.page("2020/01/04/prose/index.html")
    assert preloads(prose) == [] and "mathjax" not in prose


def test_a_new_glyph_makes_a_new_version_and_damage_is_made_again(project: Project) -> None:
    project.post("2020-01-01-a.md", "Alpha $\\alpha$.\n")
    project.build()
    site = project.root / "site/static/mathjax"
    first = faces((site / "chtml.css").read_text())["MathJax_Math-Italic.woff"][0]
    italic = (site / "fonts/MathJax_Math-Italic.woff").read_bytes()
    before = project.snapshot()
    project.build()
    assert project.snapshot() == before  # the subsets and the stylesheet come from the cache

    for cached in (project.root / ".cache/math/fonts").glob("*.woff"):
        cached.write_bytes(cached.read_bytes()[:100])  # a damaged cache
    project.post("2020-01-01-a.md", "Alpha, edited, $\\alpha$.\n")
    project.build()
    assert (site / "fonts/MathJax_Math-Italic.woff").read_bytes() == italic
    assert faces((site / "chtml.css").read_text())["MathJax_Math-Italic.woff"][0] == first

    project.post("2020-01-01-a.md", "Alpha $\\alpha$ and beta $\\beta$.\n")
    project.build()
    css = (site / "chtml.css").read_text()
    now = faces(css)["MathJax_Math-Italic.woff"]
    assert now[0] != first  # a browser that cached the old cut fetches the new one
    assert 0x3B2 in codes(now[1])
    assert 0x3B2 in TTFont(site / "fonts/MathJax_Math-Italic.woff").getBestCmap()


def test_which_fonts_a_rule_draws_with() -> None:
    css = "\n".join([
        ".MJX-TEX {font-family: MJXZERO, MJXTEX}",
        ".TEX-I {font-family: MJXZERO, MJXTEX-I}",
        ".TEX-C {font-family: MJXZERO, MJXTEX-C}",
        ".TEX-A {font-family: MJXZERO, MJXTEX-A}",
        "mjx-stretchy-v mjx-c, mjx-stretchy-h mjx-c {font-family: MJXZERO, MJXTEX-S1, "
        "MJXTEX-S4, MJXTEX, MJXTEX-A ! important}",
        'mjx-c.mjx-c1D465.TEX-I::before {padding: 0.442em 0.572em 0.011em 0; content: "x"}',
        'mjx-c.mjx-c30::before {padding: 0.666em 0.5em 0.022em 0; content: "0"}',
        'mjx-c.mjx-c30.TEX-C::before {padding: 0.452em 0.5em 0.022em 0; content: "0"}',
        'mjx-stretchy-v.mjx-c28 mjx-beg mjx-c::before {content: "\\239B"; padding: 1em}',
        'mjx-c.mjx-c2212.TEX-A::before {padding: 0.583em 0.778em 0.082em 0; content: "\\2212"}',
        '.mjx-stretched mjx-c.mjx-c2212::before {content: "\\2212"}',
    ])
    rules = {(tuple(sorted(r.names)), r.chars): r.families for r in glyph_rules(css)}
    assert rules == {
        (("mjx-c1D465.TEX-I",), "x"): ("MJXZERO", "MJXTEX-I"),
        (("mjx-c30.",), "0"): ("MJXZERO", "MJXTEX"),  # where no font class overrides it
        (("mjx-c30.TEX-C",), "0"): ("MJXZERO", "MJXTEX-C"),
        (("mjx-beg", "mjx-c", "mjx-c28", "mjx-stretchy-v"), "\u239b"):
            ("MJXZERO", "MJXTEX-S1", "MJXTEX-S4", "MJXTEX", "MJXTEX-A"),
        (("mjx-c2212.TEX-A",), "\u2212"): ("MJXZERO", "MJXTEX-A"),
        # any mjx-c2212 in a stretched operator: in the main font, or AMS's where it has it
        (("mjx-c", "mjx-c2212", "mjx-stretched"), "\u2212"):
            ("MJXZERO", "MJXTEX", "MJXZERO", "MJXTEX-A"),
    }
