"""Sources -> parsed posts, cached by content hash and spread over a process pool.

Parsing Markdown is the expensive part of a big site, so it runs in worker processes, and a
post whose bytes (and the settings that shape its metadata) have not changed is not parsed
again: its metadata comes from one small index, its HTML from a pack file read only when
needed. Workers parse and pack the bodies themselves; only metadata comes back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from builder.citations.references import Citing
from builder.config import Config
from builder.errors import BuildError, BuildWarning
from builder.fsutil import Stamp, digest, file_digest
from builder.markdown.cache import ParseCache, write_pack
from builder.model import ParsedBody, PostMeta
from builder.procutil import can_fork, process_pool
from builder.sources.bibliography_option import bibliography_key, style_file
from builder.sources.known import KnownSources, loaded
from builder.sources.posts import SourceFile, parse_meta, read_source
from builder.sources.site_index import LiquidSite, SiteIndex

_POOL_THRESHOLD = 16  # below this, a pool costs more to start than it saves

# What the HTML of a post depends on besides its bytes: the code that parses it and the
# libraries it calls. Their files are hashed (not their version numbers looked up, which
# costs more than a whole rebuild with nothing changed), so editing or upgrading any of them
# re-parses every post instead of serving HTML the new code would not make.
# Every module of the folders named here, and the single modules, shape a parsed post.
_PARSER_CODE = ("sources", "markdown", "citations", "model.py", "figures/options.py",
                "figures/html.py", "figures/outputs_html.py", "figures/layout.py",
                "figures/defaults.py")
_PARSER_LIBRARIES = ("markdown_it", "mdit_py_plugins", "pygments", "yaml", "liquid")


@functools.cache
def parser_fingerprint() -> str:
    from importlib.util import find_spec

    builder = Path(__file__).parents[1]
    files: list[Path] = []
    for name in _PARSER_CODE:
        path = builder / name
        files.extend(sorted(path.glob("*.py")) if path.is_dir() else [path])
    for name in _PARSER_LIBRARIES:
        spec = find_spec(name)
        files.append(Path(spec.origin) if spec and spec.origin else Path(name))
    return digest(b"".join((file_digest(path) or path.name).encode() for path in files))


def settings_key(config: Config, layouts: frozenset[str]) -> str:
    """What every post's parse depends on besides its own bytes: made once per build."""
    parts = (parser_fingerprint(), config.permalink, config.posts_dir, config.timezone,
             repr(config.markdown), ",".join(sorted(layouts)),
             repr(sorted(config.figure_defaults.items())), repr(sorted(config.numbering.items())))
    return digest("\0".join(parts).encode())


def parse_key(source: SourceFile, config: Config, settings: str, site: str = "") -> str:
    """``settings``: ``settings_key``; ``site``: what the post's Liquid reads of the rest of
    a Jekyll site (its digest)."""
    parts = (settings, source.path, source.digest, site)
    if config.jekyll is not None:
        from builder.sources.jekyll_posts import jekyll_key

        parts += jekyll_key(source, config)
    cites = bibliography_key(source, config)
    if cites:  # only a post that can cite: every other key stays as it was
        parts += (cites,)
    return digest("\0".join(parts).encode())


@dataclass(frozen=True)
class Published:
    """Which posts a build publishes: not drafts, not dated after ``now`` (unless asked
    for). The body of any other post is not parsed, as Hugo and Jekyll do not render
    theirs: on a big site dated ahead most posts may wait, and parsing is most of a cold
    build. Such a post is parsed once it is published (its date comes, ``--drafts``)."""

    drafts: bool
    now: datetime
    future: bool = False  # Jekyll's 'future: true'

    def __call__(self, meta: PostMeta) -> bool:
        return self.drafts or (not meta.draft and (self.future or meta.date <= self.now))


def parse_one(
    source: SourceFile, config: Config, layouts: frozenset[str], index: SiteIndex | None = None,
    published: Published | None = None,
) -> tuple[PostMeta, ParsedBody | None] | BuildError:
    """Parse one post; a mistake in it is returned, not raised, so all can be reported.
    ``index``: the rest of a Jekyll site, for its Liquid. Given ``published``, a post it
    leaves out comes without a body (None): only its front matter is read."""
    from builder.markdown.parser import parse_body

    warnings: list[BuildWarning] = []
    try:
        if config.jekyll is not None:
            from builder.markdown.jekyll_docs import parse_jekyll

            meta, body = parse_jekyll(source, config, layouts, warnings.append, index)
        else:
            meta, text = parse_meta(source, config, layouts, warnings.append)
            if published is not None and not published(meta):
                return meta, None
            body = parse_body(text, source.path, meta.body_line, warnings.append,
                              *config.markdown, defaults=meta.figure_defaults,
                              citing=citing(meta, config), crossref=meta.crossref)
    except BuildError as error:
        return error
    return meta, replace(body, warnings=tuple(sorted(set(warnings))))


