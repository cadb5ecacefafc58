"""Respondent text with markup, scripts, SVG, formulas and Unicode tricks: stored exactly as given, inert when
shown (the survey page, the console, the HTML report) and neutralised in spreadsheets."""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services.exports import neutralise
from survey_app.services.users import create_user
from tests.conftest import csrf_token, submission_key

PAYLOADS = [
    "<script>alert('x')</script>",
    "<svg/onload=alert(1)>",
    '"><img src=x onerror=alert(1)>',
    "<a href=\"javascript:alert(1)\">click</a>",
    "{{ 7*7 }} {% raw %}",  # template syntax must not be evaluated
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "@HYPERLINK(\"http://evil\")",
    "\u202etxt.exe",  # right-to-left override
    "zero\u200bwidth\ufeffBOM",
    "满意度 <b>粗</b>",
    "'; DROP TABLE response; --",
    "\t=HYPERLINK(\"http://evil\",\"click\")",
    "-2+3",
]
#: each payload as a spreadsheet cell must read, written out by hand (not derived from the code under test)
CELLS = {
    "<script>alert('x')</script>": "<script>alert('x')</script>",
    "<svg/onload=alert(1)>": "<svg/onload=alert(1)>",
    '"><img src=x onerror=alert(1)>': '"><img src=x onerror=alert(1)>',
    "<a href=\"javascript:alert(1)\">click</a>": "<a href=\"javascript:alert(1)\">click</a>",
    "{{ 7*7 }} {% raw %}": "{{ 7*7 }} {% raw %}",
    "=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
    "+SUM(1,2)": "'+SUM(1,2)",
    "@HYPERLINK(\"http://evil\")": "'@HYPERLINK(\"http://evil\")",
    "\u202etxt.exe": "\u202etxt.exe",
    "zero\u200bwidth\ufeffBOM": "zero\u200bwidth\ufeffBOM",
    "满意度 <b>粗</b>": "满意度 <b>粗</b>",
    "'; DROP TABLE response; --": "'; DROP TABLE response; --",
    # the leading tab is kept as written: the apostrophe goes before it
    "\t=HYPERLINK(\"http://evil\",\"click\")": "'\t=HYPERLINK(\"http://evil\",\"click\")",
    "-2+3": "'-2+3",
}


def test_text_answers_are_stored_as_given_and_shown_inert_on_the_survey_page(app, client, make_survey):
    make_survey()
    payload = " | ".join(PAYLOADS)
    page = client.get("/s/flow?lang=en")
    client.post("/s/flow?page=1", data={"csrf_token": csrf_token(page.text), "submission_key": submission_key(
        page.text), "nav": "next", "SAT": "8", "PROBLEM": "1", "PROBLEM_TEXT": payload})
    with app.app_context():
        stored = db.session.scalar(sa.select(Response))
        assert stored.answers["PROBLEM_TEXT"] == payload.strip()  # byte for byte (the SQL text was data too)
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1
    again = client.get("/s/flow?page=1&lang=en").text
    for dangerous in ("<script>alert", "<svg/onload", "<img src=x", "<a href=\"javascript", "<b>粗</b>"):
        assert dangerous not in again
    assert "&lt;script&gt;alert(" in again
    assert "{{ 7*7 }}" in again  # shown as text, not evaluated


def test_exports_neutralise_formulas_and_keep_the_rest_as_given(app, client, make_survey):
    make_survey()
    with app.app_context():
        create_user("admin@example.com", "correct horse battery", role="admin")
        db.session.commit()
    for i, payload in enumerate(PAYLOADS):
        page = client.get("/s/flow")
        client.post("/s/flow?page=1", data={"csrf_token": csrf_token(page.text), "submission_key": f"k{i}",
                                            "nav": "next", "SAT": "8", "PROBLEM": "1", "PROBLEM_TEXT": payload})
        page = client.get("/s/flow?page=2")
        client.post("/s/flow?page=2", data={"csrf_token": csrf_token(page.text), "submission_key": f"k{i}",
                                            "nav": "next", "BRANCH": "north"})
        page = client.get("/s/flow?page=3")
        client.post("/s/flow?page=3", data={"csrf_token": csrf_token(page.text), "submission_key": f"k{i}",
                                            "nav": "next", "NPS": "9"})
        client.delete_cookie("session")  # the next respondent
    login = client.get("/admin/login")
    client.post("/admin/login", data={"csrf_token": csrf_token(login.text), "email": "admin@example.com",
                                      "password": "correct horse battery"})
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/surveys/flow/export.csv").data.decode("utf-8-sig"))))
    texts = {row["PROBLEM_TEXT"] for row in rows}
    assert len(rows) == len(PAYLOADS)
    for payload in PAYLOADS:
        assert CELLS[payload] in texts, payload
    report = client.get("/admin/surveys/flow/report.html?lang=en")
    if report.status_code == 200:  # the report may quote texts; if it does, inertly
        assert "<script>alert" not in report.text and "<svg/onload" not in report.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40))
def test_neutralise_never_leaves_a_cell_a_spreadsheet_would_run(text):
    cell = neutralise(text)
    # what a spreadsheet runs: a cell starting with one of these (OWASP CSV injection), written out here
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
    # and what any file can hold: no control character but tab and newline, no unpaired surrogate
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]", cell)
    # the rest as written (line ends made newlines, surrogates made U+FFFD), after an apostrophe where needed
    cleaned = re.sub("[\ud800-\udfff]", "\ufffd", re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f]", "",
                                                         re.sub("\r\n?", "\n", text)))
    assert cell == ("'" + cleaned if cleaned.startswith(("=", "+", "-", "@", "\t", "\n")) else cleaned)
