"""A built site over HTTP on 127.0.0.1 with gzip for text, as real static hosts serve it
(Python's own server sends everything uncompressed, which no real reader gets)."""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

Transform = Callable[[str, bytes], bytes]  # (file path, its bytes) -> the bytes to serve

_TEXT = (".html", ".css", ".js", ".svg", ".xml", ".txt")


@contextmanager
def serve(site: Path, transform: Transform | None = None,
          keep_alive: bool = False) -> Iterator[str]:
    """Serve ``site``; ``transform`` may rewrite text files on their way out. ``keep_alive``:
    HTTP/1.1 connections a browser reuses, as every real host's (no new connection, so no
    extra round trip, per file)."""
    cache: dict[str, bytes] = {}

    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

        def log_message(self, *args: object) -> None:
            pass

        def send_head(self):  # type: ignore[no-untyped-def]
            path = self.translate_path(self.path)
            if Path(path).is_dir():
                path = str(Path(path) / "index.html")
            if not path.endswith(_TEXT) or "gzip" not in self.headers.get("Accept-Encoding", ""):
                return super().send_head()
            if path not in cache:
                try:
                    body = Path(path).read_bytes()
                except OSError:
                    return super().send_head()
                cache[path] = gzip.compress(transform(path, body) if transform else body, 6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(cache[path])))
            self.end_headers()
            return _Once(cache[path])

    handler = functools.partial(Handler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Once:
    """The body as the file object ``SimpleHTTPRequestHandler`` copies to the client."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, *_: object) -> bytes:
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass
