"""The privacy notice and consent on a survey's first page: refusing stores nothing, agreeing stores the wording
and version with the response, an anonymous survey shows the notice and stores no consent."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.messages import TranslatableError
from survey_app.models import Invitation, Response, Survey
from survey_app.services.invitations import create_invitations
from survey_app.services.privacy import set_notice
from tests.conftest import csrf_token
from tests.survey_app.test_respond import PAGE1, _post_page

NOTICE = {lang: {"purpose": f"purpose-{lang}", "controller": f"controller-{lang}", "retention": f"90-{lang}",
                 "contact": f"privacy@example.com-{lang}", "consent": f"I agree ({lang})"} for lang in ("zh", "en")}


def _survey(app, make_survey, *, anonymous: bool = False, invite: bool = False) -> str | None:
    make_survey(anonymous=anonymous)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="flow"))
        set_notice(survey, NOTICE)
        token = create_invitations(survey, ["C-1"])[0][1] if invite else None
        db.session.commit()
    return token


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_refusing_the_consent_stores_nothing(app, client, make_survey):
    token = _survey(app, make_survey, invite=True)
    notice = client.get(f"/s/flow/{token}?lang=en")
    assert "purpose-en" in notice.text and "I agree (en)" in notice.text
    # the first page of the questionnaire posted without the consent is not stored either
    assert client.post(f"/s/flow/{token}?page=1", data={"csrf_token": csrf_token(notice.text), **PAGE1}
                       ).status_code == 302
    refused = client.post(f"/s/flow/privacy/{token}", data={"csrf_token": csrf_token(notice.text),
                                                             "choice": "decline"})
    assert refused.status_code == 200 and "Nothing you answered has been stored" in refused.text
    assert _count(app, Response) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation.unsubscribed_at)) is not None


def test_agreeing_stores_the_wording_and_version_with_the_response(app, client, make_survey):
    _survey(app, make_survey)
    notice = client.get("/s/flow?lang=en")
    missing = client.post("/s/flow/privacy", data={"csrf_token": csrf_token(notice.text), "choice": "agree"})
    assert missing.status_code == 400
    agreed = client.post("/s/flow/privacy", data={"csrf_token": csrf_token(notice.text), "choice": "agree",
                                                   "consent": "yes"})
    page = client.get(agreed.headers["Location"])
    assert "Overall, how satisfied" in page.text
    assert _post_page(client, "/s/flow?page=1", page.text, PAGE1).status_code == 302
    with app.app_context():
        [response] = db.session.scalars(sa.select(Response)).all()
        assert (response.consent_version, response.consent_text) == (1, "I agree (en)")
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="flow"))
        changed = {lang: {**parts, "consent": parts["consent"] + "!"} for lang, parts in NOTICE.items()}
        assert set_notice(survey, changed) and survey.privacy_version == 2
        assert not set_notice(survey, changed)
        db.session.commit()
    # a new notice is agreed to again before a new response starts
    client.get("/s/flow/thanks")
    with client.session_transaction() as session:
        session.pop("responses", None)
    assert "I agree (en)!" in client.get("/s/flow?lang=en").text


def test_an_anonymous_survey_shows_the_notice_and_stores_no_consent(app, client, make_survey):
    _survey(app, make_survey, anonymous=True)
    notice = client.get("/s/flow?lang=en")
    assert "purpose-en" in notice.text and 'name="consent"' not in notice.text
    agreed = client.post("/s/flow/privacy", data={"csrf_token": csrf_token(notice.text), "choice": "agree"})
    page = client.get(agreed.headers["Location"])
    assert _post_page(client, "/s/flow?page=1", page.text, PAGE1).status_code == 302
    with app.app_context():
        [response] = db.session.scalars(sa.select(Response)).all()
        assert (response.consent_version, response.consent_text) == (None, None)


def test_an_identified_notice_needs_every_part(app, make_survey):
    make_survey()
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="flow"))
        with pytest.raises(TranslatableError):
            set_notice(survey, {**NOTICE, "en": {**NOTICE["en"], "consent": ""}})
        assert not set_notice(survey, None) and survey.privacy_version == 0


def test_a_poster_s_unit_survives_the_notice(app, client, make_survey):
    from survey_app.models import Unit
    from survey_app.services.unit_links import unit_link

    _survey(app, make_survey)
    with app.test_request_context():
        link = unit_link("http://localhost", "flow", "south")
    notice = client.get(link.removeprefix("http://localhost") + "&lang=en")
    assert "purpose-en" in notice.text
    agreed = client.post("/s/flow/privacy", data={"csrf_token": csrf_token(notice.text), "choice": "agree",
                                                   "consent": "yes"})
    page = client.get(agreed.headers["Location"])
    assert "You are answering for South" in page.text
    assert _post_page(client, "/s/flow?page=1", page.text, PAGE1).status_code == 302
    with app.app_context():
        [response] = db.session.scalars(sa.select(Response)).all()
        assert db.session.get(Unit, response.unit_id).code == "south"
