"""Pandoc, from the ``pypandoc-binary`` wheel, reading bibliographies and formatting
citations with its citeproc: the program Quarto runs, so a Quarto document's citations and
reference list read here as they read there.

Why Pandoc and not a Python library (see the README's "Citations"): citeproc-py formats
Chicago author-date's bibliography with initials (it ignores ``initialize="false"``), printed
a citation's locator as the article's pages in the reference list, drops BibTeX's ``url``
and ``eprint``, and keeps punctuation outside quotes; pybtex formats BibTeX's own styles
(no CSL, no author-date citations in the text). Pandoc is the reference implementation of
CSL and of this syntax, and its binary comes from PyPI like everything else.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from builder.errors import BuildError
from builder.sources.bibliography_option import FORMATS

_ERROR = re.compile(r'\(line (\d+), column (\d+)\):?\s*(.*)', re.DOTALL)
_ENTRY = re.compile(r"^[ \t]*@[A-Za-z]+[ \t]*[{(][ \t]*([^,\s]*)", re.MULTILINE)


@functools.cache
def pandoc() -> str:
    try:
        import pypandoc

        return str(pypandoc.get_pandoc_path())
    except (ImportError, OSError) as exc:
        raise BuildError(f"citations need Pandoc, which did not load ({exc})",
                         hint="pip install pypandoc-binary") from None


def run(args: Sequence[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Pandoc with a fixed locale (its output must not depend on the machine's)."""
    env = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "PATH": os.environ.get("PATH", "")}
    try:
        return subprocess.run([pandoc(), *args], input=stdin, capture_output=True,
                              text=True, encoding="utf-8", env=env, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"Pandoc could not run: {exc}") from None


def bibliography_keys(root: Path, name: str) -> dict[str, int]:
    """Each key of a bibliography file and the line it is on; a file Pandoc cannot read is
    an error at its line, and so is a key given twice."""
    path = root / name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BuildError(f"cannot read the bibliography: {exc.strerror}", name) from None
    return _keys(str(path), name, raw)


@functools.lru_cache(maxsize=32)
def _keys(path: str, name: str, raw: bytes) -> dict[str, int]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BuildError("not UTF-8 text", name, raw.count(b"\n", 0, exc.start) + 1,
                         hint="save the file as UTF-8") from None
    kind = FORMATS[os.path.splitext(name)[1].lower()]
    done = run(["-f", kind, "-t", "csljson"], text)
    if done.returncode != 0:
        raise _read_error(done.stderr, name, text)
    try:
        entries = json.loads(done.stdout or "[]")
    except ValueError:
        raise BuildError("Pandoc read the bibliography but wrote no list of entries",
                         name) from None
    lines = _entry_lines(text, kind)
    found: dict[str, int] = {}
    for entry in entries:
        key = str(entry.get("id", ""))
        seen = lines.get(key, [])
        if key in found:
            line = seen[1] if len(seen) > 1 else None
            raise BuildError(f"key '{key}' is given twice (first on line {found[key]})",
                             name, line)
        found[key] = seen[0] if seen else 1
    return found


def _entry_lines(text: str, kind: str) -> dict[str, list[int]]:
    """The lines each key's entries start on (BibTeX's ``@type{key,``; a JSON "id")."""
    pattern = _ENTRY if kind != "csljson" else re.compile(r'"id"\s*:\s*"([^"]*)"')
    lines: dict[str, list[int]] = {}
    for match in pattern.finditer(text):
        lines.setdefault(match.group(1), []).append(text.count("\n", 0, match.start()) + 1)
    return lines


def _read_error(stderr: str, name: str, text: str) -> BuildError:
    """Pandoc's complaint as one line at its line. An entry left open shows where Pandoc
    meets the next one (or the end): the error names the entry that is not closed."""
    match = _ERROR.search(stderr)
    if match is None:
        return BuildError("Pandoc cannot read this bibliography: "
                          + " ".join(stderr.split())[:200], name)
    line, what = int(match.group(1)), " ".join(match.group(3).split("\n")[0].split())
    if what.startswith("unexpected end of input") or what.startswith("unexpected '@'"):
        starts = [text.count("\n", 0, m.start()) + 1 for m in _ENTRY.finditer(text)]
        opened = [start for start in starts if start < line]
        if opened:
            return BuildError(f"this entry is not closed (Pandoc: {what} at line {line})",
                              name, opened[-1], hint="check its braces: every '{' needs a '}'")
    return BuildError(f"Pandoc cannot read this bibliography: {what}", name, line)


def format_citations(texts: Sequence[str], root: Path, files: Sequence[str], csl: Path | None,
                     language: str, nocite: str = "") -> tuple[list[str], str]:
    """Each citation (its Markdown as written) as HTML, and the reference list: Pandoc's
    ``<div id="refs">`` of ``<div id="ref-KEY" class="csl-entry">`` entries. ``nocite``:
    Pandoc's, given to Pandoc as the post's metadata (its entries are listed, uncited)."""
    doc = "\n\n".join(f"::: {{#cite-{i}}}\n{text}\n:::" for i, text in enumerate(texts))
    if nocite:
        doc = f"---\nnocite: {json.dumps(nocite)}\n---\n\n{doc}"
    args = ["-f", "markdown", "-t", "html", "--wrap=none", "--citeproc",
            "-M", "link-citations=true", "-M", f"lang={language}"]
    args += [f"--bibliography={root / name}" for name in files]
    if csl is not None:
        args.append(f"--csl={csl}")
    done = run(args, doc)
    if done.returncode != 0:
        raise BuildError("Pandoc could not format the citations: "
                         + " ".join(done.stderr.split())[:300])
    html = done.stdout
    shown = dict(re.findall(r'<div id="cite-(\d+)">\n(.*?)\n</div>', html, re.DOTALL))
    cited = []
    for i in range(len(texts)):
        part = shown.get(str(i), "")
        if part.startswith("<p>") and part.endswith("</p>"):
            part = part[3:-4]
        cited.append(part)
    refs = html.find('<div id="refs"')
    return cited, html[refs:].strip() if refs >= 0 else ""
