"""The reminder plan on the console's mail page: when the invitations and the reminders go out, and what each
scheduled step has done."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from flask import flash, redirect, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, StopValidation, ValidationError

from survey_app.admin import bp
from survey_app.admin.messages import explain
from survey_app.admin.routes import audit_change, survey_view
from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.models.types import as_utc, utcnow
from survey_app.scheduler.reminders import set_plan
from survey_app.services.lifecycle import check_writable
from survey_app.services.mail.plan import INVITATIONS, PlannedStep, planned_steps, stored_plan

#: what separates the numbers of a list of days: commas (also Chinese ones), enumeration commas, semicolons, spaces
DAYS_SEPARATOR = re.compile(r"[\s,;，、；]+")
#: the steps one list may name
MAX_STEPS = 20
#: a job's state (scheduler.models.JOB_STATES) and a step not scheduled yet, as the console names them
STATE_LABELS = {"due": _l("to be sent"), "running": _l("running"), "planned": _l("scheduled when the survey opens")}
_AFTER = re.compile(r"after-(\d+)d")
_BEFORE = re.compile(r"before-close-(\d+)d")


def parse_days(text: str | None) -> list[int]:
    """The numbers of days in ``text`` ("3, 7", "3，7", "３ ７"); ValueError naming the first wrong part."""
    parts = [part for part in DAYS_SEPARATOR.split(unicodedata.normalize("NFKC", text or "")) if part]
    for part in parts:
        if not part.isascii() or not part.isdigit():
            raise ValueError(_("Numbers of days only, separated by commas (e.g. 3, 7): %(part)s is not one.",
                               part=part[:20]))
        if not 1 <= int(part) <= 365:
            raise ValueError(_("Each number of days must be between 1 and 365: %(part)s is not.", part=part[:20]))
    if len(parts) > MAX_STEPS:
        raise ValueError(_("At most %(n)s steps in one list.", n=MAX_STEPS))
    return sorted({int(part) for part in parts})


def days_list(form: FlaskForm, field) -> None:
    """A list of days the plan can use."""
    try:
        parse_days(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def time_when_chosen(form: FlaskForm, field) -> None:
    """A time, when the invitations go out at a set time (before Optional(), which ends the checks of an empty
    field)."""
    if form.invite.data == "at" and not (field.raw_data and field.raw_data[0].strip()):
        raise StopValidation(_l("Enter the date and time the invitations go out."))


class ReminderPlanForm(FlaskForm):
    invite = RadioField(_l("Invitations"), choices=[
        SelectChoice("manual", _l("By hand (the Send invitations button)")),
        SelectChoice("open", _l("When the survey opens")),
        SelectChoice("at", _l("At a set date and time"))], default="manual")
    # the browser's own format first: a datetime-local input shows nothing of a value in another
    invite_at = DateTimeLocalField(_l("Date and time of the invitations (UTC)"),
                                   format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
                                   validators=[time_when_chosen, Optional()])
    on_open = BooleanField(_l("A reminder when the survey opens (to those invited before)"))
    after_days = StringField(_l("Reminders this many days after the opening"),
                             validators=[Length(max=200), days_list])
    before_close_days = StringField(_l("Reminders this many days before the closing"),
                                    validators=[Length(max=200), days_list])



def plan_form(survey: Survey) -> ReminderPlanForm:
    """The form filled with the survey's stored plan."""
    plan = stored_plan(survey)
    if plan is None:
        return ReminderPlanForm(formdata=None)
    invite = "open" if plan.invite_on_open else "at" if plan.invite_at is not None else "manual"
    return ReminderPlanForm(formdata=None, data={
        "invite": invite, "on_open": plan.on_open,
        "invite_at": as_utc(plan.invite_at).replace(tzinfo=None) if plan.invite_at is not None else None,
        "after_days": ", ".join(map(str, plan.after_days)),
        "before_close_days": ", ".join(map(str, plan.before_close_days))})


def step_label(name: str) -> str:
    """A step's name (``after-3d``) as the console says it."""
    if name == INVITATIONS:
        return _("Invitations")
    if name == "open":
        return _("Reminder when the survey opens")
    if match := _AFTER.fullmatch(name):
        return ngettext("Reminder %(num)s day after the opening", "Reminder %(num)s days after the opening",
                        int(match[1]))
    if match := _BEFORE.fullmatch(name):
        return ngettext("Reminder %(num)s day before the closing", "Reminder %(num)s days before the closing",
                        int(match[1]))
    return name


def state_label(step: PlannedStep) -> str:
    """A step's state, with what it sent once it ran."""
    if step.state == "failed":
        return _("failed: %(reason)s", reason=explain(step.error or ""))
    if step.state != "done":
        return str(STATE_LABELS.get(step.state, step.state))
    done = (_("done · %(n)s invitations sent", n=step.sent) if step.name == INVITATIONS
            else _("done · %(n)s reminded", n=step.sent))
    return done + (" · " + _("%(n)s waiting to be sent", n=step.queued) if step.queued else "")


def plan_section(survey: Survey, form: ReminderPlanForm | None = None, now: datetime | None = None) -> dict:
    """What templates/admin/_reminder_plan.html shows: the form and the schedule, as plain values."""
    plan = stored_plan(survey)
    return {
        "form": form or plan_form(survey),
        "steps": [{"label": step_label(step.name), "state": state_label(step), "done": step.state == "done",
                   "due": format_datetime(step.due_at, "medium") if step.due_at else "—"}
                  for step in planned_steps(survey, now or utcnow())],
        "anonymous": survey.anonymous,
        "no_closing": survey.closes_at is None and bool(plan and plan.before_close_days),
        "editable": survey.status not in ("closed", "archived"),
    }


@bp.post("/surveys/<slug>/mail/plan")
@survey_view
def reminder_plan(survey: Survey):
    """Save when the invitations and the reminders go out; an open survey's steps are scheduled at once."""
    from survey_app.admin.mail import mail_page

    form = ReminderPlanForm()
    if not form.validate_on_submit():
        return mail_page(survey, plan_form=form), 400
    try:
        check_writable(survey)
        set_plan(survey, on_open=form.on_open.data, after_days=parse_days(form.after_days.data),
                 before_close_days=parse_days(form.before_close_days.data), now=utcnow(),
                 invite_on_open=form.invite.data == "open",
                 invite_at=form.invite_at.data.replace(tzinfo=UTC) if form.invite.data == "at" else None)
    except ValueError as exc:
        db.session.rollback()
        flash(_("The plan was not saved: %(reason)s", reason=explain(exc)), "error")
    else:
        audit_change(survey, "reminder_plan")
        db.session.commit()
        flash(_("Plan saved.")
 + (" " + _("Its steps are scheduled.") if survey.status == "open" else " " + _(
            "Its steps are scheduled when the survey opens.")), "success")
    return redirect(url_for("admin.mail", slug=survey.slug, _anchor="reminder-plan"))
