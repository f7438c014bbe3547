"""What the figure stage runs its jobs on: an executor.

The stage plans jobs (the blocks of one post that share a namespace) and hands them to an
executor, which runs each and reports its outcome; it never cares where. Two exist: the
local pool of worker processes (``runner.WorkerPool``, the default) and a Dask cluster
(``dask_executor.DaskExecutor``, ``build --executor dask``), which runs each job on a Dask
worker through the same local machinery (a worker process below its keeper, with its limits)
and ships the images back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from builder.figures.runner import Job, JobOutcome


class Executor(Protocol):
    def run_all(self, jobs: list[Job], on_outcome: Callable[[JobOutcome], None],
                on_start: Callable[[Job, int], None] | None = None) -> None:
        """Run every job; call ``on_outcome`` with each outcome (from any thread, one at a
        time) and ``on_start`` as each block starts. Ctrl-C stops every job before it goes
        on."""

    def describe(self, jobs: int) -> str:
        """Where ``jobs`` jobs run, for the build's progress line ("2 workers")."""

    def close(self) -> None:
        """Stop everything it started."""


# Makes the executor of a build that has blocks to run: (jobs, memory limit in MB, project).
ExecutorFactory = Callable[[int, int, Path], Executor]
