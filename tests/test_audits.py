"""The built sites audited as the web's front-end engineers audit theirs: axe-core in
Chromium (light and dark, code folds open, math typeset) and the Nu HTML Checker on every
page. Run on the flagship and on a sampler post using everything a post can hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit import SERIOUS, axe_violations, needs_npm_tools, nu_errors
from tests.browser import CHROMIUM, browser_page, serve_folder
from tests.conftest import Project

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    needs_npm_tools,
]

SAMPLER = r"""---
title: "Everything a post can hold: tables, code & <math>"
tags: [signal processing, café, kernels]
description: A post using every kind of content the builder writes.
---
Inline math $a_i^2 + b$, `inline code`, **strong**, *emphasis*, ~~struck~~ and a footnote[^1].
A [relative link](../../02/plain/) and an [outside one](https://example.org/).

## A table

| kernel | size | sum |
|:-------|-----:|:---:|
| box    | $3 \times 3$ | 1 |
| Sobel  | $3 \times 3$ | 0 |

## Code and quotes

> A quotation, with $x$ in it.
>
> - and a list inside

```python
import numpy as np

def smooth(x, k=np.ones(3) / 3):  # a comment
    return np.convolve(x, k, mode="same") + 0x1F + 3.5e-2
```

```bash
$ build-site build --drafts
```

```nosuchlanguage
shown as plain text
```

1. first
2. second with $\sum_k k$

\begin{align}
f(x) &= \int_0^1 g(t)\, dt \label{eq:f} \\
h(x) &= f(x)^2
\end{align}

$$
\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}
$$

::: {.callout-warning}
## A callout, titled by its heading
With $x$ in it, and a folded one inside:

::: {.callout-tip collapse="true"}
Hidden until opened.
:::
:::

::: {.callout-note appearance="simple"}
An untitled, simple note.
:::

## Figures

@fig-pair shows two panels; @fig-pair-2 is the second, @tbl-sums a table, @eq-sum a formula.

$$\sum_k w_k = 1$$ {#eq-sum}

| kernel | sum |
|--------|----:|
| box    | 1   |

: Kernels and their sums {#tbl-sums}

```{python}
#| label: fig-pair
#| fig-cap: "Two panels side by side."
#| fig-subcap: ["Rising", "Falling"]
#| fig-alt: ["A line going up.", "A line going down."]
#| layout-ncol: 2
import matplotlib.pyplot as plt
plt.figure(figsize=(2, 1.5)); plt.plot([0, 1]); plt.show()
plt.figure(figsize=(2, 1.5)); plt.plot([1, 0]); plt.show()
```

::: {#fig-icons layout="[[1,-1,1]]"}
![The icon](../../../../static/favicon.svg){#fig-icon-a}

![The icon again](../../../../static/favicon.svg){#fig-icon-b}

The site's icon, twice.
:::

```{python}
#| label: fig-wave
#| fig-cap: 'A sine wave, $\sin(2\pi t)$.'
#| fig-alt: "One period of a sine wave rising from zero."
#| code-fold: true
import numpy as np
import matplotlib.pyplot as plt
t = np.linspace(0, 1, 50)
plt.figure(figsize=(3, 2))
plt.plot(t, np.sin(2 * np.pi * t))
```

```{python}
#| fig-cap: "Unnumbered, folded."
#| code-fold: true
print("printed output <b>escaped</b>")
```

```{python}
#| error: true
1 / 0
```

<iframe title="An embedded demo" src="https://example.org/embed" width="320" height="180"></iframe>

<figure><img src="../../../../static/favicon.svg" alt="The site's icon"><figcaption>Raw HTML figure.</figcaption></figure>

[^1]: The footnote's text.
"""


@pytest.fixture(scope="module")
def sampler(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = Project(tmp_path_factory.mktemp("sampler") / "blog")
    project.write("site.toml", 'title = "Sampler"\ndescription = "Posts that use everything"\n'
                  'author = "A. Author"\nper_page = 2\nbase_url = "https://example.org/"\n')
    project.post("2020-01-01-everything.md", SAMPLER)
    project.post("2020-01-02-plain.md", "---\ntitle: Plain\ntags: [kernels]\n---\nJust text.\n")
    project.post("2020-01-03-third.md", "---\ntitle: Third\n---\nMore text.\n")
    project.post("2020-01-04-about.md", "---\ntitle: About\nlayout: page\npermalink: /about/\n"
                 "---\nAbout this site.\n")
    project.post("2020-01-05-draft.md", "---\ntitle: Draft\ndraft: true\n---\nNot yet.\n")
    project.build()
    return project


def post_path(project: Project, fragment: str) -> str:
    site = project.root / "site"
    page = next(p for p in site.rglob("index.html") if fragment in str(p)).parent
    return "/" + page.relative_to(site).as_posix() + "/"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_moderate_or_worse(built_flagship: Project, sampler: Project,
                                            scheme: str) -> None:
    found: dict[str, list[dict]] = {}
    for project, paths in [
        (built_flagship, ["/", post_path(built_flagship, "cnns"), "/archive/",
                          "/tags/convolution/", "/tags/", "/404.html"]),
        (sampler, ["/", "/page/2/", post_path(sampler, "everything"), "/about/",
                   "/tags/kernels/"]),
    ]:
        with serve_folder(project.root / "site") as base, \
                browser_page() as (page, errors, failed, _):
            page.emulate_media(color_scheme=scheme)
            for path in paths:
                page.goto(base + path)
                if page.evaluate("!!window.MathJax"):
                    page.wait_for_function("window.MathJax.startup && MathJax.startup.promise")
                    page.evaluate("MathJax.startup.promise")
                page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                violations = axe_violations(page)
                found[f"{project.root.name}{path}"] = [v for v in violations
                                                        if v["impact"] in SERIOUS]
            assert errors == [] and failed == [], (errors, failed)
    assert {page: v for page, v in found.items() if v} == {}


def test_nu_html_checker_finds_no_errors(built_flagship: Project, sampler: Project) -> None:
    pages = sorted((built_flagship.root / "site").rglob("*.html")) + \
        sorted((sampler.root / "site").rglob("*.html"))
    assert len(pages) > 15
    assert nu_errors(pages) == []


def test_the_checkers_see_what_they_should(tmp_path: Path) -> None:
    """A page with the faults the audits are for is caught by each of them, so an audit
    passing means it looked."""
    bad = tmp_path / "site"
    bad.mkdir()
    (bad / "index.html").write_text(
        '<!doctype html><html><head><title>x</title></head><body>'
        '<p style="color:#aaa;background:#fff">faint</p><iframe src="about:blank"></iframe>'
        '<div><li>stray</li></div><a href="#"></a></body></html>')
    assert any("li" in error for error in nu_errors([bad / "index.html"]))
    with serve_folder(bad) as base, browser_page() as (page, _, _, _):
        page.goto(base + "/")
        ids = {v["id"] for v in axe_violations(page)}
    assert {"color-contrast", "frame-title", "html-has-lang", "link-name", "listitem"} <= ids
