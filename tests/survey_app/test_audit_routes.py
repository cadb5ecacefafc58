"""Every audited action of the console, the API and the command line leaves exactly one audit entry; every route
says whether it is audited (:data:`AUDITED` or :data:`NOT_AUDITED`), as every route says who may call it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEntry, ReportJob, Survey
from survey_app.services.audit import ACTIONS
from tests.survey_app.test_access_routes import CASES, PUBLIC, SLUG, Case, call, sign_in, world  # noqa: F401

# ``world`` is the access tests' fixture: a survey with answers, case 1, rule 1, endpoint 1, an account per role

#: audited endpoints, in the order the test calls them (a later one may need an earlier one's result), with the
#: action each records; ``world`` (tests/survey_app/test_access_routes.py) holds case 1, rule 1, endpoint 1
AUDITED: list[tuple[str, Case, str]] = [
    ("admin.survey", CASES["admin.survey"], "dashboard.viewed"),
    ("admin.comments", CASES["admin.comments"], "dashboard.viewed"),
    ("admin.comments_csv", CASES["admin.comments_csv"], "export.downloaded"),

    ("admin.export", CASES["admin.export"], "export.downloaded"),
    ("admin.report", CASES["admin.report"], "report.downloaded"),
    ("admin.report_job_pdf", CASES["admin.report_job_pdf"], "report.downloaded"),
    ("admin.links", CASES["admin.links"], "export.downloaded"),
    ("admin.reminders", CASES["admin.reminders"], "export.downloaded"),
    ("admin.upload_invitations", Case("POST", f"/admin/surveys/{SLUG}/invitations", "survey",
                                      upload="ref,unit\nC-17,north\n"), "survey.changed"),
    ("admin.upload_participants", CASES["admin.upload_participants"], "survey.changed"),
    ("admin.participant_status_csv", CASES["admin.participant_status_csv"], "export.downloaded"),
    ("admin.channel_export", Case("GET", f"/admin/surveys/{SLUG}/mail/messages.csv", "survey"),
     "export.downloaded"),
    ("admin.send_invitations", CASES["admin.send_invitations"], "survey.changed"),
    ("admin.send_reminders", CASES["admin.send_reminders"], "survey.changed"),
    ("admin.reminder_plan", CASES["admin.reminder_plan"], "survey.changed"),
    ("admin.save_channel_settings", CASES["admin.save_channel_settings"], "survey.changed"),
    ("admin.embedding", CASES["admin.embedding"], "survey.changed"),
    ("admin.alert_rules", CASES["admin.alert_rules"], "survey.changed"),
    ("admin.alert_rule_delete", CASES["admin.alert_rule_delete"], "survey.changed"),
    ("admin.unit_owners", CASES["admin.unit_owners"], "survey.changed"),
    ("admin.webhooks", Case("POST", f"/admin/surveys/{SLUG}/webhooks", "creator",
                            {"url": "http://127.0.0.1:9/hook", "events": "alert.created"}), "survey.changed"),
    ("admin.webhook_endpoint", Case("POST", f"/admin/surveys/{SLUG}/webhooks/1", "creator", {"action": "off"}),
     "survey.changed"),
    ("admin.delete_some_responses", CASES["admin.delete_some_responses"], "data.deleted"),
    ("admin.share", CASES["admin.share"], "survey.shared"),
    ("admin.next_wave", Case("POST", f"/admin/surveys/{SLUG}/next-wave", "survey", {"slug": "second-wave"}),
     "survey.created"),
    ("admin.change_status", CASES["admin.change_status"], "survey.changed"),
    ("admin.new_survey", Case("POST", "/admin/surveys/new", "login",
                              {"slug": "fresh-draft", "start": "blank", "languages": "en", "title_zh": "新问卷",
                               "title_en": "Fresh"}), "survey.created"),
    ("admin.upload_units", Case("POST", "/admin/surveys/fresh-draft/units", "survey",
                                upload="unit,name\nhq,HQ\n"), "survey.changed"),
    ("admin.questionnaire_title", Case("POST", "/admin/surveys/fresh-draft/questionnaire/title", "survey",
                                       {"revision": "0", "title_zh": "标题", "title_en": "Title"}),
     "survey.changed"),
    ("admin.questionnaire_import", Case("POST", "/admin/surveys/fresh-draft/questionnaire/import", "survey",
                                        upload="IMPORT"), "survey.changed"),
    ("admin.delete_survey", Case("POST", "/admin/surveys/fresh-draft/delete", "survey",
                                 {"confirm": "fresh-draft"}), "data.deleted"),
    ("admin.accounts", Case("POST", "/admin/accounts", "admin", {"email": "new@example.com", "role": "hr"}),
     "account.changed"),
    ("admin.toggle_account", CASES["admin.toggle_account"], "account.changed"),
    ("admin.invite_account", CASES["admin.invite_account"], "account.changed"),
    ("admin.revoke_invitation", CASES["admin.revoke_invitation"], "account.changed"),
    ("api.get_results", CASES["api.get_results"], "export.downloaded"),
    ("admin.audit_export", CASES["admin.audit_export"], "export.downloaded"),
    ("admin.person_request", CASES["admin.person_request"], "request.found"),
    ("admin.person_request_export", CASES["admin.person_request_export"], "request.exported"),
    ("admin.person_request_erase", CASES["admin.person_request_erase"], "request.erased"),
]
#: endpoints that record nothing, and why (docs/audit.md says the same)
NOT_AUDITED = {
    # no data of anybody: lists, forms, the survey's own link material, the questionnaire
    "admin.logout", "admin.password", "admin.surveys", "admin.preview", "admin.qr", "admin.poster",
    "admin.unit_posters", "admin.questionnaire", "admin.questionnaire_export", "admin.report_job",
    "admin.report_job_status", "admin.mail", "api.list_surveys", "api.get_survey",
    # polled every 15 s by the survey page, whose view is the audited one
    "admin.dashboard",
    # reading the audit log itself (its downloads are audited)
    "admin.audit_log",

    # answers and edits of the questionnaire go through the audited _store (admin.editor)
    "admin.questionnaire_change", "admin.questionnaire_page", "admin.questionnaire_new",
    "admin.questionnaire_question", "admin.questionnaire_condition", "admin.questionnaire_skips",
    "admin.questionnaire_matrix_new", "admin.questionnaire_matrix", "admin.questionnaire_welcome",
    # cases and action plans keep their own append-only histories (who changed what, when)
    "admin.cases", "admin.case", "admin.case_assign", "admin.case_status", "admin.case_followup", "admin.case_note",
    "admin.actions", "admin.action", "admin.action_status", "admin.action_notes",
    # a delivery sent again carries what was already sent; the page lists deliveries, not answers
    "admin.webhook_redeliver", "admin.participant_status", "admin.outbox_view",
    # a respondent's own answer through a channel token
    "api.post_response",
}
IMPORT = "id: imported\nversion: '1'\ntitle: {zh: 导入, en: Imported}\npages:\n- id: p1\n  title: {zh: 一, en: One}\n" \
         "  items:\n  - code: SAT\n    text: {zh: 满意吗, en: Satisfied}\n    scale: rating10\n    role: satisfaction\n"


def test_every_route_says_whether_it_is_audited(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - PUBLIC
    audited = {endpoint for endpoint, _, _ in AUDITED}
    assert audited.isdisjoint(NOT_AUDITED)
    assert endpoints - audited - NOT_AUDITED == set()


def entries(app) -> list[tuple[str, str | None]]:
    with app.app_context():
        return db.session.execute(sa.select(AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id)).all()


def test_each_audited_action_leaves_exactly_one_entry(app, client, world, runner, tmp_path):  # noqa: F811
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"))
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        db.session.add(ReportJob(survey_id=survey.id, language="en", cache_key="k", state="done", pdf=b"%PDF-1.7",
                                 finished_at=datetime(2026, 12, 7, tzinfo=UTC)))
        db.session.commit()
    sign_in(client, "admin")
    assert [action for action, _ in entries(app)] == ["account.signed_in"]
    for endpoint, case, action in AUDITED:
        before = entries(app)
        if case.upload == "IMPORT":
            reply = client.post(case.path, data={"file": (io.BytesIO(IMPORT.encode()), "q.yaml"), "revision": "1"},
                                content_type="multipart/form-data")
        else:
            reply = call(client, case, world, world["tokens"]["admin"])
        assert reply.status_code < 400, (endpoint, reply.status_code)
        new = entries(app)[len(before):]
        with client.session_transaction() as session:
            flashed = session.pop("_flashes", None)
        assert [a for a, _ in new] == [action], (endpoint, new, flashed)

    assert runner.invoke(args=["api-token", "admin@example.com", "--name", "kiosk"]).exit_code == 0
    assert runner.invoke(args=["api-token-revoke", "1"]).exit_code == 0
    assert [a for a, _ in entries(app)[-2:]] == ["token.created", "token.revoked"]
    recorded = {a for a, _ in entries(app)}
    assert set(ACTIONS) == recorded
