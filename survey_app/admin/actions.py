"""Console views of a survey's action plan: the actions planned from its report, and one action.

Access is the survey's: every account that may see the survey may read the plan, add actions and change them
(docs/actions.md). The plan shows no answers, only what people wrote about them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.admin import bp
from survey_app.admin.followup_views import apply_change, assignable_accounts, unit_labels, when
from survey_app.admin.messages import explain
from survey_app.admin.routes import MAX_ID, _lang, _survey_row, of_survey_or_404, survey_view
from survey_app.extensions import db
from survey_app.messages import N_, TranslatableError
from survey_app.models import Action, Survey, User
from survey_app.models.actions import ACTION_STATUSES
from survey_app.models.types import utcnow
from survey_app.services import actions as action_service
from survey_app.services.surveys import instrument_of

STATUS_LABELS = {"planned": _l("planned"), "in_progress": _l("in progress"), "done": _l("done"),
                 "dropped": _l("dropped")}
EVENT_LABELS = {"created": _l("Planned"), "status": _l("Status changed"), "note": _l("Notes changed"),
                "owner": _l("Owner changed"), "due": _l("Due date changed")}


def _drivers(survey: Survey) -> list[tuple[str, str]]:
    """The drivers an action may name, each with its label in the console's language."""
    instrument, lang = instrument_of(survey), _lang()
    labels = {name: c.label.get(lang) for name, c in instrument.constructs.items()}
    labels.update({item.code: item.text.get(lang) for item in instrument.items if item.code not in labels})
    return [(code, labels.get(code) or code) for code in action_service.drivers_of(survey)]


def _row(action: Action, names: dict[int, str], emails: dict[int, str], drivers: dict[str, str],
         today: date) -> dict[str, Any]:
    return {"id": action.id, "title": action.title, "driver": drivers.get(action.driver, action.driver),
            "unit": names.get(action.unit_id, _("Whole survey")) if action.unit_id else _("Whole survey"),
            "owner": emails.get(action.owner_id, "—"), "status": action.status,
            "status_label": str(STATUS_LABELS[action.status]),
            "due": action.due_on.isoformat() if action.due_on else "—", "notes": action.notes,
            "overdue": action_service.is_overdue(action, today)}


def _due(text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise TranslatableError(N_("write the due date as YYYY-MM-DD")) from None


def _account(text: str) -> User | None:
    return db.session.get(User, int(text)) if text.isdigit() and len(text) < 10 else None


@bp.route("/surveys/<slug>/actions", methods=["GET", "POST"])
@survey_view
def actions(survey: Survey):
    """The survey's action plan, filtered by unit, status, owner or overdue, and a form to plan an action."""
    now = utcnow()
    today = now.date()
    args, form = request.args, request.form
    error = None
    if request.method == "POST":
        try:
            action_service.create_action(
                survey, driver=form.get("driver", ""), unit_code=form.get("unit") or None,
                title=form.get("title", ""), owner=_account(form.get("owner", "")), due_on=_due(form.get("due", "")),
                notes=form.get("notes", ""), by=current_user._get_current_object(), now=now)
        except ValueError as exc:
            db.session.rollback()
            error = explain(exc)
        else:
            db.session.commit()
            flash(_("Action planned."), "success")
            return redirect(url_for("admin.actions", slug=survey.slug))
    owner = args.get("owner", "")
    chosen = action_service.ActionFilter(
        unit=args.get("unit") or None, status=args.get("status") if args.get("status") in ACTION_STATUSES else None,
        owner_id=int(owner) if owner.isdigit() and len(owner) < 10 else None, overdue=args.get("overdue") == "1")
    people = assignable_accounts(survey)
    found = action_service.list_actions(survey, chosen, today)
    emails = {user.id: user.email for user in db.session.scalars(sa.select(User).where(
        User.id.in_({a.owner_id for a in found if a.owner_id} | {u.id for u in people})))}
    names, drivers = unit_labels(survey), _drivers(survey)
    labels = dict(drivers)
    draft = {"driver": form.get("driver") or args.get("driver", ""),
             "unit": form.get("unit") or args.get("plan_unit", ""),
             "title": form.get("title", ""), "owner": form.get("owner") or str(current_user.id),
             "due": form.get("due", ""), "notes": form.get("notes", "")}
    return render_template(
        "admin/actions.html", survey=_survey_row(survey),
        actions=[_row(a, names, emails, labels, today) for a in found], chosen=chosen, error=error, draft=draft,
        statuses=[(s, str(STATUS_LABELS[s])) for s in ACTION_STATUSES],
        units=[(unit.code, names[unit.id]) for unit in sorted(survey.units, key=lambda u: u.code)],
        people=[(user.id, user.email) for user in people], drivers=drivers,
    ), 422 if error else 200


def _action(survey: Survey, action_id: int) -> Action:
    return of_survey_or_404(Action, action_id, survey)


@bp.get(f"/surveys/<slug>/actions/<int(max={MAX_ID}):action_id>")
@survey_view
def action(survey: Survey, action_id: int):
    """One action: what, where, who, by when, its status and notes, and its history."""
    found = _action(survey, action_id)
    emails = {user.id: user.email for user in db.session.scalars(sa.select(User))}
    events = [{"at": when(e.at), "who": emails.get(e.user_id, _("system")) if e.user_id else _("system"),
               "what": str(EVENT_LABELS.get(e.kind, e.kind)),
               "old": str(STATUS_LABELS.get(e.old, e.old)) if e.kind == "status" and e.old else e.old,
               "new": str(STATUS_LABELS.get(e.new, e.new)) if e.kind == "status" and e.new else e.new,
               "note": e.note, "kind": e.kind} for e in action_service.history(found)]
    return render_template(
        "admin/action.html", survey=_survey_row(survey),
        action=_row(found, unit_labels(survey), emails, dict(_drivers(survey)), utcnow().date()), events=events,
        statuses=[(s, str(STATUS_LABELS[s])) for s in ACTION_STATUSES])


def _changed(survey: Survey, action_id: int, change) -> Any:
    return apply_change(_action(survey, action_id), change, done=_("Action updated."),
                        back=url_for("admin.action", slug=survey.slug, action_id=action_id))


@bp.post(f"/surveys/<slug>/actions/<int(max={MAX_ID}):action_id>/status")
@survey_view
def action_status(survey: Survey, action_id: int):
    """Move the action to another status."""
    status = request.form.get("status", "")
    return _changed(survey, action_id, lambda found, by, now: action_service.change_status(found, status, by, now))


@bp.post(f"/surveys/<slug>/actions/<int(max={MAX_ID}):action_id>/notes")
@survey_view
def action_notes(survey: Survey, action_id: int):
    """Replace the action's notes (the history keeps every version)."""
    text = request.form.get("notes", "")
    return _changed(survey, action_id, lambda found, by, now: action_service.change_notes(found, text, by, now))
