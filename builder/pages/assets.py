"""Static files of the site: the theme's, the project's overrides, and self-hosted MathJax.

MathJax comes from the ``django-static-mathjax`` package (MathJax 3.2.2's files; Django itself
is not needed), so pages typeset offline and no build or test ever reaches a CDN. Math
typeset at build time publishes only what the math stage made (its stylesheet and fonts).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from builder.config import Config
from builder.errors import BuildError
from builder.fsutil import Stamp, digest, stat_stamp
from builder.pages.render import THEME
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
