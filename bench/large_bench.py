"""A large survey end to end (issue 23): reading its answers, the report, the dashboard, the exports and ingest.

A customer survey of ``--size`` complete responses (20,000 by default, 1,000,000 with ``--large``) is bulk-inserted
(COPY on PostgreSQL, ``executemany`` on SQLite; not the web flow) into a new SQLite file and a new database on a
throwaway PostgreSQL server; one store (``U5K``, under ``east``) has 5,000 of them. Each step then runs in a child
process of its own, so ``peak MB`` is that step's own peak resident memory (imports included), and is timed against a
baseline measured in the same run:

* ``read dump`` (baseline): the database hands over the same rows' answers as text, with nothing parsed: PostgreSQL's
  ``COPY (SELECT answers ...) TO STDOUT``, SQLite's own shell (``sqlite3 file "SELECT answers ..."``);
* ``read rows``: the complete responses into the analysis DataFrame the way it was read before issue 23 (the
  documents decoded row by row in Python, :func:`analysis.frames.responses_frame_by_rows`);
* ``read documents``: the same DataFrame with every document parsed by the database's fastest route
  (:func:`analysis.frames.responses_frame` before the survey has answer blocks);
* ``blocks``: building the survey's answer blocks (:func:`analysis.answer_blocks.build_blocks`: once for a survey
  bulk-inserted whole; a block per 25,000 new responses as a survey grows);
* ``read``: the same DataFrame as the service reads it now, from the answer blocks;
* ``report``: the survey's PDF report end to end (read, analysis, PDF) as the service renders it (a report job in
  the app's report thread, beside the job's heartbeat): the process's first, then again (``again_s``);
  ``unit report`` the report of ``U5K``; baseline: ``read dump``;
* ``dashboard``: :func:`survey_app.services.dashboard.dashboard_data` (suppression applied) once (``first_view_s``,
  which computes the scores a large survey's later views take from :mod:`survey_app.services.score_cache`), then
  20 times, p95; baseline: the p95 of one ``count(*)`` of the survey's complete responses by unit;
* ``csv`` / ``xlsx`` / ``sav``: the downloads as the console makes them: the CSV's chunks
  (:func:`survey_app.services.exports.csv_chunks`) counted as they come, the workbook and the .sav written to a
  temporary file (:func:`~survey_app.services.exports.write_xlsx`, :func:`~survey_app.services.exports.write_sav`);
  baseline: ``read dump``; the .sav left out above :data:`WHOLE_EXPORT_LIMIT` responses;
* ``ingest``: 50 concurrent respondents through the real web flow (``bench.load_bench``) on the same database while
  the report worker of a deployment (``flask --app survey_app report-worker`` on a throwaway Redis, on the same
  machine) renders the big survey's report, against the same load without it; p95 of page requests
  (``REPORT_YIELD_PRESSURE=0`` in the environment: the worker does not pause its job for the pages).

Goals (issue 23, 1M responses, 2 cores): read under 5 s (PostgreSQL) / 10 s (SQLite) at under 1.5 GB; report under
25 s, a 5,000-response unit report under 5 s; dashboard p95 under 500 ms; exports under 500 MB, CSV under 30 s;
ingest p95 under 100 ms with nothing lost while the report runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SMALL, LARGE = 20_000, 1_000_000
SLUG = "large"
#: the store whose unit report is timed, and how many of the responses it has
UNIT, UNIT_RESPONSES, UNIT_PARENT = "U5K", 5_000, "east"
INSTRUMENT = "customer_satisfaction"
DASHBOARD_REPEATS = 20
STEPS = ("read_dump", "read_rows", "read_documents", "blocks", "read", "report", "unit_report", "dashboard", "csv",
         "xlsx", "sav")
#: the SPSS export holds its whole table in memory (compact: about 200 MB for a million responses, since pyreadstat
#: writes a table at once) and takes about a minute there: above this size the step is left out (``--all-exports``
#: runs it anyway); CSV and Excel are written a batch of rows at a time
WHOLE_EXPORT_LIMIT = 200_000


def _now() -> datetime:
    return datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def prepare(url: str, n: int, *, seed: int = 1) -> None:
    """Migrate a new database and fill it with the survey of ``n`` complete synthetic responses."""
    from flask_migrate import upgrade

    from bench.load_bench import prepare_database
    from survey_app import create_app
    from survey_app.extensions import db
    from survey_app.models import InstrumentRecord, Unit
    from survey_app.services.surveys import create_survey

    prepare_database(url)  # the load bench's survey (ingest step) and the migrations
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        from instruments.registry import get_instrument

        instrument = get_instrument(INSTRUMENT)
        db.session.add(InstrumentRecord(key=instrument.id, version=instrument.version,
                                        definition=instrument.snapshot()))
        survey = create_survey(slug=SLUG, instrument_keys=[instrument.id])
        parent = next(unit for unit in survey.units if unit.code == UNIT_PARENT)
        survey.units.append(Unit(code=UNIT, name=UNIT, kind="store", parent_id=parent.id, origin="upload"))
        db.session.commit()
        units = {unit.code: unit.id for unit in survey.units}
        survey_id = survey.id
        db.engine.dispose()
    rows = _rows(survey_id, units, n, seed)
    if url.startswith("postgresql"):
        _copy_in(url, rows)
    else:
        _executemany(url.removeprefix("sqlite:///"), rows)


_COLUMNS = ("survey_id", "submission_key", "resume_hash", "unit_id", "language", "status", "furthest_page",
            "answers", "channel", "started_at", "updated_at", "submitted_at", "is_test")


def _rows(survey_id: int, units: dict[str, int], n: int, seed: int):
    """The responses as tuples of :data:`_COLUMNS`, answers as JSON text, in chunks of 50,000 (bounded memory)."""
    import numpy as np

    from instruments.registry import get_instrument
    from instruments.synthetic import synthetic_responses
    from survey_app.services.tokens import token_hash

    instrument = get_instrument(INSTRUMENT)
    chunk = 50_000
    stamp = _now()
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        frame = synthetic_responses(instrument, size, seed=seed + start)
        codes = list(frame.columns)
        columns = [frame[code].to_numpy(dtype=object) for code in codes]
        rows = []
        for offset in range(size):
            index = start + offset
            answers = {}
            for code, values in zip(codes, columns, strict=True):
                value = values[offset]
                if value is None or (isinstance(value, float) and np.isnan(value)):
                    continue
                answers[code] = value.item() if hasattr(value, "item") else value
            unit = UNIT if index < UNIT_RESPONSES else str(answers.get("UNIT"))
            key = f"bench-{index}"
            rows.append((survey_id, key, token_hash(key), units.get(unit), "en", "complete", 5,
                         json.dumps(answers, ensure_ascii=False), "synthetic", stamp, stamp, stamp, False))
        yield rows


def _copy_in(url: str, chunks) -> None:
    import psycopg

    with psycopg.connect(_libpq(url)) as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY response ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for rows in chunks:
                for row in rows:
                    copy.write_row(row)
    # a survey that grew over weeks has been vacuumed by autovacuum as it grew; a table filled in a minute has not,
    # and autovacuum's catching up (minutes of a core at the server's priority) would fall into the steps' timings
    with psycopg.connect(_libpq(url), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) response")


def _executemany(path: str, chunks) -> None:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        for rows in chunks:
            connection.executemany(
                f"INSERT INTO response ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                [(*row[:9], *(moment.strftime("%Y-%m-%d %H:%M:%S.%f") for moment in row[9:12]), 0)
                 for row in rows])
            connection.commit()
        connection.execute("ANALYZE")
    finally:
        connection.close()


def _libpq(url: str) -> str:
    """psycopg's connection string for a ``postgresql+psycopg://`` URL."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def _survey_condition() -> str:
    return ("survey_id = (SELECT id FROM survey WHERE slug = 'large') AND status = 'complete' AND NOT is_test "
            "ORDER BY id")


