"""Report PDFs rendered outside the request: embedded thread pool, RQ on a real redis-server, cache, progress."""

from __future__ import annotations

import io
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import ReportJob, Response, Survey, Unit
from survey_app.models.types import as_utc, utcnow
from survey_app.services import report_jobs
from survey_app.services.disclosure import open_gate
from survey_app.services.synthetic import add_synthetic_responses
from survey_app.services.units import import_units
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

    def render(survey, *, lang, unit=None, by=None, fmt="pdf", progress=None):
        calls.append((survey.slug, lang, unit))
        if unit == "tiny":
            raise ValueError("unit 'tiny' has fewer than 5 responses")
        return FAKE_PDF

    monkeypatch.setattr("survey_app.services.analysis.survey_report", render)
    return calls


def _wait(client, slug: str, job_id: int, timeout: float = 300.0) -> dict:
    """The job's status once it is done or failed; the bound only catches a job that hangs (report jobs run at the
    lowest priority, so a busy machine's other processes come first)."""
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


def _started_job(app, slug: str) -> int:
    """A committed new job for the survey's English report, not enqueued: as if another process were busy with it."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        job, new = report_jobs.find_or_create(survey, lang="en", unit=None)
        db.session.commit()
        assert new
        return job.id


def test_a_second_request_while_rendering_joins_the_running_job(app, client, demo, fake_render):
    sign_in(client, "admin@example.com")
    job_id = _started_job(app, demo)
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


# --- heartbeat: a job whose process died is noticed within REPORT_JOB_HEARTBEAT seconds, not REPORT_JOB_TIMEOUT


def _planted_job(app, slug: str, *, state: str, age: timedelta, heartbeat_age: timedelta | None, lang="en") -> int:
    """A job row as another (perhaps dead) process left it: created ``age`` ago, last stamped ``heartbeat_age``."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        now = utcnow()
        job = ReportJob(survey_id=survey.id, language=lang, unit=None, state=state, progress=10,
                        cache_key=report_jobs.cache_key(survey, lang=lang, unit=None), created_at=now - age,
                        heartbeat_at=None if heartbeat_age is None else now - heartbeat_age)
        db.session.add(job)
        db.session.commit()
        return job.id


def _job(app, job_id: int) -> ReportJob:
    with app.app_context():
        job = db.session.get(ReportJob, job_id)
        db.session.expunge(job)
        return job


def test_a_running_job_whose_heartbeat_stopped_is_started_again_at_once(app, client, demo, fake_render):
    # two minutes old, silent for 90 s: far inside the 30-minute timeout, but its process is gone
    sign_in(client, "admin@example.com")
    dead = _planted_job(app, demo, state="running", age=timedelta(minutes=2), heartbeat_age=timedelta(seconds=90))
    status = client.get(f"/admin/surveys/{demo}/report-jobs/{dead}.json").get_json()
    assert status["state"] == "failed" and status["error"] == report_jobs.WORKER_GONE
    fresh = _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en"))
    assert fresh != dead and _wait(client, demo, fresh)["state"] == "done" and len(fake_render) == 1
    assert _job(app, dead).state == "failed"  # the replaced row says so, for whoever still polls it
    assert client.get(f"/admin/surveys/{demo}/report.pdf?lang=en").data == FAKE_PDF and len(fake_render) == 1


def test_a_live_job_is_joined_not_started_twice_and_a_job_waiting_in_redis_is_not_dead(app, client, demo,
                                                                                          fake_render):
    sign_in(client, "admin@example.com")
    # running for 20 minutes (a huge survey) and stamped 5 s ago: alive, whatever its age
    alive = _planted_job(app, demo, state="running", age=timedelta(minutes=20), heartbeat_age=timedelta(seconds=5))
    for _ in range(2):
        assert _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en")) == alive
    # queued in Redis for 10 minutes behind a slow worker: no process holds it yet, so no heartbeat is expected
    waiting = _planted_job(app, demo, state="queued", age=timedelta(minutes=10), heartbeat_age=None, lang="zh")
    assert _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=zh")) == waiting
    assert client.get(f"/admin/surveys/{demo}/report-jobs/{waiting}.json").get_json()["state"] == "queued"
    assert fake_render == []  # no duplicate work
    # the outer bound still holds for both: past REPORT_JOB_TIMEOUT they count as dead
    app.config["REPORT_JOB_TIMEOUT"] = 300
    assert client.get(f"/admin/surveys/{demo}/report-jobs/{alive}.json").get_json()["state"] == "failed"
    assert client.get(f"/admin/surveys/{demo}/report-jobs/{waiting}.json").get_json()["state"] == "failed"


@pytest.fixture
def slow_render(monkeypatch):
    """A report that renders only when the test opens the gate (at most 10 s), and counts its calls."""
    gate = threading.Event()
    calls: list[str] = []

    def render(survey, *, lang, unit=None, by=None, fmt="pdf", progress=None):
        calls.append(lang)
        gate.wait(10)
        return FAKE_PDF

    monkeypatch.setattr("survey_app.services.analysis.survey_report", render)
    return gate, calls


