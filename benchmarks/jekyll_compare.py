"""Build the Jekyll test blog with Jekyll itself and with build-site, and compare, page by
page, the formulas a reader gets: each TeX string and whether it is inline or display.

Jekyll's side is what its page-wide MathJax 2 (the blog's config: ``$``/``\\(`` inline,
``$$``/``\\[`` display, escapes, environments, references) finds in the HTML kramdown wrote,
found the way MathJax's ``tex2jax`` finds it (text between tags, never inside ``pre``,
``code``, ``script``, ``style``, ``textarea``; ``\\$`` a dollar; braces balanced). build-site's
side is its math elements. TeX is compared with entities decoded and whitespace collapsed.

    .venv/bin/python -m benchmarks.jekyll_compare            # needs Debian's jekyll
    .venv/bin/python -m benchmarks.jekyll_compare --write-expected   # refresh the test's list

``--write-expected`` stores Jekyll's formulas (mode and TeX per page) in
``tests/fixtures/jekyll-blog.formulas.json``, which the browser test checks the typeset page
against, so the suite holds build-site to kramdown's modes even where Jekyll is not installed.
"""

from __future__ import annotations

import argparse
import difflib
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from builder.markdown.html_math import _pieces
from builder.pages.shadowed import is_generated

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "jekyll-blog"
EXPECTED = REPO / "tests" / "fixtures" / "jekyll-blog.formulas.json"

Formula = tuple[str, str]  # (mode, TeX)

# tex2jax's start delimiters, longest first, with processEscapes and processRefs.
_START = re.compile(r"\\\$|\$\$|\$|\\\(|\\\[|\\begin\{([^}]*)\}|\\(?:eq)?ref\{[^}]*\}")
_END = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}
_OURS = re.compile(r'<(span|div) class="(math[^"]*)"[^>]*>(.*?)</\1>', re.S)


def normal(tex: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(tex)).strip()


def find_tex(text: str) -> list[Formula]:
    """MathJax 2's tex2jax over one run of text (HTML-escaped, as in the page)."""
    found: list[Formula] = []
    pos = 0
    while True:
        match = _START.search(text, pos)
        if match is None:
            return found
        opener = match.group()
        if opener == "\\$":
            pos = match.end()
            continue
        if opener.startswith(("\\ref", "\\eqref")):
            found.append(("inline", normal(opener)))
            pos = match.end()
            continue
        if match.group(1) is not None:
            end_tag = f"\\end{{{match.group(1)}}}"
            end = text.find(end_tag, match.end())
            if end < 0:
                pos = match.end()
                continue
            found.append(("display", normal(text[match.start() : end + len(end_tag)])))
            pos = end + len(end_tag)
            continue
        end = _balanced_end(text, match.end(), _END[opener])
        if end < 0:
            pos = match.end()
            continue
        mode = "display" if opener in ("$$", "\\[") else "inline"
        found.append((mode, normal(text[match.end() : end])))
        pos = end + len(_END[opener])


def _balanced_end(text: str, start: int, closer: str) -> int:
    """tex2jax's end search: braces counted, escaped characters skipped."""
    depth, i = 0, start
    while i < len(text):
        if text[i] == "\\":
            if depth == 0 and text.startswith(closer, i):
                return i
            i += 2
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and text.startswith(closer, i):
            return i
        i += 1
    return -1


def jekyll_formulas(page: str) -> list[Formula]:
    content = page.split('<div class="post-content">', 1)[-1]
    content = re.split(r"</div></(?:article|main)>", content)[0]
    found: list[Formula] = []
    for piece, is_text in _pieces(content.replace("<br />", "\n")):
        if is_text:
            found += find_tex(piece)
    return found


def our_formulas(page: str) -> list[Formula]:
    content = page.split('<div class="post-body">', 1)[-1]
    content = content.split('<nav class="post-nav">', 1)[0].split("</article>", 1)[0]
    found: list[Formula] = []
    for tag, _, inner in _OURS.findall(content):
        inner = inner.strip()
        if inner.startswith(("\\(", "\\[")):
            mode = "display" if inner.startswith("\\[") else "inline"
            found.append((mode, normal(inner[2:-2])))
        else:
            found.append(("display", normal(inner)))
        if tag == "div" and found[-1][0] == "inline":
            found[-1] = ("display", found[-1][1])
    return found


def pages(site: Path) -> dict[str, Path]:
    return {p.relative_to(site).as_posix(): p for p in sorted(site.rglob("*.html"))}


def build_both(work: Path) -> tuple[Path, Path]:
    source = work / "blog"
    shutil.copytree(FIXTURE, source)
    jekyll_out = work / "jekyll-site"
    subprocess.run(["jekyll", "build", "--quiet", "-s", str(source), "-d", str(jekyll_out)],
                   check=True, capture_output=True, text=True, timeout=600)
    # build-site's side as TeX: what the reader's MathJax gets with mathjax = "client" is
    # what build-time typesetting reads too (a site.toml beside _config.yml overrides it)
    (source / "site.toml").write_text('mathjax = "client"\n', encoding="utf-8")
    subprocess.run([sys.executable, "-m", "builder", "build", "--quiet", "--root", str(source)],
                   check=True, capture_output=True, text=True, timeout=600)
    return jekyll_out, source / "site"


def compare(jekyll: Path, ours: Path) -> dict:
    """Per page: Jekyll's formulas, ours, how many are identical, and the differences."""
    report: dict = {"pages": {}, "identical": 0, "total": 0, "differences": []}
    theirs = pages(jekyll)
    mine = pages(ours)
    for path, page in theirs.items():
        expected = jekyll_formulas(page.read_text(encoding="utf-8"))
        if path not in mine or is_generated(path):
            continue  # a page build-site replaces with its own (the home page)
        got = our_formulas(mine[path].read_text(encoding="utf-8"))
        matcher = difflib.SequenceMatcher(a=expected, b=got, autojunk=False)
        same = sum(block.size for block in matcher.get_matching_blocks())
        total = max(len(expected), len(got))
        report["pages"][path] = {"jekyll": expected, "build-site": got, "identical": same,
                                 "total": total}
        report["identical"] += same
        report["total"] += total
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                report["differences"].append(
                    {"page": path, "jekyll": expected[i1:i2], "build-site": got[j1:j2]})
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write-expected", action="store_true",
                        help=f"store Jekyll's formulas in {EXPECTED.relative_to(REPO)}")
    args = parser.parse_args()
    if shutil.which("jekyll") is None:
        sys.exit("needs Jekyll: apt-get install jekyll ruby-kramdown-parser-gfm")
    with tempfile.TemporaryDirectory() as folder:
        jekyll, ours = build_both(Path(folder))
        report = compare(jekyll, ours)
    for path, page in report["pages"].items():
        print(f"{page['identical']:4d}/{page['total']:<4d} {path}")
    share = report["identical"] / max(1, report["total"])
    print(f"identical: {report['identical']} of {report['total']} formulas ({share:.1%})")
    for difference in report["differences"]:
        print(f"  {difference['page']}: Jekyll {difference['jekyll']} "
              f"build-site {difference['build-site']}")
    if args.write_expected:
        expected = {path: page["jekyll"] for path, page in report["pages"].items()}
        lines = [json.dumps(path, ensure_ascii=False) + ": [" + ",".join(
            "\n  " + json.dumps(formula, ensure_ascii=False) for formula in formulas) + "]"
            for path, formulas in expected.items()]
        EXPECTED.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
        print(f"wrote {EXPECTED.relative_to(REPO)}")


if __name__ == "__main__":
    main()