# -- the steps, each run in a child process ---------------------------------------------------------------------

def _step(name: str, url: str) -> dict[str, Any]:
    if name == "read_dump":
        return _read_dump(url)
    from survey_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        from survey_app.services.surveys import get_survey

        survey = get_survey(SLUG)
        start = _memory_mb("VmRSS")
        figures = STEP_FUNCTIONS[name](survey)
        figures["own_mb"] = round(_memory_mb("VmHWM") - start)  # the step's own increase, past imports and setup
        return figures


def _memory_mb(field: str) -> float:
    """This process's resident memory (``VmRSS``) or its peak (``VmHWM``) in MB, from /proc (Linux). Unlike
    ``ru_maxrss``, which keeps the parent's size at the fork when the child execs, ``VmHWM`` is this program's own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _read_dump(url: str) -> dict[str, Any]:
    started = time.perf_counter()
    if url.startswith("postgresql"):
        import psycopg

        size = 0
        with psycopg.connect(_libpq(url)) as connection, connection.cursor() as cursor:
            with cursor.copy(f"COPY (SELECT answers FROM response WHERE {_survey_condition()}) TO STDOUT") as copy:
                for block in copy:
                    size += len(block)
    else:
        out = subprocess.run(["sqlite3", url.removeprefix("sqlite:///"),
                              f"SELECT answers FROM response WHERE {_survey_condition()}"],
                             check=True, capture_output=True)
        size = len(out.stdout)
    return {"seconds": time.perf_counter() - started, "bytes": size}


def _read(mode: str):
    """``rows``: the reader before issue 23; ``documents``: every document parsed by the database's fastest route
    (run before the blocks exist); ``blocks``: the service's reader once the survey's answer blocks are built."""
    def run(survey) -> dict[str, Any]:
        from analysis.answer_blocks import block_ranges
        from analysis.frames import responses_frame, responses_frame_by_rows
        from analysis.model import ModelSpec
        from survey_app.extensions import db
        from survey_app.services.analysis import analysed_codes
        from survey_app.services.surveys import instrument_of

        instrument = instrument_of(survey)
        codes = analysed_codes(instrument, ModelSpec.from_dict(instrument.model_spec()), None)
        with db.engine.connect() as connection:
            blocks = len(block_ranges(connection, survey.id))
        if (mode == "blocks") != bool(blocks):
            return {"error": f"{blocks} answer blocks: run the steps in the order {', '.join(STEPS)}"}
        started = time.perf_counter()
        with db.engine.connect() as connection:
            # before issue 23 the service read every answer row by row; now it names the answers it analyses
            frame = (responses_frame_by_rows(connection, survey.id) if mode == "rows"
                     else responses_frame(connection, survey.id, columns=codes))
        return {"seconds": time.perf_counter() - started, "rows": len(frame), "columns": frame.shape[1],
                **({"blocks": blocks} if blocks else {})}
    return run


def _build_blocks(survey) -> dict[str, Any]:
    from analysis.answer_blocks import build_blocks
    from survey_app.extensions import db

    started = time.perf_counter()
    built = build_blocks(db.engine, survey.id)
    return {"seconds": time.perf_counter() - started, "blocks": built}


def _report(unit: str | None):
    """The report as the service renders it: a report job in the app's report thread (beside the job's heartbeat
    thread, at the job's lower priority), timed from its hand-over to the stored PDF, ``analysis_s`` to when the job
    first shows it is rendering. Twice: the process's first report (``seconds``: its drawing processes and jieba's
    dictionary load meanwhile), then the same report again (``again_s``, as a long-running app process renders)."""
    def run(survey) -> dict[str, Any]:
        first = _job(survey, unit)
        if "error" in first:
            return first
        again = _job(survey, unit)
        return {**first, "again_s": again.get("seconds"), "again_analysis_s": again.get("analysis_s")}
    return run


def _new_job(survey, unit: str | None):
    """A new report job of the survey (or of ``unit``), not yet handed over; no cached PDF is left to serve."""
    import sqlalchemy as sa

    from survey_app.extensions import db
    from survey_app.models import ReportJob
    from survey_app.services.report_jobs import find_or_create

    db.session.execute(sa.delete(ReportJob).where(ReportJob.survey_id == survey.id))
    job, _ = find_or_create(survey, lang="en", unit=unit)
    db.session.commit()
    return job


def _job(survey, unit: str | None) -> dict[str, Any]:
    import sqlalchemy as sa

    from survey_app.extensions import db
    from survey_app.models import ReportJob
    from survey_app.services.report_jobs import enqueue

    job = _new_job(survey, unit)
    job_id = job.id
    analysed = None
    started = time.perf_counter()
    enqueue(job)
    while True:
        db.session.rollback()  # a fresh look at the job each time
        state, step, size = db.session.execute(sa.select(
            ReportJob.state, ReportJob.step, sa.func.length(ReportJob.pdf)).where(ReportJob.id == job_id)).one()
        if step == "rendering" and analysed is None:
            analysed = time.perf_counter() - started
        if state in ("done", "failed"):
            break
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    if state == "failed":
        return {"error": db.session.get(ReportJob, job_id).error}
    return {"seconds": seconds, "analysis_s": analysed, "bytes": size}


def _dashboard(survey) -> dict[str, Any]:
    import sqlalchemy as sa

    from survey_app.extensions import db
    from survey_app.models import Response
    from survey_app.services.dashboard import dashboard_data

    def p95(times: list[float]) -> float:
        times = sorted(times)
        return times[min(len(times) - 1, int(0.95 * len(times)))]

    dashboard, baseline = [], []
    started = time.perf_counter()
    data = dashboard_data(survey)  # the first view computes what later ones may take from the cache
    first = time.perf_counter() - started
    db.session.rollback()
    for _ in range(DASHBOARD_REPEATS):
        started = time.perf_counter()
        data = dashboard_data(survey)
        dashboard.append(time.perf_counter() - started)
        db.session.rollback()  # a new request each time: nothing cached in the session
        started = time.perf_counter()
        db.session.execute(sa.select(Response.unit_id, sa.func.count()).where(
            Response.survey_id == survey.id, Response.status == "complete", Response.is_test.is_(False))
            .group_by(Response.unit_id)).all()
        baseline.append(time.perf_counter() - started)
        db.session.rollback()
    return {"seconds": p95(dashboard), "baseline_s": p95(baseline), "first_view_s": first,
            "responses": data.get("responses"),
            "suppressed": sum(1 for unit in data.get("units", []) if unit["suppressed"])}


def _export(fmt: str):
    def run(survey) -> dict[str, Any]:
        from survey_app.services import exports

        started = time.perf_counter()
        if fmt == "csv":
            size = sum(len(chunk) for chunk in exports.csv_chunks(survey, streamed=True))
        elif fmt == "xlsx":
            with tempfile.TemporaryFile() as workbook:
                exports.write_xlsx(survey, workbook)
                size = workbook.tell()
        else:
            with tempfile.TemporaryFile() as sav:
                exports.write_sav(survey, sav)
                size = sav.tell()
        return {"seconds": time.perf_counter() - started, "bytes": size}
    return run


def _enqueue_report(survey) -> dict[str, Any]:
    """Queue the whole survey's report for the report worker (``REDIS_URL`` in the environment)."""
    from survey_app.services.report_jobs import enqueue

    job = _new_job(survey, None)
    enqueue(job)
    return {"job": job.id}


