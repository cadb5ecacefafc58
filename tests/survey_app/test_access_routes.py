"""Every console and API route against every kind of caller: anonymous, wrong role, another owner's survey.

The route list comes from ``app.url_map``: a new route without an entry in :data:`CASES` or :data:`PUBLIC`
fails :func:`test_every_route_has_an_access_case`, so whoever adds a route also says who may use it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    Action,
    ActionEvent,
    AlertCase,
    AlertRule,
    CaseEvent,
    Invitation,
    Response,
    Survey,
    Unit,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from survey_app.services.accounts import share_survey
from survey_app.services.api_tokens import create_api_token
from survey_app.services.responses import save_page, start_response, submit, write_response
from survey_app.services.surveys import instrument_of
from survey_app.services.tokens import new_token
from survey_app.services.users import create_user

PASSWORD = "correct horse battery"
SLUG = "secret-survey"
#: appears in the survey's title, unit names and answers: no refused reply may contain it
MARK = "SECRETMARK"

#: routes anybody may call: the respondent's pages, sign-in, a forgotten password and the emailed account links
#: (their token is the key: tests/survey_app/test_account_links.py), the API description, static files
PUBLIC = {"static", "index", "healthz", "respond.respond", "respond.resume", "respond.thanks", "respond.again",
          "admin.login", "admin.forgot_password", "admin.reset_password", "admin.accept_invitation", "api.openapi",
          "unsubscribe.confirm", "unsubscribe.confirmed"}


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    #: login: any signed-in account; survey: accounts that may see the survey; creator: its creator or an admin;
    #: admin: administrators only; token / token_survey: the same for the API
    kind: str
    data: dict | None = None
    #: a CSV file to upload as the form's ``file``
    upload: str | None = None


CASES: dict[str, Case] = {
    "admin.logout": Case("POST", "/admin/logout", "login"),
    "admin.password": Case("GET", "/admin/password", "login"),
    "admin.surveys": Case("GET", "/admin/", "login"),
    "admin.new_survey": Case("GET", "/admin/surveys/new", "login"),
    "admin.survey": Case("GET", f"/admin/surveys/{SLUG}", "survey"),
    "admin.dashboard": Case("GET", f"/admin/surveys/{SLUG}/dashboard.json", "survey"),
    "admin.change_status": Case("POST", f"/admin/surveys/{SLUG}/status/close", "survey"),
    "admin.upload_units": Case("POST", f"/admin/surveys/{SLUG}/units", "survey", upload="unit,name\nhq,HQ\n"),
    "admin.upload_invitations": Case("POST", f"/admin/surveys/{SLUG}/invitations", "survey",
                                     upload="ref,unit\nperson@example.com,north\n"),
    "admin.export": Case("GET", f"/admin/surveys/{SLUG}/export.csv", "survey"),
    "admin.report": Case("GET", f"/admin/surveys/{SLUG}/report.html?unit=north", "survey"),
    "admin.report_job": Case("GET", f"/admin/surveys/{SLUG}/report-jobs/1", "survey"),
    "admin.report_job_status": Case("GET", f"/admin/surveys/{SLUG}/report-jobs/1.json", "survey"),
    "admin.report_job_pdf": Case("GET", f"/admin/surveys/{SLUG}/report-jobs/1.pdf", "survey"),
    "admin.next_wave": Case("POST", f"/admin/surveys/{SLUG}/next-wave", "survey", {"slug": "stolen-wave"}),
    "admin.reminders": Case("GET", f"/admin/surveys/{SLUG}/reminders.csv", "survey"),
    "admin.delete_survey": Case("POST", f"/admin/surveys/{SLUG}/delete", "survey", {"confirm": SLUG}),
    "admin.preview": Case("GET", f"/admin/surveys/{SLUG}/preview/en", "survey"),
    "admin.delete_some_responses": Case("POST", f"/admin/surveys/{SLUG}/responses/delete/partial", "survey",
                                        {"confirm": "yes"}),
    "admin.links": Case("GET", f"/admin/surveys/{SLUG}/links.csv", "survey"),
    "admin.qr": Case("GET", f"/admin/surveys/{SLUG}/qr.png?unit=north", "survey"),
    "admin.poster": Case("GET", f"/admin/surveys/{SLUG}/posters/en.pdf?unit=north", "survey"),
    "admin.unit_posters": Case("GET", f"/admin/surveys/{SLUG}/posters/zh/units.pdf", "survey"),
    "admin.embedding": Case("POST", f"/admin/surveys/{SLUG}/embedding", "survey",
                            {"origins": "https://stolen.example.com"}),
    "admin.questionnaire": Case("GET", f"/admin/surveys/{SLUG}/questionnaire", "survey"),
    "admin.questionnaire_title": Case("POST", f"/admin/surveys/{SLUG}/questionnaire/title", "survey",
                                      {"revision": "0", "title_zh": "标题", "title_en": "Title"}),
    "admin.questionnaire_change": Case("POST", f"/admin/surveys/{SLUG}/questionnaire/questions/SAT/down", "survey",
                                       {"revision": "0"}),
    "admin.questionnaire_page": Case("GET", f"/admin/surveys/{SLUG}/questionnaire/pages/p1", "survey"),
    "admin.questionnaire_new": Case("GET", f"/admin/surveys/{SLUG}/questionnaire/new?kind=likert&page=p1", "survey"),
    "admin.questionnaire_question": Case("GET", f"/admin/surveys/{SLUG}/questionnaire/questions/SAT", "survey"),
    "admin.questionnaire_condition": Case("GET", f"/admin/surveys/{SLUG}/questionnaire/questions/SAT/condition",
                                          "survey"),
    "admin.questionnaire_skips": Case("GET", f"/admin/surveys/{SLUG}/questionnaire/pages/p1/skips", "survey"),
    "admin.questionnaire_matrix_new": Case("GET", f"/admin/surveys/{SLUG}/questionnaire/pages/p1/matrix", "survey"),
    "admin.questionnaire_matrix": Case("GET", f"/admin/surveys/{SLUG}/questionnaire/pages/p1/matrices/m1", "survey"),
    "admin.questionnaire_welcome": Case("GET", f"/admin/surveys/{SLUG}/questionnaire/welcome", "survey"),
    "admin.questionnaire_export": Case("GET", f"/admin/surveys/{SLUG}/questionnaire.yaml", "survey"),
    "admin.questionnaire_import": Case("POST", f"/admin/surveys/{SLUG}/questionnaire/import", "survey",
                                       upload="id: x\n"),
    "admin.mail": Case("GET", f"/admin/surveys/{SLUG}/mail", "survey"),
    "admin.upload_participants": Case("POST", f"/admin/surveys/{SLUG}/participants", "survey",
                                      upload="email,unit\nperson@example.com,north\n"),
    "admin.send_invitations": Case("POST", f"/admin/surveys/{SLUG}/mail/invitations", "survey"),
    "admin.send_reminders": Case("POST", f"/admin/surveys/{SLUG}/mail/reminders", "survey", {"step": "first"}),
    "admin.outbox_view": Case("GET", f"/admin/surveys/{SLUG}/mail/outbox/1700000000.M1P1Q1.host", "survey"),
    "admin.reminder_plan": Case("POST", f"/admin/surveys/{SLUG}/mail/plan", "survey",
                                {"invite": "manual", "after_days": "3, 7", "before_close_days": ""}),
    "admin.save_channel_settings": Case("POST", f"/admin/surveys/{SLUG}/mail/channels", "creator",
                                        {"channel": "email", "webhook_url": ""}),
    "admin.channel_export": Case("GET", f"/admin/surveys/{SLUG}/mail/messages.csv?message=first", "survey"),
    "admin.participant_status": Case("GET", f"/admin/surveys/{SLUG}/participants/status", "survey"),
    "admin.participant_status_csv": Case("GET", f"/admin/surveys/{SLUG}/participants/status.csv", "survey"),
    "admin.alert_rules": Case("POST", f"/admin/surveys/{SLUG}/alerts", "survey",
                              {"action": "save", "name": "stolen", "a_rows": "1", "a_0_item": "NPS", "a_0_op": "le",
                               "a_0_number": "6", "priority": "high", "sla_hours": "4"}),
    "admin.alert_rule_delete": Case("POST", f"/admin/surveys/{SLUG}/alerts/1/delete", "survey"),
    "admin.unit_owners": Case("POST", f"/admin/surveys/{SLUG}/units/owners", "survey",
                              {"owners-north": "thief@example.com"}),
    "admin.cases": Case("GET", f"/admin/surveys/{SLUG}/cases", "survey"),
    "admin.comments": Case("GET", f"/admin/surveys/{SLUG}/comments", "survey"),
    "admin.comments_csv": Case("GET", f"/admin/surveys/{SLUG}/comments.csv", "survey"),
    "admin.case": Case("GET", f"/admin/surveys/{SLUG}/cases/1", "survey"),
    "admin.case_assign": Case("POST", f"/admin/surveys/{SLUG}/cases/1/assign", "survey", {"assignee": "{owner_id}"}),
    "admin.case_status": Case("POST", f"/admin/surveys/{SLUG}/cases/1/status", "survey", {"status": "resolved"}),
    "admin.case_followup": Case("POST", f"/admin/surveys/{SLUG}/cases/1/followup", "survey"),
    "admin.case_note": Case("POST", f"/admin/surveys/{SLUG}/cases/1/note", "survey", {"note": "stolen note"}),
    "admin.actions": Case("POST", f"/admin/surveys/{SLUG}/actions", "survey",
                          {"driver": "SAT", "unit": "north", "title": "stolen action", "owner": "{owner_id}",
                           "due": "2027-01-31", "notes": ""}),
    "admin.action": Case("GET", f"/admin/surveys/{SLUG}/actions/1", "survey"),
    "admin.action_status": Case("POST", f"/admin/surveys/{SLUG}/actions/1/status", "survey", {"status": "done"}),
    "admin.action_notes": Case("POST", f"/admin/surveys/{SLUG}/actions/1/notes", "survey", {"notes": "stolen"}),
    "admin.share": Case("POST", f"/admin/surveys/{SLUG}/share", "creator", {"email": "stranger@example.com"}),
    "admin.accounts": Case("GET", "/admin/accounts", "admin"),
    "admin.toggle_account": Case("POST", "/admin/accounts/{owner_id}/active", "admin"),
    "admin.invite_account": Case("POST", "/admin/accounts/invitations", "admin",
                                 {"invite-email": "colleague@example.com", "invite-role": "admin",
                                  "invite-language": "en"}),
    "admin.revoke_invitation": Case("POST", "/admin/accounts/invitations/1/revoke", "admin"),
    "admin.audit_log": Case("GET", "/admin/audit?action=dashboard.viewed", "admin"),
    "admin.audit_export": Case("GET", "/admin/audit.json", "admin"),
    "admin.person_request": Case("POST", "/admin/requests", "admin", {"identifier": "person@example.com"}),
    "admin.person_request_export": Case("POST", "/admin/requests/export.csv", "admin",
                                        {"identifier": "person@example.com"}),
    "admin.person_request_erase": Case("POST", "/admin/requests/erase", "admin",
                                       {"identifier": "person@example.com", "confirm": "yes"}),

    # webhooks carry personal data: the survey's creator and admins only (tests/survey_app/test_event_webhooks)
    "admin.webhooks": Case("POST", f"/admin/surveys/{SLUG}/webhooks", "creator",
                           {"url": "https://example.com/hook", "events": "alert.created"}),
    "admin.webhook_endpoint": Case("POST", f"/admin/surveys/{SLUG}/webhooks/1", "creator", {"action": "delete"}),
    "admin.webhook_redeliver": Case("POST", f"/admin/surveys/{SLUG}/webhooks/deliveries/1/redeliver", "creator"),
    "api.list_surveys": Case("GET", "/api/v1/surveys", "token"),
    "api.get_survey": Case("GET", f"/api/v1/surveys/{SLUG}", "token_survey"),
    "api.get_results": Case("GET", f"/api/v1/surveys/{SLUG}/results", "token_survey"),
    "api.post_response": Case("POST", f"/api/v1/surveys/{SLUG}/responses", "token_survey",
                              {"answers": {"SAT": 8, "PROBLEM": 0, "BRANCH": "north", "NPS": 9}}),
}


@pytest.fixture
def world(app, make_survey):
    """A survey made by one manager, shared with an HR account; a stranger manager; an admin; tokens for all."""
    app.config["WTF_CSRF_ENABLED"] = False  # the access checks alone are under test here (CSRF has its own)
    make_survey(slug=SLUG, title={"zh": f"{MARK} 调查", "en": f"{MARK} survey"})
    with app.app_context():
        users = {role: create_user(f"{role}@example.com", PASSWORD, role=r)[0]
                 for role, r in (("admin", "admin"), ("owner", "manager"), ("shared", "hr"),
                                 ("stranger", "manager"))}
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        survey.created_by_id = users["owner"].id
        share_survey(survey, users["owner"])
        share_survey(survey, users["shared"])
        for unit in survey.units:  # made from the unit question's options
            unit.name = f"{MARK} {unit.code}"
        db.session.flush()
        instrument = instrument_of(survey)
        for i in range(12):
            connection = db.session.connection()
            response, _ = start_response(survey, submission_key=f"k{i}", language="en")
            save_page(connection, response, survey, instrument, 0, {"SAT": 7 + i % 3, "PROBLEM": 0}, language="en")
            save_page(connection, response, survey, instrument, 1, {"BRANCH": "north" if i < 6 else "south"},
                      language="en")
            save_page(connection, response, survey, instrument, 2, {"NPS": 8 + i % 3, "COMMENT": f"{MARK} comment {i}"},
                      language="en")
            submit(connection, response, survey)
            write_response(connection, response)
        # an alert rule that opened case 1 (its answers carry MARK)
        from survey_app.services.alerts import evaluate_response, save_rule

        save_rule(survey, name=f"{MARK} rule", condition={"item": "NPS", "ge": 0})
        first = db.session.scalar(sa.select(Response.id).order_by(Response.id).limit(1))
        [opened] = evaluate_response(first, datetime(2026, 12, 7, tzinfo=UTC))
        assert opened.id == 1
        # webhook endpoint 1 (its address carries MARK) with a failed delivery 1
        endpoint = WebhookEndpoint(survey_id=survey.id, url=f"https://example.com/{MARK}", secret="s" * 30,
                                   events=" alert.created ", active=True, created_at=datetime(2026, 12, 7, tzinfo=UTC))
        db.session.add(endpoint)
        db.session.flush()
        db.session.add(WebhookDelivery(survey_id=survey.id, endpoint_id=endpoint.id, event="alert.created",
                                       event_id="evt_1", payload={"data": MARK}, state="failed", attempts=1,
                                       created_at=datetime(2026, 12, 7, tzinfo=UTC)))
        from survey_app.services.actions import create_action

        planned = create_action(survey, driver="SAT", unit_code="north", title=f"{MARK} action", owner=users["owner"],
                                due_on=None, notes=f"{MARK} notes", by=users["owner"],
                                now=datetime(2026, 12, 7, tzinfo=UTC))
        assert planned.id == 1
        tokens = {role: create_api_token(user, f"{role} token")[1] for role, user in users.items()}
        ids = {role: user.id for role, user in users.items()}
        db.session.commit()
    return {"tokens": tokens, "ids": ids}


def call(client, case: Case, world, token: str | None = None):
    path = case.path.format(owner_id=world["ids"]["owner"])
    if case.kind.startswith("token"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if case.method == "POST":
            headers["Idempotency-Key"] = new_token()
            return client.post(path, json=case.data, headers=headers)
        return client.get(path, headers=headers)
    if case.method == "GET":
        return client.get(path)
    if case.upload is not None:
        return client.post(path, data={"file": (io.BytesIO(case.upload.encode()), "upload.csv")},
                           content_type="multipart/form-data")
    return client.post(path, data={k: v.format(owner_id=world["ids"]["owner"]) for k, v in (case.data or {}).items()})


def sign_in(client, who: str):
    reply = client.post("/admin/login", data={"email": f"{who}@example.com", "password": PASSWORD})
    assert reply.status_code == 302, f"{who} could not sign in"


def state(app) -> dict:
    """What a refused request must not have changed."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        return {
            "status": survey.status,
            "units": db.session.scalar(sa.select(sa.func.count(Unit.id))),
            "invitations": db.session.scalar(sa.select(sa.func.count(Invitation.id))),
            "surveys": db.session.scalar(sa.select(sa.func.count(Survey.id))),
            "active": db.session.scalars(sa.select(User.active).order_by(User.id)).all(),
            "rules": db.session.scalars(sa.select(AlertRule.active).order_by(AlertRule.id)).all(),
            "owners": db.session.scalars(sa.select(Unit.owners).order_by(Unit.id)).all(),
            "case history": db.session.scalar(sa.select(sa.func.count(CaseEvent.id))),
            "case": db.session.execute(sa.select(AlertCase.status, AlertCase.assignee_id)).all(),
            "webhooks": db.session.execute(sa.select(WebhookEndpoint.id, WebhookEndpoint.active)).all(),
            "deliveries": db.session.execute(sa.select(WebhookDelivery.state)).all(),
            "actions": db.session.execute(sa.select(Action.status, Action.notes).order_by(Action.id)).all(),
            "action history": db.session.scalar(sa.select(sa.func.count(ActionEvent.id))),
        }


