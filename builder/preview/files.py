"""Which file of the preview's output a request path names, checked before anything is read.

Only regular, non-hidden files whose real path lies inside the output: ``..``, percent- and
double-encoded traversal, backslashes, NUL bytes, ``//host`` paths and symbolic links out
are all "not found". A folder's address without its ``/`` is a redirect built from the
checked path, never from the raw request.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit


def resolve_request(output: Path, raw: str) -> tuple[Path | None, str | None]:
    """Map a request path to a file inside ``output``: (file, None), (None, redirect) or
    (None, None) for 404. Nothing is read before every check has passed."""
    path = urlsplit(raw).path if raw.startswith("/") else ""
    if not path or path.startswith("//") or "\\" in path or "\x00" in path or len(raw) > 2048:
        return None, None
    try:
        decoded = unquote(path, errors="strict") if "%" in path else path
    except UnicodeDecodeError:
        return None, None
    if "\\" in decoded or "\x00" in decoded or "%" in decoded:
        return None, None  # double encoding or hidden separators: never a file of ours
    parts = [p for p in decoded.split("/") if p]
    if any(p in (".", "..") or p.startswith(".") for p in parts):
        return None, None
    target = output.joinpath(*parts)
    try:
        real = Path(os.path.realpath(target))
        root = Path(os.path.realpath(output))
        if not real.is_relative_to(root):
            return None, None
        mode = os.stat(real).st_mode
    except (OSError, ValueError):
        return None, None
    if stat.S_ISDIR(mode):
        if not decoded.endswith("/"):
            return None, quote("/" + "/".join(parts) + "/")
        index = real / "index.html"
        try:
            if stat.S_ISREG(os.stat(index).st_mode):
                return index, None
        except OSError:
            pass
        return None, None
    return (real, None) if stat.S_ISREG(mode) else (None, None)
