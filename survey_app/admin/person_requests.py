"""A person's request, served by an administrator: find every record of an identifier, export it, erase it.

The identifier travels in POST bodies only (never in a URL, which access logs and browser histories keep); each
request served leaves one audit entry with the identifier's keyed digest and the counts found."""

from __future__ import annotations

import io
import json

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.admin import bp
from survey_app.admin.messages import explain
from survey_app.admin.routes import _csv_download, admin_only
from survey_app.extensions import db
from survey_app.services import audit, person_requests

#: what each found record is (services.person_requests.KINDS), as the console says it
KIND_LABELS = {
    "account": _l("Console account"), "account_link": _l("Emailed account link"),
    "invitation": _l("Invitation or participant"), "response": _l("Response"), "mail": _l("Message sent"),
    "case": _l("Alert case"), "case_note": _l("Entry of a case's history"), "action": _l("Action of an action plan"),
    "action_note": _l("Entry of an action's history"), "webhook_delivery": _l("Webhook delivery"),
    "unit_owner": _l("Unit owners"),
}
#: the export's columns
CSV_COLUMNS = ["kind", "record", "survey", "field", "value"]


def _identifier() -> str:
    return (request.form.get("identifier") or "").strip()


def _served(action: str, identifier: str, counts: dict[str, int]) -> None:
    audit.record(action, account=current_user, target=f"request:{person_requests.digest(identifier)}",
                 detail=counts)


@bp.route("/requests", methods=["GET", "POST"])
@admin_only
def person_request():
    """Look up every record of an identifier (an audited request); the page offers the export and the erasure."""
    identifier, found, error = _identifier(), None, None
    if request.method == "POST":
        try:
            found = person_requests.find(identifier)
        except ValueError as exc:
            error = explain(exc)
        else:
            _served("request.found", identifier, person_requests.counts(found))
            db.session.commit()
    rows = [{"kind": str(KIND_LABELS[f.kind]), "survey": f.survey or "—", "record": f.record_id,
             "own": f.own} for f in found or []]
    return render_template("admin/person_request.html", identifier=identifier, rows=rows, searched=found is not None,
                           error=error), 422 if error else 200


@bp.post("/requests/export.<any(csv, json):fmt>")
@admin_only
def person_request_export(fmt: str):
    """Every record of the identifier as CSV (one row per field) or JSON (records by kind)."""
    identifier = _identifier()
    try:
        found = person_requests.find(identifier)
    except ValueError as exc:
        flash(explain(exc), "error")
        return redirect(url_for("admin.person_request"))
    _served("request.exported", identifier, person_requests.counts(found))
    db.session.commit()
    if fmt == "csv":
        return _csv_download(person_requests.as_rows(found), CSV_COLUMNS, "person-records.csv")
    body = json.dumps(person_requests.as_json(found), ensure_ascii=False, indent=1).encode()
    return send_file(io.BytesIO(body), mimetype="application/json", as_attachment=True,
                     download_name="person-records.json")


@bp.post("/requests/erase")
@admin_only
def person_request_erase():
    """Erase every record of the identifier, once confirmed."""
    identifier = _identifier()
    if not request.form.get("confirm"):
        flash(_("Tick the box to confirm the erasure."), "error")
        return redirect(url_for("admin.person_request"))
    try:
        counts = person_requests.erase(identifier, by=current_user._get_current_object())
    except ValueError as exc:
        db.session.rollback()
        flash(explain(exc), "error")
        return redirect(url_for("admin.person_request"))
    _served("request.erased", identifier, counts)
    db.session.commit()
    flash(_("%(n)s records erased.", n=sum(counts.values())), "success")
    return redirect(url_for("admin.person_request"))
