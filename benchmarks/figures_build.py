"""The flagship post's figures: build-site against a plain script using matplotlib's writer.

    python -m benchmarks.figures_build

Runs, in one go: the baseline (the post's block code in one process, saving animations with
``Animation.save(writer="pillow")``, all at the pixel density build-site draws: twice the
dpi), then build-site cold, with nothing changed, after a prose edit and after editing one
block; then each animation encoded both ways. Prints times, peak memory, sizes and ratios.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.measure import best, discard, empty_trash, measure, precompile, row
from builder.config import FigureSettings

REPO = Path(__file__).resolve().parents[1]
WORK = Path(__file__).parent / ".work" / "flagship"
POST = "posts/2016-11-27-cnns-from-an-image-processing-perspective.md"
DPI = FigureSettings().dpi * FigureSettings().retina  # the pixels build-site draws

BASELINE = '''
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.animation import Animation
BLOCKS = {blocks!r}
for name, code in BLOCKS:
    lines = code.strip().split("\\n")
    namespace = {{}}
    exec("\\n".join(lines[:-1]), namespace)
    value = eval(lines[-1], namespace)
    if isinstance(value, Animation):
        value.save(name, writer="pillow", fps=1000 / value._interval, dpi={dpi})
    else:
        plt.gcf().savefig(name.replace(".gif", ".png"), dpi={dpi})
    plt.close("all")
'''


def _blocks() -> list[tuple[str, str]]:
    from builder.markdown.parser import parse_body
    from builder.sources.posts import read_source

    source = read_source(REPO / POST, REPO)
    text = source.text.split("---", 2)[2]
    body = parse_body(text, POST, 1)
    return [(b.options["file"], b.code) for b in body.blocks]


def _setup() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    for name in ("posts", "figures"):
        shutil.copytree(REPO / name, WORK / name)
    (WORK / "baseline").mkdir()
    (WORK / "baseline" / "baseline.py").write_text(BASELINE.format(blocks=_blocks(), dpi=DPI))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def gif_encoders() -> None:
    """Each animation of the post encoded by build-site's encoder and by matplotlib's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import Animation

    from builder.figures.capture import animation_frames
    from builder.figures.gif import encode_gif

    sys.path.insert(0, str(WORK))
    total_ours = total_theirs = 0.0
    print("GIF encoding, per animation (build-site encoder vs Animation.save pillow):")
    for name, code in _blocks():
        lines = code.strip().split("\n")
        runs = {}
        for way in ("ours", "theirs"):
            namespace: dict = {}
            exec("\n".join(lines[:-1]), namespace)
            anim = eval(lines[-1], namespace)
            if not isinstance(anim, Animation):
                break
            out = WORK / f"{way}-{name}"
            start = time.perf_counter()
            if way == "ours":
                encode_gif(animation_frames(anim, DPI, 10_000, 1, crop=False), anim._interval,
                           out)
            else:
                anim.save(out, writer="pillow", fps=1000 / anim._interval, dpi=DPI)
            runs[way] = (time.perf_counter() - start, out.stat().st_size)
            plt.close("all")
        if runs:
            (ours, ours_size), (theirs, theirs_size) = runs["ours"], runs["theirs"]
            total_ours += ours
            total_theirs += theirs
            print(f"  {name:<18} {ours:5.2f} s vs {theirs:5.2f} s ({theirs / ours:4.1f}x faster)"
                  f"   {ours_size / 1024:6.0f} KiB vs {theirs_size / 1024:6.0f} KiB")
    print(f"  {'all':<18} {total_ours:5.2f} s vs {total_theirs:5.2f} s "
          f"({total_theirs / total_ours:4.1f}x faster)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    precompile()
    _setup()
    tool = str(Path(sys.executable).parent / "build-site")
    build = [tool, "build", "-q"]
    baseline = measure([sys.executable, "baseline.py"], WORK / "baseline",
                       env={"PYTHONPATH": str(WORK)})

    def clean() -> None:
        for name in ("site", ".site.back", ".cache"):
            discard(WORK / name)

    cold = best(build, WORK, args.repeat, clean)
    unchanged = best(build, WORK, args.repeat)
    post = WORK / POST
    counter = iter(range(1000))
    prose = best(build, WORK, args.repeat,
                 lambda: _edit(post, "For now", f"For now ({next(counter)})"))
    block = best(build, WORK, args.repeat,
                 lambda: _edit(post, "animate_discrete(f, 2 * f)",
                               f"animate_discrete(f, 2 * f)  # {next(counter)}"))
    startup = measure([sys.executable, "-c", "import matplotlib.pyplot, numpy"], WORK)
    clean()
    timings = subprocess.run([*build[:-1], "--timings"], cwd=WORK, capture_output=True,
                             text=True, check=True).stderr
    print(f"flagship post, {len(_blocks())} figure blocks:")
    print(row("baseline script (matplotlib's PillowWriter)", baseline))
    print(row("build-site, cold", cold, baseline))
    print(row("build-site, nothing changed", unchanged, baseline))
    print(row("build-site, after a prose edit", prose, baseline))
    print(row("build-site, after editing one block", block, baseline))
    print(row("  of which: a worker's python + numpy + matplotlib start-up", startup))
    print("ratios are against the baseline script; peak is the largest single process")
    print("cold build stages: " + next(line for line in timings.splitlines()
                                       if "peak memory" in line))
    gif_encoders()
    empty_trash()


if __name__ == "__main__":
    main()
