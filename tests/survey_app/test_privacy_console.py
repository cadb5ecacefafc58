"""The console's privacy page: the notice, the retention periods and their preview, deleting a response, the
survey and an account, each deletion with exactly one audit entry."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEntry, Response, Survey, User
from tests.conftest import sign_in
from tests.survey_app.alert_fixtures import HAPPY, PASSWORD, add_response, setup_world
from tests.survey_app.test_privacy_notice import NOTICE


def _deleted(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(sa.select(AuditEntry.survey_slug, AuditEntry.target)
                                  .filter_by(action="data.deleted").order_by(AuditEntry.id)).all()


def test_notice_and_retention_are_set_and_previewed(app, client, make_survey):
    setup_world(app, make_survey, slug="kept")
    sign_in(app, client, "admin@example.com", PASSWORD, token_name="t")
    form = {f"{lang}-{name}": text for lang, parts in NOTICE.items() for name, text in parts.items()}
    assert client.post("/admin/surveys/kept/privacy", data={"what": "notice", **form}).status_code == 302
    refused = client.post("/admin/surveys/kept/privacy", data={"what": "retention", "answers": "-3"})
    assert refused.status_code == 422
    saved = client.post("/admin/surveys/kept/privacy", data={"what": "retention", "answers": "30", "rule":
                                                            "anonymise", "invitees": "10", "deliveries": ""})
    assert saved.status_code == 302
    page = client.get("/admin/surveys/kept/privacy?lang=en").text
    assert "purpose-en" in page and "30 days after the closing; the survey is not closed" in page
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="kept"))
        assert (survey.privacy_version, survey.answers_retention_days, survey.answers_retention,
                survey.invitees_retention_days, survey.deliveries_retention_days) == (1, 30, "anonymise", 10, None)


def test_each_deletion_leaves_one_audit_entry(app, client, make_survey):
    ids = setup_world(app, make_survey, slug="kept")
    first = add_response(app, "kept", HAPPY)
    add_response(app, "kept", HAPPY)
    sign_in(app, client, "admin@example.com", PASSWORD, token_name="t")
    assert client.post("/admin/surveys/kept/privacy/response", data={"response": str(first)}).status_code == 302
    client.post("/admin/surveys/kept/privacy/response", data={"response": str(first), "confirm": "yes"})
    with app.app_context():
        assert db.session.get(Response, first) is None
    assert _deleted(app) == [("kept", f"response:{first}")]
    client.post("/admin/surveys/kept/privacy/erase", data={"confirm": "wrong"})
    client.post("/admin/surveys/kept/privacy/erase", data={"confirm": "kept"})
    with app.app_context():
        assert db.session.scalar(sa.select(Survey).filter_by(slug="kept")) is None
    client.post(f"/admin/accounts/{ids['owner_id']}/delete", data={"confirm": "owner@example.com"})
    with app.app_context():
        assert db.session.get(User, ids["owner_id"]) is None  # it owns no survey any more
    assert _deleted(app) == [("kept", f"response:{first}"), ("kept", "survey"), (None, f"account:{ids['owner_id']}")]


def test_an_anonymous_survey_says_its_responses_cannot_be_found(app, client, make_survey):
    setup_world(app, make_survey, anonymous=True, slug="anon")
    response_id = add_response(app, "anon", HAPPY)
    sign_in(app, client, "admin@example.com", PASSWORD, token_name="t")
    page = client.get("/admin/surveys/anon/privacy?lang=en").text
    assert "cannot be found one by one" in page and 'id="response-number"' not in page
    assert client.post("/admin/surveys/anon/privacy/response",
                       data={"response": str(response_id), "confirm": "yes"}).status_code == 404
