"""What link previews and search engines read of a page besides its text: where its card
image is, and a post's schema.org ``BlogPosting`` (JSON-LD).

Both need absolute addresses (a relative ``og:image`` or JSON-LD ``url`` is ignored or
wrong), so they are written only when ``base_url`` gives the site's scheme and host.
"""

from __future__ import annotations

from posixpath import dirname, splitext
from typing import Any

from builder.config import Config
from builder.model import PostMeta

CARD = "social-card.jpg"  # a post's card beside its page; the site's at the top


def cards_on(config: Config) -> bool:
    return config.cards and bool(config.absolute_base)


def card_path(meta: PostMeta) -> str:
    """Where a post's card is published: ``social-card.jpg`` beside its page, or for a page
    that is a file (``notes.html``), ``notes.social-card.jpg``."""
    page = meta.output_file
    if page.endswith("index.html"):
        folder = dirname(page)
        return f"{folder}/{CARD}" if folder else f"index.{CARD}"
    return f"{splitext(page)[0]}.{CARD}"


def authors_image(config: Config, meta: PostMeta) -> dict[str, str] | None:
    """The picture the post's front matter chose for previews (``image:``), as its absolute
    address and alt text; None when it names none (or, for a path in the site, without an
    absolute ``base_url`` to make its address from)."""
    if not meta.image:
        return None
    if "://" in meta.image:
        url = meta.image
    elif config.absolute_base:
        url = config.absolute_url(meta.image)
    else:
        return None
    return {"url": url, "alt": meta.image_alt or meta.title}


def preview_card(config: Config, meta: PostMeta) -> str | None:
    """Where the card build-site draws for the post is published, if it draws one: not when
    the author chose a picture, nor without cards."""
    return card_path(meta) if cards_on(config) and not meta.image else None


def blog_posting(config: Config, meta: PostMeta, description: str,
                 image: str | None) -> dict[str, Any] | None:
    """schema.org's ``BlogPosting`` for a dated post (None for pages and without an absolute
    ``base_url``): what search engines show of an article. ``image``: its absolute address."""
    if not config.absolute_base or not meta.dated:
        return None
    url = config.absolute_url(meta.url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": meta.title,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": meta.date.isoformat(),
        "dateModified": (meta.updated or meta.date).isoformat(),
        "inLanguage": config.language,
        "isPartOf": {"@type": "Blog", "name": config.title, "url": config.absolute_url("")},
    }
    if description:
        data["description"] = description
    if config.author:
        data["author"] = {"@type": "Person", "name": config.author}
    if image:
        data["image"] = image
    if meta.tags:
        data["keywords"] = list(meta.tags)
    return data
