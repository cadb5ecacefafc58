"""Loopback load test: concurrent respondents complete a 3-page, 30-item survey through the real web flow.

Each respondent GETs a page, reads the CSRF token (and on page 1 the submission key) from the HTML, POSTs the
page's ten answers and follows the redirect, three times; the last POST is acknowledged by a redirect to the
thank-you page. The app runs under gunicorn with gunicorn.conf.py on a free loopback port, on SQLite (default)
or PostgreSQL (``--postgres``, a throwaway server started like the tests start theirs). In the same run a bare
Flask app under the same gunicorn settings answers the same number of GETs and POSTs: ``ratio`` = Manyi's
request rate / bare Flask's; ``cpu_ratio`` = bare Flask's worker processor time per request / Manyi's, the same
comparison made robust to other jobs on the host (the client's own processor time is left out of both). On
PostgreSQL ``database_cpu_ms_per_request`` is the database server's processor time per request: it shares the
machine's cores with the app and the load generator (SQLite's work is part of the workers' time).
Afterwards the stored complete responses are counted per submission key: every acknowledged respondent must
be stored exactly once (``lost`` and ``duplicated`` must be 0).

``--references`` adds two reference apps (bench/load_apps.py), each on a database of its own and checked the same
way: ``floor``, bare Flask plus the flow's least database work on the driver itself, and ``stack``, the same work on
SQLAlchemy Core, Flask's session and a Jinja template; their ratios to bare Flask show what the database and the
libraries alone cost, before anything Manyi adds.

Rate limits are disabled for the bench (``RATELIMIT_ENABLED=False``): all respondents come from 127.0.0.1.
Goals (issue 8, 2 cores): ratio >= 0.5 and p95 < 100 ms at 50 concurrent respondents, nothing lost or duplicated.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "load-test"
PAGES, ITEMS_PER_PAGE = 3, 10
SMALL = {"respondents": 1000, "concurrency": 50, "time_limit": 30.0}
LARGE = {"respondents": 3000, "concurrency": 50, "time_limit": 120.0}

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_KEY = re.compile(r'name="submission_key" type="hidden" value="([^"]*)"')


def item_code(page: int, item: int) -> str:
    return f"Q{page * ITEMS_PER_PAGE + item + 1:02d}"


def instrument_definition() -> dict:
    """Three pages of ten 5-point items: the survey every bench respondent completes."""
    return {
        "id": "load_bench",
        "version": "1",
        "title": {"zh": "负载测试", "en": "Load test"},
        "pages": [
            {"id": f"p{page + 1}", "title": {"zh": f"第{page + 1}页", "en": f"Page {page + 1}"}, "items": [
                {"code": item_code(page, i), "text": {"zh": f"问题 {item_code(page, i)}",
                                                      "en": f"Question {item_code(page, i)}"},
                 "scale": "likert5", "role": "other"}
                for i in range(ITEMS_PER_PAGE)]}
            for page in range(PAGES)
        ],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(url: str) -> None:
    """Migrate a new database and create the open, anonymous bench survey."""
    from flask_migrate import upgrade

    from instruments.registry import validate_instrument
    from survey_app import create_app
    from survey_app.extensions import db
    from survey_app.models import InstrumentRecord
    from survey_app.services.surveys import create_survey

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        instrument = validate_instrument(instrument_definition())
        db.session.add(InstrumentRecord(key=instrument.id, version=instrument.version,
                                        definition=instrument.snapshot()))
        create_survey(slug=SLUG, instrument_keys=[instrument.id], anonymous=True)
        db.session.commit()
        db.engine.dispose()


def stored_counts(url: str) -> dict[str, int]:
    """Complete responses of the bench survey per submission key."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT r.submission_key, count(*) FROM response r JOIN survey s ON s.id = r.survey_id "
                "WHERE s.slug = :slug AND r.status = 'complete' GROUP BY r.submission_key"), {"slug": SLUG}).all()
    finally:
        engine.dispose()
    return {key: n for key, n in rows}


