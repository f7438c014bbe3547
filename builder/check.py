"""``build-site check``: prove every figure still regenerates from its code, identically.

It runs every figure block from scratch twice (ignoring the cache), and fails if a block
errors, an image a post references is missing, the two runs differ, or a figure differs from
the committed manifest ``figures.lock``. When the libraries that draw (numpy, matplotlib,
Pillow, Python) differ from the ones the manifest was made with, figures are compared by
their pixels with a small tolerance instead of byte for byte, as pytest-mpl does, because a
new FreeType or matplotlib moves antialiased edges by a shade. A figure of a block marked
``#| measured: true`` (timings of the machine that builds it) cannot be the same bytes twice:
it must run both times and keep its size and frame count, and that is all that is compared.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from builder.build import BuildOptions, collect_posts
from builder.config import Config
from builder.errors import ignore_warning, machine_faults, type_words
from builder.figures.cache import FigureCache
from builder.figures.stage import FigureStage, library_versions, run_figures
from builder.fsutil import atomic_write, exclusive_lock
from builder.model import FigureImage, StoredFile
from builder.pages.assets import static_files
from builder.sources.bundles import bundle_files, post_folder

LOCK_FILE = "figures.lock"
_THUMB = (32, 16)  # pixels kept per sampled frame: enough to see a curve move
_TOLERANCE = 6.0  # mean absolute difference (0-255) allowed between thumbnails


@dataclass
class CheckReport:
    figures: int = 0
    problems: list[str] = field(default_factory=list)
    updated: bool = False


def _thumbnails(data: bytes) -> list[str]:
    """Small grey thumbnails of up to four frames spread over the image: its pixel print."""
    from PIL import Image, ImageSequence

    if data.lstrip()[:5] in (b"<?xml", b"<svg "):
        return []  # SVG is text: compared by its hash only
    with Image.open(io.BytesIO(data)) as image:
        frames = [f.convert("L").resize(_THUMB, Image.Resampling.BOX)
                  for f in ImageSequence.Iterator(image)]
    picks = sorted({0, len(frames) // 3, 2 * len(frames) // 3, len(frames) - 1})
    return [base64.b64encode(frames[i].tobytes()).decode() for i in picks]


def _distance(a: list[str], b: list[str]) -> float:
    if len(a) != len(b):
        return float("inf")
    total = count = 0
    for x, y in zip(a, b, strict=True):
        bx, by = base64.b64decode(x), base64.b64decode(y)
        total += sum(abs(p - q) for p, q in zip(bx, by, strict=True))
        count += len(bx)
    return total / max(count, 1)


def _measured(posts: list) -> set[tuple[str, int]]:
    """Blocks marked ``#| measured: true``: their figures show timings (or anything else
    measured on the machine that builds them), so their bytes differ from run to run and from
    machine to machine. The check runs them, and compares their size and frames only."""
    return {(meta.source, block.index) for meta, body in posts for block in body.blocks
            if block.options.get("measured")}


def _hashes(stage: FigureStage) -> dict[str, str]:
    """Each figure's content hash, named as in the manifest: all a second run is compared by."""
    return {f"{post}:{stored.file}": stored.digest
            for post, results in stage.results.items()
            for result in results.values() for image in result.images
            for stored in image.stored_files()}


def _manifest(stage: FigureStage, cache: FigureCache, labels: dict[tuple[str, int], str],
              measured: set[tuple[str, int]]) -> dict[str, dict[str, Any]]:
    figures = {}
    for post, results in sorted(stage.results.items()):
        for index, result in sorted(results.items()):
            for image, stored in _images_and_files(result.images):
                data = cache.read_image(stored.digest, stored.file)
                entry = {"post": post, "label": labels[(post, index)], "file": stored.file,
                         "size": [image.width, image.height], "frames": image.frames}
                if (post, index) in measured:
                    entry["measured"] = True
                else:
                    entry.update(bytes=len(data), hash=stored.digest, pixels=_thumbnails(data))
                figures[f"{post}:{stored.file}"] = entry
    return figures


def _images_and_files(images: Collection[FigureImage]
                      ) -> list[tuple[FigureImage, StoredFile]]:
    """Each file the images publish (a player's, a dark rendering's too), with the image it
    is a file of (whose size and frames it has)."""
    drawn = [one for image in images for one in (image, image.dark) if one is not None]
    return [(one, stored) for one in drawn
            for stored in (StoredFile(one.file, one.digest), one.player) if stored is not None]


def check_figures(config: Config, options: BuildOptions, update: bool,
                  say: Callable[[str], None]) -> CheckReport:
    report = CheckReport()
    with machine_faults(config.root), exclusive_lock(config.root / ".cache" / "build.lock"):
        chosen, parse_cache, _ = collect_posts(config, options)
        posts = [(meta, body) for _, meta, body in chosen]
        html = {meta.source: body.html or parse_cache.html(key) or ""
                for key, meta, body in chosen}
        labels = {(m.source, b.index): b.label for m, body in posts for b in body.blocks}
        cache = FigureCache(config.root)
        say("running every figure block from scratch")
        first = run_figures(config, posts, options.jobs, use_cache=False, share=False, say=say,
                            progress=options.progress)
        report.problems += [str(error) for error in first.errors]
        if first.errors:
            return report
        say("running them all again, to see that they make the same bytes")
        second = run_figures(config, posts, options.jobs, use_cache=False, share=False, say=say,
                             progress=options.progress)
        report.problems += [str(error) for error in second.errors]
        now = _manifest(first, cache, labels, _measured(posts))
        again = _hashes(second)
        report.figures = len(now)
        for name in sorted(now):
            if now[name].get("measured"):
                if name not in again:
                    report.problems.append(f"{name}: the second run did not make it")
            elif again.get(name) != now[name]["hash"]:
                report.problems.append(f"{name}: two runs made different bytes "
                                       "(unseeded randomness, a timestamp, a dict order?)")
        written = {f"{post}:{name}" for post, results in first.results.items()
                   for result in results.values() for name in result.files}
        report.problems += _missing_references(config, posts, html,
                                               now.keys() | written | _folder_files(config, posts))
        lock_path = config.root / LOCK_FILE
        versions = library_versions()
        if update:
            text = json.dumps({"versions": versions, "figures": now}, indent=1, sort_keys=True)
            atomic_write(lock_path, (text + "\n").encode())
            report.updated = True
            return report
        report.problems += _compare_with_lock(lock_path, now, versions)
    return report


