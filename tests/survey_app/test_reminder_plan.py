"""The reminder plan on the console's mail page: the form, its checks beside each field, the schedule it shows in
zh and en, and the invitations it times (when the survey opens, or at a set time)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from survey_app.admin.reminder_plan import parse_days
from survey_app.extensions import db
from survey_app.models import MailMessage, Survey
from survey_app.scheduler import run_due
from survey_app.scheduler.models import ReminderPlan, ScheduledJob
from survey_app.services.lifecycle import change_status
from tests.conftest import sign_in

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PEOPLE = "email,name,language\nann@example.com,Ann,en\nlei@example.com,李雷,zh\n"


@pytest.fixture
def signed_in(app, client):
    sign_in(app, client, "owner@example.com", "correct horse battery", token_name="t")
    return client


def _survey(app, slug: str) -> Survey:
    return db.session.scalar(sa.select(Survey).filter_by(slug=slug))


def _jobs(app, slug: str) -> dict[str, tuple[datetime, str]]:
    with app.app_context():
        survey = _survey(app, slug)
        rows = db.session.execute(sa.select(ScheduledJob.key, ScheduledJob.due_at, ScheduledJob.state)
                                  .where(ScheduledJob.key.like(f"survey:{survey.id}:%"))).all()
        return {key.split(":", 2)[2]: (due.replace(tzinfo=UTC) if due.tzinfo is None else due, state)
                for key, due, state in rows}


def _field_error(html: str, field: str) -> str:
    """The error shown beside ``field``, which the input points at (aria-describedby) and marks invalid."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert match, f"no error beside {field}"
    tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag and f"{field}-error" in tag
    return match.group(1)


@pytest.mark.parametrize(("text", "days"), [("3, 7", [3, 7]), ("7 3 3", [3, 7]), ("3，7、10；1", [1, 3, 7, 10]),
                                            ("３，７", [3, 7]), ("", []), ("  ", []), ("365", [365])])
def test_lists_of_days_are_read_with_any_usual_separator(app, text, days):
    with app.test_request_context():
        assert parse_days(text) == days


@pytest.mark.parametrize("text", ["3, x", "0", "366", "-1", "2.5", "1e3", "٣", "3;" * 21])
def test_a_list_of_days_with_anything_else_is_refused(app, text):
    with app.test_request_context(), pytest.raises(ValueError):
        parse_days(text)


def test_the_plan_of_an_open_survey_is_saved_scheduled_and_shown_in_both_languages(app, signed_in, make_survey,
                                                                                   monkeypatch):
    client = signed_in
    slug = make_survey("planned", opens_at=T0, closes_at=T0 + timedelta(days=14))
    page = client.get(f"/admin/surveys/{slug}/mail?lang=en").get_data(as_text=True)
    assert 'id="plan-form"' in page and 'id="plan-empty"' in page
    assert "Reminders go only to people who have not completed the survey" in page

    monkeypatch.setattr("survey_app.admin.reminder_plan.utcnow", lambda: T0)
    reply = client.post(f"/admin/surveys/{slug}/mail/plan", data={
        "invite": "open", "on_open": "y", "after_days": "7, 3", "before_close_days": "1"})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/mail#reminder-plan")
    assert _jobs(app, slug) == {
        "invitations": (T0, "due"), "reminder:open": (T0, "due"), "reminder:after-3d": (T0 + timedelta(days=3), "due"),
        "reminder:after-7d": (T0 + timedelta(days=7), "due"),
        "reminder:before-close-1d": (T0 + timedelta(days=13), "due")}

    page = client.get(f"/admin/surveys/{slug}/mail?lang=en").get_data(as_text=True)
    table = page[page.index('id="plan-steps"'):page.index("</table>", page.index('id="plan-steps"'))]
    assert [re.sub(r"\s+", " ", cell) for cell in re.findall(r"<td>([^<]*)</td>", table)] == [
        "Invitations", "Dec 1, 2026, 9:00:00 AM", "to be sent",
        "Reminder when the survey opens", "Dec 1, 2026, 9:00:00 AM", "to be sent",
        "Reminder 3 days after the opening", "Dec 4, 2026, 9:00:00 AM", "to be sent",
        "Reminder 7 days after the opening", "Dec 8, 2026, 9:00:00 AM", "to be sent",
        "Reminder 1 day before the closing", "Dec 14, 2026, 9:00:00 AM", "to be sent"]
    # the form shows the stored plan
    assert 'value="3, 7"' in page and re.search(r'<input checked id="invite-1"[^>]*value="open"', page)
    zh = client.get(f"/admin/surveys/{slug}/mail?lang=zh").get_data(as_text=True)
    assert "开放后第 3 天提醒" in zh and "2026年12月4日" in zh and "待发送" in zh
    assert "只发给尚未完成问卷" in zh

    # a step left out of the plan loses its waiting job
    client.post(f"/admin/surveys/{slug}/mail/plan", data={"invite": "manual", "after_days": "3"})
    assert set(_jobs(app, slug)) == {"reminder:after-3d"}


