"""Figure options for every block of a post, as Quarto documents and projects give them.

A Quarto document sets them in its front matter (``execute: {echo: false}``, ``format: html:
{code-fold: true, fig-width: 8}``) and a Quarto project in ``_quarto.yml``; here the site's
are ``site.toml``'s ``[execute]`` and ``[format.html]`` tables. A block's own ``#|`` options
win over the post's, which win over the site's. ``jupyter: python3`` (or a kernelspec) and
``engine: jupyter`` are accepted; ``engine: markdown`` shows the blocks without running
them, as Quarto does; another kernel or engine is a warning (blocks here are Python).
"""

from __future__ import annotations

from typing import Any

from builder.errors import BuildError, BuildWarning, Warn, ignore_warning
from builder.figures.options import checked_defaults

CONFIG_FILE = "site.toml"


def site_defaults(data: dict[str, Any], line_of: Any, warn: Warn = ignore_warning,
                  ) -> dict[str, Any]:
    """The defaults of ``site.toml``'s ``[execute]`` and ``[format.html]``; a bad value is an
    error naming its line (``line_of(key)``), an option that cannot be a default a warning."""
    tables = [("execute", data.get("execute"))]
    fmt = data.get("format")
    if fmt is not None:
        if not isinstance(fmt, dict):
            raise BuildError("[format] must be a table, such as [format.html]", CONFIG_FILE,
                             line_of("format"))
        from builder.sources.crossref_option import DOCUMENT_KEYS  # read there, not here

        html = fmt.get("html")
        tables.append(("format.html", {key: value for key, value in html.items()
                                       if key not in DOCUMENT_KEYS}
                       if isinstance(html, dict) else html))
        for other in sorted(set(fmt) - {"html"}):
            warn(BuildWarning(CONFIG_FILE, line_of(f"format.{other}"), f"[format.{other}] is "
                              "ignored: a site is HTML, and only [format.html] applies"))
    found: dict[str, Any] = {}
    errors: list[BuildError] = []
    for name, table in tables:
        if table is None:
            continue
        lines = {key: line_of(key) for key in table} if isinstance(table, dict) else {}
        values, problems = checked_defaults(table, CONFIG_FILE, lines, line_of(name), warn)
        found.update(values)
        errors += problems
    if errors:
        raise errors[0]
    return found


def post_defaults(data: dict[str, Any], lines: dict[str, int], path: str,
                  site: dict[str, Any], warn: Warn) -> tuple[dict[str, Any], list[BuildError]]:
    """The defaults a post's blocks run with: the site's, then the front matter's."""
    found = dict(site)
    errors: list[BuildError] = []
    sources = [("execute", data.get("execute"))]
    fmt = data.get("format")
    if isinstance(fmt, dict) and isinstance(fmt.get("html"), dict):
        from builder.sources.crossref_option import DOCUMENT_KEYS  # read there, not here

        sources.append(("format.html", {key: value for key, value in fmt["html"].items()
                                        if key not in DOCUMENT_KEYS}))
    for name, table in sources:
        if table is None:
            continue
        nested = {key[len(name) + 1:]: line for key, line in lines.items()
                  if key.startswith(name + ".")}
        values, problems = checked_defaults(table, path, nested, lines.get(name), warn)
        found.update(values)
        errors += problems
    engine = data.get("engine")
    if engine == "markdown":
        found["eval"] = False
    elif engine not in (None, "jupyter"):
        warn(BuildWarning(path, lines.get("engine"), f"engine '{engine}' is not run here: "
                          "Python blocks run with Python"))
    kernel = data.get("jupyter")
    if isinstance(kernel, dict):
        kernel = (kernel.get("kernelspec") or {}).get("name") \
            if isinstance(kernel.get("kernelspec"), dict) else None
    if kernel is not None and not str(kernel).startswith("python"):
        warn(BuildWarning(path, lines.get("jupyter"), f"jupyter kernel '{kernel}' is not "
                          "available: blocks run with Python"))
    return found, errors
