"""Shared fixtures: throwaway projects on disk and the real command line."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seed" / "cnns-from-an-image-processing-perspective.md"


def pytest_configure(config: pytest.Config) -> None:
    """A run started in the background by a shell without job control (``scripts/test &``, a
    CI step) inherits Ctrl-C ignored, and so does every program the tests start: the tests
    that press Ctrl-C in ``build-site serve`` or ``build`` would wait on a program that never
    hears it. They press it as a user at a terminal does, so the run hears it again."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


class Project:
    """A blog project in a temporary folder, built with the real ``build-site`` program."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "posts").mkdir(parents=True, exist_ok=True)

    def post(self, name: str, text: str) -> Path:
        path = self.root / "posts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def write(self, relative: str, text: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def run(self, *args: str, env: dict[str, str] | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        result = subprocess.run(
            [sys.executable, "-m", "builder", *args, "--root", str(self.root)]
            if args and args[0] in ("build", "new", "check") else
            [sys.executable, "-m", "builder", *args],
            cwd=self.root, capture_output=True, text=True, env=full_env, timeout=600,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"build-site {' '.join(args)} failed:\n{result.stderr}")
        return result

    def build(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        return self.run("build", *args, **kwargs)  # type: ignore[arg-type]

    def fail(self, *args: str) -> str:
        """Run a build that must fail; return what it printed."""
        result = self.run("build", *args, check=False)
        assert result.returncode == 1, result.stderr
        # an author's traceback may be shown; the builder's own never
        assert not re.search(r'File "[^"]*(builder|runpy)', result.stderr), result.stderr
        return result.stderr

    def page(self, relative: str) -> str:
        return (self.root / "site" / relative).read_text(encoding="utf-8")

    def snapshot(self) -> dict[str, bytes]:
        """The site's files and bytes (less the builder's marker, which counts builds)."""
        site = self.root / "site"
        return {p.relative_to(site).as_posix(): p.read_bytes()
                for p in sorted(site.rglob("*")) if p.is_file() and p.name != ".build-site"}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "blog")


@pytest.fixture
def flagship(tmp_path: Path) -> Project:
    """The repository's own posts and figures, copied so tests never touch the real site."""
    return copy_flagship(tmp_path / "flagship")


@pytest.fixture(scope="session")
def built_flagship(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The flagship built once for the tests that only read its site (audits, keyboard),
    with a public address, so its feed, sitemap and canonical links are there too."""
    project = copy_flagship(tmp_path_factory.mktemp("built") / "flagship")
    project.build("--base-url", "https://example.org/")
    return project


@pytest.fixture(scope="session")
def quarto_site(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """``tests/quarto``, Quarto-style posts written for the tests, built once; what the
    build printed is its ``stderr``."""
    root = tmp_path_factory.mktemp("quarto") / "blog"
    shutil.copytree(REPO / "tests" / "quarto", root)
    project = Project(root)
    project.stderr = project.build().stderr  # type: ignore[attr-defined]
    return project


def copy_flagship(root: Path) -> Project:
    for name in ("posts", "figures"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    for name in ("site.toml", "figures.lock"):
        if (REPO / name).is_file():
            shutil.copy(REPO / name, root / name)
    return Project(root)


def typeset(page: str) -> list[tuple[str, str]]:
    """Each formula of a page typeset at build time, as (inline or block, its MathML): how a
    reader's screen reader gets it, and what the TeX became."""
    return re.findall(r'<mjx-assistive-mml unselectable="on" display="(inline|block)">'
                      r"<math[^>]*>(.*?)</math>", page)
