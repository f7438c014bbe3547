"""`build-site build` inside a Jekyll site: which files are posts, drafts, pages and static
files, and the URLs Jekyll's permalink rules give them. Every expected address here is the
one Jekyll 4.3.1 (Debian's) wrote for the same site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.sources.permalinks import slugify
from tests.conftest import SEED, Project, typeset

CONFIG = """\
title: Notes on signals
permalink: /:categories/:year/:month/:day/:title/
exclude: [notes.txt]
timezone: Europe/Berlin
defaults:
  - scope: {path: "", type: posts}
    values: {layout: post, use_math: true}
"""


def jekyll_site(project: Project, config: str = CONFIG) -> Project:
    (project.root / "posts").rmdir()
    project.write("_config.yml", config)
    project.write("_posts/2019-03-04-first-post.markdown",
                  "---\ntitle: One\ncategories: [Machine Learning, math]\n---\nFirst $$x$$.\n")
    project.write("_posts/sub/2019-03-05-Second_Post.md",
                  "---\ntitle: Two\ncategory: notes\ndate: 2019-03-05 23:30:00 -0500\n---\nx\n")
    project.write("blog/_posts/2019-03-06-café.md", "---\ntitle: Three\n---\nx\n")
    project.write("_posts/2019-03-07-four.md",
                  "---\ntitle: Four\npermalink: /custom/:title.html\n---\nx\n")
    project.write("_posts/2019-03-08-five.md", "---\ntitle: Five\npublished: false\n---\nx\n")
    project.write("_posts/2019-03-09-six.md", "---\ntitle: Six\nslug: my-slug\n---\nx\n")
    project.write("_posts/2019-03-10-no-front-matter.md", "Plain text.\n")
    project.write("_drafts/a-draft.md", "---\ntitle: Draft\ndate: 2019-04-01\n---\nx\n")
    project.write("about.md", "---\ntitle: About\npermalink: /about/\n---\nHi.\n")
    project.write("docs/guide.md", "---\ntitle: Guide\n---\nx\n")
    project.write("docs/index.md", "---\ntitle: Docs\n---\nx\n")
    project.write("other.html", "---\ntitle: An HTML page\n---\n<p>Area $\\pi r^2$.</p>\n")
    project.write("assets/main.scss", "---\n---\nbody {}\n")
    project.write("feed.xml", "---\n---\n{{ site.title }}\n")
    project.write("notes.txt", "excluded\n")
    project.write("Gemfile", "# gems\n")
    project.write("assets/img/a.png", b"\x89PNG fake")
    project.write("CNAME", "example.org\n")
    project.write("page.html", "<p>no front matter: copied as it is</p>\n")
    project.write("_sass/_x.scss", "$x: 1;\n")
    project.write(".hidden", "x\n")
    project.write("_layouts/post.html", "{{ content }}\n")
    return project


def files(project: Project) -> set[str]:
    site = project.root / "site"
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def test_jekyll_site_builds_with_jekylls_addresses(project: Project) -> None:
    jekyll_site(project).build()
    built = files(project)
    jekyll = {  # what Jekyll 4.3.1 wrote (less the feed and Sass it compiled)
        "2019/03/10/no-front-matter/index.html",
        "2019/03/09/my-slug/index.html",
        "CNAME", "about/index.html", "assets/img/a.png",
        "blog/2019/03/06/café/index.html", "custom/four.html",
        "docs/guide/index.html", "docs/index.html",
        "machine learning/math/2019/03/04/first-post/index.html",
        "notes/2019/03/06/Second_Post/index.html", "other/index.html", "page.html",
    }
    assert jekyll <= built
    for absent in ("notes.txt", "Gemfile", "assets/main.scss", "_sass/_x.scss", ".hidden",
                   "2019/03/08/five/index.html", "_layouts/post.html", "site.toml"):
        assert absent not in built
    assert not any(path.startswith(("2019/04/01", "_drafts")) for path in built)
    post = project.page("machine learning/math/2019/03/04/first-post/index.html")
    assert ("inline", "<mi>x</mi>") in typeset(post)  # the kramdown dialect: inline
    assert ">Machine Learning</a>" in post  # categories are listed as tags
    other = project.page("other/index.html")
    assert "Area <span class=\"math\"><mjx-container" in other
    assert typeset(other) == [("inline", "<mi>\u03c0</mi><msup><mi>r</mi><mn>2</mn></msup>")]


def test_jekyll_site_says_what_it_leaves_out(project: Project) -> None:
    result = jekyll_site(project).build()
    assert ("assets/main.scss: warning: not built: only Markdown and HTML pages are"
            in result.stderr)
    assert "feed.xml: warning: not built" in result.stderr


def test_drafts_and_unpublished_posts_with_drafts(project: Project) -> None:
    jekyll_site(project).build("--drafts")
    built = files(project)
    assert "2019/04/01/a-draft/index.html" in built
    assert "2019/03/08/five/index.html" in built


@pytest.mark.parametrize(
    ("permalink", "expected"),
    [
        ("date", "2019/03/04/hello-world.html"),
        ("pretty", "2019/03/04/hello-world/index.html"),
        ("ordinal", "2019/063/hello-world.html"),
        ("none", "hello-world.html"),
        ("/:year/:i_month/:slug", "2019/3/hello-world/index.html"),
        ("/blog/:short_month-:i_day/:title/", "blog/Mar-4/hello-world/index.html"),
    ],
)
def test_permalink_styles(project: Project, permalink: str, expected: str) -> None:
    (project.root / "posts").rmdir()
    project.write("_config.yml", f"permalink: {permalink}\n")
    project.write("_posts/2019-03-04-hello-world.md", "---\ntitle: Hi\n---\nx\n")
    project.build()
    assert expected in files(project)


def test_site_toml_overrides_config_yml(project: Project) -> None:
    jekyll_site(project)
    project.write("site.toml", 'title = "From site.toml"\n')
    project.build()
    assert "<title>From site.toml</title>" in project.page("index.html")


def test_config_yml_settings_reach_the_pages(project: Project) -> None:
    jekyll_site(project, CONFIG + "url: https://example.org\nbaseurl: /notes\n"
                "description: Signals and systems\nauthor: {name: Ann Example}\n")
    project.build()
    home = project.page("index.html")
    assert "<title>Notes on signals</title>" in home
    assert 'href="/notes/2019/03/09/my-slug/"' in home
    assert "Ann Example" in home
    assert "https://example.org/notes/" in project.page("feed.xml")


def test_no_url_warning_names_config_yml(project: Project) -> None:
    result = jekyll_site(project).build()
    assert "warning: no base_url" in result.stderr
    assert "url: https://example.org in _config.yml" in result.stderr


def test_bad_config_yml_names_its_line(project: Project) -> None:
    (project.root / "posts").rmdir()
    project.write("_config.yml", "title: [x\n")
    project.write("_posts/2019-03-04-a.md", "x\n")
    assert "_config.yml:2: configuration:" in project.fail()


def test_repeated_keys_are_warnings_in_a_jekyll_site(project: Project) -> None:
    """Jekyll keeps the last of a repeated YAML key and builds: so does build-site."""
    (project.root / "posts").rmdir()
    project.write("_config.yml", "title: x\ntitle: Kept\n")
    project.write("_posts/2019-03-04-a.md", "---\ntitle: A\ntitle: B\n---\nx\n")
    result = project.build()
    assert ("_config.yml:2: warning: duplicate key 'title' (first given on line 1): the last "
            "one counts, as in Jekyll") in result.stderr
    assert "_posts/2019-03-04-a.md:3: warning: duplicate key 'title'" in result.stderr
    assert "<title>B · Kept</title>" in project.page("2019/03/04/a.html")


def test_symlink_out_of_the_site_is_refused(project: Project, tmp_path: Path) -> None:
    jekyll_site(project)
    (tmp_path / "secret.txt").write_text("x")
    (project.root / "assets" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    assert "assets/leak.txt: symbolic link points outside the project" in project.fail()


@pytest.mark.parametrize(
    ("text", "default", "pretty"),
    [  # Jekyll::Utils.slugify's answers
        ("The _config.yml file", "the-config-yml-file", "The-_config.yml-file"),
        ("Machine Learning", "machine-learning", "Machine-Learning"),
        ("C++", "c", "C++"),
        ("café au lait", "café-au-lait", "café-au-lait"),
        ("Hello, World!", "hello-world", "Hello,-World!"),
        ("(foo)", "foo", "(foo)"),
    ],
)
def test_slugify_as_jekyll(text: str, default: str, pretty: str) -> None:
    assert slugify(text) == default
    assert slugify(text, "pretty", cased=True) == pretty


def seed_site(project: Project) -> Project:
    """The seed post as it was on its Jekyll blog: original front matter, ``public/*.gif``."""
    (project.root / "posts").rmdir()
    project.write("_config.yml", "title: Seed\nbaseurl: /blog\n")
    text = SEED.read_text(encoding="utf-8")
    project.write("_posts/2016-11-27-cnns-from-an-image-processing-perspective.md", text)
    from PIL import Image

    for name in sorted(set(re.findall(r"public/([\w-]+)\.gif", text))):
        path = project.root / "public" / f"{name}.gif"
        path.parent.mkdir(exist_ok=True)
        Image.new("P", (40, 20), 1).save(path)
    return project


def test_seed_post_keeps_its_front_matter_and_images(project: Project) -> None:
    seed_site(project).build()
    page = project.page("2016/11/27/cnns-from-an-image-processing-perspective.html")
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert sources and all(src.startswith("/blog/public/") for src in sources)
    for src in sources:
        assert (project.root / "site" / src.removeprefix("/blog/")).is_file(), src
    assert "<title>CNNs from an Image Processing Persepective" in page
    assert page.count('class="math') >= 20


def test_serve_and_check_run_inside_a_jekyll_site(project: Project) -> None:
    seed_site(project)
    result = project.run("check")
    assert "0 figures" in result.stderr or "no figure" in result.stderr, result.stderr
