"""Console views of a survey's event webhooks: endpoints, a test event, the delivery log and redelivery.

Only the survey's creator and administrators: the events carry personal data (answers, email addresses), so an
account the survey is merely shared with may neither add a receiver nor read where events go.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.admin import bp
from survey_app.admin.messages import explain
from survey_app.admin.routes import MAX_ID, _survey_row, audit_change, of_survey_or_404, survey_view
from survey_app.extensions import db
from survey_app.models import Survey, WebhookDelivery, WebhookEndpoint
from survey_app.models.types import as_utc, utcnow
from survey_app.models.webhooks import EVENTS
from survey_app.services.events.delivery import deliveries_of, redeliver, send_test_event
from survey_app.services.events.endpoints import (
    add_endpoint,
    allowed_events,
    endpoints_of,
    remove_endpoint,
    set_active,
)

EVENT_LABELS = {"response.completed": _l("A response is completed"), "alert.created": _l("An alert opens a case"),
                "case.updated": _l("A case changes (assignment, status, note, overdue)"),
                "action.updated": _l("An action of an action plan changes"), "ping": _l("Test event")}
STATE_LABELS = {"pending": _l("waiting to be sent"), "delivered": _l("delivered"), "failed": _l("failed")}


def creator_view(view):
    """:func:`survey_view` for the survey's creator and administrators; 403 for the accounts it is shared with."""

    @wraps(view)
    @survey_view
    def wrapper(survey: Survey, *args, **kwargs):
        if current_user.role != "admin" and survey.created_by_id != current_user.id:
            abort(403)
        return view(survey, *args, **kwargs)

    return wrapper


def _when(moment) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M:%S") if moment is not None else ""


def _endpoint_row(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"id": endpoint.id, "url": endpoint.url, "active": endpoint.active,
            "events": [str(EVENT_LABELS[e]) for e in endpoint.event_names], "codes": endpoint.event_names,
            "created": _when(endpoint.created_at)}


def _delivery_row(delivery: WebhookDelivery, urls: dict[int, str]) -> dict[str, Any]:
    return {"id": delivery.id, "created": _when(delivery.created_at), "event": delivery.event,
            "event_label": str(EVENT_LABELS.get(delivery.event, delivery.event)), "event_id": delivery.event_id,
            "endpoint": urls.get(delivery.endpoint_id, ""), "state": delivery.state,
            "state_label": str(STATE_LABELS[delivery.state]), "attempts": delivery.attempts,
            "last_attempt": _when(delivery.last_attempt_at), "next_attempt": _when(delivery.next_attempt_at),
            "status": delivery.last_status, "error": delivery.last_error}


@bp.route("/surveys/<slug>/webhooks", methods=["GET", "POST"])
@creator_view
def webhooks(survey: Survey):
    """The survey's endpoints, a form for a new one and the delivery log; a new endpoint's secret is shown once."""
    error = None
    if request.method == "POST":
        try:
            _, secret = add_endpoint(survey, request.form.get("url", ""), request.form.getlist("events"),
                                     now=utcnow(), created_by_id=current_user.id)
        except ValueError as exc:
            db.session.rollback()
            error = explain(exc)
        else:
            audit_change(survey, "webhooks", {"change": "added"})
            db.session.commit()
            page = make_response(render_template("admin/webhook_endpoint_secret.html",
                                                 survey=_survey_row(survey), secret=secret))
            page.headers["Cache-Control"] = "no-store"
            return page
    endpoints = endpoints_of(survey)
    urls = {endpoint.id: endpoint.url for endpoint in endpoints}
    offered = allowed_events(survey)
    chosen = request.form.getlist("events") if request.method == "POST" else []
    return render_template(
        "admin/webhooks.html", survey=_survey_row(survey), endpoints=[_endpoint_row(e) for e in endpoints],
        deliveries=[_delivery_row(d, urls) for d in deliveries_of(survey)], error=error,
        url=request.form.get("url", ""),
        events=[{"code": e, "label": str(EVENT_LABELS[e]), "checked": e in chosen} for e in EVENTS if e in offered],
        withheld=[e for e in EVENTS if e not in offered],
    ), 422 if error else 200


def _endpoint(survey: Survey, endpoint_id: int) -> WebhookEndpoint:
    return of_survey_or_404(WebhookEndpoint, endpoint_id, survey)


@bp.post(f"/surveys/<slug>/webhooks/<int(max={MAX_ID}):endpoint_id>")
@creator_view
def webhook_endpoint(survey: Survey, endpoint_id: int):
    """Switch an endpoint on or off, delete it, or send it a test event."""
    endpoint = _endpoint(survey, endpoint_id)
    action = request.form.get("action", "")
    if action in ("on", "off"):
        set_active(endpoint, action == "on")
        audit_change(survey, "webhooks", {"change": f"switched_{action}"})
        message = _("Endpoint switched on.") if action == "on" else _("Endpoint switched off.")
    elif action == "delete":
        remove_endpoint(endpoint)
        audit_change(survey, "webhooks", {"change": "deleted"})
        message = _("Endpoint deleted, with its delivery log.")

    elif action == "test":
        if not endpoint.active:
            flash(_("Switch the endpoint on before sending it a test event."), "error")
            return redirect(url_for("admin.webhooks", slug=survey.slug))
        send_test_event(survey, endpoint, utcnow())
        message = _("Test event queued: it is sent within a minute; see the delivery log.")
    else:
        abort(400)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admin.webhooks", slug=survey.slug))


@bp.post(f"/surveys/<slug>/webhooks/deliveries/<int(max={MAX_ID}):delivery_id>/redeliver")
@creator_view
def webhook_redeliver(survey: Survey, delivery_id: int):
    """Send a failed delivery once more."""
    delivery = of_survey_or_404(WebhookDelivery, delivery_id, survey)
    try:
        redeliver(delivery, utcnow())
    except ValueError:
        db.session.rollback()
        flash(_("Only a failed delivery can be sent again."), "error")
    else:
        db.session.commit()
        flash(_("Delivery queued again."), "success")
    return redirect(url_for("admin.webhooks", slug=survey.slug, _anchor="deliveries"))
