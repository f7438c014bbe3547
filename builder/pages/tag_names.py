"""Where a tag's (or a Jekyll category's) page lives, for any name an author gives a tag.

A tag is a name for people (``Machine Learning``, ``C++``, ``café``); its page needs a folder
name every file system takes and an address every static server answers. The folder is the
name in lower case (Unicode normalised, so ``café`` typed two ways is one tag) with spaces and
the characters file systems or URLs reserve (``/ \\ ? # % : * " < > |``) made hyphens:
``machine-learning``, ``c++``, ``café``. Links percent-encode it (``c%2B%2B``, ``caf%C3%A9``):
every static server decodes a path before it looks for the file, and an encoded ``+`` is
never taken for a space (as Amazon S3 takes a bare one). Names that come to the same folder
(``Machine Learning``, ``machine-learning``) are one tag.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import quote

_RESERVED = re.compile(r'[\s/\\?#%:*"<>|\x00-\x1f\x7f]+')


@functools.lru_cache(maxsize=4096)
def tag_folder(tag: str) -> str:
    """The tag page's folder name, as written on disk."""
    name = _RESERVED.sub("-", unicodedata.normalize("NFC", tag).lower())
    name = re.sub(r"-{2,}", "-", name).strip("-.")
    if not name:  # a name of punctuation only: still a page, named by its characters
        name = "tag-" + "-".join(f"{ord(c):x}" for c in tag.strip())[:60]
    return name


@functools.lru_cache(maxsize=4096)
def tag_url(tag: str) -> str:
    """The tag page's site-relative address, percent-encoded for links."""
    return f"tags/{quote(tag_folder(tag), safe='-._~')}/"
