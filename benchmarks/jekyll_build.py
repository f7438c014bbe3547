"""A Jekyll-shaped site against the same posts in build-site's own layout, in one run.

    python -m benchmarks.jekyll_build --posts 1000

Issue 10's bound: a Jekyll blog (``_config.yml``, ``_posts/*.markdown`` with Jekyll's front
matter, kramdown math, Jekyll's permalinks) builds within 10% of the native layout
(``posts/*.md`` and ``site.toml``). Both copies hold the same bodies, so what the ratio
measures is what reading a Jekyll site costs: ``_config.yml``, the site walk, Liquid's pass
over every post, kramdown's rules and the permalink placeholders. Cold, nothing changed and
one prose edit, taking turns as ``benchmarks.site_build`` does.
"""

from __future__ import annotations

import argparse
import os

from benchmarks.corpus import published_middle, write_corpus
from benchmarks.measure import discard, empty_trash, precompile, row
from benchmarks.site_build import (
    WORK,
    Tool,
    _tool,
    fastest,
    interleaved,
    paired,
    setup_build_site,
)

CONFIG = """\
title: Bench
description: A Jekyll-shaped benchmark site
url: "http://example.org"
baseurl: ""
permalink: /:categories/:year/:month/:day/:title:output_ext
markdown: kramdown
kramdown:
  input: GFM
  math_engine: mathjax
"""


def setup_jekyll(count: int) -> Tool:
    root = WORK / "jekyll-shaped"
    discard(root)
    write_corpus(root / "_posts", count, flavour="jekyll")
    (root / "_config.yml").write_text(CONFIG, encoding="utf-8")
    (root / "about.md").write_text("---\nlayout: page\ntitle: About\npermalink: /about/\n---\n\n"
                                   "Who writes here.\n", encoding="utf-8")
    post = published_middle(root / "_posts", "*.markdown")
    return Tool("build-site (Jekyll site)", root, [_tool("build-site"), "build", "-q"],
                ("site", ".site.back", ".cache"), post)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    precompile()
    print(f"{args.posts} synthetic posts, {os.cpu_count()} cores, best of {args.repeat}")
    native, jekyll = setup_build_site(args.posts), setup_jekyll(args.posts)
    native.name = "build-site (posts/ + site.toml)"
    cases = {"cold": interleaved([native, jekyll], args.repeat, "clean"),
             "nothing changed": interleaved([native, jekyll], args.repeat, None),
             "one prose edit": interleaved([native, jekyll], args.repeat, "edit")}
    for case, runs in cases.items():
        baseline = fastest(runs[native.name])
        print(f"{case}:")
        print(row(native.name, baseline))
        print(row(jekyll.name, fastest(runs[jekyll.name]), baseline))
        if args.repeat > 1:
            print(paired(runs[jekyll.name], runs[native.name]))
    print("ratios are the Jekyll-shaped site's time / the native layout's (best of each, and "
          "turn by turn): the bound is 1.10x")
    empty_trash()


if __name__ == "__main__":
    main()
