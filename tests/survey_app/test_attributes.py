"""Attributes of the participants list: piped into survey texts and messages, and groups of an identified
survey's results (never an anonymous one's)."""

from __future__ import annotations

import copy
import io
import json

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey
from survey_app.services.invitations import invitation_token
from survey_app.services.mail.outbox import preview
from tests.conftest import FLOW_INSTRUMENT, csrf_token, sign_in, submission_key

PASSWORD = "correct horse battery"
PIPED = copy.deepcopy(FLOW_INSTRUMENT)
PIPED["id"] = "piped"
PIPED["pages"][0]["intro"] = {"zh": "{{attribute:team}}团队，您好。", "en": "Hello, team {{attribute:Team}}."}
PIPED["pages"][0]["items"][0]["text"] = {"zh": "{{attribute:team}}团队的工作让您满意吗？",
                                         "en": "How satisfied are you with the work of team {{attribute:team}}?"}
PEOPLE = "email,name,team\nann@example.com,Ann,<b>Blue</b>\nbo@example.com,Bo,\n"


def _links(app, slug: str) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(sa.select(Invitation.id, Invitation.email).join(Survey)
                                  .where(Survey.slug == slug)).all()
        return {email: f"/s/{slug}/{invitation_token(id_)}" for id_, email in rows}


def _participants(app, client, make_survey, slug: str, *, anonymous: bool, people: str = PEOPLE) -> dict[str, str]:
    make_survey(slug=slug, definition=PIPED, anonymous=anonymous)
    sign_in(app, client, "owner@example.com", PASSWORD, token_name="t")
    assert client.post(f"/admin/surveys/{slug}/participants",
                       data={"file": (io.BytesIO(people.encode()), "people.csv")}).status_code == 302
    return _links(app, slug)


@pytest.mark.parametrize("anonymous", [False, True], ids=["identified", "anonymous"])
def test_the_survey_page_shows_the_invitees_own_attribute_and_never_the_placeholder(app, client, make_survey,
                                                                                     anonymous):
    links = _participants(app, client, make_survey, "piped", anonymous=anonymous)
    ann = app.test_client()
    page = ann.get(links["ann@example.com"] + "?lang=en")
    assert "Hello, team &lt;b&gt;Blue&lt;/b&gt;." in page.text  # escaped like any text
    assert "How satisfied are you with the work of team &lt;b&gt;Blue&lt;/b&gt;?" in page.text
    assert "{{" not in page.text and "<b>Blue" not in page.text
    assert "&lt;b&gt;Blue&lt;/b&gt;团队的工作让您满意吗？" in ann.get(links["ann@example.com"] + "?lang=zh").text
    bo = app.test_client().get(links["bo@example.com"] + "?lang=en")  # an empty cell: an empty text
    assert "How satisfied are you with the work of team ?" in bo.text and "{{" not in bo.text
    # Ann answers the first page; the page after a post still shows her attribute, and nothing stores it
    posted = ann.post(links["ann@example.com"] + "?page=1", data={
        "csrf_token": csrf_token(page.text), "submission_key": submission_key(page.text), "nav": "back",
        "SAT": "8", "PROBLEM": "0"})
    assert posted.status_code == 302
    again = ann.get(links["ann@example.com"] + "?page=1&lang=en")
    assert "team &lt;b&gt;Blue&lt;/b&gt;?" in again.text
    with app.app_context():
        stored = db.session.scalars(sa.select(Response.answers)).all()
    assert stored and all("Blue" not in json.dumps(answers) for answers in stored)


def test_an_open_link_has_no_attributes_and_shows_no_placeholder(client, make_survey):
    make_survey(slug="open-piped", definition=PIPED)
    page = client.get("/s/open-piped?lang=en")
    assert "How satisfied are you with the work of team ?" in page.text and "{{" not in page.text


def test_the_message_fills_attributes_and_a_missing_one_reads_empty(app, client, make_survey, monkeypatch):
    from survey_app.services.mail import compose

    _participants(app, client, make_survey, "mailed", anonymous=False)
    texts = copy.deepcopy(compose.TEXTS)
    texts["invitation"]["en"] = ("Team {{attribute:team}}: {survey}",
                                 "Dear {name} of team {{attribute:TEAM}} ({{attribute:floor}}),\n\n{link}")
    monkeypatch.setattr(compose, "TEXTS", texts)
    with app.app_context():
        shown = preview(db.session.scalar(sa.select(Survey).filter_by(slug="mailed")), "invitation", "en")
    assert shown.subject == "Team <b>Blue</b>: Flow test survey"
    assert "Dear Ann of team <b>Blue</b> ()," in shown.text and "{{" not in shown.text
    assert "team &lt;b&gt;Blue&lt;/b&gt; ()" in shown.html
