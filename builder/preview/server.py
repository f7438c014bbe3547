"""``build-site serve``: the preview server. Two loops, as in mkdocs: a build loop that
waits for quiet after file events and rebuilds, and a serving loop that only ever serves a
complete site (the writer swaps sites atomically) and keeps the last good one after an error,
showing that error in every page until the next good build.

Secure by default: loopback only unless told otherwise, an allow-list of files (regular
files whose real path is inside the output, no hidden ones), ``Host`` and ``Origin`` checks
against DNS rebinding and foreign pages, and a push-only reload channel.
"""

from __future__ import annotations

import errno
import json
import mimetypes
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from builder.build import (
    BuildOptions,
    BuildReport,
    BuildSession,
    build_site,
    not_built_summary,
    why_not_built,
)
from builder.config import CONFIG_FILE, Config
from builder.errors import BuildError, BuildWarning, describe, plural
from builder.figures.runner import WorkerPool
from builder.figures.stage import Progress
from builder.preview.files import resolve_request
from builder.preview.hosts import Hosts, allowed_hosts, is_loopback
from builder.preview.watch import EVERYTHING, ChangeSet, Watcher

EVENTS = "/__build-site/events"
SCRIPT = "/__build-site/preview.js"
_SCRIPT_FILE = Path(__file__).parent / "preview.js"
_MAX_CLIENTS = 64
_NOTE_STYLE = ("position:fixed;inset:0 0 auto 0;margin:0;padding:12px 16px;z-index:2147483647;"
               "background:#fff4c2;color:#3d3000;border-bottom:3px solid #e2b600;"
               "font:14px/1.5 system-ui,sans-serif")
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
        self.skipped: dict[str, str] = {}  # page of a post not built -> why, for its 404
        self.clients: set[queue.Queue[str]] = set()
        self.lock = threading.Lock()

    def not_built(self, request_path: str) -> str | None:
        """Why the page at ``request_path`` is not in the preview, if it is a draft's."""
        path = unquote(request_path).lstrip("/")
        for candidate in (path, path + "index.html", path.rstrip("/") + "/index.html"):
            if candidate in self.skipped:
                return self.skipped[candidate]
        return None

    def reload_config(self) -> bool:
        """Read ``site.toml`` (or ``_config.yml``) again after a save, so its changes show;
        a mistake in it is shown like a build error and the last good settings stay."""
        from builder.config import load_config

        try:
            fresh = load_config(self.config.root)
        except BuildError as error:
            self.error = describe(error)
            self.say(f"settings not applied: {self.error.splitlines()[0]}")
            self.broadcast(self.message())
            return False
        self.config = preview_config(fresh)
        pool = self.options.pool
        if pool is not None and pool.memory_mb != fresh.figures.memory_limit_mb:
            pool.close()  # its workers have the old memory limit
            pool = WorkerPool(self.options.jobs, fresh.figures.memory_limit_mb, fresh.root)
            self.options = replace(self.options, pool=pool)
        return True

    def message(self, changed: list[str] | None = None, everything: bool = False) -> str:
        return json.dumps({"build": self.build_number, "error": self.error,
                           "changed": changed or [], "everything": everything})

    def broadcast(self, text: str) -> None:
        with self.lock:
            for client in list(self.clients):
                client.put(text)

    def build(self, changed: set[str]) -> BuildReport | None:
        started = time.perf_counter()
        if (changed & _SETTINGS or EVERYTHING in changed) and not self.reload_config():
            return None
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
        skipped = {meta.output_file: why_not_built(meta) + ": start the preview with "
                   "--drafts to see it" for meta in report.skipped}
        if len(skipped) != len(self.skipped) and report.skipped:
            self.say(not_built_summary(report.skipped))
        self.skipped = skipped
        written = report.write.written + report.write.removed
        if written:
            self.build_number += 1
        what = ", ".join(sorted(changed)[:3]) + (" …" if len(changed) > 3 else "")
        self.say(
            f"rebuilt in {_ms(started)}" + (f" ({what} changed)" if changed else "")
            + f": parsed {report.parsed}, ran {plural(report.figures_ran, 'figure block')}, "
            f"wrote {plural(len(report.write.written), 'file')}, "
            f"removed {len(report.write.removed)}"
        )
        everything = any(p.startswith(("templates/", "static/")) or p in _SETTINGS
                         or p == EVERYTHING for p in changed)
        self.broadcast(self.message(written, everything))
        return report


