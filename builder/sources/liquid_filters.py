"""Jekyll's Liquid filters (``lib/jekyll/filters.rb``, ``filters/url_filters.rb``,
``filters/date_filters.rb``, ``filters/grouping_filters.rb``) over python-liquid's standard
ones. Each takes the value and arguments Jekyll's does and answers as Jekyll 4.3 answers.

URL filters read the site's base path from the render context (``JEKYLL``), so the preview,
which serves the site at ``/``, links correctly too.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from liquid import Environment, RenderContext
from liquid.filter import with_context
from liquid.undefined import is_undefined

from builder.sources.permalinks import slugify as jekyll_slugify

JEKYLL = "\0jekyll"  # the render context's key for the build's Jekyll state (not a variable)


def _base(context: RenderContext) -> tuple[str, str]:
    state = context.globals[JEKYLL]
    return state.base_path.rstrip("/"), state.site_url.rstrip("/")


def _url_of(value: object) -> str:
    if isinstance(value, dict) and "url" in value:
        value = value["url"]
    return "" if value is None or is_undefined(value) else str(value)


@with_context
def relative_url(value: object, *, context: RenderContext) -> str:
    url = _url_of(value)
    if urlsplit(url).scheme:
        return url
    base, _ = _base(context)
    parts = [p if not p or p.startswith("/") else "/" + p for p in (base, url)]
    return quote("".join(parts), safe="/!$&'()*+,;=:@-._~%#?")


@with_context
def absolute_url(value: object, *, context: RenderContext) -> str:
    url = _url_of(value)
    if urlsplit(url).scheme:
        return url
    _, site = _base(context)
    return site + relative_url(value, context=context)


def _time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        except ValueError:
            return None
    return None


def _ordinal(day: int) -> str:
    if 11 <= day <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _stringify(value: object, month: str, kind: object, style: object) -> object:
    when = _time(value)
    if when is None:
        return value
    if kind == "ordinal":
        day = f"{when.day}{_ordinal(when.day)}"
        if style == "US":
            return when.strftime(f"{month} {day}, %Y")
        return when.strftime(f"{day} {month} %Y")
    return when.strftime(f"%d {month} %Y")


def date_to_string(value: object, kind: object = None, style: object = None) -> object:
    return _stringify(value, "%b", kind, style)


def date_to_long_string(value: object, kind: object = None, style: object = None) -> object:
    return _stringify(value, "%B", kind, style)


def date_to_xmlschema(value: object) -> object:
    when = _time(value)
    return when.isoformat() if when else value


def date_to_rfc822(value: object) -> object:
    when = _time(value)
    return when.strftime("%a, %d %b %Y %H:%M:%S %z") if when else value


def xml_escape(value: object) -> str:
    return "" if value is None or is_undefined(value) else html.escape(str(value))


def cgi_escape(value: object) -> str:
    return quote_plus(str(value), safe="*")


def uri_escape(value: object) -> str:
    return quote(str(value), safe="/!$&'()*+,;=:@-._~%#?")


def normalize_whitespace(value: object) -> str:
    return re.sub(r"\s+", " ", str(value)).strip()


def number_of_words(value: object, mode: object = None) -> int:
    return len(str(value).split())


def array_to_sentence_string(value: object, connector: object = "and") -> str:
    items = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    if len(items) < 3:
        return f" {connector} ".join(items)
    return f"{', '.join(items[:-1])}, {connector} {items[-1]}"


def jsonify(value: object) -> str:
    return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))


def slugify(value: object, mode: object = None) -> str:
    return jekyll_slugify(str(value), str(mode) if mode else "default")


def _property(item: object, name: str) -> object:
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def where(value: object, prop: object, target: object) -> object:
    if not isinstance(value, (list, tuple, dict)) or not prop:
        return value
    items = list(value.values()) if isinstance(value, dict) else list(value)

    def matches(found: object) -> bool:
        if isinstance(found, (list, tuple)):
            return any(str(f) == str(target) for f in found)
        return str(found) == str(target) if found is not None else target in (None, "")

    return [item for item in items if matches(_property(item, str(prop)))]


def group_by(value: object, prop: object) -> object:
    if not isinstance(value, (list, tuple)):
        return value
    groups: dict[str, list[object]] = {}
    for item in value:
        groups.setdefault(str(_property(item, str(prop)) or ""), []).append(item)
    return [{"name": name, "items": items, "size": len(items)} for name, items in groups.items()]


def sort(value: object, prop: object = None, nils: object = "first") -> object:
    if not isinstance(value, (list, tuple)):
        return value
    if prop is None:
        return sorted(value, key=lambda v: (str(type(v)), v))
    present = [v for v in value if _property(v, str(prop)) is not None]
    absent = [v for v in value if _property(v, str(prop)) is None]
    ordered = sorted(present, key=lambda v: _property(v, str(prop)))  # type: ignore[arg-type, return-value]
    return absent + ordered if nils == "first" else ordered + absent


def to_integer(value: object) -> int:
    if value is True or value is False:
        return int(value)
    try:
        return int(float(str(value)))
    except ValueError:
        return 0


def inspect(value: object) -> str:
    return repr(value)


def push(value: object, item: object) -> list[object]:
    return [*value, item] if isinstance(value, (list, tuple)) else [item]


def pop(value: object, count: object = 1) -> list[object]:
    items = list(value) if isinstance(value, (list, tuple)) else []
    return items[: max(0, len(items) - to_integer(count))]


def shift(value: object, count: object = 1) -> list[object]:
    items = list(value) if isinstance(value, (list, tuple)) else []
    return items[to_integer(count):]


def unshift(value: object, item: object) -> list[object]:
    return [item, *value] if isinstance(value, (list, tuple)) else [item]


@with_context
def markdownify(value: object, *, context: RenderContext) -> str:
    """Markdown to HTML in the site's dialect (kramdown's, usually)."""
    from builder.markdown.parser import make_markdown

    dialect, dollars = context.globals[JEKYLL].markdown
    return make_markdown(dialect, dollars).render(str(value), {
        "path": "", "body_line": 1, "blocks": [], "lines": str(value).split("\n"),
        "warn": lambda _: None})


def smartify(value: object) -> str:
    text = str(value)
    for plain, curly in (("---", "\u2014"), ("--", "\u2013"), ("...", "\u2026")):
        text = text.replace(plain, curly)
    text = re.sub(r"(^|[\s(\[{])\"", "\\1\u201c", text).replace('"', "\u201d")
    return re.sub(r"(^|[\s(\[{])'", "\\1\u2018", text).replace("'", "\u2019")


FILTERS: dict[str, Callable[..., Any]] = {
    "relative_url": relative_url, "absolute_url": absolute_url,
    "date_to_string": date_to_string, "date_to_long_string": date_to_long_string,
    "date_to_xmlschema": date_to_xmlschema, "date_to_rfc822": date_to_rfc822,
    "xml_escape": xml_escape, "cgi_escape": cgi_escape, "uri_escape": uri_escape,
    "normalize_whitespace": normalize_whitespace, "number_of_words": number_of_words,
    "array_to_sentence_string": array_to_sentence_string, "jsonify": jsonify,
    "slugify": slugify, "where": where, "group_by": group_by, "sort": sort,
    "to_integer": to_integer, "inspect": inspect, "push": push, "pop": pop, "shift": shift,
    "unshift": unshift, "markdownify": markdownify, "smartify": smartify,
}


def add_jekyll_filters(env: Environment) -> None:
    for name, function in FILTERS.items():
        env.add_filter(name, function)
