"""From saving a file to seeing the change in the browser, with `build-site serve`.

    python -m benchmarks.preview_latency [--edits 20] [--posts 1000 ...] [--skip-mkdocs]
    python -m benchmarks.preview_latency --corpus-only --posts 1000 10000 [--no-search]

Measured in headless Chromium over N edits, p50 and p95: a prose edit of the flagship post
(text in the DOM), the same on sites of many synthetic posts (one per ``--posts`` size, so
the growth shows), an edit of one figure block (new image loaded), and `mkdocs serve` on
the same Markdown for a ratio. ``--corpus-only`` measures the synthetic sites alone;
``--no-search`` builds them with ``search = false``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.corpus import published_middle, write_corpus
from benchmarks.measure import precompile
from tests.browser import browser_page

REPO = Path(__file__).resolve().parents[1]
WORK = Path(__file__).parent / ".work" / "preview"
FLAGSHIP = "posts/2016-11-27-cnns-from-an-image-processing-perspective.md"


def _start(command: list[str], cwd: Path, ready: Callable[[str], str | None]) -> tuple:
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:  # type: ignore[union-attr]
        url = ready(line)
        if url:
            return process, url
    raise RuntimeError(f"{command[0]} did not start")


def _measure(url: str, path: Path, edits: int, edit: Callable[[str, int], str],
             done: Callable[[int], str], prepare: str = "") -> list[float]:
    times: list[float] = []
    print(f"measuring {url} ({edits} edits)", file=sys.stderr)
    with browser_page() as (page, _errors, _failed, _blocked):
        page.goto(url)
        page.wait_for_load_state("load")
        time.sleep(1)  # let the reload channel connect
        original = path.read_text(encoding="utf-8")
        for i in range(edits):
            time.sleep(0.4)  # let the previous rebuild settle, as between two saves
            if prepare:
                page.evaluate(prepare)
            started = time.perf_counter()
            path.write_text(edit(original, i), encoding="utf-8")
            page.wait_for_function(done(i), polling=5, timeout=60_000)
            times.append(time.perf_counter() - started)
        path.write_text(original, encoding="utf-8")
    return times


def _report(name: str, times: list[float], baseline: list[float] | None = None) -> None:
    p50 = statistics.median(times) * 1000
    p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)] * 1000
    ratio = ""
    if baseline:
        ratio = f"  ({statistics.median(baseline) / statistics.median(times):.1f}x faster)"
    print(f"  {name:<52} p50 {p50:7.0f} ms   p95 {p95:7.0f} ms{ratio}")


def _prose(original: str, i: int) -> str:
    return original.replace("For now, what is worth", f"For now, marker{i}x, what is worth", 1)


def _serve(root: Path) -> tuple:
    tool = str(Path(sys.executable).parent / "build-site")
    return _start([tool, "serve", "--port", "0"], root,
                  lambda line: line.strip() if line.startswith("http://") else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--posts", type=int, nargs="+", default=[1000])
    parser.add_argument("--skip-mkdocs", action="store_true")
    parser.add_argument("--corpus-only", action="store_true",
                        help="only the synthetic sites: no flagship, no mkdocs")
    parser.add_argument("--no-search", action="store_true", help="search = false")
    args = parser.parse_args()
    precompile()
    shutil.rmtree(WORK, ignore_errors=True)
    results: dict[str, list[float]] = {}
    if not args.corpus_only:
        _flagship(args.edits, results)
    for count in args.posts:
        results[f"corpus {count}"] = _corpus(count, args.edits, args.no_search)
    if not (args.skip_mkdocs or args.corpus_only):
        results["mkdocs prose"] = _mkdocs(args.edits)

    print(f"save -> browser, {args.edits} edits each, 2 cores")
    mk = results.get("mkdocs prose")
    if mk:
        _report("mkdocs serve, flagship post prose edit", mk)
    if "flagship prose" in results:
        _report("build-site serve, flagship post prose edit", results["flagship prose"], mk)
    for count in args.posts:
        _report(f"build-site serve, {count}-post site prose edit"
                + (" (no search)" if args.no_search else ""), results[f"corpus {count}"])
    if "flagship figure" in results:
        _report("build-site serve, flagship figure block edit", results["flagship figure"])
        print(f"  (that block's own run time: {_block_seconds(WORK / 'flagship'):.2f} s)")


def _flagship(edits: int, results: dict[str, list[float]]) -> None:
    flagship = WORK / "flagship"
    for name in ("posts", "figures"):
        shutil.copytree(REPO / name, flagship / name)
    process, url = _serve(flagship)
    try:
        post_url = url + "2016/11/27/cnns-from-an-image-processing-perspective/"
        results["flagship prose"] = _measure(
            post_url, flagship / FLAGSHIP, edits, _prose,
            lambda i: f"document.body.innerText.includes('marker{i}x')")
        results["flagship figure"] = _measure(
            post_url, flagship / FLAGSHIP, max(3, edits // 4),
            lambda text, i: text.replace("animate_discrete(f, 2 * f)",
                                         f"animate_discrete(f, 2 * f, t1={2.0 + (i + 1) / 4})"),
            lambda i: "(() => { const img = document.querySelector('#fig-discrete img');"
                      " return img.src !== window.before && img.complete"
                      " && img.naturalWidth > 0; })()",
            prepare="document.querySelector('#fig-discrete img').scrollIntoView();"
                    "window.before = document.querySelector('#fig-discrete img').src")
    finally:
        process.terminate()
        process.wait()



def _corpus(count: int, edits: int, no_search: bool) -> list[float]:
    corpus = WORK / f"corpus-{count}"
    write_corpus(corpus / "posts", count)
    if no_search:
        (corpus / "site.toml").write_text("search = false\n")
    target = published_middle(corpus / "posts")  # a preview does not show posts dated ahead
    target.write_text(target.read_text().replace("\n\n## Section 1", "\n\nFor now, what is "
                                                 "worth.\n\n## Section 1", 1))
    process, url = _serve(corpus)
    try:
        day, slug = target.stem[:10], target.stem[11:]
        return _measure(
            url + day.replace("-", "/") + f"/{slug}/", target, edits, _prose,
            lambda i: f"document.body.innerText.includes('marker{i}x')")
    finally:
        process.terminate()
        process.wait()


def _mkdocs(edits: int) -> list[float]:
    docs = WORK / "mkdocs"
    (docs / "docs").mkdir(parents=True)
    shutil.copy(REPO / FLAGSHIP, docs / "docs" / "index.md")
    (docs / "mkdocs.yml").write_text("site_name: bench\n")
    mkdocs = str(Path(sys.executable).parent / "mkdocs")
    process, url = _start(
        [mkdocs, "serve", "-a", "127.0.0.1:8917", "--livereload"], docs,
        lambda line: "http://127.0.0.1:8917/" if "Serving on" in line else None)
    try:
        return _measure(url, docs / "docs" / "index.md", edits, _prose,
                        lambda i: f"document.body.innerText.includes('marker{i}x')")
    finally:
        process.terminate()
        process.wait()


def _block_seconds(root: Path) -> float:
    """How long the edited block takes by itself, warm: the floor for a figure edit."""
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]);"
            "import matplotlib; matplotlib.use('Agg');"
            "from figures.convolution import animate_discrete, box;"
            "from builder.figures.capture import animation_frames;"
            "from builder.figures.gif import encode_gif;"
            "import tempfile, pathlib; t = time.perf_counter(); f = box(0, 1);"
            "a = animate_discrete(f, 2 * f);"
            "encode_gif(animation_frames(a, 100, 1000, 1), 80,"
            " pathlib.Path(tempfile.mkdtemp()) / 'x.gif'); print(time.perf_counter() - t)")
    result = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True,
                            text=True, check=True)
    return float(result.stdout)


if __name__ == "__main__":
    main()
