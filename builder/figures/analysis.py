"""Which earlier blocks of a post a block needs, read from the names the code uses.

Blocks of a post share one namespace, as in a notebook, but most figure blocks only import
helpers and call them. A block that reads no name an earlier block binds can run on its own:
in another worker, and with a cache key that ignores the earlier blocks' code. When unsure
(an earlier block that may change shared state: styles, seeds, attributes of shared
objects), the block depends on every block before it.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Sequence

from builder.figures.magics import python_source
from builder.model import FigureBlock

_BUILTINS = frozenset(dir(builtins))
# Calls that change state every later block sees (styles, seeds, global settings).
_STATEFUL = frozenset({"rc", "rcParams", "use", "seed", "set_printoptions", "setrecursionlimit",
                       "filterwarnings", "simplefilter", "set_option"})
# Calls that write files in the post's folder, which a later block may read: a block that
# makes them runs (and is cached) with every block after it.
# (Names common for other things, such as ``str.replace`` or ``list.copy``, are left out.)
_WRITERS = frozenset({
    "save", "savefig", "savez", "savez_compressed", "savetxt", "imsave", "imwrite",
    "write_text", "write_bytes", "to_csv", "to_json", "to_parquet", "to_excel", "to_pickle",
    "to_feather", "to_hdf", "to_file", "mkdir", "makedirs", "rename", "unlink", "rmtree",
    "copyfile", "copytree",
})
_WRITE_MODES = frozenset("wax+")


def _writes_files(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name in _WRITERS:
        return True
    if name == "open":
        modes = [*call.args[1:2], *(k.value for k in call.keywords if k.arg == "mode")]
        return any(isinstance(m, ast.Constant) and isinstance(m.value, str)
                   and _WRITE_MODES & set(m.value) for m in modes) or (
            any(not isinstance(m, ast.Constant) for m in modes))
    return False


def _reads_and_binds(node: ast.AST) -> tuple[set[str], set[str], bool]:
    """Names one top-level statement reads and binds, and whether it changes shared state."""
    read: set[str] = set()
    bound: set[str] = set()
    stateful = False
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            (bound if isinstance(sub.ctx, (ast.Store, ast.Del)) else read).add(sub.id)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in sub.names)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            if not isinstance(sub, ast.Lambda):
                bound.add(sub.name)
            if not isinstance(sub, ast.ClassDef):
                bound.update(a.arg for a in ast.walk(sub.args) if isinstance(a, ast.arg))
        elif isinstance(sub, (ast.Global, ast.Nonlocal)) or (
            isinstance(sub, ast.Attribute) and sub.attr in _STATEFUL
        ) or (isinstance(sub, ast.Call) and _writes_files(sub)):
            stateful = True
        elif isinstance(sub, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
            if any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in targets):
                stateful = True  # writes into an object another block may hold
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        # names bound inside a definition are its own; only the definition's name escapes
        return read - bound, {node.name}, stateful
    return read, bound, stateful


def _names(code: str) -> tuple[set[str], set[str], bool] | None:
    """(names read that the block has not bound first, names bound, changes shared state)."""
    try:
        tree = ast.parse(python_source(code)[0])  # '%matplotlib inline' read as 'pass'
    except SyntaxError:
        return None
    free: set[str] = set()
    bound: set[str] = set()
    stateful = False
    for statement in tree.body:
        read, binds, changes = _reads_and_binds(statement)
        free |= read - bound
        bound |= binds
        stateful |= changes
    return free - _BUILTINS, bound, stateful


def block_dependencies(blocks: Sequence[FigureBlock]) -> list[tuple[int, ...]]:
    """For each block, the indices of the earlier blocks it needs (transitively), in order."""
    analysed = [_names(b.code) for b in blocks]
    needs: list[set[int]] = []
    for k, info in enumerate(analysed):
        if info is None:
            needs.append(set())  # it fails to compile whatever ran before it
            continue
        free = info[0]
        direct: set[int] = set()
        for j in range(k):
            if blocks[j].options.get("eval", True) is False:
                continue  # never runs, so binds nothing
            other = analysed[j]
            if other is None:
                continue  # a block that does not parse fails before binding anything
            if other[2] or free & other[1]:
                direct.add(j)
        closure = set(direct)
        for j in direct:
            closure |= needs[j]
        needs.append(closure)
    return [tuple(sorted(n)) for n in needs]


def job_groups(dependencies: Sequence[tuple[int, ...]], wanted: set[int]) -> list[list[int]]:
    """Blocks to run together in one namespace: each wanted block with what it needs.

    Groups that share a needed block are merged, so every block runs once per build.
    """
    groups: list[set[int]] = []
    for k in sorted(wanted):
        members = {k, *dependencies[k]}
        overlapping = [g for g in groups if g & members]
        for g in overlapping:
            members |= g
            groups.remove(g)
        groups.append(members)
    return sorted((sorted(g) for g in groups), key=lambda g: g[0])
