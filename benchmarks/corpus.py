"""A deterministic corpus of N long synthetic posts: headings, lists, code, tables and math.

The same seed gives the same bytes, so every tool in a benchmark run reads the same text.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

WORDS = (
    "signal", "kernel", "image", "pixel", "filter", "convolution", "gradient", "sum",
    "integral", "window", "shift", "flip", "matrix", "channel", "feature", "layer",
    "stride", "padding", "border", "response", "sample", "frequency", "domain", "linear",
    "invariant", "system", "impulse", "smooth", "sharpen", "edge", "detect", "blur",
    "noise", "estimate", "the", "a", "of", "and", "to", "in", "is", "that", "we", "it",
    "for", "on", "with", "as", "this", "by", "be", "are", "which",
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    if rng.random() < 0.3:
        words.insert(rng.randint(1, len(words) - 1), "$x_{i} * k_{j}$")
    if rng.random() < 0.1:
        words.insert(rng.randint(1, len(words) - 1), "`np.convolve`")
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))


def _section(rng: random.Random, number: int) -> str:
    parts = [f"## Section {number}: {rng.choice(WORDS)} {rng.choice(WORDS)}", _paragraph(rng)]
    kind = number % 4
    if kind == 0:
        parts.append("$$\n\\sum_{m}\\sum_{n} I(m,n)\\,K(i-m,\\,j-n) = \\int f(x) g(t-x)\\,dx\n$$")
    elif kind == 1:
        parts.append("\n".join(f"- {_sentence(rng)}" for _ in range(4)))
    elif kind == 2:
        parts.append("```python\nimport numpy as np\n\ndef smooth(x, k):\n"
                     "    return np.convolve(x, k, mode='same')  # a comment\n```")
    else:
        rows = "\n".join(f"| {i} | ${i}\\alpha$ | {rng.choice(WORDS)} |" for i in range(5))
        parts.append("| n | value | word |\n|---|---|---|\n" + rows)
    parts.append(_paragraph(rng))
    return "\n\n".join(parts)


def post_text(index: int, seed: int = 1) -> tuple[str, str, str]:
    """(slug, date, Markdown body) of post ``index``: about 8 KB of text."""
    rng = random.Random(seed * 100_003 + index)
    day = date(2015, 1, 1) + timedelta(days=index)
    slug = f"post-{index:05d}"
    body = "\n\n".join([_paragraph(rng)] + [_section(rng, n) for n in range(1, 9)]) + "\n"
    return slug, day.isoformat(), body


def write_corpus(folder: Path, count: int, flavour: str = "build-site") -> None:
    """Write ``count`` posts in the layout and front matter each tool expects."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        slug, day, body = post_text(index)
        title = f"Post {index}: on {slug}"
        if flavour == "pelican":
            head = f"Title: {title}\nDate: {day}\nSlug: {slug}\nTags: bench, math\n\n"
            (folder / f"{day}-{slug}.md").write_text(head + body, encoding="utf-8")
        elif flavour == "jekyll":  # as a Jekyll blog's _posts/ holds them
            head = (f'---\nlayout: post\ntitle: "{title}"\ndate: {day}\n'
                    "categories: [notes]\ntags: [bench, math]\nuse_math: true\n---\n\n")
            (folder / f"{day}-{slug}.markdown").write_text(head + body, encoding="utf-8")
        else:
            head = f'---\ntitle: "{title}"\ndate: {day}\ntags: [bench, math]\n---\n\n'
            (folder / f"{day}-{slug}.md").write_text(head + body, encoding="utf-8")


def published_middle(folder: Path, pattern: str = "*.md") -> Path:
    """The middle one of the corpus's posts dated up to today: the one an edit benchmark
    changes. At 10,000 posts most are dated ahead, and a build publishes none of those, so
    an edit of one would time next to nothing."""
    today = date.today().isoformat()
    published = [p for p in sorted(folder.glob(pattern)) if p.name[:10] <= today]
    return published[len(published) // 2]
