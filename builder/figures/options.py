"""Quarto-style ``#|`` cell options of a figure block, validated with the line of each option.

Quarto's names are kept where Quarto has one, so a post can move between the two tools. An
option this tool does not know is a warning naming its line (a Quarto document keeps
building); a wrong value for one it knows is an error, and all of a post's are reported at
once. Front matter (``execute:``, ``format: html:``) and ``site.toml`` give defaults.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from builder.errors import BuildError, BuildWarning, Warn, ignore_warning, raise_all
from builder.sources.frontmatter import load_yaml

FIGURE_INFO = "{python}"
# What ``format`` and a ``file`` suffix may name; rasters are drawn at the site's ``retina``.
FORMATS = ("png", "svg", "gif", "jpeg", "webp")
_SUFFIXES = {"png": "png", "svg": "svg", "gif": "gif", "jpg": "jpeg", "jpeg": "jpeg",
             "webp": "webp"}
# Quarto's ``fig-format``, read as Quarto reads it: only ``retina`` is drawn at twice the dpi.
FIG_FORMATS = {"retina": ("png", True), "png": ("png", False), "jpeg": ("jpeg", False),
               "svg": ("svg", False)}


def _is(*kinds: type) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, kinds) and (bool in kinds or not isinstance(v, bool))


def _one_of(*choices: Any) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, (str, bool)) and v in choices and (
        not isinstance(v, bool) or any(c is v for c in choices))


def _texts(v: Any) -> bool:
    return isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))


def _numbers(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)


def _grid(v: Any) -> bool:
    """Quarto's ``layout``: rows of relative widths, ``[[1, 1], [1]]`` (``[1, 1]`` is a row)."""
    return _numbers(v) or (isinstance(v, list) and bool(v) and all(_numbers(r) for r in v))