STEP_FUNCTIONS = {"read_rows": _read("rows"), "read_documents": _read("documents"), "blocks": _build_blocks,
                  "read": _read("blocks"),
                  "report": _report(None), "unit_report": _report(UNIT), "dashboard": _dashboard,
                  "csv": _export("csv"), "xlsx": _export("xlsx"), "sav": _export("sav"),
                  "enqueue_report": _enqueue_report}


def run_step(name: str, url: str, *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """One step in a child process: its figures plus the child's peak resident memory (MB)."""
    command = [sys.executable, "-m", "bench", "large", "--step", name, "--url", url]
    out = subprocess.run(command, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1][:200]}
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- ingest while a report runs ---------------------------------------------------------------------------------

def ingest(url: str, workdir: Path, respondents: int) -> dict[str, Any]:
    """p95 of the web flow at 50 concurrent respondents, alone and while the report worker of a deployment
    (``flask --app survey_app report-worker`` on Redis, the same machine) renders the big survey's report."""
    from bench.load_bench import SLUG as LOAD_SLUG
    from bench.load_bench import Server, lost_and_duplicated, run_load, stored_counts
    from tests.redis_server import RedisServer

    load = {"respondents": respondents, "concurrency": 50, "time_limit": 120.0, "think": 0.0}
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key", "RATELIMIT_ENABLED": "false",
           "MANYI_ENV": "development"}
    results: dict[str, Any] = {}
    redis = RedisServer().start()
    try:
        with Server("bench.load_apps:manyi()", env, workdir / "ingest.log") as server:
            server.wait_ready(f"/s/{LOAD_SLUG}")
            alone = run_load(server.port, **load)
            worker_env = {**os.environ, **env, "REDIS_URL": redis.url}
            job = run_step("enqueue_report", url, env=worker_env)["job"]
            # a session of its own, as a report worker started by systemd or a shell runs
            worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "survey_app", "report-worker",
                                       "--burst"], env=worker_env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, start_new_session=True)
            running_at = _wait_for_job(url, job, "running")  # the worker has loaded everything, as a deployed one
            time.sleep(1.0)  # let it start reading before the respondents arrive
            during = run_load(server.port, **load)
            report_running = worker.poll() is None
            log, _ = worker.communicate(timeout=1800)
    finally:
        redis.stop()
    stored = stored_counts(url)
    for name, result in (("alone", alone), ("during", during)):
        lost, duplicated = lost_and_duplicated(result.pop("acknowledged_keys"), stored)
        results[name] = {"p95_ms": result["p95_ms"], "requests_per_s": result["requests_per_s"],
                         "errors": result["errors"], "lost": lost, "duplicated": duplicated}
    results["report_still_running_at_end"] = report_running
    finished = _wait_for_job(url, job, "done")
    paused = [line.split(" paused ", 1)[1] for line in log.splitlines() if " paused " in line]
    results["report"] = {"seconds": (finished - running_at).total_seconds(), "paused": paused[-1] if paused else None}
    return results


