"""The Jekyll test blog built by Jekyll itself (Debian's 4.3.1, kramdown 2.4) and by
build-site: per page, the TeX of every formula and whether it is inline or display must be
the same for at least 99% of them, and every difference must be one we chose (below)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.jekyll_compare import build_both, compare

# Each difference, and why: Jekyll's MathJax 2 reads prices as math (it has no rule against
# "$25 and the probe $140"); build-site keeps Pandoc's guards, so they stay prices.
CHOSEN = [
    ("notes/2020/05/19/probability-refresher/index.html", [("inline", "2 at odds of")], []),
    ("signals/2019/03/04/sampling-and-aliasing/index.html", [("inline", "25 and the probe")], []),
    ("signals/2019/07/08/convolution-in-raw-html/index.html", [("inline", "5 to")], []),
]


def test_formulas_match_jekylls(tmp_path: Path) -> None:
    report = compare(*build_both(tmp_path))
    assert report["total"] >= 290
    assert report["identical"] / report["total"] >= 0.99, report["differences"]
    found = [(d["page"], d["jekyll"], d["build-site"]) for d in report["differences"]]
    assert found == [(page, [tuple(f) for f in j], b) for page, j, b in CHOSEN]
    assert {path for path, page in report["pages"].items() if page["total"]} >= {
        "about/index.html", "meta/2019/09/10/liquid-in-a-post/index.html",
        "meta/2019/11/12/kramdown-extras/index.html"}
