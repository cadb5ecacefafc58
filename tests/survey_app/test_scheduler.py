"""The scheduler's logic in one process, on SQLite and PostgreSQL, with the time passed in (never the clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Invitation, Survey
from survey_app.models.types import as_utc
from survey_app.scheduler import claim, run_due, schedule
from survey_app.scheduler.jobs import LEASE_LOST, RunSummary, run_job
from survey_app.scheduler.models import ReminderDue, ScheduledJob
from survey_app.scheduler.reminders import HOOKS, on_reminder, set_plan
from survey_app.services.invitations import create_invitations
from survey_app.services.lifecycle import change_status
from tests.survey_app.scheduler_probe import PROBE, PROBE_METADATA

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def probe_table(app):
    with app.app_context():
        PROBE_METADATA.create_all(db.engine)


def probe_keys() -> list[str]:
    return list(db.session.scalars(sa.select(PROBE.c.key).order_by(PROBE.c.key)))


def job(key: str) -> ScheduledJob:
    db.session.expire_all()
    return db.session.scalar(sa.select(ScheduledJob).filter_by(key=key))


def test_a_job_runs_when_due_and_not_before(app, probe_table):
    with app.app_context():
        schedule("p:1", T0, "probe", {"key": "p:1"})
        schedule("p:2", T0 + timedelta(hours=1), "probe", {"key": "p:2"})
        db.session.commit()

        assert len(run_due(T0 - timedelta(seconds=1), "w1")) == 0
        assert probe_keys() == []

        assert run_due(T0, "w1").done == ["p:1"]
        assert probe_keys() == ["p:1"]
        assert (job("p:1").state, job("p:1").attempts, as_utc(job("p:1").finished_at)) == ("done", 1, T0)
        assert job("p:2").state == "due"

        assert len(run_due(T0 + timedelta(minutes=59), "w1")) == 0  # done jobs never run again
        assert run_due(T0 + timedelta(hours=2), "w2").done == ["p:2"]
        assert probe_keys() == ["p:1", "p:2"]


def test_a_key_makes_one_job_moved_while_waiting_and_kept_once_run(app, probe_table):
    with app.app_context():
        first = schedule("p:1", T0, "probe", {"key": "p:1"})
        again = schedule("p:1", T0 + timedelta(days=1), "probe", {"key": "p:1", "v": 2})
        db.session.commit()
        assert first.id == again.id
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ScheduledJob)) == 1
        assert as_utc(job("p:1").due_at) == T0 + timedelta(days=1) and job("p:1").payload["v"] == 2

        assert len(run_due(T0 + timedelta(hours=1), "w1")) == 0  # it moved
        assert run_due(T0 + timedelta(days=1), "w1").done == ["p:1"]
        schedule("p:1", T0 + timedelta(days=5), "probe", {"key": "p:1"})  # a done job is not made again
        db.session.commit()
        assert job("p:1").state == "done" and as_utc(job("p:1").due_at) == T0 + timedelta(days=1)


def test_an_unknown_kind_and_a_naive_time_are_refused(app, probe_table):
    with app.app_context():
        with pytest.raises(ValueError, match="job kind must be one of"):
            schedule("x", T0, "no-such-kind", {})
        with pytest.raises(ValueError, match="due_at must carry a time zone"):
            schedule("x", datetime(2026, 3, 2, 9, 0), "probe", {"key": "x"})
        with pytest.raises(ValueError, match="now must carry a time zone"):
            run_due(datetime(2026, 3, 2, 9, 0), "w")


def test_times_in_other_zones_are_compared_in_utc(app, probe_table):
    beijing = timezone(timedelta(hours=8))
    with app.app_context():
        schedule("p", datetime(2026, 3, 2, 17, 0, tzinfo=beijing), "probe", {"key": "p"})  # 09:00 UTC
        db.session.commit()
        assert as_utc(job("p").due_at) == T0
        assert len(run_due(T0 - timedelta(minutes=1), "w")) == 0
        assert run_due(datetime(2026, 3, 2, 17, 0, tzinfo=beijing), "w").done == ["p"]


def test_a_failing_job_is_retried_later_then_given_up(app, probe_table):
    with app.app_context():
        schedule("f", T0, "probe", {"key": "f", "fail": True}, max_attempts=3)
        db.session.commit()

        assert run_due(T0, "w1").retried == ["f"]
        assert probe_keys() == []  # the failed attempt's row was rolled back
        assert (job("f").state, job("f").attempts, as_utc(job("f").due_at)) == ("due", 1, T0 + timedelta(minutes=1))
        assert "probe asked to fail" in job("f").last_error

        assert len(run_due(T0 + timedelta(seconds=59), "w1")) == 0
        assert run_due(T0 + timedelta(minutes=1), "w1").retried == ["f"]
        assert as_utc(job("f").due_at) == T0 + timedelta(minutes=3)  # 2 minutes after the second attempt
        assert run_due(T0 + timedelta(minutes=3), "w1").failed == ["f"]
        assert (job("f").state, job("f").attempts) == ("failed", 3)
        assert len(run_due(T0 + timedelta(days=1), "w1")) == 0


def test_an_expired_lease_lets_another_worker_take_over_and_the_first_one_writes_nothing(app, probe_table):
    lease = timedelta(minutes=5)
    with app.app_context():
        schedule("p", T0, "probe", {"key": "p"})
        db.session.commit()
        held = claim(T0, "slow", lease)
        assert (held.state, held.claimed_by, as_utc(held.lease_until)) == ("running", "slow", T0 + lease)
        held_id = held.id

        assert claim(T0 + lease - timedelta(seconds=1), "other", lease) is None  # held: nobody else runs it
        taken = claim(T0 + lease, "other", lease)
        assert (taken.id, taken.claimed_by, taken.attempts) == (held_id, "other", 2)

        late = RunSummary()
        run_job(db.session.get(ScheduledJob, held_id), T0 + lease, "slow", late)  # the slow worker finishes late
        assert late.lost == ["p"] and probe_keys() == []
        assert job("p").state == "running" and job("p").claimed_by == "other"

        summary = RunSummary()
        run_job(db.session.get(ScheduledJob, held_id), T0 + lease, "other", summary)
        assert summary.done == ["p"] and probe_keys() == ["p"]


def test_a_job_whose_workers_keep_dying_is_given_up(app, probe_table):
    lease = timedelta(minutes=1)
    with app.app_context():
        schedule("p", T0, "probe", {"key": "p"}, max_attempts=2)
        db.session.commit()
        assert claim(T0, "a", lease) is not None
        assert claim(T0 + lease, "b", lease) is not None  # a died; b died too
        assert len(run_due(T0 + 2 * lease, "c")) == 0
        assert (job("p").state, job("p").last_error) == ("failed", LEASE_LOST)
        assert probe_keys() == []


def test_the_schedule_survives_a_restart(app, database_url, probe_table, monkeypatch):
    with app.app_context():
        schedule("p", T0 + timedelta(days=3), "probe", {"key": "p"})
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    restarted = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with restarted.app_context():
        assert run_due(T0 + timedelta(days=3), "after-restart").done == ["p"]
        assert probe_keys() == ["p"]
        db.session.remove()
        db.engine.dispose()


# --- reminder steps ---------------------------------------------------------------------------------------------


@pytest.fixture
def survey(app, make_survey):
    """A draft survey open from T0 to T0 + 14 days with three invitees."""
    make_survey("remind", status="draft", opens_at=T0, closes_at=T0 + timedelta(days=14))
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="remind"))
        create_invitations(survey, ["a@example.com", "b@example.com", "c@example.com"])
        db.session.commit()
        return survey.id


@pytest.fixture
def handed() -> list[tuple[int, str, list[int], datetime]]:
    """What the reminder hook was given, by call."""
    calls: list[tuple[int, str, list[int], datetime]] = []

    def hook(survey: Survey, step: str, invitation_ids: list[int], now: datetime) -> None:
        calls.append((survey.id, step, invitation_ids, now))

    on_reminder(hook)
    yield calls
    HOOKS.remove(hook)


def _open(survey_id: int, now: datetime) -> Survey:
    survey = db.session.get(Survey, survey_id)
    set_plan(survey, on_open=True, after_days=[3], before_close_days=[1], now=now)
    change_status(survey, "launch", now=now)
    db.session.commit()
    return survey


def test_opening_a_survey_schedules_its_reminder_steps(app, survey):
    with app.app_context():
        draft = db.session.get(Survey, survey)
        assert set_plan(draft, on_open=True, after_days=[3], before_close_days=[1], now=T0) == []  # not open yet
        _open(survey, T0 - timedelta(days=1))
        jobs = {j.key: as_utc(j.due_at) for j in db.session.scalars(sa.select(ScheduledJob))}
        assert jobs == {
            f"survey:{survey}:reminder:open": T0,
            f"survey:{survey}:reminder:after-3d": T0 + timedelta(days=3),
            f"survey:{survey}:reminder:before-close-1d": T0 + timedelta(days=13),
        }
        # closing and opening again makes no second job; a step taken out of the plan is cancelled
        change_status(db.session.get(Survey, survey), "close")
        set_plan(db.session.get(Survey, survey), on_open=True, after_days=[], before_close_days=[1], now=T0)
        change_status(db.session.get(Survey, survey), "reopen", now=T0)
        db.session.commit()
        assert sorted(db.session.scalars(sa.select(ScheduledJob.key))) == [
            f"survey:{survey}:reminder:before-close-1d", f"survey:{survey}:reminder:open"]


def test_a_step_records_the_invitees_who_have_not_answered_once(app, survey, handed):
    with app.app_context():
        _open(survey, T0)
        invitations = db.session.scalars(sa.select(Invitation).filter_by(survey_id=survey).order_by(Invitation.id))
        first, second, third = invitations
        assert run_due(T0, "w").done == [f"survey:{survey}:reminder:open"]
        assert handed == [(survey, "open", [first.id, second.id, third.id], T0)]

        second.used_at = T0 + timedelta(hours=1)  # b answered on the first day
        db.session.commit()

        assert run_due(T0 + timedelta(days=3), "w").done == [f"survey:{survey}:reminder:after-3d"]
        assert handed[-1] == (survey, "after-3d", [first.id, third.id], T0 + timedelta(days=3))
        due = db.session.execute(sa.select(ReminderDue.step, ReminderDue.invitation_id)
                                 .order_by(ReminderDue.step, ReminderDue.invitation_id)).all()
        assert due == [("after-3d", first.id), ("after-3d", third.id),
                       ("open", first.id), ("open", second.id), ("open", third.id)]

        # the step run again (a job taken over after its worker died past the commit) hands nobody twice
        from survey_app.scheduler.reminders import run_reminder

        run_reminder({"survey_id": survey, "step": "after-3d"}, T0 + timedelta(days=3, minutes=5))
        assert handed[-1][2] == []


def test_a_closed_survey_reminds_nobody(app, survey, handed):
    with app.app_context():
        _open(survey, T0)
        change_status(db.session.get(Survey, survey), "close")
        db.session.commit()
        assert run_due(T0 + timedelta(days=3), "w").done == [f"survey:{survey}:reminder:open",
                                                              f"survey:{survey}:reminder:after-3d"]
        assert handed == []
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderDue)) == 0


def test_the_reminders_command_sets_the_plan(app, runner, survey):
    with app.app_context():
        change_status(db.session.get(Survey, survey), "launch", now=T0)
        db.session.commit()
    result = runner.invoke(args=["scheduler", "reminders", "remind", "--on-open", "--after-days", "2"])
    assert result.exit_code == 0, result.output
    assert f"survey:{survey}:reminder:open: due, due 2026-03-02T09:00:00" in result.output
    assert f"survey:{survey}:reminder:after-2d: due, due 2026-03-04T09:00:00" in result.output
    result = runner.invoke(args=["scheduler", "reminders", "remind", "--after-days", "0"])
    assert result.exit_code != 0 and "between 1 and 365" in result.output
    assert "no survey" in runner.invoke(args=["scheduler", "reminders", "nope"]).output


def test_the_jobs_command_lists_the_schedule(app, runner, probe_table):
    with app.app_context():
        schedule("p:1", T0, "probe", {"key": "p:1"})
        schedule("p:2", T0 + timedelta(days=1), "probe", {"key": "p:2", "fail": True})
        db.session.commit()
        run_due(T0 + timedelta(days=1), "w")
    listed = runner.invoke(args=["scheduler", "jobs"]).output.splitlines()
    assert listed == ["p:1  done  due 2026-03-02T09:00:00+00:00  attempts 1",
                      "p:2  due  due 2026-03-03T09:01:00+00:00  attempts 1  RuntimeError: probe asked to fail"]
    assert runner.invoke(args=["scheduler", "jobs", "--state", "done"]).output.splitlines() == listed[:1]
