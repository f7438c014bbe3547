"""Liquid in Jekyll posts: Jekyll's objects, filters and tags, warnings for what is not
supported, errors that name the line the author wrote, and a parse cache that notices
every file the Liquid read."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, Project, typeset

FIXTURE = REPO / "tests" / "fixtures" / "jekyll-blog"
LIQUID_POST = "meta/2019/09/10/liquid-in-a-post/index.html"


@pytest.fixture
def blog(tmp_path: Path) -> Project:
    """The Jekyll test blog, copied so that builds never write into the repository."""
    root = tmp_path / "blog"
    shutil.copytree(FIXTURE, root)
    project = Project.__new__(Project)  # not Project(): that would add a posts/ folder
    project.root = root
    return project


def body(page: str) -> str:
    return page.split('<div class="post-body">', 1)[1].split('<nav class="post-nav"', 1)[0]


def test_jekyll_objects_filters_and_tags(blog: Project) -> None:
    blog.build()
    html = body(blog.page(LIQUID_POST))
    assert "This blog lives under <code>/blog</code>" in html
    assert "&quot;Liquid in a post: links, includes, highlighting&quot;" in html
    assert "written by Ada Example on 10 Sep 2019." in html  # site.data, date_to_string
    # post_url (with and without {{ site.baseurl }} before it), link, relative_url
    assert '<a href="/blog/signals/2019/03/04/sampling-and-aliasing/">' in html
    assert '<a href="/blog/signals/2019/05/06/fourier-series-delimiters/">' in html
    assert '<a href="/blog/about/">the about page</a>' in html
    assert '<a href="/blog/notes/">the notes</a>' in html
    # include with parameters, the math in them typeset
    assert '<img src="/blog/assets/img/sampled-sine.png" alt="A sampled sine wave">' in html
    caption = html[html.index("<figcaption>Samples of "):html.index("</figcaption>")]
    assert re.fullmatch(r'<figcaption>Samples of <span class="math"><mjx-container.*</span> '
                        r'taken every <span class="math"><mjx-container.*</span> s\.', caption)
    sine, period = typeset(caption)
    assert sine[1].startswith("<mi>sin</mi>") and period[1].endswith("<mn>0.05</mn>")
    assert '<aside class="note"><strong>Remember:</strong>' in html
    # highlight, with line numbers as Rouge's table
    assert '<figure class="highlight"><pre><code class="language-python" data-lang="python">' \
        '<table class="rouge-table">' in html
    assert '<pre class="lineno">1\n2\n3\n4\n5</pre>' in html
    assert '<code class="language-ruby" data-lang="ruby"><span class="k">def</span>' in html
    # raw keeps Liquid as text; loops, assign, comment, size, xml_escape
    assert "<code>{{ page.title }}</code>" in html
    assert "post_url</span>" in html
    rates = [re.fullmatch(r"<msub><mi>f</mi><mi>s</mi></msub><mo>=</mo><mn>([\d.]+)</mn>", m)
             for _, m in typeset(html)]  # the loop's f_s = 8, 16 and 44.1, typeset
    assert [rate.group(1) for rate in rates if rate] == ["8", "16", "44.1"]
    assert "A note to myself" not in html
    assert "Posts in this category: 2; posts in all: 12." in html
    assert 'Its newest post is <a href="/blog/signals/2020/08/11/z-transform-pairs/">' in html


def test_html_page_with_liquid_lists_the_posts(blog: Project) -> None:
    blog.build()
    page = blog.page("all-posts/index.html")
    assert page.count('<li><a href="/blog/') == 12
    assert ('<a href="/blog/notes/machine%20learning/2020/01/15/gradient-descent/">'
            "Gradient descent on a quadratic</a> <time>2020-01-15</time>") in page


def test_unsupported_tag_is_a_warning_and_stays_visible(project: Project) -> None:
    project.write("_config.yml", "title: x\n")
    project.write("_posts/2020-01-01-a.md",
                  "---\ntitle: A\n---\nIntro.\n\n{% twitter https://x.example/1 %}\n\n"
                  "{% include missing.html %}\n")
    result = project.build()
    assert ("_posts/2020-01-01-a.md:6: warning: Liquid tag 'twitter' is not supported "
            "(a Jekyll plugin's?): left in the page as written") in result.stderr
    assert ("_posts/2020-01-01-a.md:8: warning: no included file 'missing.html' in "
            "_includes/ (a theme's?)") in result.stderr
    page = project.page("2020/01/01/a.html")
    assert "<p>{% twitter https://x.example/1 %}</p>" in page
    assert "<p>{% include missing.html %}</p>" in page


def test_liquid_syntax_error_is_a_warning_naming_its_line(project: Project) -> None:
    project.write("_config.yml", "title: x\n")
    project.write("_posts/2020-01-01-a.md", "---\ntitle: A\n---\nOne.\n\n{% if %}x{% endif %}\n")
    result = project.build()
    assert "_posts/2020-01-01-a.md:6: warning: Liquid:" in result.stderr


def test_post_url_to_no_post_is_an_error_naming_its_line(project: Project) -> None:
    project.write("_config.yml", "title: x\n")
    project.write("_posts/2020-01-01-a.md",
                  "---\ntitle: A\n---\nOne.\n\nSee {% post_url 2019-01-01-nothing %}.\n")
    assert ("_posts/2020-01-01-a.md:6: post_url '2019-01-01-nothing': no post of that name"
            in project.fail())


def test_errors_after_liquid_name_the_line_the_author_wrote(project: Project) -> None:
    """An include adds lines; a mistake below it still names its own line in the file."""
    project.write("_config.yml", "title: x\n")
    project.write("_includes/five.html", "<div>\n1\n2\n3\n4\n</div>\n")
    project.write("_posts/2020-01-01-a.md",
                  "---\ntitle: A\n---\n{% include five.html %}\n\nText.\n\n```python\nx = 1\n")
    assert "_posts/2020-01-01-a.md:8: code fence opened here with ``` is never closed" \
        in project.fail()


def test_render_with_liquid_false_leaves_it_alone(project: Project) -> None:
    project.write("_config.yml", "title: x\n")
    project.write("_posts/2020-01-01-a.md",
                  "---\ntitle: A\nrender_with_liquid: false\n---\nShown: {{ page.title }}\n")
    project.build()
    assert "Shown: {{ page.title }}" in project.page("2020/01/01/a.html")


def test_cache_notices_includes_config_and_other_posts(blog: Project) -> None:
    blog.build()
    (blog.root / "_includes" / "note.html").write_text(
        "<aside class=\"note\">{{ include.title }} (changed): {{ include.text }}</aside>\n")
    blog.build()
    html = body(blog.page(LIQUID_POST))
    assert '<aside class="note">Remember (changed): Aliasing folds' in html
    newest = blog.root / "_posts" / "2020-08-11-z-transform-pairs.markdown"
    newest.write_text(newest.read_text().replace("Z-transform pairs I keep looking up",
                                                 "Windows, renamed"))
    config = blog.root / "_config.yml"
    config.write_text(config.read_text().replace("with the math left in", "math kept"))
    blog.build()
    html = body(blog.page(LIQUID_POST))
    assert ">Windows, renamed</a>" in html
    assert "The site says: Notes on signal processing and learning, math kept." in html
    about = blog.page("about/index.html")
    assert "math kept. Written by Ada Example." in about


def test_unrelated_posts_are_not_parsed_again(blog: Project) -> None:
    blog.build()
    (blog.root / "_includes" / "note.html").write_text("<aside>changed</aside>\n")
    result = blog.build()
    # the posts holding Liquid (and the pages) are parsed again, the others come from the cache
    assert "parsed 5," in result.stderr, result.stderr


def test_preview_of_a_jekyll_site_rebuilds_when_an_include_changes(blog: Project) -> None:
    """`build-site serve` inside a Jekyll site: served at /, rebuilt on any file of it."""
    import time

    from tests.test_serve import Server

    running = Server(blog)
    try:
        status, _, page = running.request("/meta/2019/09/10/liquid-in-a-post/")
        assert status == 200 and b"<strong>Remember:</strong>" in page
        assert b'<a href="/signals/2019/03/04/sampling-and-aliasing/">' in page  # no /blog/
        (blog.root / "_includes" / "note.html").write_text("<aside>Changed note</aside>\n")
        deadline = time.monotonic() + 60
        while b"Changed note" not in page and time.monotonic() < deadline:
            time.sleep(0.2)
            status, _, page = running.request("/meta/2019/09/10/liquid-in-a-post/")
        assert b"<aside>Changed note</aside>" in page
    finally:
        running.stop()
