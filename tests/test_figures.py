"""Figure blocks end to end: what they show, how they fail, and what the cache re-runs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time

import pytest
from PIL import Image

from tests.conftest import Project

HEAD = "---\ntitle: Figures\n---\n"


def fence(*lines: str) -> str:
    return "```{python}\n" + "\n".join(lines) + "\n```\n"


def image(project: Project, name: str) -> Image.Image:
    data = (project.root / "site/2020/01/01/f" / name).read_bytes()
    return Image.open(io.BytesIO(data))


def test_outputs_png_svg_gif_text_and_numbering(project: Project) -> None:
    project.post("2020-01-01-f.md", HEAD + "See @fig-line and @fig-anim.\n\n" + fence(
        "#| label: fig-line",
        '#| fig-cap: "A line, $y = x$."',
        '#| fig-alt: "A straight line."',
        "#| fig-width: 4",
        "#| fig-height: 2",
        "#| fig-crop: false",
        "import matplotlib.pyplot as plt",
        "plt.plot([0, 1], [0, 1])",
        "plt.show()",
        'print("printed <text>")',
    ) + "\n" + fence(
        "#| label: fig-anim",
        "#| echo: false",
        "#| fig-crop: false",
        "from matplotlib.animation import FuncAnimation",
        "fig, ax = plt.subplots(figsize=(2, 1))",
        "anim = FuncAnimation(fig, lambda i: ax.axvline(i / 10), frames=10, interval=100)",
    ) + "\n" + fence(
        "#| file: drawing.svg",
        "#| code-fold: true",
        "plt.figure(figsize=(1, 1)); plt.plot([1, 2])",
    ) + "\n" + fence(
        "#| file: still.gif",
        "#| output: false",
        "#| fig-crop: false",
        "plt.figure(figsize=(1, 1)); plt.plot([1, 2])",
    ) + "\n" + fence("#| eval: false", "this would not even parse(") + "\n" + fence(
        "#| format: png", "#| fig-dpi: 50", "plt.figure(figsize=(2, 2))",
    ))
    project.build()
    page = project.page("2020/01/01/f/index.html")
    png = image(project, "fig-line.png")
    assert png.size == (800, 400)  # 4 x 2 inches at 100 dpi, twice for sharp screens
    assert 'src="fig-line.png" alt="A straight line." width="400" height="200"' in page
    assert '<figure class="figure" id="fig-line">' in page
    assert '<span class="figure-number">Figure 1:</span> A line, <span class="math"><mjx-container' in page
    assert "<mi>y</mi><mo>=</mo><mi>x</mi>" in page  # the caption's math, typeset
    assert '<a class="quarto-xref" href="#fig-line">Figure&nbsp;1</a>' in page
    assert '<a class="quarto-xref" href="#fig-anim">Figure&nbsp;2</a>' in page
    assert "printed &lt;text&gt;" in page
    assert "FuncAnimation" not in page  # echo: false
    gif = image(project, "fig-anim.gif")
    assert gif.n_frames == 10 and gif.info["loop"] == 0 and gif.info["duration"] == 100
    assert gif.size == (400, 200)  # drawn at 2x like the PNGs, shown at 1x
    assert 'src="fig-anim.gif" alt="" width="200" height="100"' in page
    svg = (project.root / "site/2020/01/01/f/drawing.svg").read_text()
    assert svg.startswith("<?xml") and "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert '<details class="cell-code"><summary>Code</summary>' in page
    assert image(project, "still.gif").n_frames == 1
    assert image(project, "still.gif").size == (200, 200)
    assert "still.gif" not in page  # output: false: made, not shown
    assert "<span class=\"n\">parse</span>" in page  # eval: false: shown, not run
    # an empty figure: its whole canvas plus the 0.1 in padding of a tight box, as in Jupyter
    assert image(project, "figure-6.png").size == (220, 220)
    assert "Matplotlib" not in str(png.info)  # no software version in the PNG


def test_same_bytes_across_processes(tmp_path) -> None:
    digests = []
    for i, seed in enumerate(["1", "2"]):
        project = Project(tmp_path / f"p{i}")
        project.post("2020-01-01-f.md", HEAD + fence(
            "import numpy as np, random, matplotlib.pyplot as plt",
            "plt.plot(np.random.rand(20)); plt.title(str(random.random()))",
            "plt.figure(); plt.scatter(*np.random.rand(2, 30)); plt.savefig('scratch.png')",
        ) + fence("#| file: a.svg", "plt.plot(np.random.rand(5))"))
        project.build(env={"PYTHONHASHSEED": seed})
        digests.append(project.snapshot())
    assert digests[0] == digests[1]


PHOTO = [
    "import numpy as np, matplotlib.pyplot as plt",
    "fig = plt.figure(figsize=(3, 2)); plt.imshow(np.random.rand(40, 60), cmap='magma', interpolation='bicubic')",
    "plt.title('noise')",
]


def container_parts(data: bytes) -> list[str]:
    """The chunks (PNG, WebP) or segment markers before the picture data (JPEG) of a file."""
    parts = []
    if data[:4] == b"RIFF":  # WebP: RIFF chunks after the 12-byte header
        pos = 12
        while pos < len(data):
            size = int.from_bytes(data[pos + 4 : pos + 8], "little")
            parts.append(data[pos : pos + 4].decode())
            pos += 8 + size + (size & 1)
    elif data[:2] == b"\xff\xd8":  # JPEG: segments up to the start of scan
        pos = 2
        while data[pos + 1] != 0xDA:
            parts.append(f"{data[pos + 1]:02X}")
            pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    else:  # PNG
        pos = 8
        while pos < len(data):
            size = int.from_bytes(data[pos : pos + 4], "big")
            parts.append(data[pos + 4 : pos + 8].decode())
            pos += 12 + size
    return parts


def no_metadata(data: bytes) -> None:
    """Nothing but the picture: no EXIF, XMP, ICC profile, text or comment."""
    allowed = {"VP8 ", "VP8L", "E0", "DB", "C0", "C2", "C4", "DD", "IHDR", "PLTE", "IDAT",
               "IEND", "pHYs"}  # E0: JPEG's JFIF header; DB, C*, DD: its tables and frame
    assert set(container_parts(data)) <= allowed, container_parts(data)


def test_jpeg_and_webp_for_photographs(project: Project) -> None:
    project.post("2020-01-01-f.md", HEAD + fence("#| file: photo.webp", "#| fig-crop: false", *PHOTO) + fence(
        "#| format: jpeg", "#| label: fig-jpeg", "#| fig-crop: false", *PHOTO) + fence(
        "#| file: camera.JPG", "#| fig-crop: false", *PHOTO) + fence(
        "#| fig-format: jpeg", "#| label: fig-quarto-jpeg", "#| fig-crop: false", *PHOTO) + fence(
        "#| fig-format: png", "#| label: fig-quarto-png", "#| fig-crop: false", *PHOTO) + fence(
        "#| fig-format: retina", "#| label: fig-quarto-retina", "#| fig-crop: false", *PHOTO)
        + fence("#| file: clear.png", "fig = plt.figure(figsize=(1, 1)); fig.patch.set_alpha(0)",
                "plt.plot([1, 2])"))
    project.build()
    page = project.page("2020/01/01/f/index.html")
    expected = {"photo.webp": ("WEBP", 2), "fig-jpeg.jpg": ("JPEG", 2),
                "camera.JPG": ("JPEG", 2), "fig-quarto-jpeg.jpg": ("JPEG", 1),
                "fig-quarto-png.png": ("PNG", 1), "fig-quarto-retina.png": ("PNG", 2)}
    for name, (kind, scale) in expected.items():
        picture = image(project, name)
        assert picture.format == kind, name
        assert picture.size == (300 * scale, 200 * scale), name  # Quarto: only retina is 2x
        assert f'src="{name}" alt="" width="300" height="200"' in page
        no_metadata((project.root / "site/2020/01/01/f" / name).read_bytes())
    assert image(project, "fig-quarto-png.png").mode == "RGB"  # opaque: no alpha to store
    assert image(project, "clear.png").mode == "RGBA"  # see-through: kept
    webp = (project.root / "site/2020/01/01/f/photo.webp").read_bytes()
    assert webp[12:16] == b"VP8 "  # lossy, and no alpha channel for an opaque figure
    png = (project.root / "site/2020/01/01/f/fig-quarto-retina.png").stat().st_size
    assert len(webp) < png / 3  # a continuous-tone picture at the same size

    # the site's quality setting is used (and re-runs the blocks)
    project.write("site.toml", "[figures]\nquality = 30\n")
    project.build()
    assert len((project.root / "site/2020/01/01/f/photo.webp").read_bytes()) < len(webp)


def test_compressed_figures_are_the_same_bytes_every_time(tmp_path) -> None:
    made = []
    for i in range(2):
        project = Project(tmp_path / f"p{i}")
        project.post("2020-01-01-f.md", HEAD + fence("#| file: a.webp", *PHOTO) + fence(
            "#| file: b.jpg", *PHOTO))
        project.build(env={"PYTHONHASHSEED": str(i)})
        made.append(project.snapshot())
    assert made[0] == made[1] and "2020/01/01/f/a.webp" in made[0]


ERRORS = HEAD + "Prose.\n\n" + fence(
    "x = 1",
    "y = x / 0",
) + "\n" + fence(
    "def f(:",
) + "\n" + fence(
    "from figures.helper import explode",
    "explode()",
) + "\n" + fence(
    "answer = input('name? ')",
)


def test_exceptions_point_into_the_post(project: Project) -> None:
    project.write("figures/helper.py", "def explode():\n    raise ValueError('boom')\n")
    project.post("2020-01-01-f.md", ERRORS)
    stderr = project.fail()
    post = "posts/2020-01-01-f.md"
    assert f"{post}:8: ZeroDivisionError: division by zero" in stderr
    assert f"{post}:12:7: SyntaxError:" in stderr
    assert f"{post}:17: ValueError: boom" in stderr
    assert 'File "figures/helper.py", line 2, in explode' in stderr
    assert f"{post}:21: EOFError: EOF when reading a line" in stderr
    assert "builder/figures" not in stderr and "worker.py" not in stderr  # the builder's own frames are trimmed
    assert not (project.root / "site").exists()


def test_error_true_shows_the_traceback_in_the_page(project: Project) -> None:
    project.post("2020-01-01-f.md", HEAD + fence("#| error: true", "1 / 0"))
    project.build()
    page = project.page("2020/01/01/f/index.html")
    assert '<pre class="cell-output cell-error">' in page
    assert "ZeroDivisionError: division by zero" in page
    assert "posts/2020-01-01-f.md&quot;, line 6" in page


def test_failing_block_keeps_the_previous_site(project: Project) -> None:
    project.post("2020-01-01-f.md", HEAD + fence("import matplotlib.pyplot as plt", "plt.plot([1])"))
    project.post("2020-01-02-g.md", HEAD + fence("import matplotlib.pyplot as plt", "plt.plot([2])"))
    project.build()
    before = project.snapshot()
    project.post("2020-01-01-f.md", HEAD + fence("raise RuntimeError('nope')"))
    project.post("2020-01-02-g.md", HEAD + fence("import matplotlib.pyplot as plt", "plt.plot([3])"))
    assert "posts/2020-01-01-f.md:5: RuntimeError: nope" in project.fail()
    assert project.snapshot() == before
    # the post that worked was run and cached: fixing the other runs only the other
    project.post("2020-01-01-f.md", HEAD + fence("print('fixed')"))
    result = project.build("--explain")
    assert "posts/2020-01-02-g.md:4: block-1: cached" in result.stderr
    assert "posts/2020-01-01-f.md:4: block-1: ran" in result.stderr


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (["#| timeout: 1", "import time", "time.sleep(60)"],
         ":4: timed out after 1 s"),
        (["import os", "os._exit(3)"], ":4: the figure worker exited with code 3"),
        (["import os, signal", "os.kill(os.getpid(), signal.SIGSEGV)"],
         ":4: the figure worker was killed by SIGSEGV"),
        (["x = bytearray(3 * 1024 ** 3)"],
         ":5: MemoryError (the worker's memory limit is 1500 MB"),
        (["import matplotlib.pyplot as plt", "for i in range(60): plt.figure()"],
         ":4: the block made 60 figures; the limit is 50"),
    ],
)
def test_limits_and_crashes_name_the_block(project: Project, code: list[str], expected: str) -> None:
    project.write("site.toml", "[figures]\nmemory_limit_mb = 1500\n")
    project.post("2020-01-01-f.md", HEAD + fence(*code))
    stderr = project.fail()
    assert f"posts/2020-01-01-f.md{expected}" in stderr, stderr


def test_floods_are_bounded(project: Project) -> None:
    project.write("site.toml", "[figures]\nmax_output_bytes = 1000\nmax_frames = 20\n")
    project.post("2020-01-01-f.md", HEAD + fence("print('x' * 10_000_000)") + fence(
        "import matplotlib.pyplot as plt",
        "from matplotlib.animation import FuncAnimation",
        "fig = plt.figure()",
        "FuncAnimation(fig, lambda i: None, frames=5000)",
    ))
    stderr = project.fail()
    assert "posts/2020-01-01-f.md:11: animation 1 has more than 20 frames" in stderr  # its line
    project.post("2020-01-01-f.md", HEAD + fence("print('x' * 10_000_000)"))
    project.build()
    page = project.page("2020/01/01/f/index.html")
    assert "[output truncated: 9999001 more characters were printed; the limit is 1000]" in page
    assert len(page) < 20_000


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["#| echo: maybe"], ":6: figure option 'echo' must be true, false or fenced"),
        (["#| layout-ncol: 0"], ":6: figure option 'layout-ncol' must be a number above 0"),
        (["#| file: ../escape.png"], ":6: file '../escape.png' must be a plain file name"),
        (["#| file: /etc/x.png"], ":6: file '/etc/x.png' must be a plain file name"),
        (["#| file: x.txt"], ":6: file 'x.txt' must end in one of"),
        (["#| format: svg", "#| file: x.png"], ":7: file 'x.png' does not match format 'svg'"),
        (["#| format: webp", "#| file: x.jpg"], ":7: file 'x.jpg' does not match format 'webp'"),
        (["#| format: bmp"], ":6: format 'bmp' must be one of png, svg, gif, jpeg, webp"),
        (["#| fig-format: pdf"], ":6: fig-format 'pdf' must be one of retina, png, jpeg, svg "
                                 "(a PDF is not shown in a web page)"),
        (["#| fig-format: jpeg", "#| file: x.png"], ":7: file 'x.png' does not match format 'jpeg'"),
        (["#| fig-format: svg", "#| format: png"], ":6: fig-format 'svg' does not match format 'png'"),
        (["#| label: fig-a", "#| fig-cap: [a"], ":7: figure options:"),
    ],
)
def test_bad_options_name_the_line(project: Project, options: list[str], expected: str) -> None:
    project.post("2020-01-01-f.md", HEAD + "\n" + fence(*options, "pass"))
    stderr = project.fail()
    assert stderr.startswith(f"posts/2020-01-01-f.md{expected}"), stderr


def test_two_blocks_claiming_one_file(project: Project) -> None:
    project.post("2020-01-01-f.md", HEAD + fence("#| file: a.png", "pass") + fence(
        "#| file: a.png", "pass"))
    assert project.fail().startswith(
        "posts/2020-01-01-f.md:9: file 'a.png' is already used by the figure block on line 5")
    project.post("2020-01-01-f.md", HEAD + fence(
        "#| file: a-2.png", "import matplotlib.pyplot as plt", "plt.figure()") + fence(
        "#| file: a.png", "plt.figure(); plt.figure()"))
    assert "posts/2020-01-01-f.md:9: figure file 'a-2.png' is also made by the block on line 4" \
        in project.fail()


def test_unknown_figure_reference(project: Project) -> None:
    """As in Quarto: a warning, and the page says "?@fig-nope" where the number would be."""
    project.post("2020-01-01-f.md", HEAD + "Text.\n\nSee @fig-nope.\n")
    assert project.build().stderr.startswith(
        "posts/2020-01-01-f.md:6: warning: @fig-nope refers to nothing in this post: shown as "
        "?@fig-nope, as Quarto does")
    assert "See <strong>?@fig-nope</strong>." in project.page("2020/01/01/f/index.html")


def explain(project: Project) -> dict[str, str]:
    lines = project.build("--explain").stderr.splitlines()
    return {line.split(": ")[1]: line.split(": ", 2)[2] for line in lines if ": block" in line
            or ": fig-" in line}


def test_cache_reruns_exactly_what_changed(project: Project) -> None:
    project.write("figures/helper.py", "SCALE = 1\n")
    project.write("posts/data.csv", "1,2,3\n")
    source = HEAD + "Prose one.\n\n" + fence(
        "#| label: fig-helper",
        "from figures.helper import SCALE",
        "import matplotlib.pyplot as plt",
        "plt.plot([SCALE, 2])",
    ) + fence(
        "#| label: fig-data",
        "import numpy as np, matplotlib.pyplot as plt",
        "from pathlib import Path",
        "plt.plot(np.loadtxt(Path(__file__).parent / 'data.csv', delimiter=','))",
    ) + fence(
        "#| label: fig-plain",
        "import matplotlib.pyplot as plt",
        "plt.plot([3, 4])",
    )
    post = project.post("2020-01-01-f.md", source)
    assert set(explain(project).values()) == {"ran (not in the cache)"}
    assert set(explain(project).values()) == {"cached"}

    post.write_text(post.read_text().replace("Prose one.", "Prose two, longer.\n\nMore."))
    assert set(explain(project).values()) == {"cached"}  # a prose edit runs nothing

    project.write("figures/helper.py", "SCALE = 2\n")
    assert explain(project) == {"fig-helper": "ran (figures/helper.py changed)",
                                "fig-data": "cached", "fig-plain": "cached"}

    project.write("posts/data.csv", "3,2,1\n")
    assert explain(project) == {"fig-helper": "cached", "fig-data": "ran (posts/data.csv changed)",
                                "fig-plain": "cached"}

    post.write_text(post.read_text().replace("#| label: fig-plain", "#| label: fig-plain\n#| fig-dpi: 50"))
    assert explain(project)["fig-plain"] == "ran (its options changed)"
    post.write_text(post.read_text().replace("[3, 4]", "[4, 3]"))
    assert explain(project)["fig-plain"] == "ran (its code changed)"
    assert set(explain(project).values()) == {"cached"}

    result = project.build("--no-cache", "--explain")
    assert result.stderr.count("ran (--no-cache)") == 3


def test_a_block_that_uses_an_earlier_one_reruns_with_it(project: Project) -> None:
    post = project.post("2020-01-01-f.md", HEAD + fence(
        "#| label: fig-a", "import matplotlib.pyplot as plt", "data = [1, 2]", "plt.plot(data)",
    ) + fence("#| label: fig-b", "plt.plot(data[::-1])") + fence(
        "#| label: fig-c", "import matplotlib.pyplot as plt", "plt.plot([5])"))
    explain(project)
    post.write_text(post.read_text().replace("data = [1, 2]", "data = [2, 1]"))
    assert explain(project) == {"fig-a": "ran (its code changed)",
                                "fig-b": "ran (an earlier block it uses changed)",
                                "fig-c": "cached"}


def test_corrupt_cache_entry_is_rerun_not_published(project: Project) -> None:
    project.post("2020-01-01-f.md", HEAD + fence(
        "#| label: fig-a", "import matplotlib.pyplot as plt", "plt.plot([1, 2])"))
    project.build()
    good = project.snapshot()
    objects = list((project.root / ".cache/figures/objects").rglob("*.png"))
    assert len(objects) == 1
    objects[0].write_bytes(objects[0].read_bytes()[:100])
    (project.root / "site").rename(project.root / "old-site")
    assert explain(project) == {"fig-a": "ran (its cached image fig-a.png was damaged)"}
    assert project.snapshot() == good
    entries = list((project.root / ".cache/figures/entries").rglob("*.json"))
    entries[0].write_text("{not json")
    assert explain(project) == {"fig-a": "ran (its cache entry was corrupt)"}


def test_figures_import_nothing_heavy_in_the_builder() -> None:
    code = ("import sys; from builder import build, cli, check;"
            "print(sorted(m for m in ('matplotlib', 'numpy', 'PIL') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**os.environ})
    assert result.stdout.strip() == "[]"


def test_library_versions_are_part_of_the_key(project: Project) -> None:
    """A new numpy or matplotlib re-runs every block (and --explain says why)."""
    from builder.config import load_config
    from builder.figures import stage as figures
    from builder.markdown.parser import parse_body
    from builder.sources.posts import parse_meta, read_source

    path = project.post("2020-01-01-f.md", HEAD + fence("#| label: fig-a", "x = 1"))
    config = load_config(project.root)
    meta, body_text = parse_meta(read_source(path, config.root), config, frozenset({"post"}))
    body = parse_body(body_text, meta.source, meta.body_line)
    versions = figures.library_versions()
    parts = figures._key_parts(config, meta, body.blocks, 0, (), versions)
    newer = figures._key_parts(config, meta, body.blocks, 0, (), {**versions, "numpy": "99.0"})
    assert figures._hash(parts) != figures._hash(newer)
    assert figures._explain_change(parts, newer, "") == \
        "library versions or figure settings changed"


def test_a_file_the_authors_code_saves_is_the_same_bytes_every_time(project: Project) -> None:
    """matplotlib dates an SVG it saves (``<dc:date>``) with the time of the run unless
    SOURCE_DATE_EPOCH says otherwise: the file a block saves itself and the post shows
    must not change from build to build."""
    project.post("2021-01-01-saved.md", "---\ntitle: Saved\n---\n```{python}\n"
                 "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n"
                 "ax.plot([1, 2])\nfig.savefig('line.svg')\n```\n\n![A line](line.svg)\n")
    project.build()
    first = (project.root / "site/2021/01/01/saved/line.svg").read_bytes()
    time.sleep(1.1)  # the next second: a date would differ
    project.build("--no-cache")
    assert (project.root / "site/2021/01/01/saved/line.svg").read_bytes() == first
    assert b"<dc:date>" not in first or b"1970-01-01" in first
