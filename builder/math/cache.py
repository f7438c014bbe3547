"""``.cache/math/``: typeset math kept between builds.

- ``entries/``: one file per math document (a post's formulas in order), content-addressed by
  a key over the engine, the options, the site's macros and those formulas. A prose edit
  leaves the key as it was, so nothing is typeset again; the same formulas anywhere (another
  clone, another branch) find the same entry. Each entry carries a digest of its contents:
  a damaged one is typeset again, never published.
- ``index.json``: per post (its parse key and the math settings), which entry it uses, the
  CSS tokens of its math and its warnings with their lines. A build with nothing changed
  reads this one file and no entry at all.
- ``css/``: the site stylesheets made from those tokens, by content.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.errors import BuildWarning
from builder.fsutil import atomic_write, digest
from builder.journal import append_journal, read_journal, rewrite_due
from builder.math.engine import Problem, Typeset

if TYPE_CHECKING:
    from builder.shared_cache import SharedStore

_FORMAT = 2  # 2: rows name each glyph with its font class (html.css_tokens)
_MEMORY = 256  # entries kept in memory (a preview server's; a build reads each once or twice)


@dataclass(frozen=True)
class Row:
    """What a build needs to know of a post's math without reading its entry."""

    key: str  # the entry's key
    tokens: frozenset[str]  # element and class names its typeset math uses (for the CSS)
    warnings: tuple[BuildWarning, ...]


def _row_data(row: Row, tokens: list) -> list:
    """A row as the index and the journal keep it (tokens as names, or in the index as
    places in its vocabulary)."""
    return [row.key, tokens, [[w.path, w.line, w.message, w.hint] for w in row.warnings]]


def _check(html: Iterable[str]) -> str:
    return digest("\0".join(html).encode())