ParseResult = tuple[PostMeta, ParsedBody | None] | BuildError


def citing(meta: PostMeta, config: Config) -> Citing | None:
    """What the parser needs of a post's bibliography; None when it has none."""
    if not meta.bibliography:
        return None
    return Citing(config.root, meta.bibliography, style_file(config, meta.csl),
                  meta.references_title, config.language, meta.nocite, meta.nocite_line)


def _parse_batch(
    batch: Sequence[SourceFile], keys: Sequence[str], config: Config, layouts: frozenset[str],
    folder: Path | None, index: SiteIndex | None = None, published: Published | None = None,
) -> tuple[list[ParseResult], dict[str, list]]:
    """Parse in a worker, which also packs the bodies into the cache (where ``folder`` is
    given): the packing then runs in parallel too, and the build only records the places.
    Packed bodies are not sent back: whoever renders a page reads its body from the pack,
    which costs less than pickling megabytes of HTML through a pipe and back."""
    results = [parse_one(source, config, layouts, index, published) for source in batch]
    bodies = [(key, result[1].html) for key, result in zip(keys, results, strict=True)
              if not isinstance(result, BuildError) and result[1] is not None]
    if not folder or not bodies:
        return results, {}
    places = write_pack(folder, bodies)
    return [(result[0], replace(result[1], html=""))
            if not isinstance(result, BuildError) and result[1] is not None else result
            for result in results], places


def _warm_up(markdown: tuple[str, bool]) -> None:
    from builder.markdown.parser import make_markdown

    make_markdown(*markdown)