def cases(app) -> dict[str, Case]:
    """The cases of routes this app has (a case may be written before its route lands)."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    return {endpoint: case for endpoint, case in CASES.items() if endpoint in endpoints}


def test_every_route_has_an_access_case(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - PUBLIC - set(CASES))
    assert not missing, f"routes without an access case in {__file__}: {missing}"
    # each case's path really reaches its endpoint with its method
    adapter = app.url_map.bind("localhost")
    for endpoint, case in cases(app).items():
        matched, _ = adapter.match(case.path.split("?")[0].format(owner_id=1), method=case.method)
        assert matched == endpoint


def test_anonymous_callers_are_sent_to_sign_in_or_get_401_and_never_data(app, client, world):
    before = state(app)
    for endpoint, case in cases(app).items():
        reply = call(client, case, world)
        if case.kind.startswith("token"):
            assert reply.status_code == 401, endpoint
            assert reply.headers["WWW-Authenticate"].startswith("Bearer"), endpoint
        else:
            assert reply.status_code == 302, endpoint
            assert "/admin/login" in reply.headers["Location"], endpoint
        assert MARK not in reply.text, endpoint
    wrong = {"tokens": {"x": "wrong-token-" + "a" * 20}, "ids": world["ids"]}
    for endpoint, case in cases(app).items():
        if case.kind.startswith("token"):
            reply = call(client, case, wrong, token="wrong-token-" + "a" * 20)
            assert reply.status_code == 401 and MARK not in reply.text, endpoint
    assert state(app) == before


def test_another_owners_survey_is_404_and_admin_pages_403_for_a_stranger(app, client, world):
    before = state(app)
    sign_in(client, "stranger")
    for endpoint, case in cases(app).items():
        if case.kind.startswith("token"):
            continue
        reply = call(client, case, world)
        if case.kind in ("survey", "creator"):
            assert reply.status_code == 404, endpoint  # exactly like a survey that does not exist
        elif case.kind == "admin":
            assert reply.status_code == 403, endpoint
        else:
            assert reply.status_code in (200, 302), endpoint
        assert MARK not in reply.text, endpoint
        if endpoint == "admin.logout":
            sign_in(client, "stranger")
    assert state(app) == before
    assert client.get("/admin/surveys/no-such-survey").status_code == 404


def test_api_tokens_see_only_their_accounts_surveys(app, client, world):
    before = state(app)
    stranger = world["tokens"]["stranger"]
    for endpoint, case in cases(app).items():
        if not case.kind.startswith("token"):
            continue
        reply = call(client, case, world, token=stranger)
        expected = 200 if case.kind == "token" else 404
        assert reply.status_code == expected, endpoint
        assert MARK not in reply.text and SLUG not in reply.text.replace(f"'{SLUG}'", ""), endpoint
        missing = call(client, Case(case.method, case.path.replace(SLUG, "no-such-survey"), case.kind, case.data),
                       world, token=stranger)
        # a survey one may not see answers exactly like one that does not exist (apart from the slug named)
        assert missing.status_code == reply.status_code, endpoint
        if expected == 404:
            assert missing.get_json()["message"].replace("no-such-survey", SLUG) == reply.get_json()["message"]
    assert state(app) == before
    for role in ("owner", "shared", "admin"):
        for endpoint in ("api.get_survey", "api.get_results"):
            assert call(client, CASES[endpoint], world, token=world["tokens"][role]).status_code == 200, role
    listed = call(client, CASES["api.list_surveys"], world, token=stranger).get_json()
    assert listed == {"surveys": []}


def test_shared_hr_account_works_on_the_survey_but_may_not_share_it_or_manage_accounts(app, client, world):
    sign_in(client, "shared")
    for endpoint in ("admin.survey", "admin.dashboard", "admin.export", "admin.report", "admin.reminders"):
        reply = call(client, CASES[endpoint], world)
        assert reply.status_code in (200, 302), endpoint
    assert MARK in client.get(f"/admin/surveys/{SLUG}").text
    assert call(client, CASES["admin.share"], world).status_code == 403
    for endpoint in ("admin.webhooks", "admin.webhook_endpoint", "admin.webhook_redeliver"):
        assert call(client, CASES[endpoint], world).status_code == 403, endpoint
    assert call(client, CASES["admin.accounts"], world).status_code == 403
    assert call(client, CASES["admin.toggle_account"], world).status_code == 403
    with app.app_context():
        assert all(db.session.scalars(sa.select(User.active)).all())
    # the creator may share, and an admin may manage accounts
    client.post("/admin/logout")
    sign_in(client, "owner")
    assert call(client, CASES["admin.share"], world).status_code == 302
    client.post("/admin/logout")
    sign_in(client, "admin")
    assert call(client, CASES["admin.accounts"], world).status_code == 200


def test_invitation_tokens_carry_at_least_128_random_bits_and_are_compared_in_constant_time(app, make_survey,
                                                                                              monkeypatch):
    import base64
    import hmac

    from survey_app.services import invitations

    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    for token in list(tokens)[:50]:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128
    make_survey(slug="tok")
    compared = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(invitations.hmac, "compare_digest", spy)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="tok"))
        [(invitation, token)] = invitations.create_invitations(survey, [None])
        db.session.commit()
        connection = db.session.connection()
        assert invitations.find_invitation(connection, survey, token).id == invitation.id
        assert compared and compared[-1][0] == compared[-1][1]
        changed = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert invitations.find_invitation(connection, survey, changed) is None
        assert invitations.find_invitation(connection, survey, "x" * 500) is None
        assert token not in str(db.session.scalar(sa.select(Invitation.token_hash)))


def test_only_the_creator_or_an_admin_sets_where_participants_data_is_sent(app, client, world, monkeypatch):
    """The webhook hands participants' names and addresses to an outside server: an account the survey is shared
    with sees the settings read-only and is refused when it posts them; the creator and an admin may save."""
    import socket

    from survey_app.models import SurveyChannels as ChannelSettings

    # no test asks a real DNS server: the sender's name stands for a public address
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *args, **kwargs:
                        [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))])

    def stored():
        with app.app_context():
            return db.session.execute(sa.select(ChannelSettings.channel, ChannelSettings.webhook_url)).all()

    hook = {"channel": "both", "webhook_url": "https://sender.example.com/hook", "webhook_secret": "s" * 32}
    sign_in(client, "shared")
    page = client.get(f"/admin/surveys/{SLUG}/mail").text
    assert 'id="channel-settings-read"' in page and 'id="channel-settings"' not in page
    assert 'id="save-channels"' not in page
    before = stored()
    assert client.post(f"/admin/surveys/{SLUG}/mail/channels", data=hook).status_code == 403
    assert stored() == before
    for who in ("owner", "admin"):
        client.post("/admin/logout")
        sign_in(client, who)
        page = client.get(f"/admin/surveys/{SLUG}/mail").text
        assert 'id="channel-settings"' in page and 'id="channel-settings-read"' not in page, who
        assert client.post(f"/admin/surveys/{SLUG}/mail/channels", data=hook).status_code == 302, who
    assert stored() == [("both", "https://sender.example.com/hook")]
    client.post("/admin/logout")
    sign_in(client, "shared")
    page = client.get(f"/admin/surveys/{SLUG}/mail").text
    assert "https://sender.example.com/hook" in page and 'id="channel-settings-read"' in page