def test_wrong_days_are_shown_beside_their_field_and_nothing_is_saved(app, signed_in, make_survey):
    client = signed_in
    slug = make_survey("planned")
    reply = client.post(f"/admin/surveys/{slug}/mail/plan?lang=en", data={
        "invite": "at", "invite_at": "", "after_days": "3, soon", "before_close_days": "0"})
    assert reply.status_code == 400
    html = reply.get_data(as_text=True)
    assert "soon is not one" in _field_error(html, "after_days")
    assert "between 1 and 365" in _field_error(html, "before_close_days")
    assert "Enter the date and time" in _field_error(html, "invite_at")
    assert 'value="3, soon"' in html  # what was typed stays, to be corrected
    zh = client.post(f"/admin/surveys/{slug}/mail/plan?lang=zh", data={"invite": "manual", "after_days": "400"})
    assert zh.status_code == 400 and "1 到 365" in _field_error(zh.get_data(as_text=True), "after_days")
    for hostile in ({"invite": "later"}, {"invite": "at", "invite_at": "tomorrow"},
                    {"after_days": "3\x00"}, {"after_days": "9" * 500}):
        assert client.post(f"/admin/surveys/{slug}/mail/plan", data=hostile).status_code == 400
    with app.app_context():
        assert db.session.get(ReminderPlan, _survey(app, slug).id) is None
    assert _jobs(app, slug) == {}


def test_invitations_at_a_set_time_are_queued_by_the_scheduler_and_the_step_says_how_many(app, signed_in,
                                                                                         make_survey):
    client = signed_in
    slug = make_survey("planned", opens_at=T0)
    client.post(f"/admin/surveys/{slug}/participants", data={"file": (io.BytesIO(PEOPLE.encode()), "people.csv")})
    at = T0 + timedelta(days=2, hours=3)
    assert client.post(f"/admin/surveys/{slug}/mail/plan", data={
        "invite": "at", "invite_at": "2026-12-03T12:00", "after_days": "5"}).status_code == 302
    assert _jobs(app, slug)["invitations"] == (at, "due")
    with app.app_context():
        assert run_due(at - timedelta(minutes=1), "w").done == []
        assert run_due(at, "w").done == [f"survey:{_survey(app, slug).id}:invitations"]
        db.session.execute(sa.update(MailMessage).values(status="sent"))  # as the sender would
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(MailMessage.id)).filter_by(kind="invitation")) == 2
    # CLDR puts a narrow no-break space before AM/PM
    page = client.get(f"/admin/surveys/{slug}/mail?lang=en").get_data(as_text=True).replace("\u202f", " ")
    assert "done · 2 invitations sent" in page and "Dec 3, 2026, 12:00:00 PM" in page
    assert 'value="2026-12-03T12:00"' in page


def test_a_drafts_plan_is_scheduled_when_it_is_launched(app, signed_in, make_survey):
    client = signed_in
    slug = make_survey("draft-plan", status="draft")
    client.post(f"/admin/surveys/{slug}/mail/plan", data={"invite": "open", "after_days": "3"})
    assert _jobs(app, slug) == {}
    page = client.get(f"/admin/surveys/{slug}/mail?lang=en").get_data(as_text=True)
    assert page.count("scheduled when the survey opens") == 2  # the invitations and the step, times unknown yet
    with app.app_context():
        change_status(_survey(app, slug), "launch", now=T0)
        db.session.commit()
    assert _jobs(app, slug) == {"invitations": (T0, "due"), "reminder:after-3d": (T0 + timedelta(days=3), "due")}


def test_an_anonymous_survey_says_its_reminders_go_to_everyone_invited(app, signed_in, make_survey):
    slug = make_survey("anon", anonymous=True)
    page = signed_in.get(f"/admin/surveys/{slug}/mail?lang=en").get_data(as_text=True)
    assert "every reminder goes to everyone invited" in page
    assert "Reminders go only to people who have not completed" not in page
    assert "每次提醒都发给所有受邀者" in signed_in.get(f"/admin/surveys/{slug}/mail?lang=zh").get_data(as_text=True)


def test_an_archived_survey_has_no_plan_form_and_refuses_a_plan(app, signed_in, make_survey):
    slug = make_survey("old", status="archived")
    assert 'id="plan-form"' not in signed_in.get(f"/admin/surveys/{slug}/mail").get_data(as_text=True)
    reply = signed_in.post(f"/admin/surveys/{slug}/mail/plan", data={"invite": "manual", "after_days": "3"})
    assert reply.status_code == 302
    with app.app_context():
        assert db.session.get(ReminderPlan, _survey(app, slug).id) is None


def test_the_command_line_changes_the_reminders_and_keeps_the_consoles_invitation_time(app, signed_in, make_survey,
                                                                                      runner):
    slug = make_survey("planned", opens_at=T0)
    signed_in.post(f"/admin/surveys/{slug}/mail/plan", data={"invite": "at", "invite_at": "2026-12-02T08:30"})
    result = runner.invoke(args=["scheduler", "reminders", slug, "--after-days", "4"])
    assert result.exit_code == 0, result.output
    assert _jobs(app, slug) == {"invitations": (datetime(2026, 12, 2, 8, 30, tzinfo=UTC), "due"),
                                "reminder:after-4d": (T0 + timedelta(days=4), "due")}
