"""Every output of a survey's answers goes through the one disclosure gate (survey_app.services.disclosure).

The outputs are enumerated from ``app.url_map`` and the command line: a new route must be listed below as an
output of answers (and then it is tested to open the gate and to show nothing when the gate lets nothing out) or
as one that shows none, else :func:`test_every_route_is_classified` fails.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import openpyxl
import pyreadstat
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from survey_app.extensions import db
from survey_app.models import ReportJob, Response, Survey
from survey_app.services import disclosure
from survey_app.services.api_tokens import create_api_token
from survey_app.services.users import create_user
from tests.survey_app.test_access_routes import PUBLIC
from tests.survey_app.test_anonymity_attacks import EMPLOYEE, add_answers

PASSWORD = "correct horse battery"
SLUG = "gated"
MARK = "GATEMARK"

#: routes that show answers, or figures made from them: endpoint -> the request that reads it
OUTPUTS = {
    "admin.survey": f"/admin/surveys/{SLUG}",
    "admin.dashboard": f"/admin/surveys/{SLUG}/dashboard.json",
    "admin.export": f"/admin/surveys/{SLUG}/export.csv",
    "admin.report": f"/admin/surveys/{SLUG}/report.html?lang=en",
    "admin.report_job_pdf": f"/admin/surveys/{SLUG}/report-jobs/{{job}}.pdf",
    "api.get_results": f"/api/v1/surveys/{SLUG}/results",
    # the complete responses beside the invitees' counts (an anonymous survey's only as the gate releases them)
    "admin.participant_status": f"/admin/surveys/{SLUG}/participants/status",
    # cases are opened by answers and show a respondent's answers (identified surveys only: tests/survey_app/test_cases)
    "admin.cases": f"/admin/surveys/{SLUG}/cases",
    "admin.case": f"/admin/surveys/{SLUG}/cases/{{case}}",
    # what people wrote: an identified survey's comments by respondent, an anonymous one's redacted in groups
    "admin.comments": f"/admin/surveys/{SLUG}/comments",
    "admin.comments_csv": f"/admin/surveys/{SLUG}/comments.csv",
}
#: outputs whose path names a stored row (tested on their own)
TEMPLATED = {"admin.report_job_pdf", "admin.case"}
#: more requests of the same outputs (other formats)
MORE = [f"/admin/surveys/{SLUG}/export.xlsx", f"/admin/surveys/{SLUG}/export.sav",
        f"/admin/surveys/{SLUG}/report.pdf?lang=en", f"/admin/surveys/{SLUG}/report.html?lang=en&unit=east"]
#: routes that show no answers (settings, uploads, accounts, the questionnaire itself, job progress)
NO_ANSWERS = {
    "admin.logout", "admin.password", "admin.surveys", "admin.new_survey", "admin.change_status",
    "admin.upload_units", "admin.upload_invitations", "admin.next_wave", "admin.reminders", "admin.share",
    "admin.accounts", "admin.toggle_account", "admin.report_job", "admin.report_job_status",
    "admin.delete_survey", "admin.preview", "admin.delete_some_responses", "admin.links",
    "admin.qr", "admin.poster", "admin.unit_posters", "admin.embedding",
    "admin.questionnaire", "admin.questionnaire_title", "admin.questionnaire_change", "admin.questionnaire_page",
    "admin.questionnaire_new", "admin.questionnaire_question", "admin.questionnaire_export",
    "admin.questionnaire_import", "admin.questionnaire_condition", "admin.questionnaire_skips",
    "admin.questionnaire_matrix_new", "admin.questionnaire_matrix", "admin.questionnaire_welcome",
    "api.list_surveys", "api.get_survey", "api.post_response",
    # the mail: addresses and delivery, never answers (an anonymous survey's reminders ignore who answered)
    "admin.mail", "admin.upload_participants", "admin.send_invitations", "admin.send_reminders", "admin.outbox_view",
    "admin.reminder_plan",
    # other channels: the short texts and links of the participants (an anonymous survey's reminder file lists
    # everyone invited), the webhook's settings
    "admin.save_channel_settings", "admin.channel_export",
    # console accounts invited by email
    "admin.invite_account", "admin.revoke_invitation",
    # each invitee's steps (identified surveys only; like the reminder list, who completed, never what)
    "admin.participant_status_csv",
    # alert rules and unit owners are settings; changing a case shows nothing but the case page it redirects to
    "admin.alert_rules", "admin.alert_rule_delete", "admin.unit_owners", "admin.case_assign", "admin.case_status",
    "admin.case_note", "admin.case_followup",
    # webhooks: addresses, events and the delivery log (time, event, state, reply), never a payload's answers
    "admin.webhooks", "admin.webhook_endpoint", "admin.webhook_redeliver",
    # the action plan: what people plan about drivers, never answers (the figures are in the next wave's report)
    "admin.actions", "admin.action", "admin.action_status", "admin.action_notes",
    # the audit log holds counts and codes, never answers (services.audit refuses more on anonymous surveys)
    "admin.audit_log", "admin.audit_export",
    # a person's request: that one person's own records (identified surveys' responses only) to an administrator;
    # an anonymous survey's responses are never searched (tests/survey_app/test_person_requests.py)
    "admin.person_request", "admin.person_request_export", "admin.person_request_erase",
}



def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unknown = sorted(endpoints - PUBLIC - NO_ANSWERS - set(OUTPUTS))
    assert not unknown, f"routes neither listed as outputs of answers nor as showing none: {unknown}"


@pytest.fixture(params=[True, False], ids=["anonymous", "identified"])
def gated(request, app, client, make_survey):
    """A survey whose every comment carries MARK; an admin signed in; their API token; a finished report job."""
    make_survey(slug=SLUG, definition=EMPLOYEE, anonymous=request.param)
    add_answers(app, SLUG, {"east": [7] * 12, "north": [8] * 6})
    with app.app_context():
        for response in db.session.scalars(sa.select(Response)):
            response.answers = {**response.answers, "COMMENT": MARK}
        user, _ = create_user("admin@example.com", PASSWORD, role="admin")
        _, token = create_api_token(user, "analytics")
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        job = ReportJob(survey_id=survey.id, language="en", unit=None, cache_key="k", state="done", progress=100,
                        pdf=b"%PDF-1.7 " + MARK.encode())
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/admin/login", data={"email": "admin@example.com", "password": PASSWORD}).status_code == 302
    return {"token": token, "job": job_id}


def _read(client, path: str, token: str):
    headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
    reply = client.get(path, headers=headers)
    if reply.status_code == 302 and "report-jobs" not in reply.headers["Location"]:
        reply = client.get(reply.headers["Location"])  # a refused report says why on the survey page
    return reply


def test_every_output_opens_the_gate(app, client, gated, monkeypatch):
    opened = []
    real = disclosure.Gate.__post_init__

    def counting(self):
        opened.append(self.survey_id)
        real(self)

    monkeypatch.setattr(disclosure.Gate, "__post_init__", counting)
    for endpoint, path in OUTPUTS.items():
        if endpoint in TEMPLATED:
            continue  # a stored job's PDF was made through the gate when it was rendered (its cache key); a case:
            # test_the_case_page_reads_the_answers_through_the_gate
        opened.clear()
        reply = _read(client, path, gated["token"])
        assert reply.status_code == 200, endpoint
        assert opened, f"{endpoint} showed answers without opening the gate"


def test_a_sealed_gate_lets_nothing_out_of_any_output(app, client, gated, runner, monkeypatch, tmp_path):
    # the gate shows every output what it lets out; here it lets nothing out
    monkeypatch.setattr(disclosure.Gate, "where", lambda self, table=Response: (sa.false(),))
    monkeypatch.setattr(disclosure.Gate, "total", property(lambda self: None))
    with app.app_context():
        db.session.execute(sa.delete(ReportJob))  # a PDF made before the gate was sealed is another matter
        db.session.commit()
    for path in [*[p for e, p in OUTPUTS.items() if e not in TEMPLATED], *MORE]:
        reply = _read(client, path, gated["token"])
        assert MARK not in reply.get_data(as_text=False).decode("utf-8", "replace"), path
    results = client.get(f"/api/v1/surveys/{SLUG}/results",
                         headers={"Authorization": f"Bearer {gated['token']}"}).get_json()
    assert results["n"] is None and all(item["mean"] is None for item in results["items"])
    board = client.get(f"/admin/surveys/{SLUG}/dashboard.json").get_json()
    assert board["csi"] is None and board["nps"] is None and board["responses"] is None
    rows = client.get(f"/admin/surveys/{SLUG}/export.csv").data.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 1  # the header alone
    assert "No report" in _read(client, f"/admin/surveys/{SLUG}/report.html?lang=en", gated["token"]).text
    # the command line goes through the same gate
    analysed = runner.invoke(args=["analyze", SLUG, "--out", str(tmp_path / "result.json"), "--quiet"])
    reported = runner.invoke(args=["report", SLUG, "--lang", "en", "--out", str(tmp_path / "report.html")])
    assert analysed.exit_code != 0 and reported.exit_code != 0
    assert not (tmp_path / "result.json").exists() and not (tmp_path / "report.html").exists()


def test_the_open_gate_lets_the_answers_out(app, client, gated):
    """The sealed test above proves something only if the same outputs show the answers when the gate is open."""
    rows = client.get(f"/admin/surveys/{SLUG}/export.csv").data.decode("utf-8-sig")
    assert rows.count(MARK) == 18
    assert client.get(f"/admin/surveys/{SLUG}/report.html?lang=en").status_code == 200
    assert _read(client, OUTPUTS["admin.report_job_pdf"].format(job=gated["job"]), gated["token"]).data.endswith(
        MARK.encode())


TEST_MARK = "PREVIEWMARK"


def _add_test_responses(app, slug: str, count: int) -> None:
    """Complete responses made in a preview (``is_test``), each carrying TEST_MARK and answers unlike the real ones."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        real = db.session.scalars(sa.select(Response).filter_by(survey_id=survey.id).order_by(Response.id)).all()
        for i in range(count):
            model = real[i % len(real)]
            db.session.add(Response(
                survey_id=survey.id, submission_key=f"preview-{i}", resume_hash=f"{i:064d}", unit_id=model.unit_id,
                language="en", status="complete", furthest_page=model.furthest_page, is_test=True,
                answers={**model.answers, "SAT": 1, "NPS": 0, "COMMENT": TEST_MARK}))
        db.session.commit()


