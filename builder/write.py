"""Write the site: only files whose bytes changed, staged beside the output, swapped in whole.

The previous site stays byte-identical until a build has fully succeeded: changed files go
into a staging folder (unchanged ones are hard links, so staging costs almost nothing), and
the two folders are exchanged in one atomic rename. A build that writes nothing touches nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from builder.config import Config
from builder.errors import BuildError
from builder.fsutil import atomic_write, exchange_dirs

MARKER = ".build-site"
MARKER_TEXT = b"This folder is written by build-site; it replaces it whole on every build.\n"
SOURCE_FOLDERS = ("posts", "figures", "templates", "static", ".git", ".cache")


@dataclass(frozen=True)
class Output:
    """A file of the site: its path, a key over everything it is made from, and its maker."""

    path: str
    key: str
    produce: Callable[[], bytes]


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    rendered: int = 0


def check_output_dir(config: Config, out: Path) -> None:
    """Refuse, before deleting anything, an output folder that is not ours to replace."""
    root = config.root
    if out == root or root.is_relative_to(out):
        raise BuildError(f"output folder '{out}' is the project or holds it", "site.toml")
    for name in (*SOURCE_FOLDERS, config.posts_dir):
        source = (root / name).resolve()
        if out == source or out.is_relative_to(source) or source.is_relative_to(out):
            raise BuildError(f"output folder '{out}' overlaps the source folder '{name}/'",
                             "site.toml")
    if out.is_symlink():
        raise BuildError(f"output folder '{out}' is a symbolic link", "site.toml")
    if out.exists():
        if not out.is_dir():
            raise BuildError(f"output '{out}' exists and is not a folder", "site.toml")
        if (out / ".git").exists():
            raise BuildError(f"output folder '{out}' holds a .git folder", "site.toml")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise BuildError(
                f"output folder '{out}' holds files build-site did not write; "
                "refusing to replace it", "site.toml",
                hint="choose another --out, or empty that folder yourself",
            )


def remove_stale_staging(out: Path, say: Callable[[str], None]) -> None:
    for stale in sorted(out.parent.glob(f".{out.name}.tmp-*")):
        if (stale / MARKER).is_file() or not any(stale.iterdir()):
            shutil.rmtree(stale, ignore_errors=True)
            say(f"removed {stale.name}, left by an interrupted build")


class SiteWriter:
    """Knows what the last build wrote (``.cache``) so it can tell what changed."""

    def __init__(self, config: Config, out: Path) -> None:
        self.out = out
        ident = hashlib.blake2b(str(out).encode(), digest_size=8).hexdigest()
        self.state_path = config.root / ".cache" / "site" / f"{ident}.json"
        self.previous = self._load_state()

    def _load_state(self) -> dict[str, list]:
        if not (self.out / MARKER).is_file():
            return {}
        try:
            data = json.loads(self.state_path.read_bytes())
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def key_of(self, path: str) -> str | None:
        record = self.previous.get(path)
        return record[0] if record else None

    def _on_disk(self, path: str, record: list) -> bool:
        try:
            stat = (self.out / path).stat()
        except OSError:
            return False
        return stat.st_size == record[2] and stat.st_mtime_ns == record[3]

    def write(self, outputs: Iterable[Output]) -> WriteReport:
        report = WriteReport()
        changed: dict[str, bytes] = {}
        state: dict[str, list] = {}
        for output in outputs:
            if output.path in state:
                raise BuildError(f"two things want to be written to '{output.path}'")
            record = self.previous.get(output.path)
            if record and record[0] == output.key and self._on_disk(output.path, record):
                state[output.path] = record
                report.unchanged += 1
                continue
            data = output.produce()
            report.rendered += 1
            digest = hashlib.blake2b(data, digest_size=16).hexdigest()
            if record and record[1] == digest and self._on_disk(output.path, record):
                state[output.path] = [output.key, *record[1:]]
                report.unchanged += 1
                continue
            changed[output.path] = data
            state[output.path] = [output.key, digest, len(data), 0]
        removed = sorted(set(self.previous) - set(state))
        if changed or removed or not (self.out / MARKER).is_file():
            self._swap_in(changed, state)
        report.written = sorted(changed)
        report.removed = removed
        atomic_write(self.state_path, json.dumps(state, separators=(",", ":")).encode())
        return report

    def _swap_in(self, changed: dict[str, bytes], state: dict[str, list]) -> None:
        out = self.out
        staging = out.parent / f".{out.name}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        made: set[Path] = {staging}
        try:
            for path in state:
                target = staging / path
                if target.parent not in made:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    made.add(target.parent)
                if path in changed:
                    target.write_bytes(changed[path])
                else:
                    os.link(out / path, target)
            (staging / MARKER).write_bytes(MARKER_TEXT)
            if out.exists():
                exchange_dirs(staging, out)
            else:
                os.rename(staging, out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for path in changed:
            stat = (out / path).stat()
            state[path][3] = stat.st_mtime_ns
