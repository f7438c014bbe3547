"""`build-site check`: figures regenerate, identically, and match the committed lock."""

from __future__ import annotations

import json

from tests.conftest import Project

POST = """---
title: Checked
---
![a figure made below](wave.png)

```{python}
#| file: wave.png
#| fig-crop: false
import numpy as np, matplotlib.pyplot as plt
plt.plot(np.sin(np.linspace(0, 6, 50) * SCALE))
```
"""


def test_check_update_then_pass_then_catch_changes(project: Project) -> None:
    project.post("2020-01-01-c.md", POST.replace("SCALE", "1"))
    missing = project.run("check", check=False)
    assert missing.returncode == 1 and "figures.lock: missing" in missing.stderr
    assert "wrote figures.lock for 1 figures" in project.run("check", "--update").stderr
    lock = json.loads((project.root / "figures.lock").read_text())
    entry = lock["figures"]["posts/2020-01-01-c.md:wave.png"]
    assert entry["size"] == [640, 480] and entry["frames"] == 1 and entry["label"] == "block-1"
    assert "1 figures regenerate identically; all match figures.lock" in project.run("check").stderr

    project.post("2020-01-01-c.md", POST.replace("SCALE", "2"))
    changed = project.run("check", check=False)
    assert changed.returncode == 1
    assert "posts/2020-01-01-c.md:wave.png: differs from figures.lock" in changed.stderr


def test_check_reports_errors_and_missing_images(project: Project) -> None:
    project.post("2020-01-01-c.md", POST.replace("wave.png)", "gone.png)").replace("SCALE", "1"))
    result = project.run("check", check=False)
    assert result.returncode == 1
    assert "posts/2020-01-01-c.md:4: image 'gone.png' is referenced but no figure block makes or writes it" \
        in result.stderr
    project.post("2020-01-01-c.md", POST)  # SCALE is undefined
    result = project.run("check", check=False)
    assert "posts/2020-01-01-c.md:10: NameError: name 'SCALE' is not defined" in result.stderr


def test_check_catches_nondeterminism(project: Project) -> None:
    project.post("2020-01-01-c.md", POST.replace("SCALE", "1").replace(
        "plt.plot(", "import time; np.random.seed(time.time_ns() % 1000)\nplt.plot(np.random.rand(50) + "
    ))
    result = project.run("check", "--update", check=False)
    assert result.returncode == 1
    assert "wave.png: two runs made different bytes" in result.stderr


MEASURED = """---
title: Timed
---
```{python}
#| file: timing.png
#| measured: true
#| fig-crop: false
import time, matplotlib.pyplot as plt
start = time.perf_counter_ns()
sum(range(SIZE))
plt.figure(figsize=(3, 2)).text(0.5, 0.5, str(time.perf_counter_ns() - start))
```
"""


def test_measured_figures_must_run_and_keep_their_shape_not_their_bytes(project: Project) -> None:
    project.post("2020-01-01-t.md", MEASURED.replace("SIZE", "1000"))
    assert project.run("check", "--update").returncode == 0
    entry = json.loads((project.root / "figures.lock").read_text())["figures"][
        "posts/2020-01-01-t.md:timing.png"]
    assert entry["measured"] is True and entry["size"] == [300, 200]
    assert "hash" not in entry and "pixels" not in entry  # nothing a rerun could match
    for _ in range(2):  # every run draws another number: still fine
        assert "1 figures regenerate" in project.run("check").stderr

    project.post("2020-01-01-t.md", MEASURED.replace("SIZE", "1000").replace("(3, 2)", "(4, 2)"))
    changed = project.run("check", check=False)
    assert changed.returncode == 1 and "was 300x200 px, 1 frames; now 400x200 px" in changed.stderr

    project.post("2020-01-01-t.md", MEASURED.replace("SIZE", "size"))  # it must still run
    broken = project.run("check", check=False)
    assert broken.returncode == 1
    assert "posts/2020-01-01-t.md:10: NameError: name 'size' is not defined" in broken.stderr

    project.post("2020-01-01-t.md", MEASURED.replace("SIZE", "1000").replace(
        "#| measured: true\n", ""))
    unmarked = project.run("check", check=False)
    assert unmarked.returncode == 1
    assert "timing.png: no longer measured" in unmarked.stderr


def test_a_post_folders_own_images_are_not_missing(project: Project) -> None:
    project.post("2020-01-01-folder/index.md", POST.replace("SCALE", "1") +
                 "\n![a photo beside the post](images/photo.png)\n\n![not there](gone.png)\n")
    project.write("posts/2020-01-01-folder/images/photo.png", b"\x89PNG\r\n\x1a\n")
    result = project.run("check", "--update", check=False)
    assert "'images/photo.png'" not in result.stderr
    assert "posts/2020-01-01-folder/index.md:15: image 'gone.png' is referenced but no " \
        "figure block makes or writes it" in result.stderr
