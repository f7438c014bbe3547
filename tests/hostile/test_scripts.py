"""The test command itself: one failing check must not hide the others."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import REPO


def _stub(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/usr/bin/env bash\n" + body + "\n")
    path.chmod(0o755)


def test_every_check_runs_and_each_failure_is_named(tmp_path: Path) -> None:
    """Item 26: with ruff and pytest failing, the clean build and the figure check still
    run, and the script fails at the end naming both failures (stand-ins play each tool)."""
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO / "scripts", checkout / "scripts")
    for name in ("package.json", "package-lock.json"):  # the npm tools' lock
        (checkout / "tests/js").mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "tests/js" / name, checkout / "tests/js" / name)
    calls = tmp_path / "calls.log"
    record = f'echo "$(basename "$0") $*" >> {calls}'
    for tool in ("chromium", "java", "node"):
        _stub(tmp_path / "bin" / tool, "exit 0")
    _stub(tmp_path / "bin/npm", f"{record}\nexit 0")
    _stub(tmp_path / "bin/python", f"{record}\nexit 0")  # makes no venv: it is there already
    venv = checkout / ".venv/bin"
    _stub(venv / "pip", "exit 0")
    _stub(venv / "ruff", f"{record}\necho 'E501 line too long' >&2\nexit 1")
    _stub(venv / "pytest", f"{record}\necho '1 failed, 99 passed' >&2\nexit 1")
    _stub(venv / "build-site", f"{record}\nexit 0")
    _stub(checkout / "scripts/bundle-mathjax", f"{record}\nexit 0")  # rebuilds with npm's tools
    result = subprocess.run(
        ["bash", str(checkout / "scripts/test")], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
             "BUILD_SITE_PYTHON": str(tmp_path / "bin/python")})
    assert result.returncode == 1
    ran = calls.read_text().splitlines()
    assert any(line.startswith("npm ci --prefix tests/js --ignore-scripts") for line in ran), ran
    assert "build-site build --quiet" in ran and "build-site check" in ran, ran
    assert "bundle-mathjax --check" in ran, ran
    assert "scripts/test: 2 of 5 checks failed:\n  ruff (exit 1)\n  pytest (exit 1)\n" \
        in result.stderr, result.stderr
