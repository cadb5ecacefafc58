"""Attacks on an anonymous employee survey by its own owner (issue 16, SCIENCE §7): each must fail.

The owner (an HR manager with a console account and an API token) knows who works where, holds every personal
link, and reads every output as often as they like: the dashboard, the API's results, the CSV/Excel/SPSS exports,
the reports and unit reports, before and after any answer. Attacks 1-8 are the ones the issue reproduced; the
rest are ours. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey, Unit
from survey_app.services.api_tokens import create_api_token
from survey_app.services.disclosure import open_gate
from survey_app.services.invitations import create_invitations
from survey_app.services.responses import save_page, start_response, submit, write_response
from survey_app.services.surveys import instrument_of
from survey_app.services.units import import_units
from survey_app.services.users import create_user
from tests.conftest import FLOW_INSTRUMENT, csrf_token, sign_in, submission_key

PASSWORD = "correct horse battery"
SLUG = "staff-2026"
EMPLOYEE = copy.deepcopy(FLOW_INSTRUMENT)
EMPLOYEE["id"] = "staff_pulse"
EMPLOYEE["scales"]["branch"]["options"] += [
    {"value": code, "label": {"zh": code, "en": code}}
    for code in ("east", "west", "north-region", "a", "b", "c", "p")]
HIERARCHY = b"unit,parent,kind,name\nnorth-region,,region,North region\nnorth,north-region,department,North\n" \
            b"south,north-region,department,South\neast,,department,East\n"
#: department -> satisfaction answers; the two people in south answered 1 and 2, everybody else 9 or 10
ANSWERS = {"north": [9, 10, 9, 10, 9, 10], "south": [1, 2], "east": [9, 10, 9, 10, 9, 10, 9]}


# --- helpers: answers stored directly, answers through the web pages, and the outputs as the owner reads them


def add_answers(app, slug: str, answers: dict[str, list[int]], *, tag: str = "") -> None:
    """Complete responses stored through the services, the unit answered on page 2 (an open-link survey)."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        instrument = instrument_of(survey)
        for unit, values in answers.items():
            for i, sat in enumerate(values):
                connection = db.session.connection()
                response, _ = start_response(survey, submission_key=f"{slug}-{unit}-{i}{tag}", language="en")
                save_page(connection, response, survey, instrument, 0, {"SAT": sat, "PROBLEM": 0}, language="en")
                save_page(connection, response, survey, instrument, 1, {"BRANCH": unit}, language="en")
                save_page(connection, response, survey, instrument, 2,
                          {"NPS": sat, "COMMENT": f"{unit} person {i}{tag}"}, language="en")
                assert submit(connection, response, survey)
                write_response(connection, response)
        db.session.commit()


def answer_on_the_web(app, path: str, *, sat: int, comment: str, unit: str | None = None) -> str:
    """One respondent (a browser of their own) answers every page at ``path``; returns the last page's HTML."""
    client = app.test_client()
    page = client.get(path + "?lang=en")
    assert page.status_code == 200, page.status_code
    for data in ({"SAT": str(sat), "PROBLEM": "0"}, {"BRANCH": unit} if unit else {},
                 {"NPS": str(sat), "COMMENT": comment}):
        url = page.request.path + "?" + page.request.query_string.decode()
        posted = client.post(url, data={"csrf_token": csrf_token(page.text), "nav": "next",
                                        "submission_key": submission_key(page.text), **data})
        assert posted.status_code == 302, posted.text
        page = client.get(posted.headers["Location"])
    assert "Thank you" in page.text
    return page.text