def _either(*checks: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: any(check(v) for check in checks)


@dataclass(frozen=True)
class Option:
    """A cell option: what values it takes (said in errors) and whether a post's front
    matter or ``site.toml`` may set it for every block (Quarto's document options)."""

    takes: str
    check: Callable[[Any], bool]
    default: bool = False


_BOOL = Option("true or false", _is(bool), True)
_TEXT = Option("text", _is(str))
_PLACE = Option("top, bottom or margin", _one_of("top", "bottom", "margin"), True)
_ALIGN = Option("default, left, right or center", _one_of("default", "left", "right", "center"),
                True)
_NUMBER = Option("a number", _is(int, float), True)
_COLUMN = Option("a page column such as body, page or screen", _is(str), True)
_ANY = Option("anything", lambda v: True)

# Quarto's cell options for Python (quarto.org/docs/reference/cells/cells-jupyter), and ours;
# what each does here is the README's options table.
OPTIONS: dict[str, Option] = {
    "label": Option("a label", _is(str)),
    "classes": Option("a class or a list of classes", _texts),
    "echo": Option("true, false or fenced", _one_of(True, False, "fenced"), True),
    "eval": Option("true or false (a list of lines is knitr's)", _is(bool), True),
    "output": Option("true, false or asis", _one_of(True, False, "asis"), True),
    "include": _BOOL,
    "warning": _BOOL,
    "message": _BOOL,
    "error": _BOOL,
    "code-fold": Option("true, false or show", _one_of(True, False, "show"), True),
    "code-summary": Option("text", _is(str), True),
    "code-overflow": Option("scroll or wrap", _one_of("scroll", "wrap"), True),
    "code-line-numbers": Option("true, false or lines such as '1,3-4'", _is(bool, str), True),
    "fig-cap": Option("text or a list of texts", _texts),
    # the code as a listing (markdown/listings.py): "Listing 1: ..." above it
    "lst-label": Option("a label starting with lst-", lambda v: isinstance(v, str)
                        and v.startswith("lst-") and len(v) > 4),
    "lst-cap": _TEXT,
    "fig-subcap": Option("text, a list of texts, or true", _either(_texts, _one_of(True))),
    "fig-alt": Option("text or a list of texts", _texts),
    "fig-align": _ALIGN,
    "fig-link": _TEXT,
    "fig-cap-location": _PLACE,
    "tbl-cap-location": _PLACE,
    "cap-location": _PLACE,
    "fig-column": _COLUMN,
    "tbl-column": _COLUMN,
    "column": _COLUMN,
    "fig-width": _NUMBER,
    "fig-height": _NUMBER,
    "fig-dpi": Option("a whole number", _is(int), True),
    "fig-format": Option("retina, png, jpeg or svg", _is(str), True),
    "fig-crop": _BOOL,
    "fig-env": _ANY,  # the three are LaTeX's, without effect in HTML (in Quarto too)
    "fig-pos": _ANY,
    "fig-scap": _ANY,
    "tbl-cap": Option("text or a list of texts", _texts),
    "tbl-subcap": Option("text, a list of texts, or true", _either(_texts, _one_of(True))),
    "tbl-colwidths": Option("auto, true, false or a list of percentages",
                            _either(_one_of("auto", True, False), _numbers), True),
    "html-table-processing": Option("none", _one_of("none"), True),  # tables are left as is
    "layout": Option("rows of widths such as [[1, 1], [1]]", _grid),
    "layout-ncol": Option("a whole number", _is(int)),
    "layout-nrow": Option("a whole number", _is(int)),
    "layout-align": _ALIGN,
    "layout-valign": Option("default, top, center or bottom",
                            _one_of("default", "top", "center", "bottom"), True),
    "output-location": _ANY,  # revealjs only; nothing in a page, as in Quarto's HTML
    "tags": _ANY,  # notebook metadata
    "id": _ANY,
    "file": _TEXT,
    "format": Option("png, svg, gif, jpeg or webp", _is(str), True),
    "timeout": _NUMBER,
    "depends": Option("a path or a list of paths", _texts),
    # shows measurements of the machine that builds it (build-site check)
    "measured": Option("true or false", _is(bool)),
    # Quarto's: the block draws its figure once per scheme, in this order (``schemes.py``)
    "renderings": Option("a list of light and dark, such as [light, dark]", lambda v: (
        isinstance(v, list) and bool(v) and len(set(v)) == len(v)
        and all(x in ("light", "dark") for x in v))),
    # ours: the block runs again under a dark style for the dark scheme (``schemes.py``)
    "dark-rendering": _BOOL,
}
# Limits a block may set: finite, positive and below a sane ceiling, so a typo or '.nan'
# can never switch one off (``nan <= 0`` is false).
LIMITS = {"timeout": 86_400.0, "fig-width": 1000.0, "fig-height": 1000.0, "fig-dpi": 10_000,
          "layout-ncol": 100, "layout-nrow": 100}
_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def is_figure_fence(info: str) -> bool:
    return info.strip() == FIGURE_INFO


def split_options(
    code: str, path: str, first_line: int, warn: Warn = ignore_warning,
    errors: list[BuildError] | None = None, defaults: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, int], str]:
    """Separate the leading ``#|`` lines from the code; return (options, their lines, code).

    ``first_line`` is the file line of the block's first code line. An option this tool does
    not know is a warning and is left out; a wrong value of one it knows is an error,
    appended to ``errors`` (raised at once when there is no list). ``defaults`` (from the
    front matter and ``site.toml``) fill in what the block does not say.
    """
    lines = code.split("\n")
    count = 0
    while count < len(lines) and lines[count].lstrip().startswith("#|"):
        count += 1
    yaml_text = "\n".join(line.lstrip()[2:].removeprefix(" ") for line in lines[:count])
    options, option_lines = load_yaml(yaml_text, path, first_line, what="figure options")
    option_lines = {k: v for k, v in option_lines.items() if "." not in k}
    found: list[BuildError] = []
    for key in list(options):
        line = option_lines.get(key, first_line)
        problem = option_problem(key, options[key])
        if problem == UNKNOWN:
            warn(BuildWarning(path, line, f"unknown figure option '{key}' is ignored",
                              "see the options table in the README"))
            del options[key], option_lines[key]
        elif problem:
            found.append(BuildError(problem, path, line))
            del options[key]
    try:
        _check_names(options, option_lines, path, first_line)
    except BuildError as error:
        found.append(error)
    if errors is None:
        raise_all(found)
    else:
        errors.extend(found)
    return {**(defaults or {}), **options}, option_lines, "\n".join(lines[count:])


UNKNOWN = "unknown"


def option_problem(key: str, value: Any) -> str | None:
    """What is wrong with ``key: value`` as a cell option (``UNKNOWN`` for a name this tool
    does not know), or None."""
    option = OPTIONS.get(key)
    if option is None:
        return UNKNOWN
    if not option.check(value):
        return f"figure option '{key}' must be {option.takes}, not {value!r}"
    if key in LIMITS and not 0 < value <= LIMITS[key]:
        return (f"figure option '{key}' must be a number above 0 and at most "
                f"{LIMITS[key]:g}, not {value!r}")
    if key == "depends" and not all(v.strip() for v in ([value] if isinstance(value, str)
                                                       else value)):
        return "figure option 'depends' must be a path or a list of paths"
    return None


