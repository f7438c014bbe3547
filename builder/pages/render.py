"""Jinja2 page rendering: the theme's templates, overridable by the project's ``templates/``.

Autoescape is on and undefined variables fail, so a title like ``<script>`` is text
everywhere and a typo in a template is an error instead of an empty string.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from builder.config import Config
from builder.errors import BuildError
from builder.model import PostMeta
from builder.pages.social import CARD as SITE_CARD
from builder.pages.social import cards_on
from builder.pages.tag_names import tag_url

THEME = Path(__file__).parents[1] / "theme"
LAYOUTS = frozenset({"post", "page"})
_NOT_LAYOUTS = frozenset({"base", "index", "archive", "tags", "404"})


def template_dirs(config: Config) -> list[Path]:
    return [config.root / "templates", THEME / "templates"]


def available_layouts(config: Config) -> frozenset[str]:
    """``post``, ``page``, and any other top-level ``.html`` template a project adds."""
    extra = {
        path.stem
        for path in (config.root / "templates").glob("*.html")
        if not path.stem.startswith("_") and path.stem not in _NOT_LAYOUTS
    }
    return LAYOUTS | extra


def templates_digest(config: Config) -> str:
    """Hash of every template that could be used, so a theme edit re-renders every page."""
    digest = hashlib.blake2b(digest_size=16)
    for folder in template_dirs(config):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    _confined(path, config)
                    digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                    digest.update(path.read_bytes() + b"\0")
        digest.update(b"\1")
    return digest.hexdigest()


def _confined(path: Path, config: Config) -> None:
    """A template is the project's or the theme's own file: a symbolic link out of both (to a
    private file, say) is refused by name, before anything of it is read."""
    real = Path(os.path.realpath(path))
    if not (real.is_relative_to(config.root) or real.is_relative_to(THEME.resolve())):
        try:
            shown = Path(os.path.abspath(path)).relative_to(config.root).as_posix()
        except ValueError:
            shown = str(path)
        raise BuildError("symbolic link points outside the project", shown,
                         hint="copy the template into templates/ instead")


def _confined_loader(config: Config) -> Any:
    """Jinja's file loader, with every template it opens checked by ``_confined`` (an
    ``{% include %}`` of a folder that links out, too)."""
    import jinja2

    class Loader(jinja2.FileSystemLoader):
        def get_source(self, environment: Any, template: str) -> Any:
            source, filename, uptodate = super().get_source(environment, template)
            _confined(Path(filename), config)
            return source, filename, uptodate

    return Loader([str(p) for p in template_dirs(config)])


_ENVIRONMENTS: dict[tuple, Any] = {}


class Renderer:
    """Renders named templates with the site-wide context every page needs."""

    def __init__(self, config: Config, asset_versions: dict[str, str],
                 math_fonts: Callable[[str], list[str]] | None = None,
                 search: bool = False) -> None:
        self.config = config
        self.asset_versions = asset_versions
        self.search = search  # the site has a search index: pages show the search box
        # the fonts a page's typeset math draws with, for the page to preload
        self.math_fonts = math_fonts or (lambda _html: [])
        self._env: Any = None

    @property
    def env(self) -> Any:
        """The Jinja2 environment, made on first use: a build that renders nothing skips it.
        Environments (and their compiled templates) are kept per set of templates, settings
        and asset versions, so a preview server compiles its templates once, not per save."""
        if self._env is None:
            key = (templates_digest(self.config), repr(self.config),
                   tuple(sorted(self.asset_versions.items())), self.search)
            self._env = _ENVIRONMENTS.get(key)
            if self._env is None:
                if len(_ENVIRONMENTS) > 8:
                    _ENVIRONMENTS.clear()
                self._env = _ENVIRONMENTS[key] = self._make_env()
        return self._env

    def _make_env(self) -> Any:
        import jinja2

        config = self.config
        env = jinja2.Environment(
            loader=_confined_loader(config),
            autoescape=jinja2.select_autoescape(["html", "xml"], disabled_extensions=["txt"],
                                                default=True),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # the key above covers every template's bytes: no stat per page
        )
        versions = self.asset_versions

        def asset(path: str) -> str:
            version = versions.get(path)
            return config.url(path) + (f"?v={version[:10]}" if version else "")

        math_stylesheet = ""  # math typeset when the site was built needs only this
        if config.math_at_build:
            from builder.math.stage import STYLESHEET

            if STYLESHEET[config.math.output] in versions:  # some page has typeset math
                math_stylesheet = STYLESHEET[config.math.output]
            mathjax_src = fonts = ""
        elif config.mathjax in ("client", "local"):
            mathjax_src = asset("static/mathjax/tex-chtml.js")
            fonts = config.url("static/mathjax/output/chtml/fonts/woff-v2")
        else:
            from builder.config import MATHJAX_CDN

            mathjax_src = MATHJAX_CDN if config.mathjax == "cdn" else config.mathjax
            fonts = mathjax_src.rsplit("/", 1)[0] + "/output/chtml/fonts/woff-v2"
        env.globals.update(
            site={
                "title": config.title,
                "author": config.author,
                "description": config.description,
                "language": config.language,
                # the public address, "" when base_url does not give one: then no feed,
                # sitemap or canonical link is written (see config.url_warnings)
                "url": config.absolute_url("") if config.absolute_base else "",
            },
            url=config.url,
            absolute_url=config.absolute_url,
            asset=asset,
            tag_url=tag_url,
            mathjax_src=mathjax_src,
            mathjax_fonts=fonts,
            math_stylesheet=math_stylesheet,
            math_fonts=[],
            math_macros=config.math.macros_option(),
            has_math=False,
            players=False,  # a post with animations loads the player's script
            page_url=None,  # the page's own site-relative URL, for its canonical link
            search=self.search,
            # the page's card for link previews (a post's own, else the site's) and a
            # post's schema.org BlogPosting, both only with an absolute base_url
            card=SITE_CARD if cards_on(config) else None,
            image=None,  # a post's own picture for previews (image: in its front matter)
            blog_posting=None,
        )
        return env

    def render(self, template: str, **context: Any) -> bytes:
        import jinja2

        try:
            return self.env.get_template(template).render(**context).encode("utf-8")
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError(
                f"template error: {exc.message}", _template_path(self.config, exc.filename),
                exc.lineno,
            ) from None
        except jinja2.TemplateNotFound as exc:
            raise BuildError(f"template '{exc.name}' not found", "templates/") from None
        except jinja2.UndefinedError as exc:
            raise BuildError(f"template error rendering '{template}': {exc.message}",
                             _template_path(self.config, template)) from None


def _template_path(config: Config, name: str | None) -> str:
    if not name:
        return "templates/"
    path = Path(name)
    for folder in template_dirs(config):
        candidate = path if path.is_absolute() else folder / name
        if not candidate.is_file():
            continue
        try:
            return candidate.resolve().relative_to(config.root).as_posix()
        except ValueError:
            return f"(theme)/{candidate.relative_to(THEME).as_posix()}"
    return name


def listing_item(config: Config, meta: PostMeta, excerpt: str) -> dict[str, Any]:
    """A post as listings show it. Links and dates are made here, once per post and build,
    not by the template: a post is listed on the home page, the archive and each of its
    tags' pages, and every call out of a template costs more than the same call here."""
    return {
        "title": meta.title,
        "url": meta.url,
        "href": config.url(meta.url),
        "date": meta.date,
        "date_iso": meta.date.isoformat(),
        "date_text": meta.date.strftime("%B %-d, %Y"),
        "year": meta.date.year,
        "tags": meta.tags,
        "tag_links": [(tag, config.url(tag_url(tag))) for tag in meta.tags],
        "excerpt": Markup(excerpt),
    }


def paginate(items: Sequence[Any], per_page: int, base: str) -> list[tuple[str, dict[str, Any]]]:
    """Split a listing into pages: ``base``, ``base/page/2/``, …; each with its pager links."""
    count = max(1, -(-len(items) // per_page))
    pages = []
    for number in range(1, count + 1):
        def url_of(n: int) -> str:
            return base if n == 1 else f"{base}page/{n}/"

        pager = {
            "number": number,
            "count": count,
            "previous": url_of(number - 1) if number > 1 else None,
            "next": url_of(number + 1) if number < count else None,
            "items": items[(number - 1) * per_page : number * per_page],
        }
        pages.append((url_of(number), pager))
    return pages

