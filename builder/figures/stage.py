"""The figure stage: decide which blocks must run, run them in workers, cache what they made.

A block's cache key covers its code, the code of the earlier blocks it reads names from, its
options and the library versions; its entry then lists the project modules it imported and
the project files it read, with their hashes. So a prose edit runs nothing, and an edit of
``figures/x.py`` or of a data file re-runs exactly the blocks whose run touched it.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.config import Config
from builder.errors import BuildError, BuildWarning, plural
from builder.figures.analysis import block_dependencies, job_groups
from builder.figures.cache import FigureCache
from builder.figures.depends import declared_digests, declared_files
from builder.figures.executor import Executor, ExecutorFactory
from builder.figures.inline import run_order, unit_at
from builder.figures.options import depends
from builder.figures.outputs import results_and_outputs, stored_files, stored_outputs
from builder.figures.runner import Job, JobOutcome, WorkerPool
from builder.figures.schemes import (
    Renderings,
    attach_dark,
    dark_key_parts,
    pair_drawn_renderings,
    wants_dark,
)
from builder.fsutil import digest
from builder.model import FigureBlock, FigureResult, ParsedBody, PostMeta
from builder.shared_cache import SharedStore, open_store
from builder.write import Output

if TYPE_CHECKING:
    from builder.figures.shared import SharedLayer

# 2: GIFs drawn at the retina factor; JPEG and WebP; 3: tight boxes, a block's outputs in
# order; 4: the files a block writes in the post's folder; 5: opaque PNGs without alpha;
# 6: animations also as the player's WebP
FIGURES_VERSION = "6"
# Options that change what a block's run produces (the others only change how it is shown).
_RUN_OPTIONS = ("label", "file", "format", "fig-format", "fig-width", "fig-height", "fig-dpi",
                "fig-crop", "error", "depends")
# Called as each block starts: (blocks started so far, blocks to run, "posts/x.md:12 fig-a").
Progress = Callable[[int, int, str], None]


@dataclass
class FigureStage:
    results: dict[str, dict[int, FigureResult]] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)
    errors: list[BuildError] = field(default_factory=list)
    warnings: list[BuildWarning] = field(default_factory=list)
    explain: list[str] = field(default_factory=list)
    deps: set[str] = field(default_factory=set)  # project files the blocks imported or read
    ran: int = 0
    blocks: int = 0  # the posts' blocks and inline code (ran and cached count dark runs too)
    cached: int = 0


def _hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return digest(text.encode())


@functools.cache
def library_versions() -> dict[str, str]:
    from importlib import metadata  # only builds with figure blocks need it

    versions = {"python": platform.python_version(), "builder": FIGURES_VERSION}
    for name in ("numpy", "matplotlib", "pillow"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def machine() -> list[str]:
    """What else can change a figure's bytes with the same libraries: the processor (numpy's
    vector code) and the operating system. Part of every key, so a shared cache never mixes
    them (``shared.py``), and checked on every Dask worker (``dask_executor.py``)."""
    return [platform.machine(), sys.platform]


def _keyed_settings(config: Config) -> dict[str, Any]:
    """The ``[figures]`` settings that change what a block makes (not where it is cached)."""
    return {k: v for k, v in config.figures.__dict__.items() if k not in ("cache", "cache_line")}


def _key_parts(config: Config, meta: PostMeta, blocks: Sequence[FigureBlock], k: int,
               needs: tuple[int, ...], versions: dict[str, str]) -> dict[str, str]:
    block = blocks[k]

    def run_options(b: FigureBlock) -> dict[str, Any]:
        chosen = {name: b.options[name] for name in _RUN_OPTIONS if name in b.options}
        if b.inline:  # its value is shown in the text: not what a block of that code shows
            chosen["inline"] = True
        if b.options.get("error"):
            chosen["line"] = b.code_line  # its traceback, shown in the page, names lines
        return chosen

    parts = {
        "code": _hash(block.code),
        "options": _hash(run_options(block)),
        "earlier": _hash([(blocks[j].code, run_options(blocks[j])) for j in needs]),
        "versions": _hash([versions, _keyed_settings(config), meta.source, machine()]),
    }
    declared = depends(block.options)
    if declared:  # what it reads behind the worker's back, hashed now
        post_dir = (config.root / meta.source).parent
        parts["depends"] = _hash(declared_digests(
            declared, post_dir, config.root, meta.source,
            block.option_lines.get("depends", block.line)))
    return parts


def _block_keys(config: Config, meta: PostMeta, blocks: Sequence[FigureBlock],
                needs: list[tuple[int, ...]], versions: dict[str, str], stage: FigureStage,
                ) -> dict[int, tuple[dict[str, str], str]]:
    """Each block's key parts and key, by position in ``blocks`` (blocks that don't run and
    blocks whose ``depends`` is wrong are left out; the latter's errors are in ``stage``)."""
    found = {}
    for k, block in enumerate(blocks):
        if block.options.get("eval", True) is False:
            continue
        try:
            parts = _key_parts(config, meta, blocks, k, needs[k], versions)
        except BuildError as error:
            stage.errors.append(error)
            continue
        if depends(block.options):
            stage.deps.update(declared_files(depends(block.options),
                                             (config.root / meta.source).parent, config.root))
        found[k] = (parts, _hash(parts))
    return found