def child_pids(pid: int) -> list[int]:
    """The live child processes of ``pid`` (none once it is gone)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def process_cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """Processor time (user + system) of process ``pid`` so far, with that of its children that have exited and
    been waited for when ``reaped_children`` (0 once the process is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    # utime, stime, cutime, cstime: fields 14-17 of proc(5), counted from the state field (3) here
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped_children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(data_dir: Path) -> float:
    """Processor time of a PostgreSQL server so far: the postmaster, its live processes (one per connection, plus
    the writers) and the ones that have ended. The bench's server shares the machine's two cores with the app."""
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    return sum(process_cpu_seconds(pid, reaped_children=True) for pid in [postmaster, *child_pids(postmaster)])


class Server:
    """gunicorn with gunicorn.conf.py serving ``app_spec`` on a free loopback port."""

    def __init__(self, app_spec: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}", app_spec],
            cwd=ROOT, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill_all() takes the workers down with the master
        )

    def worker_pids(self) -> list[int]:
        """The master's current worker processes."""
        return child_pids(self.process.pid)

    def cpu_seconds(self) -> float:
        """Processor time (user + system) the workers have used so far: steadier than wall time on a busy host."""
        return sum(process_cpu_seconds(pid) for pid in self.worker_pids())

    def kill_all(self) -> None:
        """SIGKILL master and workers at once, as a crash or the OOM killer would."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def wait_ready(self, path: str, timeout: float = 90.0) -> None:
        """Wait until ``path`` answers 200 (a busy 2-core machine takes a while to boot two workers)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log.name}")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", path)
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
            finally:
                connection.close()
        raise RuntimeError(f"gunicorn did not answer {path} within {timeout} s; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill_all()
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


class Browser:
    """One respondent's keep-alive connection with a cookie jar."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, str]:
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # the server closed an idle keep-alive connection: reconnect once
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), text

    def close(self) -> None:
        self.connection.close()


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    started: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def complete_survey(browser: Browser, stats: Stats, think: float) -> None:
    """One respondent: three GET + POST rounds; the submission key is recorded when the last POST is answered."""
    path = f"/s/{SLUG}"
    key = ""
    latencies: list[float] = []
    for page in range(PAGES):
        started = time.perf_counter()
        status, _, html = browser.request("GET", path)
        latencies.append(time.perf_counter() - started)
        csrf = _CSRF.search(html)
        if status != 200 or csrf is None:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        if page == 0:
            found = _KEY.search(html)
            key = found.group(1) if found else ""
        form = {"csrf_token": csrf.group(1), "submission_key": key, "nav": "next"}
        form.update({item_code(page, i): str(random.randint(1, 5)) for i in range(ITEMS_PER_PAGE)})
        if think:
            time.sleep(random.uniform(0.5, 1.5) * think)
        started = time.perf_counter()
        status, location, _ = browser.request("POST", path, urllib.parse.urlencode(form))
        latencies.append(time.perf_counter() - started)
        if status not in (302, 303) or not location:
            raise RuntimeError(f"POST {path}: HTTP {status}")
        path = urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl()
    with stats.lock:
        stats.latencies.extend(latencies)
        if path.endswith("/thanks"):
            stats.acknowledged.append(key)
        else:
            stats.errors.append(f"last page did not lead to the thank-you page but to {path}")


def run_load(port: int, *, respondents: int, concurrency: int, time_limit: float, think: float) -> dict:
    """``respondents`` complete the survey, ``concurrency`` at a time, stopping early at ``time_limit`` seconds."""
    stats = Stats()
    deadline = time.monotonic() + time_limit

    def worker() -> None:
        while time.monotonic() < deadline:
            with stats.lock:
                if stats.started >= respondents:
                    break
                stats.started += 1
            # a new respondent is another person: a new connection (which the server's workers take turns to
            # accept) and no session; keeping one connection per thread would pin a thread to one worker process
            browser = Browser(port)
            try:
                complete_survey(browser, stats, think)
            except Exception as exc:  # counted and reported, the run goes on
                with stats.lock:
                    stats.errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                browser.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    client_cpu = time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    latencies = sorted(stats.latencies)

    def percentile(q: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else 0.0

    return {
        "respondents": len(stats.acknowledged),
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "responses_per_s": round(len(stats.acknowledged) / elapsed, 1),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "errors": len(stats.errors),
        # the load generator's own processor time per request: it shares the machine's two cores with the server
        "client_cpu_ms_per_request": round(1000 * client_cpu / len(latencies), 2) if latencies else None,
        "first_errors": stats.errors[:3],
        "acknowledged_keys": stats.acknowledged,
    }


def _measured(server: Server, load: dict, database_cpu: Callable[[], float] | None = None) -> dict:
    """run_load plus the workers' processor time per request (ms), and the database server's when it has one."""
    before, database_before = server.cpu_seconds(), database_cpu() if database_cpu else 0.0
    result = run_load(server.port, **load)
    used, database_used = server.cpu_seconds() - before, database_cpu() - database_before if database_cpu else None

    def per_request(seconds: float | None) -> float | None:
        return round(1000 * seconds / result["requests"], 2) if result["requests"] and seconds is not None else None

    result["cpu_ms_per_request"] = per_request(used)
    result["database_cpu_ms_per_request"] = per_request(database_used)
    return result


#: reference apps (bench/load_apps.py) measured with ``--references``: the flow's least database work on the driver
#: itself, and the same on the libraries Manyi is built on (SQLAlchemy Core, Flask's session, Jinja)
REFERENCES = {"floor": "bench.load_apps:floor()", "stack": "bench.load_apps:stack()"}


def lost_and_duplicated(acknowledged: list[str], stored: dict[str, int]) -> tuple[int, int]:
    """Acknowledged submission keys with no stored complete response, and stored responses beyond one per key."""
    return (sum(1 for key in acknowledged if stored.get(key, 0) == 0),
            sum(n - 1 for n in stored.values() if n > 1))


def measure(database: str, *, respondents: int, concurrency: int, time_limit: float, think: float,
            workdir: Path, references: bool = False) -> dict:
    """Bare Flask, then Manyi on ``database`` ("sqlite" or "postgresql"), same load; returns one table row. With
    ``references`` the reference apps follow, each on a database of its own."""
    postgres = None
    if database == "postgresql":
        from tests.pg_server import PostgresServer

        postgres = PostgresServer().start()

    def new_database(name: str) -> str:
        url = postgres.create_database(name) if postgres else f"sqlite:///{workdir / f'{name}.db'}"
        prepare_database(url)
        return url

    try:
        url = new_database("manyi_load")
        env = {"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key", "RATELIMIT_ENABLED": "false",
               "MANYI_ENV": "development"}
        load = {"respondents": respondents, "concurrency": concurrency, "time_limit": time_limit, "think": think}
        database_cpu = None if postgres is None else partial(postgres_cpu_seconds, postgres.dir / "data")
        with Server("bench.load_apps:bare()", env, workdir / "bare.log") as server:
            server.wait_ready(f"/s/{SLUG}")
            bare = _measured(server, load)
        with Server("bench.load_apps:manyi()", env, workdir / f"manyi-{database}.log") as server:
            server.wait_ready(f"/s/{SLUG}")
            manyi = _measured(server, load, database_cpu)
        stored = stored_counts(url)
        measured_references = {}
        for name, app_spec in REFERENCES.items() if references else ():
            reference_url = new_database(f"manyi_load_{name}")
            with Server(app_spec, {**env, "DATABASE_URL": reference_url},
                        workdir / f"{name}-{database}.log") as server:
                server.wait_ready(f"/s/{SLUG}")
                measured_references[name] = _measured(server, load, database_cpu)
            measured_references[name]["stored"] = stored_counts(reference_url)
    finally:
        if postgres is not None:
            postgres.stop()
    acknowledged = manyi.pop("acknowledged_keys")
    bare.pop("acknowledged_keys")
    lost, duplicated = lost_and_duplicated(acknowledged, stored)
    row = {
        "database": database, "concurrency": concurrency, **manyi,
        "acknowledged": len(acknowledged), "stored": sum(stored.values()), "lost": lost, "duplicated": duplicated,
        "bare_requests_per_s": bare["requests_per_s"], "bare_p95_ms": bare["p95_ms"], "bare_errors": bare["errors"],
        "ratio": _ratio(manyi["requests_per_s"], bare["requests_per_s"]),
        "bare_cpu_ms_per_request": bare["cpu_ms_per_request"],
        "bare_client_cpu_ms_per_request": bare["client_cpu_ms_per_request"],
        # bare Flask's processor time per request over Manyi's: the request-rate ratio on an otherwise idle host
        "cpu_ratio": _ratio(bare["cpu_ms_per_request"], manyi["cpu_ms_per_request"]),
    }
    for name, result in measured_references.items():
        lost, duplicated = lost_and_duplicated(result["acknowledged_keys"], result["stored"])
        row.update({
            f"{name}_requests_per_s": result["requests_per_s"],
            f"{name}_ratio": _ratio(result["requests_per_s"], bare["requests_per_s"]),
            f"{name}_cpu_ms_per_request": result["cpu_ms_per_request"],
            f"{name}_database_cpu_ms_per_request": result["database_cpu_ms_per_request"],
            f"{name}_errors": result["errors"] + lost + duplicated,
        })
    return row


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return round(numerator / denominator, 2) if numerator is not None and denominator else None


def reference_columns(name: str) -> list[str]:
    """The table columns of reference app ``name``."""
    return [f"{name}_requests_per_s", f"{name}_ratio", f"{name}_cpu_ms_per_request",
            f"{name}_database_cpu_ms_per_request", f"{name}_errors"]


COLUMNS = ["database", "concurrency", "respondents", "responses_per_s", "requests_per_s", "p50_ms", "p95_ms",
           "p99_ms", "errors", "acknowledged", "stored", "lost", "duplicated", "bare_requests_per_s", "ratio",
           "cpu_ms_per_request", "bare_cpu_ms_per_request", "cpu_ratio", "client_cpu_ms_per_request",
           "bare_client_cpu_ms_per_request", "database_cpu_ms_per_request"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help=f"{LARGE['respondents']} respondents instead of "
                                                              f"{SMALL['respondents']}")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--both", action="store_true", help="SQLite and PostgreSQL")
    parser.add_argument("--respondents", type=int, help="respondents to complete the survey")
    parser.add_argument("--concurrency", type=int, help="respondents at a time")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a respondent spends on a page before posting it (default 0)")
    parser.add_argument("--time-limit", type=float, help="seconds after which no new respondent starts")
    parser.add_argument("--references", action="store_true",
                        help="also measure the reference apps (the flow's least database work, on the driver and "
                             "on SQLAlchemy Core + Flask's session + Jinja), each as a ratio to bare Flask")
    parser.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    args = parser.parse_args(argv)
    size = dict(LARGE if args.large else SMALL)
    if args.respondents:
        size["respondents"] = args.respondents
    if args.concurrency:
        size["concurrency"] = args.concurrency
    if args.time_limit:
        size["time_limit"] = args.time_limit
    databases = ["sqlite", "postgresql"] if args.both else ["postgresql"] if args.postgres else ["sqlite"]
    print(f"load: {size['respondents']} respondents x {PAGES} pages x {ITEMS_PER_PAGE} items, "
          f"{size['concurrency']} at a time, think {args.think} s, rate limits disabled", file=sys.stderr)
    rows = []
    workdir = Path(tempfile.mkdtemp(prefix="manyi-load-"))
    try:
        for database in databases:
            rows.append(measure(database, think=args.think, workdir=workdir, references=args.references, **size))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        columns = COLUMNS + [column for name in REFERENCES for column in reference_columns(name)
                             if args.references]
        print(" | ".join(columns))
        for row in rows:
            print(" | ".join(str(row[c]) for c in columns))
            for error in row["first_errors"]:
                print("  error:", error)
    failed = any(row["lost"] or row["duplicated"] or any(row.get(f"{name}_errors") for name in REFERENCES)
                 for row in rows)
    return 1 if failed else 0
