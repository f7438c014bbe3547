"""What runs on a Dask worker: one job, through the same machinery as a local build.

A task checks that this worker can make what the build would make here (the same Python,
libraries, processor and OS, the same build-site and the post's file at the same path), then
runs the job in a figure worker process below its keeper (``runner.Worker``, with the memory
limit and the blocks' time limits), in a scratch folder of its own, and returns the results
with the bytes of every file the job made. Figure workers are kept warm between tasks, as
the local pool keeps them. The task watches its own state: when the build cancels it (Ctrl-C)
or goes away, the figure worker is killed with everything it started. Dask cannot stop a
running task's thread; this is how a remote block is stopped all the same.

This module imports Dask lazily too: it is loaded on the workers by the tasks themselves.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from builder.fsutil import digest, file_digest

_warm: dict[tuple[int, str], list[Any]] = {}  # (memory MB, project) -> idle figure workers
_lock = threading.Lock()


@functools.cache
def builder_fingerprint() -> str:
    """A hash of the code that runs blocks and makes their files: two installs of build-site
    that differ in it may make different bytes from the same block."""
    package = Path(__file__).resolve().parents[1]
    files = sorted([*package.glob("figures/*.py"), package / "procutil.py"])
    return digest(b"".join(f.name.encode() + b"\0" + f.read_bytes() for f in files))


def environment() -> dict[str, Any]:
    """What must be the same on the build's machine and on every worker."""
    from builder.figures.stage import library_versions, machine

    return {"versions": library_versions(), "machine": machine(),
            "builder": builder_fingerprint()}


def problem(expected: dict[str, Any], root: str, posts: dict[str, str]) -> str | None:
    """How this worker differs from the build (``expected`` is the build's ``environment``,
    ``posts`` its posts' hashes), or None."""
    here = environment()
    for name, theirs in expected["versions"].items():
        mine = here["versions"].get(name, "missing")
        if mine != theirs:
            what = "build-site's figure format" if name == "builder" else name
            return f"has {what} {mine}, the build has {theirs}"
    if here["machine"] != expected["machine"]:
        return f"runs on {'/'.join(here['machine'])}, the build on " \
               f"{'/'.join(expected['machine'])}"
    if here["builder"] != expected["builder"]:
        return "has another version of build-site (its figure code differs)"
    if not Path(root).is_dir():
        return f"has no project folder at {root}"
    for rel, sha in sorted(posts.items()):
        if file_digest(Path(root) / rel) != sha:
            return f"has a different {rel} in {root}"
    return None


def _take(memory_mb: int, root: str) -> Any:
    from builder.figures.runner import Worker

    with _lock:
        idle = _warm.setdefault((memory_mb, root), [])
        while idle:
            worker = idle.pop()
            if worker.alive():
                return worker
            worker.close()
    return Worker(memory_mb, Path(root))


def _give_back(worker: Any, memory_mb: int, root: str) -> None:
    if worker.alive():
        with _lock:
            _warm.setdefault((memory_mb, root), []).append(worker)
    else:
        worker.close()


def _watch(cancelled: threading.Event, done: threading.Event) -> None:
    """Set ``cancelled`` when this task is no longer wanted by the scheduler."""
    from distributed import get_worker

    worker = get_worker()
    key = worker.get_current_task()

    def run() -> None:
        while not done.wait(0.25):
            task = worker.state.tasks.get(key)
            if task is None or task.state not in ("executing", "long-running"):
                cancelled.set()
                return

    threading.Thread(target=run, name="build-site-watch", daemon=True).start()


def run_job(job: dict[str, Any], expected: dict[str, Any], topic: str) -> dict[str, Any]:
    """The Dask task: run one job here and return its outcome with its files' bytes."""
    from distributed import get_worker

    from builder.figures.runner import Job

    worker_info = get_worker()
    payload = job["payload"]
    refused = problem(expected, payload["root"], {job["post"]: job["post_digest"]})
    if refused:
        return {"refused": refused, "worker": worker_info.address}
    # where a local build keeps its scratch (tracking leaves .cache/ out of the dependencies;
    # named after this process, so a build on this machine removes it if the worker dies)
    tmp = Path(payload["root"]) / ".cache" / "figures" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-dask-", dir=tmp))
    out_dir = scratch / "out"
    payload = {**payload, "out_dir": str(out_dir), "scratch": str(scratch / "cwd")}
    out_dir.mkdir()
    runnable = Job(job["post"], payload, job["timeouts"], job["lines"])
    cancelled, done = threading.Event(), threading.Event()
    _watch(cancelled, done)
    memory_mb = job["memory_mb"]
    figure_worker = _take(memory_mb, payload["root"])
    try:
        outcome = figure_worker.run(
            runnable, cancelled,
            lambda _job, index: worker_info.log_event(topic, [job["number"], index]))
        files = {p.relative_to(out_dir).as_posix(): p.read_bytes()
                 for p in sorted(out_dir.rglob("*")) if p.is_file()}
        for result in outcome.results:  # paths of written files, relative to the job's folder
            for item in result.get("files", []):
                item["path"] = Path(item["path"]).relative_to(out_dir).as_posix()
        return {"results": outcome.results, "failure": outcome.failure, "files": files,
                "worker": worker_info.address}
    finally:
        done.set()
        _give_back(figure_worker, memory_mb, payload["root"])
        shutil.rmtree(scratch, ignore_errors=True)