def _outputs(client, token: str) -> dict[str, str]:
    """What every output shows (the anonymous exports in shuffled order: their lines sorted)."""
    shown = {}
    for path in [*[p for e, p in OUTPUTS.items() if e not in TEMPLATED], *MORE]:
        reply = _read(client, path, token)
        body = reply.get_data(as_text=False).decode("utf-8", "replace")
        shown[path] = "\n".join(sorted(body.splitlines())) if path.endswith(".csv") else body
    return shown


def test_test_responses_beside_real_ones_change_no_output(app, client, gated):
    before_board = client.get(f"/admin/surveys/{SLUG}/dashboard.json").get_json()
    results = f"/api/v1/surveys/{SLUG}/results"
    headers = {"Authorization": f"Bearer {gated['token']}"}
    before_results = client.get(results, headers=headers).get_json()
    before_csv = _outputs(client, gated["token"])[f"/admin/surveys/{SLUG}/export.csv"]
    _add_test_responses(app, SLUG, 12)
    after = _outputs(client, gated["token"])
    for path, body in after.items():
        assert TEST_MARK not in body, path
    with app.app_context():  # a preview left unfinished is not someone answering right now
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        db.session.add(Response(survey_id=survey.id, submission_key="preview-open", resume_hash="f" * 64,
                                status="in_progress", is_test=True, answers={"COMMENT": TEST_MARK}))
        db.session.commit()
    assert client.get(f"/admin/surveys/{SLUG}/dashboard.json").get_json() == before_board  # counts, CSI, NPS
    assert client.get(results, headers=headers).get_json() == before_results
    assert after[f"/admin/surveys/{SLUG}/export.csv"] == before_csv
    with app.app_context():  # an anonymous survey released no batch for them
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response).filter(
            Response.is_test.is_(sa.true()), Response.release_no.is_not(None))) == 0
        assert disclosure.open_gate(survey).verdict.total == 18


