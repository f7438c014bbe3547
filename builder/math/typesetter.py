"""Running the engine over many posts: in forked worker processes while the build can still
fork (its own process then never starts V8, so it can fork its page writers afterwards), or
here when it can't (the preview server, which runs threads, keeps one warm engine instead).

A worker starts its engine once (a few tenths of a second) and typesets batches of posts,
longest first so the workers finish together; it writes the entries into the cache itself
and sends back only what the build needs to know of them (``Summary``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from builder.math.cache import MathCache, read_rules, store, write_rules
from builder.math.engine import Problem, Typeset, engine
from builder.math.html import css_tokens
from builder.math.shared import MEMO
from builder.math.svg_ids import own_ids
from builder.procutil import can_fork, process_pool

Document = tuple[str, list[tuple[str, str]]]  # entry key, (tag, text) of each math element
_BATCH_FORMULAS = 400  # a batch's formulas: a few hundred ms of work, so batches share out well


@dataclass(frozen=True)
class Summary:
    """What the build keeps of a typeset post: the CSS its math needs, MathJax's complaints,
    and which elements held no complete formula (left as text, as the browser would)."""

    tokens: frozenset[str]
    problems: tuple[Problem, ...]
    untypeset: tuple[int, ...]


def summarize(typeset: Typeset) -> Summary:
    flagged = {p.index for p in typeset.problems}
    return Summary(frozenset(css_tokens(typeset.html)), typeset.problems,
                   tuple(i for i, html in enumerate(typeset.html)
                         if "<mjx-container" not in html and i not in flagged))


def typeset_post(options: dict[str, Any], key: str, elements: list[tuple[str, str]]
                 ) -> Typeset:
    """One post's math elements, typeset as one document (its shareable formulas that this
    process has typeset before taken as they were) and stored under ``key``."""
    typeset = MEMO.typeset(engine(), options, elements)
    return replace(typeset, html=own_ids(typeset.html, key), elements=tuple(elements))


def _typeset_one(options: dict[str, Any], key: str, elements: list[tuple[str, str]],
                 folder: Path | None) -> tuple[str, Summary, Typeset | None]:
    typeset = typeset_post(options, key, elements)
    if folder is None:
        return key, summarize(typeset), typeset
    store(folder, key, typeset)
    return key, summarize(typeset), None


def _typeset_batch(options: dict[str, Any], batch: list[Document], folder: Path | None
                   ) -> list[tuple[str, Summary, Typeset | None]]:
    return [_typeset_one(options, key, elements, folder) for key, elements in batch]


def _rules(options: dict[str, Any]) -> list[tuple[str, str]]:
    return engine().stylesheet(options)


def _batches(documents: Sequence[Document], jobs: int) -> list[list[Document]]:
    """Longest posts first, packed into batches of about ``_BATCH_FORMULAS`` formulas (but
    at least ``4 * jobs`` batches when there is enough work, so no worker idles at the end)."""
    ordered = sorted(documents, key=lambda d: (-len(d[1]), d[0]))
    total = sum(len(d[1]) for d in ordered)
    size = max(1, min(_BATCH_FORMULAS, total // (4 * jobs)))
    batches: list[list[Document]] = [[]]
    count = 0
    for document in ordered:
        if count >= size:
            batches.append([])
            count = 0
        batches[-1].append(document)
        count += len(document[1])
    return [batch for batch in batches if batch]


def run_engine(options: dict[str, Any], documents: Sequence[Document], cache: MathCache,
               jobs: int, want_rules: bool) -> tuple[dict[str, Summary],
                                                     list[tuple[str, str]] | None]:
    """Typeset ``documents`` into the cache; also get MathJax's whole stylesheet if asked
    (when the cache does not have it). Returns each document's summary, and the rules."""
    rules = read_rules(cache, options) if want_rules else None
    want_rules = want_rules and rules is None
    if not documents and not want_rules:
        return {}, rules
    folder = cache.folder if cache.enabled else None
    summaries: dict[str, Summary] = {}
    if not can_fork():
        results = []
        for key, elements in documents:
            typeset = typeset_post(options, key, elements)
            cache.put(key, typeset)
            results.append((key, summarize(typeset), None))
        if want_rules:
            rules = _rules(options)
    else:
        batches = _batches(documents, jobs)
        formulas = sum(len(d[1]) for d in documents)
        workers = max(1, min(jobs, len(batches), formulas // 200 or 1))
        with process_pool(workers, fork=True) as pool:
            wanted = pool.submit(_rules, options) if want_rules else None
            futures = [pool.submit(_typeset_batch, options, batch, folder) for batch in batches]
            results = [result for future in futures for result in future.result()]
            if wanted is not None:
                rules = wanted.result()
    for key, summary, typeset in results:
        summaries[key] = summary
        if typeset is not None:
            cache.remember(key, typeset)
    if want_rules and rules is not None:
        write_rules(cache, options, rules)
    return summaries, rules
