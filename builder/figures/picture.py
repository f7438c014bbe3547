"""An image output as the page shows it: an ``<img>``, or a ``<picture>`` when the image has
other files to choose from: the dark scheme's rendering, or, for an animation, the player's
animated WebP.

The ``<img>`` keeps the file every reader can show (the GIF of an animation: feed readers
drop ``<picture>`` and ``<source>``); each ``<source>`` is a better choice the browser takes
when it can. The dark rendering's sources carry the scheme's media query and
``data-scheme="dark"``, which the theme toggle rewrites (``static/site.js``, README "Dark
renderings of figures"). An animation is wrapped in ``<div class="player">``, which the
theme's script turns into a player over the WebP the browser chose; without script the
browser plays it as any animated image.
"""

from __future__ import annotations

from html import escape

from builder.model import FigureImage

_DARK = "(prefers-color-scheme: dark)"


def image_html(image: FigureImage, alt: str) -> str:
    """``alt`` is escaped already."""
    size = f' width="{image.width}" height="{image.height}"' if image.width else ""
    img = (f'<img src="{_url(image.file)}" alt="{alt}"{size} loading="lazy" '
           'decoding="async">')
    sources = []
    if image.dark is not None:
        dark = image.dark
        if dark.player is not None:
            sources.append(_source(dark.player.file, 'type="image/webp"', _DARK))
        sources.append(_source(dark.file, "", _DARK))
    if image.player is not None:
        sources.append(_source(image.player.file, 'type="image/webp"'))
    if not sources:
        return img
    kind = ' class="schemes"' if image.dark is not None else ""
    picture = f"<picture{kind}>\n" + "".join(s + "\n" for s in sources) + img + "\n</picture>"
    if image.frames > 1 and image.player is not None:
        return f'<div class="player">\n{picture}\n</div>'
    return picture


def _source(file: str, kind: str, media: str = "") -> str:
    attributes = [f'srcset="{_url(file)}"', kind]
    if media:
        attributes += [f'media="{media}"', 'data-scheme="dark"']
    return "<source " + " ".join(a for a in attributes if a) + ">"


def _url(file: str) -> str:
    """A file name as a relative URL in an attribute (a ``srcset`` splits at spaces and
    commas: file names have neither, ``options.py`` checks them)."""
    return escape(file, quote=True)