def test_test_responses_alone_reach_no_output(app, client, gated, runner, tmp_path):
    with app.app_context():
        db.session.execute(sa.update(Response).values(is_test=True))  # every answer was given in a preview
        db.session.execute(sa.delete(ReportJob))
        db.session.commit()
    for path, body in _outputs(client, gated["token"]).items():
        assert MARK not in body, path
    board = client.get(f"/admin/surveys/{SLUG}/dashboard.json").get_json()
    assert board["responses"] in (0, None) and board["csi"] is None and board["nps"] is None
    rows = client.get(f"/admin/surveys/{SLUG}/export.csv").data.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 1  # the header alone
    results = client.get(f"/api/v1/surveys/{SLUG}/results",
                         headers={"Authorization": f"Bearer {gated['token']}"}).get_json()
    assert results["n"] in (0, None) and all(item["mean"] is None for item in results["items"])
    assert "No report" in _read(client, f"/admin/surveys/{SLUG}/report.html?lang=en", gated["token"]).text
    analysed = runner.invoke(args=["analyze", SLUG, "--out", str(tmp_path / "result.json"), "--quiet"])
    assert analysed.exit_code != 0 and not (tmp_path / "result.json").exists()


def test_the_case_page_reads_the_answers_through_the_gate(app, client, gated, monkeypatch):
    """A case shows one respondent's answers (identified surveys only): through the gate, like every output."""
    from datetime import UTC, datetime

    from survey_app.services.alerts import evaluate_response, save_rule

    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        if survey.anonymous:  # no rule, no case: the case page of any number is 404
            assert client.get(OUTPUTS["admin.case"].format(case=1)).status_code == 404
            return
        save_rule(survey, name="any", condition={"item": "COMMENT", "answered": True})
        first = db.session.scalar(sa.select(Response.id).order_by(Response.id).limit(1))
        [case] = evaluate_response(first, datetime(2026, 12, 7, tzinfo=UTC))
        db.session.commit()
        path = OUTPUTS["admin.case"].format(case=case.id)
    opened = []
    real = disclosure.Gate.__post_init__
    monkeypatch.setattr(disclosure.Gate, "__post_init__", lambda self: (opened.append(self.survey_id), real(self)))
    reply = client.get(path)
    assert reply.status_code == 200 and opened and MARK in reply.text
    monkeypatch.setattr(disclosure.Gate, "where", lambda self, table=Response: (sa.false(),))
    sealed = client.get(path)
    assert sealed.status_code == 200 and MARK not in sealed.text and 'id="no-answers"' in sealed.text


