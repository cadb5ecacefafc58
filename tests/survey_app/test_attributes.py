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


# --- breakdowns by attribute

#: team -> satisfaction answers of its invitees (each through their own link); and two answers by the open link
TEAMS = {"blue": [9, 9, 8, 8, 7, 7], "red": [5, 6, 4, 5, 5], "yellow": [6, 6, 7, 7, 9], "green": [1, 2]}
OPEN_LINK = [10, 3]


def _answered(app, slug: str, *, anonymous: bool) -> None:
    """The invitees of TEAMS answer through their invitations (services, as the pages store them)."""
    from survey_app.services.invitations import InvitationRow, create_invitations
    from survey_app.services.responses import save_page, start_response, submit, write_response
    from survey_app.services.surveys import instrument_of

    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        instrument = instrument_of(survey)
        people = [(team, sat) for team, values in TEAMS.items() for sat in values] + [(None, s) for s in OPEN_LINK]
        for i, (team, sat) in enumerate(people):
            invitation = None
            if team is not None:
                [(made, _)] = create_invitations(survey, [f"p{i}@example.com"], derived=True)
                made.attributes = {"Team": team, "floor": str(i % 3)}
                db.session.flush()
                invitation = InvitationRow(made.id, survey.id, None, None, made.token_hash)
            connection = db.session.connection()
            response, _ = start_response(survey, submission_key=f"k{i}", language="en", invitation=invitation)
            save_page(connection, response, survey, instrument, 0, {"SAT": sat, "PROBLEM": 0}, language="en")
            save_page(connection, response, survey, instrument, 1, {"BRANCH": "north"}, language="en")
            save_page(connection, response, survey, instrument, 2, {"NPS": sat}, language="en")
            assert submit(connection, response, survey)
            write_response(connection, response)
        if anonymous:
            survey.status = "closed"
        db.session.commit()


def test_frames_read_each_responses_attributes_from_its_invitation(app, make_survey):
    from analysis.frames import attributes_frame

    make_survey(slug="teams", definition=PIPED)
    _answered(app, "teams", anonymous=False)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="teams"))
        with db.engine.connect() as connection:
            frame = attributes_frame(connection, [survey.id])
        complete = db.session.scalars(sa.select(Response.id).order_by(Response.id)).all()
    assert sorted(frame.columns) == ["attribute:floor", "attribute:team"]
    assert len(frame) == 18 and list(frame.index) == complete[:18]  # the two open-link answers have none
    assert frame["attribute:team"].value_counts().to_dict() == {"blue": 6, "red": 5, "yellow": 5, "green": 2}


def test_an_identified_survey_is_broken_down_by_attribute_showing_only_groups_of_k(app, make_survey, runner,
                                                                                      tmp_path):
    from survey_app.services.analysis import analyze_survey

    make_survey(slug="teams", definition=PIPED)
    _answered(app, "teams", anonymous=False)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="teams"))
        result = analyze_survey(survey, by="attribute:team")
    groups = result["groups"]
    # k = 5. green (2) is small; with the two open-link answers (no team) the hidden people are 4, fewer than k,
    # so the smallest shown group goes too: red and yellow have 5 each, red comes first by name
    assert groups["by"] == "attribute:team"
    assert groups["suppression"]["shown"] == ["blue", "yellow"]
    assert set(groups["levels"]) == {"blue", "yellow"}
    summary = groups["summary"]
    assert summary["blue"]["n"] == 6 and summary["yellow"]["n"] == 5
    # SAT means by hand: blue (9+9+8+8+7+7)/6 = 8.0, yellow (6+6+7+7+9)/5 = 7.0
    assert summary["blue"]["means"]["SAT"] == pytest.approx(8.0)
    assert summary["yellow"]["means"]["SAT"] == pytest.approx(7.0)
    shown = json.dumps(result)
    assert '"red"' not in shown and '"green"' not in shown
    out = tmp_path / "result.json"
    done = runner.invoke(args=["analyze", "teams", "--by", "attribute:Team", "--out", str(out), "--quiet"])
    assert done.exit_code != 0 and "attribute:Team" in done.output  # names are lower-case, as the list keys them
    done = runner.invoke(args=["analyze", "teams", "--by", "attribute:team", "--out", str(out), "--quiet"])
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text())["groups"]["suppression"]["shown"] == ["blue", "yellow"]


def test_an_anonymous_survey_refuses_a_breakdown_by_attribute(app, make_survey, runner, tmp_path):
    from survey_app.services.analysis import analyze_survey

    make_survey(slug="anon-teams", definition=PIPED, anonymous=True)
    _answered(app, "anon-teams", anonymous=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="anon-teams"))
        with pytest.raises(ValueError, match="never broken down by an attribute"):
            analyze_survey(survey, by="attribute:team")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)
                                 .where(Response.invitation_id.is_not(None))) == 0
    done = runner.invoke(args=["analyze", "anon-teams", "--by", "attribute:team", "--out",
                               str(tmp_path / "r.json")])
    assert done.exit_code != 0 and "never broken down by an attribute" in done.output
