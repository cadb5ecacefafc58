"""The load bench's reference apps (``python -m bench load --references``) do the survey flow's database work for
real: under gunicorn and concurrent respondents, on SQLite and on PostgreSQL, every acknowledged respondent is
stored once, complete, with all 30 answers. Their ratios to bare Flask are only worth reporting if that holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.load_apps import floor, stack
from bench.load_bench import (
    ITEMS_PER_PAGE,
    PAGES,
    REFERENCES,
    SLUG,
    Server,
    lost_and_duplicated,
    prepare_database,
    run_load,
    stored_counts,
)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_reference_app_stores_each_acknowledged_respondent_once(name: str, database_url: str, tmp_path: Path):
    prepare_database(database_url)
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key", "WEB_CONCURRENCY": "2"}
    with Server(REFERENCES[name], env, tmp_path / "gunicorn.log") as server:
        server.wait_ready(f"/s/{SLUG}")
        result = run_load(server.port, respondents=40, concurrency=8, time_limit=60.0, think=0.0)

    assert result["errors"] == 0, result["first_errors"]
    assert len(result["acknowledged_keys"]) == 40
    assert result["requests"] == 40 * 2 * PAGES
    stored = stored_counts(database_url)
    assert lost_and_duplicated(result["acknowledged_keys"], stored) == (0, 0)
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT answers, furthest_page, submitted_at FROM response WHERE status = 'complete'")).all()
    finally:
        engine.dispose()
    assert len(rows) == 40
    for answers, furthest_page, submitted_at in rows:
        stored_answers = answers if isinstance(answers, dict) else json.loads(answers)
        assert len(stored_answers) == PAGES * ITEMS_PER_PAGE
        assert set(stored_answers.values()) <= {1, 2, 3, 4, 5}
        assert furthest_page == PAGES - 1
        assert submitted_at is not None


@pytest.mark.parametrize("factory", [floor, stack])
def test_reference_app_answers_404_for_an_unknown_survey(factory, database_url: str, monkeypatch):
    prepare_database(database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    app = factory()
    client = app.test_client()
    try:
        assert client.get("/s/no-such-survey").status_code == 404
        assert client.post("/s/no-such-survey", data={"submission_key": "k", "Q1": "3"}).status_code == 404
        assert client.get(f"/s/{SLUG}").status_code == 200
    finally:
        app.extensions["reference_store"].close()


def test_lost_and_duplicated_counts_per_submission_key():
    assert lost_and_duplicated(["a", "b", "c"], {"a": 1, "b": 2, "d": 3}) == (1, 3)
    assert lost_and_duplicated([], {}) == (0, 0)
