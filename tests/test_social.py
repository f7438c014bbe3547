"""Link previews and search engines: OpenGraph and Twitter meta, a card image per post drawn
at build time (cached, same bytes every time), and a post's schema.org BlogPosting."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from PIL import Image, ImageDraw

from tests.conftest import Project

POST = """---
title: "Separable kernels: blur in $O(k)$ </script><b>"
description: Why a Gaussian blur costs two passes, not a square.
tags: [kernels, speed]
---
A $k \\times k$ kernel that is an outer product blurs in two passes.

```{python}
#| label: fig-gauss
#| fig-cap: A Gaussian kernel.
import numpy as np
import matplotlib.pyplot as plt
x = np.linspace(-3, 3, 61)
plt.figure(figsize=(4, 3))
plt.imshow(np.exp(-x[:, None] ** 2 - x[None, :] ** 2), cmap="viridis")
```
"""
PLAIN = "---\ntitle: Plain words\ndate: 2021-05-07\n---\nNo figure here.\n"


def meta(page: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, content in re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">',
                                    page):
        found.setdefault(name, []).append(content)
    return found


def blog(project: Project, base_url: str = "https://ex.org/notes/") -> None:
    project.write("site.toml", f'title = "Kernel notes"\nauthor = "A. Author"\n'
                  f'base_url = "{base_url}"\n')
    project.post("2021-05-06-separable.md", POST)
    project.post("2021-05-07-plain.md", PLAIN)


def test_a_post_tells_link_previews_and_search_engines_what_it_is(project: Project) -> None:
    blog(project)
    project.build()
    page = project.page("2021/05/06/separable/index.html")
    tags = meta(page)
    url = "https://ex.org/notes/2021/05/06/separable/"
    assert tags["og:title"] == ["Separable kernels: blur in $O(k)$ &lt;/script&gt;&lt;b&gt;"]
    assert tags["og:description"] == ["Why a Gaussian blur costs two passes, not a square."]
    assert tags["og:type"] == ["article"] and tags["og:site_name"] == ["Kernel notes"]
    assert tags["og:url"] == [url]
    assert tags["og:image"] == [url + "social-card.jpg"]
    assert (tags["og:image:width"], tags["og:image:height"]) == (["1200"], ["630"])
    assert tags["twitter:card"] == ["summary_large_image"]
    assert tags["article:published_time"] == ["2021-05-06T00:00:00+00:00"]
    assert tags["article:tag"] == ["kernels", "speed"]

    [raw] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert "</" not in raw  # a title cannot close the script
    data = json.loads(raw)
    assert data["@type"] == "BlogPosting" and data["@context"] == "https://schema.org"
    assert data["headline"] == "Separable kernels: blur in $O(k)$ </script><b>"
    assert data["url"] == url and data["mainEntityOfPage"]["@id"] == url
    assert data["image"] == url + "social-card.jpg"
    assert data["author"] == {"@type": "Person", "name": "A. Author"}
    assert data["datePublished"] == "2021-05-06T00:00:00+00:00"
    assert data["keywords"] == ["kernels", "speed"]

    home = meta(project.page("index.html"))
    assert home["og:type"] == ["website"] and home["og:url"] == ["https://ex.org/notes/"]
    assert home["og:image"] == ["https://ex.org/notes/social-card.jpg"]
    assert "ld+json" not in project.page("index.html")


def card(project: Project, path: str) -> Image.Image:
    image = Image.open(io.BytesIO((project.root / "site" / path).read_bytes()))
    assert image.format == "JPEG" and image.size == (1200, 630)
    assert not image.getexif() and "icc_profile" not in image.info  # no metadata
    return image.convert("RGB")


def inked(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Pixels of ``box`` that differ from the card's background."""
    import numpy as np

    part = np.asarray(image.crop(box), dtype=int)
    return int((np.abs(part - (253, 253, 252)).sum(axis=2) > 30).sum())


def test_cards_show_the_title_and_the_first_figure(project: Project) -> None:
    blog(project)
    project.build()
    with_figure = card(project, "2021/05/06/separable/social-card.jpg")
    plain = card(project, "2021/05/07/plain/social-card.jpg")
    site = card(project, "social-card.jpg")
    accent = with_figure.getpixel((6, 300))
    assert max(abs(a - b) for a, b in zip(accent, (11, 92, 173), strict=True)) <= 3
    right = (680, 100, 1150, 530)
    assert inked(with_figure, right) > 20_000  # the figure, on the right
    assert inked(plain, right) < 200  # no figure: the title has the width
    assert inked(plain, (80, 130, 700, 260)) > 2_000  # the title, large
    assert inked(plain, (80, 520, 600, 600)) > 300  # the date beneath
    assert plain.tobytes() != site.tobytes()


