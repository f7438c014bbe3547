"""Time a command and the peak memory of its largest process, in a fresh wrapper each time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.DEVNULL,
                      stderr=subprocess.PIPE)
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": elapsed, "peak_mb": usage.ru_maxrss / 1024,
                  "cpu": usage.ru_utime + usage.ru_stime, "code": done.returncode,
                  "stderr": done.stderr.decode(errors="replace")[-2000:]}))
"""


def precompile() -> None:
    """Write the builder's bytecode once, as a non-editable install would: with
    PYTHONDONTWRITEBYTECODE set (as on this machine), every run would recompile it."""
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "builder"), quiet=1)


TRASH = Path(__file__).parent / ".work" / ".trash"


def discard(path: Path) -> None:
    """Move ``path`` out of the way instead of deleting it; ``empty_trash`` deletes it later.

    Deleting thousands of files right before a timed build slows that build down: ext4
    without a journal (as here) skips inodes freed in the last 30 s when it allocates new
    ones, so a "cold" build after ``rm -rf site`` pays for the deletion, and more with every
    repeat. A real cold build (a fresh clone) does not; the timed runs must not either.
    """
    if not path.exists() and not path.is_symlink():
        return
    TRASH.mkdir(parents=True, exist_ok=True)
    os.rename(path, TRASH / f"{len(os.listdir(TRASH))}-{path.name}")


def empty_trash() -> None:
    shutil.rmtree(TRASH, ignore_errors=True)


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    cpu: float  # user + system seconds of every process it ran: the work, however spread


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    result = subprocess.run([sys.executable, "-c", _WRAPPER, str(cwd), *command],
                            capture_output=True, text=True, env={**os.environ, **(env or {})},
                            check=True)
    data = json.loads(result.stdout)
    if data["code"] != 0:
        raise RuntimeError(f"{command} failed:\n{data['stderr']}")
    return Run(data["seconds"], data["peak_mb"], data["cpu"])


def best(command: list[str], cwd: Path, repeat: int, before: object = None) -> Run:
    """The fastest of ``repeat`` runs (``before()`` resets state first), and its memory."""
    runs = []
    for _ in range(repeat):
        if callable(before):
            before()
        runs.append(measure(command, cwd))
    return min(runs, key=lambda r: r.seconds)


def row(name: str, run: Run, baseline: Run | None = None) -> str:
    ratio = f"{run.seconds / baseline.seconds:6.2f}x" if baseline else "       "
    return (f"  {name:<44} {run.seconds:7.2f} s  {ratio}  peak {run.peak_mb:6.0f} MiB"
            f"  cpu {run.cpu:6.2f} s")
