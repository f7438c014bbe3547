"""``build --executor dask`` on a real Dask cluster on loopback: blocks run on its workers,
make the same figures as a local build, fail at the right line, are killed at their time
limit, and a worker that could make other bytes is refused."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Project
from tests.daskcluster import Cluster, dask_cluster

HEAD = "---\ntitle: Remote\n---\n"


def fence(*lines: str) -> str:
    return "```{python}\n" + "\n".join(lines) + "\n```\n"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with dask_cluster(tmp_path_factory.mktemp("dask")) as running:
        yield running


def figures_of(project: Project) -> dict[str, bytes]:
    return {name: data for name, data in project.snapshot().items() if name.endswith(".png")}


def test_blocks_run_on_the_workers_and_make_what_a_local_build_makes(
        cluster: Cluster, tmp_path: Path) -> None:
    remote, local = Project(tmp_path / "remote"), Project(tmp_path / "local")
    for project in (remote, local):
        for day in (1, 2, 3):
            project.post(f"2022-05-0{day}-p.md", HEAD + f"Post {day}.\n\n" + fence(
                "import numpy as np, matplotlib.pyplot as plt",
                f"x = np.linspace(0, {day}, 50)",
                "plt.figure(figsize=(2, 1)); plt.plot(x, np.sin(x) + np.random.rand(50))",
            ) + "\n" + fence(
                "import os",
                "keeper = os.getppid()  # the worker's keeper; its parent runs the job",
                'print("ran under", open(f"/proc/{keeper}/stat").read().split()[3])',
            ))
    result = remote.build("--scheduler", cluster.address, "--explain")
    assert re.search(r"running 6 figure blocks in 2 Dask workers of the scheduler at "
                     r"tcp://127\.0\.0\.1:\d+", result.stderr), result.stderr
    assert "ran 6 figure blocks (0 cached)" in result.stderr
    workers = cluster.worker_pids()
    for day in (1, 2, 3):
        page = remote.page(f"2022/05/0{day}/p/index.html")
        parent = int(re.search(r"ran under (\d+)", page).group(1))
        assert parent in workers and parent != os.getpid()
    local.build()
    assert len(figures_of(remote)) == 3
    assert figures_of(remote) == figures_of(local)  # seeded, same libraries: same bytes
    # the cache works as locally: nothing runs again, wherever it would run
    assert "ran 0 figure blocks (6 cached)" in remote.build("--scheduler", cluster.address).stderr


def test_an_error_on_a_worker_names_the_line_of_the_post(cluster: Cluster, project: Project) -> None:
    project.post("2022-05-04-e.md", HEAD + "Text.\n\n" + fence(
        "values = [1, 2, 3]",
        "def mean(v):",
        "    return sum(v) / len(v)",
        "mean([])",
    ))
    stderr = project.fail("--scheduler", cluster.address)
    assert "posts/2022-05-04-e.md:10: ZeroDivisionError: division by zero" in stderr
    assert 'File "posts/2022-05-04-e.md", line 10, in <module>' in stderr
    assert 'File "posts/2022-05-04-e.md", line 9, in mean' in stderr


def test_a_timeout_kills_the_remote_block(cluster: Cluster, project: Project,
                                          tmp_path: Path) -> None:
    pid_file = tmp_path / "block.pid"
    project.post("2022-05-05-t.md", HEAD + "Slow.\n\n" + fence(
        "#| timeout: 2",
        "import os, subprocess, time",
        "child = subprocess.Popen(['sleep', '300'])  # something it started dies with it too",
        f"open({str(pid_file)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')",
        "time.sleep(300)",
    ))
    started = time.monotonic()
    stderr = project.fail("--scheduler", cluster.address)
    assert "posts/2022-05-05-t.md:6: timed out after 2 s (the block's time limit" in stderr
    assert time.monotonic() - started < 60
    pids = [int(p) for p in pid_file.read_text().split()]
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids)
    # and the worker that ran it takes the next build
    project.post("2022-05-05-t.md", HEAD + "Fast.\n\n" + fence("print('quick')"))
    assert "ran 1 figure block" in project.build("--scheduler", cluster.address).stderr


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (["x = bytearray(3 * 1024 ** 3)"],
         ":5: MemoryError (the worker's memory limit is 1500 MB"),
        (["import os, signal", "os.kill(os.getpid(), signal.SIGSEGV)"],
         ":4: the figure worker was killed by SIGSEGV"),
    ],
)
def test_the_memory_limit_and_crashes_on_a_worker_name_the_block(
        cluster: Cluster, project: Project, code: list[str], expected: str) -> None:
    project.write("site.toml", "[figures]\nmemory_limit_mb = 1500\n")
    project.post("2022-05-11-m.md", HEAD + fence(*code))
    stderr = project.fail("--scheduler", cluster.address)
    assert f"posts/2022-05-11-m.md{expected}" in stderr, stderr


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_the_rules_that_refuse_a_worker_with_other_project_files(project: Project) -> None:
    """A worker's checkout that differs (a post, a data file a block read, a folder it
    listed): one machine cannot show two checkouts at one path, so the rules are run here,
    on the files of a real project, as the workers and the build run them."""
    from builder.figures.dask_executor import differing_file
    from builder.figures.dask_remote import environment, problem
    from builder.fsutil import file_digest

    post = project.post("2022-05-06-d.md", HEAD + "Data.\n")
    project.write("posts/data.csv", "1,2,3\n")
    root = str(project.root)
    digest = file_digest(post)
    assert problem(environment(), root, {"posts/2022-05-06-d.md": digest}) is None
    assert problem(environment(), root, {"posts/2022-05-06-d.md": "0" * 32}) == \
        f"has a different posts/2022-05-06-d.md in {root}"
    assert problem(environment(), root + "-elsewhere", {}) == \
        f"has no project folder at {root}-elsewhere"
    other = environment()
    other["versions"] = {**other["versions"], "matplotlib": "1.0.0"}
    assert problem(other, root, {}).startswith("has matplotlib ")

    read = {"deps": {"posts/data.csv": file_digest(project.root / "posts/data.csv")}}
    assert differing_file(project.root, None, [read]) is None
    project.write("posts/data.csv", "4,5,6\n")
    assert differing_file(project.root, None, [read]) == \
        "read another posts/data.csv than this checkout's"
    (project.root / "posts/data.csv").unlink()
    assert differing_file(project.root, None, [read]) == \
        "read posts/data.csv, which this checkout does not have"


def _fail_on_a_worker_importing_first(project: Project, first: Path, folder: Path) -> str:
    """A build that must fail on a one-worker cluster whose Python imports from ``first``
    before anything else; what it printed."""
    pythonpath = os.pathsep.join(p for p in (str(first), os.environ.get("PYTHONPATH")) if p)
    with dask_cluster(folder, workers=1, worker_env={"PYTHONPATH": pythonpath}) as odd:
        return project.fail("--scheduler", odd.address)


def test_a_worker_with_other_libraries_is_refused(tmp_path: Path, project: Project) -> None:
    """A worker whose numpy is another version (its metadata says 0.0.1) would draw other
    figures: the build refuses before running anything."""
    fake = tmp_path / "other-libs"
    (fake / "numpy-0.0.1.dist-info").mkdir(parents=True)
    (fake / "numpy-0.0.1.dist-info/METADATA").write_text(
        "Metadata-Version: 2.1\nName: numpy\nVersion: 0.0.1\n")
    project.post("2022-05-07-v.md", HEAD + "V.\n\n" + fence("print('never')"))
    stderr = _fail_on_a_worker_importing_first(project, fake, tmp_path / "odd")
    from importlib.metadata import version

    assert re.search(r"^--executor dask: the Dask worker tcp://127\.0\.0\.1:\d+ has numpy "
                     rf"0\.0\.1, the build has {re.escape(version('numpy'))}$", stderr,
                     re.MULTILINE), stderr
    assert "ran" not in stderr


def test_a_worker_with_another_build_site_is_refused(tmp_path: Path, project: Project) -> None:
    """A worker whose Python imports another build-site (a copy whose figure code differs by
    a line, first on its path): its figures could differ, so the build refuses it."""
    import shutil

    import builder

    other = tmp_path / "other-python"
    shutil.copytree(Path(builder.__file__).parent, other / "builder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    with open(other / "builder/figures/capture.py", "a") as changed:
        changed.write("\n# a later release\n")
    project.post("2022-05-10-w.md", HEAD + "W.\n\n" + fence("print('never')"))
    stderr = _fail_on_a_worker_importing_first(project, other, tmp_path / "other")
    assert re.search(r"^--executor dask: the Dask worker tcp://127\.0\.0\.1:\d+ has another "
                     r"version of build-site \(its figure code differs\)$", stderr,
                     re.MULTILINE), stderr
    assert "never" not in stderr and "ran" not in stderr


def test_without_the_option_dask_is_not_imported(project: Project) -> None:
    project.post("2022-05-08-n.md", HEAD + "N.\n\n" + fence("print('local')"))
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "builder", "build",
                             "--root", str(project.root)], capture_output=True, text=True,
                            timeout=300, check=True)
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert "builder.figures.stage" in imported
    assert not {name for name in imported if name.split(".")[0] in ("dask", "distributed")}


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_a_build_that_ends_stops_its_remote_blocks(cluster: Cluster, project: Project,
                                                   tmp_path: Path, how: str) -> None:
    """Ctrl-C, or the build killed: the task is cancelled and its block killed on the
    worker (Dask cannot stop a running task's thread; the task watches for it)."""
    import signal

    pid_file = tmp_path / "block.pid"
    project.post("2022-05-09-k.md", HEAD + "Long.\n\n" + fence(
        "import os, time",
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))",
        "time.sleep(300)",
    ))
    build = subprocess.Popen([sys.executable, "-m", "builder", "build", "--root",
                              str(project.root), "--scheduler", cluster.address],
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    block = int(pid_file.read_text())
    build.send_signal(getattr(signal, how))
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == (130 if how == "SIGINT" else -9), stderr
    deadline = time.monotonic() + 15
    while _alive(block) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(block)


def test_a_scheduler_that_is_not_one_is_one_line(project: Project) -> None:
    project.post("2022-05-12-s.md", HEAD + "S.\n\n" + fence("print('never')"))
    stderr = project.fail("--scheduler", "tcp:/127.0.0.1")
    assert stderr.startswith("--executor dask: cannot reach the Dask scheduler at "
                             "tcp:/127.0.0.1 ("), stderr
    assert "Traceback" not in stderr and not (project.root / "site").exists()