def checked_defaults(table: Any, where: str, lines: dict[str, int], line: int | None,
                     warn: Warn) -> tuple[dict[str, Any], list[BuildError]]:
    """Options for every block from a front matter's ``execute:``/``format: html:`` or from
    ``site.toml``'s ``[execute]``/``[format.html]`` (``lines``: the line of each key)."""
    if not isinstance(table, dict):
        return {}, [BuildError("must be a mapping of figure options to values", where, line)]
    found: dict[str, Any] = {}
    errors = []
    for key, value in table.items():
        at = lines.get(str(key), line)
        problem = option_problem(str(key), value)
        if problem == UNKNOWN or (problem is None and not OPTIONS[key].default):
            warn(BuildWarning(where, at, f"'{key}' is not a figure option that can be set for "
                                         "every block; it is ignored",
                              "see the options table in the README"))
        elif problem:
            errors.append(BuildError(problem, where, at))
        else:
            found[key] = value
    try:
        _check_names(found, {k: lines.get(k, line or 1) for k in found}, where, line or 1)
    except BuildError as error:
        errors.append(error)
    return found, errors


def _check_names(options: dict[str, Any], lines: dict[str, int], path: str, first: int) -> None:
    if "label" in options and not _LABEL.match(options["label"]):
        raise BuildError(
            f"label '{options['label']}' must start with a letter and use only letters, "
            "digits, '-' and '_'", path, lines["label"],
        )
    fmt = options.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise BuildError(
            f"format '{fmt}' must be one of {', '.join(FORMATS)}", path, lines["format"]
        )
    quarto = options.get("fig-format")
    if quarto is not None:
        if quarto not in FIG_FORMATS:
            hint = " (a PDF is not shown in a web page)" if quarto == "pdf" else ""
            raise BuildError(f"fig-format '{quarto}' must be one of "
                             f"{', '.join(FIG_FORMATS)}{hint}", path, lines["fig-format"])
        if fmt is not None and fmt != FIG_FORMATS[quarto][0]:
            raise BuildError(f"fig-format '{quarto}' does not match format '{fmt}'", path,
                             lines["fig-format"])
        fmt = FIG_FORMATS[quarto][0]
    name = options.get("file")
    if name is None:
        return
    if not _FILE.match(name) or ".." in name:
        raise BuildError(
            f"file '{name}' must be a plain file name inside the post's folder "
            "(no '/', '..' or absolute path)", path, lines["file"],
        )
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in _SUFFIXES:
        raise BuildError(
            f"file '{name}' must end in one of .{', .'.join(_SUFFIXES)}", path, lines["file"]
        )
    if fmt is not None and fmt != _SUFFIXES[suffix]:
        raise BuildError(
            f"file '{name}' does not match format '{fmt}'", path, lines["file"]
        )


def depends(options: dict[str, Any]) -> list[str]:
    """The paths a block declares with ``#| depends:`` (one, or a list)."""
    value = options.get("depends", [])
    return [value] if isinstance(value, str) else list(value)


def image_format(options: dict[str, Any]) -> tuple[str, str, bool]:
    """(format, file suffix, drawn at the site's retina factor) of a block's still images.

    ``format`` wins, then Quarto's ``fig-format``, then the ``file`` suffix; PNG by default.
    The options were checked by ``split_options``, so they agree with one another.
    """
    name = options.get("file", "")
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""  # as the author wrote it
    fmt, retina = options.get("format"), True
    if "fig-format" in options:
        fmt, retina = FIG_FORMATS[options["fig-format"]]
    fmt = fmt or _SUFFIXES.get(suffix.lower(), "png")
    if _SUFFIXES.get(suffix.lower()) != fmt:
        suffix = "jpg" if fmt == "jpeg" else fmt
    return fmt, suffix, retina


def output_name(block: dict[str, Any], number: int, ext: str, scheme: str = "light") -> str:
    """The file a block's ``number``-th image is written to (``grid1.gif``, ``fig-x-2.png``;
    drawn for the dark scheme: ``fig-x-2-dark.png``)."""
    options = block["options"]
    if "file" in options:
        stem = options["file"].rsplit(".", 1)[0]
    elif "label" in options:
        stem = options["label"]
    else:
        stem = f"figure-{block['index'] + 1}"
    tail = "" if scheme == "light" else f"-{scheme}"
    return f"{stem}{tail}.{ext}" if number == 0 else f"{stem}-{number + 1}{tail}.{ext}"
