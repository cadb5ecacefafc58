"""The focus ring's contrast, computed from the stylesheet's own colours (WCAG 2.2, 1.4.11 non-text contrast)."""

from __future__ import annotations

import re
from pathlib import Path

CSS = (Path(__file__).resolve().parents[2] / "survey_app" / "static" / "manyi.css").read_text(encoding="utf-8")
#: WCAG 1.4.11: a focus indicator needs 3:1 against the colours next to it
MIN_RATIO = 3.0


def _variables(css: str) -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))


def _colour(value: str, variables: dict[str, str]) -> str:
    var = re.fullmatch(r"var\(--([\w-]+)\)", value.strip())
    colour = variables[var.group(1)] if var else value.strip()
    short = re.fullmatch(r"#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])", colour)
    return "#" + "".join(c * 2 for c in short.groups()) if short else colour  # #fff is #ffffff


def _luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2.2 definition)."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """Contrast ratio of two #rrggbb colours, 1 to 21."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_matches_the_wcag_examples():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the lightest grey with 4.5:1 on white
    assert round(contrast("#f0b400", "#ffffff"), 2) == 1.87  # the old focus ring (issue 19)


def test_the_focus_ring_has_3_to_1_against_every_background_it_is_drawn_on():
    variables = _variables(CSS)
    ring = re.search(r":focus-visible\s*\{[^}]*outline:\s*(\d+)px solid ([^;]+);[^}]*outline-offset:\s*(\d+)px", CSS)
    assert ring, "the focus ring is an outline with an offset"
    width, colour, offset = int(ring.group(1)), _colour(ring.group(2), variables), int(ring.group(3))
    assert width >= 2 and offset >= 1
    # every background a focusable element sits on; a button's own fill (a <button> or a link drawn as one) is not
    # among them, since the ring is drawn outside the button, across the offset, on the background around it
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", CSS)
    backgrounds = {
        _colour(value, variables): selector.strip()
        for selector, body in rules
        for value in re.findall(r"background(?:-color)?:\s*([^;]+);", body)
        if value.strip() not in ("none", "transparent") and not re.match(r"(a\.)?button\b", selector.strip())
    }
    assert {"#ffffff", variables["soft"], "#e7f0fa"} <= set(backgrounds)
    for background, selector in backgrounds.items():
        assert contrast(colour, background) >= MIN_RATIO, (selector, background, contrast(colour, background))
