"""``build-site serve``: the preview server. Two loops, as in mkdocs: a build loop that
waits for quiet after file events and rebuilds, and a serving loop that only ever serves a
complete site (the writer swaps sites atomically) and keeps the last good one after an error,
showing that error in every page until the next good build.

Secure by default: loopback only unless told otherwise, an allow-list of files (regular
files whose real path is inside the output, no hidden ones), ``Host`` and ``Origin`` checks
against DNS rebinding and foreign pages, and a push-only reload channel.
"""

from __future__ import annotations

import json
import mimetypes
import os
import queue
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from builder.build import BuildOptions, BuildReport, BuildSession, build_site
from builder.config import Config
from builder.errors import BuildError, BuildWarning, describe
from builder.figures.runner import WorkerPool
from builder.preview.watch import EVERYTHING, ChangeSet, Watcher

EVENTS = "/__build-site/events"
SCRIPT = "/__build-site/preview.js"
_SCRIPT_FILE = Path(__file__).parent / "preview.js"
_MAX_CLIENTS = 64
_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".json": "application/json",
    ".xml": "application/xml; charset=utf-8", ".svg": "image/svg+xml", ".gif": "image/gif",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
    ".woff": "font/woff", ".woff2": "font/woff2", ".otf": "font/otf", ".ttf": "font/ttf",
    ".txt": "text/plain; charset=utf-8", ".ico": "image/x-icon",
}


class Preview:
    """The state both loops share: the build number, the last error, the listening clients."""

    def __init__(self, config: Config, options: BuildOptions, say: Callable[[str], None]) -> None:
        self.config = config
        self.options = options
        self.say = say
        self.build_number = 0
        self.error: str | None = None
        self.warned: set[BuildWarning] = set()  # said after the last build: not said again
        self.clients: set[queue.Queue[str]] = set()
        self.lock = threading.Lock()

    def message(self, changed: list[str] | None = None, everything: bool = False) -> str:
        return json.dumps({"build": self.build_number, "error": self.error,
                           "changed": changed or [], "everything": everything})

    def broadcast(self, text: str) -> None:
        with self.lock:
            for client in list(self.clients):
                client.put(text)

    def build(self, changed: set[str]) -> BuildReport | None:
        started = time.perf_counter()
        try:
            report = build_site(self.config, self.options)
        except BuildError as error:
            self.error = describe(error)
            self.say(f"build failed after {_ms(started)}: {self.error.splitlines()[0]}")
            self.broadcast(self.message())
            return None
        self.error = None
        for warning in report.warnings:
            if warning not in self.warned:
                self.say(str(warning))
        self.warned = set(report.warnings)
        written = report.write.written + report.write.removed
        if written:
            self.build_number += 1
        what = ", ".join(sorted(changed)[:3]) + (" …" if len(changed) > 3 else "")
        self.say(
            f"rebuilt in {_ms(started)}" + (f" ({what} changed)" if changed else "")
            + f": parsed {report.parsed}, ran {report.figures_ran} figure blocks, "
            f"wrote {len(report.write.written)} files, removed {len(report.write.removed)}"
        )
        everything = any(p.startswith(("templates/", "static/")) or p in ("site.toml", EVERYTHING)
                         for p in changed)
        self.broadcast(self.message(written, everything))
        return report


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def allowed_hosts(bind: str, port: int) -> tuple[set[str], set[str]]:
    """Host names this server answers to, and the origins its reload channel accepts."""
    names = {"localhost", "127.0.0.1", "[::1]", bind if ":" not in bind else f"[{bind}]"}
    hosts = names | {f"{n}:{port}" for n in names}
    origins = {f"http://{n}:{port}" for n in names} | {f"http://{n}" for n in names}
    return hosts, origins


def host_ok(host: str, hosts: set[str]) -> bool:
    host = host.strip().lower()
    if host in hosts:
        return True
    name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    name = name or host
    return name.endswith(".localhost") and (not port or f"localhost:{port}" in hosts)


def resolve_request(output: Path, raw: str) -> tuple[Path | None, str | None]:
    """Map a request path to a file inside ``output``: (file, None), (None, redirect) or
    (None, None) for 404. Nothing is read before every check has passed."""
    path = urlsplit(raw).path if raw.startswith("/") else ""
    if not path or path.startswith("//") or "\\" in path or "\x00" in path or len(raw) > 2048:
        return None, None
    try:
        decoded = unquote(path, errors="strict") if "%" in path else path
    except UnicodeDecodeError:
        return None, None
    if "\\" in decoded or "\x00" in decoded or "%" in decoded:
        return None, None  # double encoding or hidden separators: never a file of ours
    parts = [p for p in decoded.split("/") if p]
    if any(p in (".", "..") or p.startswith(".") for p in parts):
        return None, None
    target = output.joinpath(*parts)
    try:
        real = Path(os.path.realpath(target))
        root = Path(os.path.realpath(output))
        if not real.is_relative_to(root):
            return None, None
        mode = os.stat(real).st_mode
    except (OSError, ValueError):
        return None, None
    if stat.S_ISDIR(mode):
        if not decoded.endswith("/"):
            return None, quote("/" + "/".join(parts) + "/")
        index = real / "index.html"
        try:
            if stat.S_ISREG(os.stat(index).st_mode):
                return index, None
        except OSError:
            pass
        return None, None
    return (real, None) if stat.S_ISREG(mode) else (None, None)


