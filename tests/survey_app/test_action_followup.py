"""The next wave's report looks back at the previous wave's actions: numbers through the gates, the section."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa
from scipy import stats

from analysis.frames import responses_frame
from survey_app.extensions import db
from survey_app.models import Response, Unit
from survey_app.services.action_followup import action_followup
from survey_app.services.actions import change_status, create_action
from survey_app.services.analysis import survey_report
from survey_app.services.disclosure import open_gate
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import create_next_wave, create_survey, instrument_of
from survey_app.services.synthetic import add_synthetic_responses
from survey_app.services.users import create_user

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _two_waves(anonymous: bool = False):
    sync_instruments()
    owner = create_user("hr@example.com", "correct horse battery", role="hr")[0]
    first = create_survey(slug="staff-2025", instrument_keys=["employee_satisfaction"], anonymous=anonymous)
    first.created_by_id = owner.id
    add_synthetic_responses(first, 120, seed=11)
    second = create_next_wave(first, slug="staff-2026")
    add_synthetic_responses(second, 120, seed=12)
    db.session.flush()
    return owner, first, second


def _counts(survey) -> dict[str, int]:
    return dict(db.session.execute(sa.select(Unit.code, sa.func.count(Response.id)).join(
        Unit, Response.unit_id == Unit.id).where(Response.survey_id == survey.id).group_by(Unit.code)).all())


def _index(survey, unit: str, items: list[str]) -> pd.Series:
    """The 0-100 index of the mean of ``items`` of each respondent of ``unit``, by hand."""
    with db.engine.connect() as connection:
        frame = responses_frame(connection, survey.id)
    codes = dict(db.session.execute(sa.select(Response.id, Unit.code).join(Unit, Response.unit_id == Unit.id)
                                    .where(Response.survey_id == survey.id)).all())
    frame = frame[[codes.get(i) == unit for i in frame.index]]
    instrument = instrument_of(survey)
    scale = instrument.scale_of(next(item for item in instrument.items if item.code == items[0]))
    return (100 * (frame[items].astype(float).mean(axis=1) - scale.min) / (scale.max - scale.min)).dropna()


def test_the_next_wave_report_shows_each_action_change_and_the_did(app):
    with app.app_context():
        owner, first, second = _two_waves()
        counts = _counts(first)
        big = max(counts, key=counts.get)
        action = create_action(first, driver="Pay", unit_code=big, title="Pay review with the team", owner=owner,
                               due_on=date(2026, 1, 31), notes="", by=owner, now=NOW)
        change_status(action, "done", owner, NOW)
        db.session.commit()
        out = action_followup(second, open_gate(second))
        items = instrument_of(second).model_spec()["constructs"]["Pay"]
        before, after = _index(first, big, items), _index(second, big, items)
        html = survey_report(second, lang="en", fmt="html")
        html_zh = survey_report(second, lang="zh", fmt="html")
        alone = survey_report(first, lang="en", fmt="html")
    row = out["changes"][str(action.id)]
    assert row["reason"] == "shown" and row["scale"] == "index"
    assert row["n_before"] == len(before) and row["n_after"] == len(after)
    assert row["change"] == pytest.approx(after.mean() - before.mean(), abs=1e-9)
    low, high = stats.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
    assert row["ci_low"] == pytest.approx(low, rel=1e-9) and row["ci_high"] == pytest.approx(high, rel=1e-9)
    did = out["did"]["Pay"]
    assert did["reason"] == "shown" and did["treated_units"] == 1 and did["se_kind"] == "hc1"
    section = html[html.index('id="followup"'):html.index("</section>", html.index('id="followup"'))]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    assert "Actions since the last wave" in text and "Pay review with the team" in text
    assert f"{row['mean_before']:.1f}" in text and f"{row['mean_after']:.1f}" in text
    assert f"[{row['ci_low']:.1f}, {row['ci_high']:.1f}]" in text
    assert "hr@example.com" in text and "done" in text
    assert f"{did['did']:+.1f}" in text and "Units chose their actions" in text and "regression to the mean" in text
    assert "上期以来的改进措施" in html_zh and "均值回归" in html_zh
    assert "difference in differences is the wave x action interaction" in html  # the methods appendix
    # the first wave has no earlier wave: no such section
    assert 'id="followup"' not in alone


def test_a_unit_below_k_shows_no_driver_change(app):
    with app.app_context():
        owner, first, second = _two_waves()
        counts = _counts(second)
        small = min(counts, key=counts.get)
        second.min_group_size = counts[small] + 1  # that unit is now below k in the later wave
        db.session.flush()
        action = create_action(first, driver="Pay", unit_code=small, title="Small team action", owner=owner,
                               due_on=None, notes="", by=owner, now=NOW)
        db.session.commit()
        out = action_followup(second, open_gate(second))
        html = survey_report(second, lang="en", fmt="html")
    row = out["changes"][str(action.id)]
    assert row["reason"] in ("hidden", "small")
    assert all(row[key] is None for key in ("n_before", "n_after", "mean_before", "mean_after", "change",
                                            "ci_low", "ci_high", "verdict"))
    section = html[html.index('id="followup"'):html.index("</section>", html.index('id="followup"'))]
    assert "Small team action" in section and "not shown" in section


def test_no_section_without_actions_on_the_previous_wave(app):
    with app.app_context():
        _owner, _first, second = _two_waves()
        db.session.commit()
        assert action_followup(second, open_gate(second)) is None
