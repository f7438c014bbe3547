"""The picture an author chose for link previews: ``image:`` in the front matter.

Quarto posts name it with ``image:`` (and ``image-alt:``): Quarto shows it in listings and
as the page's ``og:image``. Jekyll blogs name it with ``image:`` for jekyll-seo-tag, as a
path or as ``{path: ..., alt: ...}``. Either way the author picked what a shared link shows,
so that picture is the page's preview instead of the card build-site would draw.

Where a relative path points differs, as it did for each author: Quarto resolves it from the
document (a post folder's ``images/x.png`` is published beside the page), jekyll-seo-tag from
the site's root. A path starting with ``/`` is from the site's root in both; an address with
a scheme is used as written.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import urlsplit

from builder.errors import BuildError


def preview_image(data: dict[str, Any], lines: dict[str, int], path: str, url: str,
                  jekyll: bool = False) -> tuple[str, str]:
    """(where the image is: a site path, or an address with a scheme; its alt text), or
    ("", "") when the front matter names none. ``url``: the post's own site path."""
    value = data.get("image")
    alt = data.get("image-alt")
    if jekyll and isinstance(value, dict):  # jekyll-seo-tag's {path, height, width, alt}
        alt = value.get("alt", alt)
        value = value.get("path")
    if value is None or value == "":
        return "", ""
    if not isinstance(value, str):
        raise BuildError(f"'image' must be the path of a picture, not {value!r}", path,
                         lines.get("image"))
    if alt is not None and not isinstance(alt, str | int | float):
        raise BuildError(f"'image-alt' must be text, not {alt!r}", path,
                         lines.get("image-alt", lines.get("image")))
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https"):
            raise BuildError(f"'image: {value}' is not a web address a preview can fetch",
                             path, lines.get("image"),
                             hint="give an http(s) address, or a path in the site")
        return value, _text(alt)
    if value.startswith("/") or jekyll:
        site_path = value.lstrip("/")
    else:  # beside the page, as the document's own relative links are
        folder = url if url.endswith("/") else posixpath.dirname(url) + "/"
        site_path = posixpath.normpath(posixpath.join(folder.lstrip("/"), value))
    if site_path.startswith("../") or site_path in ("", ".", ".."):
        raise BuildError(f"'image: {value}' points outside the site", path, lines.get("image"))
    return site_path, _text(alt)


def _text(alt: Any) -> str:
    return "" if alt is None else " ".join(str(alt).split())
