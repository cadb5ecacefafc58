"""Event webhooks (survey_app.services.events): endpoints added in the console, events from a real response
completion and a real case change, POSTed to a real HTTP server that checks each signature, retried with backoff,
given up on 4xx, logged, redelivered; private addresses refused; anonymous surveys send nothing about a response.
SQLite and PostgreSQL (the ``app`` fixture)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AlertCase, Response, Survey, User, WebhookDelivery, WebhookEndpoint
from survey_app.scheduler import run_due
from survey_app.scheduler.models import ScheduledJob
from survey_app.services import cases
from survey_app.services.alerts import save_rule
from survey_app.services.events import emit_event
from survey_app.services.events.delivery import MAX_ATTEMPTS, backoff, send_test_event
from survey_app.services.events.payloads import response_completed
from tests.survey_app.alert_fixtures import HAPPY, PASSWORD, T0, add_response, setup_world
from tests.survey_app.test_respond_queries import _walk
from tests.survey_app.test_webhooks import receiver  # noqa: F401  (the fixture: a real HTTP server)

ALL = ["response.completed", "alert.created", "case.updated"]
#: a detractor's pages through the web form
DETRACTOR = [{"SAT": "4", "PROBLEM": "0"}, {"BRANCH": "north", "VISITS": "3"}, {"NPS": "3", "LOYAL": "2"}]


@pytest.fixture
def world(app, client, make_survey, receiver):  # noqa: F811
    """The alert survey with a detractor rule; its creator signed in to the console in English."""
    setup_world(app, make_survey)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        save_rule(survey, name="detractor", condition={"item": "NPS", "le": 6}, priority="high", sla_hours=24)
        db.session.commit()
    sign_in_as(app, client, "owner@example.com")
    receiver.clock = int(T0.timestamp())
    app.config["WEBHOOK_TIMEOUT"] = 0.5
    return receiver


def sign_in_as(app, client, email: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/admin/logout")
    assert client.post("/admin/login", data={"email": email, "password": PASSWORD}).status_code == 302
    client.get("/admin/?lang=en")


def add(client, url: str, events: list[str], slug: str = "alerts"):
    """Add an endpoint in the console; the reply."""
    return client.post(f"/admin/surveys/{slug}/webhooks", data={"url": url, "events": events})


def secret_of(reply) -> str:
    assert reply.status_code == 200, reply.text
    assert reply.headers["Cache-Control"] == "no-store"
    return re.search(r'id="webhook-secret-value"[^>]*>(whsec_[\w-]+)<', reply.text).group(1)


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        db.session.expunge_all()
        return rows


def bodies(receiver, path: str) -> list[dict]:  # noqa: F811
    return [json.loads(r["body"]) for r in receiver.requests if r["path"] == path]


def test_a_real_completion_and_case_change_are_posted_signed_and_retried(app, client, world):
    server = world
    server.secret = secret_of(add(client, f"{server.base}/hook", ALL))
    server.answers["/hook"] = [500, 200]  # the first POST fails, the rest succeed
    _walk(app, client, "alerts", DETRACTOR)  # a real respondent through the web form
    with app.app_context():
        # the completion queued one job; run it at a fixed time (the route stamped it with the real clock)
        db.session.execute(sa.update(ScheduledJob).where(ScheduledJob.kind == "alerts").values(due_at=T0))
        db.session.commit()
        run_due(T0, "worker")
    first = deliveries(app)
    assert [(d.event, d.state, d.attempts, d.last_status) for d in first] == [
        ("response.completed", "pending", 1, 500), ("alert.created", "delivered", 1, 200)]
    assert first[0].next_attempt_at.replace(tzinfo=None) == (T0 + timedelta(seconds=30)).replace(tzinfo=None)
    assert "500" in first[0].last_error
    with app.app_context():
        run_due(T0 + timedelta(seconds=29), "worker")  # not yet
        assert len(server.requests) == 2
        run_due(T0 + timedelta(seconds=30), "worker")
    assert [(d.state, d.attempts, d.last_status, d.last_error) for d in deliveries(app)] == [
        ("delivered", 2, 200, None), ("delivered", 1, 200, None)]
    # the retry is the same event, the same id and body, signed again at its own time; every signature checks
    assert [r["verified"] for r in server.requests] == [True, True, True]
    completed = [r for r in server.requests if json.loads(r["body"])["event"] == "response.completed"]
    assert len(completed) == 2 and completed[0]["body"] == completed[1]["body"]
    assert completed[0]["headers"]["Manyi-Webhook-Id"] == completed[1]["headers"]["Manyi-Webhook-Id"] \
        == json.loads(completed[0]["body"])["id"]
    assert completed[0]["headers"]["Manyi-Signature"] != completed[1]["headers"]["Manyi-Signature"]
    payload = json.loads(completed[0]["body"])
    assert payload["survey"]["slug"] == "alerts" and payload["created"] == "2026-12-07T09:00:00+00:00"
    answered = payload["data"]["response"]
    assert answered["answers"]["NPS"] == 3 and answered["unit"] == "north" and answered["invitation"] is None
    alert = next(json.loads(r["body"]) for r in server.requests if b'"alert.created"' in r["body"])
    case = alert["data"]["case"]
    assert (case["rule"], case["status"], case["priority"], case["unit"]) == ("detractor", "new", "high", "north")
    assert case["assignee"] == "north.lead@example.com" and case["due"] == "2026-12-08T09:00:00+00:00"
    assert case["link"].endswith(f"/admin/surveys/alerts/cases/{case['id']}")
    assert "answers" not in json.dumps(alert) and "NPS" not in json.dumps(alert)
    # a real case change: case.updated, with the change and not the note's text
    with app.app_context():
        found = db.session.get(AlertCase, case["id"])
        owner = db.session.scalar(sa.select(User).filter_by(email="owner@example.com"))
        cases.change_status(found, "in_progress", owner, T0 + timedelta(minutes=5))
        cases.add_note(found, "called Mrs Wang at home", owner, T0 + timedelta(minutes=6))
        db.session.commit()
        server.clock = int((T0 + timedelta(minutes=6)).timestamp())  # the server's clock moved on too
        run_due(T0 + timedelta(minutes=6), "worker")
    updated = [json.loads(r["body"]) for r in server.requests if b'"case.updated"' in r["body"]]
    assert [u["data"]["change"] for u in updated] == [
        {"kind": "status", "at": "2026-12-07T09:05:00+00:00", "old": "new", "new": "in_progress"},
        {"kind": "note", "at": "2026-12-07T09:06:00+00:00", "old": None, "new": None}]
    assert updated[0]["data"]["case"]["status"] == "in_progress"
    assert "Mrs Wang" not in json.dumps(updated)
    assert all(r["verified"] for r in server.requests)
    # the delivery log in the console
    page = client.get("/admin/surveys/alerts/webhooks")
    assert page.status_code == 200 and page.text.count('data-state="delivered"') == 4
    assert "A response is completed" in page.text and f"{server.base}/hook" in page.text


def test_a_4xx_gives_up_a_timeout_retries_and_a_failed_delivery_is_redelivered(app, client, world):
    server = world
    server.secret = secret_of(add(client, f"{server.base}/reject", ["alert.created"]))
    secret_of(add(client, f"{server.base}/slow", ["alert.created"]))
    server.secret = None
    server.answers["/reject"] = [400, 200]
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        event_id = emit_event(survey, "alert.created", {"case": {"id": 1}}, T0)
        db.session.commit()
        run_due(T0, "worker")
    rejected, slow = deliveries(app)
    assert rejected.event_id == slow.event_id == event_id  # one event, one delivery per endpoint
    assert (rejected.state, rejected.attempts, rejected.last_status) == ("failed", 1, 400)
    assert "nope, bad field" in rejected.last_error and rejected.next_attempt_at is None
    assert (slow.state, slow.attempts, slow.last_status) == ("pending", 1, None)
    assert "timed out" in slow.last_error
    server.release.set()  # the server answers at once from now on
    with app.app_context():
        run_due(T0 + timedelta(hours=1), "worker")
    rejected, slow = deliveries(app)
    assert (rejected.state, rejected.attempts) == ("failed", 1)  # a 4xx is never tried again by itself
    assert (slow.state, slow.attempts, slow.last_status) == ("delivered", 2, 200)
    # redeliver from the console: only a failed one
    page = client.get("/admin/surveys/alerts/webhooks")
    assert f'action="/admin/surveys/alerts/webhooks/deliveries/{rejected.id}/redeliver"' in page.text
    assert f"/deliveries/{slow.id}/redeliver" not in page.text
    assert client.post(f"/admin/surveys/alerts/webhooks/deliveries/{slow.id}/redeliver").status_code == 302
    assert client.post(f"/admin/surveys/alerts/webhooks/deliveries/{rejected.id}/redeliver").status_code == 302
    with app.app_context():
        db.session.execute(sa.update(ScheduledJob).where(ScheduledJob.state == "due").values(due_at=T0))
        db.session.commit()
        run_due(T0 + timedelta(hours=2), "worker")
    rejected, slow = deliveries(app)
    assert (rejected.state, rejected.attempts, rejected.last_status) == ("delivered", 2, 200)
    assert (slow.state, slow.attempts) == ("delivered", 2)
    ids = {r["headers"]["Manyi-Webhook-Id"] for r in server.requests}
    assert ids == {event_id}


def test_5xx_is_tried_with_doubling_waits_and_given_up_after_the_last_attempt(app, client, world):
    server = world
    secret_of(add(client, f"{server.base}/down", ["case.updated"]))
    server.answers["/down"] = [503]
    assert [backoff(n) for n in (1, 2, 3, 7, 20)] == [timedelta(seconds=30), timedelta(minutes=1),
                                                      timedelta(minutes=2), timedelta(minutes=32),
                                                      timedelta(hours=6)]
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        emit_event(survey, "case.updated", {"case": {"id": 1}}, T0)
        db.session.commit()
        moment = T0
        for attempt in range(1, MAX_ATTEMPTS + 1):
            run_due(moment, "worker")
            [delivery] = db.session.scalars(sa.select(WebhookDelivery)).all()
            db.session.refresh(delivery)
            assert delivery.attempts == attempt
            if attempt < MAX_ATTEMPTS:
                assert delivery.state == "pending"
                moment = moment + backoff(attempt)
        assert (delivery.state, delivery.last_status, delivery.next_attempt_at) == ("failed", 503, None)
        run_due(moment + timedelta(days=1), "worker")
    assert len(server.requests) == MAX_ATTEMPTS


@pytest.mark.parametrize("url", ["https://10.0.0.1/hook", "https://192.168.1.5/hook", "https://169.254.169.254/",
                                 "https://[::ffff:10.0.0.1]/x", "http://example.com/hook", "ftp://example.com/"])
def test_private_and_plain_addresses_are_refused_in_the_console(app, client, world, url):
    reply = add(client, url, ["alert.created"])
    assert reply.status_code == 422 and 'id="endpoint-error"' in reply.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(WebhookEndpoint.id))) == 0


def test_an_address_refused_when_sending_is_given_up_and_never_contacted(app, client, world):
    server = world
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        # written to the database directly (as if the check had changed): the POST checks again
        db.session.add(WebhookEndpoint(survey_id=survey.id, url="https://10.1.2.3/hook", secret="s" * 30,
                                       events=" alert.created ", active=True, created_at=T0))
        emit_event(survey, "alert.created", {}, T0)
        db.session.commit()
        run_due(T0, "worker")
    [delivery] = deliveries(app)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("failed", 1, None)
    assert "private" in delivery.last_error and not server.requests


def test_the_console_form_refuses_no_events_unknown_events_and_hostile_input(app, client, world):
    server = world
    for data in ({"url": f"{server.base}/x"}, {"url": f"{server.base}/x", "events": ["drop.table"]},
                 {"url": "https://exa mple.com/\x00", "events": ["alert.created"]}, {"events": ["alert.created"]}):
        reply = client.post("/admin/surveys/alerts/webhooks", data=data)
        nul = any("\x00" in str(value) for value in data.values())  # refused before the view: refuse_nul_in_request
        assert reply.status_code == (400 if nul else 422), data
    assert client.post("/admin/surveys/alerts/webhooks/99/", data={"action": "on"}).status_code == 404
    assert client.post("/admin/surveys/alerts/webhooks/99", data={"action": "on"}).status_code == 404
    secret_of(add(client, f"{server.base}/hook", ["alert.created"]))
    with app.app_context():
        endpoint_id = db.session.scalar(sa.select(WebhookEndpoint.id))
    assert client.post(f"/admin/surveys/alerts/webhooks/{endpoint_id}", data={"action": "x"}).status_code == 400
    assert client.post(f"/admin/surveys/alerts/webhooks/{2**40}", data={"action": "on"}).status_code == 404


def test_test_event_switching_off_and_deleting(app, client, world):
    server = world
    server.secret = secret_of(add(client, f"{server.base}/hook", ["alert.created"]))
    with app.app_context():
        endpoint_id = db.session.scalar(sa.select(WebhookEndpoint.id))
    assert client.post(f"/admin/surveys/alerts/webhooks/{endpoint_id}", data={"action": "test"}).status_code == 302
    with app.app_context():
        db.session.execute(sa.update(ScheduledJob).where(ScheduledJob.state == "due").values(due_at=T0))
        db.session.commit()
        run_due(T0, "worker")
    [ping] = bodies(server, "/hook")
    assert ping["event"] == "ping" and ping["data"]["events"] == ["alert.created"]
    assert server.requests[0]["verified"]
    client.post(f"/admin/surveys/alerts/webhooks/{endpoint_id}", data={"action": "off"})
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        assert emit_event(survey, "alert.created", {}, T0) is None  # a switched-off endpoint gets no event
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        send_test_event(survey, endpoint, T0)  # queued before it was switched off, say
        db.session.commit()
        run_due(T0, "worker")
    assert deliveries(app)[-1].state == "failed" and "switched off" in deliveries(app)[-1].last_error
    assert client.post(f"/admin/surveys/alerts/webhooks/{endpoint_id}", data={"action": "delete"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 0
        assert db.session.get(WebhookEndpoint, endpoint_id) is None
    assert len(server.requests) == 1


def test_identified_payload_names_the_invitee_and_a_preview_sends_nothing(app, client, world):
    server = world
    secret_of(add(client, f"{server.base}/hook", ["response.completed"]))
    real = add_response(app, "alerts", HAPPY)
    preview = add_response(app, "alerts", HAPPY, is_test=True)
    with app.app_context():
        assert response_completed(preview, T0) is None
        assert response_completed(real, T0) is not None
        db.session.commit()
        run_due(T0, "worker")
    [payload] = bodies(server, "/hook")
    invited = payload["data"]["response"]
    assert invited["invitation"] == {"ref": "C-0", "email": "customer0@example.com"}
    assert invited["completed"] == "2026-12-07T09:00:00+00:00" and invited["answers"] == HAPPY


def test_only_the_creator_and_admins_manage_webhooks(app, client, world):
    for email, status in (("north.lead@example.com", 403), ("stranger@example.com", 404),
                          ("owner@example.com", 200)):
        sign_in_as(app, client, email)
        assert client.get("/admin/surveys/alerts/webhooks").status_code == status, email
        shown = 'id="webhooks-link"' in client.get("/admin/surveys/alerts").text
        assert shown == (status == 200), email


# -- anonymous surveys ---------------------------------------------------------------------------------------------
def test_an_anonymous_survey_sends_no_event_about_a_response(app, client, make_survey, receiver):  # noqa: F811
    setup_world(app, make_survey, anonymous=True, slug="poll")
    sign_in_as(app, client, "owner@example.com")
    page = client.get("/admin/surveys/poll/webhooks")
    assert page.status_code == 200 and 'id="anonymous-events"' in page.text
    assert 'value="response.completed"' not in page.text and 'value="alert.created"' not in page.text
    for event in ALL:
        reply = add(client, f"{receiver.base}/hook", [event], slug="poll")
        assert reply.status_code == 422 and "anonymous" in reply.text, event
    secret_of(add(client, f"{receiver.base}/actions", ["action.updated"], slug="poll"))
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="poll"))
        for event in ALL:
            with pytest.raises(ValueError, match="anonymous"):
                emit_event(survey, event, {}, T0)
        # a subscription written into the database directly is ignored all the same
        db.session.add(WebhookEndpoint(survey_id=survey.id, url=f"{receiver.base}/hook", secret="s" * 30,
                                       events=" response.completed ", active=True, created_at=T0))
        db.session.commit()
    _walk(app, client, "poll", DETRACTOR)
    with app.app_context():
        [response_id] = db.session.scalars(sa.select(Response.id)).all()
        assert db.session.scalar(sa.select(sa.func.count(ScheduledJob.id))) == 0  # nothing queued
        assert response_completed(response_id, T0) is None
        assert emit_event(db.session.scalar(sa.select(Survey).filter_by(slug="poll")), "action.updated",
                          {"action": {"id": 1}}, T0) is not None
        db.session.commit()
        run_due(T0 + timedelta(days=1), "worker")
    assert [r["path"] for r in receiver.requests] == ["/actions"]


def test_an_action_created_and_changed_is_posted_as_action_updated(app, client, world):
    """The action plan's hook reaches the webhooks: creating an action and changing its status each post a signed
    ``action.updated`` with the action and its link, never its notes."""
    from survey_app.services import actions

    server = world
    server.secret = secret_of(add(client, f"{server.base}/plans", ["action.updated"]))
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        owner = db.session.scalar(sa.select(User).filter_by(email="owner@example.com"))
        planned = actions.create_action(survey, driver="SAT", unit_code="north", title="Shorter queues",
                                        owner=owner, due_on=None, notes="ask Mr Li first", by=owner, now=T0)
        actions.change_status(planned, "in_progress", owner, T0 + timedelta(minutes=1))
        db.session.commit()
        run_due(T0 + timedelta(minutes=2), "worker")
    posted = bodies(server, "/plans")
    assert [body["event"] for body in posted] == ["action.updated", "action.updated"]
    assert [body["data"]["action"]["status"] for body in posted] == ["planned", "in_progress"]
    first = posted[0]["data"]["action"]
    assert (first["driver"], first["title"], first["unit"], first["owner"]) == (
        "SAT", "Shorter queues", "north", "owner@example.com")
    assert first["link"].endswith(f"/admin/surveys/alerts/actions/{first['id']}")
    assert all(r["verified"] for r in server.requests)
    assert "Mr Li" not in json.dumps(posted)
