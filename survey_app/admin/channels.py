"""Console views of the other channels: the survey's channel setting and webhook, and the export of every
participant's short message and link (services.channels)."""

from __future__ import annotations

import io

from flask import abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app.admin import bp
from survey_app.admin.messages import explain
from survey_app.admin.routes import _survey_row, audit_change, audit_download, survey_view
from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.services.accounts import may_manage
from survey_app.services.channels.export import FORMATS, export_rows, file_bytes
from survey_app.services.channels.settings import save_channels


@bp.route("/surveys/<slug>/mail/channels", methods=["GET", "POST"])
@survey_view
def save_channel_settings(survey: Survey):
    """Store the channel setting and the webhook; a secret made now is shown on its own page, once (a GET - the
    language switch of that page - goes back to the mail page)."""
    if request.method == "GET":
        return redirect(url_for("admin.mail", slug=survey.slug, lang=request.args.get("lang"), _anchor="channels"))
    if not may_manage(current_user, survey):  # the webhook sends participants' personal data out of the service
        abort(403)
    form = request.form
    try:
        made = save_channels(survey, channel=form.get("channel", ""), url=form.get("webhook_url", ""),
                             secret=form.get("webhook_secret", ""), new_secret=form.get("new_secret") == "1")
    except ValueError as exc:
        db.session.rollback()
        flash(_("Channels not saved: %(reason)s", reason=explain(exc)), "error")
        return redirect(url_for("admin.mail", slug=survey.slug, _anchor="channels"))
    audit_change(survey, "channels")
    db.session.commit()
    if made is None:
        flash(_("Channels saved."), "success")
        return redirect(url_for("admin.mail", slug=survey.slug, _anchor="channels"))
    page = make_response(render_template("admin/webhook_secret.html", survey=_survey_row(survey), secret=made))
    page.headers["Cache-Control"] = "no-store"
    return page


@bp.get("/surveys/<slug>/mail/messages.<fmt>")
@survey_view
def channel_export(survey: Survey, fmt: str):
    """Every participant's short message and personal link (``?message=invitation`` or a reminder step)."""
    if fmt not in FORMATS:
        abort(404)
    message = request.args.get("message", "invitation")
    kind, step = ("invitation", "") if message == "invitation" else ("reminder", message)
    try:
        columns, rows = export_rows(survey, kind, step)
    except ValueError as exc:
        flash(_("Nothing exported: %(reason)s", reason=explain(exc)), "error")
        return redirect(url_for("admin.mail", slug=survey.slug, _anchor="channels"))
    audit_download(survey, f"messages.{fmt}", len(rows))
    name = f"{survey.slug}-{kind}{'-' + step if step else ''}-messages.{fmt}"

    return send_file(io.BytesIO(file_bytes(columns, rows, fmt)), mimetype=FORMATS[fmt], as_attachment=True,
                     download_name=name)
