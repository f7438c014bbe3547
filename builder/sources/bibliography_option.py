"""The front matter's (or ``site.toml``'s) say on citations: ``bibliography`` (a file or a
list of them), ``csl`` (a style) and ``reference-section-title``, Pandoc's and Quarto's
names. Files are read relative to the post (site-wide ones relative to the project); a file
that is not there is an error at the line that names it, before anything is parsed.

A post names its bibliography in its front matter, which is only read when the post is
parsed; its parse-cache key must know the files' bytes before that, so ``bibliography_key``
reads the front matter of the few posts that can have one (their bytes say
``bibliography``) and hashes what they name.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.config import CONFIG_FILE, Config
from builder.errors import BuildError
from builder.fsutil import digest, file_digest
from builder.model import PostMeta
from builder.versions import installed_version

if TYPE_CHECKING:
    from builder.sources.posts import SourceFile

# The formats Pandoc reads a bibliography in, by file extension.
FORMATS = {".bib": "biblatex", ".bibtex": "bibtex", ".json": "csljson"}
STYLES_FOLDER = Path(__file__).parents[1] / "citations" / "styles"


@dataclass(frozen=True)
class Bibliography:
    """What a post cites from: project-relative paths, and the style (a shipped style's
    name, a project-relative ``.csl`` path, or "" for Pandoc's own Chicago author-date)."""

    files: tuple[str, ...]
    csl: str = ""
    title: str = ""  # reference-section-title: the heading over the list ("References")
    nocite: str = ""  # Pandoc's nocite: entries listed though not cited ("@a, @b"; "@*": all)


def shipped_styles() -> list[str]:
    return sorted(path.stem for path in STYLES_FOLDER.glob("*.csl"))


# The front matter read_bibliography reads: a post naming none of them takes the site's
# bibliography, and its parse key need not read it (posts.SourceFile.cites).
KEYS = ("bibliography", "csl", "reference-section-title")


def read_bibliography(data: dict[str, Any], lines: dict[str, int], post: str,
                      config: Config) -> Bibliography | None:
    """The post's bibliography (its own, else the site's), its files checked; None when the
    post has none (its ``@`` are then plain text, as they always were)."""
    title = data.get("reference-section-title", "")
    if not isinstance(title, str):
        raise BuildError("'reference-section-title' must be text", post,
                         lines.get("reference-section-title"))
    folder = posixpath.dirname(post)
    if "bibliography" in data:
        files = _file_list(data["bibliography"], "bibliography", post, lines.get("bibliography"))
        files = tuple(_inside(config.root, folder, name, post, lines.get("bibliography"))
                      for name in files)
    elif config.bibliography:
        files = config.bibliography
    else:
        return None
    if "csl" in data:
        csl = data["csl"]
        if not isinstance(csl, str) or not csl.strip():
            raise BuildError("'csl' must name a style file or a shipped style", post,
                             lines.get("csl"))
        csl = style(config.root, folder, csl.strip(), post, lines.get("csl"))
    else:
        csl = config.csl
    for name in files:
        _check_file(config.root, name, post, lines.get("bibliography"))
    return Bibliography(files, csl, title.strip(), _nocite(data, lines, post))


def _nocite(data: dict[str, Any], lines: dict[str, int], post: str) -> str:
    """Pandoc's ``nocite``: citations (``@a, @b``, ``@*`` for every entry) in a text or a
    list of texts, as Markdown; returned as one text."""
    value = data.get("nocite")
    if value is None:
        return ""
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) for item in items) or "@" not in "".join(items):
        raise BuildError("'nocite' must list citations, such as '@doe2020, @roe2021' or "
                         "'@*' (every entry)", post, lines.get("nocite"))
    return ", ".join(item.strip() for item in items)


def _file_list(value: Any, key: str, where: str, line: int | None) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(
            isinstance(name, str) and name.strip() for name in names):
        raise BuildError(f"'{key}' must be a file name or a list of them", where, line)
    return tuple(name.strip() for name in names)


