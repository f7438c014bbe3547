"""``.cache/parsed/``: parsed posts kept between builds, keyed by content hash.

Metadata lives in one small JSON index; the HTML bodies in pack files, one per batch of posts
(on a cold build of a big site, creating a thousand small files costs more than parsing a
tenth of them). Every body carries its digest, so a damaged pack means a re-parse, never
wrong HTML.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

from builder.errors import BuildWarning
from builder.fsutil import atomic_write, digest
from builder.journal import append_journal, read_journal, rewrite_due
from builder.model import FigureBlock, Heading, ParsedBody, PostMeta


def write_pack(folder: Path, bodies: Sequence[tuple[str, str]]) -> dict[str, list]:
    """Write (key, HTML) pairs into one pack file; return where each lies, with its digest.

    The name is a digest of the keys, which are digests of the sources: the same posts
    make the same pack, so rewriting one in place of the other changes nothing."""
    chunks, places, offset = [], {}, 0
    name = digest("\0".join(key for key, _ in bodies).encode())
    for key, html in bodies:
        data = html.encode("utf-8")
        places[key] = [name, offset, len(data), digest(data)]
        chunks.append(data)
        offset += len(data)
    atomic_write(folder / f"{name}.pack", b"".join(chunks))
    return places



class ParseCache:
    """``.cache/parsed/``: an index of metadata by key, and the HTML bodies in pack files.

    Bodies are packed by the batch (one file for many posts, not one per post: on a cold build
    of a big site, creating a thousand small files costs more than parsing a tenth of them).
    The index records where each body lies and its digest, so a damaged pack means a
    re-parse, never wrong HTML. A pack is deleted once no entry points into it.
    """

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.folder = root / ".cache" / "parsed"
        self.enabled = enabled
        self.index: dict[str, Any] = {}
        self._journaled = 0  # entries in the journal, written since the index
        if enabled:
            self.index, self._journaled = _read_index(self.folder)
            self._forget_lost_bodies()
        self._saved = dict(self.index)
        self._made: dict[str, tuple[PostMeta, ParsedBody]] = {}
        self._fresh: dict[str, str] = {}  # HTML parsed by this process, not yet in a pack

    def _forget_lost_bodies(self) -> None:
        """Drop entries whose pack is gone or cut short, so their posts are parsed (and
        packed) again. One stat per pack; a damaged byte inside is caught by the digest
        when the body is read, and the page is then made from a fresh parse."""
        sizes: dict[str, int] = {}
        for key, entry in list(self.index.items()):
            try:
                if entry[_BODY] is None:
                    continue  # a post not published: no body was parsed
                pack, offset, size, _ = entry[_HTML]
                if pack not in sizes:
                    sizes[pack] = (self.folder / f"{pack}.pack").stat().st_size
                intact = offset + size <= sizes[pack]
            except (OSError, IndexError, KeyError, TypeError, ValueError):
                intact = False
            if not intact:
                del self.index[key]

    def pack_folder(self) -> Path | None:
        """Where parse workers pack the bodies they parse (made now); None without a cache:
        the bodies then come back with their posts."""
        if not self.enabled:
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    def empty(self) -> bool:
        """Nothing can come from this cache: every post will be parsed."""
        return not (self.enabled and self.index)

    def dirty(self) -> bool:
        return bool(self._fresh) or self.index.keys() != self._saved.keys()

    def get(self, key: str) -> tuple[PostMeta, ParsedBody | None] | None:
        """The post's metadata and body (None for a post whose body was not parsed)."""
        made = self._made.get(key)
        if made is not None:
            return made
        entry = self.index.get(key)
        if entry is None:
            return None
        try:
            body = entry[_BODY]
            made = _meta_from(entry[_META]), None if body is None else _body_from(body)
        except (IndexError, KeyError, TypeError, ValueError):
            return None
        self._made[key] = made  # a preview server keeps this cache: rebuild objects once
        return made

    def html(self, key: str) -> str | None:
        fresh = self._fresh.get(key)
        if fresh is not None:
            return fresh
        try:
            pack, offset, size, hashed = self.index[key][_HTML]
            with open(self.folder / f"{pack}.pack", "rb") as handle:
                handle.seek(offset)
                data = handle.read(size)
        except (OSError, IndexError, KeyError, TypeError, ValueError):
            return None
        return data.decode("utf-8") if digest(data) == hashed else None

    def put(self, key: str, meta: PostMeta, body: ParsedBody | None,
            place: list | None) -> None:
        """Record a parsed post (``body`` None: only its front matter was read); ``place``
        says where a worker packed its HTML, if it did."""
        self.index[key] = [_meta_to(meta), None if body is None else _body_to(body), place]
        self._saved.pop(key, None)  # (a damaged entry put again) so that it is saved
        self._made.pop(key, None)  # (a post published since: its body is parsed now)
        if body is not None and place is None and self.enabled:
            self._fresh[key] = body.html

    def keep(self, keys: set[str]) -> None:
        """Forget entries of posts that no longer exist (or no longer look like this)."""
        self.index = {key: value for key, value in self.index.items() if key in keys}
        self._made = {key: value for key, value in self._made.items() if key in keys}
        self._fresh = {key: value for key, value in self._fresh.items() if key in keys}

    def save(self) -> None:
        """Record what changed since the last save. A build that parsed a few posts appends
        their entries to the journal (rewriting the index of a 10,000-post site, 15 MB, cost
        an edit more than parsing it); the index is rewritten whole only once the journal
        has grown to a quarter of it."""
        if not self.enabled or not self.dirty():
            return
        if self._fresh:
            self._write_pack()
        changes = [(key, entry) for key, entry in self.index.items() if key not in self._saved]
        changes += [(key, None) for key in self._saved if key not in self.index]
        journal = self.folder / "journal.jsonl"
        if not self._saved or rewrite_due(self._journaled, len(changes), len(self.index)):
            atomic_write(self.folder / "index.json",
                         json.dumps({"format": _FORMAT, "entries": self.index}).encode())
            journal.unlink(missing_ok=True)  # its entries are in the index now
            self._journaled = 0
        elif changes:
            append_journal(journal, changes)
            self._journaled += len(changes)
        used = {entry[_HTML][0] for entry in self.index.values() if entry[_HTML]}
        for path in list(self.folder.iterdir()):
            if path.suffix in (".pack", ".html") and path.stem not in used:
                path.unlink(missing_ok=True)
        self._saved = dict(self.index)

    def _write_pack(self) -> None:
        places = write_pack(self.folder, sorted(self._fresh.items()))
        for key, place in places.items():
            self.index[key][_HTML] = place
        self._fresh = {}


