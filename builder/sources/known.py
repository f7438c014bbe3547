"""``.cache/sources.json``: what earlier builds learned of each post file, by its stamp.

A build of a big site must not read and hash every post to find the one that changed
(82 MB at 10,000 posts). A file whose stamp (size, modification time, inode, change time)
is the one recorded when its bytes were last read and hashed has those bytes still: its
digest, and what a Jekyll site's index needs of it, come from here, and it is read only if
it must be parsed.

Why a stamp can be trusted across builds: a checkout, a copy or a CI restore gives a file a
new inode and change time (the change time cannot be set back by any program), so it is
read again; and a file changed so recently that its times may not tell one write from the
next (``fsutil.stat_stamp``'s racy window) gets no stamp, so it is read at every build until
it has been left alone for a while. Git trusts its index on the same rule.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from builder.errors import BuildError
from builder.fsutil import Stamp, atomic_write, stat_stamp
from builder.sources.posts import SourceFile, read_source

_VERSION = 2  # 2: whether a post may cite


class KnownSources:
    """Stamps and facts of the post files, kept in memory by a preview server and saved in
    ``.cache`` by every build (``path`` None: memory only)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.files: dict[str, tuple[Stamp, SourceFile]] = {}
        self._changed = False
        if path is not None:
            self.files = _load(path)

    def read_each(self, paths: Sequence[str | Path], root: Path,
                  stamps: dict[str, Stamp] | None, errors: list[BuildError],
                  ) -> Iterator[SourceFile]:
        """Every post, as it is read (a mistake goes to ``errors``), read only where its
        stamp is not the one recorded. A post known by its stamp comes without its bytes
        (``SourceFile.raw`` is None: see ``loaded``). ``stamps``: the stamps this build took
        already (by path), to use instead of new ones: a post changed since then is as the
        build saw it, and the next build sees it."""
        files, seen = self.files, set()
        prefix = os.path.join(root, "")
        taken = stamps or {}
        for path in paths:
            name = str(path)
            rel = name[len(prefix):] if name.startswith(prefix) and os.sep == "/" \
                else Path(path).relative_to(root).as_posix()
            seen.add(rel)
            stamp = taken.get(name, ())
            if stamp == ():  # not taken yet (or a dangling link, stamped as missing)
                try:
                    stamp = stat_stamp(name)
                except OSError:
                    stamp = None  # read_source names the problem
            known = files.get(rel)
            if known is not None and stamp is not None and known[0] == stamp:
                yield known[1]
                continue
            try:
                source = read_source(path, root)
            except BuildError as error:
                errors.append(error)
                self._changed |= files.pop(rel, None) is not None
                continue
            if stamp is not None:
                files[rel] = (stamp, replace(source, raw=None))
                self._changed = True
            elif files.pop(rel, None) is not None:
                self._changed = True
            yield source
        for gone in set(files) - seen:
            del files[gone]
            self._changed = True

    def save(self) -> None:
        """Write the index if it changed (a failure to is no failure of the build: the next
        one reads the posts again)."""
        if self.path is None or not self._changed:
            return
        data = {"version": _VERSION, "files": {
            rel: [*stamp, source.digest, source.liquid, source.head, source.cites]
            for rel, (stamp, source) in sorted(self.files.items()) if stamp is not None}}
        try:
            atomic_write(self.path, json.dumps(data, separators=(",", ":")).encode())
        except OSError:
            return
        self._changed = False


def _load(path: Path) -> dict[str, tuple[Stamp, SourceFile]]:
    """The saved index; a damaged or foreign one is forgotten (every post is read again)."""
    try:
        data = json.loads(path.read_bytes())
        if data.get("version") != _VERSION:
            return {}
        return {rel: ((size, mtime, inode, ctime),
                      SourceFile(rel, None, hashed, liquid, head, cites))
                for rel, (size, mtime, inode, ctime, hashed, liquid, head, cites)
                in data["files"].items()
                if all(type(n) is int for n in (size, mtime, inode, ctime))
                and type(hashed) is str and type(liquid) is bool and type(head) is str
                and type(cites) is bool}
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return {}


def loaded(source: SourceFile, root: Path) -> SourceFile:
    """The source with its bytes, read now if it was known by its stamp. The bytes read are
    hashed again: a file that changed since it was stamped comes with its new digest."""
    if source.raw is not None:
        return source
    return read_source(root / source.path, root)