def _every_key(keyed: list[Any]) -> Iterator[str]:
    """The keys of every block, and of its dark rendering when it has one."""
    for _, blocks, _, found in keyed:
        for k, (parts, key) in found.items():
            yield key
            if wants_dark(blocks[k]):
                yield _hash(dark_key_parts(parts))


def _shared_layer(config: Config, store: SharedStore | None) -> SharedLayer | None:
    """The shared cache of ``[figures] cache`` (the build's ``store``), if there is one."""
    store = store or open_store(config)
    if store is None:
        return None
    from builder.figures.shared import SharedLayer

    return SharedLayer(store)


def _explain_change(old: dict[str, str] | None, new: dict[str, str], reason: str) -> str:
    if isinstance(old, dict):
        for part, words in (("code", "its code changed"), ("options", "its options changed"),
                            ("earlier", "an earlier block it uses changed"),
                            ("depends", "a file it depends on changed"),
                            ("versions", "library versions or figure settings changed")):
            if old.get(part) != new.get(part):
                return words
    return reason


def _remove_stale_scratch(cache: FigureCache, say: Callable[[str], None]) -> None:
    """Scratch folders of builds that were killed (their pid is gone): under the build lock
    no other build can be using them."""
    stale = []
    for folder in sorted((cache.folder / "tmp").glob("run-*")):
        pid = folder.name.split("-")[1]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        stale.append(folder)
    if stale:
        say(f"removed {plural(len(stale), 'scratch folder')} left in .cache/figures/tmp/ "
            "by an interrupted build")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_figures(
    config: Config,
    posts: Sequence[tuple[PostMeta, ParsedBody]],
    jobs: int,
    use_cache: bool = True,
    pool: Executor | None = None,
    share: bool = True,
    executor: ExecutorFactory | None = None,
    store: SharedStore | None = None,
    say: Callable[[str], None] = lambda _: None,
    progress: Progress | None = None,
) -> FigureStage:
    stage = FigureStage()
    if not any(body.blocks or body.inline for _, body in posts):
        return stage  # nothing to run: don't even look up library versions
    shared = _shared_layer(config, store) if use_cache or share else None
    cache = FigureCache(config.root, config.output_path, shared)
    _remove_stale_scratch(cache, say)
    history = cache.load_history()
    before = dict(history)
    versions = library_versions()
    planned: list[Job] = []
    keys: dict[tuple[str, int], str] = {}
    entries: dict[tuple[str, int], dict[str, Any]] = {}
    keyed = []
    dark, dark_jobs = Renderings(), []  # the dark scheme's keys, entries and jobs
    for meta, body in posts:
        blocks = run_order(body)  # the blocks and inline code, in the order they run
        if blocks:
            needs = block_dependencies(blocks)  # positions in ``blocks``, as are ``wanted``'s
            keyed.append((meta, blocks, needs,
                          _block_keys(config, meta, blocks, needs, versions, stage)))
    if shared is not None and use_cache:  # every entry this machine lacks, in one batch
        shared.prefetch(cache, _every_key(keyed))
    for meta, blocks, needs, found in keyed:
        stage.blocks += len(blocks)
        stage.results[meta.source] = {}
        wanted: dict[int, str] = {}  # block -> why it runs
        dark_parts: dict[int, dict[str, str]] = {}
        for k, (parts, key) in found.items():
            block = blocks[k]
            keys[(meta.source, block.index)] = key
            slot = f"{meta.source}#{block.index}"
            entry, reason = cache.lookup(key) if use_cache else (None, "--no-cache")
            if entry is None:
                wanted[k] = _explain_change(history.get(slot), parts, reason)
            else:
                entries[(meta.source, block.index)] = entry
            history[slot] = parts
            if wants_dark(block):  # drawn again for the dark scheme: a key of its own
                dark_parts[k] = dark_key_parts(parts)
        groups = job_groups(needs, set(wanted))
        running = {k: group for group in groups for k in group}
        for k, block in enumerate(blocks):
            where = f"{meta.source}:{block.line}: {block.label}"
            if k in wanted:
                stage.explain.append(f"{where}: ran ({wanted[k]})")
            elif k in running:  # cached, but a block that runs needs what it defines
                user = next((blocks[j].label for j in running[k] if j in wanted and j > k),
                            "a later block")
                stage.explain.append(f"{where}: ran (with {user}, which uses what it defines)")
            elif (meta.source, block.index) in entries:
                stage.cached += 1
                untracked = entries[(meta.source, block.index)].get("untracked") or []
                notes = [f"{'; '.join(untracked)}: declare what it reads with "
                         "'#| depends: [...]'"] if untracked else []
                if shared is not None and keys[(meta.source, block.index)] in shared.fetched:
                    notes.insert(0, "from the shared cache")
                stage.explain.append(f"{where}: cached" + (f" ({'; '.join(notes)})"
                                                           if notes else ""))
        for group in groups:
            planned.append(_job(config, meta, [blocks[i] for i in group]))
        dark_wanted = set()
        for k, parts in dark_parts.items():
            key, slot = _hash(parts), f"{meta.source}#{blocks[k].index}@dark"
            dark.keys[(meta.source, blocks[k].index)] = key
            entry, reason = cache.lookup(key) if use_cache else (None, "--no-cache")
            if entry is None:
                dark_wanted.add(k)
                why = _explain_change(history.get(slot), parts, reason)
                stage.explain.append(f"{meta.source}:{blocks[k].line}: {blocks[k].label}: "
                                     f"dark rendering ran ({why})")
            else:
                dark.entries[(meta.source, blocks[k].index)] = entry
            history[slot] = parts
        for group in job_groups(needs, dark_wanted):
            dark_jobs.append(_job(config, meta, [blocks[i] for i in group], "dark"))
    planned += dark_jobs  # after the light ones: a page needs those first

    if planned:
        own_pool = pool is None
        pool = pool or (executor or WorkerPool)(jobs, config.figures.memory_limit_mb,
                                                config.root)
        scratch = Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-",
                                        dir=_ensure(cache.folder / "tmp")))
        try:
            for number, job in enumerate(planned):
                name = job.post + ("@dark" if job.payload["settings"]["scheme"] == "dark" else "")
                job.payload["out_dir"] = str(_ensure(scratch / _hash(name)[:12]))
                job.payload["scratch"] = str(scratch / "cwd" / str(number))

            posts_by_source = {meta.source: (meta, body) for meta, body in posts}

            def collect(outcome: JobOutcome) -> None:
                if outcome.job.payload["settings"]["scheme"] == "dark":
                    _collect(outcome, cache, dark.keys, dark.entries, stage, posts_by_source)
                else:
                    _collect(outcome, cache, keys, entries, stage, posts_by_source)

            total = sum(len(j.payload["blocks"]) for j in planned)
            started = [0]
            lock = threading.Lock()

            def on_start(job: Job, index: int) -> None:
                block = unit_at(posts_by_source[job.post][1], index)
                with lock:
                    started[0] += 1
                    count = started[0]
                if progress is not None:
                    progress(count, total, f"{job.post}:{block.line} {block.label}")

            say(f"running {plural(total, 'figure block')} in {pool.describe(len(planned))}")
            pool.run_all(planned, collect, on_start)
            # a block that fails fails in both schemes: say it once
            stage.errors = list({str(e): e for e in stage.errors}.values())
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            if own_pool:
                pool.close()
    if shared is not None:
        shared.flush()
        stage.warnings.extend(shared.store.warnings)
    if history != before:
        cache.save_history(history)
    results_and_outputs(posts, entries, cache, stage)
    attach_dark(posts, dark.entries, cache, stage)
    pair_drawn_renderings(posts, stage)
    return stage


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _job(config: Config, meta: PostMeta, blocks: list[FigureBlock],
         scheme: str = "light") -> Job:
    settings = config.figures
    post_path = config.root / meta.source
    payload = {
        "root": str(config.root),
        "output": str(config.output_path),
        "post": meta.source,
        "post_path": str(post_path),
        "post_dir": str(post_path.parent),
        "settings": {
            "dpi": settings.dpi, "retina": settings.retina, "quality": settings.quality,
            "max_output_bytes": settings.max_output_bytes,
            "max_figures_per_block": settings.max_figures_per_block,
            "max_frames": settings.max_frames,
            "scheme": scheme,
        },
        "blocks": [
            {"index": b.index, "code": b.code, "code_line": b.code_line,
             "options": b.options, "capture": True, "inline": b.inline}
            for b in blocks
        ],
    }
    timeouts = {b.index: float(b.options.get("timeout", settings.timeout)) for b in blocks}
    return Job(meta.source, payload, timeouts, {b.index: b.line for b in blocks})


