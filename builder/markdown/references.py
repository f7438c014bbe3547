"""The files a page refers to by a relative address: ``![](sine.gif)``, ``[data](out.csv)``,
``<img src="plots/a.png">``. A file a figure block writes is published beside the page when
the page refers to it, the way Quarto publishes the resources a document refers to."""

from __future__ import annotations

import re
from urllib.parse import unquote

_ADDRESS = re.compile(r"""\b(?:src|href|poster|data)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|/|#|\?)")


def local_references(html: str) -> tuple[str, ...]:
    """Relative file addresses in ``html``: decoded, without query or fragment, inside the
    page's folder (``./`` dropped; ``..`` and absolute addresses are not the page's files)."""
    found = set()
    for match in _ADDRESS.finditer(html):
        address = match.group(1) if match.group(1) is not None else match.group(2)
        address = address.strip().replace("&amp;", "&")
        if not address or _EXTERNAL.match(address):
            continue
        path = unquote(address.split("#", 1)[0].split("?", 1)[0])
        parts = [part for part in path.split("/") if part not in ("", ".")]
        if parts and ".." not in parts:
            found.add("/".join(parts))
    return tuple(sorted(found))
