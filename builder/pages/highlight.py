"""The theme's code colours: a Pygments style per colour scheme, every colour of it made to
pass WCAG AA (4.5:1) on the background code is shown on, by changing only its lightness.

Pygments' own styles are drawn for their own backgrounds, and few pass AA on another one
('friendly' on ours: numbers at 2.94:1, module names at 3.82:1). Deriving keeps each style's
hues, so the code looks as it did, only readable. The theme's ``pygments.css`` is this
module's output, regenerated when the theme's backgrounds or styles change:

    python -m builder.pages.highlight > builder/theme/static/pygments.css
"""

from __future__ import annotations

import colorsys
import re
from pathlib import Path
from typing import Any

STYLES = ("friendly", "github-dark")  # the Pygments styles of the light and the dark scheme
TARGET = 4.6  # a little above AA, so rounding anywhere cannot take a colour below it
STYLE_CSS = Path(__file__).parents[1] / "theme" / "static" / "style.css"

_HEX = re.compile(r"(?<![\w:])#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def code_backgrounds() -> tuple[str, str]:
    """What code is shown on in the light scheme and the dark one: style.css's --surface."""
    light, dark = STYLE_CSS.read_text().split("@media (prefers-color-scheme: dark)", 1)
    pick = re.compile(r"--surface:\s*(#[0-9a-fA-F]{6})")
    return pick.search(light).group(1), pick.search(dark).group(1)  # type: ignore[union-attr]


def _rgb(color: str) -> tuple[float, float, float]:
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return tuple(int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def luminance(color: str) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(color)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2's contrast ratio, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(color: str, background: str, target: float = TARGET) -> str:
    """``color`` if it reaches ``target`` on ``background``; otherwise the colour of the same
    hue and saturation whose lightness is the nearest that does (found by bisection), darker
    on a light background and lighter on a dark one, or the other way where that cannot."""
    if contrast(color, background) >= target:
        return color
    hue, light, saturation = colorsys.rgb_to_hls(*_rgb(color))

    def shade(lightness: float) -> str:
        return _hex(colorsys.hls_to_rgb(hue, lightness, saturation))

    ends = (0.0, 1.0) if luminance(background) > 0.18 else (1.0, 0.0)
    for end in ends:
        if contrast(shade(end), background) < target:
            continue
        near, far = light, end
        for _ in range(30):
            middle = (near + far) / 2
            near, far = (near, middle) if contrast(shade(middle), background) >= target \
                else (middle, far)
        return shade(far)
    return "#000000" if contrast("#000000", background) >= contrast("#ffffff", background) \
        else "#ffffff"


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def derived_style(name: str, background: str) -> Any:
    """The Pygments style ``name`` with every text colour made readable on ``background``
    (or on the token's own background, where the style gives it one)."""
    from pygments.styles import get_style_by_name

    base = get_style_by_name(name)
    styles = {}
    for token, definition in base.styles.items():
        own = re.search(r"\bbg:(#[0-9a-fA-F]{3,6})", definition)
        behind = own.group(1) if own else background
        styles[token] = _HEX.sub(lambda m, b=behind: readable("#" + m.group(1), b), definition)
    numbers = {}  # line numbers, should a template turn them on
    for kind in ("line_number", "line_number_special"):
        color, behind = (getattr(base, f"{kind}_{part}", None) for part in
                         ("color", "background_color"))
        if color and color.startswith("#"):
            behind = behind if behind and behind.startswith("#") else background
            numbers[f"{kind}_color"] = readable(color, behind)
    return type(f"Readable_{name}", (base,), {
        "styles": styles, "background_color": background, **numbers,
    })


# Where the dark style applies: the reader's system asks for dark and the theme toggle has
# not chosen light, or the toggle chose dark (style.css's variables are scoped the same way).
SYSTEM_DARK = ':root:not([data-theme="light"])'
CHOSEN_DARK = ':root[data-theme="dark"]'


def _scoped(line: str, scope: str) -> str:
    """A rule of Pygments' CSS with each of its selectors under ``scope``."""
    selectors, rest = line.split("{", 1)
    return ", ".join(f"{scope} {s.strip()}" for s in selectors.split(",")) + " {" + rest


def theme_css() -> str:
    """The theme's pygments.css: the light style, then the dark one twice: in its media
    query (the system's scheme) and for a reader who chose dark with the theme toggle."""
    from pygments.formatters import HtmlFormatter

    def rules(name: str, background: str) -> list[str]:
        css = HtmlFormatter(style=derived_style(name, background)).get_style_defs(".highlight")
        # the theme's own --surface stays the background of code blocks
        return [line for line in css.splitlines() if not line.startswith(".highlight { background")]

    (light, dark), backgrounds = STYLES, code_backgrounds()
    head = (f"/* Code colours: Pygments '{light}' (light) and '{dark}' (dark), each colour made to "
            f"reach {TARGET}:1\n   on code's background ({', '.join(backgrounds)}). "
            "Made by builder/pages/highlight.py: do not edit by hand. */")
    body = rules(light, backgrounds[0])
    dark_rules = rules(dark, backgrounds[1])
    system = ["  " + _scoped(line, SYSTEM_DARK) for line in dark_rules]
    chosen = [_scoped(line, CHOSEN_DARK) for line in dark_rules]
    return "\n".join([head, *body, "@media (prefers-color-scheme: dark) {", *system, "}",
                      *chosen]) + "\n"


if __name__ == "__main__":
    print(theme_css(), end="")
