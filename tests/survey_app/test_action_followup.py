"""The next wave's report looks back at the previous wave's actions: numbers through the gates, the section."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy import stats

from analysis.frames import responses_frame
from survey_app.extensions import db
from survey_app.models import Response, Unit
from survey_app.services.action_followup import action_followup
from survey_app.services.actions import create_action
from survey_app.services.analysis import survey_report
from survey_app.services.disclosure import open_gate
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import create_next_wave, create_survey
from survey_app.services.synthetic import add_synthetic_responses
from survey_app.services.users import create_user

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _two_waves(n_first: int = 120, n_second: int = 120):
    sync_instruments()
    owner = create_user("hr@example.com", "correct horse battery", role="hr")[0]
    first = create_survey(slug="staff-2025", instrument_keys=["employee_satisfaction"], anonymous=False)
    first.created_by_id = owner.id
    add_synthetic_responses(first, n_first, seed=11)
    second = create_next_wave(first, slug="staff-2026")
    add_synthetic_responses(second, n_second, seed=12)
    db.session.flush()
    return owner, first, second


def _unit_counts(survey) -> dict[str, int]:
    return dict(db.session.execute(sa.select(Unit.code, sa.func.count(Response.id)).join(
        Unit, Response.unit_id == Unit.id).where(Response.survey_id == survey.id).group_by(Unit.code)).all())


def test_explore(app):
    with app.app_context():
        owner, first, second = _two_waves()
        print(_unit_counts(first), _unit_counts(second))
        code = max(_unit_counts(first), key=_unit_counts(first).get)
        create_action(first, driver="Pay", unit_code=code, title="Pay review", owner=owner, due_on=date(2026, 1, 31),
                      notes="", by=owner, now=NOW)
        db.session.commit()
        out = action_followup(second, open_gate(second))
        print(out)
        pdf = survey_report(second, lang="en", fmt="html")
        with open("/tmp/i21a/report.html", "w") as fh:
            fh.write(pdf)
