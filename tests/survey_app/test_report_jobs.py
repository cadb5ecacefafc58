"""Report PDFs rendered outside the request: embedded thread pool, RQ on a real redis-server, cache, progress."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import ReportJob, Survey
from survey_app.models.types import utcnow
from survey_app.services import report_jobs
from survey_app.services.synthetic import add_synthetic_responses
from tests.redis_server import RedisServer
from tests.survey_app.test_admin import accounts, sign_in  # noqa: F401  (fixture)

FAKE_PDF = b"%PDF-1.7 fake report for the cache tests"


@pytest.fixture
def demo(app, runner, accounts):  # noqa: F811
    """The demo survey with 120 responses, and reports above 50 responses rendered in the background."""
    runner.invoke(args=["demo", "--responses", "120"])
    app.config["REPORT_INLINE_MAX_RESPONSES"] = 50
    yield "demo-customer"
    pool = app.extensions.get(report_jobs._POOL_KEY)
    if pool is not None:
        pool.shutdown(wait=True)


@pytest.fixture
def fake_render(monkeypatch):
    """A report that renders instantly and counts its calls."""
    calls: list[tuple] = []

    def render(survey, *, lang, unit=None, fmt="pdf", progress=None):
        calls.append((survey.slug, lang, unit))
        if unit == "tiny":
            raise ValueError("unit 'tiny' has fewer than 5 responses")
        return FAKE_PDF

    monkeypatch.setattr("survey_app.services.analysis.survey_report", render)
    return calls


def _wait(client, slug: str, job_id: int, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(f"/admin/surveys/{slug}/report-jobs/{job_id}.json").get_json()
        if status["state"] in ("done", "failed"):
            return status
        assert time.monotonic() < deadline, f"report job still {status} after {timeout} s"
        time.sleep(0.1)


def _job_id(reply) -> int:
    assert reply.status_code == 302, reply.status_code
    location = reply.headers["Location"]
    assert "/report-jobs/" in location
    return int(location.rsplit("/", 1)[1])


def test_a_large_survey_renders_its_report_in_the_background(app, client, demo):
    from pypdf import PdfReader

    sign_in(client, "admin@example.com")
    job_id = _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en"))
    page = client.get(f"/admin/surveys/{demo}/report-jobs/{job_id}?lang=en")
    assert page.status_code == 200 and 'id="report-progress"' in page.text
    assert "report_job.js" in page.text and "<script>" not in page.text  # CSP: no inline scripts
    status = _wait(client, demo, job_id)
    assert status["state"] == "done" and status["progress"] == 100, status
    reply = client.get(f"/admin/surveys/{demo}/report-jobs/{job_id}.pdf")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(reply.data)).pages)
    assert "Customer satisfaction survey" in text


def test_the_finished_pdf_is_cached_until_a_new_response_arrives(app, client, demo, fake_render):
    sign_in(client, "admin@example.com")
    first = _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en"))
    assert _wait(client, demo, first)["state"] == "done"
    # the same report again: served from the cache, nothing rendered
    again = client.get(f"/admin/surveys/{demo}/report.pdf?lang=en")
    assert again.status_code == 200 and again.data == FAKE_PDF and len(fake_render) == 1
    # another language is another report
    other = _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=zh"))
    assert other != first and _wait(client, demo, other)["state"] == "done"
    # a new response invalidates the cached PDF
    with app.app_context():
        add_synthetic_responses(db.session.scalar(sa.select(Survey).filter_by(slug=demo)), 1, seed=7)
        db.session.commit()
    fresh = _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en"))
    assert fresh not in (first, other) and _wait(client, demo, fresh)["state"] == "done"
    assert len(fake_render) == 3
    with app.app_context():
        keys = db.session.scalars(sa.select(ReportJob.cache_key).order_by(ReportJob.id)).all()
    assert keys[0].split(":")[3] == "120" and keys[2].split(":")[3] == "121"


def test_a_second_request_while_rendering_joins_the_running_job(app, client, demo, fake_render):
    sign_in(client, "admin@example.com")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=demo))
        job, new = report_jobs.find_or_create(survey, lang="en", unit=None)
        db.session.commit()
        job_id = job.id
    assert new
    # not enqueued: it stays queued, as if a worker in another process were busy with it
    assert _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en")) == job_id
    assert client.get(f"/admin/surveys/{demo}/report-jobs/{job_id}.json").get_json()["state"] == "queued"
    assert fake_render == []


def test_a_job_whose_worker_died_is_replaced(app, client, demo, fake_render):
    sign_in(client, "admin@example.com")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=demo))
        stuck = ReportJob(survey_id=survey.id, language="en", unit=None, state="running", progress=10,
                          cache_key=report_jobs.cache_key(survey, lang="en", unit=None),
                          created_at=utcnow() - timedelta(hours=2))
        db.session.add(stuck)
        db.session.commit()
        stuck_id = stuck.id
    stale = client.get(f"/admin/surveys/{demo}/report-jobs/{stuck_id}.json").get_json()
    assert stale["state"] == "failed" and "stopped" in stale["error"]
    fresh = _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en"))
    assert fresh != stuck_id and _wait(client, demo, fresh)["state"] == "done"


def test_a_failed_job_says_why_and_jobs_belong_to_their_survey(app, client, demo, fake_render, make_survey):
    sign_in(client, "admin@example.com")
    job_id = _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en&unit=tiny"))
    status = _wait(client, demo, job_id)
    assert status["state"] == "failed" and "fewer than 5 responses" in status["error"]
    # not done: the PDF address leads back to the progress page
    assert client.get(f"/admin/surveys/{demo}/report-jobs/{job_id}.pdf").status_code == 302
    make_survey(slug="other")
    assert client.get(f"/admin/surveys/other/report-jobs/{job_id}.json").status_code == 404
    sign_in(client, "manager@example.com")  # a manager the survey is not shared with
    assert client.get(f"/admin/surveys/{demo}/report-jobs/{job_id}.json").status_code in (302, 404)


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


def test_with_redis_url_jobs_go_to_rq_and_a_worker_renders_them(app, client, demo, fake_render, redis_server,
                                                                 database_url, monkeypatch):
    from redis import Redis
    from rq import Queue, SimpleWorker

    app.config["REDIS_URL"] = redis_server.url
    monkeypatch.setenv("DATABASE_URL", database_url)  # the worker builds its own app from the environment
    sign_in(client, "admin@example.com")
    job_id = _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en"))
    connection = Redis.from_url(redis_server.url)
    queue = Queue(report_jobs.QUEUE_NAME, connection=connection)
    assert queue.count == 1
    assert client.get(f"/admin/surveys/{demo}/report-jobs/{job_id}.json").get_json()["state"] == "queued"
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert client.get(f"/admin/surveys/{demo}/report-jobs/{job_id}.json").get_json()["state"] == "done"
    assert client.get(f"/admin/surveys/{demo}/report.pdf?lang=en").data == FAKE_PDF
    assert app.extensions.get(report_jobs._POOL_KEY) is None  # nothing ran in the app's own pool
    connection.close()


def test_when_redis_is_unreachable_the_app_renders_the_job_itself(app, client, demo, fake_render):
    from tests.pg_server import free_port

    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    sign_in(client, "admin@example.com")
    job_id = _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en"))
    assert _wait(client, demo, job_id)["state"] == "done" and len(fake_render) == 1


def test_the_job_reports_each_analysis_step_then_rendering(app, demo, monkeypatch):
    # The real analysis announces its parts; the job's progress climbs with them, 75 % while drawing, 100 % done.
    seen: list[tuple[int, str]] = []
    original = report_jobs._progress

    def spy(job_row, percent, step):
        original(job_row, percent, step)
        seen.append((percent, step))

    monkeypatch.setattr(report_jobs, "_progress", spy)
    monkeypatch.setattr("reports.render.render_pdf", lambda *args, **kwargs: FAKE_PDF)  # only the drawing faked
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=demo))
        job, _ = report_jobs.find_or_create(survey, lang="en", unit=None)
        db.session.commit()
        report_jobs.run_job(job.id)
        db.session.expire_all()
        job = db.session.get(ReportJob, job.id)
        assert job.state == "done" and job.progress == 100 and job.pdf == FAKE_PDF
    analysis_steps = [percent for percent, step in seen if step == "analysis"]
    assert len(analysis_steps) >= 5 and analysis_steps == sorted(analysis_steps) and max(analysis_steps) <= 70
    assert seen[-1] == (75, "rendering") and seen[-2][1] == "analysis"
