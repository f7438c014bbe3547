"""The keeper of one figure worker: the only process the build starts to run authors' code.

It runs as ``python -m builder.figures.sandbox JOBS RESULTS MEMORY_MB`` and forks the worker
(``worker.serve``), then stays behind, running nothing of the author's, so it is always
able to act however the worker is stuck (a long C call holds the worker's every thread):

- it is a subreaper: whatever the worker starts (a subprocess, ``fork``, a daemon that
  forked twice and called ``setsid``) stays below it, and dies with it;
- standard input is its lifeline from the build. EOF, which the kernel delivers when the
  build exits or is killed, however, means: kill the worker and everything below it, now;
- the worker gets SIGKILL from the kernel if the keeper itself dies (``PR_SET_PDEATHSIG``);
- when the worker ends it says how on standard output (``exit 3``, ``signal 9``) and goes.

Standard error is shared with the worker and read by the build as it comes, so neither can
block on a full pipe. Not a security boundary: see the README.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import traceback

from builder import procutil


def _wait_for_either(worker: int) -> bool:
    """Block until the worker ends (True) or the lifeline says stop (False)."""
    try:
        handle: int | None = os.pidfd_open(worker)
    except (AttributeError, OSError):  # kernels before 5.3: look every 50 ms
        handle = None
    watched = [0] if handle is None else [0, handle]
    try:
        while True:
            ready, _, _ = select.select(watched, [], [], None if handle is not None else 0.05)
            if 0 in ready:
                return False  # EOF or a byte: either way the build wants the worker gone
            if handle in ready or (handle is None and os.waitid(
                    os.P_PID, worker, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None):
                return True
    finally:
        if handle is not None:
            os.close(handle)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit {os.waitstatus_to_exitcode(status)}"


def main() -> None:
    jobs, results, memory_mb = (int(a) for a in sys.argv[1:4])
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # the build decides, through the lifeline
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    procutil.become_subreaper()
    keeper = os.getpid()
    worker = os.fork()
    if worker == 0:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        procutil.die_with_parent(keeper)
        nothing = os.open(os.devnull, os.O_RDWR)
        os.dup2(nothing, 0)  # input() fails at once; the lifeline is not the worker's
        os.dup2(nothing, 1)  # C code printing goes nowhere; Python's print is captured
        os.close(nothing)
        from builder.figures.worker import serve

        try:
            serve(jobs, results, memory_mb)
        except BaseException:
            traceback.print_exc()  # to the build, which shows it if the worker fails
            os._exit(1)
        os._exit(0)
    os.close(jobs)
    os.close(results)
    ended = _wait_for_either(worker)
    if not ended:
        os.kill(worker, signal.SIGKILL)
    _, status = os.waitpid(worker, 0)
    procutil.kill_descendants()
    if ended:
        with contextlib.suppress(OSError):  # the build may be gone already
            os.write(1, f"{_describe(status)}\n".encode())


if __name__ == "__main__":
    main()
