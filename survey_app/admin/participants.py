"""Console views of the invitees' progress: sent, opened, started, completed (identified surveys), counts only
(anonymous surveys)."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from survey_app.admin import bp
from survey_app.admin.messages import explain
from survey_app.admin.routes import _csv_download, _lang, _survey_row, audit_download, survey_view
from survey_app.models import Survey
from survey_app.models.types import as_utc
from survey_app.services.tracking import STATUSES, invitee_counts, invitee_statuses
from survey_app.services.units import unit_names, unit_tree

#: an invitee's furthest step (services.tracking.STATUSES) as the console says it
STATUS_LABELS = {"invited": _l("not mailed yet"), "sent": _l("mail sent"), "opened": _l("link opened"),
                 "started": _l("started"), "completed": _l("completed")}
#: the columns of the CSV download
CSV_COLUMNS = ["email", "name", "ref", "unit", "status", "sent_at", "opened_at", "started_at", "completed_at"]


def _when(moment: datetime | None) -> str:
    """A step's time in UTC to the minute ("" when it has not happened)."""
    return "" if moment is None else as_utc(moment).strftime("%Y-%m-%d %H:%M")


def _filters(survey: Survey) -> tuple[str | None, str | None]:
    """The status and unit the request filters by (None: all); 404 for values that are neither."""
    status = request.args.get("status") or None
    unit = request.args.get("unit") or None
    if status is not None and status not in STATUSES:
        abort(404)
    if unit is not None and unit not in {u.code for u in survey.units}:
        abort(404)
    return status, unit


@bp.get("/surveys/<slug>/participants/status")
@survey_view
def participant_status(survey: Survey):
    """Each invitee's progress with the time of each step (identified surveys), or the counts (anonymous ones)."""
    names = unit_names(survey, _lang())
    units = [{"code": u.code, "name": names.get(u.code, u.code), "depth": u.depth} for u in unit_tree(survey)]
    summary = invitee_counts(survey).__dict__
    if survey.anonymous:
        return render_template("admin/participants.html", survey=_survey_row(survey), summary=summary, units=units)
    status, unit = _filters(survey)
    everyone = invitee_statuses(survey)
    shown = invitee_statuses(survey, status=status, unit=unit) if status or unit else everyone
    counts = {key: 0 for key in STATUSES}
    for invitee in everyone:
        counts[invitee.status] += 1
    rows = [{"email": i.email, "name": i.name, "ref": i.ref, "unit": names.get(i.unit, i.unit) if i.unit else "",
             "status": STATUS_LABELS[i.status], "key": i.status, "sent": _when(i.sent_at),
             "opened": _when(i.opened_at), "started": _when(i.started_at), "completed": _when(i.completed_at)}
            for i in shown]
    return render_template(
        "admin/participants.html", survey=_survey_row(survey), summary=summary, units=units, rows=rows,
        counts=[(key, STATUS_LABELS[key], counts[key]) for key in STATUSES], total=len(everyone),
        status=status or "", unit=unit or "", statuses=[(key, STATUS_LABELS[key]) for key in STATUSES])


@bp.get("/surveys/<slug>/participants/status.csv")
@survey_view
def participant_status_csv(survey: Survey):
    """The invitees' progress as a CSV, filtered as the page is (identified surveys only)."""
    status, unit = _filters(survey)
    try:
        shown = invitee_statuses(survey, status=status, unit=unit)
    except ValueError as exc:
        flash(explain(exc), "error")
        return redirect(url_for("admin.participant_status", slug=survey.slug))
    rows = [{"email": i.email, "name": i.name, "ref": i.ref, "unit": i.unit, "status": i.status,
             "sent_at": _when(i.sent_at), "opened_at": _when(i.opened_at), "started_at": _when(i.started_at),
             "completed_at": _when(i.completed_at)} for i in shown]
    audit_download(survey, "participants.csv", len(rows))
    return _csv_download(rows, CSV_COLUMNS, f"{survey.slug}-participants.csv")


