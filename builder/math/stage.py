"""Executed posts -> their math typeset: the stage between the figures and the pages.

Each post's math elements, in page order, are one MathJax document (so ``\\def``, equation
numbers and ``\\eqref`` work as in the browser), typeset by MathJax's own code in V8 and kept
in ``.cache/math`` by content. The stage makes sure every published post's math is in that
cache and says what MathJax complained about; pages splice the typeset math in when they are
rendered (``MathResult.typesetters``), so a page that is not rendered costs nothing here.

Cost, by case: nothing changed: one index file read, no post's HTML, no engine. A prose
edit: that post's HTML is read and its formulas hashed, and its entry found. New formulas:
the engine starts (a few tenths of a second) in worker processes, so that the build's own
process never runs V8 and may still fork its page writers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from builder.config import Config
from builder.errors import BuildWarning
from builder.fsutil import digest
from builder.math.cache import MathCache, Row
from builder.math.css import site_stylesheet
from builder.math.engine import Typeset, bundle_digest
from builder.math.fonts import SOURCE, FontPreloads, no_preloads, sources_digest, subset_stylesheet
from builder.math.html import MathElement, find_math, find_run, splice
from builder.math.lines import formula_lines
from builder.math.typesetter import Summary, run_engine, summarize, typeset_post
from builder.model import FigureResult, PostMeta

# The x-height of the theme's text font over its size, as Chromium measures it: MathJax in
# the browser scales math by it (matchFontHeight), so fixing it here gives the same sizes.
THEME_EX_HEIGHT = 0.4592
STYLESHEET = {"chtml": "static/mathjax/chtml.css", "svg": "static/mathjax/svg.css"}

@dataclass(frozen=True)
class MathSource:
    """A post as the math stage sees it."""

    key: str  # its parse key
    meta: PostMeta
    has_math: bool  # math in the post, or in what its figure blocks showed
    figures: tuple[FigureResult, ...]  # their outputs are in its HTML, math and all
    html: Callable[[], str]  # its HTML, figure outputs in place

    def document(self, fingerprint: str) -> str:
        """A key over everything its math elements come from (read without its HTML)."""
        shown = repr([f for f in self.figures if f.has_math])
        return digest(f"{fingerprint}\0{self.key}\0{shown}".encode())


@dataclass
class MathResult:
    """What the pages need: per post, a function putting its typeset math into its HTML
    (the page's or its excerpt's); the warnings; the site's math stylesheet and fonts."""

    typesetters: dict[str, Callable[[str], str]] = field(default_factory=dict)
    warnings: list[BuildWarning] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # site path -> file to publish
    fonts: Callable[[str], list[str]] = no_preloads  # the fonts a page's math needs
    fingerprint: str = ""
    typeset: int = 0  # posts whose math was typeset afresh


def math_options(config: Config) -> dict[str, Any]:
    """What shapes MathJax's output: part of every key."""
    return {"output": config.math.output, "ex": round(THEME_EX_HEIGHT * config.math.scale, 6),
            "fontURL": SOURCE, "macros": config.math.macros_option()}


def typeset_math(config: Config, posts: Sequence[MathSource], cache: MathCache,
                 jobs: int, whole: bool = False, publish: bool = True) -> MathResult:
    """``whole``: publish MathJax's whole stylesheet and fonts, not the site's cut of them
    (the preview: a formula with a new glyph then patches the open page like a prose edit,
    instead of changing the stylesheet and reloading it). ``publish`` False: no stylesheet
    or fonts (the feed's MathML needs neither)."""
    if not config.math_at_build:
        return MathResult()
    options = math_options(config)
    fingerprint = digest(json.dumps([bundle_digest(), options], sort_keys=True).encode())
    result = MathResult(fingerprint=fingerprint)
    rows: dict[str, Row] = {}
    todo: dict[str, list[tuple[str, PostMeta, list[MathElement]]]] = {}
    unknown: list[tuple[str, str, PostMeta, list[MathElement]]] = []  # not in the index
    for post in posts:
        if not post.has_math:
            continue
        meta, doc = post.meta, post.document(fingerprint)
        row = cache.row(doc)
        if row is None:
            elements = find_math(post.html())
            if not elements:  # use_math: true, and no math: remembered, never looked at again
                cache.set_row(doc, Row("", frozenset(), ()))
                continue
            key = digest(json.dumps([fingerprint, [e.key for e in elements]]).encode())
            unknown.append((key, doc, meta, elements))
        elif row.key:
            rows[meta.source] = row
    cache.prefetch(key for key, *_ in unknown)  # from the shared cache, if there is one
    for key, doc, meta, elements in unknown:
        typeset = cache.entry(key)
        if typeset is None:
            todo.setdefault(key, []).append((doc, meta, elements))
            continue
        row = _row(config, meta, key, elements, summarize(typeset))
        cache.set_row(doc, row)
        rows[meta.source] = row
    documents = [(key, [e.key for e in waiting[0][2]]) for key, waiting in todo.items()]
    used = None if whole else frozenset().union(*(row.tokens for row in rows.values()))
    name = _stylesheet_name(options, used)
    summaries, rules = run_engine(options, documents, cache, jobs,
                                  want_rules=bool(todo) or (bool(rows) and
                                                            not cache.known_stylesheet(name)))
    for key, waiting in todo.items():
        for doc, meta, elements in waiting:
            row = _row(config, meta, key, elements, summaries[key])
            cache.set_row(doc, row)
            rows[meta.source] = row
    cache.share(todo)
    result.typeset = sum(len(waiting) for waiting in todo.values())
    cache.keep({post.document(fingerprint) for post in posts if post.has_math})
    for post in posts:
        row = rows.get(post.meta.source)
        if row is not None:
            result.warnings += row.warnings
            result.typesetters[post.meta.source] = _typesetter(options, cache, row.key)
    if rows and publish:
        used = None if whole else frozenset().union(*(row.tokens for row in rows.values()))
        _publish(result, options, cache, _stylesheet_name(options, used), rules, used)
    return result