def make_handler(preview: Preview, hosts: set[str], origins: set[str]) -> type:
    output = preview.config.output_path
    script = _SCRIPT_FILE.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        server_version = "build-site"
        sys_version = ""
        timeout = 15  # a slow or silent client lets go of its thread
        protocol_version = "HTTP/1.1"
        default_request_version = "HTTP/1.0"  # garbage gets a real status line, not HTTP/0.9
        error_content_type = "text/plain; charset=utf-8"
        error_message_format = "%(code)d %(message)s\n"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str, extra: dict[str, str] | None = None,
                  head_only: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if not head_only:
                self.wfile.write(body)

        def _page(self, data: bytes) -> bytes:
            # the script draws the error overlay, on load as on every later message
            error = f' data-error="{escape(preview.error, quote=True)}"' if preview.error else ""
            tag = (f'<script src="{SCRIPT}" data-build="{preview.build_number}"{error} defer>'
                   "</script>")
            marker = data.rfind(b"</body>")
            cut = marker if marker >= 0 else len(data)
            return data[:cut] + tag.encode() + data[cut:]

        def _not_found(self, head_only: bool) -> None:
            page = output / "404.html"
            try:
                body = self._page(page.read_bytes())
            except OSError:
                body = b"<!doctype html><title>Not found</title><h1>Not found</h1>"
            self._send(404, body, _TYPES[".html"], head_only=head_only)

        def do_HEAD(self) -> None:
            self._answer(head_only=True)

        def do_GET(self) -> None:
            self._answer(head_only=False)

        def _answer(self, head_only: bool) -> None:
            if not host_ok(self.headers.get("Host", ""), hosts):
                self._send(403, b"Forbidden: unknown Host header\n", "text/plain",
                           head_only=head_only)
                return
            path = urlsplit(self.path).path
            if path == EVENTS:
                self._events()
                return
            if path == SCRIPT:
                self._send(200, script, _TYPES[".js"], head_only=head_only)
                return
            file, redirect = resolve_request(output, self.path)
            if redirect:
                self._send(301, b"", "text/plain", {"Location": redirect}, head_only)
                return
            if file is None:
                self._not_found(head_only)
                return
            try:
                data = file.read_bytes()
            except OSError:
                self._not_found(head_only)
                return
            kind = _TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0] \
                or "application/octet-stream"
            if file.suffix == ".html":
                data = self._page(data)
            self._send(200, data, kind, head_only=head_only)

        def _events(self) -> None:
            origin = self.headers.get("Origin")
            if origin is not None and origin.lower() not in origins:
                self._send(403, b"Forbidden: foreign origin\n", "text/plain")
                return
            with preview.lock:
                if len(preview.clients) >= _MAX_CLIENTS:
                    self._send(503, b"Too many listeners\n", "text/plain", {"Retry-After": "5"})
                    return
                inbox: queue.Queue[str] = queue.Queue()
                preview.clients.add(inbox)
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                self.wfile.write(f"retry: 1000\ndata: {preview.message()}\n\n".encode())
                self.wfile.flush()
                while True:
                    try:
                        text = inbox.get(timeout=10)
                        self.wfile.write(f"data: {text}\n\n".encode())
                    except queue.Empty:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (OSError, ValueError):
                pass  # the tab went away
            finally:
                with preview.lock:
                    preview.clients.discard(inbox)

    return Handler


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


def serve(config: Config, host: str, port: int, drafts: bool, jobs: int,
          say: Callable[[str], None], ready: Callable[[str], None] | None = None) -> None:
    """Build, serve and rebuild on change until interrupted (Ctrl-C)."""
    output = config.root / ".cache" / "preview"
    config = replace(config, output_dir=str(output), links_at_root=True)
    pool = WorkerPool(jobs, config.figures.memory_limit_mb, config.root)
    session = BuildSession()
    options = BuildOptions(drafts=drafts, jobs=jobs, pool=pool, session=session)
    preview = Preview(config, options, say)
    changes = ChangeSet(config)
    watcher = Watcher(changes, say)
    server: PreviewServer | None = None
    try:
        report = preview.build(set())
        if report is None and not (output / "index.html").exists():
            say("the first build failed; serving its error until a save fixes it")
            output.mkdir(parents=True, exist_ok=True)
        watcher.start(report.figure_deps if report else ())
        server = PreviewServer((host, port), lambda *a: None)  # type: ignore[arg-type]
        hosts, origins = allowed_hosts(host, server.server_address[1])
        server.RequestHandlerClass = make_handler(preview, hosts, origins)
        url = f"http://{host if ':' not in host else f'[{host}]'}:{server.server_address[1]}/"
        threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
        say(f"serving {url} (Ctrl-C to stop)")
        if ready:
            ready(url)
        while True:
            changed = changes.take_when_quiet(quiet=0.008, longest=1.0)
            if EVERYTHING in changed:
                say(f"warning: file events were lost ({changes.lost_because}); "
                    "rebuilding from a full rescan")
            report = preview.build(changed)
            watcher.watch_new_folders()
            if report is not None:
                watcher.watch_files(report.figure_deps)
    except KeyboardInterrupt:
        say("stopping")
    finally:
        watcher.stop()
        if server is not None:
            server.shutdown()
            server.server_close()
        pool.close()
        if session.parse_cache is not None:
            session.parse_cache.save()

