"""Math on a slow phone connection: how long a reader waits for typeset formulas, and how
much the page jumps when they arrive (client-side MathJax, `mathjax = "client"`; math
typeset when the site is built, the default, is measured by benchmarks/math_reader.py).

    python -m benchmarks.math_loading [--runs 5]

Builds the flagship post, serves it from 127.0.0.1 with gzip (as real hosts do), and loads it
in headless Chromium throttled as Lighthouse's mobile run is (150 ms round trips, 1.6 Mbit/s
down, 750 kbit/s up, a 4x slower CPU, a 412 px wide screen). Two readers: one at the top, one
who scrolls straight to the first `cases` formula as soon as the text is there. For each:
first paint, MathJax done (formulas typeset), its fonts loaded, and the cumulative layout
shift after that scroll (CLS: "good" is below 0.1); medians of N runs.

The baseline, measured in the same run on the same page: MathJax loaded as its documentation
shows (no preloads, untypeset math shown as raw TeX at its own size), i.e. the theme's math
CSS and preload hints taken out of the served page.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.gzip_server import serve
from tests.browser import browser_page

REPO = Path(__file__).resolve().parents[1]
WORK = Path(__file__).parent / ".work" / "math-loading"
NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8,
           "uploadThroughput": 750e3 / 8}
CPU_SLOWDOWN = 4
# Layout shifts, recorded from the start (buffered), each with the time it happened.
OBSERVE = """
window.__shifts = [];
new PerformanceObserver(list => { for (const e of list.getEntries())
  if (!e.hadRecentInput) window.__shifts.push([e.startTime, e.value]); })
  .observe({type: 'layout-shift', buffered: true});
"""
MARK = "/* math-while-loading */"  # where the theme's CSS for untypeset math starts and ends


def build_flagship(work: Path, *options: str, config: str = "") -> Path:
    """The repository's posts and figures built afresh in ``work`` (with ``config`` as its
    site.toml); the site's folder."""
    shutil.rmtree(work, ignore_errors=True)
    for name in ("posts", "figures"):
        shutil.copytree(REPO / name, work / name)
    shutil.copy(REPO / "figures.lock", work / "figures.lock")
    if config:
        (work / "site.toml").write_text(config, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "builder", "build", "--quiet", "--root", str(work),
                    *options], check=True)
    return work / "site"


def as_documented(path: str, body: bytes) -> bytes:
    """The baseline page: the theme's preloads and its CSS for untypeset math taken out."""
    if path.endswith(".html"):
        return re.sub(rb'<link rel="preload"[^>]*>\n?', b"", body)
    if path.endswith("style.css") and MARK.encode() in body:
        before, _, rest = body.partition(MARK.encode())
        return before + rest.partition(MARK.encode())[2]
    return body


def load(url: str, scroll_to: int | None) -> dict[str, float]:
    """One throttled load; times in ms from navigation start. ``scroll_to``: the index of the
    formula the reader scrolls to as soon as it is painted."""
    with browser_page() as (page, _errors, _failed, _blocked):
        page.set_viewport_size({"width": 412, "height": 823})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", NETWORK)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        page.add_init_script(OBSERVE)
        page.goto(url, wait_until="commit")  # deferred scripts run before DOMContentLoaded
        scrolled_at = 0.0
        if scroll_to is not None:
            page.wait_for_function(
                f"document.querySelectorAll('.math').length > {scroll_to} && "
                "performance.getEntriesByName('first-contentful-paint').length", polling=20,
                timeout=120_000)
            scrolled_at = page.evaluate(f"""() => {{
              document.querySelectorAll('.math')[{scroll_to}].scrollIntoView({{block: 'center'}});
              return performance.now(); }}""")
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=120_000)
        typeset = page.evaluate("MathJax.startup.promise.then(() => performance.now())")
        fonts = page.evaluate("document.fonts.ready.then(() => performance.now())")
        page.wait_for_timeout(500)  # let the last shifts be recorded
        paint = page.evaluate(
            "performance.getEntriesByName('first-contentful-paint')[0].startTime")
        shifts = page.evaluate("window.__shifts")
    return {"first paint": paint, "typeset": typeset, "fonts": fonts,
            "CLS": sum(value for at, value in shifts if at >= scrolled_at)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    site = build_flagship(WORK, config='mathjax = "client"\n')  # the browser typesets
    page = "/" + next(site.rglob("cnns*/index.html")).parent.relative_to(site).as_posix() + "/"
    print(f"flagship post, throttled ({NETWORK['latency']} ms, 1.6 Mbit/s, CPU x{CPU_SLOWDOWN}),"
          f" median of {args.runs} runs; the machine may be shared, read the ratios")
    html = (site / page.strip("/") / "index.html").read_text(encoding="utf-8")
    cases = html[: html.index("\\begin{cases}")].count('class="math')  # the one it is in
    for scroll in (None, cases - 1):
        results: dict[bool, list[dict[str, float]]] = {False: [], True: []}
        for _ in range(args.runs):  # theme and baseline take turns, meeting the same machine
            for baseline in (True, False):
                with serve(site, as_documented if baseline else None) as base:
                    results[baseline].append(load(base + page, scroll))
        reader = "at the top" if scroll is None else "scrolled to the first cases formula"
        print(f"\nreader {reader}:")
        print(f"  {'':12} {'theme':>10} {'baseline':>10} {'ratio':>7}")
        for key in ("first paint", "typeset", "fonts", "CLS"):
            ours = statistics.median(r[key] for r in results[False])
            theirs = statistics.median(r[key] for r in results[True])
            unit = "" if key == "CLS" else " ms"
            fmt = "{:.3f}" if key == "CLS" else "{:.0f}"
            ratio = f"{ours / theirs:.2f}" if theirs else "-"
            print(f"  {key:12} {fmt.format(ours) + unit:>10} {fmt.format(theirs) + unit:>10}"
                  f" {ratio:>7}")


if __name__ == "__main__":
    main()