def _publish(result: MathResult, options: dict[str, Any], cache: MathCache, name: str,
             rules: list[tuple[str, str]] | None, used: frozenset[str] | None) -> None:
    """The site's math stylesheet, and for CHTML its fonts cut down to the site's glyphs
    (made once per set of glyphs; their bytes checked on every build). ``used`` None: all
    of MathJax's rules and whole fonts."""
    stylesheet = STYLESHEET[options["output"]]
    known = cache.known_stylesheet(name)
    css = known.read_text(encoding="utf-8") if known else site_stylesheet(rules or [], used)
    fonts: dict[str, Path] = {}
    if options["output"] == "chtml":
        made, fonts = subset_stylesheet(css, cache.folder, whole=used is None)
        if made != css or known is None:
            known = cache.stylesheet(name, made)
        css = made
    elif known is None:
        known = cache.stylesheet(name, css)
    folder = stylesheet.rsplit("/", 1)[0] + "/"
    result.files = {stylesheet: known} | {folder + path: file for path, file in fonts.items()}
    result.fonts = FontPreloads(css, folder)


def typeset_feed_math(config: Config, posts: Sequence[MathSource], cache: MathCache,
                      jobs: int) -> MathResult:
    """Typesetters for the feed's posts when the pages leave math to the reader's browser
    (``mathjax = "client"``): feed readers run no MathJax, so the feed's formulas are
    typeset here all the same (for their MathML), kept in ``.cache/math`` like the pages'.
    MathJax's complaints are the browser's to show, so they are not said twice."""
    if config.math_at_build or not any(post.has_math for post in posts):
        return MathResult()
    return typeset_math(replace(config, mathjax="build"), posts, cache, jobs, publish=False)


def _row(config: Config, meta: PostMeta, key: str, elements: list[MathElement],
         summary: Summary) -> Row:
    return Row(key, summary.tokens, tuple(_warnings(config, meta, elements, summary)))


def _warnings(config: Config, meta: PostMeta, elements: list[MathElement],
              summary: Summary) -> list[BuildWarning]:
    """MathJax's complaints about a post, each naming the line of the formula."""
    problems = [p for p in summary.problems if 0 <= p.index < len(elements)]
    untypeset = summary.untypeset
    if not problems and not untypeset:
        return []
    try:
        source = (config.root / meta.source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        source = ""
    lines = formula_lines(source, [e.text for e in elements], meta.body_line)
    warnings = []
    for problem in problems:
        shown = _shorten(elements[problem.index].text)
        if problem.kind == "error":
            message = f"MathJax cannot typeset {shown}: {problem.message}; the page shows its TeX"
        else:
            message = f"{problem.message} in {shown}"
        warnings.append(BuildWarning(meta.source, lines[problem.index], message))
    for index in untypeset:
        warnings.append(BuildWarning(
            meta.source, lines[index],
            f"MathJax finds no complete formula in {_shorten(elements[index].text)}; "
            "the page shows it as text", "are its braces balanced?"))
    return sorted(warnings, key=lambda w: w.line or 0)


def _shorten(text: str, width: int = 48) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _typesetter(options: dict[str, Any], cache: MathCache, key: str) -> Callable[[str], str]:
    """Puts a post's typeset math into its page's HTML, or its excerpt's (whose formulas
    are a run of the page's). Reads the cache entry when a page is rendered, not before."""

    def typeset(html: str) -> str:
        elements = find_math(html)
        if not elements:
            return html
        entry = cache.entry(key)
        keys = [e.key for e in elements]
        if entry is None or entry.elements is None:  # damaged since the stage: typeset again
            entry = _again(options, cache, key, keys)
        start = find_run(entry.elements, keys)
        if start is None:  # not this post's math: leave it as it was written
            return html
        part = entry.html[start:start + len(keys)]
        failed = {p.index - start: p.message for p in entry.problems
                  if p.kind == "error" and start <= p.index < start + len(keys)}
        return splice(html, elements, part, failed)

    return typeset


def _again(options: dict[str, Any], cache: MathCache, key: str, keys: list[tuple[str, str]]
           ) -> Typeset:
    typeset = typeset_post(options, key, keys)
    cache.put(key, typeset)
    return typeset


def _stylesheet_name(options: dict[str, Any], used: frozenset[str] | None) -> str:
    """A key over what the site's math stylesheet is made from: MathJax's rules for these
    options, its fonts, and the tokens the site's math uses (None: all)."""
    fonts = sources_digest() if options["output"] == "chtml" else ""
    return digest(json.dumps([options["output"], options["fontURL"], bundle_digest(), fonts,
                              None if used is None else sorted(used)]).encode())
