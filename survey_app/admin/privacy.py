"""Console views of a survey's privacy: the notice and consent, the retention periods with a preview of what goes
when, deleting one response or the survey with all its data; and deleting an account (docs/privacy.md).

Only the survey's creator and administrators (like the webhooks: what is kept about people is theirs to decide).
Every deletion leaves one audit entry (services.audit).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.admin import bp
from survey_app.admin.editor import LANGUAGE_LABELS
from survey_app.admin.messages import explain
from survey_app.admin.routes import MAX_ID, _survey_row, admin_only
from survey_app.admin.webhooks import creator_view
from survey_app.extensions import db
from survey_app.messages import N_, TranslatableError
from survey_app.models import Response, Survey, User
from survey_app.models.types import utcnow
from survey_app.services import privacy, retention
from survey_app.services.audit import record
from survey_app.services.deletion import delete_account, delete_response, delete_survey

PART_LABELS = {"purpose": _l("Purpose: why the answers are collected"),
               "controller": _l("Controller: who is responsible for the data"),
               "retention": _l("Retention: how long the answers are kept"),
               "contact": _l("Contact for questions and requests"),
               "consent": _l("Wording of the consent box (identified surveys)")}
STEP_LABELS = {"answers": _l("Answers"), "invitees": _l("Invitee list (names, addresses, personal links)"),
               "deliveries": _l("Delivery logs (mail messages, webhook deliveries)")}
RULE_LABELS = {"delete": _l("delete the responses"),
               "anonymise": _l("anonymise them (identifiers, links, free text and exact times removed)")}


def _days(name: str) -> int | None:
    text = request.form.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise TranslatableError(N_("a retention period is a number of days from 0 to %(n)s"), n=retention.MAX_DAYS)
    return int(text)


def _step_row(step: retention.Step, now) -> dict[str, Any]:
    if step.days is None:
        state = _("kept (no period set)")
    elif step.due_at is None:
        state = _("%(n)s days after the closing; the survey is not closed", n=step.days)
    elif step.due_at > now:
        state = _("on %(date)s (UTC)", date=step.due_at.strftime("%Y-%m-%d %H:%M"))
    elif step.pending:
        state = _("due now: the next daily run takes it")
    else:
        state = _("done")
    return {"name": step.name, "label": str(STEP_LABELS[step.name]), "days": step.days, "state": state,
            "pending": step.pending}


def _page(survey: Survey, *, error: str | None = None, form: dict | None = None):
    now = utcnow()
    notice = survey.privacy_notice or {}
    return render_template(
        "admin/privacy.html", survey=_survey_row(survey), error=error, notice=notice,
        languages=[(code, str(LANGUAGE_LABELS.get(code, code))) for code in survey.languages],
        parts=[(name, str(label)) for name, label in PART_LABELS.items()
               if name != "consent" or not survey.anonymous],
        version=survey.privacy_version, anonymous=survey.anonymous,
        periods={"answers": survey.answers_retention_days, "invitees": survey.invitees_retention_days,
                 "deliveries": survey.deliveries_retention_days, "rule": survey.answers_retention},
        rules=[(code, str(label)) for code, label in RULE_LABELS.items()],
        steps=[_step_row(step, now) for step in retention.plan(survey, now)], max_days=retention.MAX_DAYS,
        responses=db.session.scalar(sa.select(sa.func.count(Response.id)).where(Response.survey_id == survey.id)),
        form=form or {},
    ), 422 if error else 200


@bp.route("/surveys/<slug>/privacy", methods=["GET", "POST"])
@creator_view
def survey_privacy(survey: Survey):
    """The notice and consent, the retention periods and their preview, and the deletions."""
    if request.method == "GET":
        return _page(survey)
    what = request.form.get("what")
    try:
        if what == "notice":
            notice = {lang: {name: request.form.get(f"{lang}-{name}", "") for name in privacy.FIELDS}
                      for lang in survey.languages}
            changed = privacy.set_notice(survey, notice)
            message = _("Privacy notice saved (version %(n)s).", n=survey.privacy_version) if changed else None
        elif what == "retention":
            rule = request.form.get("rule", "delete")
            if rule not in retention.ANSWER_RULES:
                abort(400)
            retention.set_periods(survey, answers_days=_days("answers"), answers_rule=rule,
                                  invitees_days=_days("invitees"), deliveries_days=_days("deliveries"))
            message = _("Retention periods saved.")
        else:
            abort(400)
    except ValueError as exc:
        db.session.rollback()
        return _page(survey, error=explain(exc), form=request.form.to_dict())
    if message:
        record("survey.changed", account=current_user, survey=survey, target=f"privacy:{what}")
        flash(message, "success")
    db.session.commit()
    return redirect(url_for("admin.survey_privacy", slug=survey.slug))


@bp.post("/surveys/<slug>/privacy/response")
@creator_view
def delete_one_response(survey: Survey):
    """Delete one response of an identified survey, by its number, once confirmed."""
    if survey.anonymous:
        abort(404)
    number = request.form.get("response", "").strip()
    response = (db.session.get(Response, int(number)) if number.isdigit() and int(number) <= MAX_ID else None)
    if response is None or response.survey_id != survey.id:
        flash(_("This survey has no response with that number."), "error")
    elif not request.form.get("confirm"):
        flash(_("Tick the box to confirm the deletion."), "error")
    else:
        deleted = delete_response(response)
        record("data.deleted", account=current_user, survey=survey, target=f"response:{number}",
               detail={"cases": deleted.cases, "webhook_deliveries": deleted.webhook_deliveries,
                       "report_jobs": deleted.report_jobs})
        db.session.commit()
        flash(_("Response %(n)s deleted, with its cases.", n=number), "success")
    return redirect(url_for("admin.survey_privacy", slug=survey.slug, _anchor="delete-response"))


@bp.post("/surveys/<slug>/privacy/erase")
@creator_view
def erase_survey(survey: Survey):
    """Delete the survey with all its data, once its link name is typed."""
    if request.form.get("confirm") != survey.slug:
        flash(_("Type the link name of the survey to confirm its deletion."), "error")
        return redirect(url_for("admin.survey_privacy", slug=survey.slug, _anchor="erase"))
    record("data.deleted", account=current_user, survey=survey, target="survey")
    deleted = delete_survey(survey)
    db.session.commit()
    flash(_("Survey deleted with all its data (%(n)s responses).", n=deleted), "success")
    return redirect(url_for("admin.surveys"))


@bp.post(f"/accounts/<int(max={MAX_ID}):user_id>/delete")
@admin_only
def delete_user(user_id: int):
    """Delete an account once its email is typed; its surveys go to the account chosen to take them over."""
    user = db.get_or_404(User, user_id)
    if request.form.get("confirm", "").strip().lower() != user.email.lower():
        flash(_("Type the account's email to confirm its deletion."), "error")
        return redirect(url_for("admin.accounts"))
    chosen = request.form.get("successor", "")
    successor = db.session.get(User, int(chosen)) if chosen.isdigit() and int(chosen) <= MAX_ID else None
    try:
        handed = delete_account(user, acting=current_user, successor=successor)
    except ValueError as exc:
        db.session.rollback()
        flash(explain(exc), "error")
        return redirect(url_for("admin.accounts"))
    record("data.deleted", account=current_user, target=f"account:{user_id}",
           detail={"surveys_handed_over": handed})
    db.session.commit()
    flash(_("Account deleted; %(n)s surveys handed over.", n=handed), "success")
    return redirect(url_for("admin.accounts"))

