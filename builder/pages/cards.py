"""Social cards: the image a link preview shows, one per post and one for the site, drawn at
build time and kept by content, as figures are.

A card's key covers what it shows (title, site name, date, tags, the first figure's digest),
the drawing code and the versions of the libraries that draw it; cards whose key is in
``.cache/cards/`` are read from there, the others are drawn by ``card_draw`` in worker
processes (matplotlib is never imported by the builder's own process). Cards exist only
where they can be used: link previews need absolute addresses, so a site without
``base_url``'s host gets none.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from builder.config import Config
from builder.errors import BuildError
from builder.fsutil import digest, file_digest
from builder.model import PostMeta
from builder.pages.card_draw import CardSpec
from builder.pages.memo import remembered
from builder.pages.plan import SitePost
from builder.pages.social import CARD, cards_on, preview_card
from builder.versions import installed_version
from builder.write import Output

CARDS_VERSION = "1"
_RASTERS = (".png", ".webp", ".jpg", ".jpeg", ".gif")
_LIBRARIES = ("matplotlib", "pillow", "numpy")  # what draws a card: part of its key
_DRAWING = Path(__file__).with_name("card_draw.py")


@dataclass
class Cards:
    outputs: list[Output] = field(default_factory=list)
    drawn: int = 0


def make_cards(config: Config, posts: Sequence[SitePost], figures: Sequence[Output],
               jobs: int) -> Cards:
    """Every post's card and the site's, from the cache or drawn now."""
    if not cards_on(config):
        return Cards()
    versions = [sys.version, *(installed_version(name) for name in _LIBRARIES)]
    code = file_digest(_DRAWING)
    images = {output.path: output for output in figures}
    # (site path, key, spec, the first figure's output, origin)
    wanted: list[tuple[str, str, CardSpec, Output | None, str]] = []
    host = urlsplit(config.base_url).netloc
    site = CardSpec("", config.title, host, config.description, ())
    wanted.append((CARD, _key(site, None, code, versions), site, None, "the site's card"))
    drawing = (config.title, config.base_url, code, tuple(versions))
    for post in posts:
        figure, figure_digest = _first_figure(post, images)
        card = remembered(_CARDS, (post.key, figure_digest, drawing),
                          lambda post=post, figure_digest=figure_digest:
                          _card(config, post.meta, figure_digest, code, versions))
        if card:
            path, key, spec = card
            wanted.append((path, key, spec, figure, post.meta.source))
    folder = config.root / ".cache" / "cards"
    try:
        known = set(os.listdir(folder))
    except OSError:
        known = set()
    missing = {key: replace(spec, path=str(folder / f"{key}.jpg"),  # figures read if drawn
                            image=figure.produce() if figure else None)
               for _, key, spec, figure, _ in wanted if f"{key}.jpg" not in known}
    if missing:
        folder.mkdir(parents=True, exist_ok=True)
        _draw(list(missing.values()), jobs, {key: origin for _, key, _, _, origin in wanted})
        used = {f"{key}.jpg" for _, key, *_ in wanted}
        for name in known - used:  # cards of posts since changed or gone
            with contextlib.suppress(OSError):
                (folder / name).unlink()
    outputs = [Output(path, "card:" + key, _reader(folder / f"{key}.jpg"), origin)
               for path, key, _, _, origin in wanted]
    return Cards(outputs, len(missing))


_CARDS: dict[Any, tuple[str, str, CardSpec] | tuple[()]] = {}


def _card(config: Config, meta: PostMeta, figure_digest: str | None, code: str | None,
          versions: list) -> tuple[str, str, CardSpec] | tuple[()]:
    """Where the post's card goes, its key and what it shows; () when it has none."""
    path = preview_card(config, meta)  # the pages' rule: none where the author chose one
    if path is None:
        return ()
    spec = CardSpec("", meta.title, config.title,
                    meta.date.strftime("%B %-d, %Y") if meta.dated else "", meta.tags)
    return path, _key(spec, figure_digest, code, versions), spec


def _key(spec: CardSpec, image: str | None, code: str | None, versions: list) -> str:
    shown = (spec.title, spec.site, spec.date, spec.tags, image)
    return digest(repr((CARDS_VERSION, code, versions, shown)).encode())


def _first_figure(post: SitePost, images: dict[str, Output]
                  ) -> tuple[Output | None, str | None]:
    """The output and digest of the post's first raster figure (an animation's first frame
    is drawn), if it has one."""
    if not post.figures:
        return None, None
    folder = posixpath.dirname(post.meta.output_file)
    folder = folder + "/" if folder else ""
    for result in post.figures:
        for image in result.images:
            output = images.get(folder + image.file)
            if image.figure and output and image.file.lower().endswith(_RASTERS):
                return output, image.digest
    return None, None


def _reader(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            return path.read_bytes()
        except OSError:
            raise BuildError(f"the social card {path} went missing while the site was "
                             "written", hint="build again") from None

    return read


def _draw(specs: list[CardSpec], jobs: int, origins: dict[str, str]) -> None:
    """Draw the cards in worker processes, a share each; a card that can't be drawn is an
    error naming its post."""
    from builder.pages.card_draw import draw_all
    from builder.procutil import can_fork, process_pool

    workers = max(1, min(jobs, len(specs) // 8 or 1))
    shares = [specs[i::workers] for i in range(workers)]
    with process_pool(workers, fork=can_fork()) as pool:
        failures = [problem for future in [pool.submit(draw_all, share) for share in shares]
                    for problem in future.result()]
    if failures:
        path, message = failures[0]
        key = Path(path).stem
        raise BuildError(f"the social card could not be drawn: {message}",
                         origins.get(key, "the site's card"))
