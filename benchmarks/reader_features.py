"""What the reader's features cost the author: the synthetic corpus built with search and
social cards off, with each on, and with both (the default), in one run, taking turns.

    python -m benchmarks.reader_features --posts 1000

For each case (cold: no site, no cache; nothing changed; one prose edit) it prints the best
wall time and CPU time of each setting and their ratios to the setting with both off. CPU
seconds (of every process a build runs) are steadier than wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from benchmarks.corpus import write_corpus
from benchmarks.measure import Run, discard, empty_trash, measure, precompile
from benchmarks.site_build import _edit

WORK = Path(__file__).parent / ".work" / "reader-features"
SETTINGS = {
    "both off": "search = false\ncards = false\n",
    "search": "search = true\ncards = false\n",
    "cards": "search = false\ncards = true\n",
    "both (default)": "",
}


def setup(name: str, settings: str, count: int) -> Path:
    root = WORK / name.split()[0]
    discard(root)
    write_corpus(root / "posts", count)
    (root / "site.toml").write_text('base_url = "http://example.org/"\n' + settings)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    precompile()
    program = shutil.which("build-site", path=str(Path(sys.executable).parent)) or "build-site"
    roots = {name: setup(name, text, args.posts) for name, text in SETTINGS.items()}
    runs: dict[str, dict[str, list[Run]]] = {n: {"cold": [], "nothing changed": [],
                                                 "one prose edit": []} for n in roots}
    for turn in range(args.repeat):
        for name in list(roots) if turn % 2 == 0 else list(roots)[::-1]:
            root = roots[name]
            for folder in ("site", ".site.back", ".cache"):
                discard(root / folder)
            command = [program, "build", "-q"]
            runs[name]["cold"].append(measure(command, root))
            runs[name]["nothing changed"].append(measure(command, root))
            _edit(sorted((root / "posts").glob("*.md"))[args.posts // 2])
            runs[name]["one prose edit"].append(measure(command, root))
    print(f"{args.posts} synthetic posts, {os.cpu_count()} cores, best of {args.repeat}")
    for case in ("cold", "nothing changed", "one prose edit"):
        print(f"{case}:")
        base = runs["both off"][case]
        base_wall = min(r.seconds for r in base)
        base_cpu = min(r.cpu for r in base)
        for name in roots:
            wall = min(r.seconds for r in runs[name][case])
            cpu = min(r.cpu for r in runs[name][case])
            print(f"  {name:<16} {wall:7.2f} s ({wall / base_wall:5.2f}x)"
                  f"  cpu {cpu:7.2f} s ({cpu / base_cpu:5.2f}x)")
    print("ratios are to the build with search and cards off, measured in the same run")
    empty_trash()


if __name__ == "__main__":
    main()
