"""Sources -> parsed posts, cached by content hash and spread over a process pool.

Parsing Markdown is the expensive part of a big site, so it runs in worker processes, and a
post whose bytes (and the settings that shape its metadata) have not changed is not parsed
again: its metadata comes from one small index, its HTML from a pack file read only when
needed. Workers parse and pack the bodies themselves; only metadata comes back.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from builder.config import Config
from builder.content import SourceFile, parse_meta, read_source
from builder.errors import BuildError
from builder.fsutil import Stamp, atomic_write, digest, file_digest, stat_stamp
from builder.model import FigureBlock, Heading, ParsedBody, PostMeta
from builder.procutil import can_fork, process_pool

_POOL_THRESHOLD = 16  # below this, a pool costs more to start than it saves

# What the HTML of a post depends on besides its bytes: the code that parses it and the
# libraries it calls. Their files are hashed (not their version numbers looked up, which
# costs more than a whole rebuild with nothing changed), so editing or upgrading any of them
# re-parses every post instead of serving HTML the new code would not make.
_PARSER_MODULES = ("parse", "content", "frontmatter", "markdown", "model", "figure_options",
                   "figure_html")
_PARSER_LIBRARIES = ("markdown_it", "mdit_py_plugins", "pygments", "yaml")


@functools.cache
def parser_fingerprint() -> str:
    from importlib.util import find_spec

    here = Path(__file__).parent
    files = [here / f"{name}.py" for name in _PARSER_MODULES]
    for name in _PARSER_LIBRARIES:
        spec = find_spec(name)
        files.append(Path(spec.origin) if spec and spec.origin else Path(name))
    return digest(b"".join((file_digest(path) or path.name).encode() for path in files))


def parse_key(source: SourceFile, config: Config, layouts: frozenset[str]) -> str:
    parts = (parser_fingerprint(), source.path, source.digest, config.permalink,
             config.timezone, ",".join(sorted(layouts)))
    return digest("\0".join(parts).encode())


def parse_one(
    source: SourceFile, config: Config, layouts: frozenset[str]
) -> tuple[PostMeta, ParsedBody] | BuildError:
    """Parse one post; a mistake in it is returned, not raised, so all can be reported."""
    from builder.markdown import parse_body

    try:
        meta, body = parse_meta(source, config, layouts)
        return meta, parse_body(body, source.path, meta.body_line)
    except BuildError as error:
        return error


ParseResult = tuple[PostMeta, ParsedBody] | BuildError


def _parse_batch(
    batch: Sequence[SourceFile], keys: Sequence[str], config: Config, layouts: frozenset[str],
    folder: Path | None,
) -> tuple[list[ParseResult], dict[str, list]]:
    """Parse in a worker, which also packs the bodies into the cache (where ``folder`` is
    given): the packing then runs in parallel too, and the build only records the places.
    Packed bodies are not sent back: whoever renders a page reads its body from the pack,
    which costs less than pickling megabytes of HTML through a pipe and back."""
    results = [parse_one(source, config, layouts) for source in batch]
    bodies = [(key, result[1].html) for key, result in zip(keys, results, strict=True)
              if not isinstance(result, BuildError)]
    if not folder or not bodies:
        return results, {}
    places = write_pack(folder, bodies)
    return [result if isinstance(result, BuildError) else (result[0], replace(result[1], html=""))
            for result in results], places


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


def _warm_up() -> None:
    from builder.markdown import make_markdown

    make_markdown()


class ParseWorkers:
    """The parse pool, made on first use. When a build knows it will parse many posts
    (``expected``: all of them, when the cache is empty) it starts the pool before reading
    the sources, so that the workers' start-up (forking, importing the Markdown parser)
    overlaps the reading instead of following it."""

    def __init__(self, jobs: int, expected: int = 0) -> None:
        self.jobs = jobs
        self.pool: ProcessPoolExecutor | None = None
        if self.worth_it(expected):
            for _ in range(jobs):
                self.get().submit(_warm_up)

    def worth_it(self, count: int) -> bool:
        return count >= _POOL_THRESHOLD and self.jobs > 1

    def get(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = process_pool(self.jobs, fork=can_fork())
        return self.pool

    def __enter__(self) -> ParseWorkers:
        return self

    def __exit__(self, *_: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


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
        if enabled:
            try:
                index = json.loads((self.folder / "index.json").read_bytes())
                self.index = index if isinstance(index, dict) else {}
            except (OSError, ValueError):
                self.index = {}
            self._forget_lost_bodies()
        self._saved = set(self.index)
        self._made: dict[str, tuple[PostMeta, ParsedBody]] = {}
        self._fresh: dict[str, str] = {}  # HTML parsed by this process, not yet in a pack

    def _forget_lost_bodies(self) -> None:
        """Drop entries whose pack is gone or cut short, so their posts are parsed (and
        packed) again. One stat per pack; a damaged byte inside is caught by the digest
        when the body is read, and the page is then made from a fresh parse."""
        sizes: dict[str, int] = {}
        for key, entry in list(self.index.items()):
            try:
                pack, offset, size, _ = entry["html"]
                if pack not in sizes:
                    sizes[pack] = (self.folder / f"{pack}.pack").stat().st_size
                intact = offset + size <= sizes[pack]
            except (OSError, KeyError, TypeError, ValueError):
                intact = False
            if not intact:
                del self.index[key]

    def empty(self) -> bool:
        """Nothing can come from this cache: every post will be parsed."""
        return not (self.enabled and self.index)

    def dirty(self) -> bool:
        return bool(self._fresh) or set(self.index) != self._saved

    def get(self, key: str) -> tuple[PostMeta, ParsedBody] | None:
        made = self._made.get(key)
        if made is not None:
            return made
        entry = self.index.get(key)
        if entry is None:
            return None
        try:
            made = _meta_from(entry["meta"]), _body_from(entry["body"])
        except (KeyError, TypeError, ValueError):
            return None
        self._made[key] = made  # a preview server keeps this cache: rebuild objects once
        return made

    def html(self, key: str) -> str | None:
        fresh = self._fresh.get(key)
        if fresh is not None:
            return fresh
        try:
            pack, offset, size, hashed = self.index[key]["html"]
            with open(self.folder / f"{pack}.pack", "rb") as handle:
                handle.seek(offset)
                data = handle.read(size)
        except (OSError, KeyError, TypeError, ValueError):
            return None
        return data.decode("utf-8") if digest(data) == hashed else None

    def put(self, key: str, meta: PostMeta, body: ParsedBody, place: list | None) -> None:
        """Record a parsed post; ``place`` says where a worker packed its HTML, if it did."""
        self.index[key] = {"meta": _meta_to(meta), "body": _body_to(body)}
        if place is not None:
            self.index[key]["html"] = place
        elif self.enabled:
            self._fresh[key] = body.html

    def keep(self, keys: set[str]) -> None:
        """Forget entries of posts that no longer exist (or no longer look like this)."""
        self.index = {key: value for key, value in self.index.items() if key in keys}
        self._made = {key: value for key, value in self._made.items() if key in keys}
        self._fresh = {key: value for key, value in self._fresh.items() if key in keys}

    def save(self) -> None:
        if not self.enabled or not self.dirty():
            return
        if self._fresh:
            self._write_pack()
        atomic_write(self.folder / "index.json", json.dumps(self.index).encode())
        used = {entry["html"][0] for entry in self.index.values() if "html" in entry}
        for path in list(self.folder.iterdir()):
            if path.suffix in (".pack", ".html") and path.stem not in used:
                path.unlink(missing_ok=True)
        self._saved = set(self.index)

    def _write_pack(self) -> None:
        places = write_pack(self.folder, sorted(self._fresh.items()))
        for key, place in places.items():
            self.index[key]["html"] = place
        self._fresh = {}


def read_sources(
    paths: Sequence[Path], root: Path,
    seen: dict[Path, tuple[Stamp, SourceFile]] | None = None,
) -> tuple[list[SourceFile], list[BuildError]]:
    """Read every post. ``seen`` (the preview server's memory of earlier builds) lets a file
    whose size, times and inode are unchanged skip being read and hashed again."""
    sources, errors = [], []
    for path in paths:
        try:
            if seen is None:
                sources.append(read_source(path, root))
                continue
            stamp = stat_stamp(path)
            known = seen.get(path)
            if known is None or stamp is None or known[0] != stamp:
                known = (stamp, read_source(path, root))
                seen[path] = known
            sources.append(known[1])
        except BuildError as error:
            errors.append(error)
    if seen is not None:
        for gone in set(seen) - set(paths):
            del seen[gone]
    return sources, errors


def parse_posts(
    sources: Sequence[SourceFile],
    config: Config,
    layouts: frozenset[str],
    cache: ParseCache,
    workers: ParseWorkers,
) -> tuple[list[tuple[str, PostMeta, ParsedBody]], list[BuildError], int]:
    """Return (key, meta, body) per post, the errors, and how many posts were parsed afresh."""
    keys = [parse_key(source, config, layouts) for source in sources]
    results: dict[int, tuple[PostMeta, ParsedBody] | BuildError] = {}
    todo = []
    for i, key in enumerate(keys):
        cached = cache.get(key)
        if cached is not None:
            results[i] = cached
        else:
            todo.append(i)
    fresh = [sources[i] for i in todo]
    places: dict[str, list] = {}
    if workers.worth_it(len(fresh)):
        folder = cache.folder if cache.enabled else None
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
        parsed, places = _parse_in_pool(fresh, [keys[i] for i in todo], config, layouts,
                                        workers, folder)
    else:
        parsed = [parse_one(source, config, layouts) for source in fresh]
    for i, result in zip(todo, parsed, strict=True):
        results[i] = result
        if not isinstance(result, BuildError):
            cache.put(keys[i], *result, places.get(keys[i]))
    posts, errors = [], []
    for i, key in enumerate(keys):
        result = results[i]
        if isinstance(result, BuildError):
            errors.append(result)
        else:
            posts.append((key, *result))
    return posts, errors, len(todo)


def _parse_in_pool(
    sources: list[SourceFile], keys: list[str], config: Config, layouts: frozenset[str],
    workers: ParseWorkers, folder: Path | None,
) -> tuple[list[ParseResult], dict[str, list]]:
    size = max(1, min(16, len(sources) // (workers.jobs * 4)))  # small batches: a short tail
    pool = workers.get()
    futures = [pool.submit(_parse_batch, sources[i : i + size], keys[i : i + size], config,
                           layouts, folder) for i in range(0, len(sources), size)]
    results: list[ParseResult] = []
    places: dict[str, list] = {}
    for future in futures:
        batch, packed = future.result()
        results.extend(batch)
        places.update(packed)
    return results, places


# --- JSON form of the cached data ------------------------------------------------------


def _meta_to(meta: PostMeta) -> dict[str, Any]:
    data = dict(meta.__dict__)
    data["date"] = meta.date.isoformat()
    data["updated"] = meta.updated.isoformat() if meta.updated else None
    data["tags"] = list(meta.tags)
    return data


def _meta_from(data: dict[str, Any]) -> PostMeta:
    values = dict(data)
    values["date"] = datetime.fromisoformat(values["date"])
    values["updated"] = datetime.fromisoformat(values["updated"]) if values["updated"] else None
    values["tags"] = tuple(values["tags"])
    return PostMeta(**values)


def _body_to(body: ParsedBody) -> dict[str, Any]:
    return {
        "excerpt": body.excerpt,
        "has_math": body.has_math,
        "headings": [[h.level, h.id, h.text] for h in body.headings],
        "blocks": [dict(b.__dict__) for b in body.blocks],
    }


def _body_from(data: dict[str, Any]) -> ParsedBody:
    return ParsedBody(
        html="",  # read on demand from the cache's HTML file: most builds never need it
        excerpt=data["excerpt"],
        has_math=data["has_math"],
        headings=tuple(Heading(*h) for h in data["headings"]),
        blocks=tuple(FigureBlock(**b) for b in data["blocks"]),
    )
