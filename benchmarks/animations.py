"""The flagship post's animations: the player's animated WebP against the GIF.

    python -m benchmarks.animations [--repeat 5]

Builds the flagship (figures cached in ``benchmarks/.work/animations``), then for each of its
animations prints the bytes of the GIF (what a page showed before, still made for feeds)
and of the player's WebP, the cost of encoding each from the same frames (in this process,
with the builder's own encoders), and the cost of decoding every frame in Chromium with
WebCodecs' ImageDecoder, as the player does (both formats through the same API, taking
turns, median of ``--repeat``), plus the player's worst step: back one frame from the last
(a decode from the key frame before it). All ratios are WebP over GIF, measured in the same
run; absolute times move with the machine's load.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = Path(__file__).parent / ".work" / "animations"

# Decode every frame of one file with ImageDecoder, as the player does; and the step back
# from the last frame. Times in ms.
DECODE = """async (url) => {
  const data = await (await fetch(url, {cache: 'force-cache'})).arrayBuffer();
  const type = url.endsWith('.webp') ? 'image/webp' : 'image/gif';
  const started = performance.now();
  const decoder = new ImageDecoder({data, type});
  await decoder.tracks.ready;
  const count = decoder.tracks.selectedTrack.frameCount;
  for (let i = 0; i < count; i++) (await decoder.decode({frameIndex: i})).image.close();
  const all = performance.now() - started;
  const before = performance.now();
  (await decoder.decode({frameIndex: count - 2})).image.close();
  const back = performance.now() - before;
  decoder.close();
  return {count, all, back};
}"""


def build() -> Path:
    """The flagship built in ``WORK`` (its figure cache kept between runs)."""
    for name in ("posts", "figures"):
        shutil.rmtree(WORK / name, ignore_errors=True)
        shutil.copytree(REPO / name, WORK / name)
    subprocess.run([sys.executable, "-m", "builder", "build", "--quiet", "--root", str(WORK)],
                   check=True)
    return WORK / "site"


def animations(site: Path) -> list[tuple[Path, Path]]:
    """(GIF, WebP) of every animation the site's pages show in a player."""
    pairs = []
    for webp in sorted(site.rglob("*.webp")):
        gif = webp.with_suffix(".gif")
        if gif.exists():
            pairs.append((gif, webp))
    return pairs


def encode_costs(gif: Path) -> tuple[float, float]:
    """Seconds to encode the GIF's frames as a GIF and as the player's WebP (the frames as
    the builder has them: RGB, quantised once for both)."""
    import numpy as np
    from PIL import Image, ImageSequence

    from builder.figures.gif import encode_gif, quantized
    from builder.figures.webp import encode_webp

    with Image.open(gif) as image:
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(image)]
    target = WORK / "encode"
    target.mkdir(exist_ok=True)
    started = time.perf_counter()
    encode_gif(frames, 80, target / "x.gif")
    gif_seconds = time.perf_counter() - started
    started = time.perf_counter()
    _, images = quantized(frames)
    encode_webp(images, 80, target / "x.webp")
    return gif_seconds, time.perf_counter() - started


def decode_costs(site: Path, pairs: list[tuple[Path, Path]], repeat: int
                 ) -> dict[Path, dict[str, float]]:
    """Median ms per file in Chromium: all frames, and one step back from the last."""
    from tests.browser import browser_page, serve_folder

    times: dict[Path, dict[str, list[float]]] = {}
    with serve_folder(site) as base, browser_page() as (page, _, _, _):
        page.goto(base + "/")
        for _ in range(repeat):
            for pair in pairs:
                for path in pair:  # taking turns, so drift hits both alike
                    url = base + "/" + path.relative_to(site).as_posix()
                    result = page.evaluate(DECODE, url)
                    slot = times.setdefault(path, {"all": [], "back": []})
                    slot["all"].append(result["all"])
                    slot["back"].append(result["back"])
    return {path: {k: statistics.median(v) for k, v in slot.items()}
            for path, slot in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    site = build()
    pairs = animations(site)
    decoded = decode_costs(site, pairs, repeat)
    print(f"{'animation':18} {'frames':>6} {'GIF bytes':>10} {'WebP bytes':>10} {'ratio':>6}"
          f" {'encode GIF':>10} {'WebP':>6} {'decode GIF':>10} {'WebP':>6} {'ratio':>6}"
          f" {'back GIF':>8} {'WebP':>6}")
    totals = [0, 0, 0.0, 0.0, 0.0, 0.0]
    for gif, webp in pairs:
        from PIL import Image

        with Image.open(webp) as image:
            frames = image.n_frames
        encode = encode_costs(gif)
        sizes = gif.stat().st_size, webp.stat().st_size
        dg, dw = decoded[gif], decoded[webp]
        print(f"{gif.name:18} {frames:6} {sizes[0]:10} {sizes[1]:10} {sizes[1] / sizes[0]:6.1%}"
              f" {encode[0]:9.2f}s {encode[1]:5.2f}s {dg['all']:8.1f}ms {dw['all']:4.1f}ms"
              f" {dw['all'] / dg['all']:6.2f} {dg['back']:6.1f}ms {dw['back']:4.1f}ms")
        for i, value in enumerate((*sizes, *encode, dg["all"], dw["all"])):
            totals[i] += value
    print(f"{'all':18} {'':6} {totals[0]:10} {totals[1]:10} {totals[1] / totals[0]:6.1%}"
          f" {totals[2]:9.2f}s {totals[3]:5.2f}s {totals[4]:8.1f}ms {totals[5]:4.1f}ms"
          f" {totals[5] / totals[4]:6.2f}")


if __name__ == "__main__":
    main()
