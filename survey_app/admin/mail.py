"""Console views of the mail: participants upload, preview, queueing invitations and reminders, the outbox."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from survey_app.admin import bp
from survey_app.admin.channels_panel import channel_panel
from survey_app.admin.forms import UploadForm
from survey_app.admin.messages import explain
from survey_app.admin.reminder_plan import plan_section
from survey_app.admin.routes import _survey_row, audit_change, survey_view
from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.services.lifecycle import check_writable
from survey_app.services.mail import queue_invitations, queue_reminders
from survey_app.services.mail.background import send_in_background
from survey_app.services.mail.outbox import delivery_counts, delivery_rows, outbox, outbox_message, preview
from survey_app.services.participants import import_participants

#: what a message is (models.mail.MAIL_KINDS)
KIND_LABELS = {"invitation": _l("Invitation"), "reminder": _l("Reminder")}
#: what a sent message is, in the delivery list (a follow-up survey's messages: services.recovery)
SENT_KIND_LABELS = {**KIND_LABELS, "followup": _l("Recovery follow-up")}
#: a message's delivery status (models.mail.MAIL_STATUSES)
STATUS_LABELS = {"queued": _l("queued"), "sent": _l("sent"), "failed": _l("failed")}
#: the reminder steps the console offers (the scheduler names its own, e.g. "after-7-days")
STEP_LABELS = {"first": _l("First reminder"), "second": _l("Second reminder"), "last": _l("Last reminder")}
LANG_LABELS = {"zh": _l("Chinese"), "en": _l("English")}


@bp.get("/surveys/<slug>/mail")
@survey_view
def mail(survey: Survey):
    """Invitations by email: the participants, a preview of the messages, the plan, what was sent, the outbox."""
    return mail_page(survey)


def mail_page(survey: Survey, *, plan_form=None) -> str:
    """The mail page; ``plan_form`` is a reminder plan form sent back with its errors."""
    kind = request.args.get("kind", "invitation")
    # not "lang": that one switches the console's own language
    lang = request.args.get("language", survey.languages[0] if survey.languages[0] in LANG_LABELS else "en")
    if kind not in KIND_LABELS or lang not in LANG_LABELS:
        abort(404)
    shown = preview(survey, kind, lang)
    rows = [{**row, "kind": SENT_KIND_LABELS.get(row["kind"], ""), "status": STATUS_LABELS.get(row["status"], "")}
            for row in delivery_rows(survey)]
    counts = delivery_counts(survey)
    return render_template(
        "admin/mail.html", survey=_survey_row(survey), upload=UploadForm(), kind=kind, preview_lang=lang,
        kinds=list(KIND_LABELS.items()), langs=list(LANG_LABELS.items()), steps=list(STEP_LABELS.items()),
        shown=shown and {"subject": shown.subject, "text": shown.text, "html": shown.html},
        rows=rows, counts=[(STATUS_LABELS[s], counts.get(s, 0)) for s in STATUS_LABELS], outbox=outbox(survey),
        writable=survey.status not in ("closed", "archived"), plan=plan_section(survey, plan_form),
        channels=channel_panel(survey, kind, lang))


@bp.post("/surveys/<slug>/participants")
@survey_view
def upload_participants(survey: Survey):
    """Import invitees (CSV or Excel: email, name, unit, language and further columns kept as attributes)."""
    form = UploadForm()
    if form.validate_on_submit():
        try:
            check_writable(survey)
            created = import_participants(survey, form.file.data.read())
        except ValueError as exc:
            db.session.rollback()
            flash(_("No participants imported: %(reason)s", reason=explain(exc)), "error")
        else:
            audit_change(survey, "participants", {"count": len(created)})
            db.session.commit()
            flash(_("%(n)s participants imported.", n=len(created)), "success")
    else:
        flash(_("Choose a CSV or Excel file with the column email."), "error")
    return redirect(url_for("admin.mail", slug=survey.slug))


@bp.post("/surveys/<slug>/mail/invitations")
@survey_view
def send_invitations(survey: Survey):
    """Queue the invitation for every participant not yet invited (sent by ``flask mail send``)."""
    return _queued(survey, "mail:invitation", lambda: queue_invitations(survey))


@bp.post("/surveys/<slug>/mail/reminders")
@survey_view
def send_reminders(survey: Survey):
    """Queue a reminder step for the participants who have not answered."""
    step = request.form.get("step", "")
    if step not in STEP_LABELS:
        abort(400)
    return _queued(survey, f"mail:{step}", lambda: queue_reminders(survey, step))


def _queued(survey: Survey, target: str, queue):
    try:
        count = queue()
    except ValueError as exc:
        db.session.rollback()
        flash(_("Nothing queued: %(reason)s", reason=explain(exc)), "error")
    else:
        audit_change(survey, target, {"count": count})
        db.session.commit()

        send_in_background(current_app._get_current_object())
        flash(_("%(n)s messages queued; they are sent in the background.", n=count), "success")
    return redirect(url_for("admin.mail", slug=survey.slug))


@bp.get("/surveys/<slug>/mail/outbox/<key>")
@survey_view
def outbox_view(survey: Survey, key: str):
    """One message of the local outbox, as its recipient would read it."""
    message = outbox_message(survey, key)
    if message is None:
        abort(404)
    return render_template("admin/mail_message.html", survey=_survey_row(survey), message=message)
