"""Jekyll's URLs: permalink styles, placeholders and ``slugify``, as Jekyll 4.3 makes them.

Read from jekyll/jekyll: ``configuration.rb`` (``STYLE_TO_PERMALINK``), ``drops/url_drop.rb``
(the placeholders of a post), ``page.rb`` (a page's template), ``url.rb`` (escaping and
sanitising) and ``utils.rb`` (``slugify``, ``add_permalink_suffix``). A post moved here keeps
the address its readers and search engines know.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from urllib.parse import quote, unquote

STYLES = {
    "none": "/:categories/:title:output_ext",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
}

_PRETTY_KEEP = frozenset("._~!$&'()+,;=@")
_SAFE_PATH = re.compile(r"^[a-zA-Z0-9./-]+$")
_PLACEHOLDER = re.compile(r":([a-z_]+)")


def _kept(char: str, mode: str) -> bool:
    """Whether ``slugify`` keeps a character: Utils::SLUGIFY_*_REGEXP (letters, marks and
    decimal digits; ``pretty`` also ``._~!$&'()+,;=@``; ``ascii`` only ``[A-Za-z0-9]``)."""
    if mode == "raw":
        return not char.isspace()
    if mode == "ascii":
        return char.isascii() and char.isalnum()
    category = unicodedata.category(char)
    if category[0] in "LM" or category == "Nd":
        return True
    return mode == "pretty" and char in _PRETTY_KEEP


def slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """``Jekyll::Utils.slugify``: ``"The _config.yml file"`` -> ``"the-config-yml-file"``."""
    if mode not in ("raw", "default", "pretty", "ascii", "latin"):
        return text if cased else text.lower()
    if mode == "latin":
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        mode = "default"
    out: list[str] = []
    for char in text:
        if _kept(char, mode):
            out.append(char)
        elif not out or out[-1] != "-" or _kept("-", mode):
            out.append("-")
    slug = re.sub(r"^-|-$", "", "".join(out))
    return slug if cased else slug.lower()


def style_template(permalink: str) -> str:
    """A permalink setting (a style name or a template) as a template."""
    return STYLES.get(permalink, permalink)


def with_suffix(template: str, style: str) -> str:
    """``add_permalink_suffix``: end a page's template as the site's style ends."""
    if style == "pretty":
        return template + "/"
    if style in ("date", "ordinal", "none"):
        return template + ":output_ext"
    if style.endswith("/"):
        template += "/"
    if style.endswith(":output_ext"):
        template += ":output_ext"
    return template


def post_placeholders(date: datetime, slug: str, name: str,
                      categories: tuple[str, ...]) -> dict[str, str]:
    """``Drops::UrlDrop`` of a post: ``slug`` is the front matter's or the file name's,
    ``name`` the file name without its extension."""
    unique = list(dict.fromkeys(c.lower() for c in categories))
    return {
        "collection": "posts",
        "name": slugify(name),
        "title": slugify(slug, "pretty", cased=True),
        "slug": slugify(slug),
        "categories": "/".join(unique),
        "slugified_categories": "/".join(dict.fromkeys(slugify(c) for c in categories)),
        "year": date.strftime("%Y"),
        "month": date.strftime("%m"),
        "day": date.strftime("%d"),
        "hour": date.strftime("%H"),
        "minute": date.strftime("%M"),
        "second": date.strftime("%S"),
        "i_day": str(date.day),
        "i_month": str(date.month),
        "short_month": date.strftime("%b"),
        "long_month": date.strftime("%B"),
        "short_year": date.strftime("%y"),
        "w_year": date.strftime("%G"),
        "week": date.strftime("%V"),
        "w_day": date.strftime("%u"),
        "short_day": date.strftime("%a"),
        "long_day": date.strftime("%A"),
        "y_day": date.strftime("%j"),
        "output_ext": ".html",
    }


def page_template(path: str, style: str) -> str:
    """``Page#template`` of a Markdown or HTML page at ``path`` (relative to the site)."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if stem == "index":
        return "/:path/"
    return with_suffix("/:path/:basename", style)


def page_placeholders(path: str) -> dict[str, str]:
    folder, _, name = path.rpartition("/")
    return {"path": "/" + folder if folder else "", "basename": name.rsplit(".", 1)[0].rstrip("."),
            "output_ext": ".html"}


def expand(template: str, values: dict[str, str]) -> str:
    """``URL#generate_url_from_drop`` then ``sanitize_url``: the URL as Jekyll links to it
    (escaped); raises ``KeyError`` naming a placeholder the template may not use."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        for key in (name, name.rstrip("_")):
            if key in values:
                suffix = name[len(key):]
                return escape_path(values[key]) + suffix
        raise KeyError(name)

    url = "/" + _PLACEHOLDER.sub(replace, template)
    url = url.replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", url)


def escape_path(path: str) -> str:
    """``URL.escape_path``: keep RFC 3986 path characters, percent-encode the rest."""
    if not path or _SAFE_PATH.match(path):
        return path
    return quote(path, safe="/!$&'()*+,;=:@-._~%").replace("#", "%23")


def unescape_path(url: str) -> str:
    return unquote(url) if "%" in url else url
