"""The preview and the author's loop: settings that apply, saves that are not deletions,
hosts that are answered, clients that go away, ports that are taken, drafts that say why."""

from __future__ import annotations

import os
import pty
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, browser_page
from tests.conftest import Project
from tests.test_serve import POST, Server

PLAIN = "---\ntitle: Plain\n---\nA paragraph $x$.\n"


def until(condition: Callable[[], bool], within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the preview never got there")
        time.sleep(0.1)


def rebuilds(log: str) -> list[str]:
    return [line for line in log.splitlines() if " rebuilt in " in line]


def test_site_toml_edits_are_applied(project: Project) -> None:
    """Item 17: a save of site.toml rebuilds with the new settings, not the old ones."""
    for day in range(1, 4):
        project.post(f"2020-01-0{day}-p.md", PLAIN)
    server = Server(project)
    try:
        assert b"My technical blog" in server.request("/")[2]
        project.write("site.toml", 'title = "Renamed blog"\nper_page = 1\n')
        until(lambda: b"Renamed blog" in server.request("/")[2])
        assert server.request("/page/3/")[0] == 200
        project.write("site.toml", 'title = [broken\n')  # a mistake: shown, old settings kept
        until(lambda: b"site.toml:1: invalid TOML" in server.request("/")[2])
        assert b"Renamed blog" in server.request("/")[2]
    finally:
        log = server.stop()
    assert "Traceback" not in log


def test_a_save_through_a_missing_file_is_not_a_deletion(project: Project) -> None:
    """Item 19: rename away, write, rename back (the file missing for 30 ms each time) is
    a save, never a deleted page and a reload."""
    post = project.post("2020-01-01-p.md", PLAIN)
    server = Server(project)
    try:
        for n in range(5):
            aside = post.with_name(".2020-01-01-p.md.saving")
            os.rename(post, aside)
            time.sleep(0.03)
            aside.write_text(PLAIN.replace("A paragraph", f"Save {n}"))
            os.rename(aside, post)
            time.sleep(0.3)
        until(lambda: b"Save 4" in server.request("/2020/01/01/p/")[2])
    finally:
        log = server.stop()
    assert rebuilds(log), log
    assert all(line.endswith("removed 0") for line in rebuilds(log)), log


def test_temporary_files_are_not_changes(project: Project) -> None:
    """Item 24: the temporary file of `sed -i` or of a JetBrains editor, renamed onto the
    post, is not listed as a change."""
    post = project.post("2020-01-01-p.md", PLAIN)
    server = Server(project)
    try:
        for n, temporary in enumerate(("sedAbC123", "2020-01-01-p.md___jb_tmp___")):
            made = post.with_name(temporary)
            made.write_text(PLAIN.replace("A paragraph", f"Edit {n}"))
            os.rename(made, post)
            until(lambda n=n: f"Edit {n}".encode() in server.request("/2020/01/01/p/")[2])
            time.sleep(0.2)
    finally:
        log = server.stop()
    assert "sedAbC123" not in log and "jb_tmp" not in log, log
    assert "(posts/2020-01-01-p.md changed)" in log


def test_listening_on_all_addresses_answers_the_machines_addresses(project: Project) -> None:
    """Item 20: with --host 0.0.0.0, another machine asks by IP address (or by a name given
    with --allow-host) and is answered; names that are not allowed still get 403."""
    project.post("2020-01-01-p.md", PLAIN)
    server = Server(project, "--host", "0.0.0.0", "--allow-host", "blog.lan")
    port = server.port
    try:
        for host, status in ((f"192.168.7.20:{port}", 200), (f"[fe80::1]:{port}", 200),
                             (f"blog.lan:{port}", 200), (f"localhost:{port}", 200),
                             (f"evil.example:{port}", 403), (f"blog.lan.evil.example:{port}", 403),
                             ("192.168.7.20:1", 403)):
            assert server.request("/", {"Host": host})[0] == status, host
        assert server.request("/__build-site/events",
                              {"Origin": f"http://192.168.7.20:{port}"})[0] == 200
        assert server.request("/__build-site/events", {"Origin": "http://evil.example"})[0] == 403
    finally:
        log = server.stop()
    assert "--allow-host" in log  # the warning says how


def test_clients_that_go_away_print_nothing(project: Project) -> None:
    """Item 21: a tab closed mid-answer (a connection reset while a big file is sent) is
    ordinary: no traceback, and the server serves on."""
    project.post("2020-01-01-p.md", PLAIN)
    server = Server(project)
    try:
        for _ in range(30):
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                sock.sendall(f"GET /static/mathjax/tex-chtml.js HTTP/1.1\r\nHost: 127.0.0.1:"
                             f"{server.port}\r\n\r\n".encode())
                sock.recv(100)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        assert server.request("/")[0] == 200
    finally:
        log = server.stop()
    assert "Traceback" not in log and "Error" not in log, log


def test_a_busy_port_is_one_line_before_any_build(project: Project) -> None:
    """Item 21: the port is checked first: one line, exit 1, and no build made for nothing."""
    project.post("2020-01-01-p.md", PLAIN)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "builder", "serve", "--root", str(project.root), "--port",
             str(port)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"--port: port {port} is in use (another preview, or "
                                     "another server?): choose another with --port (--port 0 "
                                     "takes any free one)")
    assert not (project.root / ".cache/preview").exists()


