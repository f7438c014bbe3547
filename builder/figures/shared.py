"""The shared figure cache as a layer under ``FigureCache``: read-through, write-through.

Before a build looks its blocks up, the entries it lacks locally are read from the shared
store in one batch, then the images they name in another; what checks out is written into
``.cache/figures/`` as if this machine had made it, and the ordinary lookup takes it from
there. An entry is used only when every project file it recorded has the same hash in this
checkout, and every image the same hash as its name: a damaged, truncated or swapped object
is a miss (the block runs, and its fresh results replace it in the store). An entry carries
a digest of itself, so a damaged one is a miss too.

What this machine makes (the images and entries of the blocks it ran) is written to the
store at the end of the figure stage, in two batches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from builder.fsutil import atomic_write, digest, file_digest
from builder.shared_cache import SharedStore

if TYPE_CHECKING:
    from builder.figures.cache import FigureCache


def entry_name(key: str) -> str:
    return f"figures/entries/{key[:2]}/{key}.json"


def object_name(sha: str, file: str) -> str:
    return f"figures/objects/{sha[:2]}/{sha}{PurePosixPath(file).suffix}"


def _sealed(entry: dict[str, Any]) -> bytes:
    body = json.dumps(entry, sort_keys=True)
    return json.dumps({"entry": entry, "check": digest(body.encode())}, sort_keys=True).encode()


def _unsealed(data: bytes) -> dict[str, Any] | None:
    try:
        sealed = json.loads(data)
        entry = sealed["entry"]
        if digest(json.dumps(entry, sort_keys=True).encode()) != sealed["check"]:
            return None
        return entry if isinstance(entry, dict) else None
    except (ValueError, KeyError, TypeError):
        return None


class SharedLayer:
    def __init__(self, store: SharedStore) -> None:
        self.store = store
        self.misses: dict[str, str] = {}  # key -> why the shared entry was not used
        self.fetched: set[str] = set()  # keys whose entries came from the store
        self._objects: dict[str, Path] = {}  # to write: name -> local file
        self._entries: dict[str, bytes] = {}

    def prefetch(self, cache: FigureCache, keys: Iterable[str]) -> None:
        """Copy the store's entries for ``keys`` (those missing here) into the local cache,
        with their images, when everything checks out."""
        wanted = sorted({k for k in keys if not cache.entry_path(k).exists()})
        found = self.store.fetch(entry_name(k) for k in wanted)
        entries: dict[str, dict[str, Any]] = {}
        for key in wanted:
            data = found.get(entry_name(key))
            if data is None:
                continue
            entry = _unsealed(data)
            problem = "its entry in the shared cache was damaged" if entry is None \
                else cache.dependency_problem(entry)
            if problem:
                self.misses[key] = problem + " (shared cache)"
                continue
            entries[key] = entry
        images: dict[str, tuple[str, str]] = {}  # name -> (digest, file)
        for entry in entries.values():
            for image in cache.images_of(entry):
                if file_digest(cache.object_path(image["digest"], image["file"])) \
                        != image["digest"]:
                    images[object_name(image["digest"], image["file"])] = (
                        image["digest"], image["file"])
        got = self.store.fetch(images)
        damaged: set[str] = set()
        for name, (sha, file) in images.items():
            data = got.get(name)
            if data is None or digest(data) != sha:
                damaged.add(sha)
                continue
            atomic_write(cache.object_path(sha, file), data)
        for key, entry in entries.items():
            bad = next((i["file"] for i in cache.images_of(entry) if i["digest"] in damaged),
                       None)
            if bad is not None:
                self.misses[key] = f"its image {bad} in the shared cache was missing or damaged"
                continue
            cache.store_entry(key, entry, share=False)
            self.fetched.add(key)

    def add_object(self, sha: str, file: str, path: Path) -> None:
        self._objects[object_name(sha, file)] = path

    def add_entry(self, key: str, entry: dict[str, Any]) -> None:
        self._entries[entry_name(key)] = _sealed(entry)

    def flush(self) -> None:
        objects, entries = self._objects, self._entries
        self._objects, self._entries = {}, {}
        self.store.push({n: p for n, p in objects.items() if p.exists()}, entries)