def _wait_for_job(url: str, job: int, state: str) -> datetime:
    """Wait until report job ``job`` is in ``state`` (or past it); when it got there (its end: the stored time)."""
    import sqlalchemy as sa

    from survey_app.models import ReportJob
    from survey_app.models.types import as_utc

    engine = sa.create_engine(url)
    try:
        while True:
            with engine.connect() as connection:
                now, finished, error = connection.execute(sa.select(
                    ReportJob.state, ReportJob.finished_at, ReportJob.error).where(ReportJob.id == job)).one()
            if now == "failed":
                raise RuntimeError(f"the report job failed: {error}")
            if now == "done" or now == state:
                return as_utc(finished) if state == "done" else datetime.now(UTC)
            time.sleep(0.1)
    finally:
        engine.dispose()


# -- the table --------------------------------------------------------------------------------------------------

def _ratio(value: float | None, baseline: float | None) -> str:
    return f"{value / baseline:.1f}" if value and baseline else "-"


def measure(database: str, n: int, workdir: Path, *, steps: list[str], load_respondents: int,
            all_exports: bool) -> dict[str, Any]:
    """Prepare ``database`` with ``n`` responses and run the steps; returns {step: figures}."""
    postgres = None
    if database == "postgresql":
        from tests.pg_server import PostgresServer

        postgres = PostgresServer().start()
    try:
        url = postgres.create_database("manyi_large") if postgres else f"sqlite:///{workdir / 'large.db'}"
        started = time.perf_counter()
        prepare(url, n)
        figures: dict[str, Any] = {"insert": {"seconds": time.perf_counter() - started}}
        print(f"{database}: {n} responses inserted in {figures['insert']['seconds']:.1f} s", file=sys.stderr)
        for step in steps:
            if step == "sav" and n > WHOLE_EXPORT_LIMIT and not all_exports:
                figures[step] = {"error": f"left out above {WHOLE_EXPORT_LIMIT} responses (--all-exports)"}
                continue
            if step == "ingest":
                figures[step] = ingest(url, workdir, load_respondents)
            else:
                figures[step] = run_step(step, url)
            print(f"{database}: {step} {figures[step]}", file=sys.stderr)
    finally:
        if postgres is not None:
            postgres.stop()
    return figures


