"""MathJax's web fonts cut down to the glyphs the site's math draws.

A page of sums, fractions and a ``\\mathbb{R}`` draws with six of MathJax's fonts, 120 KB
whole: on a slow phone link (50 KB/s) that alone kept its math from being final for seconds.
The site's stylesheet names every glyph its math draws (the ``content`` of a ``mjx-c`` rule)
and the fonts it is drawn with, so each font is cut down to those characters by fontTools'
subsetter (installed with matplotlib anyway): about a fifth of the bytes. Each ``@font-face``
then says which characters its font has (``unicode-range``), so a browser looking through a
list of fonts for a glyph (stretchy delimiters have four) skips the fonts without it instead
of downloading them to find out, and fonts the site's math never uses are left out.

A font keeps a character wherever a rule could draw it with that font, so a glyph always
comes from the font it came from before: a glyph's rule naming a font class (``.TEX-I``) from
that font, one without from the main font; the parts of stretchy delimiters from every font
of their fallback list; other rules (``.mjx-stretched mjx-c.mjx-c2212``) from the main font
and every font the same character is drawn with elsewhere. MathJax's zero-width font, first
in every list, is kept whole.

Subsets are kept in ``.cache/math/fonts/`` by what they are made of (the font's bytes and the
characters), each with a note of its own bytes' digest and its characters: a damaged file is
made again, never published. The stylesheet refers to each by a version in its URL, so a
reader's browser never reuses a subset cached for another set of glyphs.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from builder.errors import BuildError
from builder.fsutil import atomic_write, digest
from builder.math.css import GLYPH, selector_names

SOURCE = "output/chtml/fonts/woff-v2"  # MathJax's fonts, in its package and in its CSS URLs
FOLDER = "fonts"  # the site's subsets, relative to the stylesheet (so any base_url works)
_ZERO = "MJXZERO"  # first in every family list: its metrics make MathJax's line boxes; kept

_RULE = re.compile(r"^([^{\n]+?) ?\{([^}\n]*)\}$", re.MULTILINE)
_CONTENT = re.compile(r'content: "((?:[^"\\]|\\.)*)"')
_FAMILY = re.compile(r"font-family: ([^;}]*)")
_SRC = re.compile(r'src: url\("([^"?]+)(?:\?v=[0-9a-f]+)?"\) format\("woff"\)')
_CLASS = re.compile(r"\.(MJX-TEX|TEX-[A-Z0-9]+)(?![\w-])")
_CHAR = re.compile(r"\.(mjx-c[0-9A-F]+)(?![\w-])")
_ESCAPE = re.compile(r"\\([0-9A-Fa-f]{1,6}) ?|\\(.)")


def mathjax_root() -> Path:
    """MathJax 3.2.2's files, from the ``django-static-mathjax`` package (Django itself is not
    needed): the client's script and the fonts both ways of typesetting draw with."""
    import importlib.util

    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError("MathJax is not installed (pip install django-static-mathjax)")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"


@functools.cache
def sources_digest() -> str:
    """Hash of MathJax's fonts: part of the site stylesheet's key, so new fonts, new subsets."""
    folder = mathjax_root() / SOURCE
    return digest(b"".join(p.name.encode() + b"\0" + p.read_bytes()
                           for p in sorted(folder.glob("*.woff"))))


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m[1], 16)) if m[1] else m[2], text)


@dataclass(frozen=True)
class Glyphs:
    """A rule drawing characters: the names its selector needs (so which pages it applies
    to), what it draws, and the fonts the browser looks through for them, in order."""

    names: frozenset[str]
    chars: str
    families: tuple[str, ...]


