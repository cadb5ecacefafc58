"""Printable A4 posters of a survey's link: title, unit, QR code, short link, anonymity line (one page each).

The pages come as plain dicts (``survey_app.services.posters`` builds them, in the poster's language); the QR
codes are inline SVG, so WeasyPrint fetches nothing (``reports.render.AssetFetcher`` refuses every URL).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from markupsafe import Markup

from reports.fonts import CSS_FONT_STACK, cjk_font_path
from reports.render import TEMPLATES, _env, html_to_pdf


class PosterPage(TypedDict):
    """One poster: every text already in the poster's language."""

    lang: str
    title: str
    #: the unit's name, or "" for the survey's own poster
    unit: str
    #: the call to scan ("Scan to answer the survey")
    call: str
    #: the QR code as an inline ``<svg>`` element (drawn by segno: no text of anybody's in it)
    qr_svg: str
    #: the link written out, for those who type it
    link: str
    link_label: str
    #: the anonymity line of an anonymous survey, else ""
    anonymity: str


def poster_html(pages: Sequence[PosterPage]) -> str:
    """The posters as one HTML document, a page per poster."""
    css = (TEMPLATES / "poster.css").read_text(encoding="utf-8").replace("$FONT_STACK", CSS_FONT_STACK)
    return _env.get_template("poster.html").render(
        css=Markup(css), pages=[{**page, "qr_svg": Markup(page["qr_svg"])} for page in pages])


def render_posters(pages: Sequence[PosterPage]) -> bytes:
    """The posters as PDF bytes: A4, one page per poster."""
    if not pages:
        raise ValueError("a poster PDF needs at least one page")
    cjk_font_path()  # fail with an install hint, not with boxes in place of every Chinese character
    return html_to_pdf(poster_html(pages))
