"""``.cache/figures/``: content-addressed images and one entry per block key.

An entry lists a block's outputs in order (images by content hash, printed text, displayed
HTML and Markdown) and the project files it depended on with their hashes at run time.
Images are stored under their own hash, so a truncated or corrupted file is caught by
re-hashing it and the block simply runs again; nothing unverified is ever published. Writes
go through a temporary name and a rename, so a crash or a second build at the same moment
can't leave half an entry.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from builder.fsutil import atomic_write, file_digest, listing_digest
from builder.fsutil import digest as content_digest

if TYPE_CHECKING:
    from builder.figures.shared import SharedLayer


def entry_images(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The image outputs an entry lists (each with ``file`` and ``digest``)."""
    return [output for output in entry["outputs"] if output["type"] == "image"]


class FigureCache:
    def __init__(self, root: Path, output: Path | None = None,
                 shared: SharedLayer | None = None) -> None:
        self.root = root
        self.shared = shared  # the shared cache under this one (``shared.py``), if any
        self.output = output  # left out of folder listings (the build writes it)
        self.folder = root / ".cache" / "figures"
        self.objects = self.folder / "objects"
        self.entries = self.folder / "entries"
        self._digests: dict[str, str | None] = {}

    def current_digest(self, rel: str) -> str | None:
        """Hash of a dependency now: a file's bytes, or a folder's list of names for a path
        ending in ``/`` (memoised for the build: each is read once)."""
        if rel not in self._digests:
            path = self.root / rel
            self._digests[rel] = listing_digest(
                path, {str(self.output)} if self.output else set()) if rel.endswith("/") \
                else file_digest(path)
        return self._digests[rel]

    def entry_path(self, key: str) -> Path:
        return self.entries / key[:2] / f"{key}.json"

    def lookup(self, key: str) -> tuple[dict[str, Any] | None, str]:
        """The entry for ``key`` if every dependency and image checks out; else why not."""
        try:
            entry = json.loads(self.entry_path(key).read_bytes())
        except FileNotFoundError:
            if self.shared is not None and key in self.shared.misses:
                return None, self.shared.misses[key]
            return None, "not in the cache"
        except (OSError, ValueError):
            return None, "its cache entry was corrupt"
        problem = self.dependency_problem(entry)
        if problem:
            return None, problem
        try:
            for image in self.images_of(entry):
                if file_digest(self.object_path(image["digest"], image["file"])) \
                        != image["digest"]:
                    return None, f"its cached image {image['file']} was damaged"
        except (KeyError, TypeError, AttributeError):
            return None, "its cache entry was corrupt"
        return entry, "cached"

    def dependency_problem(self, entry: dict[str, Any]) -> str | None:
        """Which project file the entry recorded differs in this checkout, if one does."""
        try:
            for rel, digest in entry["deps"].items():
                if self.current_digest(rel) != digest:
                    return (f"files were added to or removed from {rel}"
                            if rel.endswith("/") else f"{rel} changed")
            self.images_of(entry)
        except (KeyError, TypeError, AttributeError):
            return "its cache entry was corrupt"
        return None

    @staticmethod
    def images_of(entry: dict[str, Any]) -> list[dict[str, Any]]:
        """Every stored object an entry names: its images, their players' files (an
        animation's WebP) and the files its block wrote."""
        images = entry_images(entry)
        players = [image["player"] for image in images if image.get("player")]
        return [{"digest": str(i["digest"]), "file": str(i["file"])}
                for i in [*images, *players, *entry["files"]]]

    def object_path(self, digest: str, name: str) -> Path:
        return self.objects / digest[:2] / f"{digest}{PurePosixPath(name).suffix}"

    def store_image(self, source: Path, name: str) -> str:
        """Move a freshly made image into the store; return its hash."""
        digest = file_digest(source)
        assert digest is not None
        target = self.object_path(digest, name)
        if target.exists() and file_digest(target) == digest:
            source.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(source), str(target.with_suffix(target.suffix + ".tmp")))
            target.with_suffix(target.suffix + ".tmp").replace(target)
        if self.shared is not None:
            self.shared.add_object(digest, name, target)
        return digest

    def store_entry(self, key: str, entry: dict[str, Any], share: bool = True) -> None:
        atomic_write(self.entry_path(key), json.dumps(entry, sort_keys=True).encode())
        if share and self.shared is not None:
            self.shared.add_entry(key, entry)

    def read_image(self, digest: str, name: str) -> bytes:
        data = self.object_path(digest, name).read_bytes()
        if content_digest(data) != digest:
            raise OSError(f"cached image {name} changed while building")
        return data

    def load_history(self) -> dict[str, Any]:
        """Each block's key parts at its last run, to say what changed (damage: forgotten)."""
        try:
            history = json.loads((self.folder / "history.json").read_bytes())
        except (OSError, ValueError):
            return {}
        return history if isinstance(history, dict) else {}

    def save_history(self, history: dict[str, Any]) -> None:
        atomic_write(self.folder / "history.json", json.dumps(history, sort_keys=True).encode())
