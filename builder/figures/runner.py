"""Worker processes for figure code: started on demand, fed jobs, killed at their limits.

One worker per job slot (``--jobs``). The build never runs an author's line itself: it sends
a job, then waits for messages with the running block's timeout. A worker that goes silent
past it is killed; one that dies (``os._exit``, a signal, the memory limit) is reported with
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


class Worker:
    """One ``python -m builder.figures.worker`` process and its private pipes."""

    def __init__(self, memory_mb: int, cwd: Path) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
               "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "builder.figures.worker", str(to_child_r), str(from_child_w),
             str(memory_mb), str(os.getpid())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            pass_fds=(to_child_r, from_child_w), cwd=cwd, env=env,
            start_new_session=True,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self.send_conn = Connection(to_child_w, readable=False)
        self.recv_conn = Connection(from_child_r, writable=False)
        self.ready = False

    def wait_ready(self, timeout: float) -> bool:
        if not self.ready:
            self.ready = self.recv_conn.poll(timeout) and self._recv()[0] == "ready"
        return self.ready

    def _recv(self) -> tuple[str, Any]:
        return self.recv_conn.recv()

    def run(self, job: Job, cancelled: threading.Event) -> JobOutcome:
        outcome = JobOutcome(job)
        if not self.wait_ready(120):
            outcome.failure = self._death(None, "the figure worker did not start")
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
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.wait()
        stderr = self.process.stderr.read().decode("utf-8", "replace") if self.process.stderr \
            else ""
        if message is None:
            if code < 0:
                name = signal.Signals(-code).name
                message = f"the figure worker was killed by {name}"
                if -code == signal.SIGKILL:
                    message += " (out of memory?)"
            else:
                message = f"the figure worker exited with code {code}"
            if "MemoryError" in stderr:
                message = "the figure worker ran out of memory (the limit is set by " \
                          "'figures.memory_limit_mb' in site.toml)"
        return {"index": index, "message": message, "details": stderr[-4000:]}

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.send_conn.send(None)
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        for conn in (self.send_conn, self.recv_conn):
            conn.close()
        if self.process.stderr:
            self.process.stderr.close()


class WorkerPool:
    """Runs jobs on up to ``size`` workers; workers start lazily and are reused."""

    def __init__(self, size: int, memory_mb: int, cwd: Path) -> None:
        self.size, self.memory_mb, self.cwd = size, memory_mb, cwd
        self.idle: list[Worker] = []
        self.lock = threading.Lock()
        self.cancelled = threading.Event()

    def _take(self) -> Worker:
        with self.lock:
            while self.idle:
                worker = self.idle.pop()
                if worker.alive():
                    return worker
                worker.close()
        return Worker(self.memory_mb, self.cwd)

    def _give_back(self, worker: Worker) -> None:
        if worker.alive():
            with self.lock:
                self.idle.append(worker)
        else:
            worker.close()

    def run_all(self, jobs: list[Job], on_outcome: Callable[[JobOutcome], None]) -> None:
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
                        outcome = worker.run(job, self.cancelled)
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
        except BaseException:
            self.cancelled.set()
            raise
        if crashes:
            raise crashes[0]

    def close(self) -> None:
        with self.lock:
            workers, self.idle = self.idle, []
        for worker in workers:
            worker.close()
