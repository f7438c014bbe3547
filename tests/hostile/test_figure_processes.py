"""Figure code that floods its pipes, starts processes, or is killed mid-call: nothing hangs
and nothing it started outlives the build or the preview."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import Project
from tests.hostile.procs import snapshot, spawner, start_build, survivors, wait_for

HEAD = "---\ntitle: Hostile\n---\nProse.\n\n"


def fence(code: str, *options: str) -> str:
    return "```{python}\n" + "".join(f"#| {o}\n" for o in options) + code.strip() + "\n```\n"


def test_a_block_flooding_stderr_does_not_hang(project: Project) -> None:
    """Item 1: 64 KB and more written to fd 2 (by C code, or matplotlib's warnings for
    missing glyphs) is read while the block runs, instead of filling the pipe."""
    project.post("2020-01-01-flood.md", HEAD + fence("""
import os, sys
os.write(2, b"C library noise\\n" * 20_000)
sys.__stderr__.write("python noise\\n" * 20_000)
sys.__stderr__.flush()
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(2, 1))
ax.text(0, 0.5, "".join(chr(0x4E00 + 7 * i) for i in range(600)), fontsize=2)
""", "timeout: 15", "label: fig-cjk"))
    result = project.build()
    assert "timed out" not in result.stderr
    assert (project.root / "site/2020/01/01/flood/fig-cjk.png").stat().st_size > 0


def _pids(folder: Path) -> dict[int, str]:
    return snapshot([int(p) for p in wait_for(folder / "pids").split()])


def test_kill_9_of_the_build_kills_its_worker_and_all_it_started(project: Project,
                                                                 tmp_path: Path) -> None:
    """Items 2 and 3: the worker is in a long C call (no thread of it can run), its block
    started children, a session leader and a double-forked daemon; the build gets SIGKILL."""
    project.post("2020-01-01-stuck.md", HEAD + fence(spawner(tmp_path, "sum(range(3 * 10**9))")))
    build = start_build(project.root)
    started = _pids(tmp_path)
    assert len(started) == 6
    build.kill()
    build.wait()
    assert survivors(started, within=5) == []


def test_ctrl_c_of_the_build_kills_its_worker_at_once(project: Project, tmp_path: Path) -> None:
    """Item 2: Ctrl-C stops the busy worker (and its children) before the build exits."""
    project.post("2020-01-01-stuck.md", HEAD + fence(spawner(tmp_path, "sum(range(3 * 10**9))")))
    build = start_build(project.root)
    started = _pids(tmp_path)
    build.send_signal(signal.SIGINT)
    _, stderr = build.communicate(timeout=30)
    assert build.returncode == 130  # the shell's code for a command ended by Ctrl-C
    assert survivors(started, within=1) == []
    assert "Traceback" not in stderr and "Aborted!" not in stderr
    assert stderr.splitlines()[-1] == "build-site: interrupted; site/ holds the last complete build"


def test_what_a_block_starts_dies_when_the_build_ends(project: Project, tmp_path: Path) -> None:
    """Item 3: a build that finishes normally leaves nothing behind."""
    project.post("2020-01-01-spawn.md", HEAD + fence(spawner(tmp_path)))
    project.build()
    assert survivors(_pids(tmp_path), within=5) == []


def test_what_a_block_starts_dies_in_the_preview_too(project: Project, tmp_path: Path) -> None:
    """Item 3: in the preview the warm worker stays, but what its job started is killed when
    the job ends; stopping the preview kills the worker too."""
    project.post("2020-01-01-spawn.md", HEAD + fence(spawner(tmp_path)))
    server = subprocess.Popen(
        [sys.executable, "-m", "builder", "serve", "--root", str(project.root), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("http://127.0.0.1:")
        started = _pids(tmp_path)
        worker = int((tmp_path / "pids").read_text().split()[-1])  # the block's own process
        assert survivors({p: i for p, i in started.items() if p != worker}, within=5) == []
        assert survivors({worker: started[worker]}, within=0) == [worker]  # kept warm
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
    assert survivors(started, within=5) == []


def test_scratch_folders_of_killed_builds_are_removed(project: Project, tmp_path: Path) -> None:
    """Item 9: a build killed mid-block leaves .cache/figures/tmp/run-*; the next removes it."""
    post = project.post("2020-01-01-stuck.md", HEAD + fence(
        spawner(tmp_path, "sum(range(3 * 10**9))")))
    build = start_build(project.root)
    _pids(tmp_path)
    build.kill()
    build.wait()
    assert list((project.root / ".cache/figures/tmp").glob("run-*"))
    post.write_text(HEAD + fence("print('fine')"))
    result = project.build()
    assert "removed 1 scratch folder left in .cache/figures/tmp/ by an interrupted build" \
        in result.stderr
    assert not list((project.root / ".cache/figures/tmp").glob("run-*"))
