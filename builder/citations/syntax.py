"""Where a post cites: Pandoc's citation syntax read by markdown-it rules.

``[@a]``, ``[see @a, p. 3; @b]``, ``[-@a]`` (bracketed: each item a prefix, a key and a
suffix, items split by ``;``), ``@a`` in the text (the author named in the sentence),
``@a [p. 3]`` (with a locator after it) and ``@{a key}``. A key starts with a letter, digit
or ``_`` and may hold punctuation between word characters (Pandoc's ``citeKey``), so
``@lecun1998.`` ends a sentence and ``me@example.com`` is an address (an ``@`` after a word
character starts no citation). Quarto's cross-references (``@fig-x``, ``@tbl-x``,
``@eq-x``, ``@sec-x``) stay crossref.py's, and ``\\@`` is a plain ``@``. Code and math are
read by their own rules first.

The rules run only when the post has a bibliography (``env["citations"]``): without one,
every ``@`` is text, as it always was. The text of each citation is kept as written and
given to Pandoc, which reads its prefix, locator and suffix as it reads them in any Pandoc
document (so ``p. 3``, ``chap. 2``, ``pp. 33-35`` mean what they mean there).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from builder.markdown.crossref import is_reference_type

_KEY = r"(?:\{(?P<braced>[^{}\n]+)\}|(?P<plain>\w(?:\w|[:.#$%&\-+?<>~/](?=\w))*))"
_KEY_AT = re.compile("@" + _KEY)
# a bracketed item: prefix, an optional '-' (no author), '@key', suffix
_ITEM = re.compile(r"^(.*?)(?:^|(?<=\s))-?@" + _KEY + r"(.*)$", re.DOTALL)
_WORD_BEFORE = re.compile(r"[\w\\]")  # '@' after these starts no citation


def citations_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "citation_bracket", _bracket_rule)
    md.inline.ruler.push("citation", _in_text_rule)


def _key(match: re.Match[str]) -> str:
    return match.group("braced") or match.group("plain")


def _push(state: StateInline, start: int, end: int, keys: list[str]) -> None:
    token = state.push("citation", "", 0)
    token.content = state.src[start:end]
    token.meta["keys"] = keys


def _in_text_rule(state: StateInline, silent: bool) -> bool:
    """``@key``, or ``@key [p. 3]`` (a locator in brackets right after it)."""
    pos = state.pos
    if state.env.get("citations") is None or state.src[pos] != "@":
        return False
    if pos > 0 and _WORD_BEFORE.match(state.src[pos - 1]):
        return False
    match = _KEY_AT.match(state.src, pos)
    if not match or (match.group("plain") and is_reference_type(match.group("plain"))):
        return False
    end = match.end()
    suffix = _suffix_end(state, end)
    if suffix is not None:
        end = suffix
    if not silent:
        _push(state, pos, end, [_key(match)])
    state.pos = end
    return True


def _suffix_end(state: StateInline, pos: int) -> int | None:
    """Where ``@key [p. 3]``'s bracket ends: a bracket after one space at most, holding no
    citation, and not a link (``@a [text](url)``)."""
    start = pos + 1 if state.src.startswith(" [", pos) else pos
    if not state.src.startswith("[", start):
        return None
    end = _closing(state, start)
    if end is None or _KEY_AT.search(state.src, start, end):
        return None
    if state.src[end + 1 : end + 2] in ("(", "[", ":"):
        return None
    return end + 1


def _closing(state: StateInline, start: int) -> int | None:
    """The ``]`` closing the bracket at ``start`` (nested brackets counted, code spans and
    escapes skipped, as markdown-it reads a link's text)."""
    old = state.pos
    try:
        end = state.md.helpers.parseLinkLabel(state, start, True)
    finally:
        state.pos = old
    return end if end >= 0 else None


def _bracket_rule(state: StateInline, silent: bool) -> bool:
    """``[@a]``, ``[-@a]``, ``[see @a, p. 3; @b, and elsewhere]``: every ``;``-separated
    item must cite, else the brackets are text (or a link) as before."""
    pos = state.pos
    if state.env.get("citations") is None or state.src[pos] != "[":
        return False
    if state.src.find("@", pos) < 0:
        return False
    end = _closing(state, pos)
    if end is None or state.src.find("@", pos, end) < 0 \
            or state.src[end + 1 : end + 2] in ("(", "[", ":"):
        return False
    keys = []
    for item in state.src[pos + 1 : end].split(";"):
        match = _ITEM.match(item.strip())
        if match is None:
            return False
        label = _key(match)
        if match.group("plain") and is_reference_type(label):
            return False  # a cross-reference (crossref.py's), or a mix: left as written
        keys.append(label)
    if not silent:
        _push(state, pos, end + 1, keys)
    state.pos = end + 1
    return True


def nocite_keys(text: str) -> list[str]:
    """The keys of a ``nocite`` value ("@a, @b"), ``*`` for ``@*`` (every entry)."""
    return ["*" if match.group(0) == "@*" else _key(match)
            for match in re.finditer(r"@\*|" + _KEY_AT.pattern, text)]
