"""Static files of the site: the theme's, the project's overrides, self-hosted MathJax, and
the files of posts that are folders.

MathJax comes from the ``django-static-mathjax`` package (MathJax 3.2.2's files; Django itself
is not needed), so pages typeset offline and no build or test ever reaches a CDN. Math
typeset at build time publishes only what the math stage made (its stylesheet and fonts).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from builder.config import Config
from builder.errors import BuildError, Warn
from builder.fsutil import Stamp, digest, stat_stamp
from builder.model import PostMeta
from builder.pages.render import THEME
from builder.sources.bundles import bundle_files, post_folder
from builder.write import Output

# What of MathJax's 24 MB a page can ask for: the TeX-to-HTML bundle, its fonts, the TeX
# extensions it autoloads (\cancel, \bbox, …) and the accessibility and menu components.
_MATHJAX_PARTS = (
    "tex-chtml.js",
    "output/chtml/fonts/woff-v2",
    "input/tex/extensions",
    "a11y",
    "ui",
)


def _files_under(folder: Path) -> Iterator[Path]:
    if folder.is_file():
        yield folder
    elif folder.is_dir():
        yield from sorted(p for p in folder.rglob("*") if p.is_file())


def static_files(config: Config, need_mathjax: bool,
                 math_files: dict[str, Path] | None = None) -> dict[str, Path]:
    """Site path -> source file. A project's ``static/`` file replaces the theme's namesake.

    Math typeset at build time needs what the math stage made (the site's math stylesheet
    and, for CHTML output, its fonts); math typeset in the browser needs MathJax."""
    files: dict[str, Path] = dict(math_files or {})
    parts = _MATHJAX_PARTS if need_mathjax and config.mathjax in ("client", "local") else ()
    if parts:
        from builder.math.fonts import mathjax_root

        root = mathjax_root()
        for part in parts:
            for path in _files_under(root / part):
                files["static/mathjax/" + path.relative_to(root).as_posix()] = path
    if config.jekyll is not None:  # a Jekyll site's own files, copied as Jekyll copies them
        from builder.sources.jekyll_files import find_site_files

        files.update(find_site_files(config).static)
    theme = THEME / "static"
    for path in _files_under(theme):
        files["static/" + path.relative_to(theme).as_posix()] = path
    project = config.root / "static"
    for path in _files_under(project):
        rel = path.relative_to(project)
        if any(part.startswith(".") for part in rel.parts) or path.name.endswith("~"):
            continue
        real = path.resolve()
        if not real.is_relative_to(config.root):
            raise BuildError("symbolic link points outside the project", path.relative_to(
                config.root).as_posix())
        files["static/" + rel.as_posix()] = real
    return files


def asset_outputs(
    files: dict[str, Path], memo: dict[Path, tuple[Stamp, str]] | None = None
) -> tuple[list[Output], dict[str, str]]:
    """One output per static file, keyed by its bytes; and each file's version for URLs.

    ``memo`` (a preview server's) remembers each file's hash while its size, mtime and inode
    stay the same, so MathJax's megabytes are not re-hashed on every save."""
    outputs = []
    versions = {}
    for site_path, source in files.items():
        stamp: Stamp = None
        if memo is not None:
            stamp = stat_stamp(source)
            known = memo.get(source)
            if known is not None and stamp is not None and known[0] == stamp:
                versions[site_path] = known[1]
                outputs.append(Output(site_path, "asset:" + known[1], source.read_bytes))
                continue
        data = source.read_bytes()
        hashed = digest(data)
        if memo is not None:
            memo[source] = (stamp, hashed)
        versions[site_path] = hashed
        outputs.append(Output(site_path, "asset:" + hashed, lambda data=data: data))
    return outputs, versions


def bundle_outputs(config: Config, metas: Iterable[PostMeta], written: set[str],
                   memo: dict[Path, tuple[Stamp, str]] | None, warn: Warn) -> list[Output]:
    """The files of posts that are folders (``sources/bundles.py``), beside their pages.
    A file one of the post's blocks wrote at the same path is the newer one and wins, as it
    would on disk; any other clash (a figure's name) is an error naming both."""
    if config.jekyll is not None:
        return []
    files: dict[str, Path] = {}
    origins: dict[str, str] = {}
    for meta in metas:
        folder = post_folder(meta.source, config.posts_dir)
        if folder is None:
            continue
        page_folder = posixpath.dirname(meta.output_file)
        for rel, path in bundle_files(config.root, folder, warn).items():
            site = posixpath.join(page_folder, rel)
            if site not in written:
                files[site], origins[site] = path, f"{folder}/{rel}"
    made, _ = asset_outputs(files, memo)
    return [replace(output, origin=origins[output.path]) for output in made]
