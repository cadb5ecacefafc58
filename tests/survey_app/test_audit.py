"""The audit log's core: one entry per record(), from the injectable clock, append-only, and nothing about the
respondents of an anonymous survey."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEntry, Survey
from survey_app.services import audit
from survey_app.services.users import create_user

MOMENT = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)


def test_record_writes_one_entry_at_the_clocks_time_and_refuses_changes(app, make_survey, monkeypatch):
    make_survey("flow")
    monkeypatch.setattr(audit, "clock", lambda: MOMENT)
    with app.app_context():
        user, _ = create_user("auditor@example.com", "a-long-password", role="admin")
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="flow"))
        audit.record("export.downloaded", account=user, survey=survey, target="export.csv", detail={"rows": 3})
        db.session.commit()
        entry = db.session.scalar(sa.select(AuditEntry))
        assert (entry.action, entry.account_id, entry.survey_id, entry.survey_slug, entry.target, entry.detail) == (
            "export.downloaded", user.id, survey.id, "flow", "export.csv", {"rows": 3})
        assert entry.at.replace(tzinfo=UTC) == MOMENT
        entry.target = "something else"
        with pytest.raises(ValueError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(sa.select(AuditEntry)))
        with pytest.raises(ValueError, match="append-only"):
            db.session.flush()


def test_an_anonymous_surveys_entries_take_counts_and_codes_only(app, make_survey):
    make_survey("anon", anonymous=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="anon"))
        for target, detail in [("response:Tk3x_9aQ", {}), (None, {"response_id": 4}),
                               (None, {"comment": "my boss"}), (None, {"note": "Zhang San in unit 7"})]:
            with pytest.raises(ValueError, match="anonymous"):
                audit.record("data.deleted", account=None, survey=survey, target=target, detail=detail)
        audit.record("data.deleted", account=None, survey=survey, target="responses:test", detail={"count": 2})
        with pytest.raises(ValueError, match="not one of"):
            audit.record("peeked", account=None)
