"""The worker process that runs authors' figure code (with ``backend.py`` and ``capture.py``,
the only modules importing matplotlib).

It is forked by its keeper (``sandbox.py``) and runs with standard input closed, a mirror of
the post's folder as its working folder (``folder.py``) and a memory limit, and talks to the
build over a private pipe. Each
job is the blocks of one post that share a namespace; each block's code is compiled with the
post's path as its file name and padded to its first line, so tracebacks read
``posts/x.md:42``. Figures are reset before and closed after every block.
"""

from __future__ import annotations

import ast
import contextlib
import linecache
import os
import random
import sys
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from builder import procutil
from builder.figures import capture, display, folder, tracking
from builder.figures.failures import BlockError
from builder.figures.magics import magic_message, python_source
from builder.figures.styles import DARK_STYLE

_MEMORY_MB = 0
_SCRATCH = ""


def _reset_state(plt: Any, matplotlib: Any, np: Any, seed: int, options: dict[str, Any],
                 figsize: tuple[float, float]) -> None:
    """Each block starts alike, whatever ran before it in this worker: no figures, seeded
    randomness, and the job's figure size unless the block sets its own."""
    plt.close("all")
    random.seed(seed)
    np.random.seed(seed)
    matplotlib.rcParams["figure.figsize"] = (options.get("fig-width", figsize[0]),
                                             options.get("fig-height", figsize[1]))


def _compile(code: str, path: str, first_line: int) -> tuple[Any, Any]:
    """Compile with the post as file name and lines as in the post; split a last expression
    (none when it ends in ``;``, which silences it in Jupyter)."""
    source, magic = python_source(code)
    padded = "\n" * (first_line - 1) + code + "\n"
    linecache.cache[path] = (len(padded), None, padded.splitlines(True), path)
    if magic:
        raise BlockError(magic_message(magic[1]), first_line + magic[0])
    padded = "\n" * (first_line - 1) + source + "\n"
    try:
        tree = ast.parse(padded, filename=path)
    except SyntaxError as exc:
        raise BlockError(f"SyntaxError: {exc.msg}", exc.lineno, exc.offset) from None
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        node = tree.body.pop()
        line = padded.split("\n")[(node.end_lineno or 1) - 1].encode()
        rest = line[node.end_col_offset or 0:].decode("utf-8", "replace").lstrip()
        if not rest.startswith(";"):
            last = compile(ast.Expression(node.value), path, "eval")
    return compile(tree, path, "exec"), last


def _format_error(exc: BaseException, post: str) -> BlockError:
    """Trace frames from the first one in the post on; the worker's own frames are dropped,
    and paths are shown as on any machine (``tracking.shown_path``)."""
    frames = traceback.extract_tb(exc.__traceback__)
    start = next((i for i, f in enumerate(frames) if f.filename == post), 0)
    frames = frames[start:]
    shown = traceback.StackSummary.from_list(
        [f for f in frames if not f.filename.startswith(str(tracking.BUILDER))]
    )
    for frame in shown:
        frame.filename = tracking.shown_path(frame.filename, post)
    line = max((f.lineno or 0 for f in frames if f.filename == post), default=None)
    message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    message = tracking.hide_paths(message, _SCRATCH)
    if isinstance(exc, MemoryError):
        message += (f" (the worker's memory limit is {_MEMORY_MB} MB; set it with "
                    "'figures.memory_limit_mb' in site.toml)")
    details = "Traceback (most recent call last):\n" + "".join(shown.format()) + message
    return BlockError(message, line, details=details)


BACKEND = "module://builder.figures.backend"


def _compile_inline(code: str, path: str, line: int) -> Any:
    """Inline code `` `{python} expr` ``: one expression, on its line of the post."""
    padded = "\n" * (line - 1) + code + "\n"
    linecache.cache[path] = (len(padded), None, padded.splitlines(True), path)
    try:
        return compile(padded, path, "eval")
    except SyntaxError as exc:
        raise BlockError(f"SyntaxError: {exc.msg}", exc.lineno) from None


def _run_block(block: dict[str, Any], namespace: dict[str, Any], post: str,
               outputs: display.Outputs) -> None:
    """Run one block: its statements, its last expression's value shown, then the figures
    still open; or inline code, whose value is its only output. Every failure becomes a
    ``BlockError`` naming a line of the post."""
    if block.get("inline"):
        body, last = None, _compile_inline(block["code"], post, block["code_line"])
    else:
        body, last = _compile(block["code"], post, block["code_line"])
    try:
        if body is None:
            outputs.inline(eval(last, namespace))
            return
        exec(body, namespace)
        if last is not None:
            outputs.result(eval(last, namespace))
        if block["capture"]:
            outputs.images.finish()
    except BlockError:
        raise
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise _format_error(exc, post) from None