def _inside(root: Path, folder: str, name: str, where: str, line: int | None) -> str:
    """``name`` (relative to ``folder`` of the project) as a project-relative path; a path
    leading out of the project is refused: a site is made from the project's files alone."""
    path = posixpath.normpath(posixpath.join(folder, name))
    if posixpath.isabs(name) or path == ".." or path.startswith("../"):
        raise BuildError(f"'{name}' is outside the project", where, line,
                         hint="keep bibliographies and styles inside the project")
    if not (root / path).resolve().is_relative_to(root):
        raise BuildError(f"'{name}' links to a file outside the project", where, line)
    return path


def _check_file(root: Path, path: str, where: str, line: int | None) -> None:
    suffix = posixpath.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise BuildError(f"bibliography '{path}' is not a .bib, .bibtex or CSL .json file",
                         where, line)
    if not (root / path).is_file():
        raise BuildError(f"bibliography file '{path}' does not exist", where, line,
                         hint="give its path relative to the post (site.toml's: to the project)")


def style(root: Path, folder: str, value: str, where: str, line: int | None) -> str:
    """A ``csl`` value: a shipped style's name (``apa``), or a ``.csl`` file's path."""
    if not value.endswith(".csl") and "/" not in value:
        if value not in shipped_styles():
            raise BuildError(f"unknown citation style '{value}'", where, line,
                             hint="shipped styles: " + ", ".join(shipped_styles())
                             + "; or give the path of a .csl file")
        return value
    path = _inside(root, folder, value, where, line)
    try:
        head = (root / path).read_bytes()[:4096]
    except OSError:
        raise BuildError(f"citation style file '{path}' does not exist", where, line) from None
    if re.search(rb"<style\b[^>]*\bclass=[\"']note[\"']", head):
        raise BuildError(f"'{path}' is a note style (citations as footnotes), which is not "
                         "supported", where, line,
                         hint="choose an author-date or numeric style")
    return path


def site_bibliography(value: Any, line: int | None, root: Path) -> tuple[str, ...]:
    """``site.toml``'s ``bibliography``: project-relative files, each checked."""
    files = tuple(_inside(root, "", name, CONFIG_FILE, line)
                  for name in _file_list(value, "bibliography", CONFIG_FILE, line))
    for name in files:
        _check_file(root, name, CONFIG_FILE, line)
    return files


def style_file(config: Config, csl: str) -> Path | None:
    """The ``.csl`` file of a style value; None for Pandoc's default."""
    if not csl:
        return None
    return STYLES_FOLDER / f"{csl}.csl" if "/" not in csl and not csl.endswith(".csl") \
        else config.root / csl


def bibliography_key(source: SourceFile, config: Config) -> str:
    """What a post's parse depends on besides its bytes when it cites: its bibliography
    files' and style's bytes, the language its references are written in and Pandoc's
    version. "" for a post that cannot cite (the key of every other post is unchanged)."""
    if config.jekyll is not None or (not config.bibliography and not source.cites):
        return ""
    from builder.sources.frontmatter import split_front_matter

    try:
        if source.cites:  # its front matter may name its own: read it (if known by stamp)
            from builder.sources.known import loaded

            text = loaded(source, config.root).text
            data, lines, _, _ = split_front_matter(text, source.path)
        else:  # it names none: the site's, without reading the post
            data, lines = {}, {}
        found = read_bibliography(data, lines, source.path, config)
    except BuildError as error:  # the parse reports it; the key only has to differ
        return "unreadable:" + str(error)
    if found is None:
        return ""
    csl = style_file(config, found.csl)
    parts = [*found.files, *(file_digest(config.root / name) or "?" for name in found.files),
             found.csl, (file_digest(csl) or "?") if csl else "", found.title,
             config.language, installed_version("pypandoc-binary")]
    return digest("\0".join(parts).encode())


def citation_files(config: Config, posts: Sequence[PostMeta]) -> set[str]:
    """The bibliographies and style files the posts cite from, for the preview to watch
    (those outside the posts' folder would otherwise go unnoticed)."""
    found = set(config.bibliography)
    for meta in posts:
        found.update(meta.bibliography)
        if meta.csl.endswith(".csl") or "/" in meta.csl:
            found.add(meta.csl)
    if config.csl.endswith(".csl") or "/" in config.csl:
        found.add(config.csl)
    return found
