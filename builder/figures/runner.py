"""Worker processes for figure code: started on demand, fed jobs, killed at their limits.

One worker per job slot (``--jobs``), each below its keeper (``sandbox.py``), which kills it
and everything it started when the build asks, exits or is killed. The build never runs an
author's line itself: it sends a job, then waits for messages with the running block's
timeout, reading the worker's standard error all along. A worker that goes silent past the
timeout is killed; one that dies (``os._exit``, a signal, the memory limit) is reported with
the block it was running, and a fresh worker takes the next job.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


@dataclass
class Job:
    """Blocks of one post to run in one namespace, in order."""

    post: str
    payload: dict[str, Any]
    timeouts: dict[int, float]  # block index -> seconds
    lines: dict[int, int]  # block index -> line of its fence in the post


@dataclass
class JobOutcome:
    job: Job
    results: list[dict[str, Any]] = field(default_factory=list)
    failure: dict[str, Any] | None = None  # the worker itself failed: timeout, crash


class _Drain:
    """Reads a worker's standard error as it comes, so the pipe never fills and blocks it
    (a C library's warnings, a flood of them): keeps the last ``keep`` bytes for reports."""

    def __init__(self, stream: Any, keep: int = 16_384) -> None:
        self.stream, self.keep = stream, keep
        self.tail = bytearray()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="worker-stderr", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        fd = self.stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.tail += chunk
                del self.tail[: max(0, len(self.tail) - self.keep)]

    def text(self, wait: float = 1.0) -> str:
        """What was written (its tail), once the writers are gone or ``wait`` s have passed."""
        self.thread.join(wait)
        with self.lock:
            return self.tail.decode("utf-8", "replace")


class Worker:
    """One worker process, started by its keeper (``builder.figures.sandbox``), and the pipes
    to it: jobs in, results out, standard error drained, and the keeper's lifeline."""

    def __init__(self, memory_mb: int, cwd: Path) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
               "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "builder.figures.sandbox", str(to_child_r),
                 str(from_child_w), str(memory_mb)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                pass_fds=(to_child_r, from_child_w), cwd=cwd, env=env,
                start_new_session=True,  # Ctrl-C in a terminal reaches the build only
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.send_conn = Connection(to_child_w, readable=False)
        self.recv_conn = Connection(from_child_r, writable=False)
        self.stderr = _Drain(self.process.stderr)
        self.ready = False

    def wait_ready(self, timeout: float) -> bool:
        if not self.ready:
            try:
                self.ready = self.recv_conn.poll(timeout) and self._recv()[0] == "ready"
            except (EOFError, OSError):
                self.ready = False
        return self.ready

    def _recv(self) -> tuple[str, Any]:
        return self.recv_conn.recv()

    def run(self, job: Job, cancelled: threading.Event,
            on_start: Callable[[Job, int], None] | None = None) -> JobOutcome:
        outcome = JobOutcome(job)
        if not self.wait_ready(120):
            outcome.failure = self._death(None, None if not self.alive() else
                                          "the figure worker did not start")
            return outcome
        self.send_conn.send(job.payload)
        current: int | None = None
        deadline = float("inf")
        while True:
            wait = min(0.25, max(0.0, deadline - time.monotonic()))
            try:
                has_message = self.recv_conn.poll(wait)
            except (EOFError, OSError):
                has_message = True
            if cancelled.is_set():
                self.kill()
                outcome.failure = {"index": current, "message": "build cancelled"}
                return outcome
            if has_message:
                try:
                    kind, data = self._recv()
                except (EOFError, OSError):
                    outcome.failure = self._death(current, None)
                    return outcome
                if kind == "start":
                    current = data
                    deadline = time.monotonic() + job.timeouts[data]
                    if on_start is not None:
                        on_start(job, data)
                elif kind == "done":
                    outcome.results.append(data)
                    current, deadline = None, float("inf")
                elif kind == "finished":
                    return outcome
            elif time.monotonic() >= deadline and current is not None:
                self.kill()
                limit = job.timeouts[current]
                outcome.failure = {
                    "index": current,
                    "message": f"timed out after {limit:g} s (the block's time limit; set it "
                               "with '#| timeout:' or 'figures.timeout' in site.toml)",
                }
                return outcome

    def _death(self, index: int | None, message: str | None) -> dict[str, Any]:
        """What became of a worker that went silent: the keeper says how it ended."""
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
        how = self.process.stdout.read().decode().split() if self.process.stdout else []
        stderr = self.stderr.text()
        if message is None:
            code = int(how[1]) if len(how) == 2 and how[1].lstrip("-").isdigit() else None
            if how and how[0] == "signal" and code is not None:
                name = signal.Signals(code).name
                message = f"the figure worker was killed by {name}"
                if code == signal.SIGKILL:
                    message += " (out of memory?)"
            elif code is not None:
                message = f"the figure worker exited with code {code}"
            else:
                message = "the figure worker stopped unexpectedly"
            if "MemoryError" in stderr:
                message = "the figure worker ran out of memory (the limit is set by " \
                          "'figures.memory_limit_mb' in site.toml)"
        return {"index": index, "message": message, "details": stderr[-4000:]}

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Have the keeper kill the worker and all it started (closing its lifeline), and
        wait until it has; a keeper that does not answer is killed with its process group."""
        if self.process.stdin and not self.process.stdin.closed:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.send_conn.send(None)
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
        for conn in (self.send_conn, self.recv_conn):
            conn.close()
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


class WorkerPool:
    """Runs jobs on up to ``size`` workers; workers start lazily and are reused."""

    def __init__(self, size: int, memory_mb: int, cwd: Path) -> None:
        self.size, self.memory_mb, self.cwd = size, memory_mb, cwd
        self.idle: list[Worker] = []
        self.busy: set[Worker] = set()
        self.lock = threading.Lock()
        self.cancelled = threading.Event()

    def _take(self) -> Worker:
        with self.lock:
            while self.idle:
                worker = self.idle.pop()
                if worker.alive():
                    self.busy.add(worker)
                    return worker
                worker.close()
        worker = Worker(self.memory_mb, self.cwd)
        with self.lock:
            self.busy.add(worker)
        return worker

    def _give_back(self, worker: Worker) -> None:
        with self.lock:
            self.busy.discard(worker)
            if worker.alive() and not self.cancelled.is_set():
                self.idle.append(worker)
                return
        worker.close()

    def run_all(self, jobs: list[Job], on_outcome: Callable[[JobOutcome], None],
                on_start: Callable[[Job, int], None] | None = None) -> None:
        self.cancelled.clear()
        pending: queue.Queue[Job] = queue.Queue()
        for job in jobs:
            pending.put(job)

        crashes: list[BaseException] = []

        def slot() -> None:
            try:
                while not self.cancelled.is_set():
                    try:
                        job = pending.get_nowait()
                    except queue.Empty:
                        return
                    worker = self._take()
                    try:
                        outcome = worker.run(job, self.cancelled, on_start)
                    finally:
                        self._give_back(worker)
                    on_outcome(outcome)
            except BaseException as exc:  # re-raised in the caller's thread, never lost
                crashes.append(exc)
                self.cancelled.set()

        threads = [threading.Thread(target=slot, daemon=True)
                   for _ in range(min(self.size, len(jobs)))]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.2)
        except BaseException:  # Ctrl-C: stop every worker before the build goes
            self.cancelled.set()
            self.close()
            raise
        if crashes:
            raise crashes[0]

    def describe(self, jobs: int) -> str:
        count = min(self.size, jobs)
        return f"{count} worker" + ("s" if count != 1 else "")

    def close(self) -> None:
        """Stop every worker, the busy ones too (they are killed, with all they started)."""
        with self.lock:
            idle, busy, self.idle = self.idle, list(self.busy), []
            self.busy.clear()
        for worker in busy:
            worker.kill()
        for worker in idle + busy:
            worker.close()