class ParseWorkers:
    """The parse pool, made on first use. When a build knows it will parse many posts
    (``expected``: all of them, when the cache is empty) it starts the pool before reading
    the sources, so that the workers' start-up (forking, importing the Markdown parser)
    overlaps the reading instead of following it."""

    def __init__(self, jobs: int, expected: int = 0,
                 markdown: tuple[str, bool] = ("pandoc", True)) -> None:
        self.jobs = jobs
        self.pool: ProcessPoolExecutor | None = None
        if self.worth_it(expected):
            for _ in range(jobs):
                self.get().submit(_warm_up, markdown)

    def worth_it(self, count: int) -> bool:
        return count >= _POOL_THRESHOLD and self.jobs > 1

    def batch_size(self, count: int) -> int:
        """Posts per batch, of ``count`` to parse: small batches, a short tail."""
        return max(1, min(16, count // (self.jobs * 4)))

    def get(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = process_pool(self.jobs, fork=can_fork())
        return self.pool

    def __enter__(self) -> ParseWorkers:
        return self

    def __exit__(self, *_: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def each_source(
    paths: Sequence[str | Path], root: Path, errors: list[BuildError],
    known: KnownSources | None = None, stamps: dict[str, Stamp] | None = None,
) -> Iterator[SourceFile]:
    """Every post as it is read (a mistake goes to ``errors``); ``known`` (what earlier
    builds learned of the files, by their stamps) spares reading and hashing those whose
    stamps are unchanged. ``stamps``: the files' stamps, if the build has taken them
    already (``uptodate``)."""
    if known is not None:
        yield from known.read_each(paths, root, stamps, errors)
        return
    for path in paths:
        try:
            yield read_source(path, root)
        except BuildError as error:
            errors.append(error)


def parse_posts(
    sources: Iterable[SourceFile],
    config: Config,
    layouts: frozenset[str],
    cache: ParseCache,
    workers: ParseWorkers,
    published: Published | None = None,
    expected: int = 0,
) -> tuple[list[tuple[str, PostMeta, ParsedBody | None]], list[BuildError], int]:
    """Return (key, meta, body) per post, the errors, and how many posts were parsed afresh.
    The posts ``published`` leaves out come without a body, from the cache or read now.
    ``sources`` may be read as they come: when the pool is already running (a cold build
    of ``expected`` posts), batches go to it while the rest is still being read."""
    if config.jekyll is None and workers.pool is not None:
        return _parse_as_read(sources, config, layouts, cache, workers, published, expected)
    sources = list(sources)  # those known by their stamps are read below if parsed
    site = LiquidSite(sources, config, layouts) if config.jekyll is not None else None
    settings = settings_key(config, layouts)
    keys = [parse_key(source, config, settings, site.key(i) if site else "")
            for i, source in enumerate(sources)]
    results: dict[int, ParseResult] = {}
    todo = []
    for i, key in enumerate(keys):
        cached = _cached(cache, key, published)
        if cached is not None:
            results[i] = cached
            continue
        ready = _with_bytes(sources[i], key, config.root, lambda read, i=i: parse_key(
            read, config, settings, site.key(i) if site else ""))
        if isinstance(ready, BuildError):
            results[i] = ready
            continue
        sources[i], keys[i] = ready
        todo.append(i)
    fresh = [sources[i] for i in todo]
    index = site.index() if site and any(site.uses[i] for i in todo) else None
    places: dict[str, list] = {}
    if workers.worth_it(len(fresh)):
        parsed, places = _parse_in_pool(fresh, [keys[i] for i in todo], config, layouts,
                                        workers, cache.pack_folder(), index, published)
    else:
        parsed = [parse_one(source, config, layouts, index, published) for source in fresh]
    for i, result in zip(todo, parsed, strict=True):
        results[i] = result
        if not isinstance(result, BuildError):
            cache.put(keys[i], *result, places.get(keys[i]))
    return (*_in_order(keys, results), len(todo))


def _with_bytes(source: SourceFile, key: str, root: Path,
                rekey: Callable[[SourceFile], str]) -> tuple[SourceFile, str] | BuildError:
    """A post to parse, with its bytes: read now if it was known by its stamp, and keyed
    again (``rekey``) if it changed since it was stamped."""
    if source.raw is not None:
        return source, key
    try:
        read = loaded(source, root)
    except BuildError as error:
        return error
    return read, key if read.digest == source.digest else rekey(read)


def _cached(cache: ParseCache, key: str, published: Published | None) -> ParseResult | None:
    """The cached parse, if it will do: not a front matter alone of a post now published."""
    cached = cache.get(key)
    if cached is not None and (cached[1] is not None or not published
                               or not published(cached[0])):
        return cached
    return None


def _in_order(keys: list[str], results: dict[int, ParseResult],
              ) -> tuple[list[tuple[str, PostMeta, ParsedBody | None]], list[BuildError]]:
    posts, errors = [], []
    for i, key in enumerate(keys):
        result = results[i]
        if isinstance(result, BuildError):
            errors.append(result)
        else:
            posts.append((key, *result))
    return posts, errors


def _parse_as_read(
    sources: Iterable[SourceFile], config: Config, layouts: frozenset[str], cache: ParseCache,
    workers: ParseWorkers, published: Published | None, expected: int,
) -> tuple[list[tuple[str, PostMeta, ParsedBody | None]], list[BuildError], int]:
    """A cold build's parse (not a Jekyll site's, whose keys need every post read first):
    each batch goes to the running pool as soon as it is read, so the workers parse while
    this process reads the rest (10,000 posts: 0.4 s of reading no longer before them)."""
    settings = settings_key(config, layouts)
    size = workers.batch_size(expected)
    folder = cache.pack_folder()
    pool = workers.get()
    keys: list[str] = []
    results: dict[int, ParseResult] = {}
    batch: list[tuple[int, SourceFile]] = []
    sent: list[tuple[list[int], Future]] = []

    def send() -> None:
        sent.append(([i for i, _ in batch], pool.submit(
            _parse_batch, [s for _, s in batch], [keys[i] for i, _ in batch], config,
            layouts, folder, None, published)))
        batch.clear()

    for i, source in enumerate(sources):
        keys.append(parse_key(source, config, settings))
        cached = _cached(cache, keys[i], published)
        if cached is not None:
            results[i] = cached
            continue
        ready = _with_bytes(source, keys[i], config.root,
                            lambda read: parse_key(read, config, settings))
        if isinstance(ready, BuildError):
            results[i] = ready
            continue
        source, keys[i] = ready
        batch.append((i, source))
        if len(batch) == size:
            send()
    if batch:
        send()
    for indices, future in sent:
        parsed, places = future.result()
        for i, result in zip(indices, parsed, strict=True):
            results[i] = result
            if not isinstance(result, BuildError):
                cache.put(keys[i], *result, places.get(keys[i]))
    return (*_in_order(keys, results), sum(len(indices) for indices, _ in sent))


def _parse_in_pool(
    sources: list[SourceFile], keys: list[str], config: Config, layouts: frozenset[str],
    workers: ParseWorkers, folder: Path | None, index: SiteIndex | None,
    published: Published | None,
) -> tuple[list[ParseResult], dict[str, list]]:
    size = workers.batch_size(len(sources))
    pool = workers.get()
    futures = [pool.submit(_parse_batch, sources[i : i + size], keys[i : i + size], config,
                           layouts, folder, index, published)
               for i in range(0, len(sources), size)]
    results: list[ParseResult] = []
    places: dict[str, list] = {}
    for future in futures:
        batch, packed = future.result()
        results.extend(batch)
        places.update(packed)
    return results, places
