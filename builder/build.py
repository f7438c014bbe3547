"""The spine: ``build_site`` calls one stage after another and times each. Nothing else.

sources -> parsed posts -> executed figures -> rendered pages -> written site
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from builder import __version__
from builder.clock import build_now, epoch_now
from builder.config import Config, url_warnings
from builder.errors import (
    BuildError,
    BuildWarning,
    Warn,
    ignore_warning,
    machine_faults,
    plural,
    raise_all,
)
from builder.figures.executor import ExecutorFactory
from builder.figures.html import fill_placeholders
from builder.figures.inline import fill_inline
from builder.figures.runner import WorkerPool
from builder.figures.stage import Progress, run_figures
from builder.fsutil import Stamp, digest, exclusive_lock
from builder.markdown.stage import (
    ParseCache,
    ParseWorkers,
    Published,
    each_source,
    parse_posts,
)
from builder.math.cache import MathCache
from builder.math.stage import MathSource, typeset_feed_math, typeset_math
from builder.model import FigureResult, ParsedBody, PostMeta
from builder.pages.assets import asset_outputs, bundle_outputs, static_files
from builder.pages.cards import make_cards
from builder.pages.plan import PAGES_VERSION, SitePost, build_pages, feed_posts
from builder.pages.render import Renderer, available_layouts, templates_digest
from builder.pages.search import SearchIndex, search_warning, searchable
from builder.pages.shadowed import drop_shadowed_files, drop_shadowed_pages
from builder.procutil import gc_paused
from builder.shared_cache import open_store
from builder.sources.bibliography_option import citation_files
from builder.sources.jekyll_files import site_warnings
from builder.sources.known import KnownSources
from builder.sources.posts import find_posts, read_source
from builder.uptodate import Inputs, Replay, save_record
from builder.write import SiteWriter, WriteReport, check_output_dir, remove_stale_staging


@dataclass
class BuildSession:
    """What a long-running preview keeps between builds instead of reading it from disk:
    the parse cache, the writer's record of the site, and the posts' bytes and stamps."""

    parse_cache: ParseCache | None = None
    math_cache: MathCache | None = None
    writer: SiteWriter | None = None
    sources: KnownSources | None = None
    assets: dict[Path, tuple[Stamp, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    use_cache: bool = True
    pool: WorkerPool | None = None  # a warm pool of figure workers (the preview server's)
    executor: ExecutorFactory | None = None  # what else runs figure blocks (a Dask cluster)
    session: BuildSession | None = None  # the preview server's memory between builds
    progress: Progress | None = None  # told as each figure block starts
    # What the build reads, by its stamps (``uptodate.stamp_inputs``): recorded with the site
    # made, so that the next build with the same inputs knows it has nothing to do
    inputs: Inputs | None = None


@dataclass
class BuildReport:
    posts: int = 0
    parsed: int = 0
    figures_ran: int = 0
    figures_cached: int = 0
    figure_blocks: int = 0  # blocks and inline code, once each (a rebuild finds them cached)
    math_typeset: int = 0  # posts whose math was typeset afresh
    explain: list[str] = field(default_factory=list)
    figure_deps: set[str] = field(default_factory=set)  # and bibliographies: the preview
    write: WriteReport = field(default_factory=WriteReport)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[BuildWarning] = field(default_factory=list)
    skipped: list[PostMeta] = field(default_factory=list)  # drafts and future posts not built


def build_site(
    config: Config, options: BuildOptions, say: Callable[[str], None] = lambda _: None,
    warn: Warn = ignore_warning,
) -> BuildReport:
    """Build the site; ``say`` hears progress, ``warn`` each warning once, as it is found."""
    report = BuildReport()

    def warn_all(warnings: Sequence[BuildWarning]) -> None:
        for warning in warnings:
            if warning not in report.warnings:
                report.warnings.append(warning)
                warn(warning)

    # a read-only folder, a full disk: one clear line
    with machine_faults(config.root), gc_paused():
        _build(config, options, report, say, warn_all)
    return report


def _build(config: Config, options: BuildOptions, report: BuildReport,
           say: Callable[[str], None], warn_all: Callable[[Sequence[BuildWarning]], None],
           ) -> None:
    out = config.output_path
    check_output_dir(config, out)
    lock = config.root / ".cache" / "build.lock"
    with exclusive_lock(lock, lambda pid: say(f"waiting for another build (pid {pid})")):
        remove_stale_staging(out, say)
        clock = _Clock(report)

        mistakes: list[BuildError] = []  # all of every post, reported with the figures'
        chosen, parse_cache, report.parsed = collect_posts(config, options, report.skipped,
                                                           mistakes)
        chosen = drop_shadowed_pages(chosen, lambda w: warn_all([w]))
        warn_all(site_warnings(config))
        warn_all(config.figure_default_warnings)
        report.posts = len(chosen)
        warn_all([w for _, _, body in chosen for w in body.warnings])
        clock.lap("parse")

        store = open_store(config)  # a cache shared between machines, if site.toml names one
        figures = run_figures(config, [(meta, body) for _, meta, body in chosen],
                              options.jobs, options.use_cache, pool=options.pool, say=say,
                              progress=options.progress, executor=options.executor,
                              store=store)
        report.figures_ran, report.figures_cached = figures.ran, figures.cached
        report.figure_blocks = figures.blocks
        report.explain, report.figure_deps = figures.explain, figures.deps
        report.figure_deps |= citation_files(config, [meta for _, meta, _ in chosen])
        warn_all(figures.warnings)
        if options.session is None:
            parse_cache.save()  # a preview server saves it when it stops
        raise_all(mistakes + figures.errors)
        site_posts = [
            _site_post(config, parse_cache, key, meta, body, figures.results.get(meta.source, {}))
            for key, meta, body in chosen
        ]
        clock.lap("figures")

        math_cache = _math_cache(config, options)
        math_cache.shared = store
        math = typeset_math(config, [_math_source(p) for p in site_posts], math_cache,
                            options.jobs, whole=options.session is not None)
        report.math_typeset = math.typeset
        warn_all(math.warnings)
        feed_math = typeset_feed_math(config, [_math_source(p) for p in
                                               feed_posts(config, site_posts)],
                                      math_cache, options.jobs)
        warn_all(store.warnings if store else [])
        if options.session is None:
            math_cache.save()  # a preview server saves it when it stops (10k posts: 60 ms)
        site_posts = [replace(p, typeset=math.typesetters.get(p.meta.source, str),
                              feed_typeset=feed_math.typesetters.get(p.meta.source))
                      for p in site_posts]
        clock.lap("math")

        cards = make_cards(config, site_posts, figures.outputs, options.jobs)
        clock.lap("cards")

        need_math = any(p.has_math for p in site_posts)
        assets, versions = asset_outputs(static_files(config, need_math, math.files),
                                         options.session.assets if options.session else None)
        search = searchable(config) and bool(site_posts)
        warn_all(search_warning(config))
        renderer = Renderer(config, versions, math.fonts, search)
        base_key = _site_key(config, options, versions,
                             math.fingerprint or feed_math.fingerprint, search)
        outputs = build_pages(config, site_posts, renderer, base_key, _updated(site_posts))
        index = None
        if search:  # of the posts' pages; the preview keeps its last index (README)
            indexed = {post.meta.output_file for post in site_posts}
            index = SearchIndex(config, [o for o in outputs if o.path in indexed],
                                keep_stale=options.session is not None, jobs=options.jobs)
            outputs += index.outputs or []
        clock.lap("plan")

        session = options.session
        writer = session.writer if session and session.writer else SiteWriter(config, out)
        if session:
            session.writer = writer
        outputs += cards.outputs
        written = {output.path for output in figures.outputs if output.key.startswith("file:")}
        bundles = bundle_outputs(config, [meta for _, meta, _ in chosen], written,
                                 session.assets if session else None, lambda w: warn_all([w]))
        taken = {output.path for output in outputs + figures.outputs + bundles}
        assets = drop_shadowed_files(assets, taken, lambda w: warn_all([w]))
        report.write = writer.write(outputs + figures.outputs + bundles + assets, options.jobs,
                                    lambda w: warn_all([w]), index and index.derived)
        clock.lap("write")
        warn_all(url_warnings(config))  # said once the site is written without them
        if options.inputs is not None and options.inputs.key is not None:
            _record(config, options.inputs.key, report, writer.generation)


def _record(config: Config, inputs: str, report: BuildReport, generation: int) -> None:
    """What the next build needs to know that nothing changed: the inputs, the site's
    generation, what this build reported, and when the next future post is due."""
    due = [meta.date for meta in report.skipped if not meta.draft]
    write = report.write
    replay = Replay(report.posts, report.figure_blocks,
                    write.unchanged + len(write.written), tuple(report.warnings),
                    not_built_summary(report.skipped))
    external = sorted(path for path in report.figure_deps if os.path.isabs(path))
    save_record(config, inputs, replay, min(due) if due else None, generation, external)


Parsed = tuple[str, PostMeta, ParsedBody]


def collect_posts(config: Config, options: BuildOptions, skipped: list[PostMeta] | None = None,
                  mistakes: list[BuildError] | None = None,
                  ) -> tuple[list[Parsed], ParseCache, int]:
    """Read and parse every post; return the ones to publish (newest first), the parse cache
    and how many posts were parsed afresh; the posts left out (drafts, future posts) go in
    ``skipped``. Every mistake in every post is raised together, or, given a list, put in
    it: the build then runs the figures of the posts that parsed, so their mistakes are
    reported in the same run."""
    layouts = available_layouts(config)
    session = options.session
    if session and session.parse_cache:
        cache = session.parse_cache
    else:
        cache = ParseCache(config.root, enabled=options.use_cache)
        if session:
            session.parse_cache = cache
    paths = find_posts(config)
    known = _known_sources(config, options)
    future = config.jekyll is not None and config.jekyll.future  # Jekyll's 'future: true'
    published = Published(options.drafts, build_now(), future)
    errors: list[BuildError] = []  # of reading, found as the posts are read and parsed
    with ParseWorkers(options.jobs, len(paths) if cache.empty() else 0,
                      config.markdown) as workers:
        sources = each_source(paths, config.root, errors, known,
                              options.inputs.stamps if options.inputs else None)
        parsed, parse_errors, fresh = parse_posts(sources, config, layouts, cache, workers,
                                                  published, len(paths))
    if known is not None:
        known.save()
    cache.keep({key for key, _, _ in parsed})
    if mistakes is None:
        raise_all(errors + parse_errors)
    else:
        mistakes += errors + parse_errors
    chosen = [p for p in parsed if p[2] is not None and published(p[1])]
    if skipped is not None:
        built = {id(p) for p in chosen}
        skipped += sorted((p[1] for p in parsed if id(p) not in built), key=lambda m: m.source)
    chosen.sort(key=lambda p: (p[1].date, p[1].source), reverse=True)
    try:
        _check_unique_urls([meta for _, meta, _ in chosen])
    except BuildError as error:
        if mistakes is None:
            raise
        mistakes.append(error)
    return chosen, cache, fresh


def _known_sources(config: Config, options: BuildOptions) -> KnownSources | None:
    """What earlier builds learned of the post files: the preview server's, kept in memory
    between builds, or the one saved in ``.cache`` (none with ``--no-cache``)."""
    session = options.session
    if session is not None and session.sources is not None:
        return session.sources
    if not options.use_cache:
        return None
    known = KnownSources(config.root / ".cache" / "sources.json")
    if session is not None:
        session.sources = known
    return known


def why_not_built(meta: PostMeta) -> str:
    """'posts/x.md is a draft, so it is not built' (or dated in the future)."""
    what = "a draft" if meta.draft else f"dated in the future ({meta.date.date()})"
    return f"{meta.source} is {what}, so it is not built"


def not_built_summary(skipped: Sequence[PostMeta]) -> str:
    """'2 drafts and 1 future post not built (use --drafts)', or "" when none was left out."""
    drafts = sum(1 for meta in skipped if meta.draft)
    parts = [plural(drafts, "draft")] if drafts else []
    if len(skipped) - drafts:
        parts.append(plural(len(skipped) - drafts, "future post"))
    return f"{' and '.join(parts)} not built (use --drafts)" if parts else ""


def _reparse(config: Config, source: str) -> str:
    from builder.markdown.stage import parse_one

    result = parse_one(read_source(config.root / source, config.root), config,
                       available_layouts(config))
    if isinstance(result, BuildError):
        raise result
    return result[1].html


class _Clock:
    def __init__(self, report: BuildReport) -> None:
        self.report = report
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.report.timings[stage] = now - self.last
        self.last = now


def _updated(posts: list[SitePost]) -> datetime:
    """The feed's date: the newest post's own date, so it changes only when posts do."""
    dates = [p.meta.updated or p.meta.date for p in posts]
    if dates:
        return max(dates)
    return epoch_now() or datetime.fromtimestamp(0, UTC)


def _check_unique_urls(metas: list[PostMeta]) -> None:
    seen: dict[str, PostMeta] = {}
    errors = []
    for meta in sorted(metas, key=lambda m: m.source):
        other = seen.get(meta.output_file)
        if other:
            errors.append(BuildError(
                f"'{meta.output_file}' is also the output of {other.source}", meta.source,
                hint="give one of them another slug or permalink",
            ))
        seen[meta.output_file] = meta
    raise_all(errors)


def _site_post(config: Config, cache: ParseCache, key: str, meta: PostMeta, body: ParsedBody,
               results: dict[int, FigureResult]) -> SitePost:
    """A post ready for rendering; its HTML (figures filled in) is fetched only if needed."""

    def html() -> str:
        text = body.html or cache.html(key)
        if text is None:  # the cached HTML file went missing: parse the post again
            text = _reparse(config, meta.source)
        if body.inline:
            text = fill_inline(text, body.inline, results)
        return fill_placeholders(text, body.blocks, results) if body.blocks else text

    if body.inline:  # listings and feeds show the values too
        body = replace(body, excerpt=fill_inline(body.excerpt, body.inline, results))
    return SitePost(key, meta, body, tuple(results[k] for k in sorted(results)), html)


def _math_source(post: SitePost) -> MathSource:
    return MathSource(post.key, post.meta, post.has_math, post.figures, post.html)


def _math_cache(config: Config, options: BuildOptions) -> MathCache:
    """The math cache: the preview server's, kept between builds, or one for this build."""
    session = options.session
    if session and session.math_cache:
        return session.math_cache
    cache = MathCache(config.root, enabled=options.use_cache)
    if session:
        session.math_cache = cache
    return cache


def _site_key(config: Config, options: BuildOptions, versions: dict[str, str],
              math: str, search: bool) -> str:
    settings = {k: v for k, v in config.__dict__.items() if k != "root"}
    parts = [__version__, PAGES_VERSION, templates_digest(config), repr(settings),
             options.drafts, sorted(versions.items()), math, search]
    return digest(json.dumps(parts, default=str).encode())