def print_table(database: str, n: int, figures: dict[str, Any]) -> None:
    """One line per step: seconds, peak MB, the baseline and the ratio."""
    dump = figures.get("read_dump", {}).get("seconds")
    print(f"\n{database}, {n} responses")
    print(f"{'step':<14} {'seconds':>9} {'peak MB':>8} {'baseline':>18} {'base s':>8} {'ratio':>6}  note")
    for step, row in figures.items():
        if step == "ingest":
            for name in ("alone", "during"):
                part = row[name]
                print(f"{'ingest ' + name:<14} {'':>9} {'':>8} {'':>18} {'':>8} {'':>6}  p95 {part['p95_ms']} ms, "
                      f"{part['requests_per_s']} req/s, errors {part['errors']}, lost {part['lost']}, "
                      f"duplicated {part['duplicated']}")
            report = row.get("report") or {}
            print(f"{'':<14} report during the load: {report.get('seconds', 0):.1f} s (paused {report.get('paused')}); "
                  f"ingest p95 ratio during / alone {_ratio(row['during']['p95_ms'], row['alone']['p95_ms'])}")
            continue
        if "error" in row:
            print(f"{step:<14} {'-':>9} {'-':>8} {'':>18} {'':>8} {'':>6}  {row['error']}")
            continue
        seconds = row["seconds"]
        base_name, base = ("count by unit", row.get("baseline_s")) if step == "dashboard" else \
            ("-", None) if step in ("insert", "read_dump") else ("read dump", dump)
        peak = f"{row['peak_mb']:.0f}" if "peak_mb" in row else ""
        note = ", ".join(f"{key} {value}" for key, value in row.items()
                         if key not in ("seconds", "peak_mb", "baseline_s") and value is not None)
        print(f"{step:<14} {seconds:>9.3f} {peak:>8} {base_name:>18} "
              f"{(f'{base:.3f}' if base else ''):>8} {_ratio(seconds, base):>6}  {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench large", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, help=f"responses (default {SMALL})")
    parser.add_argument("--large", action="store_true", help=f"{LARGE} responses")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append",
                        help="only this database (default both)")
    parser.add_argument("--steps", help=f"comma-separated steps of {', '.join([*STEPS, 'ingest'])}")
    parser.add_argument("--respondents", type=int, default=1000, help="respondents of the ingest step")
    parser.add_argument("--all-exports", action="store_true",
                        help=f"also the SPSS export above {WHOLE_EXPORT_LIMIT} responses")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--step", help=argparse.SUPPRESS)  # child process: one step
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        result = _step(args.step, args.url)
        result["peak_mb"] = _memory_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0
    n = args.size or (LARGE if args.large else SMALL)
    steps = args.steps.split(",") if args.steps else [*STEPS, "ingest"]
    unknown = set(steps) - {*STEPS, "ingest"}
    if unknown:
        parser.error(f"unknown steps {sorted(unknown)}; one of {[*STEPS, 'ingest']}")
    workdir = Path(tempfile.mkdtemp(prefix="manyi-large-"))
    results = {}
    try:
        for database in args.database or ["sqlite", "postgresql"]:
            results[database] = measure(database, n, workdir, steps=steps, load_respondents=args.respondents,
                                        all_exports=args.all_exports)
            print_table(database, n, results[database])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"n": n, **results}, indent=2), encoding="utf-8")
    return 0