class MathCache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.folder = root / ".cache" / "math"
        self.enabled = enabled
        self._rows: dict[str, Row] | None = None  # read on first use: a build without math
        self._entries: dict[str, Typeset] = {}  # never reads the index
        self._changed: set[str] = set()  # posts whose rows changed since the last save
        self._journaled = 0  # rows in the journal, written since the index
        self._indexed = False  # whether an index of this format was read
        self.shared: SharedStore | None = None  # the build's shared cache, if any

    @property
    def rows(self) -> dict[str, Row]:
        if self._rows is None:
            self._rows = {}
            if self.enabled:
                self._load()
        return self._rows

    def _load(self) -> None:
        """The index, then the journal's rows (a torn or damaged one: that post's entry is
        read again)."""
        try:
            data = json.loads((self.folder / "index.json").read_bytes())
            if data.get("format") != _FORMAT:
                return
            vocabulary = data["tokens"]
            for doc, (key, ids, warnings) in data["docs"].items():
                self.rows[doc] = Row(key, frozenset(vocabulary[i] for i in ids),
                                     tuple(BuildWarning(*w) for w in warnings))
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            self._rows = {}  # a damaged index costs a re-read of the entries, nothing else
            return
        self._indexed = True
        changes = read_journal(self.folder / "journal.jsonl")
        self._journaled = len(changes)
        for doc, row in changes:
            self.rows.pop(doc, None)
            try:
                if row is not None:
                    key, tokens, warnings = row
                    self.rows[doc] = Row(key, frozenset(tokens),
                                         tuple(BuildWarning(*w) for w in warnings))
            except (ValueError, TypeError):
                continue

    def row(self, doc: str) -> Row | None:
        return self.rows.get(doc)

    def set_row(self, doc: str, row: Row) -> None:
        if self.rows.get(doc) != row:
            self.rows[doc] = row
            self._changed.add(doc)

    def keep(self, docs: set[str]) -> None:
        """Forget the rows of posts that are gone (their entries stay: content-addressed,
        another post or a revert may want them)."""
        for doc in set(self.rows) - docs:
            del self.rows[doc]
            self._changed.add(doc)

    def save(self) -> None:
        """Record the rows that changed: appended to the journal when they are few (the
        index of a 10,000-post site holds a million tokens), else the index rewritten."""
        if not self.enabled or not self._changed:
            return
        rows = self.rows
        if self._indexed and not rewrite_due(self._journaled, len(self._changed), len(rows)):
            changes = [(doc, _row_data(rows[doc], sorted(rows[doc].tokens))
                        if doc in rows else None) for doc in sorted(self._changed)]
            append_journal(self.folder / "journal.jsonl", changes)
            self._journaled += len(changes)
        else:
            vocabulary = sorted({token for row in rows.values() for token in row.tokens})
            ids = {token: i for i, token in enumerate(vocabulary)}
            docs = {doc: _row_data(row, sorted(ids[t] for t in row.tokens))
                    for doc, row in sorted(rows.items())}
            data = {"format": _FORMAT, "tokens": vocabulary, "docs": docs}
            atomic_write(self.folder / "index.json",
                         json.dumps(data, separators=(",", ":")).encode())
            (self.folder / "journal.jsonl").unlink(missing_ok=True)
            self._journaled, self._indexed = 0, True
        self._changed = set()

    # --- entries ---------------------------------------------------------------------

    def entry(self, key: str) -> Typeset | None:
        """The typeset math stored under ``key``, if it is there and whole."""
        known = self._entries.get(key)
        if known is not None or not self.enabled:
            return known
        try:
            data = json.loads(_entry_path(self.folder, key).read_bytes())
            html = tuple(data["html"])
            elements = tuple((tag, text) for tag, text in data["elements"])
            if data["check"] != _check(html + tuple(t for e in elements for t in e)):
                return None
            typeset = Typeset(html, tuple(Problem(*p) for p in data["problems"]), elements)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        self.remember(key, typeset)
        return typeset

    def prefetch(self, keys: Iterable[str]) -> None:
        """Copy the shared cache's entries for ``keys`` that this machine lacks (one batch);
        ``entry`` checks each as it reads it, so a damaged one is typeset again."""
        if self.shared is None or not self.enabled:
            return
        wanted = [k for k in keys if k not in self._entries
                  and not _entry_path(self.folder, k).exists()]
        for name, data in self.shared.fetch(_shared_name(k) for k in wanted).items():
            atomic_write(self.folder / name.removeprefix("math/"), data)

    def share(self, keys: Iterable[str]) -> None:
        """Write the entries of ``keys`` (typeset by this build) to the shared cache."""
        if self.shared is None or not self.enabled:
            return
        paths = {_shared_name(k): _entry_path(self.folder, k) for k in keys}
        self.shared.push({n: p for n, p in paths.items() if p.exists()}, {})

    def put(self, key: str, typeset: Typeset) -> None:
        self.remember(key, typeset)
        if self.enabled:
            store(self.folder, key, typeset)

    def remember(self, key: str, typeset: Typeset) -> None:
        if len(self._entries) >= _MEMORY and self.enabled:  # else memory is the only store
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = typeset

    # --- the site's stylesheets ------------------------------------------------------------

    def known_stylesheet(self, name: str) -> Path | None:
        """The stylesheet made for ``name`` (a key over the rules it was made from and the
        site's tokens) if it is there; the build publishes it by its bytes."""
        path = self.folder / "css" / f"{name}.css"
        return path if self.enabled and path.is_file() else None

    def stylesheet(self, name: str, css: str) -> Path:
        path = self.folder / "css" / f"{name}.css"
        atomic_write(path, css.encode())  # written also without a cache: it is published
        return path


def _entry_path(folder: Path, key: str) -> Path:
    return folder / "entries" / key[:2] / f"{key}.json"


def _shared_name(key: str) -> str:
    """An entry's name in the shared cache: its path under ``.cache/``."""
    return f"math/entries/{key[:2]}/{key}.json"


def store(folder: Path, key: str, typeset: Typeset) -> None:
    """Write an entry (also called by typesetting workers, which write their own)."""
    elements = typeset.elements or ()
    data: dict[str, Any] = {
        "elements": [list(e) for e in elements],
        "html": list(typeset.html),
        "problems": [[p.index, p.kind, p.message] for p in typeset.problems],
        "check": _check(typeset.html + tuple(t for e in elements for t in e)),
    }
    atomic_write(_entry_path(folder, key),
                 json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


def _rules_path(cache: MathCache, options: dict[str, Any]) -> Path:
    from builder.math.engine import bundle_digest

    name = digest(json.dumps([bundle_digest(), options["output"], options["fontURL"]]).encode())
    return cache.folder / "rules" / f"{name}.json"


def read_rules(cache: MathCache, options: dict[str, Any]) -> list[tuple[str, str]] | None:
    """MathJax's whole stylesheet for these options, as the engine gave it last time."""
    if not cache.enabled:
        return None
    try:
        rules = json.loads(_rules_path(cache, options).read_bytes())
        return [(str(selector), str(body)) for selector, body in rules]
    except (OSError, ValueError, TypeError):
        return None


def write_rules(cache: MathCache, options: dict[str, Any], rules: list[tuple[str, str]]) -> None:
    if cache.enabled:
        atomic_write(_rules_path(cache, options), json.dumps(rules).encode())
