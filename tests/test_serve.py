"""The preview server, for real: started as a program, attacked over HTTP, watched in Chromium."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

from tests.browser import CHROMIUM, browser_page
from tests.conftest import Project
from tests.hostile.procs import descendants, snapshot, survivors

POST = """---
title: Live
---
First paragraph {n}.

```{{python}}
#| label: fig-live
#| echo: false
#| fig-crop: false  # the same size whatever is drawn: the swap keeps the scroll
import matplotlib.pyplot as plt
plt.figure(figsize=(2, 1)); plt.plot([0, {n}])
```

""" + "\n\n".join(f"Filler paragraph {i}. " * 20 for i in range(40)) + "\n\nLast words {n}.\n"


# Asks the kernel for SIGKILL when the test process goes (it outlives exec), then becomes
# ``python -m builder ...`` (no preexec_fn: forking with it is unsafe while threads run).
_DIE_WITH_PARENT = ("import ctypes, os, signal, sys; ctypes.CDLL(None).prctl(1, signal.SIGKILL);"
                    " os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")


class Server:
    """``build-site serve`` as a program. It dies with the test run even when pytest itself is
    killed (the kernel's parent-death signal), and a test that forgets to stop it, or fails
    before it does, has it killed when the test ends (``_servers_end_with_their_test``)."""

    running: ClassVar[list[Server]] = []

    def __init__(self, project: Project, *args: str) -> None:
        self.log = project.root.parent / "serve.log"
        self.process = subprocess.Popen(
            [sys.executable, "-c", _DIE_WITH_PARENT, "-m", "builder", "serve", "--root",
             str(project.root), "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=self.log.open("w"), text=True,
        )
        Server.running.append(self)
        line = self.process.stdout.readline().strip()  # type: ignore[union-attr]
        assert line.startswith("http://127.0.0.1:"), self.log.read_text()
        self.url = line.rstrip("/")
        self.port = urlsplit(line).port

    def request(self, path: str, headers: dict[str, str] | None = None,
                method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for key, value in ({"Host": f"127.0.0.1:{self.port}"} | (headers or {})).items():
            connection.putheader(key, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read() if response.getheader("Content-Type") != "text/event-stream" \
            else b""
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def stop(self) -> str:
        """Ctrl-C, then what the server printed (shown by pytest when a test failed). A server
        that does not stop within 20 s is killed, and the test fails saying so."""
        if self in Server.running:
            Server.running.remove(self)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("the server ignored Ctrl-C for 20 s:\n" +
                                     self.log.read_text()) from None
        log = self.log.read_text()
        print(log)
        return log


@pytest.fixture(autouse=True)
def _servers_end_with_their_test() -> Iterator[None]:
    yield
    while Server.running:
        left = Server.running.pop()
        if left.process.poll() is None:
            left.process.kill()
            left.process.wait()


@pytest.fixture
def server(project: Project) -> Iterator[Server]:
    project.post("2020-01-01-live.md", POST.format(n=1))
    running = Server(project)
    yield running
    running.stop()


# --- the server's defences ------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%252e%252e/etc/passwd",
    "/..%2f..%2fetc%2fpasswd", "/..\\..\\etc\\passwd", "/index.html%00.png", "//etc/passwd",
    "/.build-site", "/static/../../site.toml", "/%2e/index.html", "/leak", "/%ff%fe",
])
def test_traversal_and_hidden_files_are_404(server: Server, project: Project, path: str) -> None:
    (project.root / ".cache/preview/leak").symlink_to("/etc/hostname")
    status, headers, body = server.request(path)
    assert status == 404, path
    assert str(project.root).encode() not in body and b"/etc" not in body
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b"Page not found" in body  # the site's own 404 page


@pytest.mark.parametrize(("host", "status"), [
    ("evil.example", 403), ("127.0.0.1.evil.example", 403), ("localhost.evil", 403),
    ("localhost", 200), ("app.localhost", 200), ("[::1]", 200),
])
def test_host_header_guards_against_dns_rebinding(server: Server, host: str, status: int) -> None:
    assert server.request("/", {"Host": f"{host}:{server.port}"})[0] == status


def test_reload_channel_refuses_foreign_origins(server: Server) -> None:
    assert server.request("/__build-site/events", {"Origin": "https://evil.example"})[0] == 403
    status, headers, _ = server.request("/__build-site/events",
                                        {"Origin": f"http://127.0.0.1:{server.port}"})
    assert status == 200 and headers["content-type"] == "text/event-stream"


def test_types_caching_folders_and_injection(server: Server, project: Project) -> None:
    status, headers, body = server.request("/2020/01/01/live/")
    assert status == 200 and headers["cache-control"] == "no-store"
    assert b'<script src="/__build-site/preview.js"' in body
    assert b"preview.js" not in (project.root / ".cache/preview/2020/01/01/live/index.html") \
        .read_bytes()  # injected when served, never written
    assert server.request("/2020/01/01/live")[1]["location"] == "/2020/01/01/live/"
    assert server.request("/2020/01/01/live/fig-live.png")[1]["content-type"] == "image/png"
    assert server.request("/static/style.css")[1]["content-type"].startswith("text/css")
    assert server.request("/__build-site/preview.js")[1]["content-type"].startswith(
        "text/javascript")
    assert server.request("/robots.txt")[1]["content-type"].startswith("text/plain")
    assert server.request("/", method="HEAD")[0] == 200


def test_garbage_requests_get_4xx_and_the_server_lives(server: Server) -> None:
    for raw in (b"\x16\x03\x01garbage\r\n\r\n", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
                b"GET / HTTP/9.9\r\n\r\n", b"\xff\xfe\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(raw)
            answer = sock.recv(100)
            assert answer.startswith(b"HTTP/1."), answer
            assert answer[9:10] == b"4" or answer[9:12] == b"505", answer  # 505: HTTP/9.9
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    slow.sendall(b"GET / HT")  # and never finishes
    assert server.request("/")[0] == 200
    slow.close()


def test_ctrl_c_stops_cleanly_without_orphans(project: Project) -> None:
    """Only the server's own process tree is looked at: other builds run on this machine."""
    project.post("2020-01-01-live.md", POST.format(n=1))
    running = Server(project)
    below = snapshot(descendants(running.process.pid))
    assert below  # the warm figure worker and its keeper
    stderr = running.stop()
    assert running.process.returncode == 0, stderr
    assert "stopping" in stderr
    assert survivors(below, within=5) == []
    assert not list(project.root.glob(".cache/.preview.tmp-*"))


def test_preview_links_at_its_root_but_the_feed_keeps_the_public_address(
        project: Project) -> None:
    project.write("site.toml", 'base_url = "https://ex.org/blog/"\n')
    project.post("2020-01-01-plain.md", "---\ntitle: Plain\n---\nText.\n")
    running = Server(project)
    try:
        home = running.request("/")[2].decode()
        assert 'href="/2020/01/01/plain/"' in home and 'href="/feed.xml"' in home
        assert '<link rel="canonical" href="https://ex.org/blog/">' in home
        feed = running.request("/feed.xml")[2].decode()
        assert "<id>https://ex.org/blog/2020/01/01/plain/</id>" in feed
    finally:
        log = running.stop()
    assert "warning" not in log


# --- what the author sees ---------------------------------------------------------------

browser = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@browser
def test_saves_show_up_in_place(server: Server, project: Project) -> None:
    post = project.root / "posts/2020-01-01-live.md"
    with browser_page() as (page, errors, failed, blocked):
        page.goto(server.url + "/2020/01/01/live/")
        page.evaluate("window.marker = 'kept'")
        page.evaluate("window.scrollTo(0, 900)")
        image = page.locator("#fig-live img")
        first_src = image.get_attribute("src")

        post.write_text(POST.format(n=1).replace("Last words 1", "Last words edited"))
        page.wait_for_function("document.body.innerText.includes('Last words edited')")
        assert page.evaluate("window.marker") == "kept"  # no full reload
        assert page.evaluate("window.scrollY") == 900

        # only the figure's code: the page's HTML stays, the image is swapped in place
        post.write_text(POST.format(n=1).replace("Last words 1", "Last words edited")
                        .replace("plt.plot([0, 1])", "plt.plot([0, 5])"))
        page.wait_for_function(
            f"document.querySelector('#fig-live img').getAttribute('src') !== '{first_src}'")
        assert page.evaluate("window.marker") == "kept"
        assert page.evaluate("window.scrollY") == 900
        page.wait_for_function("document.querySelector('#fig-live img').naturalWidth > 0")
        assert not failed and not errors and not blocked


def test_a_save_during_the_first_build_is_built_next(project: Project) -> None:
    """The first build of a big site takes a while; a post saved meanwhile shows up without
    another save (the watcher starts before that build)."""
    project.post("2020-01-01-slow.md", "---\ntitle: Slow\n---\nA slow figure.\n\n"
                 "```{python}\nimport time\ntime.sleep(4)\n```\n")
    other = project.post("2020-01-02-other.md", "---\ntitle: Other\n---\nBefore the save.\n")
    saved = threading.Timer(1.5, lambda: other.write_text(
        "---\ntitle: Other\n---\nSaved during the first build.\n"))
    saved.start()
    running = Server(project)  # returns once the first build is done
    saved.join()
    deadline = time.monotonic() + 30
    body = b""
    while b"Saved during the first build." not in body and time.monotonic() < deadline:
        time.sleep(0.2)
        body = running.request("/2020/01/02/other/")[2]
    running.stop()
    assert b"Saved during the first build." in body


@browser
def test_errors_show_in_the_page_and_clear(server: Server, project: Project) -> None:
    post = project.root / "posts/2020-01-01-live.md"
    with browser_page() as (page, _errors, _failed, _blocked):
        page.goto(server.url + "/2020/01/01/live/")
        post.write_text("---\ntitle: [broken\n---\nBody.\n")
        page.wait_for_selector("#build-site-error")
        assert "posts/2020-01-01-live.md:2: front matter" in page.inner_text("#build-site-error")
        page.reload()  # a fresh load shows it too, over the last good page
        assert "posts/2020-01-01-live.md:2" in page.inner_text("#build-site-error")
        assert "First paragraph 1" in page.inner_text("main")

        post.write_text(POST.format(n=1).replace("plt.plot([0, 1])", "plt.plot([0, 1]); 1 / 0"))
        page.wait_for_function(
            "document.querySelector('#build-site-error')?.innerText.includes('ZeroDivisionError')")
        assert "posts/2020-01-01-live.md:11: ZeroDivisionError" in page.inner_text(
            "#build-site-error")

        post.write_text(POST.format(n=3))
        page.wait_for_function("!document.querySelector('#build-site-error')")
        page.wait_for_function("document.body.innerText.includes('First paragraph 3')")


@browser
def test_event_storm_ends_on_the_last_save(server: Server, project: Project) -> None:
    post = project.root / "posts/2020-01-01-live.md"
    with browser_page() as (page, _errors, _failed, _blocked):
        page.goto(server.url + "/2020/01/01/live/")
        text = POST.format(n=1)
        for i in range(300):
            swap = post.with_name(f".{post.name}.swp")
            swap.write_text(text.replace("Last words 1", f"Storm {i}"))
            os.replace(swap, post)  # an editor's atomic save
            (post.parent / "4913").write_text("")  # vim's probe file
            (post.parent / "4913").unlink()
        page.wait_for_function("document.body.innerText.includes('Storm 299')", timeout=30000)
    assert not (project.root / ".cache/preview/2020/01/01/4913").exists()


MATH = """---
title: Sums
---
""" + "\n\n".join(f"Filler paragraph {i}. " * 20 for i in range(30)) + """

Intro {n}, with $x_1 + x_2$ inline.

\\begin{{equation}}\\label{{eq:first}}
a = b
\\end{{equation}}
{extra}
As \\eqref{{eq:first}} and \\eqref{{eq:last}} say.

\\begin{{equation}}\\label{{eq:last}}
c = d
\\end{{equation}}
"""
# Equation numbers and references in page order, as a screen reader reads them (the
# typeset glyphs are drawn by CSS, so the hidden MathML holds the only text).
NUMBERS = "[...document.querySelectorAll('mjx-assistive-mml mtext')]" \
    ".map(e => e.textContent).filter(t => /^\\(\\d\\)$/.test(t))"


@browser
def test_math_arrives_typeset_and_numbered_in_place(project: Project) -> None:
    """The preview typesets math when it builds: a prose edit and a new numbered equation
    with a glyph no formula used before both patch the open page (no reload, scroll kept),
    every number and reference as in the built site, no MathJax in the browser."""
    post = project.post("2020-01-01-sums.md", MATH.format(n=1, extra=""))
    server = Server(project)
    try:
        with browser_page() as (page, errors, failed, blocked):
            page.goto(server.url + "/2020/01/01/sums/")
            assert page.evaluate("!window.MathJax")
            assert page.locator("mjx-container").count() == 5
            assert page.evaluate(NUMBERS) == ["(1)", "(1)", "(2)", "(2)"]
            page.evaluate("window.marker = 'kept'; window.scrollTo(0, 900)")

            post.write_text(MATH.format(n=2, extra=""))
            page.wait_for_function("document.body.innerText.includes('Intro 2')")
            assert page.evaluate("[window.marker, window.scrollY]") == ["kept", 900]
            assert page.locator("mjx-container").count() == 5
            assert page.evaluate(NUMBERS) == ["(1)", "(1)", "(2)", "(2)"]

            extra = "\n\\begin{equation}\\mathfrak{g} = \\mathbb{Z}\\end{equation}\n"
            post.write_text(MATH.format(n=2, extra=extra))
            page.wait_for_function("document.querySelectorAll('mjx-container').length === 6")
            assert page.evaluate("[window.marker, window.scrollY]") == ["kept", 900]
            # the new equation is (2): the last one is (3), and so is its reference
            assert page.evaluate(NUMBERS) == ["(1)", "(2)", "(1)", "(3)", "(3)"]
            page.evaluate("document.fonts.ready.then(() => 1)")
            assert page.evaluate("[...document.fonts].filter(f => f.status === 'loaded')"
                                 ".map(f => f.family).includes('MJXTEX-FR')")  # Fraktur
            assert "\\(" not in page.inner_text("main") and "\\begin" not in page.inner_text(
                "main")
            assert not failed and not errors and not blocked
    finally:
        server.stop()
