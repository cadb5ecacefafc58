"""Control characters and unpaired surrogates are refused on the way in, naming the field; what was stored before
the check still exports and reports; slugs and ids are checked whole; a re-sent page keeps no withdrawn answer."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pyreadstat
import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Survey, Unit
from survey_app.services.surveys import create_survey
from survey_app.services.units import import_units
from tests.conftest import csrf_token, sign_in, submission_key
from tests.survey_app.test_anonymity_attacks import EMPLOYEE, add_answers

PASSWORD = "correct horse battery"
#: answers nobody should be able to store: NUL, bell, escape, a C1 control, an unpaired surrogate
REFUSED = {"\x00": "control_character", "ring\x07": "control_character", "\x1b[31mred": "control_character",
           "next\x85line": "control_character", "\ud800": "not_text"}


@pytest.fixture
def admin(app, client):
    return sign_in(app, client, "admin@example.com", PASSWORD, token_name="hostile")


def _stored(app) -> list[dict]:
    with app.app_context():
        return db.session.scalars(sa.select(Response.answers).order_by(Response.id)).all()


def test_the_api_refuses_control_characters_and_surrogates_naming_the_item(app, client, make_survey, admin):
    make_survey()
    for i, (text, problem) in enumerate(REFUSED.items()):
        body = {"answers": {"SAT": 8, "PROBLEM": 1, "PROBLEM_TEXT": text, "BRANCH": "north", "NPS": 9}}
        reply = client.post("/api/v1/surveys/flow/responses", data=json.dumps(body),
                            headers={"Authorization": f"Bearer {admin}", "Idempotency-Key": f"h{i}",
                                     "Content-Type": "application/json"})
        assert reply.status_code == 422 and reply.get_json()["errors"] == {"PROBLEM_TEXT": problem}, repr(text)
        assert "PROBLEM_TEXT contains" in reply.get_json()["message"]
    assert _stored(app) == []


def test_the_survey_page_refuses_control_characters_with_a_message_and_keeps_nothing(app, client, make_survey):
    make_survey()
    page = client.get("/s/flow?lang=en")
    refused = client.post("/s/flow?page=1", data={"csrf_token": csrf_token(page.text), "nav": "next",
                                                   "submission_key": submission_key(page.text), "SAT": "8",
                                                   "PROBLEM": "1", "PROBLEM_TEXT": "queue\x1b[2J"})
    assert refused.status_code == 200 and "Please remove the invisible control characters" in refused.text
    assert _stored(app) == []
    # a text box's Windows line ends are not control characters: they are stored as newlines
    accepted = client.post("/s/flow?page=1", data={"csrf_token": csrf_token(page.text), "nav": "next",
                                                    "submission_key": submission_key(page.text), "SAT": "8",
                                                    "PROBLEM": "1", "PROBLEM_TEXT": "line one\r\nline two\tend"})
    assert accepted.status_code == 302
    assert _stored(app)[0]["PROBLEM_TEXT"] == "line one\nline two\tend"


def test_uploads_and_console_fields_refuse_control_characters_naming_the_place(app, client, make_survey, admin):
    make_survey(slug="flow")
    units = client.post("/admin/surveys/flow/units?lang=en", data={"file": (io.BytesIO(
        b"unit,name\nhq,Head office\nx1,Bad\x07name\n"), "units.csv")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "line 3: the column &#39;name&#39; contains a control character" in units.text
    with app.app_context():
        assert db.session.scalar(sa.select(Unit.id).filter_by(code="hq")) is None  # nothing of the file
    links = client.post("/admin/surveys/flow/invitations", data={"file": (io.BytesIO(
        b"ref,unit\nanna\x07@example.com,north\n"), "refs.csv")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "line 2: the column &#39;ref&#39; contains a control character" in links.text
    page = client.post("/admin/surveys/new?lang=en", data={"slug": "fresh", "title_zh": "标题\x1b", "title_en": "T",
                                                          "instruments": "flow_test", "languages": ["zh", "en"]})
    assert page.status_code == 200 and "Remove the invisible control characters" in page.text


@pytest.mark.parametrize("slug", ["ok-slug\n", "new", "admin", "OK-SLUG", "ok slug", "ok_slug", "a" * 65])
def test_slugs_are_checked_whole_and_reserved_words_refused(app, make_survey, slug):
    with app.app_context(), pytest.raises(ValueError, match="slug"):
        create_survey(slug=slug, instrument_keys=["flow_test"])


@pytest.mark.parametrize("path", ["/admin/surveys/flow/report-jobs/99999999999999999999999",
                                  "/admin/surveys/flow/report-jobs/99999999999999999999999.json",
                                  "/admin/surveys/flow/report-jobs/2147483648.pdf"])
def test_ids_beyond_the_databases_integers_are_404(client, make_survey, admin, path):
    make_survey()
    assert client.get(path).status_code == 404


def test_an_account_id_beyond_the_databases_integers_is_404(client, admin):
    assert client.post("/admin/accounts/999999999999999999999999/active").status_code == 404


def test_answers_stored_before_the_checks_still_export_and_report(app, client, make_survey, admin):
    """Rows written before the input checks existed (or by hand): every export and report format still works."""
    make_survey(slug="old", definition=EMPLOYEE)
    with app.app_context():
        import_units(db.session.scalar(sa.select(Survey).filter_by(slug="old")), b"unit,name\neast,East\n")
        db.session.commit()
    add_answers(app, "old", {"east": [7] * 6})
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    # PostgreSQL's JSONB stores no NUL and no unpaired surrogate at all; SQLite stores anything
    hostile = "bell\x07 esc\x1b[31m c1\x85" + ("" if postgres else " nul\x00 half\ud800")
    with app.app_context():
        for response in db.session.scalars(sa.select(Response)):
            response.answers = {**response.answers, "COMMENT": "=" + hostile}
        # (a surrogate cannot reach a text column through Python's drivers; a JSON document holds it escaped)
        db.session.execute(sa.update(Unit).where(Unit.code == "east").values(name="East\x1b" + (
            "" if postgres else "\x00")))
        db.session.commit()
    for fmt in ("csv", "xlsx", "sav"):
        reply = client.get(f"/admin/surveys/old/export.{fmt}")
        assert reply.status_code == 200, fmt
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/surveys/old/export.csv").data.decode("utf-8-sig"))))
    assert {row["COMMENT"] for row in rows} == {"'=bell esc[31m c1" + ("" if postgres else " nul half\ufffd")}
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/admin/surveys/old/export.xlsx").data)).active
    assert sheet.max_row == 7
    path = app.instance_path + "/hostile.sav"
    with open(path, "wb") as handle:
        handle.write(client.get("/admin/surveys/old/export.sav").data)
    assert len(pyreadstat.read_sav(path)[0]) == 6
    for path in ("/admin/surveys/old/report.html?lang=en", "/admin/surveys/old/report.pdf?lang=zh",
                 "/admin/surveys/old", "/admin/surveys/old/dashboard.json"):
        assert client.get(path).status_code == 200, path


def test_a_re_sent_page_keeps_no_answer_the_respondent_took_back(app, client, make_survey):
    make_survey()
    page = client.get("/s/flow?lang=en")
    token, key = csrf_token(page.text), submission_key(page.text)
    client.post("/s/flow?page=1", data={"csrf_token": token, "submission_key": key, "nav": "next", "SAT": "4",
                                        "PROBLEM": "1", "PROBLEM_TEXT": "the queue"})
    client.post("/s/flow?page=2", data={"csrf_token": token, "submission_key": key, "nav": "next",
                                        "BRANCH": "north", "CHANNELS": ["web", "app"], "VISITS": "3"})
    # back to both pages: no problem after all, one channel only, the visits left empty
    client.post("/s/flow?page=1", data={"csrf_token": token, "submission_key": key, "nav": "next", "SAT": "4",
                                        "PROBLEM": "0"})
    client.post("/s/flow?page=2", data={"csrf_token": token, "submission_key": key, "nav": "next",
                                        "BRANCH": "north", "CHANNELS": ["web"]})
    assert _stored(app) == [{"SAT": 4, "PROBLEM": 0, "BRANCH": "north", "CHANNELS": ["web"]}]


def test_hostile_answers_through_every_way_in_come_out_of_every_export_and_report(app, client, make_survey, admin):
    """Markup, formulas, bidi overrides, zero-width and astral characters: accepted as text through the pages and
    the API, then every export and report format downloads."""
    from tests.survey_app.test_fuzz_injection import PAYLOADS

    make_survey()
    for i, payload in enumerate(PAYLOADS):
        body = {"answers": {"SAT": 6, "PROBLEM": 1, "PROBLEM_TEXT": payload, "BRANCH": "north", "NPS": 5,
                            "COMMENT": payload + " 😀𠀀"}}
        reply = client.post("/api/v1/surveys/flow/responses", json=body,
                            headers={"Authorization": f"Bearer {admin}", "Idempotency-Key": f"way-{i}"})
        assert reply.status_code == 201, payload
        respondent = app.test_client()
        page = respondent.get("/s/flow?lang=en")
        for data in ({"SAT": "7", "PROBLEM": "1", "PROBLEM_TEXT": payload}, {"BRANCH": "south"},
                     {"NPS": "8", "COMMENT": payload}):
            url = page.request.path + "?" + page.request.query_string.decode()
            posted = respondent.post(url, data={"csrf_token": csrf_token(page.text), "nav": "next",
                                                "submission_key": submission_key(page.text), **data})
            assert posted.status_code == 302, payload
            page = respondent.get(posted.headers["Location"])
    assert len(_stored(app)) == 2 * len(PAYLOADS)
    for fmt in ("csv", "xlsx", "sav"):
        assert client.get(f"/admin/surveys/flow/export.{fmt}").status_code == 200, fmt
    for path in ("/admin/surveys/flow/report.html?lang=en", "/admin/surveys/flow/report.pdf?lang=zh",
                 "/admin/surveys/flow", "/admin/surveys/flow/dashboard.json", "/api/v1/surveys/flow/results"):
        reply = client.get(path, headers={"Authorization": f"Bearer {admin}"} if "/api/" in path else {})
        assert reply.status_code == 200, path
