"""Jupyter's display semantics in the worker, without IPython.

A block's outputs are kept in the order Jupyter would show them: printed text (stdout, and
stderr apart from Python warnings), whatever ``display(...)`` is given, figures at each
``plt.show()``, the value of a last expression (unless ``None`` or silenced with ``;``),
then the figures still open. Objects are shown through the rich display protocol, duck-typed
as IPython does (``_ipython_display_``, ``_repr_mimebundle_``, ``_repr_html_``,
``_repr_markdown_``, ``_repr_svg_``, ``_repr_png_``, ``_repr_jpeg_``, ``_repr_latex_``), so a
pandas DataFrame is a table and a plotnine plot an image with or without IPython installed.
When IPython is installed, its ``display``, ``clear_output`` and ``publish_display_data``
are pointed here as IPython is imported, so ``display(Markdown(...))`` works as in a
notebook instead of printing ``<IPython.core.display.Markdown object>``.

Which representation is shown follows Quarto's choice for HTML: HTML, then Markdown, SVG,
PNG, JPEG, LaTeX that is math (shown by MathJax), then plain text. Quarto's rule for the
text a plotting call returns (``[<matplotlib.lines.Line2D at 0x...>]``, ``Text(0.5, 1.0,
'title')``) is kept too: next to a figure, or for matplotlib's own objects, it is dropped.
Memory addresses in plain reprs are elided, so a page is the same on every build.
"""

from __future__ import annotations

import base64
import builtins
import importlib.abc
import importlib.machinery
import io
import pprint
import re
import sys
import warnings
from collections.abc import Callable
from typing import Any

from builder.figures.capture import BlockImages

_RICH = (  # (mime type, repr method), in the order Quarto prefers them for HTML
    ("text/html", "_repr_html_"),
    ("text/markdown", "_repr_markdown_"),
    ("image/svg+xml", "_repr_svg_"),
    ("image/png", "_repr_png_"),
    ("image/jpeg", "_repr_jpeg_"),
    ("text/latex", "_repr_latex_"),
)
_IMAGES = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg"}
_ADDRESS = re.compile(r" at 0x[0-9A-Fa-f]+")
_CONTAINERS = (list, tuple, dict, set, frozenset)


def is_math(latex: str) -> bool:
    """Quarto's test: LaTeX shown in HTML only when it is math MathJax can typeset."""
    text = latex.strip()
    return (text.startswith("$") and text.endswith("$")) or (
        text.startswith("\\begin{") and "\\end{" in text)


def plain_text(value: Any) -> str:
    """``text/plain`` as IPython's pretty printer gives it, for the common cases."""
    text = pprint.pformat(value, width=79, sort_dicts=False) \
        if type(value) in _CONTAINERS else repr(value)
    return _ADDRESS.sub(" at 0x…", text)


def discardable(text: str, has_image: bool) -> bool:
    """Quarto's ``isDiscardableTextExecuteResult``: what a plotting call's value prints."""
    lines = text.strip().split("\n")
    if has_image:
        if len(lines) == 1:
            first = lines[0].strip()
            return bool(re.match(r"^([<(\[]).*?([>)\]])$", first) or re.match(r"^Text\([-\d]",
                                                                                first)
                        or (first.startswith("{") and "<matplotlib." in first))
        return any("<matplotlib." in line for line in lines)
    return text.startswith(("[<matplotlib", "<matplotlib", "<seaborn.", "<ggplot:"))


class Stream(io.TextIOBase):
    """``sys.stdout`` or ``sys.stderr`` of a block: text goes to its outputs, in order."""

    def __init__(self, outputs: Outputs, name: str) -> None:
        self.outputs, self.name = outputs, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.outputs.write(self.name, text)
        return len(text)


