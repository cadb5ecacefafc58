"""Each invitee's progress (sent, opened, started, completed) on identified surveys; counts only on anonymous ones,
and an owner who compares every output before and after one of three invitees answers learns nothing."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, MailMessage, Survey
from survey_app.services.invitations import invitation_token
from survey_app.services.mail import queue_invitations, send_queued
from survey_app.services.tracking import invitee_counts, invitee_statuses, status_counts
from survey_app.services.units import import_units
from tests.conftest import csrf_token, sign_in, submission_key
from tests.survey_app.test_anonymity_attacks import EMPLOYEE, HIERARCHY, answer_on_the_web

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
PEOPLE = ("email,name,unit,language,team\n"
          "ann@example.com,Ann,north,en,blue\n"
          "bo@example.com,Bo,south,en,red\n"
          "cy@example.com,Cy,east,en,blue\n"
          "di@example.com,Di,north,en,red\n")


def _survey(app, slug: str) -> Survey:
    return db.session.scalar(sa.select(Survey).filter_by(slug=slug))


def _link(app, slug: str, email: str) -> str:
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation).join(Survey).where(Survey.slug == slug,
                                                                                Invitation.email == email))
        return f"/s/{slug}/{invitation_token(invitation.id)}"


def _invite(app, client, make_survey, tmp_path, slug: str, *, anonymous: bool, mail: tuple[str, ...]) -> None:
    """A survey with units and the four people imported; the invitation mailed (at T0) to ``mail`` only."""
    make_survey(slug=slug, definition=EMPLOYEE, anonymous=anonymous)
    with app.app_context():
        import_units(_survey(app, slug), HIERARCHY)
        db.session.commit()
    sign_in(app, client, "owner@example.com", PASSWORD, token_name="t")
    assert client.post(f"/admin/surveys/{slug}/participants",
                       data={"file": (io.BytesIO(PEOPLE.encode()), "people.csv")}).status_code == 302
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"))
    with app.app_context():
        survey = _survey(app, slug)
        assert queue_invitations(survey, now=T0) == 4
        db.session.execute(sa.delete(MailMessage).where(MailMessage.invitation_id.in_(
            sa.select(Invitation.id).where(Invitation.email.not_in(mail)))))
        db.session.commit()
        assert send_queued(now=lambda: T0, sleep=lambda s: None).sent == len(mail)


def _start(app, path: str) -> None:
    """Answer the first page only (the response is started, not submitted)."""
    browser = app.test_client()
    page = browser.get(path + "?lang=en")
    posted = browser.post(path + "?page=1", data={"csrf_token": csrf_token(page.text), "nav": "next",
                                                   "submission_key": submission_key(page.text), "SAT": "7",
                                                   "PROBLEM": "0"})
    assert posted.status_code == 302


@pytest.fixture
def tracked(app, client, make_survey, tmp_path):
    """Identified: Ann opened her link, Bo started, Cy completed, Di was never mailed."""
    _invite(app, client, make_survey, tmp_path, "tracked", anonymous=False,
            mail=("ann@example.com", "bo@example.com", "cy@example.com"))
    assert app.test_client().get(_link(app, "tracked", "ann@example.com") + "?lang=en").status_code == 200
    _start(app, _link(app, "tracked", "bo@example.com"))
    answer_on_the_web(app, _link(app, "tracked", "cy@example.com"), sat=8, comment="fine")
    return "tracked"


def test_each_invitee_has_the_furthest_step_and_the_time_of_each(app, tracked):
    with app.app_context():
        survey = _survey(app, tracked)
        rows = {row.email: row for row in invitee_statuses(survey)}
        assert {email: row.status for email, row in rows.items()} == {
            "ann@example.com": "opened", "bo@example.com": "started", "cy@example.com": "completed",
            "di@example.com": "invited"}
        assert status_counts(survey) == {"invited": 1, "sent": 0, "opened": 1, "started": 1, "completed": 1}
        ann, bo, cy, di = (rows[f"{name}@example.com"] for name in ("ann", "bo", "cy", "di"))
        assert ann.sent_at == T0 and ann.opened_at is not None and ann.started_at is None
        assert bo.opened_at is not None and bo.started_at is not None and bo.completed_at is None
        assert cy.completed_at is not None and cy.started_at is not None and cy.opened_at <= cy.completed_at
        assert (di.sent_at, di.opened_at, di.started_at, di.completed_at) == (None, None, None, None)
        # filters: a status, a unit with the units below it (north-region holds north and south)
        assert [row.email for row in invitee_statuses(survey, unit="north-region")] == [
            "ann@example.com", "bo@example.com", "di@example.com"]
        assert [row.email for row in invitee_statuses(survey, status="started", unit="north")] == []
        assert [row.email for row in invitee_statuses(survey, status="opened", unit="north")] == ["ann@example.com"]
        with pytest.raises(ValueError, match="not part of survey"):
            invitee_statuses(survey, unit="nowhere")


def test_the_first_opening_is_kept_and_a_head_request_or_a_preview_records_none(app, make_survey, tmp_path,
                                                                                 client):
    _invite(app, client, make_survey, tmp_path, "opened", anonymous=False, mail=("ann@example.com",))
    link = _link(app, "opened", "ann@example.com")
    visitor = app.test_client()
    assert visitor.head(link).status_code == 200
    with app.app_context():
        assert db.session.scalars(sa.select(Invitation.opened_at)).all() == [None] * 4
    visitor.get(link)
    with app.app_context():
        first = db.session.scalar(sa.select(Invitation.opened_at).filter_by(email="ann@example.com"))
    assert first is not None
    visitor.get(link + "?page=1")
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation.opened_at).filter_by(email="ann@example.com")) == first


def test_the_progress_page_filters_counts_and_downloads(app, client, tracked):
    page = client.get(f"/admin/surveys/{tracked}/participants/status?lang=en")
    assert page.status_code == 200
    table = re.search(r'<table class="data" id="participant-status">.*?</table>', page.text, re.S).group(0)
    assert table.count("<tr data-status=") == 4
    assert re.search(r'data-status="opened"[^>]*>link opened: 1<', page.text)
    assert 'id="count-sent">3<' in page.text and 'id="count-invited">4<' in page.text
    assert "2026-12-01 09:00" in table  # the mail's time, in UTC
    started = client.get(f"/admin/surveys/{tracked}/participants/status?lang=en&status=started")
    assert re.findall(r"<td>([a-z]+@example.com)</td>", started.text) == ["bo@example.com"]
    north = client.get(f"/admin/surveys/{tracked}/participants/status?lang=en&unit=north")
    assert re.findall(r"<td>([a-z]+@example.com)</td>", north.text) == ["ann@example.com", "di@example.com"]
    assert client.get(f"/admin/surveys/{tracked}/participants/status?status=bogus").status_code == 404
    assert client.get(f"/admin/surveys/{tracked}/participants/status?unit=nowhere").status_code == 404
    download = client.get(f"/admin/surveys/{tracked}/participants/status.csv?status=completed")
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert [(r["email"], r["unit"], r["status"]) for r in rows] == [("cy@example.com", "east", "completed")]
    assert rows[0]["sent_at"] == "2026-12-01 09:00" and rows[0]["completed_at"]
    whole = client.get(f"/admin/surveys/{tracked}/participants/status.csv").data.decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(whole)))) == 4
    mail = client.get(f"/admin/surveys/{tracked}/mail?lang=en").text
    assert f'href="/admin/surveys/{tracked}/participants/status"' in mail


def test_the_progress_page_speaks_chinese(app, client, tracked):
    page = client.get(f"/admin/surveys/{tracked}/participants/status?lang=zh").text
    for english in ("link opened", "Each invitee", "Download this list", "Mail sent"):
        assert english not in page


def test_an_anonymous_survey_shows_counts_only_and_records_no_opening(app, client, make_survey, tmp_path):
    _invite(app, client, make_survey, tmp_path, "anon", anonymous=True,
            mail=("ann@example.com", "bo@example.com", "cy@example.com"))
    assert app.test_client().get(_link(app, "anon", "ann@example.com") + "?lang=en").status_code == 200
    with app.app_context():
        assert db.session.scalars(sa.select(Invitation.opened_at)).all() == [None] * 4
        survey = _survey(app, "anon")
        with pytest.raises(ValueError, match="only counts"):
            invitee_statuses(survey)
        counts = invitee_counts(survey)
    assert (counts.invited, counts.sent, counts.failed, counts.unsubscribed, counts.completed) == (4, 3, 0, 0, 0)
    page = client.get("/admin/surveys/anon/participants/status?lang=en")
    assert page.status_code == 200 and 'id="anonymous-note"' in page.text
    assert "ann@example.com" not in page.text and "participant-status" not in page.text
    refused = client.get("/admin/surveys/anon/participants/status.csv")
    assert refused.status_code == 302
    assert "only counts" in client.get(refused.headers["Location"] + "?lang=en").text


# --- the owner of an anonymous survey invites three people; one answers; the owner compares everything


def _cells(workbook: bytes) -> str:
    """The cells of a workbook (its bytes also carry the time it was written)."""
    from openpyxl import load_workbook

    sheets = load_workbook(io.BytesIO(workbook), read_only=True)
    return json.dumps([[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in sheets.worksheets],
                      default=str)


def _everything(client, token: str, slug: str) -> dict[str, str]:
    """Every console page, download and API reply about the survey, with the per-view tokens blanked."""
    paths = [f"/admin/surveys/{slug}?lang=en", f"/admin/surveys/{slug}/mail?lang=en",
             f"/admin/surveys/{slug}/participants/status?lang=en", f"/admin/surveys/{slug}/dashboard.json",
             f"/admin/surveys/{slug}/export.csv", f"/admin/surveys/{slug}/export.xlsx",
             f"/admin/surveys/{slug}/participants/status.csv", f"/admin/surveys/{slug}/reminders.csv",
             f"/admin/surveys/{slug}/links.csv", f"/admin/surveys/{slug}/report.html?lang=en"]
    shown = {}
    for path in paths:
        reply = client.get(path)
        if reply.status_code == 302:
            reply = client.get(reply.headers["Location"])
        body = reply.get_data(as_text=False)
        text = body.decode("utf-8", "replace") if not path.endswith(".xlsx") else _cells(body)
        shown[path] = re.sub(r'value="[^"]+"', 'value=""', text)
    for path in (f"/api/v1/surveys/{slug}", f"/api/v1/surveys/{slug}/results"):
        reply = client.get(path, headers={"Authorization": f"Bearer {token}"})
        shown[path] = json.dumps(reply.get_json(), sort_keys=True)
    return shown


def test_attack_the_owner_cannot_tell_which_of_three_invitees_answered(app, client, make_survey, tmp_path):
    people = ("ann@example.com", "bo@example.com", "cy@example.com")
    make_survey(slug="three", definition=EMPLOYEE, anonymous=True)
    token = sign_in(app, client, "owner@example.com", PASSWORD, token_name="t")
    assert client.post("/admin/surveys/three/participants", data={"file": (io.BytesIO(
        ("email,name,team\n" + "".join(f"{p},{p[:2]},blue\n" for p in people)).encode()), "p.csv")}).status_code == 302
    client.get("/admin/surveys/three/mail")  # the upload's flash message is shown once
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"))
    with app.app_context():
        assert queue_invitations(_survey(app, "three"), now=T0) == 3
        db.session.commit()
        assert send_queued(now=lambda: T0, sleep=lambda s: None).sent == 3
    before = _everything(client, token, "three")
    # everyone opens their link (the owner could have done so too); Bo answers
    for person in people:
        assert app.test_client().get(_link(app, "three", person) + "?lang=en").status_code == 200
    answer_on_the_web(app, _link(app, "three", "bo@example.com"), sat=3, comment="bo's answer", unit="north")
    after = _everything(client, token, "three")
    for path in before:
        assert after[path] == before[path], path
    assert "bo&#39;s answer" not in "".join(after.values()) and "bo's answer" not in "".join(after.values())
    with app.app_context():
        # nothing kept a time of opening, and no response carries an invitation or an attribute
        assert db.session.scalars(sa.select(Invitation.opened_at)).all() == [None] * 3
        from survey_app.models import Response

        [answers] = db.session.execute(sa.select(Response.invitation_id, Response.answers)).all()
    assert answers.invitation_id is None and "blue" not in json.dumps(answers.answers)


# --- the response rate by unit, rolled up the hierarchy (the dashboard's, the one place it is shown)

ROLLUP = (b"unit,parent,kind,name\nnorth-region,,region,North region\nnorth,north-region,department,North\n"
          b"south,north-region,department,South\nwest,north-region,department,West\neast,,department,East\n")


@pytest.mark.parametrize("plan", [
    # unit: (invited, completed); expected rows: unit -> (invited, responses, rate)
    ({"north": (10, 6), "south": (8, 5), "east": (10, 7)},
     {"north-region": (18, 11, 61.1), "north": (10, 6, 60.0), "south": (8, 5, 62.5), "east": (10, 7, 70.0)}),
    # west has 2 answers: hidden, and south with it (else region 13 - north 6 - south 5 = west's 2); the region
    # shows 13 of 22, which subtracts to south and west together (7), never to west alone
    ({"north": (10, 6), "south": (8, 5), "west": (4, 2), "east": (10, 7)},
     {"north-region": (22, 13, 59.1), "north": (10, 6, 60.0), "south": (8, None, None), "west": (4, None, None),
      "east": (10, 7, 70.0)}),
], ids=["all-shown", "small-unit"])
def test_response_rates_roll_up_the_hierarchy_with_hand_computed_numbers(app, client, make_survey, plan):
    from survey_app.services.invitations import InvitationRow, create_invitations
    from survey_app.services.responses import save_page, start_response, submit, write_response
    from survey_app.services.surveys import instrument_of

    given, expected = plan
    make_survey(slug="rates", definition=EMPLOYEE)
    sign_in(app, client, "owner@example.com", PASSWORD, token_name="t")
    with app.app_context():
        survey = _survey(app, "rates")
        import_units(survey, ROLLUP)
        instrument = instrument_of(survey)
        for unit, (invited, completed) in given.items():
            made = create_invitations(survey, [f"{unit}{i}" for i in range(invited)], unit_code=unit)
            for i, (invitation, _) in enumerate(made[:completed]):
                row = InvitationRow(invitation.id, survey.id, invitation.unit_id, None, invitation.token_hash)
                connection = db.session.connection()
                response, _ = start_response(survey, submission_key=f"{unit}-{i}", language="en", invitation=row)
                save_page(connection, response, survey, instrument, 0, {"SAT": 7, "PROBLEM": 0}, language="en")
                save_page(connection, response, survey, instrument, 2, {"NPS": 7}, language="en")
                assert submit(connection, response, survey)
                write_response(connection, response)
        db.session.commit()
    rows = {u["unit"]: (u["invited"], u["responses"], u["rate"])
            for u in client.get("/admin/surveys/rates/dashboard.json").get_json()["units"] if u["unit"] in expected}
    assert rows == expected