#: a comment naming a manager, a phone number and an email address; RAW: what no output of an anonymous survey shows
IDENTIFYING = "请联系王经理，电话 138-1234-5678，邮箱 wang.wei@example.com"
RAW = ("王经理", "138-1234-5678", "wang.wei@example.com")


def _visible(path: str, data: bytes) -> str:
    """What a reader of an output sees: a workbook's and an SPSS file's cells, a PDF's text, a page's characters."""
    if ".xlsx" in path:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        return "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    if ".sav" in path:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "x.sav").write_bytes(data)
            frame, _ = pyreadstat.read_sav(str(Path(tmp) / "x.sav"))
        return frame.to_csv()
    if ".pdf" in path and data.startswith(b"%PDF"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return data.decode("utf-8", "replace")


def test_no_output_shows_an_anonymous_surveys_comment_as_written(app, client, gated):
    with app.app_context():
        for response in db.session.scalars(sa.select(Response)):
            response.answers = {**response.answers, "COMMENT": IDENTIFYING}
        db.session.execute(sa.delete(ReportJob))
        db.session.commit()
        anonymous = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG)).anonymous
    shown = {path: _visible(path, _read(client, path, gated["token"]).data)
             for path in [*[p for e, p in OUTPUTS.items() if e not in TEMPLATED], *MORE]}
    export, comments = shown[OUTPUTS["admin.export"]], shown[OUTPUTS["admin.comments"]]
    if not anonymous:  # an identified survey's comments as written
        assert IDENTIFYING in export and IDENTIFYING in comments
        return
    for path, text in shown.items():
        assert not [raw for raw in RAW if raw in text], path
    redacted = "请联系[姓名]经理，电话 [电话]，邮箱 [邮箱]"
    for path in (OUTPUTS["admin.export"], *MORE[:2], OUTPUTS["admin.comments"], OUTPUTS["admin.comments_csv"]):
        assert redacted in shown[path], path  # the comments are there, redacted