def links(app, slug: str, plan: dict[str, int]) -> dict[str, list[str]]:
    """Personal links per unit code, as the owner downloads them."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        made = {unit: [f"/s/{slug}/{token}" for _, token in create_invitations(survey, [None] * n, unit_code=unit)]
                for unit, n in plan.items()}
        db.session.commit()
    return made


def new_survey(app, make_survey, slug: str, *, hierarchy: bytes = HIERARCHY, **options) -> None:
    make_survey(slug=slug, definition=EMPLOYEE, anonymous=True, **options)
    with app.app_context():
        import_units(db.session.scalar(sa.select(Survey).filter_by(slug=slug)), hierarchy)
        db.session.commit()


def close(app, slug: str) -> None:
    with app.app_context():
        db.session.scalar(sa.select(Survey).filter_by(slug=slug)).status = "closed"
        db.session.commit()


def export_rows(client, slug: str = SLUG) -> list[dict[str, str]]:
    reply = client.get(f"/admin/surveys/{slug}/export.csv")
    assert reply.status_code == 200
    return list(csv.DictReader(io.StringIO(reply.data.decode("utf-8-sig"))))


def results(client, token: str, slug: str = SLUG) -> dict:
    reply = client.get(f"/api/v1/surveys/{slug}/results", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    return reply.get_json()


def dashboard(client, slug: str = SLUG) -> dict:
    return client.get(f"/admin/surveys/{slug}/dashboard.json").get_json()


def report_refusal(client, unit: str, slug: str = SLUG) -> str | None:
    """The reason a unit report is refused, or None when it is made."""
    reply = client.get(f"/admin/surveys/{slug}/report.html?unit={unit}&lang=en")
    if reply.status_code == 200:
        return None
    assert reply.status_code == 302
    page = client.get(reply.headers["Location"]).text
    match = re.search(r"No report: ([^<]+)", page)
    assert match, "a refused report says why"
    return match.group(1)


def report_n(client, slug: str, unit: str | None = None) -> int:
    """The number of responses a report (of the whole survey or a unit) says it describes."""
    from survey_app.services.analysis import analyze_survey

    app = client.application
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        return analyze_survey(survey, unit=unit)["n"]


def everything_shown(client, token: str, slug: str) -> str:
    """Every output an owner can read, as one text: an answer absent here was shown nowhere."""
    parts = [json.dumps(results(client, token, slug)), json.dumps(dashboard(client, slug)),
             client.get(f"/admin/surveys/{slug}/export.csv").data.decode("utf-8-sig")]
    whole = client.get(f"/admin/surveys/{slug}/report.html?lang=en")
    parts.append(whole.text if whole.status_code == 200 else "")
    return "\n".join(parts)


@pytest.fixture
def hr(app, client):
    """An HR administrator signed in to the console, with an API token of their own; returns the token."""
    return sign_in(app, client, "hr@example.com", PASSWORD, token_name="hr analytics")


@pytest.fixture
def staff(app, make_survey, hr):
    """The anonymous open-link survey: north 6, south 2 (waiting: too few to release), east 7."""
    new_survey(app, make_survey, SLUG)
    add_answers(app, SLUG, ANSWERS)
    return hr


# --- attack 1: padding a small group with made-up members


def test_attack_1_padding_a_small_unit_with_made_up_answers_adds_nobody_to_it(app, client, make_survey, hr):
    new_survey(app, make_survey, "padded")
    invited = links(app, "padded", {"north": 6, "east": 5, "south": 1})
    for i, path in enumerate(invited["north"]):
        answer_on_the_web(app, path, sat=9, comment=f"north {i}")
    for i, path in enumerate(invited["east"]):
        answer_on_the_web(app, path, sat=8, comment=f"east {i}")
    answer_on_the_web(app, invited["south"][0], sat=1, comment="the one real answer in south")
    # the owner tries to make south a group of five
    open_link = app.test_client()
    refused = open_link.get("/s/padded?lang=en")
    assert refused.status_code == 403 and "personal link" in refused.text
    page = open_link.get(invited["north"][0] + "?lang=en")  # a page token from a link they hold
    posted = open_link.post("/s/padded?page=1", data={"csrf_token": csrf_token(page.text), "nav": "next",
                                                       "submission_key": "fake-1", "SAT": "10", "PROBLEM": "0"})
    assert posted.status_code == 403
    headers = {"Authorization": f"Bearer {hr}", "Idempotency-Key": "fake-2"}
    body = {"answers": {"SAT": 10, "PROBLEM": 0, "BRANCH": "south", "NPS": 10}}
    api = client.post("/api/v1/surveys/padded/responses", json=body, headers=headers)
    assert api.status_code == 403  # an account's own token may not answer an anonymous survey
    with app.app_context():
        owner = db.session.scalar(sa.select(Survey).filter_by(slug="padded"))
        _, kiosk = create_api_token(_hr_user(), "kiosk", survey=owner, channel="kiosk")
        db.session.commit()
    kiosk_reply = client.post("/api/v1/surveys/padded/responses", json=body,
                              headers={"Authorization": f"Bearer {kiosk}", "Idempotency-Key": "fake-3"})
    assert kiosk_reply.status_code == 409  # answered through personal links only
    # an invitee's unit is the invitation's: the unit question is not even asked, and a posted one is ignored
    north_page = app.test_client().get(invited["north"][1] + "?lang=en&page=2")
    assert 'name="BRANCH"' not in north_page.text
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="padded"))
        units = dict(db.session.execute(
            sa.select(Unit.code, sa.func.count(Response.id)).join(Unit, Response.unit_id == Unit.id)
            .where(Response.survey_id == survey.id, Response.status == "complete").group_by(Unit.code)).all())
    assert units == {"north": 6, "east": 5, "south": 1}  # nothing the owner sent was stored
    # so south is still a group of one: nothing of it in any output, before or after the survey closes
    for _ in range(2):
        shown = everything_shown(client, hr, "padded")
        assert "the one real answer in south" not in shown
        assert {u["unit"]: u["responses"] for u in dashboard(client, "padded")["units"]}["south"] is None
        assert "fewer than 5" in report_refusal(client, "south", slug="padded")
        assert "south" not in {row["unit"] for row in export_rows(client, "padded")}
        close(app, "padded")
    assert dashboard(client, "padded")["held_back"] == 1


def _hr_user():
    from survey_app.models import User

    return db.session.scalar(sa.select(User).filter_by(email="hr@example.com"))


# --- attack 2: outputs that disagree, subtracted from each other


SIBLINGS = b"unit,parent,kind,name\np,,region,P\na,p,department,A\nb,p,department,B\nc,p,department,C\n"


def test_attack_2_every_output_shows_the_same_groups_and_no_difference_isolates_a_lone_member(app, client,
                                                                                              make_survey, hr):
    new_survey(app, make_survey, "siblings", hierarchy=SIBLINGS)
    add_answers(app, "siblings", {"a": [8] * 6, "b": [7] * 7})
    add_answers(app, "siblings", {"c": [1]}, tag="-lone")
    for step in ("open", "closed"):
        mine = ("p", "a", "b", "c")  # (the question's other options are units too, with nobody in them)
        board = {u["unit"]: u["responses"] for u in dashboard(client, "siblings")["units"] if u["unit"] in mine}
        api = {u["code"]: u["n"] for u in results(client, hr, "siblings")["units"] if u["code"] in mine}
        labels = Counter(row["unit"] for row in export_rows(client, "siblings"))
        # one verdict everywhere: the parent is exactly its shown children, and c's one answer is nowhere
        assert board == api == {"p": 13, "a": 6, "b": 7, "c": None}, step
        assert labels == {"a": 6, "b": 7}, step
        assert report_n(client, "siblings", "p") == 13 == report_n(client, "siblings", "a") + 7
        assert "fewer than 5" in report_refusal(client, "c", slug="siblings")
        assert "c person 0-lone" not in everything_shown(client, hr, "siblings")
        close(app, "siblings")
    assert dashboard(client, "siblings")["held_back"] == 1  # said, never shown


# --- attack 3: reading before and after one person answers


def _snapshot(client, token: str) -> tuple:
    rows = sorted(tuple(sorted(row.items())) for row in export_rows(client))
    board = dashboard(client)
    return results(client, token), board, rows


def test_attack_3_reading_every_output_before_and_after_one_answer_shows_nothing_new(app, client, staff):
    before = _snapshot(client, staff)
    answer_on_the_web(app, f"/s/{SLUG}", sat=3, comment="just submitted", unit="east")
    assert _snapshot(client, staff) == before  # the API, the dashboard and the export: not one figure moved
    report = client.get(f"/admin/surveys/{SLUG}/report.html?unit=east&lang=en").text
    assert "just submitted" not in report and report_n(client, SLUG, "east") == 7
    for i in range(3):  # three more: still four new answers in east, fewer than k
        answer_on_the_web(app, f"/s/{SLUG}", sat=4, comment=f"later {i}", unit="east")
    assert _snapshot(client, staff) == before
    answer_on_the_web(app, f"/s/{SLUG}", sat=5, comment="fifth", unit="east")
    after = _snapshot(client, staff)
    # now the five go out together: every figure changed by five people at once
    assert after[0]["n"] == before[0]["n"] + 5 and after[0]["release"] == before[0]["release"] + 1
    east = {u["unit"]: u["responses"] for u in after[1]["units"]}["east"]
    assert east == 12 and len(after[2]) == len(before[2]) + 5
    new_rows = Counter(dict(row)["unit"] for row in after[2]) - Counter(dict(row)["unit"] for row in before[2])
    assert new_rows == {"east": 5}


def test_attack_3_a_personal_link_does_not_tell_whether_its_person_has_answered(app, make_survey, hr):
    new_survey(app, make_survey, "linked")
    invited = links(app, "linked", {"north": 6})
    used, unused = invited["north"][0], invited["north"][1]
    answer_on_the_web(app, used, sat=2, comment="answered once")

    def page(path: str) -> tuple[int, str]:
        reply = app.test_client().get(path + "?lang=en")
        # the page's own tokens and the link itself differ per view and per link; the rest must not
        text = re.sub(r'value="[^"]+"', 'value=""', reply.text).replace(path, "LINK")
        return reply.status_code, text

    assert page(used) == page(unused)  # 200 and the same page, not 409 "already used"
    # answering through the used link again is thanked like any answer, and not counted
    answer_on_the_web(app, used, sat=10, comment="a second answer through the same link")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="linked"))
        stored = db.session.scalars(sa.select(Response.answers).filter_by(survey_id=survey.id)).all()
        used_marks = db.session.scalars(sa.select(Invitation.used_at).filter_by(survey_id=survey.id)).all()
    assert [answers["COMMENT"] for answers in stored] == ["answered once"]
    assert sum(mark is not None for mark in used_marks) == 1
    # the owner's reminders cannot tell either: an anonymous survey has no list of who has not answered
    owner = app.test_client()
    owner.post("/admin/login", data={"email": "hr@example.com", "password": PASSWORD})
    assert owner.get("/admin/surveys/linked/reminders.csv").status_code == 302


# --- attack 4: small cells in reports (see test_small_cells_in_an_anonymous_report_are_suppressed below)


# --- attack 5: one personal link, many responses


@pytest.mark.parametrize("anonymous", [True, False])
def test_attack_5_a_personal_link_gives_one_response_whichever_page_completes_it(app, make_survey, anonymous):
    make_survey(slug="once", definition=EMPLOYEE, anonymous=anonymous)
    [link] = links(app, "once", {"north": 1})["north"]
    respondent = app.test_client()
    page = respondent.get(link + "?lang=en")
    for data in ({"SAT": "7", "PROBLEM": "0"}, {"BRANCH": "north"}):
        posted = respondent.post(page.request.path + "?" + page.request.query_string.decode(), data={
            "csrf_token": csrf_token(page.text), "submission_key": submission_key(page.text), "nav": "next", **data})
        assert posted.status_code == 302
        page = respondent.get(posted.headers["Location"])
    # the last page posted to the open link instead of the personal one
    last = respondent.post("/s/once?page=3", data={"csrf_token": csrf_token(page.text), "nav": "next",
                                                    "submission_key": submission_key(page.text), "NPS": "7"})
    assert last.status_code == 302 and last.headers["Location"].endswith("/s/once/thanks")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="once"))
        [response] = db.session.scalars(sa.select(Response).filter_by(survey_id=survey.id)).all()
        invitation = db.session.scalar(sa.select(Invitation).filter_by(survey_id=survey.id))
        assert response.status == "complete" and invitation.used_at is not None
        assert (response.invitation_id is None) == anonymous  # an anonymous response forgets its link
    again = app.test_client().get(link + "?lang=en")
    if anonymous:
        answer_on_the_web(app, link, sat=1, comment="second")
    else:
        assert again.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Response.id)).where(Response.status == "complete")) == 1


# --- attack 6: the access log


def test_attack_6_the_access_log_keeps_no_address_agent_or_time_of_a_survey_page():
    import datetime
    from types import SimpleNamespace

    from gunicorn.config import Config

    from survey_app.logs import RedactingLogger

    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
                                    '%({x-forwarded-for}i)s %({remote_addr}e)s %({http_user_agent}e)s')
    logger = RedactingLogger(config)
    lines: list[str] = []
    logger.access_log = SimpleNamespace(info=lambda message, atoms: lines.append(message % atoms))

    def access(path: str) -> str:
        environ = {"REQUEST_METHOD": "POST", "RAW_URI": path, "PATH_INFO": path, "QUERY_STRING": "",
                   "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.7", "HTTP_USER_AGENT": "Mozilla/5.0 Desk-42",
                   "HTTP_X_FORWARDED_FOR": "192.168.1.42"}
        request = SimpleNamespace(headers=[("USER-AGENT", "Mozilla/5.0 Desk-42"), ("X-FORWARDED-FOR", "192.168.1.42")])
        logger.access(SimpleNamespace(status="302 FOUND", sent=0, headers=[]), request, environ,
                      datetime.timedelta(milliseconds=12))
        return lines[-1]

    line = access("/s/staff-2026?page=3")
    for secret in ("10.0.0.7", "192.168.1.42", "Desk-42"):
        assert secret not in line
    assert re.search(r"\[\d{2}/\w{3}/\d{4}\]", line) and not re.search(r"\d{2}:\d{2}:\d{2}", line)
    assert '"POST /s/staff-2026?page=3 HTTP/1.1"' in line
    # the console's lines keep the address and time the operator needs against attacks on accounts
    admin = access("/admin/login")
    assert "10.0.0.7" in admin and re.search(r"\d{2}:\d{2}:\d{2}", admin)


# --- attack 7: sessions


def test_attack_7_a_copied_session_cookie_stops_working_on_sign_out_password_change_and_deactivation(app, hr):
    def signed_in(email: str = "hr@example.com", password: str = PASSWORD):
        browser = app.test_client()
        browser.get("/admin/login?lang=en")  # the visitor's session before signing in (its language)
        stale_csrf = browser.get_cookie("session").value
        assert browser.post("/admin/login", data={"email": email, "password": password}).status_code == 302
        return browser, stale_csrf

    def replay(cookie: str) -> int:
        thief = app.test_client()
        thief.set_cookie("session", cookie)
        return thief.get("/admin/").status_code

    browser, before_sign_in = signed_in()
    copied = browser.get_cookie("session").value
    assert copied != before_sign_in  # a new session on sign-in (nothing of the visitor's carries over)
    assert replay(copied) == 200
    browser.post("/admin/logout")
    assert replay(copied) == 302  # signed out on the server: the copy is worthless
    # a password change ends every other session of the account
    first, _ = signed_in()
    second, _ = signed_in()
    assert first.post("/admin/password", data={"current": PASSWORD, "new": "a brand new passphrase",
                                              "repeat": "a brand new passphrase"}).status_code == 302
    assert second.get("/admin/").status_code == 302 and first.get("/admin/").status_code == 200
    # deactivation ends the account's sessions
    with app.app_context():
        create_user("analyst@example.com", PASSWORD, role="manager")
        db.session.commit()
    analyst, _ = signed_in("analyst@example.com")
    with app.app_context():
        from survey_app.models import User

        analyst_id = db.session.scalar(sa.select(User.id).filter_by(email="analyst@example.com"))
    assert first.post(f"/admin/accounts/{analyst_id}/active").status_code == 302
    assert analyst.get("/admin/").status_code == 302


def test_attack_7_the_csrf_secret_is_renewed_on_sign_in(app):
    with app.app_context():
        create_user("hr@example.com", PASSWORD, role="admin")
        db.session.commit()
    browser = app.test_client()
    page = browser.get("/admin/login?lang=en")
    planted = csrf_token(page.text)  # an attacker who fixed this token before the victim signs in
    assert browser.post("/admin/login", data={"csrf_token": planted, "email": "hr@example.com",
                                              "password": PASSWORD}).status_code == 302
    # after sign-in the planted token no longer works for a console form
    refused = browser.post("/admin/logout", data={"csrf_token": planted})
    assert refused.status_code == 400
    fresh = csrf_token(browser.get("/admin/password?lang=en").text)
    assert fresh != planted and browser.post("/admin/logout", data={"csrf_token": fresh}).status_code == 302


# --- attack 8: the response rate of a hidden unit


RATES = HIERARCHY + b"west,,department,West\n"


@pytest.mark.parametrize("anonymous", [True, False])
def test_attack_8_a_hidden_units_response_rate_is_hidden_with_its_count(app, client, make_survey, hr, anonymous):
    """North (6 of 10 invited) is hidden when South (3) is: the region's report minus North would be South. A rate
    of 60 % beside North's hidden count would give its 6 back, and the region's 9 minus 6 is South."""
    make_survey(slug="rates", definition=EMPLOYEE, anonymous=anonymous)
    with app.app_context():
        import_units(db.session.scalar(sa.select(Survey).filter_by(slug="rates")), RATES)
        db.session.commit()
    invited = links(app, "rates", {"north": 10, "south": 5, "east": 4, "west": 10})
    for unit, answering in (("north", 6), ("south", 3), ("east", 2), ("west", 8)):
        for path in invited[unit][:answering]:
            answer_on_the_web(app, path, sat=8, comment="x", unit=unit)
    rows = {u["unit"]: u for u in dashboard(client, "rates")["units"]}
    assert rows["south"]["invited"] == 5 and rows["south"]["rate"] is None
    for code in ("north-region", "north", "south", "east", "west"):
        row, refused = rows[code], report_refusal(client, code, slug="rates")
        # one verdict: a unit whose report is refused shows neither its count nor its rate on the dashboard
        assert (refused is not None) == (row["responses"] is None), code
        assert row["rate"] is None or (row["responses"] is not None and row["responses"] >= 5), code
    north = re.search(r'<tr data-unit="north">.*?</tr>', client.get("/admin/surveys/rates?lang=en").text, re.S)
    assert rows["north"]["responses"] == 6 or "%" not in north.group(0)  # the page as the owner sees it


# --- our own attacks: known facts in exports, waves, --by groups, channels, filters, the heatmap


def _set_facts(app, keys: list[str], **values) -> None:
    with app.app_context():
        db.session.execute(sa.update(Response).where(Response.submission_key.in_(keys)).values(**values))
        db.session.commit()


def test_exports_never_single_out_a_rare_language_or_channel_within_a_unit(app, staff, client):
    east = [f"{SLUG}-east-{i}" for i in range(7)]
    rows = [row for row in export_rows(client) if row["unit"] == "east"]
    assert {(row["language"], row["channel"]) for row in rows} == {("en", "web")}
    # one of them answered in Chinese: "the only Chinese answer in East" names a person, so East's rows give up
    # the language - all of them, not just the rare one, which a lone blank would point at just the same
    _set_facts(app, east[:1], language="zh")
    rows = [row for row in export_rows(client) if row["unit"] == "east"]
    assert len(rows) == 7 and {row["language"] for row in rows} == {""}
    assert {row["channel"] for row in rows} == {""}  # the channel goes first, before the language
    _set_facts(app, east[:5], language="zh")  # five and two: every language group still has to reach k
    assert {row["language"] for row in export_rows(client) if row["unit"] == "east"} == {""}
    _set_facts(app, east, language="zh")
    assert {row["language"] for row in export_rows(client) if row["unit"] == "east"} == {"zh"}


def test_exports_compared_across_releases_never_single_out_a_rare_fact_of_one_batch(app, staff, client):
    """The rows new in an export are one release's: a fact rare among them is as telling as one rare in a unit."""
    first = export_rows(client)
    add_answers(app, SLUG, {"east": [6] * 5}, tag="-b2")
    _set_facts(app, [f"{SLUG}-east-0-b2"], language="zh")  # one Chinese answer among the five new ones
    second = export_rows(client)
    assert len(second) == len(first) + 5
    # East's 12 rows hold 11 English answers and 1 Chinese: overall the language would pass k for nobody, and
    # by release it would single out the new Chinese answer; so East's rows give it up
    assert {row["language"] for row in second if row["unit"] == "east"} == {""}


