"""Headless Chromium (Debian's) driven by Playwright, against a site served on 127.0.0.1.

Every request that would leave 127.0.0.1 is blocked, so a page that works here works offline.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run",
        # Nothing leaves 127.0.0.1: other names don't resolve, and any other address goes to
        # a proxy that isn't there. (Playwright's request routing would do it too, but it
        # buffers intercepted responses whole, which breaks the preview's event stream.)
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1"]


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """A plain static server for a built site (the preview server has its own tests)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


@contextlib.contextmanager
def browser_page(javascript: bool = True
                 ) -> Iterator[tuple[object, list[str], list[str], list[str]]]:
    """Yield (page, console errors, failed local requests, attempted outside requests)."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    failed: list[str] = []
    blocked: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900},
                                      java_script_enabled=javascript)

        page = context.new_page()
        page.on("request", lambda r: None if is_local(r.url) else blocked.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
                if r.status >= 400 else None)
        try:
            yield page, errors, failed, blocked
        finally:
            browser.close()
