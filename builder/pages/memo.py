"""Memos a preview server keeps from build to build: what is made per post, remembered by
the post's parse key (which fixes everything the post's metadata says), so that a rebuild
after one save does not make it again for every other post."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
_LIMIT = 100_000  # past any real site: a memo that grows beyond it is emptied


def remembered(memo: dict[Hashable, Any], key: Hashable, make: Callable[[], T]) -> T:
    """``memo[key]``, made on first use."""
    value = memo.get(key)
    if value is None:
        if len(memo) > _LIMIT:
            memo.clear()
        value = memo[key] = make()
    return value
