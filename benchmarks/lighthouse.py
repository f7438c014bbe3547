"""Lighthouse's performance numbers for the flagship site, mobile and desktop.

    python -m benchmarks.lighthouse [--runs 3]

Builds the flagship as it would be published (title, description, its address) and serves
it from 127.0.0.1 with gzip. Lighthouse 12 (tests/js, installed by scripts/test) runs in
Debian's chromium with nothing leaving 127.0.0.1, on the home page, the flagship post, and
the 404 page: the theme with no content, the baseline of the same run, so the ratios say
what the post's figures and math cost over the bare theme. Lighthouse throttles by
simulation (a mid-range phone on slow 4G for mobile), so its numbers move less with a busy
machine than wall-clock ones; medians of N runs. The accessibility and SEO scores are held
at 100 by tests/test_lighthouse.py.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from benchmarks.gzip_server import serve
from benchmarks.math_loading import build_flagship
from tests.audit import LIGHTHOUSE, lighthouse

WORK = Path(__file__).parent / ".work" / "lighthouse"
METRICS = {  # Lighthouse audit id -> what we print
    "first-contentful-paint": "first paint",
    "largest-contentful-paint": "largest paint",
    "speed-index": "speed index",
    "total-blocking-time": "blocking",
    "cumulative-layout-shift": "CLS",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: run scripts/test once (it runs npm ci)")
    with serve(WORK / "site") as base:
        WORK.mkdir(parents=True, exist_ok=True)
        site = build_flagship(WORK, "--base-url", base + "/")
        post = "/" + next(site.rglob("cnns*/index.html")).parent.relative_to(site).as_posix() + "/"
        pages = {"home": "/", "flagship": post, "404 (baseline)": "/404.html"}
        print(f"Lighthouse on {base}, median of {args.runs} runs (the machine may be shared)")
        for form, options in (("mobile", ()), ("desktop", ("--preset=desktop",))):
            results: dict[str, list[dict]] = {name: [] for name in pages}
            for _ in range(args.runs):
                for name, path in pages.items():
                    report = lighthouse(base + path, "--only-categories=performance", *options)
                    audits = report["audits"]
                    results[name].append(
                        {"score": report["categories"]["performance"]["score"] * 100,
                         **{key: audits[key]["numericValue"] for key in METRICS}})
            print(f"\n{form}:")
            print(f"  {'':15} {'score':>6}" + "".join(f" {v:>14}" for v in METRICS.values()))
            baseline = {k: statistics.median(r[k] for r in results["404 (baseline)"])
                        for k in results["404 (baseline)"][0]}
            for name, runs in results.items():
                row = f"  {name:15} {statistics.median(r['score'] for r in runs):6.0f}"
                for key in METRICS:
                    value = statistics.median(r[key] for r in runs)
                    cls = key == "cumulative-layout-shift"
                    shown = f"{value:.3f}" if cls else f"{value:.0f} ms"
                    if baseline[key] and name != "404 (baseline)":
                        shown += f" x{value / baseline[key]:.1f}"
                    row += f" {shown:>14}"
                print(row)


if __name__ == "__main__":
    main()
