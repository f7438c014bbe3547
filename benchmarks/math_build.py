"""What typesetting math at build time costs the author, on the synthetic corpus.

    python -m benchmarks.math_build --posts 1000 [--repeat 3]

The same corpus (~37 formulas a post) is built with math typeset at build time
(``mathjax = "build"``, the default) and, as the baseline, left to the reader's browser
(``mathjax = "client"``), the two taking turns. Cases: cold (no site, no caches), cold with a
warm formula cache (everything gone but ``.cache/math``), nothing changed, one prose edit, and
one edit that adds a formula. Printed: best times, the build/client ratio, and the difference.
Targets: nothing changed <= 0.3 s, one prose edit <= client + 0.1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil

from benchmarks.corpus import published_middle, write_corpus
from benchmarks.measure import discard, empty_trash, precompile, row
from benchmarks.site_build import WORK, Tool, _tool, fastest, interleaved, paired

_EVERYTHING = ("site", ".site.back", ".cache")
_ALL_BUT_MATH = ("site", ".site.back", ".cache/parsed", ".cache/site", ".cache/figures")


class MathTool(Tool):
    """A build-site project; ``clean`` leaves what ``outputs`` does not name."""

    formula_edits = 0

    def add_formula(self) -> None:
        assert self.post is not None
        MathTool.formula_edits += 1
        text = self.post.read_text(encoding="utf-8")
        head, tail = text.split("\n\n## Section 1", 1)
        extra = f" A new formula, $y_{{{MathTool.formula_edits}}} = \\beta^2$."
        self.post.write_text(head + extra + "\n\n## Section 1" + tail, encoding="utf-8")


def setup(name: str, count: int, config: str, outputs: tuple[str, ...]) -> MathTool:
    root = WORK / f"math-{name}"
    discard(root)
    write_corpus(root / "posts", count)
    (root / "site.toml").write_text(config, encoding="utf-8")
    post = published_middle(root / "posts")
    return MathTool(name, root, [_tool("build-site"), "build", "-q"], outputs, post)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    precompile()
    print(f"{args.posts} synthetic posts, {os.cpu_count()} cores, best of {args.repeat}"
          " (ratios from runs taken in turns: a shared machine drifts)")
    site = 'base_url = "http://example.org/"\n'  # as site_build's: feeds and sitemaps too
    client = setup("client", args.posts, site + 'mathjax = "client"\n', _EVERYTHING)
    build = setup("build", args.posts, site, _EVERYTHING)
    cases = {"cold": interleaved([client, build], args.repeat, "clean")}
    warm = MathTool("build", build.root, build.command, _ALL_BUT_MATH, build.post)
    cases["cold, warm formula cache"] = interleaved([client, warm], args.repeat, "clean")
    cases["nothing changed"] = interleaved([client, build], args.repeat, None)
    cases["one prose edit"] = interleaved([client, build], args.repeat, "edit")
    cases["one new formula"] = interleaved([client, build], args.repeat, "add_formula")
    formulas = sum(p.read_text(encoding="utf-8").count("$") // 2
                   for p in (build.root / "posts").glob("*.md"))
    print(f"corpus: about {formulas} formulas")
    for case, runs in cases.items():
        base, ours = fastest(runs["client"]), fastest(runs["build"])
        print(f"{case}:")
        print(row("client-side math (baseline)", base))
        print(row("math typeset at build time", ours, base)
              + f"  {ours.seconds - base.seconds:+.2f} s")
        if args.repeat > 1:
            print(paired(runs["build"], runs["client"]))
    shutil.rmtree(WORK / "math-client", ignore_errors=True)
    shutil.rmtree(WORK / "math-build", ignore_errors=True)
    empty_trash()


if __name__ == "__main__":
    main()
