"""Whether the site is already what a build would make: ``make``'s question, asked first.

A build that changes nothing still has to learn that post by post: at 10,000 posts, reading
the caches and planning every page is most of half a second. Before any of it, this module
compares every file the build could read (the project, found by one walk and known by its
stamps), the builder's own code, the installed libraries, the options and the environment
variables that shape a site, with what the last successful build recorded. When nothing
differs, no future post's date has come, and every file of the live site is still the one
the last build wrote, the build is over: its report is the last one's, replayed.

Stamps are size, modification time, inode and change time (``fsutil.stat_stamp``): a
checkout, a copy or a restored cache gives files new inodes and change times, so anything
not left alone since the record was made is seen. A file changed in the last two seconds has
no trustworthy stamp: then nothing is known, and the full build runs (and records nothing).
The record is written by the build itself while it holds the build lock, naming the site's
generation, so two builds with other options never leave a record of the wrong site.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from builder import __version__
from builder.clock import build_now
from builder.config import Config
from builder.errors import BuildWarning
from builder.fsutil import Stamp, atomic_write, digest, stat_stamp
from builder.versions import installed_libraries

_VERSION = 1
# What a build never reads: version control, caches, virtual environments, packages of
# other tools. A change there is no change of the site. Hidden folders and Python's caches
# anywhere; the others only at the top of the project (``posts/venv/`` may be a post).
_NEVER_READ = frozenset({".git", ".hg", ".svn", ".cache", "__pycache__", ".venv", ".tox",
                         ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
                         ".ipynb_checkpoints", ".quarto", ".jekyll-cache", ".sass-cache"})
_NEVER_READ_AT_TOP = _NEVER_READ | {"node_modules", "venv"}
# Environment variables a site is made from (dates of reproducible builds, Jekyll's mode).
_ENVIRONMENT = ("SOURCE_DATE_EPOCH", "JEKYLL_ENV")


@dataclass(frozen=True)
class Replay:
    """What the last build reported, to be said again: a build that finds nothing changed
    tells the author the same warnings and numbers as the build that made the site."""

    posts: int
    figures: int
    outputs: int
    warnings: tuple[BuildWarning, ...]
    not_built: str


@dataclass(frozen=True)
class Inputs:
    """What a build reads, as it was when the build started: ``key`` digests it all (None
    when a file changed too recently for its stamp to be trusted), ``stamps`` are the
    files' stamps by path, which the build uses instead of taking them again."""

    key: str | None
    stamps: dict[str, Stamp]


def stamp_inputs(config: Config, drafts: bool) -> Inputs:
    """Everything the build could read and every setting it runs with."""
    parts: list[object] = [_VERSION, __version__, sys.version, sys.executable, drafts,
                           repr(config), sorted(installed_libraries().items()),
                           [(name, os.environ.get(name)) for name in _ENVIRONMENT]]
    if config.jekyll is not None:  # Liquid's site.time: its documents change by the day
        parts.append(build_now().date().isoformat())
    out = config.output_path
    skip = {str(out), str(out.parent / f".{out.name}.back"), str(config.root / ".cache")}
    staging = str(out.parent / f".{out.name}.tmp-")  # an interrupted build's, if any
    stamps: dict[str, Stamp] = {}
    for folder in (str(Path(__file__).parent), str(config.root)):
        found = _stamps(folder, skip, staging)
        parts.append(found)
        stamps.update(found)
    # files outside the project that the last build's figure blocks read (depends: ../x)
    for path in _record(config).get("external", []):
        stamps[path] = _stamp(path)
        parts.append((path, stamps[path]))
    if None in stamps.values():  # the build reads those files; the others it knows
        return Inputs(None, stamps)
    return Inputs(digest(json.dumps(parts, default=str).encode()), stamps)


def unchanged(config: Config, inputs: Inputs) -> Replay | None:
    """The last build's report when the site is what a build with these inputs would
    make; None when anything may differ (then the build runs)."""
    if inputs.key is None:
        return None
    try:
        record = _record(config)
        if record.get("inputs") != inputs.key:
            return None
        cutoff = record["publish_next"]
        if cutoff is not None and build_now() >= datetime.fromisoformat(cutoff):
            return None  # a future post's date has come: it is published now
        if not _live_site_intact(config, record["generation"]):
            return None
        return Replay(record["posts"], record["figures"], record["outputs"],
                      tuple(BuildWarning(*w) for w in record["warnings"]), record["not_built"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def save_record(config: Config, key: str, replay: Replay, publish_next: datetime | None,
                generation: int, external: list[str]) -> None:
    """Record a successful build (called under the build lock, after the swap). A failure
    to write is no failure of the build: the record left names another generation of the
    site, so the next build runs in full. ``external``: files outside the project its
    figure blocks read, whose stamps the next build's key takes (before that build runs)."""
    data = {"version": _VERSION, "inputs": key, "generation": generation,
            "external": external,
            "publish_next": publish_next.isoformat() if publish_next else None,
            "posts": replay.posts, "figures": replay.figures, "outputs": replay.outputs,
            "warnings": [[w.path, w.line, w.message, w.hint] for w in replay.warnings],
            "not_built": replay.not_built}
    with contextlib.suppress(OSError):  # the record names its generation: an old one
        atomic_write(_record_path(config), json.dumps(data).encode())  # is never trusted


def _live_site_intact(config: Config, generation: int) -> bool:
    """Every file the last build wrote is still there as written (size and modification
    time, the writer's own test), and the live site is the generation recorded."""
    from builder.write import SiteWriter, live_files_intact

    writer = SiteWriter(config, config.output_path)
    return writer.generation == generation and live_files_intact(writer)


def _record(config: Config) -> dict:
    """The last build's record ({} when there is none, or one of another version)."""
    try:
        record = json.loads(_record_path(config).read_bytes())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) and record.get("version") == _VERSION else {}


def _stamp(path: str) -> Stamp:
    try:
        return stat_stamp(path)
    except OSError:
        return ()  # missing (or a dangling link): stamped as such


def _stamps(folder: str, skip: set[str], staging: str) -> list[tuple[str, Stamp]]:
    """(path, stamp) of every file below ``folder``, in a stable order (a racy file's stamp
    is None). Folders that are symbolic links are entered too (a ``templates/`` linked to a
    shared theme is read through its link), each real folder once."""
    found: list[tuple[str, Stamp]] = []
    pending = [folder]
    seen = {os.path.realpath(folder)}
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as scanned:
                entries = sorted(scanned, key=lambda entry: entry.name)
        except OSError:
            continue
        never = _NEVER_READ_AT_TOP if current == folder else _NEVER_READ
        for entry in entries:
            if entry.name in never or entry.path in skip or entry.path.startswith(staging):
                continue
            if entry.is_dir():
                real = os.path.realpath(entry.path)
                if real not in seen and \
                        not os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                    seen.add(real)
                    pending.append(entry.path)
                continue
            found.append((entry.path, _stamp(entry.path)))
    return found


def _record_path(config: Config) -> Path:
    return config.root / ".cache" / "site" / f"{digest(str(config.output_path).encode())}.up"