@functools.lru_cache(maxsize=4)
def glyph_rules(css: str) -> tuple[Glyphs, ...]:
    """What each ``content`` rule of a MathJax CHTML stylesheet draws, and with which fonts.
    Remembered: a preview server publishes the same stylesheet at every build."""
    families: dict[str, tuple[str, ...]] = {}
    stretchy: tuple[str, ...] = ()
    drawing = []
    for selector, body in _RULE.findall(css):
        if selector.startswith("@"):
            continue
        family = _FAMILY.search(body)
        if family:
            names = tuple(f.strip() for f in family[1].replace("! important", "")
                          .replace("!important", "").split(","))
            if _CLASS.fullmatch(selector):
                families[selector[1:]] = names
            elif "mjx-stretchy" in selector:
                stretchy = names
        content = _CONTENT.search(body)
        if content:
            drawing.append((selector, _unescape(content[1])))
    main = families.get("MJX-TEX", ())
    classes_of: dict[str, set[str]] = {}  # a character's class -> the font classes it has
    for selector, _chars in drawing:
        for char in _CHAR.findall(selector):
            classes_of.setdefault(char, set()).update(_CLASS.findall(selector))
    rules = []
    for selector, chars in drawing:
        named = _CLASS.findall(selector)
        if named:
            chain = tuple(f for name in named for f in families.get(name, ()))
        elif "mjx-stretchy" in selector:
            chain = stretchy
        elif GLYPH.fullmatch(selector):  # drawn only where no font class overrides it
            chain = main
        else:  # e.g. .mjx-stretched mjx-c.mjx-c2212: whatever font class the glyph has
            others = sorted({c for char in _CHAR.findall(selector)
                             for c in classes_of.get(char, ())})
            chain = main + tuple(f for name in others for f in families.get(name, ()))
        rules.append(Glyphs(selector_names(selector), chars, chain))
    return tuple(rules)


@dataclass(frozen=True)
class Face:
    """One ``@font-face`` rule: where it is in the stylesheet, its family, MathJax's file."""

    start: int
    end: int
    family: str
    source: str  # MathJax's file name, e.g. MathJax_Main-Regular.woff


def _faces(css: str) -> list[Face]:
    faces = []
    for match in _RULE.finditer(css):
        selector, body = match.groups()
        family, src = _FAMILY.search(body), _SRC.search(body)
        if selector.startswith("@font-face") and family and src:
            faces.append(Face(match.start(), match.end(), family[1].strip(),
                              src[1].rsplit("/", 1)[-1]))
    return faces


def _needed(rules: Iterable[Glyphs]) -> dict[str, set[str]]:
    """Per family, every character some rule may draw with it."""
    needed: dict[str, set[str]] = {}
    for rule in rules:
        for family in rule.families:
            needed.setdefault(family, set()).update(rule.chars)
    return needed


def subset_stylesheet(css: str, cache: Path, whole: bool = False
                      ) -> tuple[str, dict[str, Path]]:
    """``css`` (MathJax's rules, or a stylesheet this made) with its fonts cut down to the
    characters its rules draw (``whole``: kept whole); and the files to publish (path beside
    the stylesheet -> file in ``cache``). Subsets already in the cache are reused once their
    bytes check out."""
    needed = _needed(glyph_rules(css))
    source = mathjax_root() / SOURCE
    parts, last, files = [], 0, {}
    for face in _faces(css):
        parts.append(css[last:face.start])
        last = face.end
        made = _subset(source / face.source, None if whole or face.family == _ZERO
                       else needed.get(face.family, set()), cache / "fonts")
        if made is None:  # none of the site's glyphs is in this font: nothing to fetch
            last += css[last:last + 1] == "\n"
            continue
        path, version, coverage = made
        site = f"{FOLDER}/{face.source}"
        files[site] = path
        extra = f"; unicode-range: {coverage}" if coverage else ""
        parts.append(f'@font-face {{font-family: {face.family}; src: url("{site}?v={version}") '
                     f'format("woff"); font-display: block{extra}}}')
    parts.append(css[last:])
    return "".join(parts), files