#: the employee survey with an age band (a demographic question) and a staff number (an identifier)
EMPLOYEE_PROFILED = copy.deepcopy(EMPLOYEE)
EMPLOYEE_PROFILED["id"] = "staff_pulse_profiled"
EMPLOYEE_PROFILED["scales"]["age"] = {"kind": "single", "options": [
    {"value": band, "label": {"zh": band, "en": band}} for band in ("under-30", "30-49", "50-plus")]}
EMPLOYEE_PROFILED["pages"][1]["items"] += [
    {"code": "AGE", "text": {"zh": "您的年龄段？", "en": "Your age band?"}, "scale": "age", "role": "demographic",
     "required": False},
    {"code": "STAFF_NO", "text": {"zh": "工号", "en": "Staff number"}, "scale": "text", "role": "customer_id",
     "required": False},
]


def _profile(app, slug: str, ages: dict[str, list[str]]) -> None:
    """Give each unit's respondents (in order) these age bands and a staff number each."""
    with app.app_context():
        for unit, bands in ages.items():
            for i, band in enumerate(bands):
                response = db.session.scalar(sa.select(Response).filter_by(submission_key=f"{slug}-{unit}-{i}"))
                response.answers = {**response.answers, "AGE": band, "STAFF_NO": f"E{unit}{i:03d}"}
        db.session.commit()