_SETTINGS = frozenset({CONFIG_FILE, "_config.yml", "_config.yaml"})


def preview_config(config: Config) -> Config:
    """The settings a preview builds with: into ``.cache/preview/``, links at its root."""
    return replace(config, output_dir=str(config.root / ".cache" / "preview"),
                   links_at_root=True)


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def make_handler(preview: Preview, hosts: Hosts) -> type:
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
            note = preview.not_built(urlsplit(self.path).path)
            if note:  # a draft's address: say why it is not here, and how to see it
                marker = body.rfind(b"</body>")
                cut = marker if marker >= 0 else len(body)
                box = (f'<p id="build-site-note" role="status" style="{_NOTE_STYLE}">'
                       f"{escape(note)}</p>").encode()
                body = body[:cut] + box + body[cut:]
            self._send(404, body, _TYPES[".html"], head_only=head_only)

        def do_HEAD(self) -> None:
            self._answer(head_only=True)

        def do_GET(self) -> None:
            self._answer(head_only=False)

        def _answer(self, head_only: bool) -> None:
            if not hosts.host_ok(self.headers.get("Host", "")):
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
            if origin is not None and not hosts.origin_ok(origin):
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
    say: Callable[[str], None] = staticmethod(lambda _: None)

    def handle_error(self, request: object, client_address: object) -> None:
        """A tab closed or a client gave up mid-answer is ordinary: nothing to say. Anything
        else is one line, and the server serves on."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        self.say(f"error answering a request: {type(error).__name__}: {error}")


def listen(host: str, port: int) -> PreviewServer:
    """Take the port first, before any build: a busy port is one line, at once."""
    try:
        return PreviewServer((host, port), lambda *a: None)  # type: ignore[arg-type]
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            why = f"port {port} is in use (another preview, or another server?)"
        elif exc.errno == errno.EACCES:
            why = f"port {port} needs privileges to listen on"
        else:
            why = f"cannot listen on {host}:{port} ({exc.strerror or exc})"
        raise BuildError(f"{why}: choose another with --port (--port 0 takes any free one)",
                         "--port" if exc.errno in (errno.EADDRINUSE, errno.EACCES) else "--host",
                         ) from None


def serve(config: Config, host: str, port: int, drafts: bool, jobs: int,
          say: Callable[[str], None], ready: Callable[[str], None] | None = None,
          allow: tuple[str, ...] = (), progress: Progress | None = None) -> None:
    """Build, serve and rebuild on change until interrupted (Ctrl-C)."""
    server = listen(host, port)
    server.say = say
    config = preview_config(config)
    output = config.output_path
    session = BuildSession()
    options = BuildOptions(drafts=drafts, jobs=jobs, session=session, progress=progress,
                           pool=WorkerPool(jobs, config.figures.memory_limit_mb, config.root))
    preview = Preview(config, options, say)
    changes = ChangeSet(config)
    watcher = Watcher(changes, say)
    serving = False
    try:
        # The watcher starts after the first build (which then may fork its workers, as no
        # other thread runs yet); what was saved while that build ran is caught up with.
        first = time.time()
        report = preview.build(set())
        if report is None and not (output / "index.html").exists():
            say("the first build failed; serving its error until a save fixes it")
            output.mkdir(parents=True, exist_ok=True)
        watcher.start(report.figure_deps if report else ())
        watcher.catch_up(first)
        bound = server.server_address[1]
        server.RequestHandlerClass = make_handler(preview, allowed_hosts(host, bound, allow))
        local = host if is_loopback(host) else ("::1" if ":" in host else "127.0.0.1")
        url = f"http://{local if ':' not in local else f'[{local}]'}:{bound}/"
        threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
        serving = True
        say(f"serving {url} (Ctrl-C to stop)")
        if ready:
            ready(url)
        while True:
            changed = changes.take_when_quiet(quiet=0.008, longest=1.0)
            if EVERYTHING in changed:
                say(f"warning: file events were lost ({changes.lost_because}); "
                    "rebuilding from a full rescan")
            report = preview.build(changed)
            changes.configure(preview.config)
            watcher.watch_new_folders()
            if report is not None:
                watcher.watch_files(report.figure_deps)
    except KeyboardInterrupt:
        say("stopping")
    finally:
        watcher.stop()
        if serving:
            server.shutdown()
        server.server_close()
        if preview.options.pool is not None:
            preview.options.pool.close()
        if session.parse_cache is not None:
            session.parse_cache.save()
        if session.math_cache is not None:
            session.math_cache.save()
