"""The shared figure cache against a real S3-compatible server on loopback (moto's): a fresh
machine runs nothing, damage is re-run and never published, an unreachable store is one
warning, and no credential reaches a page, a log or the cache."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Project
from tests.s3server import BUCKET, S3Server, closed_port, s3_server

SECRET = "shh-S3cr3t-value-7f3a9c"
HEAD = "---\ntitle: Shared\n---\n"
POST = HEAD + """
Intro, with math: $e^{i\\pi} + 1 = 0$.

```{python}
#| label: fig-bars
import matplotlib.pyplot as plt
plt.figure(figsize=(2, 1))
plt.bar([1, 2, 3], [3, 1, 2])
```

```{python}
#| label: fig-wave
import numpy as np
import matplotlib.pyplot as plt
data = np.loadtxt("wave.csv")
plt.figure(figsize=(2, 1))
plt.plot(data)
print("mean", round(float(data.mean()), 3))
```
"""


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server(SECRET) as server:
        yield server


def blog(root: Path, url: str) -> Project:
    project = Project(root)
    project.write("site.toml", f'title = "Shared"\n\n[figures]\ncache = "{url}"\n')
    project.post("2021-03-04-shared.md", POST)
    project.write("posts/wave.csv", "0\n1\n0\n-1\n0\n")
    return project


def fresh_copy(project: Project, root: Path) -> Project:
    """The project as a new CI machine checks it out: no .cache, no site."""
    shutil.copytree(project.root, root, ignore=shutil.ignore_patterns(".cache", "site"))
    return Project(root)


def summary(stderr: str) -> tuple[int, int]:
    found = re.search(r"ran (\d+) figure blocks? \((\d+) cached\)", stderr)
    assert found, stderr
    return int(found.group(1)), int(found.group(2))


def leaks(project: Project, *outputs: str) -> list[str]:
    """Where the secret shows: printed output, or any file the build wrote."""
    places = [f"output {i}" for i, text in enumerate(outputs) if SECRET in text]
    for path in project.root.rglob("*"):
        if path.is_file() and SECRET.encode() in path.read_bytes():
            places.append(str(path.relative_to(project.root)))
    return places


def test_fresh_machine_runs_nothing_and_publishes_the_same_bytes(
        s3: S3Server, tmp_path: Path) -> None:
    url = f"s3://{BUCKET}/fresh"
    first = blog(tmp_path / "a", url)
    made = first.build("--explain", env=s3.env)
    assert summary(made.stderr) == (2, 0)
    store = s3.filesystem()
    entries = store.find(f"{BUCKET}/fresh/figures/entries")
    objects = store.find(f"{BUCKET}/fresh/figures/objects")
    assert len(entries) == 2 and len(objects) == 2  # two PNGs, by their hashes

    assert "typeset the math of 1 post" in made.stderr
    assert len(store.find(f"{BUCKET}/fresh/math/entries")) == 1  # the math too (.cache/math)

    second = fresh_copy(first, tmp_path / "b")  # another path too, as on another machine
    again = second.build("--explain", env=s3.env)
    assert summary(again.stderr) == (0, 2)
    assert "typeset the math" not in again.stderr
    assert again.stderr.count("cached (from the shared cache)") == 2
    assert second.snapshot() == first.snapshot()
    assert "mean 0.0" in second.page("2021/03/04/shared/index.html")
    # and the next build there finds it all in its own cache
    assert summary(second.build(env=s3.env).stderr) == (0, 2)
    assert leaks(first, made.stdout, made.stderr) == []
    assert leaks(second, again.stdout, again.stderr) == []
    assert not any(SECRET.encode() in store.cat(path) for path in entries + objects)


def test_an_entry_whose_files_differ_here_is_a_miss(s3: S3Server, tmp_path: Path) -> None:
    url = f"s3://{BUCKET}/deps"
    first = blog(tmp_path / "a", url)
    first.build(env=s3.env)
    second = fresh_copy(first, tmp_path / "b")
    second.write("posts/wave.csv", "5\n5\n5\n")  # this checkout's data differs
    result = second.build("--explain", env=s3.env)
    assert summary(result.stderr) == (1, 1)  # the plot of the data runs, the bars don't
    assert "fig-wave: ran (posts/wave.csv changed (shared cache))" in result.stderr
    assert "mean 5.0" in second.page("2021/03/04/shared/index.html")


def test_damaged_objects_and_entries_are_run_again_never_published(
        s3: S3Server, tmp_path: Path) -> None:
    url = f"s3://{BUCKET}/damage"
    first = blog(tmp_path / "a", url)
    first.build(env=s3.env)
    good = first.snapshot()
    store = s3.filesystem()
    prefix = f"{BUCKET}/damage/figures"
    # one image swapped for another valid PNG (the other block's), one entry's text altered
    objects = sorted(store.find(f"{prefix}/objects"))
    entries = {json.loads(store.cat(p))["entry"]["outputs"][0]["type"]: p
               for p in store.find(f"{prefix}/entries")}
    bars_image = json.loads(store.cat(entries["image"]))["entry"]
    wave_entry = next(p for p in entries.values() if b"mean" in store.cat(p))
    target = next(o for o in objects if bars_image["outputs"][0]["digest"] in o)
    other = next(o for o in objects if o != target)
    store.pipe(target, store.cat(other))
    store.pipe(wave_entry, store.cat(wave_entry).replace(b"mean 0.0", b"mean 9.9"))
    math_entry = store.find(f"{BUCKET}/damage/math/entries")[0]
    store.pipe(math_entry, store.cat(math_entry).replace(b"<mi>e</mi>", b"<mi>E</mi>"))

    second = fresh_copy(first, tmp_path / "b")
    result = second.build("--explain", env=s3.env)
    assert summary(result.stderr) == (2, 0)
    assert "typeset the math of 1 post" in result.stderr  # its entry was damaged too
    assert "in the shared cache was missing or damaged" in result.stderr
    assert "its entry in the shared cache was damaged" in result.stderr
    assert second.snapshot() == good  # what was published is what a local run makes
    assert "mean 9.9" not in second.page("2021/03/04/shared/index.html")
    # the runs put sound copies back: a third machine takes everything from the store
    third = fresh_copy(first, tmp_path / "c")
    assert summary(third.build(env=s3.env).stderr) == (0, 2)
    assert third.snapshot() == good


def test_an_unreachable_store_is_one_warning_and_the_local_cache(tmp_path: Path) -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKIALOCALTEST0000001", "AWS_SECRET_ACCESS_KEY": SECRET,
           "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    project = blog(tmp_path / "a", f"s3://{BUCKET}/nowhere")
    result = project.build(env=env)
    assert summary(result.stderr) == (2, 0)
    warnings = [line for line in result.stderr.splitlines() if "shared figure cache" in line]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("site.toml:4: warning: the shared figure cache "
                                  f"s3://{BUCKET}/nowhere could not be read")
    assert "this build uses the local cache only" in warnings[0]
    again = project.build(env=env)  # the local cache still serves
    assert summary(again.stderr) == (0, 2)
    assert leaks(project, result.stdout, result.stderr, again.stdout, again.stderr) == []


def test_a_shared_folder_and_credentials_in_the_url(tmp_path: Path) -> None:
    first = blog(tmp_path / "a", "../team-cache")  # a folder beside the project
    assert summary(first.build().stderr) == (2, 0)
    assert len(list((tmp_path / "team-cache/figures/entries").rglob("*.json"))) == 2
    second = blog(tmp_path / "b", "../team-cache")
    assert summary(second.build().stderr) == (0, 2)
    assert second.snapshot() == first.snapshot()

    second.write("site.toml", f'[figures]\ncache = "s3://AKIA0000:{SECRET}@bucket/x"\n')
    result = second.run("build", check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("site.toml:2: 'figures.cache': credentials don't belong "
                                    "in site.toml")
    assert SECRET not in result.stderr
