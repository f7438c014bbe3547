"""``build --executor dask``: figure jobs run on a Dask distributed cluster.

The stage plans jobs as always; this executor submits each as a Dask task
(``dask_remote.run_job``), which runs it on a worker through the same worker process, keeper
and limits as a local build, and sends back the results and the bytes of the files the job
made. They are written where a local worker would have left them, so the stage collects them
as it collects local ones: errors map to the post's lines, images go into the cache (and the
shared cache), and the pages come out the same bytes.

Workers must be able to make the same bytes: the same Python, libraries, processor, OS and
build-site, and the project at the same path with the same files. Every worker is asked as
the build starts, every task asks again, and every project file a block read on a worker is
compared with this checkout's when its results come back; any difference stops the build
with one line saying which worker differs and how.

Without ``--scheduler`` (or Dask's ``DASK_SCHEDULER_ADDRESS``) a cluster of ``--jobs``
worker processes is started on this machine for the build.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from builder.errors import BuildError, plural
from builder.figures.runner import Job, JobOutcome
from builder.fsutil import file_digest, listing_digest

_CONNECT_S = 30  # to reach the scheduler, and for a first worker to be there
_HINT = ("Dask workers need the same Python, libraries and build-site as the build, and the "
         "project at the same path with the same files")


def _refuse(worker: str, problem: str) -> BuildError:
    return BuildError(f"--executor dask: the Dask worker {worker} {problem}", hint=_HINT)


def differing_file(root: Path, output: str | None, results: list[dict[str, Any]]) -> str | None:
    """How the project files the blocks read on a worker differ from this checkout's (as
    the cache sees them: ``FigureCache.current_digest``), or None."""
    for result in results:
        for rel, sha in result.get("deps", {}).items():
            path = root / rel  # or an absolute path, outside the project
            here = listing_digest(path, {output} if output else set()) if rel.endswith("/") \
                else file_digest(path)
            if here != sha:
                return f"read another {rel} than this checkout's" if here is not None \
                    else f"read {rel}, which this checkout does not have"
    return None


class DaskExecutor:
    def __init__(self, jobs: int, memory_mb: int, root: Path,
                 scheduler: str | None = None) -> None:
        try:
            import dask
            import distributed
        except ImportError:
            raise BuildError("--executor dask needs Dask: pip install 'build-site[distributed]'"
                             ) from None
        from builder.figures.dask_remote import environment

        self.memory_mb, self.root = memory_mb, root
        self.cluster: Any = None
        address = scheduler or dask.config.get("scheduler-address", None)
        try:
            if address is None:
                self.cluster = distributed.LocalCluster(
                    n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                    dashboard_address=None, silence_logs=logging.ERROR)
                address = self.cluster.scheduler_address
            self.client = distributed.Client(address, timeout=_CONNECT_S)
        except (OSError, TimeoutError, ValueError) as exc:  # ValueError: not an address
            self.close()
            raise BuildError(f"--executor dask: cannot reach the Dask scheduler at {address} "
                             f"({type(exc).__name__}: {exc})") from None
        self.address = address
        self.expected = environment()
        self.token = uuid.uuid4().hex[:12]
        try:
            self.client.wait_for_workers(1, timeout=_CONNECT_S)
        except (OSError, TimeoutError):
            self.close()
            raise BuildError(f"--executor dask: no worker joined the Dask scheduler at "
                             f"{address} within {_CONNECT_S} s") from None

    def describe(self, jobs: int) -> str:
        workers = len(self.client.scheduler_info().get("workers", {}))
        return (f"{plural(workers, 'Dask worker')} (a local cluster)" if self.cluster else
                f"{plural(workers, 'Dask worker')} of the scheduler at {self.address}")

    def _check_workers(self, jobs: list[Job]) -> None:
        from builder.figures.dask_remote import problem

        posts = {job.post: self._post_digest(job) for job in jobs}
        answers = self.client.run(problem, self.expected, str(self.root), posts,
                                  on_error="return")
        for worker, found in sorted(answers.items()):
            if isinstance(found, BaseException):  # no build-site there, or a broken one
                raise _refuse(worker, f"cannot run build-site's check ({type(found).__name__}: "
                                      f"{found})")
            if found:
                raise _refuse(worker, found)

    def _post_digest(self, job: Job) -> str:
        return file_digest(Path(job.payload["post_path"])) or ""

    def run_all(self, jobs: list[Job], on_outcome: Callable[[JobOutcome], None],
                on_start: Callable[[Job, int], None] | None = None) -> None:
        import distributed

        from builder.figures.dask_remote import run_job

        self._check_workers(jobs)
        topic = f"build-site-{self.token}"
        if on_start is not None:
            self.client.subscribe_topic(
                topic, lambda event: on_start(jobs[event[1][0]], event[1][1]))
        futures = {}
        for number, job in enumerate(jobs):
            task = {"number": number, "post": job.post, "payload": job.payload,
                    "timeouts": job.timeouts, "lines": job.lines, "memory_mb": self.memory_mb,
                    "post_digest": self._post_digest(job)}
            future = self.client.submit(run_job, task, self.expected, topic, pure=False,
                                        key=f"build-site-{self.token}-{number}")
            futures[future.key] = (future, job)
        try:
            for future, answer in distributed.as_completed(
                    [f for f, _ in futures.values()], with_results=True, raise_errors=False):
                job = futures[future.key][1]
                if isinstance(answer, BaseException):
                    outcome = JobOutcome(job, failure={
                        "index": next(iter(job.lines)),
                        "message": f"its Dask task failed ({type(answer).__name__}: {answer})"})
                elif "refused" in answer:
                    raise _refuse(answer["worker"], answer["refused"])
                else:
                    outcome = self._outcome(job, answer)
                on_outcome(outcome)
        except BaseException:  # Ctrl-C, a refusal: no task goes on running for nothing
            self.client.cancel([f for f, _ in futures.values()], force=True)
            raise
        finally:
            if on_start is not None:
                self.client.unsubscribe_topic(topic)

    def _outcome(self, job: Job, answer: dict[str, Any]) -> JobOutcome:
        """The job's outcome as a local worker leaves it: its files in the job's folder."""
        out_dir = Path(job.payload["out_dir"])
        for rel, data in answer["files"].items():
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for result in answer["results"]:
            for item in result.get("files", []):
                item["path"] = str(out_dir / item["path"])
        differs = differing_file(self.root, job.payload.get("output"), answer["results"])
        if differs:
            raise _refuse(answer["worker"], differs)
        return JobOutcome(job, answer["results"], answer["failure"])

    def close(self) -> None:
        for thing in (getattr(self, "client", None), self.cluster):
            if thing is not None:
                with contextlib.suppress(OSError, RuntimeError, TimeoutError):
                    thing.close()  # going away anyway
        self.cluster = None


def _silence() -> None:
    """Dask's own log lines about closing connections say nothing to an author."""
    for name in ("distributed", "distributed.client", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.ERROR)


_silence()