def _subset(font: Path, chars: set[str] | None, folder: Path
            ) -> tuple[Path, str, str] | None:
    """The subset of ``font`` keeping ``chars`` (None: the whole font) as (its file, the
    version for its URL, its unicode-range), or None when the font has none of them.
    Kept as ``<key>.woff`` with ``<key>.json`` (the digest of its bytes, its characters, or
    that the font has none of them)."""
    try:
        data = font.read_bytes()
    except OSError:
        raise BuildError(f"MathJax's font {font.name} is missing: {font}",
                         hint="reinstall build-site (pip install django-static-mathjax)"
                         ) from None
    wanted = None if chars is None else "".join(sorted(chars))
    key = digest(json.dumps([digest(data), wanted]).encode())
    path, note = folder / f"{key}.woff", folder / f"{key}.json"
    try:
        known = json.loads(note.read_bytes())
        if known.get("empty"):
            return None
        if digest(path.read_bytes()) == known["bytes"]:
            return path, key[:16], _ranges(known["codes"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not made yet, or damaged: made (again)
    made = _cut(data, chars)
    if made is None:
        atomic_write(note, json.dumps({"empty": True}).encode())
        return None
    woff, codes = made
    atomic_write(path, woff)
    atomic_write(note, json.dumps({"bytes": digest(woff), "codes": codes}).encode())
    return path, key[:16], _ranges(codes)


def _cut(data: bytes, chars: set[str] | None) -> tuple[bytes, list[int] | None] | None:
    """fontTools' subsetter on a woff font; deterministic (no timestamps are touched)."""
    if chars is None:
        return data, None
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), recalcTimestamp=False)  # else "modified" is now
    codes = sorted(ord(c) for c in chars if ord(c) in font.getBestCmap())
    if not codes:
        return None
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: of no use to a browser
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), sorted(font.getBestCmap())  # glyphs shared by two characters


def _ranges(codes: list[int] | None) -> str:
    """Code points as a CSS unicode-range (``U+28-29, U+2B``); "" for a whole font."""
    ranges: list[list[int]] = []
    for code in codes or []:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in ranges)


class FontPreloads:
    """Which of the site's fonts a page's math draws with, so the page asks for them at
    once instead of after its stylesheet and layout: two round trips fewer on a slow link.
    The choice the browser makes: for each glyph a rule draws, the first font of its list
    whose unicode-range has it."""

    def __init__(self, css: str, folder: str) -> None:
        self.urls: dict[str, str] = {}
        covers: dict[str, set[int] | None] = {}  # None: the whole font
        for selector, body in _RULE.findall(css):
            family, src = _FAMILY.search(body), re.search(r'url\("([^"]+)"\)', body)
            if selector.startswith("@font-face") and family and src:
                self.urls[family[1].strip()] = folder + src[1]
                ranges = re.search(r"unicode-range: ([^;}]*)", body)
                covers[family[1].strip()] = _codes(ranges[1]) if ranges else None
        self.rules: list[tuple[frozenset[str], list[str]]] = []
        for rule in glyph_rules(css):
            fonts = []
            for char in rule.chars:
                for family in rule.families:
                    if family in covers and family != _ZERO and (
                            covers[family] is None or ord(char) in covers[family]):  # type: ignore[operator]
                        fonts.append(family)
                        break
            self.rules.append((rule.names, fonts))

    def __call__(self, html: str) -> list[str]:
        """Site paths of the fonts ``html``'s math uses, MathJax's zero-width font first."""
        if "<mjx-container" not in html or not self.urls:
            return []
        from builder.math.html import css_tokens

        used = css_tokens([html])
        families = [_ZERO] + [f for names, fonts in self.rules if names <= used for f in fonts]
        return [self.urls[f] for f in dict.fromkeys(families) if f in self.urls]


def _codes(ranges: str) -> set[int]:
    codes: set[int] = set()
    for part in ranges.split(","):
        first, _, last = part.strip().removeprefix("U+").partition("-")
        codes.update(range(int(first, 16), int(last or first, 16) + 1))
    return codes


def no_preloads(_html: str) -> list[str]:
    return []
