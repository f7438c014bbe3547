"""Lighthouse on the flagship site as it would be published (a title, a description, its
public address), served from 127.0.0.1: accessibility and SEO at 100 on the home page and
the flagship post. Its performance numbers are in benchmarks/lighthouse.py, not here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.audit import failed_audits, lighthouse, needs_npm_tools
from tests.browser import CHROMIUM, serve_folder
from tests.conftest import Project

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    needs_npm_tools,
]


def test_accessibility_and_seo_are_100(built_flagship: Project, tmp_path: Path) -> None:
    project = Project(tmp_path / "published")
    for name in ("posts", "figures", ".cache"):  # its figure cache: nothing runs again
        shutil.copytree(built_flagship.root / name, project.root / name, dirs_exist_ok=True)
    with serve_folder(project.root / "site") as base:
        project.write("site.toml", f'title = "Image processing notes"\n'
                      'description = "Convolutions and CNNs, from an image processing view"\n'
                      f'base_url = "{base}/"\n')  # where it is served: canonical links hold
        project.build()
        post = next((project.root / "site").rglob("cnns*/index.html")).parent
        for path in ["/", "/" + post.relative_to(project.root / "site").as_posix() + "/"]:
            report = lighthouse(base + path, "--only-categories=accessibility,seo")
            scores = {name: category["score"] for name, category in report["categories"].items()}
            assert scores == {"accessibility": 1, "seo": 1}, (
                path, failed_audits(report, "accessibility") + failed_audits(report, "seo"))


def test_lighthouse_sees_what_it_should(tmp_path: Path) -> None:
    """A page with the faults the audit is for scores below 100, naming them."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><html><head><title>x</title></head><body>'
        '<p>Some text.</p><iframe src="about:blank"></iframe></body></html>')
    with serve_folder(tmp_path) as base:
        report = lighthouse(base + "/", "--only-categories=accessibility,seo")
    failed = failed_audits(report, "accessibility") + failed_audits(report, "seo")
    assert {"html-has-lang", "frame-title", "meta-description"} <= {f.split(":")[0] for f in failed}