def test_a_job_queued_behind_a_busy_worker_stays_alive_while_its_process_lives(app, client, demo, slow_render):
    # one worker busy with the English report; the Chinese one waits in the same process's pool. Both must
    # outlive a 1-second heartbeat limit: the process's ticker stamps the running and the queued job alike.
    gate, calls = slow_render
    app.config.update(REPORT_WORKERS=1, REPORT_JOB_HEARTBEAT=1, REPORT_JOB_HEARTBEAT_INTERVAL=0.05)
    sign_in(client, "admin@example.com")
    running = _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en"))
    queued = _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=zh"))
    time.sleep(1.3)
    try:
        states = {job_id: client.get(f"/admin/surveys/{demo}/report-jobs/{job_id}.json").get_json()["state"]
                  for job_id in (running, queued)}
        assert states == {running: "running", queued: "queued"}
        assert _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en")) == running
        assert _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=zh")) == queued
        for job_id in (running, queued):
            assert utcnow() - as_utc(_job(app, job_id).heartbeat_at) < timedelta(seconds=1)
    finally:
        gate.set()
    assert _wait(client, demo, running)["state"] == "done" and _wait(client, demo, queued)["state"] == "done"
    assert calls == ["en", "zh"]  # each rendered once


def test_the_heartbeat_advances_during_a_long_step(app, demo, monkeypatch):
    # the PDF render announces nothing for its whole length: the ticker thread stamps the job meanwhile
    app.config["REPORT_JOB_HEARTBEAT_INTERVAL"] = 0.05
    stamps = []

    def read_stamp(job_id: int):
        with db.engine.connect() as connection:  # another connection: what a polling process would see
            return as_utc(connection.scalar(sa.select(ReportJob.heartbeat_at).where(ReportJob.id == job_id)))

    def render(survey, *, lang, unit=None, by=None, fmt="pdf", progress=None):
        stamps.append(read_stamp(job_id))
        time.sleep(0.5)
        stamps.append(read_stamp(job_id))
        return FAKE_PDF

    monkeypatch.setattr("survey_app.services.analysis.survey_report", render)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=demo))
        job, _ = report_jobs.find_or_create(survey, lang="en", unit=None)
        db.session.commit()
        job_id = job.id
        report_jobs.run_job(job_id)
        assert db.session.get(ReportJob, job_id).state == "done"
        heartbeat = app.extensions[report_jobs._HEARTBEAT_KEY]
    assert stamps[1] - stamps[0] >= timedelta(seconds=0.3), stamps
    assert heartbeat.job_ids == set()  # let go when done; its thread ends
    heartbeat.stop()
    assert heartbeat.thread is None
    # run again (a duplicate delivery from Redis): a finished job is not rendered a second time
    with app.app_context():
        report_jobs.run_job(job_id)
    assert len(stamps) == 2


# --- the cache of a unit report: kept until the responses (or the confidentiality verdict) it reads change

UNITS = b"unit,parent,kind\nregion,,region\nnorth,region,branch\nsouth,region,branch\neast,,branch\n"


@pytest.fixture
def branches(app, make_survey):
    """A region (branches north and south) and a branch east; north and east have 6 answers, south none yet."""
    slug = make_survey(slug="branches")
    with app.app_context():
        import_units(db.session.scalar(sa.select(Survey).filter_by(slug=slug)), UNITS)
        db.session.commit()
    _answer(app, slug, "north", 6)
    _answer(app, slug, "east", 6)
    return slug


def _answer(app, slug: str, unit: str, n: int) -> None:
    """``n`` complete responses for ``unit``."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        before = db.session.scalar(sa.select(sa.func.max(Response.id)).filter_by(survey_id=survey.id)) or 0
        add_synthetic_responses(survey, n, seed=n)
        unit_id = db.session.scalar(sa.select(Unit.id).filter_by(survey_id=survey.id, code=unit))
        db.session.execute(sa.update(Response).where(Response.survey_id == survey.id, Response.id > before)
                           .values(unit_id=unit_id))
        db.session.commit()


def _render_and_cache(app, slug: str, unit: str | None) -> None:
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        job, new = report_jobs.find_or_create(survey, lang="en", unit=unit)
        db.session.commit()
        assert new
        report_jobs.run_job(job.id)
        assert db.session.get(ReportJob, job.id).state == "done"


def _cached(app, slug: str) -> set[str | None]:
    """The reports (unit code, None for the whole survey) whose cached PDF would be served now."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        return {unit for unit in ("north", "east", "region", None)
                if report_jobs.cached_pdf(survey, lang="en", unit=unit) is not None}


