"""The preview server with Quarto's kinds of posts: ``.qmd`` files and posts that are
folders, made and edited while it serves."""

from __future__ import annotations

import time

from tests.conftest import Project
from tests.test_serve import Server


def wait_for(server: Server, path: str, text: bytes = b"", timeout: float = 60) -> bytes:
    """The body of ``path`` once the preview serves it (holding ``text``)."""
    deadline = time.monotonic() + timeout
    while True:
        status, _, body = server.request(path)
        if status == 200 and text in body:
            return body
        assert time.monotonic() < deadline, (path, status, body[-2000:])
        time.sleep(0.1)


def test_qmd_files_and_post_folders_show_up_and_follow_edits(project: Project) -> None:
    project.post("2020-01-01-first.md", "---\ntitle: First\n---\nText.\n")
    server = Server(project)
    try:
        wait_for(server, "/2020/01/01/first/")
        project.post("2021-04-02-document.qmd", "---\ntitle: A document\n---\nFrom a qmd.\n")
        wait_for(server, "/2021/04/02/document/", b"From a qmd.")

        # a post folder made while serving: its index, then its data and an image
        folder = project.root / "posts/2021-04-01-bundle"
        project.write("posts/2021-04-01-bundle/data.csv", "1\n2\n")
        project.post("2021-04-01-bundle/index.qmd", """\
            ---
            title: A folder
            ---
            ```{python}
            import numpy as np
            print("total", np.loadtxt("data.csv").sum())
            ```

            ![A picture](images/picture.svg)
            """)
        wait_for(server, "/2021/04/01/bundle/", b"total 3.0")
        project.write("posts/2021-04-01-bundle/images/picture.svg",
                      '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>\n')
        assert b"<svg" in wait_for(server, "/2021/04/01/bundle/images/picture.svg")

        (folder / "data.csv").write_text("1\n2\n4\n")  # the block's data: it runs again
        wait_for(server, "/2021/04/01/bundle/", b"total 7.0")
        (folder / "images/picture.svg").unlink()
        deadline = time.monotonic() + 60
        while server.request("/2021/04/01/bundle/images/picture.svg")[0] != 404:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        try:
            log = server.stop()
        finally:  # a server that did not obey Ctrl-C must not outlive the test
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait()
    assert "Traceback" not in log