def _folder_files(config: Config, posts: list) -> set[str]:
    """The files of posts that are folders, published beside them (``sources/bundles.py``),
    named as figures are: ``posts/x/index.md:images/photo.png``."""
    found = set()
    for meta, _ in posts:
        folder = post_folder(meta.source, config.posts_dir)
        if folder is not None:
            found |= {f"{meta.source}:{rel}"
                      for rel in bundle_files(config.root, folder, ignore_warning)}
    return found


def _missing_references(config: Config, posts: list, html: dict[str, str],
                        made: Collection[str]) -> list[str]:
    """Every image a post's HTML points at must be a figure it made, a file its blocks
    wrote, or a static file."""
    problems = []
    static = static_files(config, need_mathjax=False)  # site path -> file (a Jekyll site's too)
    for meta, _ in posts:
        for match in re.finditer(r'<img[^>]*\ssrc="([^"]+)"', html[meta.source]):
            src = match.group(1)
            if re.match(r"^[a-z]+:", src) or src.startswith("//"):
                continue
            if src.startswith("/"):
                path = unquote(src.split("?")[0])
                ok = path.startswith(config.base_path) and \
                    path.removeprefix(config.base_path) in static
            else:
                ok = f"{meta.source}:{src}" in made
            if not ok:
                line = _line_of(config.root / meta.source, src)
                problems.append(f"{meta.source}:{line}: image '{src}' is referenced but "
                                "no figure block makes or writes it")
    return problems


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if needle in line:
            return number
    return 1


def _compare_with_lock(lock_path: Path, now: dict[str, Any], versions: dict[str, str]
                       ) -> list[str]:
    if not lock_path.is_file():
        if not now:
            return []  # no figure blocks, nothing to lock (a Jekyll blog, say)
        return [f"{LOCK_FILE}: missing; run 'build-site check --update' and commit it"]
    try:
        locked = json.loads(lock_path.read_text(encoding="utf-8"))
        figures, locked_versions = locked["figures"], locked["versions"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{LOCK_FILE}: unreadable ({exc}); run 'build-site check --update'"]
    same_libraries = locked_versions == versions
    problems = []
    for name in sorted(set(figures) - set(now)):
        problems.append(f"{name}: in {LOCK_FILE} but no block makes it any more")
    for name in sorted(set(now) - set(figures)):
        problems.append(f"{name}: new figure, not in {LOCK_FILE} (run 'build-site check "
                        "--update' and commit it)")
    for name in sorted(set(now) & set(figures)):
        old, new = figures[name], now[name]
        damage = _damage(old)
        if damage:
            problems.append(f"{LOCK_FILE}: the entry for {name} is damaged ({damage}); run "
                            "'build-site check --update'")
            continue
        if old.get("measured") != new.get("measured"):
            problems.append(f"{name}: {'now' if new.get('measured') else 'no longer'} "
                            f"measured; run 'build-site check --update' and commit it")
            continue
        if not new.get("measured") and old["hash"] == new["hash"]:
            continue
        if old["size"] != new["size"] or old["frames"] != new["frames"]:
            problems.append(f"{name}: was {old['size'][0]}x{old['size'][1]} px, "
                            f"{old['frames']} frames; now {new['size'][0]}x{new['size'][1]} "
                            f"px, {new['frames']} frames")
            continue
        if new.get("measured"):
            continue  # its numbers are this machine's: it ran, and kept its shape
        distance = _distance(old["pixels"], new["pixels"])
        if same_libraries or distance > _TOLERANCE:
            why = "with the same libraries" if same_libraries else \
                f"pixels differ by {distance:.1f}/255 on average (tolerance {_TOLERANCE})"
            problems.append(f"{name}: differs from {LOCK_FILE} ({why}); if the change is "
                            "intended, run 'build-site check --update' and commit it")
    return problems


_LOCKED_FIELDS = {"size": list, "frames": int, "hash": str, "pixels": list}


def _damage(entry: Any) -> str:
    """What is wrong with one figure's entry in the lock file, or "" if nothing is (a
    measured figure keeps only its size and frames)."""
    if not isinstance(entry, dict):
        return f"a {type(entry).__name__}, not a table"
    for key, kind in _LOCKED_FIELDS.items():
        if entry.get("measured") and key in ("hash", "pixels"):
            continue
        if key not in entry:
            return f"no '{key}'"
        if not isinstance(entry[key], kind):
            return f"'{key}' is not {type_words(kind)}"
    if len(entry["size"]) != 2 or not all(isinstance(v, int) for v in entry["size"]):
        return "'size' is not two whole numbers"
    return ""