def test_a_unit_report_is_cached_until_its_own_units_get_answers(app, branches, fake_render):
    _answer(app, branches, "south", 6)
    for unit in ("north", "east", "region", None):
        _render_and_cache(app, branches, unit)
    assert _cached(app, branches) == {"north", "east", "region", None}
    _answer(app, branches, "east", 1)  # another top-level unit: only east and the whole survey change
    assert _cached(app, branches) == {"north", "region"}
    _answer(app, branches, "south", 1)  # a sub-unit of the region: the region's report reads it, north's does not
    assert _cached(app, branches) == {"north"}
    _answer(app, branches, "north", 1)
    assert _cached(app, branches) == set()
    assert len(fake_render) == 4


def test_an_answer_elsewhere_that_changes_what_a_unit_report_may_show_drops_its_cache(app, branches, fake_render):
    # south has nobody yet, so north (6) is released. One answer in south makes south a group of 1: north must then
    # be hidden too (region minus north = that one person), and north's cached PDF must not be served any more.
    _render_and_cache(app, branches, "north")
    assert _cached(app, branches) == {"north"}
    _answer(app, branches, "south", 1)
    assert _cached(app, branches) == set()
    with app.app_context():  # the verdict the key followed: the analysis now refuses north's report
        assert "north" in open_gate(db.session.scalar(sa.select(Survey).filter_by(slug=branches))).hidden_units()


# --- one queued or running job per report, even for two requests at the same moment


def test_two_requests_at_the_same_moment_start_one_job(app, client, demo, fake_render, monkeypatch):
    sign_in(client, "admin@example.com")
    first_id = _started_job(app, demo)
    # the second request looked before the first one's job was committed, so it saw none and starts its own
    looks = []
    real = report_jobs._usable_jobs

    def racing(key):
        looks.append(key)
        return [] if len(looks) == 1 else real(key)

    monkeypatch.setattr(report_jobs, "_usable_jobs", racing)
    assert _job_id(client.get(f"/admin/surveys/{demo}/report.pdf?lang=en")) == first_id
    assert len(looks) == 2  # its insert was refused and it joined the first job
    with app.app_context():
        states = db.session.execute(sa.select(ReportJob.id, ReportJob.state)).all()
    assert states == [(first_id, "queued")]
    assert fake_render == []  # and nothing was rendered a second time


def test_the_database_refuses_a_second_active_job_for_one_report(app, demo):
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=demo))

        def job(state: str) -> ReportJob:
            return ReportJob(survey_id=survey.id, language="en", unit=None, state=state, progress=0, cache_key="k")

        db.session.add_all([job("done"), job("failed"), job("failed"), job("queued"), job("done")])
        db.session.commit()  # finished and failed jobs may repeat a key
        for state in ("queued", "running"):
            db.session.add(job(state))
            with pytest.raises(sa.exc.IntegrityError):
                db.session.commit()
            db.session.rollback()
        db.session.add(ReportJob(survey_id=survey.id, language="en", unit=None, state="queued", progress=0,
                                 cache_key="another report"))
        db.session.commit()  # another report may be started meanwhile


def test_upgrading_keeps_the_newest_of_jobs_started_twice(database_url, monkeypatch):
    from flask_migrate import upgrade

    from bench.load_bench import instrument_definition
    from instruments.registry import validate_instrument
    from survey_app import create_app
    from survey_app.models import InstrumentRecord, Survey

    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(revision="0004")
        instrument = validate_instrument(instrument_definition())
        db.session.add(InstrumentRecord(key=instrument.id, version=instrument.version,
                                        definition=instrument.snapshot()))
        # the survey table as it was at 0004 (the model has columns added since)
        columns = ("slug", "title", "instrument_key", "instrument_version", "instrument_snapshot", "status",
                   "anonymous", "languages", "min_group_size", "created_at", "wave")
        old_survey = sa.table("survey", sa.column("id"), *(sa.column(n, Survey.__table__.c[n].type) for n in columns))
        survey_id = db.session.execute(sa.insert(old_survey).returning(old_survey.c.id), {
            "slug": "twice", "title": instrument.title.model_dump(), "instrument_key": instrument.id,
            "instrument_version": instrument.version, "instrument_snapshot": instrument.snapshot(), "status": "open",
            "anonymous": False, "languages": ["zh", "en"], "min_group_size": 5, "created_at": utcnow(), "wave": 1,
        }).scalar_one()
        db.session.commit()
        jobs = [("k1", "queued"), ("k1", "running"), ("k1", "done"), ("k2", "queued"), ("k3", "failed")]
        db.session.execute(sa.insert(ReportJob.__table__), [
            {"survey_id": survey_id, "language": "en", "cache_key": key, "state": state, "progress": 0,
             "created_at": utcnow()} for key, state in jobs])
        db.session.commit()
        upgrade(revision="0005")
        rows = db.session.execute(sa.select(ReportJob.cache_key, ReportJob.state, ReportJob.error)
                                  .order_by(ReportJob.id)).all()
        db.session.remove()
        db.engine.dispose()
    assert rows == [("k1", "failed", "the report was started twice; the newer run goes on"), ("k1", "running", None),
                    ("k1", "done", None), ("k2", "queued", None), ("k3", "failed", None)]
