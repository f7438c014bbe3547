"""Figure options and tracebacks under hostile or unusual input: limits that can't be
switched off, lines that stay right, pages that don't leak the machine's paths."""

from __future__ import annotations

import html
import sys
from pathlib import Path

import pytest

from tests.conftest import Project
from tests.hostile.test_figure_processes import HEAD, fence


@pytest.mark.parametrize("value", [".nan", ".inf", "-1", "0", "100000", "-.inf"])
def test_a_block_cannot_switch_its_time_limit_off(project: Project, value: str) -> None:
    """Item 4: nan, inf, negative and huge timeouts are errors naming the option's line."""
    project.post("2020-01-01-t.md", HEAD + fence("print(1)", f"timeout: {value}"))
    stderr = project.fail()
    assert stderr.startswith("posts/2020-01-01-t.md:7: figure option 'timeout' must be a "
                             "number above 0 and at most 86400"), stderr
    assert len(stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("setting", ["timeout = nan", "timeout = inf", "timeout = -5",
                                     "memory_limit_mb = 0", "memory_limit_mb = 99999999999",
                                     "max_output_bytes = -1"])
def test_site_limits_cannot_be_switched_off(project: Project, setting: str) -> None:
    """Item 4: the same for the [figures] table of site.toml."""
    project.post("2020-01-01-t.md", HEAD + fence("print(1)"))
    project.write("site.toml", f"title = 'x'\n[figures]\n{setting}\n")
    stderr = project.fail()
    key = setting.split()[0]
    assert stderr.startswith(f"site.toml:3: 'figures.{key}' must be between"), stderr


def test_a_folded_option_keeps_the_lines_right(project: Project) -> None:
    """Item 6: an option spanning three lines (a folded caption) counts as three lines."""
    project.post("2020-01-01-fold.md", HEAD + fence(
        "x = 1\ny = x / 0",
        "label: fig-fold", "fig-cap: >\n#|   A caption folded\n#|   over three lines."))
    stderr = project.fail()
    assert "\nposts/2020-01-01-fold.md:12: ZeroDivisionError" in stderr, stderr
    assert 'File "posts/2020-01-01-fold.md", line 12' in stderr


def _error_page(root: Path) -> str:
    project = Project(root)
    project.write("posts/data.json", "{broken")
    project.post("2020-01-01-err.md", HEAD + fence("""
import json, pathlib
json.loads((pathlib.Path(__file__).parent / "data.json").read_text())
""", "error: true") + fence("""
import numpy as np
np.loadtxt(pathlib.Path(__file__).parent / "missing.csv")
""", "error: true") + fence('open("relative.txt")', "error: true"))
    project.build()
    return project.page("2020/01/01/err/index.html")


def test_error_tracebacks_show_no_machine_paths(tmp_path: Path) -> None:
    """Item 7: frames and messages name files relative to the project or to the folder on
    sys.path they come from, so the page is the same wherever the project and Python live."""
    first = _error_page(tmp_path / "one" / "blog")
    second = _error_page(tmp_path / "elsewhere" / "deeper" / "blog")
    assert first == second
    first = html.unescape(first)
    assert str(tmp_path) not in first and sys.prefix not in first
    assert "site-packages" not in first and "/usr/lib" not in first
    assert 'File "json/decoder.py", line' in first  # the standard library's own folder
    assert "numpy/" in first  # a library, from its folder on sys.path
    assert "No such file or directory: 'relative.txt'" in first
    assert "posts/missing.csv not found" in first


@pytest.mark.parametrize(("name", "magic"), [("chart.SVG", b"<?xml"), ("Plot.PNG", b"\x89PNG"),
                                             ("still.Gif", b"GIF89a")])
def test_file_extension_in_any_case_picks_the_format(project: Project, name: str,
                                                      magic: bytes) -> None:
    """Item 8: ``#| file: chart.SVG`` writes SVG (not PNG bytes), under the name as written."""
    project.post("2020-01-01-f.md", HEAD + fence(
        "import matplotlib.pyplot as plt\nplt.figure(figsize=(1, 1)); plt.plot([1, 2])",
        f"file: {name}"))
    project.build()
    assert (project.root / "site/2020/01/01/f" / name).read_bytes().startswith(magic)
    assert f'src="{name}"' in project.page("2020/01/01/f/index.html")