def _collect(outcome: JobOutcome, cache: FigureCache, keys: dict[tuple[str, int], str],
             entries: dict[tuple[str, int], dict[str, Any]], stage: FigureStage,
             posts: dict[str, tuple[PostMeta, ParsedBody]]) -> None:
    """Store what a job made; turn its failures into errors that name the post's lines."""
    job = outcome.job
    _, body = posts[job.post]
    out_dir = Path(job.payload["out_dir"])
    for result in outcome.results:
        index = result["index"]
        if (job.post, index) not in keys:
            continue  # run for a later block's sake (a dark rendering's): nothing to keep
        block = unit_at(body, index)
        error = result["error"]
        if error and not block.options.get("error", False):
            line = error["line"] or block.line
            stage.errors.append(BuildError(
                f"in {block.label}: {error['message']}" if block.inline else error["message"],
                job.post, line, column=None if block.inline else error["column"],
                details=error["details"] or None,
                hint="if this block is meant to fail, add '#| error: true'"
                if error["details"] and not block.inline else None,
            ))
            continue
        entry = {"outputs": stored_outputs(result, cache, out_dir / str(index)),
                 "files": stored_files(result, cache), "deps": result["deps"],
                 "untracked": result.get("untracked", [])}
        if result["left_out"]:
            stage.warnings.append(BuildWarning(
                job.post, block.line, f"{result['left_out']} more files the block wrote are "
                "not kept (at most 200 files and 200 MB per block)"))
        cache.store_entry(keys[(job.post, index)], entry)
        entries[(job.post, index)] = entry
        stage.ran += 1
    if outcome.failure:
        index = outcome.failure["index"]
        line = job.lines.get(index) or next(iter(job.lines.values()))
        stage.errors.append(BuildError(
            outcome.failure["message"], job.post, line,
            details=outcome.failure.get("details") or None,
        ))