def test_exports_never_single_out_a_rare_demographic_answer_or_carry_identifiers(app, staff, client, make_survey):
    slug = "staff-profiled"
    make_survey(slug=slug, definition=EMPLOYEE_PROFILED, anonymous=True)
    with app.app_context():
        import_units(db.session.scalar(sa.select(Survey).filter_by(slug=slug)), HIERARCHY)
        db.session.commit()
    add_answers(app, slug, {"north": [9] * 6, "east": [9] * 7})

    def east_rows() -> list[dict[str, str]]:
        return [row for row in export_rows(client, slug) if row["unit"] == "east"]

    _profile(app, slug, {"north": ["30-49"] * 6, "east": ["30-49"] * 6 + ["50-plus"]})
    rows = east_rows()
    assert len(rows) == 7 and {row["AGE"] for row in rows} == {""}  # the one person over 50
    assert {(row["language"], row["channel"]) for row in rows} == {("en", "web")}
    _profile(app, slug, {"east": ["30-49"] * 5 + ["50-plus"] * 2})
    assert {row["AGE"] for row in east_rows()} == {""}
    _profile(app, slug, {"east": ["30-49"] * 7})
    assert {row["AGE"] for row in east_rows()} == {"30-49"}  # everybody in one band: no secret
    _set_facts(app, [f"{slug}-east-0", f"{slug}-east-1"], language="zh")
    rows = east_rows()
    assert {row["AGE"] for row in rows} == {"30-49"} and {row["language"] for row in rows} == {""}
    everyone = export_rows(client, slug)
    assert len(everyone) == 13 and {row["STAFF_NO"] for row in everyone} == {""}  # never an identifier


