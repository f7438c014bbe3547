"""A "heavy site": posts whose figure blocks each burn about a CPU-second.

    python -m benchmarks.heavy_site                       # 60 posts x 4 blocks x 1 CPU-s
    python -m benchmarks.heavy_site --posts 20 --seconds 0.5

Builds it from scratch (no ``.cache``) with the local pool of ``--jobs`` worker processes
(the baseline) and on Dask clusters of 1, 2 and 4 worker processes started on this machine
beforehand (a scheduler and ``dask worker`` each, as a standing cluster is), taking turns
``--repeat`` times (the best of each counts); then twice with a shared figure cache in a
real S3-compatible store (moto's server on loopback): on a first machine, which runs
everything and writes it to the store, and on a "fresh machine" (a copy of the project
without ``.cache`` or ``site``), which should run nothing, and for comparison the same
build of the site from the first machine's own cache. Prints wall times, ratios to the
local pool, and the blocks each build ran.

Every block is its own job (they share no names), so the executor can spread all of them.
Their work is plain Python arithmetic, calibrated here to ``--seconds`` each, so it uses
one core, whatever the BLAS, and its figure is the same bytes wherever it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.measure import precompile

WORK = Path(__file__).parent / ".work" / "heavy"

BLOCK = '''```{{python}}
#| label: fig-p{post}-b{block}
import matplotlib.pyplot as plt
total, trace = 0, []
for i in range({loops}):
    total = (total * 31 + i * i) % 1_000_003
    if i % {step} == 0:
        trace.append(total)
plt.figure(figsize=(2, 1.2))
plt.plot(trace)
```
'''


def _loops(seconds: float) -> int:
    """Iterations of the blocks' loop that take ``seconds`` of CPU here."""
    loops, started = 2_000_000, time.process_time()
    total = 0
    for i in range(loops):
        total = (total * 31 + i * i) % 1_000_003
    return int(loops * seconds / max(time.process_time() - started, 1e-6))


def _write_site(root: Path, posts: int, blocks: int, loops: int) -> None:
    shutil.rmtree(root, ignore_errors=True)
    (root / "posts").mkdir(parents=True)
    (root / "site.toml").write_text('title = "Heavy"\n')
    for p in range(posts):
        text = f"---\ntitle: Heavy {p}\ndate: 2023-01-{p % 28 + 1:02d}\n---\n\nPost {p}.\n\n"
        text += "\n".join(BLOCK.format(post=p, block=b, loops=loops + p * 7 + b,
                                       step=max(loops // 50, 1)) for b in range(blocks))
        (root / "posts" / f"2023-01-{p % 28 + 1:02d}-heavy-{p}.md").write_text(text)


def _build(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """A build's wall time and the blocks it ran and took from a cache."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "builder", "build", "--root", str(root), *args],
                          capture_output=True, text=True, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    found = re.search(r"ran (\d+) figure blocks? \((\d+) cached\)", done.stderr)
    assert found, done.stderr
    return seconds, int(found.group(1)), int(found.group(2))


def _fresh(root: Path) -> None:
    for name in (".cache", "site"):
        shutil.rmtree(root / name, ignore_errors=True)




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=60)
    parser.add_argument("--blocks", type=int, default=4, help="blocks per post")
    parser.add_argument("--seconds", type=float, default=1.0, help="CPU seconds per block")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="the local pool's worker processes")
    parser.add_argument("--workers", default="1,2,4",
                        help="Dask worker processes to try ('' for none)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of the pool and clusters, taking turns; the best counts")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.daskcluster import dask_cluster
    from tests.s3server import BUCKET, s3_server

    precompile()
    loops = _loops(args.seconds)
    root = WORK / "site"
    _write_site(root, args.posts, args.blocks, loops)
    total = args.posts * args.blocks
    cores = os.cpu_count() or 1
    print(f"heavy site: {args.posts} posts x {args.blocks} blocks of ~{args.seconds:g} CPU-s "
          f"({total} blocks, {total * args.seconds:g} CPU-s: at best "
          f"{total * args.seconds / cores:g} s on the {cores} cores here, which other work "
          "shares: compare the ratios, not the seconds)")
    rows: list[tuple[str, float, int, int]] = []
    _fresh(root)
    _build(root, "-j", str(args.jobs))  # untimed: the disk's and Python's caches warm up
    with contextlib.ExitStack() as clusters:
        setups = [(f"local pool, {args.jobs} worker processes", ("-j", str(args.jobs)))]
        for count in (int(n) for n in args.workers.split(",") if n):
            cluster = clusters.enter_context(dask_cluster(WORK / f"dask-{count}", count))
            setups.append((f"Dask cluster, {count} worker process{'es' if count > 1 else ''}",
                           ("--scheduler", cluster.address)))
        best: dict[str, tuple[float, int, int]] = {}
        for _ in range(args.repeat):  # taking turns: the machine's speed drifts
            for name, options in setups:
                _fresh(root)
                best[name] = min(best.get(name, (float("inf"), 0, 0)), _build(root, *options))
        rows += [(name, *best[name]) for name, _ in setups]
    with s3_server() as s3:
        (root / "site.toml").write_text(
            f'title = "Heavy"\n\n[figures]\ncache = "s3://{BUCKET}/heavy"\n')
        _fresh(root)
        rows.append(("shared cache (S3), first machine: runs all, writes",
                     *_build(root, "-j", str(args.jobs), env=s3.env)))
        fresh = WORK / "fresh-machine"
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(root, fresh, ignore=shutil.ignore_patterns(".cache", "site"))
        rows.append(("shared cache (S3), fresh machine: reads",
                     *_build(fresh, "-j", str(args.jobs), env=s3.env)))
        folder = WORK / "shared-folder"  # the same store as a shared folder, to tell the
        shutil.rmtree(folder, ignore_errors=True)  # store's cost from the client's
        s3.filesystem().get(f"{BUCKET}/heavy/", str(folder), recursive=True)
        other = WORK / "fresh-machine-2"
        shutil.rmtree(other, ignore_errors=True)
        shutil.copytree(root, other, ignore=shutil.ignore_patterns(".cache", "site"))
        (other / "site.toml").write_text(f'title = "Heavy"\n\n[figures]\ncache = "{folder}"\n')
        rows.append(("shared cache (a folder), fresh machine: reads",
                     *_build(other, "-j", str(args.jobs))))
        shutil.rmtree(root / "site")  # what the fresh machine's build costs without the store
        rows.append(("  the same from the first machine's own cache",
                     *_build(root, "-j", str(args.jobs), env=s3.env)))
    base = rows[0][1]
    print(f"  {'build (from scratch)':<54} {'wall':>8}  {'ratio':>6}  {'ran':>5}  cached")
    for name, seconds, ran, cached in rows:
        print(f"  {name:<54} {seconds:7.2f}s  {seconds / base:5.2f}x  {ran:5d}  {cached:5d}")


if __name__ == "__main__":
    main()
