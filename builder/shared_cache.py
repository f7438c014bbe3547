"""A cache shared between machines: any fsspec location below the local ``.cache/``.

``[figures] cache = "s3://bucket/site"`` (or ``gs://``, ``az://``, a shared folder, an HTTP
store) names it. It holds the same content-addressed files as the local caches, under the
same names (``figures/entries/ab/<key>.json``, ``figures/objects/ab/<digest>.png``,
``math/entries/ab/<key>.json``), so a fresh CI machine finds what another machine made for
the same inputs. One store serves a whole build (figures, then math). Reads and writes go in
batches (one round trip for every entry a build wants, one for their images: fsspec's
``cat`` and ``put`` on a list run concurrently on S3, GCS and Azure), and everything read is
checked by its hash by the caller before it is used.

The store can never fail a build: the first thing that goes wrong with it (unreachable, no
permission, a missing fsspec package, a time limit) is one warning, and the build goes on
with the local cache alone. Credentials come only from the storage library's own
configuration (``AWS_*`` variables, ``~/.aws``, ``GOOGLE_APPLICATION_CREDENTIALS``, fsspec's
``FSSPEC_S3_*`` variables and config files): the URL may not carry any, and no message shows
the value of a variable that looks like a secret.
"""

from __future__ import annotations

import os
import posixpath
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from builder.errors import BuildWarning

if TYPE_CHECKING:
    from builder.config import Config

T = TypeVar("T")
_FIRST_CONTACT_S = 20.0  # the first request: a store that does not answer is given up on
_BATCH_S = 600.0  # any later batch of reads or writes
_CONCURRENT = 64  # requests in flight at once
_SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL|SIGNATURE|SAS", re.IGNORECASE)


def url_problem(url: str) -> str | None:
    """Why ``url`` may not name the shared cache (it carries credentials), or None."""
    last = url.split("::")[-1]  # fsspec's chained URLs: simplecache::s3://...
    parts = urlsplit(last)
    if parts.scheme and (parts.username or parts.password or "@" in parts.netloc):
        return ("credentials don't belong in site.toml: remove the user and password from the "
                "URL and give them to the storage library (environment variables or its "
                "configuration file)")
    if parts.query:
        return ("a query string may hold a signature or token: site.toml keeps none; give "
                "credentials to the storage library (environment variables or its "
                "configuration file)")
    return None


def scrub(text: str) -> str:
    """``text`` with the value of every environment variable named like a secret hidden."""
    for name, value in os.environ.items():
        if len(value) >= 6 and _SECRET_NAME.search(name) and value in text:
            text = text.replace(value, "***")
    return text


