"""Child processes that never outlive the build that started them.

A killed build must not leave workers behind: they would hold its lock and its memory. On
Linux the kernel delivers SIGKILL to a child whose parent dies (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Run first thing in a child process; ``parent`` is the pid of the process that forked it."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def start_forked_worker(parent: int) -> None:
    """A forked pool worker's set-up: die with the build, and keep the garbage collector
    off the memory inherited from it. That memory is only read; collecting it would write
    to every page of it (copying it) and cost time for nothing, and the Markdown parser's
    many short-lived objects need collecting rarely, not every 700 allocations."""
    import gc

    die_with_parent(parent)
    gc.freeze()
    gc.set_threshold(10_000, 50, 50)


def watch_parent(parent: int, interval: float = 0.5) -> None:
    """Exit when ``parent`` goes away, whichever of its threads started this process.

    ``PR_SET_PDEATHSIG`` fires when the *thread* that spawned a child ends, which is wrong for
    a long-lived worker started from a short-lived thread; polling the parent id is not.
    """
    import threading
    import time

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(interval)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def can_fork() -> bool:
    """Forking copies only the calling thread: safe while no other thread runs (the preview
    server runs several), and only on POSIX."""
    return os.name == "posix" and threading.active_count() == 1


def process_pool(jobs: int, fork: bool) -> ProcessPoolExecutor:
    """A pool of ``jobs`` workers. Forked workers inherit the build's memory and die with it;
    otherwise they come from a fork server (their parent is the server, not the build)."""
    import multiprocessing

    if fork:
        return ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
            initializer=start_forked_worker, initargs=(os.getpid(),),
        )
    return ProcessPoolExecutor(max_workers=jobs,
                               mp_context=multiprocessing.get_context("forkserver"))
