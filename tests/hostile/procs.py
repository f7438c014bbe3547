"""Looking at processes this test started, and only those: by pid and start time, never
by name over the whole machine (other builds run beside these tests)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def identity(pid: int) -> str | None:
    """The process's start time (a pid can be reused; pid and start time cannot)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] == "Z" else fields[19]  # a zombie is as good as gone


def snapshot(pids: list[int]) -> dict[int, str]:
    return {pid: ident for pid in pids if (ident := identity(pid))}


def survivors(processes: dict[int, str], within: float) -> list[int]:
    """The processes still running after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        alive = [pid for pid, ident in processes.items() if identity(pid) == ident]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, walking ``/proc/PID/task/*/children`` down the tree."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def wait_for(path: Path, within: float = 60) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def start_build(root: Path, *args: str) -> subprocess.Popen[str]:
    """``build-site build`` in the background, as a terminal user would start it."""
    return subprocess.Popen([sys.executable, "-m", "builder", "build", "--root", str(root),
                             *args], cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ})


def spawner(folder: Path, then: str = "") -> str:
    """Figure code that starts processes every way a block can, writes their pids to
    ``folder/pids`` (whole, by a rename), then does ``then``."""
    return f"""
import os, subprocess, pathlib
out = pathlib.Path({str(folder)!r})
pids = [subprocess.Popen(["sleep", "987"]).pid,
        subprocess.Popen(["sleep", "987"], start_new_session=True).pid,
        subprocess.Popen(["setsid", "sleep", "987"]).pid]
child = os.fork()
if child == 0:
    os.execvp("sleep", ["sleep", "987"])
pids.append(child)
reader, writer = os.pipe()
if os.fork() == 0:  # a daemon: fork, setsid, fork again, exec
    os.setsid()
    grandchild = os.fork()
    if grandchild == 0:
        os.execvp("sleep", ["sleep", "987"])
    os.write(writer, str(grandchild).encode())
    os._exit(0)
os.close(writer)
pids.append(int(os.read(reader, 100)))
pids.append(os.getpid())
(out / "pids.tmp").write_text(" ".join(map(str, pids)))
(out / "pids.tmp").rename(out / "pids")
{then}
"""
