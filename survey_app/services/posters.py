"""The posters and QR codes of a survey: its open link and one signed unit link per unit, in zh or en."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale, gettext

from reports.posters import PosterPage, render_posters
from survey_app.models import Survey
from survey_app.services.qr import qr_svg
from survey_app.services.unit_links import unit_link
from survey_app.services.units import unit_tree

#: the languages a poster is printed in
POSTER_LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class UnitCode:
    """A unit as the console's QR section lists it."""

    code: str
    depth: int
    names: dict[str, str]
    link: str


def open_link(base_url: str, survey: Survey) -> str:
    """The survey's open link."""
    return f"{base_url}/s/{survey.slug}"


def unit_codes(survey: Survey, base_url: str) -> list[UnitCode]:
    """Every unit of the survey's hierarchy in tree order, with its signed unit link."""
    return [UnitCode(row.code, row.depth, row.names, unit_link(base_url, survey.slug, row.code))
            for row in unit_tree(survey)]


def link_for(survey: Survey, base_url: str, code: str | None) -> str:
    """The survey's open link (``code`` None) or unit ``code``'s signed link; ValueError for a unit it lacks."""
    if code is None:
        return open_link(base_url, survey)
    if code not in {unit.code for unit in survey.units}:
        raise ValueError(f"unit {code!r} is not part of survey {survey.slug!r}")
    return unit_link(base_url, survey.slug, code)


def poster_pdf(survey: Survey, base_url: str, lang: str, codes: list[str | None]) -> bytes:
    """A4 posters in ``lang``, a page for each of ``codes`` (a unit's code; None: the survey's open link)."""
    if lang not in POSTER_LANGUAGES:
        raise ValueError(f"poster language {lang!r} is not one of {list(POSTER_LANGUAGES)}")
    names = {row.code: row.names[lang] for row in unit_tree(survey)}
    pages: list[PosterPage] = []
    with force_locale(lang):
        for code in codes:
            link = link_for(survey, base_url, code)
            pages.append(PosterPage(
                lang=lang, title=survey.title_in(lang), unit=names[code] if code is not None else "",
                call=gettext("Scan the code with your phone to answer the survey"), qr_svg=qr_svg(link, inline=True),
                link=link if code is None else open_link(base_url, survey),
                link_label=gettext("Or open this link:"),
                anonymity=gettext("This survey is anonymous: nobody, including the people who run it, can see what "
                                  "you answered. Figures are shown only for groups of at least %(k)s people.",
                                  k=survey.min_group_size) if survey.anonymous else ""))
    return render_posters(pages)
