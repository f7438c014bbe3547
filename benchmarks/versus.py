"""This checkout's build-site against another one (say, main's) on the same sites, in one run.

    python -m benchmarks.versus --other ../main/.venv/bin/build-site [--posts 1000]

Builds the synthetic corpus (``benchmarks.site_build``'s) and the flagship post
(``benchmarks.figures_build``'s) with both programs, taking turns run by run: cold (no
site, no cache), nothing changed, one prose edit, and for the flagship one edited block.
Prints each one's best time and the median of the turn-by-turn ratios (this one / the
other), of wall-clock time and of CPU time (user and system, of every process): on a shared
or drifting machine only ratios measured side by side mean anything, and CPU time is the
less disturbed by other work.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from statistics import median

from benchmarks.corpus import write_corpus
from benchmarks.figures_build import POST, REPO
from benchmarks.measure import Run, discard, empty_trash, measure
from benchmarks.site_build import fastest

WORK = Path(__file__).parent / ".work" / "versus"
_OUTPUTS = ("site", ".site.back", ".cache")


def _synthetic(root: Path, posts: int) -> Callable[[int], None]:
    write_corpus(root / "posts", posts)
    (root / "site.toml").write_text('base_url = "http://example.org/"\n')
    post = sorted((root / "posts").glob("*.md"))[posts // 2]

    def edit(turn: int) -> None:
        text = post.read_text(encoding="utf-8")
        head, tail = text.split("\n\n## Section 1", 1)
        post.write_text(f"{head} Edit {turn}.\n\n## Section 1{tail}", encoding="utf-8")

    return edit


def _flagship(root: Path) -> Callable[[int], None]:
    for name in ("posts", "figures"):
        shutil.copytree(REPO / name, root / name)
    post = root / POST

    def edit(turn: int) -> None:
        text = post.read_text(encoding="utf-8")
        post.write_text(text.replace("For now", f"For now ({turn})", 1), encoding="utf-8")

    return edit


def _block_edit(root: Path) -> Callable[[int], None]:
    post = root / POST

    def edit(turn: int) -> None:
        text = post.read_text(encoding="utf-8")
        old = "animate_discrete(f, 2 * f)"
        post.write_text(text.replace(old, f"{old}  # {turn}", 1), encoding="utf-8")

    return edit


def _compare(name: str, programs: dict[str, str], setup: Callable[[Path], Callable[[int], None]],
             repeat: int, block_edit: bool) -> None:
    roots = {who: WORK / name / who for who in programs}
    edits = {}
    for who, root in roots.items():
        discard(root)
        root.mkdir(parents=True)
        edits[who] = setup(root)
    def cold(who: str, _: int) -> None:
        for out in _OUTPUTS:
            discard(roots[who] / out)

    cases: dict[str, Callable[[str, int], None] | None] = {
        "cold": cold,
        "nothing changed": None,
        "one prose edit": lambda who, turn: edits[who](turn),
    }
    if block_edit:
        blocks = {who: _block_edit(root) for who, root in roots.items()}
        cases["one block edited"] = lambda who, turn: blocks[who](turn)
    print(f"{name}:")
    for case, before in cases.items():
        runs: dict[str, list[Run]] = {who: [] for who in programs}
        order = list(programs)
        for turn in range(repeat):
            for who in order if turn % 2 == 0 else order[::-1]:
                if before is not None:
                    before(who, turn)
                runs[who].append(measure([programs[who], "build", "-q"], roots[who]))
        this, other = fastest(runs["this"]), fastest(runs["other"])
        pairs = list(zip(runs["this"], runs["other"], strict=True))
        ratios = sorted(a.seconds / b.seconds for a, b in pairs)
        cpu = sorted(a.cpu / b.cpu for a, b in pairs)
        print(f"  {case:<17} this {this.seconds:6.2f} s, other {other.seconds:6.2f} s: "
              f"best {this.seconds / other.seconds:.3f}x, turn by turn median "
              f"{median(ratios):.3f}x ({ratios[0]:.2f}-{ratios[-1]:.2f}x); CPU time "
              f"median {median(cpu):.3f}x ({cpu[0]:.2f}-{cpu[-1]:.2f}x)")


def _precompile(program: str) -> None:
    """Write the bytecode of the builder a program runs, with its own Python: with
    PYTHONDONTWRITEBYTECODE set, one whose bytecode is missing compiles every module on every
    run, and loses by that alone."""
    with open(program, "rb") as handle:
        python = handle.readline().decode().removeprefix("#!").strip()
    subprocess.run([python, "-c", "import builder, compileall, os; "
                    "compileall.compile_dir(os.path.dirname(builder.__file__), quiet=1)"],
                   check=True, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--other", required=True, help="the other checkout's build-site")
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-flagship", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    this = shutil.which("build-site", path=str(Path(sys.executable).parent))
    if this is None or not Path(args.other).is_file():
        raise SystemExit("build-site not found here, or --other is not a file")
    programs = {"this": this, "other": str(Path(args.other).resolve())}
    for program in programs.values():
        _precompile(program)
    print(f"this: {this}\nother: {programs['other']}\n{os.cpu_count()} cores, "
          f"{args.repeat} turns each; ratios are this / other (below 1.00x: this is faster)")
    _compare(f"{args.posts} synthetic posts", programs,
             lambda root: _synthetic(root, args.posts), args.repeat, block_edit=False)
    if not args.skip_flagship:
        _compare("the flagship post", programs, _flagship, args.repeat, block_edit=True)
    empty_trash()


if __name__ == "__main__":
    main()