@contextlib.contextmanager
def _block_context(images: capture.BlockImages, outputs: display.Outputs,
                   post: str) -> Iterator[None]:
    """What a block's code talks to while it runs: its own streams, warnings, display and
    show hooks, and line tracking; all put back afterwards, whatever happens."""
    from builder.figures import backend

    saved = sys.stdout, sys.stderr, warnings.showwarning
    sys.stdout, sys.stderr = display.Stream(outputs, "stdout"), display.Stream(outputs, "stderr")
    warnings.showwarning = outputs.showwarning
    backend.on_show, backend.on_new_figure = images.show, images.new_figure
    _on_animation[0] = images.new_animation
    display.activate(outputs)
    capture.track_lines(post)
    try:
        yield
    finally:
        sys.stdout, sys.stderr, warnings.showwarning = saved
        backend.on_show = backend.on_new_figure = _on_animation[0] = _ignore
        display.activate(None)
        capture.track_lines(None)


def _ignore(_: Any) -> None:
    pass


_on_animation: list[Any] = [_ignore]  # what to do with each Animation made: set per block


def _install_hooks() -> None:
    """Animations announce themselves (so one made and returned by a helper is found), and
    texts with TeX note their line (so a drawing error names it)."""
    from matplotlib.animation import Animation

    original = Animation.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _on_animation[0](self)

    Animation.__init__ = init  # type: ignore[method-assign]
    capture.install_line_tracking()
    display.install()


def run_job(job: dict[str, Any], send: Any) -> None:
    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np

    global _SCRATCH
    tracking.reset(Path(job["root"]).resolve(), Path(job["output"]) if job.get("output") else None)
    post = job["post"]
    for extra in (job["post_dir"], job["root"]):
        if extra not in sys.path:
            sys.path.insert(0, extra)
    tracking.forget_project_modules()
    _SCRATCH = job["scratch"]
    with tracking.unheard():
        cwd = folder.build_mirror(Path(job["root"]).resolve(), Path(job["post_dir"]).resolve(),
                                  Path(job["scratch"]), tracking.output())
    os.chdir(cwd)
    matplotlib.rcdefaults()
    matplotlib.rcParams["svg.hashsalt"] = "build-site"
    # a file the author's code saves itself (fig.savefig("x.svg"), published when the post
    # shows it) is dated by matplotlib with this, not with the time of the build
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    if job["settings"].get("scheme") == "dark":  # drawn again for the dark scheme
        matplotlib.rcParams.update(DARK_STYLE)
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": job["post_path"]}
    out_dir = Path(job["out_dir"])
    settings = job["settings"]
    figsize = tuple(matplotlib.rcParams["figure.figsize"])
    for block in job["blocks"]:
        send(("start", block["index"]))
        options = block["options"]
        result: dict[str, Any] = {"index": block["index"], "error": None}
        _reset_state(plt, matplotlib, np, block["index"], options, figsize)
        block_dir = out_dir / str(block["index"])
        block_dir.mkdir(parents=True, exist_ok=True)
        images = capture.BlockImages(block, settings, block_dir, post)
        outputs = display.Outputs(settings["max_output_bytes"], images)
        with tracking.unheard():
            before = None if block.get("inline") else folder.snapshot(cwd)
        try:
            with _block_context(images, outputs, post):
                _run_block(block, namespace, post, outputs)
        except BlockError as error:
            result["error"] = {"message": error.message, "line": error.line,
                               "column": error.column, "details": error.details}
        finally:
            plt.close("all")
        result["outputs"] = outputs.finish()
        if block.get("inline"):  # only its value: what it printed or drew has no place
            result["outputs"] = [o for o in result["outputs"] if o["type"] == "inline"]
            result["files"], result["left_out"] = [], 0
        else:
            with tracking.unheard():
                result["files"], result["left_out"] = folder.keep_written(
                    folder.written(before, folder.snapshot(cwd)), cwd, block_dir / "files")
        result["deps"] = tracking.dependencies(post)
        result["untracked"] = sorted(tracking.notes)
        send(("done", result))
        if result["error"] and not options.get("error", False):
            break
    folder.release()
    send(("finished", None))


def serve(read_fd: int, write_fd: int, memory_mb: int) -> None:
    """Run jobs from the build until it says stop. Called in the process the keeper forked
    (``sandbox.py``); whatever a job started is killed when it ends (this process is the
    subreaper of all it starts)."""
    import resource
    from multiprocessing.connection import Connection

    global _MEMORY_MB
    _MEMORY_MB = memory_mb
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    procutil.become_subreaper()
    os.environ["MPLBACKEND"] = "Agg"  # for any Python the author's code starts
    import matplotlib

    matplotlib.use(BACKEND, force=True)
    import matplotlib.pyplot
    import numpy  # noqa: F401

    _install_hooks()

    sys.addaudithook(tracking.audit)
    sys.addaudithook(folder.audit)
    for fd in (read_fd, write_fd):  # never handed to a program a block starts
        os.set_inheritable(fd, False)
    incoming = Connection(read_fd, writable=False)
    outgoing = Connection(write_fd, readable=False)
    outgoing.send(("ready", os.getpid()))
    while True:
        try:
            job = incoming.recv()
        except EOFError:
            return
        if job is None:
            return
        run_job(job, outgoing.send)
        procutil.kill_descendants()
