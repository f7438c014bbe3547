"""Code colours readable in both colour schemes: every colour of the theme's pygments.css
reaches WCAG AA (4.5:1) on the background code is shown on, read from the theme's CSS."""

from __future__ import annotations

import colorsys
import re

from builder.pages.highlight import code_backgrounds, contrast, readable, theme_css
from builder.pages.render import THEME

STATIC = THEME / "static"


def colour_rules(css: str) -> list[tuple[str, str, str | None]]:
    """(selector, colour, own background or None) of every rule that sets a text colour."""
    found = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        color = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", body)
        if color:
            own = re.search(r"background-color:\s*(#[0-9a-fA-F]{3,6})", body)
            found.append((selector.strip(), color.group(1), own.group(1) if own else None))
    return found


def test_contrast_is_wcag_2s_ratio() -> None:
    assert round(contrast("#000000", "#ffffff"), 2) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic near miss
    assert contrast("#fff", "#000") == contrast("#000000", "#FFFFFF")


def test_readable_changes_only_what_fails_and_keeps_the_hue() -> None:
    assert readable("#007020", "#f3f4f2") == "#007020"  # passes already
    for color, background in [("#40a070", "#f3f4f2"), ("#60add5", "#f3f4f2"),
                              ("#6e7681", "#1f2226"), ("#0e84b5", "#ffffff")]:
        fixed = readable(color, background)
        assert 4.6 <= contrast(fixed, background) < 4.8, (color, fixed)  # no further than needed
        hue = colorsys.rgb_to_hls(*(int(c, 16) / 255 for c in (color[1:3], color[3:5], color[5:])))
        new = colorsys.rgb_to_hls(*(int(c, 16) / 255 for c in (fixed[1:3], fixed[3:5], fixed[5:])))
        assert abs(hue[0] - new[0]) < 0.02, (color, fixed)


def test_theme_code_colours_pass_aa_in_both_schemes() -> None:
    assert code_backgrounds() == ("#f3f4f2", "#1f2226")  # style.css's --surface, as read
    css = (STATIC / "pygments.css").read_text()
    light_css, dark_css = css.split("@media (prefers-color-scheme: dark)", 1)
    for scheme_css, surface in zip((light_css, dark_css), code_backgrounds(), strict=True):
        rules = colour_rules(scheme_css)
        assert len(rules) > 40
        failing = [(selector, color, round(contrast(color, own or surface), 2))
                   for selector, color, own in rules if contrast(color, own or surface) < 4.5]
        assert failing == [], failing


def test_generator_makes_passing_css_from_pygments_styles() -> None:
    """What `python -m builder.pages.highlight` writes passes too, and keeps the structure
    (light rules, then the dark ones in their media query) the theme's file has."""
    css = theme_css()
    assert css.count("@media (prefers-color-scheme: dark)") == 1
    assert ".highlight { background" not in css  # style.css's --surface stays in charge
    light_css, dark_css = css.split("@media (prefers-color-scheme: dark)", 1)
    for scheme_css, surface in zip((light_css, dark_css), code_backgrounds(), strict=True):
        assert all(contrast(color, own or surface) >= 4.5
                   for _, color, own in colour_rules(scheme_css))