def test_identified_exports_keep_demographic_answers_and_identifiers(app, staff, client, make_survey):
    slug = "staff-named"
    make_survey(slug=slug, definition=EMPLOYEE_PROFILED, anonymous=False)
    add_answers(app, slug, {"north": [9, 8]})
    _profile(app, slug, {"north": ["30-49", "50-plus"]})
    rows = export_rows(client, slug)
    assert sorted((row["AGE"], row["STAFF_NO"]) for row in rows) == [("30-49", "Enorth000"), ("50-plus", "Enorth001")]


def test_a_small_department_is_never_reported_and_its_parent_is_only_its_shown_children(staff, client):
    assert "fewer than 5 responses released so far" in report_refusal(client, "south")
    # south's two answers wait: region minus north is nobody, so both reports are made
    assert report_refusal(client, "north") is None and report_refusal(client, "north-region") is None
    assert report_n(client, SLUG, "north-region") == report_n(client, SLUG, "north") == 6
    assert report_refusal(client, "east") is None and report_n(client, SLUG) == 13


def test_three_way_a_lone_answer_of_the_region_itself_is_not_left_over(app, make_survey, client, hr):
    new_survey(app, make_survey, "staff-3way")
    add_answers(app, "staff-3way", {"north": [9] * 6, "south": [8] * 6, "east": [9] * 5})
    add_answers(app, "staff-3way", {"north-region": [1]}, tag="-lone")  # the regional manager, answering alone
    # region (12 shown) - north (6) - south (6) = nobody: the lone answer waits
    assert report_n(client, "staff-3way", "north-region") == 12
    assert report_refusal(client, "north", slug="staff-3way") is None
    assert report_refusal(client, "south", slug="staff-3way") is None
    assert "north-region person 0-lone" not in everything_shown(client, hr, "staff-3way")


