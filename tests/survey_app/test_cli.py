"""Flask CLI commands, run as a user would run them."""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import InstrumentRecord, Response, Survey, User


def test_demo_creates_two_surveys_with_responses_and_an_admin(app, runner):
    result = runner.invoke(args=["demo", "--responses", "40"])
    assert result.exit_code == 0, result.output
    assert "/s/demo-customer  (40 responses)" in result.output
    assert "/s/demo-employee  (40 responses)" in result.output
    email, password = re.search(r"admin account: (\S+) / (\S+)", result.output).groups()
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email=email))
        assert user.check_password(password) and user.role == "admin"
        employee = db.session.scalar(sa.select(Survey).filter_by(slug="demo-employee"))
        assert employee.anonymous
        complete = db.session.scalar(sa.select(sa.func.count(Response.id)).filter_by(status="complete"))
        assert complete == 80
    again = runner.invoke(args=["demo", "--responses", "40"])
    assert again.exit_code == 0 and "(40 responses)" in again.output and "already exists" in again.output


def test_instruments_validate_names_the_broken_file(runner, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\nversion: '1'\ntitle: {zh: 坏, en: Broken}\npages: []\nbogus_key: 1\n")
    result = runner.invoke(args=["instruments", "validate", str(broken)])
    assert result.exit_code != 0
    assert "broken.yaml" in result.output
    ok = runner.invoke(args=["instruments", "validate"])
    assert ok.exit_code == 0 and "customer_satisfaction" in ok.output


def test_instruments_load_is_idempotent(app, runner):
    first = runner.invoke(args=["instruments", "load"])
    second = runner.invoke(args=["instruments", "load"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "0 instrument version(s) added" in second.output
    with app.app_context():
        keys = set(db.session.scalars(sa.select(InstrumentRecord.key)))
    assert {"customer_satisfaction", "employee_satisfaction", "kano", "servqual"} <= keys


def test_create_survey_generate_and_invite(app, runner):
    runner.invoke(args=["instruments", "load"])
    made = runner.invoke(args=["create-survey", "wave-1", "--instrument", "customer_satisfaction",
                               "--instrument", "kano", "--languages", "en,zh"])
    assert made.exit_code == 0, made.output
    duplicate = runner.invoke(args=["create-survey", "wave-1", "--instrument", "customer_satisfaction"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    unknown = runner.invoke(args=["create-survey", "wave-2", "--instrument", "no_such_instrument"])
    assert unknown.exit_code != 0 and "no_such_instrument" in unknown.output
    generated = runner.invoke(args=["generate-responses", "wave-1", "25", "--seed", "3"])
    assert generated.exit_code == 0 and "25 synthetic responses" in generated.output
    invited = runner.invoke(args=["invite", "wave-1", "--count", "3"])
    links = re.findall(r"/s/wave-1/(\S+)", invited.output)
    assert len(links) == 3 and len(set(links)) == 3 and all(len(t) >= 32 for t in links)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="wave-1"))
        assert survey.instrument_key == "customer_satisfaction+kano"
        assert survey.languages == ["en", "zh"]


def test_create_admin_refuses_short_password_and_duplicates(runner):
    short = runner.invoke(args=["create-admin", "hr@example.com", "--password", "short"])
    assert short.exit_code != 0 and "at least 10" in short.output
    made = runner.invoke(args=["create-admin", "hr@example.com", "--role", "hr"])
    assert made.exit_code == 0 and "(hr)" in made.output
    again = runner.invoke(args=["create-admin", "HR@example.com"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_analyze_a_survey_from_the_database(app, runner, tmp_path):
    import json

    runner.invoke(args=["demo", "--responses", "150"])
    out = tmp_path / "result.json"
    result = runner.invoke(args=["analyze", "demo-customer", "--out", str(out), "--by", "UNIT"])
    assert result.exit_code == 0, result.output
    assert "150 of 150 responses analysed" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["n"] == 150
    assert {"Image", "Satisfaction", "Loyalty"} <= set(data["constructs"])
    assert data["pls"]["converged"] is True
    assert "Quality->Satisfaction" in data["pls"]["paths"]
    assert data["groups"] and data["nps"]["n"] == 150
    trap = data["trap"]  # the instrument's model names stage, complaint and recovery columns for the trap diagnosis
    assert set(trap["stages"]) <= {"exploration", "formation", "stability", "decline"} and trap["stages"]
    assert 0 < trap["complaints"]["problem_rate"] < 1
    assert trap["findings"] and {"en", "zh"} <= set(trap["findings"][0])
    unknown = runner.invoke(args=["analyze", "demo-customer", "--out", str(out), "--by", "NOPE"])
    assert unknown.exit_code != 0 and "NOPE" in unknown.output


def test_report_command_writes_the_report(runner, tmp_path):
    runner.invoke(args=["demo", "--responses", "60"])
    out = tmp_path / "report.html"
    result = runner.invoke(args=["report", "demo-customer", "--lang", "zh", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "客户满意度调查" in out.read_text(encoding="utf-8")
    unknown = runner.invoke(args=["report", "demo-customer", "--unit", "nowhere", "--out", str(out)])
    assert unknown.exit_code != 0 and "nowhere" in unknown.output
    pdf = tmp_path / "report.PDF"  # the suffix names the format in any case
    written = runner.invoke(args=["report", "demo-customer", "--lang", "en", "--out", str(pdf)])
    assert written.exit_code == 0, written.output
    assert pdf.read_bytes().startswith(b"%PDF")


def test_out_must_end_in_a_format_the_command_writes(runner, make_survey, tmp_path):
    """A report asked for as .docx was written as a PDF under that name: now nothing is written."""
    make_survey(slug="flow")
    for name in ("report.docx", "report.htm", "report.pdf.txt", "report"):
        out = tmp_path / name
        refused = runner.invoke(args=["report", "flow", "--lang", "zh", "--out", str(out)])
        assert refused.exit_code == 2, name
        assert "Invalid value for '--out'" in refused.output and "must end in .pdf or .html" in refused.output
        assert not out.exists(), name
    for name in ("result.csv", "result.JSON.txt", "result"):
        out = tmp_path / name
        refused = runner.invoke(args=["analyze", "flow", "--out", str(out)])
        assert refused.exit_code == 2, name
        assert "Invalid value for '--out'" in refused.output and "must end in .json" in refused.output
        assert not out.exists(), name
    # any case of .json passes the check; this survey has no answers to analyse, which the command then says
    upper = runner.invoke(args=["analyze", "flow", "--out", str(tmp_path / "RESULT.JSON")])
    assert upper.exit_code == 1 and "Invalid value" not in upper.output, upper.output