class Outputs:
    """One block's outputs, in order, bounded: ``items`` is what the worker reports."""

    def __init__(self, limit: int, images: BlockImages) -> None:
        self.limit, self.images = limit, images
        self.items: list[dict[str, Any]] = images.outputs
        self.size = self.dropped = 0

    # --- text ---------------------------------------------------------------------------

    def _room(self, text: str) -> str:
        room = max(0, self.limit - self.size)
        self.dropped += max(0, len(text) - room)
        self.size += min(len(text), room)
        return text[:room]

    def write(self, name: str, text: str) -> None:
        """Printed text: ``stdout``, ``stderr``, or ``warning`` (Python's warnings)."""
        kept = self._room(text)
        if not kept:
            return
        last = self.items[-1] if self.items else None
        if last and last["type"] == "stream" and last["name"] == name:
            last["text"] += kept
        else:
            self.items.append({"type": "stream", "name": name, "text": kept})

    def showwarning(self, message: Any, category: type, filename: str, lineno: int,
                    file: Any = None, line: str | None = None) -> None:
        """``warnings.showwarning`` for the block: a warning is stderr text of its own kind,
        so ``warning: false`` and ``message: false`` can hide one and not the other."""
        self.write("warning", warnings.formatwarning(message, category, _short(filename),
                                                     lineno, line))

    # --- rich display -------------------------------------------------------------------

    def display(self, *objs: Any, raw: bool = False, metadata: Any = None, **_: Any) -> None:
        """``display(...)``: each object shown through the display protocol, in order."""
        for obj in objs:
            if raw and isinstance(obj, dict):
                self.publish(obj, metadata)
            else:
                self.show(obj, result=False)

    def result(self, value: Any) -> None:
        """The value of a block's last expression (Jupyter's ``Out[n]``)."""
        if value is not None:
            self.show(value, result=True)

    def show(self, obj: Any, result: bool) -> None:
        from matplotlib.figure import Figure

        if isinstance(obj, Figure):
            import matplotlib.pyplot as plt

            self.images.add(obj)  # as the inline backend's figure formatter shows it
            plt.close(obj)  # shown now: not again at the end of the block
            return
        method = _method(obj, "_ipython_display_")
        if method is not None:
            method()
            return
        bundle: dict[str, Any] = {}
        metadata: Any = None
        method = _method(obj, "_repr_mimebundle_")
        if method is not None:
            found = self._call(obj, method, include=None, exclude=None)
            if isinstance(found, tuple) and len(found) == 2:
                found, metadata = found
            if isinstance(found, dict):
                bundle.update(found)
        self.publish(bundle, metadata, obj=obj, result=result)

    def publish(self, bundle: dict[str, Any], metadata: Any = None, obj: Any = None,
                result: bool = False) -> None:
        """Show the best representation of a mime bundle; an object's own ``_repr_*_``
        methods are asked only until one answers, in the order of preference."""
        for mime, name in _RICH:
            data = bundle.get(mime)
            if data is None and obj is not None:
                method = _method(obj, name)
                data = self._call(obj, method) if method is not None else None
                if isinstance(data, tuple) and len(data) == 2:
                    data, metadata = data
            if data is None or (mime == "text/latex" and not is_math(str(data))):
                continue
            meta = (metadata or {}).get(mime, metadata) if isinstance(metadata, dict) else None
            self._add(mime, data, meta if isinstance(meta, dict) else {}, result)
            return
        text = bundle.get("text/plain")
        if text is None and obj is not None:
            text = plain_text(obj)
        if text is not None:
            self._add("text/plain", str(text), {}, result)

    def _add(self, mime: str, data: Any, metadata: dict[str, Any], result: bool) -> None:
        if mime in _IMAGES:
            if isinstance(data, str) and mime != "image/svg+xml":
                data = base64.b64decode(data)
            if isinstance(data, str):
                data = data.encode("utf-8")
            self.images.add_data(bytes(data), _IMAGES[mime], metadata)
            return
        text = self._room(str(data))
        if len(text) < len(str(data)):
            text = f"[output not shown: {len(str(data))} characters; the limit is {self.limit}]"
        kind = {"text/html": "html", "text/plain": "text"}.get(mime, "markdown")
        item = {"type": kind, "text": text}
        if result:
            item["result"] = True
        self.items.append(item)

    def _call(self, obj: Any, method: Callable[..., Any], **kwargs: Any) -> Any:
        """A repr method that raises is skipped, as IPython's formatters do, and said."""
        try:
            return method(**kwargs)
        except Exception as exc:
            self.write("stderr", f"{type(obj).__name__}.{method.__name__}() failed: "
                                 f"{type(exc).__name__}: {exc}\n")
            return None

    def inline(self, value: Any) -> None:
        """The value of inline code `` `{python} expr` ``, as Jupyter's ``user_expressions``
        give it to Quarto: HTML or Markdown if the object has them, else its plain text
        (``None`` too). Its place is a sentence: images and LaTeX are not asked for."""
        bundle: dict[str, Any] = {}
        method = _method(value, "_repr_mimebundle_")
        if method is not None:
            found = self._call(value, method, include=None, exclude=None)
            found = found[0] if isinstance(found, tuple) and len(found) == 2 else found
            bundle = found if isinstance(found, dict) else {}
        item = None
        for mime, name in _RICH[:2]:  # HTML, then Markdown
            data = bundle.get(mime)
            if data is None and (method := _method(value, name)) is not None:
                data = self._call(value, method)
                data = data[0] if isinstance(data, tuple) and len(data) == 2 else data
            if data is not None:
                item = {"type": "inline", "mime": mime, "text": str(data)}
                break
        if item is None:
            text = bundle.get("text/plain")
            item = {"type": "inline", "mime": "text/plain",
                    "text": plain_text(value) if text is None else str(text)}
        if len(item["text"]) > self.limit:
            item = {"type": "inline", "mime": "text/plain", "text": f"[value not shown: "
                    f"{len(item['text'])} characters; the limit is {self.limit}]"}
        self.items.append(item)

    def clear(self, wait: bool = False) -> None:
        """``clear_output()``: what the block showed so far is gone (a progress display)."""
        del self.items[:]

    # --- the end ------------------------------------------------------------------------

    def finish(self) -> list[dict[str, Any]]:
        """The outputs as reported: a plotting call's printed value dropped as Quarto drops
        it, and a note when printed text ran over the limit."""
        has_image = any(item["type"] == "image" for item in self.items)
        self.items[:] = [item for item in self.items if not (
            item.get("result") and item["type"] == "text"
            and discardable(item["text"], has_image))]
        if self.dropped:
            note = (f"\n[output truncated: {self.dropped} more characters were printed; "
                    f"the limit is {self.limit}]")
            self.items.append({"type": "stream", "name": "stdout", "text": note})
        return self.items


