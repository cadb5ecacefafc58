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


# --- the console's group comparison by attribute

def _console(app, client, make_survey, slug: str, *, anonymous: bool):
    make_survey(slug=slug, definition=PIPED, anonymous=anonymous)
    _answered(app, slug, anonymous=anonymous)
    sign_in(app, client, "owner@example.com", PASSWORD, token_name="t")


def _group_section(html: str) -> str:
    """The report's section comparing the groups (its heading and table)."""
    import re

    match = re.search(r'<section[^>]*id="groups".*?</section>', html, re.S)
    assert match is not None, "the report has no group comparison"
    return match.group(0)


def test_the_console_offers_the_lists_attributes_as_group_comparisons(app, client, make_survey):
    _console(app, client, make_survey, "teams", anonymous=False)
    page = client.get("/admin/surveys/teams?lang=en").text
    assert 'id="report-breakdown"' in page
    assert '<option value="attribute:floor">Attribute: floor</option>' in page
    assert '<option value="attribute:team">Attribute: team</option>' in page  # "Team" in the list: lower-case
    assert '<option value="">Units (the default)</option>' in page
    zh = client.get("/admin/surveys/teams?lang=zh").text
    assert '<option value="attribute:team">属性：team</option>' in zh


@pytest.mark.parametrize("lang, label", [("en", "Attribute: team"), ("zh", "属性：team")])
def test_the_report_compares_the_attributes_groups_that_the_disclosure_rule_shows(app, client, make_survey,
                                                                                    lang, label):
    from pypdf import PdfReader

    _console(app, client, make_survey, "teams", anonymous=False)
    reply = client.get(f"/admin/surveys/teams/report.html?by=attribute:team&lang={lang}")
    assert reply.status_code == 200, reply.headers.get("Location")
    groups = _group_section(reply.text)
    assert label in groups and "attribute:team" not in groups
    # k = 5: blue (6) and yellow (5) are shown; green (2) is too small and red (5) goes with it (a subtraction of
    # the whole survey would otherwise give the 4 hidden people away)
    assert ">blue<" in groups and ">yellow<" in groups
    assert ">red<" not in groups and ">green<" not in groups
    # satisfaction index by hand (SAT on 1-10 as 0-100): blue mean 8.0 -> 77.8, yellow mean 7.0 -> 66.7
    assert '<td class="depth-0">blue</td><td class="num">6</td> <td class="num">77.8' in " ".join(groups.split())
    assert '<td class="depth-0">yellow</td><td class="num">5</td> <td class="num">66.7' in " ".join(groups.split())
    pdf = client.get(f"/admin/surveys/teams/report.pdf?by=attribute:team&lang={lang}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].endswith(f"teams-attr_team-report-{lang}.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert label.replace(" ", "") in text.replace(" ", "")


def test_an_anonymous_survey_offers_no_attribute_and_refuses_a_hand_made_url(app, client, make_survey):
    _console(app, client, make_survey, "anon-teams", anonymous=True)
    page = client.get("/admin/surveys/anon-teams?lang=en").text
    assert 'id="report-breakdown"' not in page and "attribute:" not in page
    for fmt in ("html", "pdf"):
        reply = client.get(f"/admin/surveys/anon-teams/report.{fmt}?by=attribute:team&lang=en")
        assert reply.status_code == 302 and reply.headers["Location"].endswith("/admin/surveys/anon-teams")
        assert "never broken down by an attribute" in client.get(reply.headers["Location"] + "?lang=en").text
    reply = client.get("/admin/surveys/anon-teams/report.html?by=attribute:team&lang=zh")
    assert "匿名调查从不按参与者名单的属性分组" in client.get(reply.headers["Location"] + "?lang=zh").text


def test_a_hand_made_group_comparison_is_refused_with_a_reason_never_a_500(app, client, make_survey):
    _console(app, client, make_survey, "teams", anonymous=False)
    for by in ["attribute:nope", "attribute:Team", "SAT", "attribute:", "x" * 5000, "attribute:\x00", "'; drop"]:
        reply = client.get("/admin/surveys/teams/report.html", query_string={"by": by, "lang": "en"})
        if "\x00" in by:  # refused before the view reads it (text_checks.refuse_nul_in_request)
            assert reply.status_code == 400 and "could not be accepted" in reply.text
            continue
        assert reply.status_code == 302, by
        shown = client.get(reply.headers["Location"] + "?lang=en").text
        assert "No report" in shown and "is not an attribute of the participants list" in shown, by
        assert "x" * 100 not in shown


def test_a_report_job_renders_the_comparison_asked_for_and_caches_it_apart(app, client, make_survey):
    from pypdf import PdfReader

    from survey_app.models import ReportJob
    from survey_app.services import report_jobs
    from tests.survey_app.test_report_jobs import _wait

    _console(app, client, make_survey, "teams", anonymous=False)
    app.config["REPORT_INLINE_MAX_RESPONSES"] = 0  # every report in the background
    reply = client.get("/admin/surveys/teams/report.pdf?by=attribute:team&lang=zh")
    assert reply.status_code == 302 and "/report-jobs/" in reply.headers["Location"]
    job_id = int(reply.headers["Location"].rsplit("/", 1)[1])
    assert _wait(client, "teams", job_id)["state"] == "done"  # this process's pool renders it
    with app.app_context():
        assert db.session.get(ReportJob, job_id).breakdown == "attribute:team"
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="teams"))
        assert report_jobs.cache_key(survey, lang="zh", unit=None, by="attribute:team") != \
            report_jobs.cache_key(survey, lang="zh", unit=None)
    done = client.get("/admin/surveys/teams/report.pdf?by=attribute:team&lang=zh")  # served from the cache
    assert done.status_code == 200 and done.headers["Content-Disposition"].endswith("teams-attr_team-report-zh.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(done.data)).pages)
    assert "属性：team" in text.replace(" ", "")
    plain = client.get("/admin/surveys/teams/report.pdf?lang=zh")  # by unit: another job
    assert plain.status_code == 302
    assert _wait(client, "teams", int(plain.headers["Location"].rsplit("/", 1)[1]))["state"] == "done"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReportJob.id))) == 2
    app.extensions[report_jobs._POOL_KEY].shutdown(wait=True)
    report_jobs._heartbeat(app).stop()
