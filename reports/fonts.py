"""The fonts of the reports: one family with Latin and CJK glyphs, used by both the PDF and the charts."""

from __future__ import annotations

from functools import cache

from matplotlib import font_manager

from reports.errors import ReportError

#: Noto Sans CJK SC covers simplified Chinese, Latin and the symbols the reports use (▲ ▼ ² ρ), so one
#: family serves both languages and no text falls back to a font without the glyph (no "tofu" boxes).
CJK_FAMILY = "Noto Sans CJK SC"
#: The CSS font stack of the report; the generic family is a last resort only.
CSS_FONT_STACK = f'"{CJK_FAMILY}", "Noto Sans CJK", sans-serif'
MISSING_FONT = (f"The font '{CJK_FAMILY}' is not installed, so Chinese text cannot be drawn. Install the "
                "Debian package fonts-noto-cjk (`make` does this; or `apt-get install fonts-noto-cjk`) "
                "and run again.")


@cache
def cjk_font_path() -> str:
    """The file of the CJK font, found through matplotlib's font manager; :class:`ReportError` if missing."""
    try:
        family = font_manager.FontProperties(family=CJK_FAMILY)
        return font_manager.findfont(family, fallback_to_default=False)
    except ValueError:
        raise ReportError(MISSING_FONT) from None