def test_extra_filter_parameters_cannot_narrow_a_report_or_the_dashboard(staff, client):
    for query in ("unit=south&by=NPS", "unit=south&unit=north", "unit=south&filter=BRANCH:south"):
        reply = client.get(f"/admin/surveys/{SLUG}/report.html?{query}&lang=en")
        assert reply.status_code == 302, query
    assert dashboard(client) == client.get(f"/admin/surveys/{SLUG}/dashboard.json?unit=south&BRANCH=south").get_json()


def test_a_breakdown_by_an_answer_waits_for_the_close_of_an_anonymous_survey(app, staff):
    from survey_app.services.analysis import analyze_survey

    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        with pytest.raises(ValueError, match="once it has closed"):
            analyze_survey(survey, by="PROBLEM")
    with app.app_context():  # visits last year: 1 in north, 2 in east, but one east person said 3
        for response in db.session.scalars(sa.select(Response)):
            unit = response.submission_key.split("-")[2]
            visits = 3 if response.submission_key.endswith("east-0") else {"north": 1, "east": 2}.get(unit)
            response.answers = {**response.answers, "VISITS": visits}
        db.session.commit()
    close(app, SLUG)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        result = analyze_survey(survey, by="VISITS")
    suppression = result["groups"]["suppression"]
    # the one person with 3 visits is a group of one; hiding it alone would leave it as the total minus the rest
    assert set(suppression["hidden"]) == {"3", "1"} and suppression["shown"] == ["2"]


