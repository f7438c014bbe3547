"""A real Dask cluster on loopback: a scheduler and worker processes started by the test
(``dask scheduler`` and ``dask worker``, as an operator starts them), each in its own
process group, all stopped at the end."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Cluster:
    address: str

    def worker_pids(self) -> set[int]:
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            return set(client.run(os.getpid).values())


def _start(args: list[str], env: dict[str, str] | None, log: Path) -> subprocess.Popen[bytes]:
    """One of the cluster's programs, in its folder (not the checkout: ``-m`` puts the
    working folder first on ``sys.path``, and a worker must import what it has installed)."""
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", *args], stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})}, start_new_session=True,
                                cwd=log.parent)


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _address(info: Path, scheduler: subprocess.Popen[bytes], log: Path) -> str:
    """The scheduler's address, once its file is written whole."""
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(OSError, ValueError, KeyError):
            return json.loads(info.read_text())["address"]
        if time.monotonic() > deadline or scheduler.poll() is not None:
            raise RuntimeError(log.read_text())
        time.sleep(0.1)


@contextlib.contextmanager
def dask_cluster(folder: Path, workers: int = 2,
                 worker_env: dict[str, str] | None = None) -> Iterator[Cluster]:
    folder.mkdir(parents=True, exist_ok=True)
    info = folder / "scheduler.json"
    processes = [_start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
                         "0", "--no-dashboard", "--scheduler-file", str(info)], None,
                        folder / "scheduler.log")]
    try:
        address = _address(info, processes[0], folder / "scheduler.log")
        processes.append(_start(
            ["distributed.cli.dask_worker", address, "--nworkers", str(workers),
             "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard",
             "--local-directory", str(folder / "workers")], worker_env, folder / "workers.log"))
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=90)
        yield Cluster(address)
    finally:
        for process in reversed(processes):
            _stop(process)