def test_cards_are_drawn_once_and_the_same_every_time(project: Project, tmp_path: Path) -> None:
    blog(project)
    project.build(env={"PYTHONHASHSEED": "1"})
    cache = project.root / ".cache" / "cards"
    first = {p.name: p.stat().st_ino for p in cache.glob("*.jpg")}
    assert len(first) == 3  # two posts and the site
    project.build(env={"PYTHONHASHSEED": "2"})
    assert {p.name: p.stat().st_ino for p in cache.glob("*.jpg")} == first  # not redrawn

    other = Project(tmp_path / "other")
    blog(other)
    other.build(env={"PYTHONHASHSEED": "3", "TZ": "Asia/Tokyo"})
    cards = sorted(p.relative_to(project.root / "site").as_posix()
                   for p in (project.root / "site").rglob("*social-card.jpg"))
    assert len(cards) == 3
    for path in cards:
        assert (other.root / "site" / path).read_bytes() == \
            (project.root / "site" / path).read_bytes(), path

    post = project.root / "posts/2021-05-07-plain.md"
    post.write_text(post.read_text().replace("Plain words", "Other words"))
    project.build()
    now = {p.name for p in cache.glob("*.jpg")}
    assert len(now) == 3 and len(now & set(first)) == 2  # one card redrawn, the old one gone


def test_without_a_public_address_previews_have_no_addresses(project: Project) -> None:
    blog(project, base_url="/notes/")
    project.build()
    tags = meta(project.page("2021/05/06/separable/index.html"))
    assert tags["og:title"] and tags["twitter:card"] == ["summary"]
    assert "og:url" not in tags and "og:image" not in tags
    assert "ld+json" not in project.page("2021/05/06/separable/index.html")
    assert not list((project.root / "site").rglob("*social-card.jpg"))
    assert not (project.root / ".cache" / "cards").exists()


def test_cards_can_be_turned_off(project: Project) -> None:
    blog(project)
    project.write("site.toml", 'base_url = "https://ex.org/"\ncards = false\n')
    project.build()
    assert not list((project.root / "site").rglob("*social-card.jpg"))
    tags = meta(project.page("2021/05/06/separable/index.html"))
    assert "og:image" not in tags and tags["og:url"]


def test_a_card_is_the_same_whatever_was_drawn_before_it() -> None:
    """A worker draws many cards and keeps what they share: a card's bytes never depend on
    which came before it (nor on matplotlib's style settings, for its math)."""
    import subprocess
    import sys

    code = """
import sys
import matplotlib
from builder.pages.card_draw import CardSpec, draw
first = CardSpec("", "Separable kernels: $O(k)$", "Kernel notes", "May 6, 2021", ("kernels",))
other = CardSpec("", "A much longer title " * 4, "Kernel notes", "May 7, 2021", ("a", "b"))
if sys.argv[1] == "after":
    matplotlib.rcParams["mathtext.fontset"] = "stix"  # what a figure block may leave behind
order = [first] if sys.argv[1] == "alone" else [other, first]
sys.stdout.buffer.write([draw(spec) for spec in order][-1])
"""
    made = [subprocess.run([sys.executable, "-c", code, how], capture_output=True, check=True,
                           timeout=120).stdout for how in ("alone", "after")]
    assert made[0] == made[1] and made[0][:3] == b"\xff\xd8\xff"  # a JPEG


def test_a_card_looks_as_cards_always_have() -> None:
    """Cards are drawn by Pillow since they no longer need matplotlib's figure machinery
    (matplotlib's mathtext still draws their math). ``golden/social-card.jpg`` is this card
    as matplotlib drew it before: the site's name, the title (math included, wrapped the
    same), the date and tags and the figure stand where they stood, in the same sizes and
    colours; only antialiasing may differ. Regenerate the file from ``draw`` if the card's
    design changes on purpose."""
    import numpy as np

    from builder.pages.card_draw import CardSpec, draw

    figure = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(figure).ellipse((60, 40, 340, 260), fill=(68, 1, 84))
    data = io.BytesIO()
    figure.save(data, "PNG")
    spec = CardSpec("", "Separable kernels: blur in $O(k)$, not $O(k^2)$", "Kernel notes",
                    "May 6, 2021", ("kernels", "speed"), data.getvalue())
    now = np.asarray(Image.open(io.BytesIO(draw(spec))).convert("RGB"), dtype=int)
    golden = Path(__file__).parent / "golden" / "social-card.jpg"
    before = np.asarray(Image.open(golden).convert("RGB"), dtype=int)
    parts = {"band": (0, 0, 630, 20), "site": (60, 20, 120, 640),
             "title 1": (140, 20, 215, 640), "title 2": (220, 20, 290, 640),
             "title 3 (math)": (290, 20, 370, 640), "footer": (520, 20, 610, 640),
             "figure": (100, 640, 560, 1200)}  # (top, left, bottom, right) of each
    for name, (top, left, bottom, right) in parts.items():
        inks = [np.abs(pixels[top:bottom, left:right] - (253, 253, 252)).sum(axis=2) > 60
                for pixels in (now, before)]
        boxes = [(xs.min(), ys.min(), xs.max(), ys.max())
                 for ys, xs in (np.nonzero(ink) for ink in inks)]
        assert np.abs(np.subtract(*boxes)).max() <= 2, (name, boxes)  # where it stands
        assert abs(inks[0].sum() / inks[1].sum() - 1) < 0.05, name  # its size and weight
    assert np.abs(now - before).mean() < 2.0  # the same colours, all but the glyphs' edges


