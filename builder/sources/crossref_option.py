"""The front matter's say on numbering, as a Quarto document gives it: ``number-sections``,
``number-depth``, ``number-offset``, ``shift-heading-level-by`` and the ``crossref:``
options (``fig-title: Fig.``, ``labels: roman``…), at the top or under ``format: html:``
(which wins, as in Quarto).

Read from quarto-cli's schema (``schema/document-crossref.yml``, ``document-numbering.yml``)
and ``command/render/crossref.ts`` (``number-offset`` may be one number; it implies
``number-sections``). A key Quarto's schema does not know is a warning naming its line and is
ignored, as unknown figure options are; a value of the wrong kind is an error at its line.
What the options do is ``markdown/crossref_format.py``'s.
"""

from __future__ import annotations

from typing import Any

from builder.errors import BuildError, BuildWarning, Warn

# Document options read here, not figure options (figures/defaults.py leaves them alone).
DOCUMENT_KEYS = ("number-sections", "number-depth", "number-offset", "shift-heading-level-by",
                 "crossref")

_KINDS = ("fig", "tbl", "eq", "lst", "thm", "lem", "cor", "prp", "cnj", "def", "exm", "exr")
_TEXT = frozenset([*(f"{k}-title" for k in _KINDS), *(f"{k}-prefix" for k in _KINDS),
                   "sec-prefix", "title-delim"])
_LABELS = frozenset([*(f"{k}-labels" for k in _KINDS), "sec-labels", "labels",
                     "subref-labels"])
_FLAGS = frozenset(["chapters", "ref-hyperlink"])
# Accepted as Quarto accepts them, with nothing to do in a web page: lists of figures are
# LaTeX's, and a post has no appendix.
_IDLE = frozenset(["lof-title", "lot-title", "lol-title", "appendix-title", "appendix-delim"])


def read_crossref(data: dict[str, Any], lines: dict[str, int], path: str,
                  warn: Warn, site: dict[str, Any] | None = None) -> dict[str, Any]:
    """The post's numbering options, checked: only those it gives (JSON-ready values), over
    the site's (``site``: ``site_numbering``'s), as Quarto merges a document's metadata over
    its project's."""
    found: dict[str, Any] = dict(site or {})
    fmt = data.get("format")
    html = fmt.get("html") if isinstance(fmt, dict) else None
    for table, where in ((data, ""), (html if isinstance(html, dict) else {}, "format.html.")):
        for key in DOCUMENT_KEYS:
            if key in table:
                line = lines.get(where + key, lines.get(key, 1))
                found[key] = _checked(key, table[key], where + key, lines, path, line, warn)
    if "number-offset" in found and "number-sections" not in found:
        found["number-sections"] = True
    if site and "crossref" in site and "crossref" in found:
        found["crossref"] = {**site["crossref"], **found["crossref"]}
    if "crossref" in found and not found["crossref"]:
        del found["crossref"]
    return found


def site_numbering(data: dict[str, Any], line_of: Any, warn: Warn) -> dict[str, Any]:
    """``site.toml``'s ``[format.html]`` numbering keys and ``[format.html.crossref]``, for
    every post (``line_of(key)``: a key's line in the file)."""
    from builder.config import CONFIG_FILE

    fmt = data.get("format")
    html = fmt.get("html") if isinstance(fmt, dict) else None
    if not isinstance(html, dict):
        return {}
    lines = {f"format.html.{key}": line_of(f"format.html.{key}") or line_of(key) or 1
             for key in html}
    crossref = html.get("crossref")
    if isinstance(crossref, dict):
        lines.update({f"format.html.crossref.{key}": line_of(key) or 1 for key in crossref})
    return read_crossref({"format": {"html": html}}, lines, CONFIG_FILE, warn)


def _checked(key: str, value: Any, dotted: str, lines: dict[str, int], path: str,
             line: int, warn: Warn) -> Any:
    if key == "number-sections":
        if not isinstance(value, bool):
            raise BuildError(f"'{key}' must be true or false, not {value!r}", path, line)
        return value
    if key == "shift-heading-level-by":
        if isinstance(value, bool) or not isinstance(value, int) or not -6 <= value <= 6:
            raise BuildError(f"'{key}' must be a whole number from -6 to 6, not {value!r}",
                             path, line)
        return value
    if key == "number-depth":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BuildError(f"'{key}' must be a heading level (a whole number), not "
                             f"{value!r}", path, line)
        return value
    if key == "number-offset":
        numbers = value if isinstance(value, list) else [value]
        if not numbers or any(isinstance(n, bool) or not isinstance(n, int) for n in numbers):
            raise BuildError(f"'{key}' must be a number or a list of numbers, not {value!r}",
                             path, line)
        return numbers
    return _crossref(value, dotted, lines, path, line, warn)


def _crossref(value: Any, dotted: str, lines: dict[str, int], path: str, line: int,
              warn: Warn) -> dict[str, Any]:
    if value is False:
        warn(BuildWarning(path, line, "'crossref: false' (no cross-references at all) is not "
                          "supported: references are still numbered"))
        return {}
    if not isinstance(value, dict):
        raise BuildError("'crossref' must be a mapping of options, such as "
                         "'fig-title: Fig.'", path, line)
    found: dict[str, Any] = {}
    for key, item in value.items():
        at = lines.get(f"{dotted}.{key}", line)
        key = str(key)
        if key in _TEXT:
            if isinstance(item, (dict, list)) or item is None:
                raise BuildError(f"crossref option '{key}' must be text, not {item!r}",
                                 path, at)
            found[key] = str(item)
        elif key in _LABELS:
            if isinstance(item, list) and all(isinstance(x, (str, int)) for x in item):
                found[key] = [str(x) for x in item]
            elif isinstance(item, str):
                found[key] = item
            else:
                raise BuildError(f"crossref option '{key}' must be a style (arabic, roman, "
                                 f"roman i, alpha a, alpha A) or a list of labels, not "
                                 f"{item!r}", path, at)
        elif key in _FLAGS:
            if not isinstance(item, bool):
                raise BuildError(f"crossref option '{key}' must be true or false, not "
                                 f"{item!r}", path, at)
            found[key] = item
        elif key == "custom":
            warn(BuildWarning(path, at, "crossref option 'custom' (new kinds of float) is not "
                              "supported: its kinds are not numbered here"))
        elif key not in _IDLE:
            warn(BuildWarning(path, at, f"unknown crossref option '{key}' is ignored",
                              "see Quarto's crossref options in the README"))
    return found