def test_kiosk_answers_on_an_open_anonymous_survey_are_marked_and_grouped_like_the_rest(app, staff, client):
    everything_shown(client, staff, SLUG)  # the owner has read the outputs: the first release is cut
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        _, kiosk = create_api_token(_hr_user(), "lobby", survey=survey, channel="kiosk")
        db.session.commit()
    body = {"answers": {"SAT": 2, "PROBLEM": 0, "BRANCH": "east", "NPS": 2, "COMMENT": "from the lobby"}}
    reply = client.post(f"/api/v1/surveys/{SLUG}/responses", json=body,
                        headers={"Authorization": f"Bearer {kiosk}", "Idempotency-Key": "lobby-1"})
    assert reply.status_code == 201 and reply.get_json()["channel"] == "kiosk"
    assert "from the lobby" not in everything_shown(client, staff, SLUG)  # one answer: it waits
    add_answers(app, SLUG, {"east": [7] * 4}, tag="-b2")
    rows = [row for row in export_rows(client) if row["unit"] == "east"]
    assert "from the lobby" in {row["COMMENT"] for row in rows}
    assert {row["channel"] for row in rows} == {""}  # the only kiosk answer in East: its channel is not shown


def test_next_wave_stays_anonymous_and_a_unit_small_in_wave_two_is_refused(app, staff, client):
    assert client.post(f"/admin/surveys/{SLUG}/next-wave", data={"slug": "staff-2027"}).status_code == 302
    with app.app_context():
        wave2 = db.session.scalar(sa.select(Survey).filter_by(slug="staff-2027"))
        first = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        assert wave2.anonymous and wave2.min_group_size == first.min_group_size and wave2.wave == 2
    add_answers(app, "staff-2027", {"north": [8] * 6, "south": [7] * 6, "east": [5, 6, 7]})
    assert "fewer than 5" in report_refusal(client, "east", slug="staff-2027")  # big in wave 1 is no excuse
    assert {u["unit"]: u["responses"] for u in dashboard(client, "staff-2027")["units"]}["east"] is None


def test_a_later_wave_report_does_not_carry_a_unit_figure_an_earlier_wave_never_showed(app, staff, client):
    from survey_app.services.analysis import analyze_survey

    assert client.post(f"/admin/surveys/{SLUG}/next-wave", data={"slug": "staff-2027"}).status_code == 302
    add_answers(app, "staff-2027", {"north": [8] * 6, "south": [7, 8, 7, 8, 7, 8], "east": [6] * 6})
    with app.app_context():
        wave2 = db.session.scalar(sa.select(Survey).filter_by(slug="staff-2027"))
        result = analyze_survey(wave2, unit="south")
        whole = analyze_survey(wave2)
    trends = result.get("trends") or {}
    assert 1 not in [int(w) for w in (trends.get("waves") or [])]  # south's two of wave 1 never went out
    assert len(whole["trends"]["waves"]) == 2 and min(whole["trends"]["n"].values()) >= 5


