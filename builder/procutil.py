"""Child processes that never outlive the build that started them.

A killed build must not leave processes behind: they would hold its lock, its memory and a
core. Three things of the kernel do it, none of which needs a thread that could be starved:

- ``PR_SET_PDEATHSIG``: the kernel sends SIGKILL to a child when the thread that made it ends;
- ``PR_SET_CHILD_SUBREAPER``: orphans below a process are handed to it rather than to init,
  so it can find and kill everything a figure block started, even a daemon that forked
  twice and called ``setsid``;
- a pipe: when every holder of its write end is gone (killed too), its reader sees EOF.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> bool:
    if sys.platform != "linux":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(option, value, 0, 0, 0) == 0


def die_with_parent(parent: int) -> None:
    """Run first thing in a child process; ``parent`` is the pid of the process that forked
    it, from a thread that lives as long as that process (the signal follows the thread)."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def become_subreaper() -> bool:
    """Have orphaned descendants handed to this process (Linux 3.4+, no privilege needed)."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def children(pid: int | None = None) -> set[int]:
    """The live children of ``pid`` (default: this process), from ``/proc``."""
    pid = pid or os.getpid()
    found: set[int] = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    listed = False
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.update(int(p) for p in handle.read().split())
            listed = True
        except OSError:
            pass
    if listed:
        return found
    for entry in os.listdir("/proc"):  # kernels without CONFIG_PROC_CHILDREN
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                with open(f"/proc/{entry}/stat") as handle:
                    stat = handle.read()
                if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                    found.add(int(entry))
    return found


def reap() -> None:
    """Collect every child that has exited (zombies hold a process slot)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_descendants(spare: int | None = None, patience: float = 5.0) -> None:
    """SIGKILL every child but ``spare``, again and again until none is left.

    Called in a subreaper: a killed child's own children are handed to it, to be killed in
    the next round, so a whole tree goes, however deep and whatever sessions it made."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        reap()
        living = children() - {spare}
        if not living:
            return
        for pid in living:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.002)


def start_forked_worker(parent: int) -> None:
    """A forked pool worker's set-up: die with the build, and keep the garbage collector
    off the memory inherited from it. That memory is only read; collecting it would write
    to every page of it (copying it) and cost time for nothing, and the Markdown parser's
    many short-lived objects need collecting rarely, not every 700 allocations."""
    import gc

    die_with_parent(parent)
    gc.enable()  # the build paused it (gc_paused); a worker's garbage is its own
    gc.freeze()
    gc.set_threshold(10_000, 50, 50)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a build runs. A build makes a million objects
    that live until it ends (every post's metadata, their pages' keys): each pass of the
    collector walks them all, and those passes cost a 10,000-post build that changes
    nothing as much as all its own work (measured: 2.6 s against 1.4 s). Whatever
    reference cycles the build leaves are collected when it is done."""
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def can_fork() -> bool:
    """Forking copies only the calling thread: safe while no other thread runs (the preview
    server runs several), and only on POSIX."""
    return os.name == "posix" and threading.active_count() == 1


def process_pool(jobs: int, fork: bool) -> ProcessPoolExecutor:
    """A pool of ``jobs`` workers. Forked workers inherit the build's memory and die with it;
    otherwise they come from a fork server (their parent is the server, not the build)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if fork:
        return ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
            initializer=start_forked_worker, initargs=(os.getpid(),),
        )
    return ProcessPoolExecutor(max_workers=jobs,
                               mp_context=multiprocessing.get_context("forkserver"))