def _method(obj: Any, name: str) -> Callable[..., Any] | None:
    """A display method of an instance (a class itself is shown by its repr)."""
    if isinstance(obj, type):
        return None
    try:
        method = getattr(obj, name, None)
    except Exception:
        return None
    return method if callable(method) else None


def _short(filename: str) -> str:
    """A warning's file as a reader can use it, and the same on every machine."""
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# --- the block's display functions, and IPython's -----------------------------------------

_current: list[Outputs | None] = [None]


def _display(*objs: Any, **kwargs: Any) -> None:
    if _current[0] is not None:
        _current[0].display(*objs, **kwargs)


def _clear_output(wait: bool = False) -> None:
    if _current[0] is not None:
        _current[0].clear(wait)


def _publish_display_data(data: dict[str, Any], metadata: Any = None, *_: Any,
                          **__: Any) -> None:
    if _current[0] is not None:
        _current[0].publish(data, metadata)


def _update_display(*_: Any, **__: Any) -> None:
    """Updating an earlier display in place has no meaning in a static page."""


def activate(outputs: Outputs | None) -> None:
    """Route ``display`` (a builtin, as in IPython) and IPython's own to ``outputs``."""
    _current[0] = outputs
    builtins.display = _display  # type: ignore[attr-defined]


class _IPythonHook(importlib.abc.MetaPathFinder):
    """Points IPython's display functions here as the module defining them is imported."""

    MODULES = ("IPython.core.display_functions", "IPython.core.display")

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in self.MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module: Any) -> None:
            original(module)
            for attr, replacement in (("display", _display), ("clear_output", _clear_output),
                                      ("publish_display_data", _publish_display_data),
                                      ("update_display", _update_display)):
                if hasattr(module, attr):
                    setattr(module, attr, replacement)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Once per worker, before any author's code runs."""
    if not any(isinstance(f, _IPythonHook) for f in sys.meta_path):
        sys.meta_path.insert(0, _IPythonHook())