# An entry is [metadata, body, where its HTML lies]: lists in a fixed order, not objects
# with named fields, so that reading the index of a big site (every post's entry, at every
# build) decodes a third fewer objects and makes each post's metadata in one call.
_FORMAT = 2
_META, _BODY, _HTML = range(3)


def _read_index(folder: Path) -> tuple[dict[str, Any], int]:
    """The index and the journal's changes since (a torn or damaged line is skipped: its
    post is parsed again); and how many changes the journal held."""
    try:
        saved = json.loads((folder / "index.json").read_bytes())
        index = saved["entries"] if saved.get("format") == _FORMAT else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        index = {}
    changes = read_journal(folder / "journal.jsonl")
    for key, entry in changes:
        if entry is None:
            index.pop(key, None)
        elif isinstance(entry, list) and len(entry) == 3:
            index[key] = entry
    return index, len(changes)


# --- JSON form of the cached data ------------------------------------------------------


_META_FIELDS = tuple(field.name for field in fields(PostMeta))
_DATE, _UPDATED = _META_FIELDS.index("date"), _META_FIELDS.index("updated")
_TUPLES = tuple(_META_FIELDS.index(name) for name in ("tags", "categories", "bibliography"))


def _meta_to(meta: PostMeta) -> list[Any]:
    row = [getattr(meta, name) for name in _META_FIELDS]
    row[_DATE] = meta.date.isoformat()
    row[_UPDATED] = meta.updated.isoformat() if meta.updated else None
    for i in _TUPLES:
        row[i] = list(row[i])
    return row


def _meta_from(row: list[Any]) -> PostMeta:
    if len(row) != len(_META_FIELDS):
        raise ValueError("an entry of another version")
    values = list(row)
    values[_DATE] = datetime.fromisoformat(values[_DATE])
    if values[_UPDATED]:
        values[_UPDATED] = datetime.fromisoformat(values[_UPDATED])
    for i in _TUPLES:
        values[i] = tuple(values[i])
    return PostMeta(*values)


def _body_to(body: ParsedBody) -> list[Any]:
    return [body.excerpt, body.has_math, [[h.level, h.id, h.text] for h in body.headings],
            [dict(b.__dict__) for b in body.blocks],
            [[w.path, w.line, w.message, w.hint] for w in body.warnings],
            list(body.references), [dict(b.__dict__) for b in body.inline]]


def _body_from(row: list[Any]) -> ParsedBody:
    excerpt, has_math, headings, blocks, warnings, references, inline = row
    return ParsedBody(
        html="",  # read on demand from the cache's pack file: most builds never need it
        excerpt=excerpt,
        has_math=has_math,
        headings=tuple(map(Heading._make, headings)),
        blocks=tuple(FigureBlock(**b) for b in blocks) if blocks else (),
        warnings=tuple(BuildWarning(*w) for w in warnings) if warnings else (),
        references=tuple(references),
        inline=tuple(FigureBlock(**b) for b in inline) if inline else (),
    )
