"""The audit log for administrators: entries filtered by account, survey, action and days, page by page, and the
filtered entries as CSV or JSON."""

from __future__ import annotations

import io
import json
from datetime import date

import sqlalchemy as sa
from flask import abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.admin import bp
from survey_app.admin.followup_views import when
from survey_app.admin.routes import _csv_download, admin_only
from survey_app.extensions import db
from survey_app.models import AuditEntry, User
from survey_app.services import audit

#: each audited action (services.audit.ACTIONS) as the console says it
ACTION_LABELS = {
    "account.signed_in": _l("signed in"), "dashboard.viewed": _l("viewed the dashboard"),
    "export.downloaded": _l("downloaded data"), "report.downloaded": _l("downloaded a report"),
    "survey.created": _l("created a survey"), "survey.changed": _l("changed a survey"),
    "survey.shared": _l("shared a survey"), "account.changed": _l("changed an account"),
    "token.created": _l("created an API token"), "token.revoked": _l("revoked an API token"),
    "data.deleted": _l("deleted data"), "request.found": _l("looked up a person's records"),
    "request.exported": _l("exported a person's records"), "request.erased": _l("erased a person's records"),
}
#: the columns of the CSV export
CSV_COLUMNS = ["at", "account_id", "account", "action", "survey", "target", "detail"]


def _day(name: str) -> date | None:
    text = request.args.get(name) or ""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        abort(400)


def _chosen() -> audit.AuditFilter:
    """The filter the request's query asks for; 400 for a value that is none."""
    account, action = request.args.get("account") or "", request.args.get("action") or None
    if (account and not (account.isdigit() and len(account) < 10)) or (action and action not in audit.ACTIONS):
        abort(400)
    return audit.AuditFilter(account_id=int(account) if account else None, survey=request.args.get("survey") or None,
                             action=action, since=_day("from"), until=_day("to"))


def _rows(found: list[AuditEntry]) -> list[dict]:
    """Entries as plain rows; an account deleted since is named by its number."""
    emails = dict(db.session.execute(sa.select(User.id, User.email).where(
        User.id.in_({e.account_id for e in found if e.account_id is not None}))).all())
    return [{"at": when(e.at), "account_id": e.account_id,
             "account": (emails.get(e.account_id) or _("account %(n)s (deleted)", n=e.account_id))
             if e.account_id is not None else _("command line"), "known": e.account_id in emails, "action": e.action,

             "action_label": str(ACTION_LABELS.get(e.action, e.action)), "survey": e.survey_slug or "",
             "target": e.target or "", "detail": json.dumps(e.detail, ensure_ascii=False, sort_keys=True)
             if e.detail else "", "detail_text": ", ".join(f"{key}: {value}" for key, value in
                                                           sorted((e.detail or {}).items()))} for e in found]



@bp.get("/audit")
@admin_only
def audit_log():
    """Who did what, when: the audit log, newest first, filtered and paged."""
    chosen = _chosen()
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and len(page) < 7 else 1
    found, total = audit.entries(chosen, page=page)
    pages = max(1, -(-total // audit.PAGE_SIZE))
    query = {key: value for key, value in request.args.items() if key in ("account", "survey", "action", "from", "to")
             and value}
    accounts = db.session.execute(sa.select(User.id, User.email).order_by(User.email)).all()
    surveys = db.session.scalars(sa.select(AuditEntry.survey_slug).where(AuditEntry.survey_slug.is_not(None))
                                 .distinct().order_by(AuditEntry.survey_slug)).all()
    return render_template(
        "admin/audit_log.html", rows=_rows(found), total=total, page=page, pages=pages, query=query,
        previous=url_for("admin.audit_log", page=page - 1, **query) if page > 1 else None,
        following=url_for("admin.audit_log", page=page + 1, **query) if page < pages else None,
        accounts=accounts, surveys=surveys, actions=[(a, str(ACTION_LABELS[a])) for a in audit.ACTIONS],
        chosen=request.args)


@bp.get("/audit.<fmt>")
@admin_only
def audit_export(fmt: str):
    """The filtered entries as CSV (formula-like cells neutralised) or JSON; itself an audited download."""
    if fmt not in ("csv", "json"):
        abort(404)
    found, _total = audit.entries(_chosen(), per_page=audit.EXPORT_MAX)
    rows = [{key: row[key] for key in CSV_COLUMNS} for row in _rows(found)]
    audit.record("export.downloaded", account=current_user, target=f"audit.{fmt}", detail={"rows": len(rows)})
    db.session.commit()
    if fmt == "csv":
        return _csv_download(rows, CSV_COLUMNS, "audit-log.csv")
    for row, entry in zip(rows, found, strict=True):
        row["detail"] = entry.detail
    body = json.dumps({"entries": rows}, ensure_ascii=False, indent=1).encode()
    return send_file(io.BytesIO(body), mimetype="application/json", as_attachment=True,
                     download_name="audit-log.json")
