"""What feed readers and search engines get: a valid Atom feed, a sitemap the sitemaps.org
schema accepts, robots.txt and canonical links; and, without a public address to make them
absolute, no feed or sitemap at all and one warning saying so."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
from lxml import etree

from tests.conftest import Project

SCHEMA = Path(__file__).parent / "schemas" / "sitemap.xsd"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def blog(project: Project, settings: str) -> None:
    project.write("site.toml", settings)
    project.post("2020-01-01-first.md", """
        ---
        title: "First & <best>"
        tags: [signal processing, café]
        ---
        Opening with $x^2$ and an [inner link](../../02/second/).
        """)
    project.post("2020-01-02-second.md", "---\ntitle: Second\nupdated: 2020-03-01\n---\nMore.\n")
    project.post("2020-01-03-about.md", "---\ntitle: About\nlayout: page\npermalink: /about/\n---\nMe.\n")


def is_absolute(url: str, base: str = "https://ex.org/blog/") -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and parts.netloc == "ex.org" and url.startswith(base)


def test_feed_parses_cleanly_with_absolute_ids_and_an_author(project: Project) -> None:
    blog(project, 'title = "Notes"\nbase_url = "https://ex.org/blog/"\n')
    project.build()
    feed = feedparser.parse(project.page("feed.xml"))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert is_absolute(feed.feed.id)
    assert feed.feed.author == "Notes"  # no author configured: the site's name stands in
    assert [e.title for e in feed.entries] == ["Second", "First & <best>"]
    for entry in feed.entries:
        assert is_absolute(entry.id) and is_absolute(entry.link), entry.id
    assert feed.entries[1].id == "https://ex.org/blog/2020/01/01/first/"
    assert {t.term for t in feed.entries[1].tags} == {"signal processing", "café"}
    # relative links inside the content resolve against the post's public address
    assert 'href="https://ex.org/blog/2020/01/02/second/"' in feed.entries[1].content[0].value

    blog(project, 'title = "Notes"\nauthor = "Ada L."\nbase_url = "https://ex.org/blog/"\n')
    project.build()
    assert feedparser.parse(project.page("feed.xml")).feed.author == "Ada L."


def test_sitemap_validates_against_the_sitemaps_schema(project: Project) -> None:
    blog(project, 'base_url = "https://ex.org/blog/"\n')
    project.build()
    document = etree.parse(str(project.root / "site/sitemap.xml"))
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(document), schema.error_log
    locs = [e.text for e in document.iter(f"{SITEMAP}loc")]
    assert all(is_absolute(loc) for loc in locs), locs
    assert {"https://ex.org/blog/", "https://ex.org/blog/about/",
            "https://ex.org/blog/2020/01/01/first/",
            "https://ex.org/blog/tags/caf%C3%A9/",  # percent-encoded, as the protocol wants
            "https://ex.org/blog/tags/signal-processing/"} <= set(locs)
    lastmods = {e.findtext(f"{SITEMAP}loc"): e.findtext(f"{SITEMAP}lastmod")
                for e in document.iter(f"{SITEMAP}url")}
    assert lastmods["https://ex.org/blog/2020/01/02/second/"] == "2020-03-01"


def test_robots_txt_and_canonical_links(project: Project) -> None:
    blog(project, 'base_url = "https://ex.org/blog/"\nper_page = 1\n')
    project.build()
    assert project.page("robots.txt") == (
        "User-agent: *\nAllow: /\n\nSitemap: https://ex.org/blog/sitemap.xml\n")
    for page, url in [("2020/01/01/first/index.html", "https://ex.org/blog/2020/01/01/first/"),
                      ("index.html", "https://ex.org/blog/"),
                      ("page/2/index.html", "https://ex.org/blog/page/2/"),
                      ("about/index.html", "https://ex.org/blog/about/"),
                      ("archive/index.html", "https://ex.org/blog/archive/"),
                      ("tags/index.html", "https://ex.org/blog/tags/"),
                      ("tags/café/index.html", "https://ex.org/blog/tags/caf%C3%A9/")]:
        html = project.page(page)
        assert re.findall(r'<link rel="canonical" href="([^"]*)">', html) == [url], page
        assert '<a href="/blog/feed.xml">Feed</a>' in html
    not_found = project.page("404.html")  # served at any address: it names none as its own
    assert 'rel="canonical"' not in not_found
    assert '<meta name="robots" content="noindex">' in not_found


def test_without_a_public_address_no_feed_or_sitemap_and_one_warning(project: Project) -> None:
    blog(project, 'title = "Notes"\n')
    result = project.build()
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert warnings == [
        "site.toml: warning: no base_url: feed.xml and sitemap.xml are not written and pages have no "
        'canonical link (set base_url = "https://example.org/" in site.toml, or build with '
        "--base-url)"]
    site = project.root / "site"
    assert not (site / "feed.xml").exists() and not (site / "sitemap.xml").exists()
    assert project.page("robots.txt") == "User-agent: *\nAllow: /\n"
    for page in site.rglob("*.html"):  # no dead link to a feed, no relative canonical
        html = page.read_text()
        assert "feed.xml" not in html and 'rel="canonical"' not in html, page

    (project.root / "site.toml").unlink()  # no site.toml to blame
    assert "\nwarning: no base_url: feed.xml" in "\n" + project.build().stderr

    project.write("site.toml", 'title = "Notes"\nbase_url = "/blog/"\n')
    result = project.build()
    assert ("site.toml:2: warning: base_url '/blog/' has no scheme and host: feed.xml and "
            "sitemap.xml are not written") in result.stderr
    assert 'href="/blog/2020/01/02/second/"' in project.page("index.html")

    result = project.build("--base-url", "https://ex.org/blog/")
    assert "warning" not in result.stderr
    assert (site / "feed.xml").is_file() and (site / "sitemap.xml").is_file()


def test_a_base_url_that_is_neither_address_nor_path_is_an_error(project: Project) -> None:
    project.write("site.toml", 'title = "x"\nbase_url = "example.org/blog/"\n')
    project.post("2020-01-01-a.md", "x\n")
    assert "site.toml:2: bad base_url 'example.org/blog/'" in project.fail()
