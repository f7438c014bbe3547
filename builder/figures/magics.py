"""IPython magics in a block: ``%matplotlib inline`` does nothing, any other is a clear error.

Notebooks start with ``%matplotlib inline`` (and ``%config InlineBackend...``); here figures
are always inline, so those lines are read as ``pass``. Other magics (``%run``, ``%timeit``,
``!pip install``, ``%%time``) need IPython's shell, which the worker does not run: the block
fails at the magic's line, naming it, instead of with a bare ``SyntaxError``. Only lines
Python cannot parse are looked at, so ``x % y`` or a ``%`` inside a string is never a magic.
Shared by the worker (to run the code) and the analysis (to read its names).
"""

from __future__ import annotations

import ast
import re

_MAGIC = re.compile(r"^(\s*)((%%?|!)[A-Za-z_!]?[\w.-]*)")
_HARMLESS = ("%matplotlib", "%config")  # figures are always inline here


def python_source(code: str) -> tuple[str, tuple[int, str] | None]:
    """The code with harmless magics turned into ``pass`` (lines kept), and the first other
    magic as (0-based line, its name), if the code has one."""
    lines = code.split("\n")
    for _ in range(len(lines)):
        try:
            ast.parse("\n".join(lines))
        except SyntaxError as exc:
            number = (exc.lineno or 1) - 1
            match = _MAGIC.match(lines[number]) if 0 <= number < len(lines) else None
            if match is None:
                break  # a real syntax error: the compiler will report it
            indent, name = match.group(1), match.group(2)
            if not name.startswith(_HARMLESS) or name.startswith("%%"):
                return "\n".join(lines), (number, name)
            lines[number] = indent + "pass"
        else:
            break
    return "\n".join(lines), None


def magic_message(name: str) -> str:
    return (f"IPython magic '{name}' cannot run here: blocks are plain Python "
            "(write what it stands for; '%matplotlib inline' is accepted and does nothing)")
