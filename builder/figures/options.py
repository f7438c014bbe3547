"""Quarto-style ``#|`` cell options of a figure block, validated with the line of each option.

Quarto's names are kept where Quarto has one, so a post can move between the two tools.
"""

from __future__ import annotations

import re
from typing import Any

from builder.errors import BuildError, type_words
from builder.sources.frontmatter import load_yaml

FIGURE_INFO = "{python}"
# What ``format`` and a ``file`` suffix may name; rasters are drawn at the site's ``retina``.
FORMATS = ("png", "svg", "gif", "jpeg", "webp")
_SUFFIXES = {"png": "png", "svg": "svg", "gif": "gif", "jpg": "jpeg", "jpeg": "jpeg",
             "webp": "webp"}
# Quarto's ``fig-format``, read as Quarto reads it: only ``retina`` is drawn at twice the dpi.
FIG_FORMATS = {"retina": ("png", True), "png": ("png", False), "jpeg": ("jpeg", False),
               "svg": ("svg", False)}
_BOOL = (bool,)
_NUMBER = (int, float)
OPTIONS: dict[str, tuple[type, ...]] = {
    "label": (str,),
    "fig-cap": (str,),
    "fig-alt": (str,),
    "echo": _BOOL,
    "code-fold": _BOOL,
    "output": _BOOL,
    "eval": _BOOL,
    "error": _BOOL,
    "fig-width": _NUMBER,
    "fig-height": _NUMBER,
    "fig-dpi": (int,),
    "fig-crop": _BOOL,
    "file": (str,),
    "format": (str,),
    "fig-format": (str,),
    "timeout": _NUMBER,
    "depends": (list, str),
    "measured": _BOOL,  # shows measurements of the machine that builds it (build-site check)
}
# Limits a block may set: finite, positive and below a sane ceiling, so a typo or '.nan'
# can never switch one off (``nan <= 0`` is false).
LIMITS = {"timeout": 86_400.0, "fig-width": 1000.0, "fig-height": 1000.0, "fig-dpi": 10_000}
_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def is_figure_fence(info: str) -> bool:
    return info.strip() == FIGURE_INFO


def split_options(
    code: str, path: str, first_line: int
) -> tuple[dict[str, Any], dict[str, int], str]:
    """Separate the leading ``#|`` lines from the code; return (options, their lines, code).

    ``first_line`` is the file line of the block's first code line.
    """
    lines = code.split("\n")
    count = 0
    while count < len(lines) and lines[count].lstrip().startswith("#|"):
        count += 1
    yaml_text = "\n".join(line.lstrip()[2:].removeprefix(" ") for line in lines[:count])
    options, option_lines = load_yaml(yaml_text, path, first_line, what="figure options")
    for key, value in options.items():
        line = option_lines.get(key, first_line)
        if key not in OPTIONS:
            raise BuildError(
                f"unknown figure option '{key}'", path, line,
                hint="known options: " + ", ".join(sorted(OPTIONS)),
            )
        expected = OPTIONS[key]
        if not isinstance(value, expected) or (bool not in expected and isinstance(value, bool)):
            raise BuildError(f"figure option '{key}' must be {type_words(*expected)}, "
                             f"not {value!r}", path, line)
        if key in LIMITS and not 0 < value <= LIMITS[key]:
            raise BuildError(f"figure option '{key}' must be a number above 0 and at most "
                             f"{LIMITS[key]:g}, not {value!r}", path, line)
        if key == "depends" and ((isinstance(value, str) and not value.strip()) or (isinstance(
                value, list) and not all(isinstance(v, str) and v.strip() for v in value))):
            raise BuildError("figure option 'depends' must be a path or a list of paths",
                             path, line)
    _check_names(options, option_lines, path, first_line)
    return options, option_lines, "\n".join(lines[count:])


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


def output_name(block: dict[str, Any], number: int, ext: str) -> str:
    """The file a block's ``number``-th image is written to (``grid1.gif``, ``fig-x-2.png``)."""
    options = block["options"]
    if "file" in options:
        stem = options["file"].rsplit(".", 1)[0]
    elif "label" in options:
        stem = options["label"]
    else:
        stem = f"figure-{block['index'] + 1}"
    return f"{stem}.{ext}" if number == 0 else f"{stem}-{number + 1}.{ext}"
