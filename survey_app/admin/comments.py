"""Console views of what people wrote: a survey's comments, searched and filtered, and the same as a CSV file.

Identified surveys list each comment with its respondent's unit, time and ratings; anonymous surveys show only
redacted comments in groups of at least k, through the disclosure gate (services.comments).
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import gettext as _

from survey_app.admin import bp
from survey_app.admin.followup_views import unit_labels, when
from survey_app.admin.routes import _csv_download, _lang, _survey_row, audit_download, audit_view, survey_view
from survey_app.models import Survey
from survey_app.services import comments as comment_service
from survey_app.services.disclosure import open_gate
from survey_app.services.surveys import instrument_of

#: the longest search the list takes (characters)
MAX_WORDS = 200


def _chosen(codes: list[str], units: set[str]) -> comment_service.CommentFilter:
    args = request.args
    return comment_service.CommentFilter(
        words=args.get("q", "")[:MAX_WORDS], item=args.get("item") if args.get("item") in codes else None,
        unit=args.get("unit") if args.get("unit") in units else None)


def _rating(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}".rstrip("0").rstrip(".")


def _listing(survey: Survey) -> dict[str, Any]:
    """Everything both views show: the gate, the open questions, the filter and the comments it selects."""
    gate, instrument, lang = open_gate(survey), instrument_of(survey), _lang()
    questions = {item.code: item.text.get(lang) for item in comment_service.open_questions(instrument)}
    names = unit_labels(survey)
    by_code = {unit.code: names[unit.id] for unit in survey.units}
    chosen = _chosen(list(questions), set(by_code) if not survey.anonymous else set())
    listing: dict[str, Any] = {"gate": gate, "questions": questions, "chosen": chosen, "units": by_code}
    if survey.anonymous:
        groups, withheld = comment_service.anonymous_groups(gate, instrument, chosen)
        listing.update(groups=[{"question": questions[g.item], "item": g.item, "texts": g.texts,
                                "unit": by_code.get(g.unit, g.unit) if g.unit else _("Whole survey")}
                               for g in groups], withheld=withheld)
        listing["by_question"] = [
            {"item": code, "question": text, "groups": [g for g in listing["groups"] if g["item"] == code]}
            for code, text in questions.items() if any(g["item"] == code for g in listing["groups"])]
    else:
        listing["comments"] = [
            {"question": questions[c.item], "item": c.item, "text": c.text, "when": when(c.submitted_at),
             "unit": names.get(c.unit_id, "") if c.unit_id else "", "satisfaction": _rating(c.satisfaction),
             "loyalty": _rating(c.loyalty)}
            for c in comment_service.identified_comments(survey, gate, instrument, chosen)]
    return listing


@bp.get("/surveys/<slug>/comments")
@survey_view
def comments(survey: Survey):
    """The comments of the survey's open questions: searchable, by question and unit, a page at a time."""
    listing = _listing(survey)
    page = request.args.get("page", "1")
    shown, page, pages = comment_service.page_of(listing.get("comments", []), int(page) if page.isdigit()
                                                 and len(page) < 7 else 1)
    chosen = listing["chosen"]
    query = {"q": chosen.words, "item": chosen.item or "", "unit": chosen.unit or ""}
    audit_view(survey, "comments")  # never the words searched for: they may be a name
    return render_template(
        "admin/comments.html", survey=_survey_row(survey), chosen=chosen, query=query,
        questions=list(listing["questions"].items()), units=sorted(listing["units"].items()),
        comments=shown, total=len(listing.get("comments", [])), page=page, pages=pages,
        by_question=listing.get("by_question"), withheld=listing.get("withheld", 0), k=listing["gate"].k,
        one_question=len(listing["questions"]) == 1 or chosen.item is not None)


@bp.get("/surveys/<slug>/comments.csv")
@survey_view
def comments_csv(survey: Survey):
    """The comments the list's filter selects, every page, as a CSV file (formula-like cells neutralised)."""
    listing = _listing(survey)
    if survey.anonymous:
        rows = [{"question": g["item"], "unit": g["unit"], "comment": text}
                for g in listing["groups"] for text in g["texts"]]
        audit_download(survey, "comments.csv", len(rows))
        return _csv_download(rows, ["question", "unit", "comment"], f"{survey.slug}-comments.csv")
    rows = [{"question": c["item"], "comment": c["text"], "unit": c["unit"], "submitted_at": c["when"],
             "satisfaction": c["satisfaction"], "loyalty": c["loyalty"]} for c in listing["comments"]]
    audit_download(survey, "comments.csv", len(rows))

    return _csv_download(rows, ["question", "comment", "unit", "submitted_at", "satisfaction", "loyalty"],
                         f"{survey.slug}-comments.csv")