def test_a_drafts_address_says_why_it_is_missing(project: Project) -> None:
    """Item 23: the preview says drafts were left out, and a draft's address says why."""
    project.post("2020-01-01-p.md", PLAIN)
    project.post("2020-01-02-d.md", "---\ntitle: Draft\ndraft: true\n---\nNot yet.\n")
    server = Server(project)
    try:
        status, _, body = server.request("/2020/01/02/d/")
        assert status == 404
        assert b"posts/2020-01-02-d.md is a draft, so it is not built: start the preview " \
               b"with --drafts to see it" in body
        assert b"is a draft" not in server.request("/nothing/here/")[2]
    finally:
        log = server.stop()
    assert "1 draft not built (use --drafts)" in log


def test_a_build_says_what_it_left_out(project: Project) -> None:
    """Item 23: drafts and future posts are not built silently."""
    project.post("2020-01-01-p.md", PLAIN)
    project.post("2020-01-02-d.md", "---\ntitle: Draft\ndraft: true\n---\nNot yet.\n")
    project.post("2999-01-01-f.md", "---\ntitle: Future\n---\nLater.\n")
    assert "1 draft and 1 future post not built (use --drafts)" in project.build().stderr
    assert "not built" not in project.build("--drafts").stderr


def test_the_preview_address_is_printed_once_on_a_terminal(project: Project) -> None:
    """Item 24: on a terminal the address is in the 'serving' line only, not twice."""
    project.post("2020-01-01-p.md", PLAIN)
    main, terminal = pty.openpty()
    server = subprocess.Popen([sys.executable, "-m", "builder", "serve", "--root",
                               str(project.root), "--port", "0"], stdin=subprocess.DEVNULL,
                              stdout=terminal, stderr=terminal)
    os.close(terminal)
    shown = b""
    try:
        while b"Ctrl-C to stop" not in shown:
            shown += os.read(main, 4096)
        time.sleep(0.5)
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(main)
        if server.poll() is None:
            server.kill()
    assert len(re.findall(rb"http://127\.0\.0\.1:\d+/", shown)) == 1, shown


@pytest.mark.parametrize(("toml", "where"), [("", "--out: "), ('output_dir = "posts"\n',
                                                               "site.toml:1: ")])
def test_an_output_folder_refusal_names_where_it_was_chosen(project: Project, toml: str,
                                                            where: str) -> None:
    """Item 24: the refusal names --out when that chose the folder, site.toml's line when
    that did (not 'site.toml:' when there is no site.toml)."""
    project.post("2020-01-01-p.md", PLAIN)
    if toml:
        project.write("site.toml", toml)
    stderr = project.fail(*(("--out", "posts") if not toml else ()))
    assert stderr.startswith(f"{where}output folder "), stderr


browser = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@browser
def test_a_caption_edit_keeps_the_new_figure(project: Project) -> None:
    """Item 16: edit a block's code (the image is swapped), then its caption (the figure's
    HTML is patched): the page shows the new image, not the one it first loaded."""
    text = POST.format(n=1).replace("#| echo: false", "#| echo: false\n#| fig-cap: First")
    post = project.post("2020-01-01-live.md", text)
    server = Server(project)
    try:
        with browser_page() as (page, errors, _failed, _blocked):
            page.goto(server.url + "/2020/01/01/live/")
            page.wait_for_function("document.querySelector('#fig-live img').naturalWidth > 0")
            first = page.evaluate("document.querySelector('#fig-live img').naturalWidth")
            text = text.replace("figsize=(2, 1)", "figsize=(3, 1)")
            post.write_text(text)
            page.wait_for_function(f"document.querySelector('#fig-live img').naturalWidth "
                                   f"!== {first} && document.querySelector('#fig-live img')"
                                   ".complete")
            wide = page.evaluate("document.querySelector('#fig-live img').naturalWidth")
            post.write_text(text.replace("fig-cap: First", "fig-cap: Second"))
            page.wait_for_function("document.querySelector('#fig-live figcaption')"
                                   ".innerText.includes('Second')")
            page.wait_for_function("document.querySelector('#fig-live img').complete")
            assert page.evaluate("document.querySelector('#fig-live img').naturalWidth") == wide
            assert not errors
    finally:
        server.stop()


@browser
def test_equation_numbers_stay_put_on_live_edits(project: Project) -> None:
    """Item 18: a post with a numbered align keeps (1), (2) however often it is edited."""
    text = ("---\ntitle: Numbers\n---\nIntro {n}.\n\n\\begin{{align}}\na &= b \\label{{eq:a}}\\\\\n"
            "c &= d\n\\end{{align}}\n\nSee \\eqref{{eq:a}}.\n\nOutro {n}.\n")
    post = project.post("2020-01-01-n.md", text.format(n=0))
    server = Server(project)
    try:
        with browser_page() as (page, errors, _failed, _blocked):
            page.goto(server.url + "/2020/01/01/n/")
            page.wait_for_selector("mjx-container")
            page.wait_for_function("document.querySelector('main').innerText.includes('(2)')")
            for n in range(1, 4):
                post.write_text(text.format(n=n))
                page.wait_for_function(
                    f"document.querySelector('main').innerText.includes('Outro {n}')")
                page.wait_for_function("document.querySelectorAll('mjx-container').length >= 2")
                time.sleep(0.3)  # MathJax finishing its pass
                shown = page.inner_text("main")
                assert "(1)" in shown and "(2)" in shown, shown
                assert "(3)" not in shown and "(4)" not in shown and "???" not in shown, shown
            assert not errors
    finally:
        server.stop()
