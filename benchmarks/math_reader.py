"""What a reader on a slow phone sees: when a post's math is final, and how far the page jumps.

    python -m benchmarks.math_reader [--repeat 3]

The flagship post and a synthetic heavy post (~400 formulas) are built three ways: math typeset
in the browser by MathJax (``mathjax = "client"``, as before), typeset at build time as CHTML
(the default) and as SVG. Each page is opened cold in headless Chromium throttled like a slow
phone link (400 kbit/s both ways, 400 ms round trip, CPU 4x slower) from a local server that
gzips text as static hosts do. Printed per case: the median time from navigation to math
final (every formula typeset, its CSS applied, its fonts loaded), the cumulative layout shift
until then (CLS as Chrome counts it), and the bytes transferred. Targets: final <= 3 s,
layout shift <= 0.02.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.gzip_server import serve
from benchmarks.measure import precompile

REPO = Path(__file__).resolve().parents[1]
WORK = Path(__file__).parent / ".work" / "math-reader"
FLAGSHIP = "2016-11-27-cnns-from-an-image-processing-perspective.md"
MODES = {"client (before)": 'mathjax = "client"\n', "build, chtml": "",
         "build, svg": '[math]\noutput = "svg"\n'}

# Run first on the page. Watched from animation frames only, so that the probe forces no
# style or layout work of its own (a getComputedStyle or offsetHeight while the page loads
# would make the browser lay out 24,000 elements of the heavy post one extra time): math is
# final when a frame is painted after every math element holds a typeset formula and every
# stylesheet has loaded, and, one frame later (its layout asked for the fonts it draws with),
# no font is loading. Layout shifts are summed as Chrome's CLS sums them.
PROBE = """
window.__math = {final: null, shift: 0};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__math.shift += entry.value;
  }
}).observe({type: 'layout-shift', buffered: true});
let ready = false;  // at the last frame
(function frame() {
  if (ready && document.fonts.status === 'loaded') {
    setTimeout(() => { window.__math.final = performance.now(); });  // after this paint
    return;
  }
  const maths = document.querySelectorAll('.math');
  ready = document.readyState !== 'loading' && maths.length > 0 &&
    [...document.querySelectorAll('link[rel=stylesheet]')].every((link) => link.sheet) &&
    [...maths].every((m) => m.querySelector('mjx-container'));
  requestAnimationFrame(frame);
})();
"""


def heavy_post() -> str:
    """A long post dense with the math of a real one: inline symbols, sums, fractions,
    matrices, cases, aligned derivations, numbered equations and references to them."""
    parts = ["---\ntitle: A heavy post\ntags: [math]\n---\n"]
    for n in range(40):
        parts.append(
            f"Let $x_{{{n}}} \\in \\mathbb{{R}}^n$ and $f(x) = \\sum_{{i=1}}^{{n}} "
            f"\\alpha_i x_i^2$, with $\\lVert x \\rVert_2 \\le {n + 1}$ and "
            f"$\\frac{{\\partial f}}{{\\partial x_j}} = 2\\alpha_j x_j$ for every $j$; "
            f"as \\eqref{{eq:{n}}} shows, $\\mathcal{{O}}(n^{{{n % 3 + 1}}})$ operations do."
        )
        parts.append(
            f"\\begin{{equation}}\\label{{eq:{n}}}\n"
            f"\\int_0^\\infty e^{{-{n + 1}t}} \\cos(\\omega t)\\,dt = "
            f"\\frac{{{n + 1}}}{{{n + 1}^2 + \\omega^2}}\n\\end{{equation}}"
        )
        if n % 4 == 0:
            parts.append(
                "\\begin{align}\n"
                f"A_{{{n}}} &= \\begin{{pmatrix}} a & b \\\\ c & d \\end{{pmatrix}}, &"
                f" \\det A_{{{n}}} &= ad - bc \\\\\n"
                f"g(t) &= \\begin{{cases}} 1 & t \\ge {n} \\\\ 0 & \\text{{otherwise}}"
                "\\end{cases}\n\\end{align}"
            )
    return "\n\n".join(parts) + "\n"


def build(mode: str, config: str) -> Path:
    """A project with the flagship and the heavy post, built with one math setting."""
    root = WORK / mode.split(" (")[0].replace(", ", "-")
    if root.exists():
        shutil.rmtree(root)
    # the flagship with what it reads beside it (its bibliography)
    shutil.copytree(REPO / "posts", root / "posts")
    shutil.copytree(REPO / "figures", root / "figures")
    (root / "posts" / "2024-01-01-heavy.md").write_text(heavy_post(), encoding="utf-8")
    (root / "site.toml").write_text(config, encoding="utf-8")
    cache = WORK / "figures-cache"  # the figures run once for all three
    if cache.exists():
        shutil.copytree(cache, root / ".cache" / "figures")
    subprocess.run([sys.executable, "-m", "builder", "build", "-q", "--root", str(root)],
                   check=True)
    if not cache.exists():
        shutil.copytree(root / ".cache" / "figures", cache)
    return root / "site"


def visit(url: str) -> tuple[float, float, int]:
    """Open ``url`` cold on a throttled phone; (seconds to math final, layout shift, bytes)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 412, "height": 915},
                                      device_scale_factor=2, is_mobile=True)
        page = context.new_page()
        page.add_init_script(PROBE)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": 400, "downloadThroughput": 400_000 / 8,
            "uploadThroughput": 400_000 / 8})
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        received = [0]
        cdp.on("Network.loadingFinished",
               lambda event: received.__setitem__(0, received[0] + event["encodedDataLength"]))
        page.goto(url, wait_until="commit")
        page.wait_for_function("window.__math && window.__math.final !== null",
                               timeout=120_000, polling=100)
        page.wait_for_timeout(1000)  # shifts right after "final" still count
        final, shift = page.evaluate("[window.__math.final, window.__math.shift]")
        browser.close()
    return final / 1000, shift, received[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    precompile()
    sites = {mode: build(mode, config) for mode, config in MODES.items()}
    posts = {"flagship": "2016/11/27/cnns-from-an-image-processing-perspective/",
             "heavy post": "2024/01/01/heavy/"}
    print(f"median of {args.repeat} cold visits, 400 kbit/s, 400 ms RTT, CPU 4x slower; "
          "targets: math final <= 3 s, layout shift <= 0.02")
    for post, path in posts.items():
        print(f"{post}:")
        before = None
        for mode, site in sites.items():
            with serve(site, keep_alive=True) as base:
                runs = [visit(f"{base}/{path}") for _ in range(args.repeat)]
            final = statistics.median(r[0] for r in runs)
            shift = statistics.median(r[1] for r in runs)
            size = statistics.median(r[2] for r in runs)
            before = before or final
            print(f"  {mode:<16} math final {final:5.2f} s ({final / before:4.2f}x)"
                  f"  layout shift {shift:5.3f}  transferred {size / 1000:6.0f} KB")


if __name__ == "__main__":
    main()