def _within(seconds: float, call: Callable[[], T]) -> T:
    """``call()``, or TimeoutError after ``seconds``: a store that hangs (a black-holed
    address, a stuck proxy) must not hang the build. The call is left behind in a daemon
    thread that ends with the process."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, name="shared-cache", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


class SharedStore:
    """One build's connection to the shared cache; dead for the rest of the build after its
    first failure (one warning says why)."""

    def __init__(self, url: str, root: Path, where: tuple[str, int | None] = ("site.toml", None),
                 ) -> None:
        self.url = url
        self.where = where
        self.warnings: list[BuildWarning] = []
        self.broken = False
        self._contacted = False
        self._fs: Any = None
        self._root = ""
        self._project = root
        self.fetched = 0  # files read from the store in this build
        self.pushed = 0  # files written to it

    def _connect(self) -> bool:
        if self.broken:
            return False
        if self._fs is None:
            try:
                import fsspec.core

                location = self.url
                if "://" not in location and "::" not in location:
                    location = str((self._project / location).resolve())  # a shared folder
                self._fs, self._root = fsspec.core.url_to_fs(location)
            except Exception as exc:  # a missing package (s3fs), an unknown protocol
                self._fail("cannot be opened", exc)
                return False
        return True

    def _fail(self, what: str, exc: BaseException) -> None:
        self.broken = True
        detail = scrub(" ".join(f"{type(exc).__name__}: {exc}".split()))[:300]
        self.warnings.append(BuildWarning(
            self.where[0], self.where[1],
            f"the shared figure cache {self.url} {what} ({detail}); this build uses the "
            "local cache only",
            "check the address and the storage library's credentials (environment or its "
            "configuration file)"))

    def _path(self, name: str) -> str:
        return posixpath.join(self._root, name) if self._root else name

    def _limit(self) -> float:
        return _BATCH_S if self._contacted else _FIRST_CONTACT_S

    def fetch(self, names: Iterable[str]) -> dict[str, bytes]:
        """The files of ``names`` the store has (names it lacks are left out)."""
        names = sorted(set(names))
        if not names or not self._connect():
            return {}
        paths = [self._path(name) for name in names]
        try:
            found = _within(self._limit(), lambda: self._get_all(paths))
        except Exception as exc:
            self._fail("could not be read", exc)
            return {}
        self._contacted = True
        got: dict[str, bytes] = {}
        for name, value in zip(names, found, strict=True):
            if isinstance(value, bytes):
                got[name] = value
            elif not isinstance(value, FileNotFoundError):
                self._fail("could not be read", value)
                return {}
        self.fetched += len(got)
        return got

    def _get_all(self, paths: list[str]) -> list[bytes | BaseException]:
        """Each file's bytes or what went wrong: a GET each, concurrently on an async store
        (S3, GCS, Azure, HTTP; fsspec's ``cat`` of a list would ask whether each exists
        first, twice the round trips), one after another on a folder."""
        from fsspec.asyn import AsyncFileSystem, sync

        if not isinstance(self._fs, AsyncFileSystem):
            found: list[bytes | BaseException] = []
            for path in paths:
                try:
                    found.append(self._fs.cat_file(path))
                except Exception as exc:
                    found.append(exc)
            return found
        fs = self._fs

        async def get_all() -> list[bytes | BaseException]:
            import asyncio

            gate = asyncio.Semaphore(_CONCURRENT)

            async def get(path: str) -> bytes:
                async with gate:
                    return await fs._cat_file(path)

            return await asyncio.gather(*(get(p) for p in paths), return_exceptions=True)

        return sync(fs.loop, get_all)

    def push(self, files: dict[str, Path], data: dict[str, bytes]) -> None:
        """Write ``files`` (name -> a local file) and then ``data`` (name -> bytes): images
        before the entries naming them, so a reader never meets an entry before its images
        (and if it does, the hash check makes that a miss)."""
        if not (files or data) or not self._connect():
            return
        try:
            if files:
                parents = sorted({posixpath.dirname(self._path(n)) for n in files})
                _within(self._limit(), lambda: self._put(parents, files))
                self._contacted = True
            if data:
                parents = sorted({posixpath.dirname(self._path(n)) for n in data})
                _within(self._limit(), lambda: self._pipe(parents, data))
                self._contacted = True
        except Exception as exc:
            self._fail("could not be written to", exc)
            return
        self.pushed += len(files) + len(data)

    def _mkdirs(self, parents: list[str]) -> None:
        if self._fs.protocol in ("file", "local") or "file" in self._fs.protocol:
            for parent in parents:  # object stores have no folders to make
                self._fs.makedirs(parent, exist_ok=True)

    def _put(self, parents: list[str], files: dict[str, Path]) -> None:
        self._mkdirs(parents)
        names = sorted(files)
        self._fs.put([str(files[n]) for n in names], [self._path(n) for n in names])

    def _pipe(self, parents: list[str], data: dict[str, bytes]) -> None:
        self._mkdirs(parents)
        self._fs.pipe({self._path(n): data[n] for n in sorted(data)})


def open_store(config: Config) -> SharedStore | None:
    """The store ``[figures] cache`` names, if any: nothing is imported or contacted until a
    stage first asks it for something."""
    from builder.config import CONFIG_FILE

    if not config.figures.cache:
        return None
    return SharedStore(config.figures.cache, config.root,
                       (CONFIG_FILE, config.figures.cache_line))
