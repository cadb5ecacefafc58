"""The report worker (``flask --app survey_app report-worker``): everything loaded once, a forked process per job."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from flask import current_app

from analysis.text import sentiment, words
from reports import render
from survey_app.extensions import db
from survey_app.models import ReportJob
from survey_app.report_worker import preload
from survey_app.services import report_jobs
from tests.survey_app.test_admin import accounts, sign_in  # noqa: F401  (fixture)
from tests.survey_app.test_report_jobs import _job_id, demo, redis_server  # noqa: F401  (fixtures)


def test_preloading_loads_what_reports_read_and_leaves_no_connection_to_inherit(app, monkeypatch):
    monkeypatch.setattr(report_jobs, "_worker_app", None)
    with app.app_context():
        db.session.execute(db.select(ReportJob)).all()  # the app has used a connection
    preload(app)
    assert report_jobs._worker_app is app
    assert words._base_dictionary.cache_info().currsize == 1  # jieba's dictionary
    assert sentiment._lexicon.cache_info().currsize >= 1 and sentiment._vader.cache_info().currsize == 1
    assert render._env.cache is not None and any(key[1] == "report.html" for key in render._env.cache.keys())
    with app.app_context():
        pool = db.engine.pool
        assert pool.checkedout() == 0 and getattr(pool, "checkedin", lambda: 0)() == 0  # a horse opens its own


def test_a_job_runs_in_the_app_the_worker_built(app, monkeypatch):
    ran_in = []
    monkeypatch.setattr(report_jobs, "_worker_app", app)
    monkeypatch.setattr("survey_app.create_app", lambda *args: pytest.fail("a job of the worker built an app"))
    # this test's session and thread keep their priority
    monkeypatch.setattr(report_jobs, "lower_worker_priority", lambda: None)
    monkeypatch.setattr(report_jobs, "lower_priority", lambda: None)
    monkeypatch.setattr(report_jobs, "run_job",
                        lambda job_id: ran_in.append((job_id, current_app._get_current_object())))
    report_jobs.run_job_in_new_app(7)
    assert ran_in == [(7, app)]


def test_the_report_worker_renders_a_queued_job(app, client, demo, redis_server, database_url):  # noqa: F811
    # the real command, as a deployment runs it: it builds the app from the environment, loads everything, then
    # forks a process for the job, which renders the real report and stores it
    app.config["REDIS_URL"] = redis_server.url
    sign_in(client, "admin@example.com")
    job_id = _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en"))
    # the suite's own processes keep the machine's processors busy: the worker would pause its job for them most of
    # the time (its pacing is tested with a pressure the test sets, tests/survey_app/test_report_pacing.py)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_server.url, "SECRET_KEY": "test-secret-key",
           "REPORT_YIELD_PRESSURE": "0"}
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", "report-worker", "--burst"],
                         env=env, capture_output=True, text=True, timeout=300, start_new_session=True)
    assert out.returncode == 0, out.stderr[-2000:]
    status = client.get(f"/admin/surveys/{demo}/report-jobs/{job_id}.json").get_json()
    assert status["state"] == "done", status
    pdf = client.get(f"/admin/surveys/{demo}/report.pdf?lang=en").data
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000


def test_the_report_worker_says_it_needs_redis(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if k != "REDIS_URL"}, "SECRET_KEY": "test-secret-key",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'manyi.db'}"}
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", "report-worker"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "set REDIS_URL" in out.stderr