def test_the_heatmap_never_shows_a_unit_the_gate_hides(app, make_survey):
    """The whole report's heatmap by department hides exactly the units the gate hides."""
    import yaml

    from survey_app.services.analysis import analyze_survey
    from survey_app.services.synthetic import add_synthetic_responses

    definition = yaml.safe_load((Path(__file__).parents[2] / "instruments" / "employee_satisfaction.yaml")
                                .read_text(encoding="utf-8"))
    make_survey(slug="staff-heat", definition=definition, anonymous=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="staff-heat"))
        import_units(survey, b"unit,parent,kind\nregion-a,,region\nregion-b,,region\nsales,region-a,department\n"
                             b"service,region-a,department\noperations,region-b,department\n"
                             b"finance,region-b,department\n")
        add_synthetic_responses(survey, 38, seed=3)
        ids = dict(db.session.execute(sa.select(Unit.code, Unit.id).filter_by(survey_id=survey.id)).all())
        responses = db.session.scalars(sa.select(Response).filter_by(survey_id=survey.id).order_by(Response.id)).all()
        plan = ["sales"] * 12 + ["service"] * 12 + ["operations"] * 12 + ["finance"] * 2
        for response, code in zip(responses, plan, strict=True):
            response.unit_id = ids[code]
            response.answers = {**response.answers, "UNIT": code}
        db.session.commit()
        gate = open_gate(survey)
        assert gate.hidden_units()["finance"] == "not_released" and gate.shows("operations")
        result = analyze_survey(survey)
    cells = result["heatmap"]["cells"]
    assert {cell["group"] for cell in cells if cell["shown"]} <= {"销售", "客户服务", "运营"}
    assert all(cell["mean"] is None for cell in cells if cell["group"] == "财务")
    assert result["n"] == 36  # finance's two answers are in no figure at all


# --- attack 4: small cells in reports


def _small_cells(block, k: int, path: str = "") -> list[str]:
    """Every cell of a RESULT part that stands for 1 to k-1 people and still shows figures."""
    found = []
    if isinstance(block, dict):
        n = block.get("n")
        figures = [key for key, value in block.items() if key not in ("n", "level", "label", "column", "hidden")
                   and isinstance(value, int | float) and not isinstance(value, bool)]
        if isinstance(n, int) and 0 < n < k and figures and not block.get("hidden"):
            found.append(f"{path} (n {n}: {', '.join(figures)})")
        for key, value in block.items():
            found += _small_cells(value, k, f"{path}.{key}")
    elif isinstance(block, list):
        for i, value in enumerate(block):
            found += _small_cells(value, k, f"{path}[{i}]")
    return found


def test_attack_4_small_cells_in_an_anonymous_report_are_suppressed_with_the_reason_in_place(app, client,
                                                                                             make_survey, hr):
    from survey_app.services.analysis import analyze_survey
    from survey_app.services.instruments import sync_instruments
    from survey_app.services.synthetic import add_synthetic_responses

    with app.app_context():
        sync_instruments()
        db.session.commit()
    from survey_app.services.surveys import create_survey

    with app.app_context():
        survey = create_survey(slug="anon-cx", instrument_keys=["customer_satisfaction"], anonymous=True)
        add_synthetic_responses(survey, 80, seed=11)
        responses = db.session.scalars(sa.select(Response).filter_by(survey_id=survey.id).order_by(Response.id)).all()
        for i, response in enumerate(responses):  # one complainer, and one more with a problem who kept quiet
            answers = {key: value for key, value in response.answers.items()
                       if key not in ("COMPLAINED", "RECOUT", "RECPROC", "RECINT")}
            answers["PROBLEM"] = 1 if i < 2 else 0
            if i == 0:
                answers.update(COMPLAINED=1, RECOUT=5, RECPROC=5, RECINT=5, CUSA1=1)
            elif i == 1:
                answers["COMPLAINED"] = 0
            response.answers = answers
        db.session.commit()
        result = analyze_survey(db.session.scalar(sa.select(Survey).filter_by(slug="anon-cx")))
    trap = result["trap"]
    assert _small_cells(trap, 5) == [], _small_cells(trap, 5)
    complained = trap["complaints"]["groups"]["complained"]
    assert complained["hidden"] == "small" and complained["mean_satisfaction"] is None and complained["n"] is None
    # silent (1) is small too; no_problem alone is then shown - the two hidden ones together are 2 ... so the
    # partition leaves them both hidden and no_problem with them: nothing subtracts to one person
    groups = trap["complaints"]["groups"]
    assert groups["silent"]["hidden"] and groups["no_problem"]["hidden"] == "complementary"
    page = client.get("/admin/surveys/anon-cx/report.html?lang=en")
    assert page.status_code == 200
    assert "hidden: fewer than 5 answers" in page.text
    # the same survey, identified, shows its analysts every cell (they see every answer anyway)
    with app.app_context():
        db.session.scalar(sa.select(Survey).filter_by(slug="anon-cx")).anonymous = False
        db.session.commit()
        plain = analyze_survey(db.session.scalar(sa.select(Survey).filter_by(slug="anon-cx")))
    assert plain["trap"]["complaints"]["groups"]["complained"]["n"] == 1