def test_a_picture_the_author_chose_is_the_preview_instead_of_a_card(project: Project) -> None:
    """``image:`` (Quarto's, with ``image-alt``; jekyll-seo-tag's) names what a shared link
    shows: relative to the post as Quarto reads it, from the site's root with ``/``, or an
    address as written. No card is drawn for such a post."""
    blog(project)
    project.post("2021-05-08-chosen/index.md", "---\ntitle: Chosen\nimage: images/pic.png\n"
                 "image-alt: A hand-drawn kernel\n---\n![](images/pic.png)\n")
    project.write("posts/2021-05-08-chosen/images/pic.png", "not really a png")
    project.post("2021-05-09-rooted.md", "---\ntitle: Rooted\nimage: /assets/pic.png\n---\nText.\n")
    project.post("2021-05-10-elsewhere.md",
                 "---\ntitle: Elsewhere\nimage: https://cdn.example/pic.png\n---\nText.\n")
    project.build()
    site = project.root / "site"
    chosen = meta(project.page("2021/05/08/chosen/index.html"))
    assert chosen["og:image"] == ["https://ex.org/notes/2021/05/08/chosen/images/pic.png"]
    assert chosen["og:image:alt"] == ["A hand-drawn kernel"]
    assert chosen["twitter:card"] == ["summary_large_image"] and "og:image:width" not in chosen
    [raw] = re.findall(r'<script type="application/ld\+json">(.*?)</script>',
                       project.page("2021/05/08/chosen/index.html"), re.S)
    assert json.loads(raw)["image"] == "https://ex.org/notes/2021/05/08/chosen/images/pic.png"
    assert not (site / "2021/05/08/chosen/social-card.jpg").exists()
    rooted = meta(project.page("2021/05/09/rooted/index.html"))
    assert rooted["og:image"] == ["https://ex.org/notes/assets/pic.png"]
    assert rooted["og:image:alt"] == ["Rooted"]  # no alt text given: the title
    assert meta(project.page("2021/05/10/elsewhere/index.html"))["og:image"] == \
        ["https://cdn.example/pic.png"]
    assert (site / "2021/05/06/separable/social-card.jpg").is_file()  # the others keep theirs


def test_image_paths_are_read_as_each_author_wrote_them() -> None:
    from builder.sources.image_option import preview_image

    lines = {"image": 3}
    # Quarto: beside the page; jekyll-seo-tag: from the site's root, or {path, alt}
    assert preview_image({"image": "a/b.png"}, lines, "p.md", "2021/x/") == ("2021/x/a/b.png", "")
    assert preview_image({"image": "a/b.png"}, lines, "p.md", "notes.html") == ("a/b.png", "")
    assert preview_image({"image": "assets/b.png"}, lines, "p.md", "2021/x/", jekyll=True) \
        == ("assets/b.png", "")
    assert preview_image({"image": {"path": "/b.png", "alt": "B", "width": 9}}, lines,
                         "p.md", "2021/x/", jekyll=True) == ("b.png", "B")
    assert preview_image({}, lines, "p.md", "2021/x/") == ("", "")


def test_a_bad_image_is_an_error_naming_its_line(project: Project) -> None:
    project.write("site.toml", 'base_url = "https://ex.org/"\n')
    for name, value, message in [
            ("list", "[a.png, b.png]", "'image' must be the path of a picture"),
            ("outside", "../../../../../x.png",
             "'image: ../../../../../x.png' points outside the site"),
            ("ftp", "ftp://ex.org/x.png",
             "'image: ftp://ex.org/x.png' is not a web address a preview can fetch")]:
        project.post("2021-01-01-bad.md", f"---\ntitle: Bad\nimage: {value}\n---\nText.\n")
        printed = project.fail()
        assert f"posts/2021-01-01-bad.md:3: {message}" in printed, (name, printed)
