"""The dashboard's CSI and NPS come from SQL aggregates (SQLite json_extract, PostgreSQL ->>), on both databases."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.services.dashboard import dashboard_data

#: (SAT on 1-10, NPS on 0-10): SAT 10..1 has mean 5.5, i.e. 100 * 4.5 / 9 = 50.0 on the 0-100 CSI scale;
#: NPS answers 10,10,9,9,9,8,7,6,3,0 plus one more 10 are 6 promoters and 3 detractors of 11: 100 * 3/11 = 27.3
ANSWERS = [(10, 10), (9, 10), (8, 9), (7, 9), (6, 9), (5, 8), (4, 7), (3, 6), (2, 3), (1, 0), (None, 10)]


def _add(survey_id: int, answers: dict, status: str = "complete") -> None:
    db.session.add(Response(survey_id=survey_id, submission_key=secrets.token_hex(8),
                            resume_hash=secrets.token_hex(32), status=status, answers=answers))


@pytest.fixture
def survey_id(app, make_survey) -> int:
    make_survey(slug="agg")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="agg"))
        for sat, recommend in ANSWERS:
            answers = {"NPS": recommend, "PROBLEM": 0, "BRANCH": "north"}
            if sat is not None:
                answers["SAT"] = sat
            _add(survey.id, answers)
        _add(survey.id, {"SAT": 1, "NPS": 0}, status="in_progress")  # not counted
        db.session.commit()
        return survey.id


def test_csi_and_nps_are_aggregated_in_the_database(app, survey_id):
    with app.app_context():
        data = dashboard_data(db.session.get(Survey, survey_id))
    assert data["responses"] == 11 and data["in_progress"] == 1
    assert data["csi"] == {"score": 50.0, "n": 10}
    assert data["nps"]["n"] == 11 and data["nps"]["score"] == 27.3
    # adjusted-Wald interval (Rocks 2016) of 6 promoters, 3 detractors, 2 passives, computed by hand:
    # n' = 14, p = 6.75/14, d = 3.75/14, NPS' = 21.43, se = 100 * sqrt((p + d - (p - d)^2) / 14) = 22.43
    low, high = data["nps"]["ci"]
    assert low == pytest.approx(21.43 - 1.96 * 22.43, abs=0.15) and high == pytest.approx(21.43 + 1.96 * 22.43,
                                                                                          abs=0.15)


def test_the_poll_reads_aggregates_not_answer_documents(app, survey_id):
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            dashboard_data(db.session.get(Survey, survey_id))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
    reading_answers = [s for s in statements if "response.answers" in s]  # (survey.answers_days is a setting)
    assert reading_answers, "the CSI/NPS queries were not issued"
    # every query that touches the answer documents aggregates them (avg/count ... group by)
    assert all("avg(" in s.lower() or "group by" in s.lower() for s in reading_answers), reading_answers


def test_a_large_survey_s_scores_are_the_same_and_refreshed_in_batches(app, survey_id, monkeypatch):
    """Scores served from the cache are those the aggregates give; a new answer shows after REFRESH_SECONDS."""
    from datetime import UTC, datetime, timedelta

    from survey_app.services import score_cache

    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        computed = dashboard_data(survey, now=start)  # below CACHED_FROM: aggregated on each view
        monkeypatch.setattr(score_cache, "CACHED_FROM", 1)
        assert dashboard_data(survey, now=start) == computed
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert dashboard_data(survey, now=start + timedelta(seconds=1)) == computed
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        assert not [s for s in statements if "response.answers" in s]  # served without reading an answer
        _add(survey_id, {"SAT": 1, "NPS": 0})
        db.session.commit()
        soon = dashboard_data(survey, now=start + timedelta(seconds=score_cache.REFRESH_SECONDS - 1))
        assert soon["responses"] == 12 and (soon["csi"], soon["nps"]) == (computed["csi"], computed["nps"])
        later = dashboard_data(survey, now=start + timedelta(seconds=score_cache.REFRESH_SECONDS))
        monkeypatch.setattr(score_cache, "CACHED_FROM", 10**9)
        assert later == dashboard_data(survey) and later["csi"]["n"] == 11
