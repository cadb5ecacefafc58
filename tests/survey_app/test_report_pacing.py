"""A report worker's job pauses while other work waits for a processor, never inside a writing transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey_app import report_pacing
from survey_app.extensions import db
from survey_app.report_pacing import OpenWrites, Pacer, cpu_pressure, is_reading
from survey_app.services import report_jobs
from tests.survey_app.test_report_jobs import redis_server  # noqa: F401  (fixture)

#: a child that only sleeps: stopped, it shows "T" in /proc; running, "S" or "R"
_SLEEPER = "import time\nwhile True:\n    time.sleep(0.002)"


def _eventually(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


class Pressure:
    """Processor pressure as a test sets it: ``waiting`` seconds per second from now on (None: no PSI)."""

    def __init__(self, waiting: float | None) -> None:
        self.waiting = waiting
        self.total = 0.0
        self.at = time.monotonic()
        self.lock = threading.Lock()

    def __call__(self) -> float | None:
        with self.lock:
            now = time.monotonic()
            if self.waiting is None:
                return None
            self.total += (now - self.at) * self.waiting
            self.at = now
            return self.total


@pytest.fixture
def child() -> Iterator[subprocess.Popen]:
    """A process in a process group of its own, as a report worker's job is."""
    process = subprocess.Popen([sys.executable, "-c", _SLEEPER], start_new_session=True)
    yield process
    process.send_signal(signal.SIGCONT)
    process.kill()
    process.wait()


@pytest.fixture
def pacer_factory(child) -> Iterator:
    made: list[Pacer] = []

    def make(pressure: Pressure, writes: OpenWrites | None = None, threshold: float = 0.1) -> Pacer:
        pacer = Pacer(child.pid, writes or OpenWrites(), threshold, pressure=pressure)
        made.append(pacer)
        pacer.start()
        return pacer

    yield make
    for pacer in made:
        pacer.stop()


# -- what counts as a write -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("statement", "reading"), [
    ("SELECT id FROM response", True),
    ("\n  select count(*) from response where survey_id = 1", True),
    ("WITH x AS (SELECT 1) SELECT * FROM x", False),  # could hide a write: counted as one
    ("SELECT id FROM report_job WHERE id = 1 FOR UPDATE", False),
    ("select * from response for share", False),
    ("INSERT INTO answer_block (survey_id) VALUES (1)", False),
    ("UPDATE report_job SET step = 'rendering'", False),
    ("DELETE FROM answer_block WHERE false", False),
    ("LOCK TABLE response IN SHARE ROW EXCLUSIVE MODE", False),
    ("COPY (SELECT id, answers FROM response) TO STDOUT (FORMAT csv)", True),
    ("COPY response FROM STDIN", False),
    ("SAVEPOINT sa_savepoint_1", False),
])
def test_a_statement_reads_or_writes(statement, reading):
    assert is_reading(statement) is reading


# -- counting a process's writing transactions ------------------------------------------------------------------

@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'pacing.db'}")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (x INTEGER)"))
    yield engine
    engine.dispose()


def test_writing_transactions_are_counted_until_they_have_certainly_ended(engine):
    writes = OpenWrites()
    writes.track(engine)
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT count(*) FROM t"))
        assert writes.count == 0  # reading opens no write
        connection.execute(sa.text("INSERT INTO t VALUES (1)"))
        connection.execute(sa.text("INSERT INTO t VALUES (2)"))
        assert writes.count == 1  # one transaction, however many statements
        connection.commit()
        assert writes.count == 1  # the commit event comes before the database has committed
        connection.execute(sa.text("SELECT count(*) FROM t"))  # the next transaction begins
        assert writes.count == 0
        connection.execute(sa.text("UPDATE t SET x = 3"))
        assert writes.count == 1
    assert writes.count == 0  # back in the pool (rolled back there)
    with pytest.raises(ZeroDivisionError), engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM t"))
        assert writes.count == 1
        raise ZeroDivisionError
    assert writes.count == 0
    with Session(engine) as session:  # the ORM's transactions are the connection's
        session.execute(sa.text("INSERT INTO t VALUES (4)"))
        assert writes.count == 1
        session.commit()
        assert writes.count == 0
    with engine.connect() as first, engine.connect() as second:
        first.execute(sa.text("INSERT INTO t VALUES (5)"))
        first.commit()
        second.execute(sa.text("SELECT 1"))
        assert writes.count == 1  # another connection's transaction does not end this one's count
    assert writes.count == 0


def test_an_invalidated_connection_ends_its_write(engine):
    writes = OpenWrites()
    writes.track(engine)
    with engine.connect() as connection:
        connection.execute(sa.text("INSERT INTO t VALUES (1)"))
        connection.invalidate()
        assert writes.count == 0


@pytest.mark.postgres
def test_holding_off_new_responses_counts_as_a_write(postgres):
    engine = sa.create_engine(postgres.create_database("pacing_lock"))
    writes = OpenWrites()
    writes.track(engine)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE response (id integer)"))
        with engine.begin() as connection:
            connection.execute(sa.text("LOCK TABLE response IN SHARE ROW EXCLUSIVE MODE"))
            assert writes.count == 1
        assert writes.count == 0
    finally:
        engine.dispose()
        postgres.drop_database("pacing_lock")


def test_the_count_is_shared_with_the_process_that_forked(engine):
    writes = OpenWrites()
    writes.track(engine)
    engine.dispose()  # no pooled connection shared by the two processes
    go, went = os.pipe()
    pid = os.fork()
    if pid == 0:  # the job's process: a write open until the parent closes the pipe
        try:
            os.close(went)
            with engine.begin() as connection:
                connection.execute(sa.text("INSERT INTO t VALUES (1)"))
                os.read(go, 1)
        finally:
            os._exit(0)
    os.close(go)
    try:
        assert _eventually(lambda: writes.count == 1)
    finally:
        os.close(went)  # the child's read ends (whatever happened here): it commits and leaves
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert writes.count == 0
    writes._count.value = 3  # left behind by a job that died mid-write
    writes.reset()
    assert writes.count == 0


# -- pausing ----------------------------------------------------------------------------------------------------

def test_the_job_is_stopped_while_others_wait_and_continues_when_they_do_not(child, pacer_factory, monkeypatch):
    monkeypatch.setattr(report_pacing, "MAX_PAUSE", 60.0)  # the pause ends when the pressure falls, not before
    pressure = Pressure(0.5)  # others wait half the time
    pacer = pacer_factory(pressure)
    assert _eventually(lambda: _state(child.pid) == "T")
    time.sleep(0.3)
    assert _state(child.pid) == "T"  # kept stopped, sample after sample
    pressure.waiting = 0.0
    assert _eventually(lambda: _state(child.pid) != "T")
    assert _eventually(lambda: pacer.pauses == 1) and pacer.paused_s > 0
    # a quiet machine: the job runs on in longer and longer stretches between samples (0.05, 0.1, 0.2, 0.4 s, ...)
    pauses, samples = pacer.pauses, pacer.samples
    time.sleep(1.0)
    assert pacer.pauses == pauses and pacer.samples - samples <= 5
    pacer.stop()
    assert not pacer.is_alive() and _state(child.pid) != "T"


def test_below_the_threshold_the_job_is_not_paused(child, pacer_factory):
    pacer = pacer_factory(Pressure(0.02), threshold=0.1)
    time.sleep(0.4)
    assert pacer.pauses == 0 and pacer.samples >= 1  # stopped only for the samples
    pacer.stop()
    assert _state(child.pid) != "T"


def test_a_job_on_a_machine_never_quiet_still_runs(child, pacer_factory, monkeypatch):
    monkeypatch.setattr(report_pacing, "MAX_PAUSE", 0.2)
    pacer = pacer_factory(Pressure(1.0))
    assert _eventually(lambda: _state(child.pid) == "T")
    assert _eventually(lambda: _state(child.pid) != "T")  # after MAX_PAUSE it runs, whatever the pressure
    assert _eventually(lambda: pacer.pauses >= 2)


def test_a_job_inside_a_writing_transaction_is_not_left_stopped(child):
    writes = OpenWrites()
    pacer = Pacer(child.pid, writes, 0.1, pressure=Pressure(1.0))
    writes._count.value = 1  # known before stopping: not stopped at all
    assert pacer._pause() is None
    assert _state(child.pid) != "T"

    class OpensAWriteMeanwhile:
        """0 when the worker looks before stopping the job, 1 once it is stopped: it had begun a write."""
        looks = iter([0, 1])

        @property
        def count(self) -> int:
            return next(self.looks)

    pacer.writes = OpensAWriteMeanwhile()
    assert pacer._pause() is None  # stopped, then continued at once
    assert _state(child.pid) != "T"


def test_without_processor_pressure_nothing_is_paused(child, caplog):
    pacer = Pacer(child.pid, OpenWrites(), 0.1, pressure=Pressure(None))
    with caplog.at_level("INFO", logger="survey_app.report_pacing"):
        pacer.start()
        pacer.join(5)
    assert not pacer.is_alive() and pacer.pauses == 0
    assert "no processor pressure" in caplog.text


def test_the_pacing_ends_with_the_job(child, pacer_factory):
    pacer = pacer_factory(Pressure(0.5))
    assert _eventually(lambda: _state(child.pid) == "T")
    child.kill()
    child.wait()
    pacer.join(5)
    assert not pacer.is_alive()


def test_this_machine_reports_processor_pressure():
    # CI's machines and the bench's run a kernel with PSI: the pacing is not silently off where it is measured
    first = cpu_pressure()
    assert first is not None and first >= 0


# -- the report worker ------------------------------------------------------------------------------------------

def _job_noting_its_longest_stop(path: str, seconds: float, writing: bool) -> None:
    """A report worker's job: for ``seconds``, the longest time it did not run, written to ``path``; inside a
    writing transaction of the worker's app when ``writing``."""
    def longest_stop() -> float:
        longest, last = 0.0, time.monotonic()
        end = last + seconds
        while last < end:
            time.sleep(0.005)
            now = time.monotonic()
            longest, last = max(longest, now - last), now
        return longest

    with report_jobs._worker_app.app_context():
        if writing:
            with db.engine.begin() as connection:
                connection.execute(sa.text("DELETE FROM report_job WHERE 1 = 0"))
                longest = longest_stop()
        else:
            longest = longest_stop()
    Path(path).write_text(str(longest))


@pytest.mark.parametrize("writing", [False, True])
def test_the_report_worker_pauses_its_job_while_others_wait_but_never_inside_a_write(
        app, redis_server, tmp_path, monkeypatch, writing):  # noqa: F811
    from redis import Redis
    from rq import Queue

    monkeypatch.setattr(report_pacing, "cpu_pressure", Pressure(1.0))  # others wait all the time
    monkeypatch.setattr(report_pacing, "MAX_PAUSE", 3.0)
    monkeypatch.setattr(report_jobs, "_worker_app", None)
    assert app.config["REPORT_YIELD_PRESSURE"] == 10  # the default
    out = tmp_path / "longest"
    Queue(report_jobs.QUEUE_NAME, connection=Redis.from_url(redis_server.url)).enqueue(
        _job_noting_its_longest_stop, str(out), 1.0, writing)
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:  # the command as a deployment runs it, in this process (its job's process is forked from here)
        result = app.test_cli_runner().invoke(args=["report-worker", "--burst", "--url", redis_server.url])
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    assert result.exit_code == 0, result.output
    longest = float(out.read_text())
    if writing:
        assert longest < 1.5  # never paused (a pause lasts MAX_PAUSE here, 3 s)
    else:
        assert longest > 1.5


_WORKER_THAT_DIES = """
import os, signal, time
job = os.fork()
if job == 0:
    while True:
        time.sleep(0.01)
os.setpgid(job, job)  # the job's process group, as RQ's work horse makes it
os.killpg(job, signal.SIGSTOP)
print(job, flush=True)
time.sleep(600)
"""


def test_a_job_stopped_by_a_worker_that_dies_does_not_stay_stopped():
    # the kernel's rule for an orphaned process group (POSIX): when the worker is gone, a stopped job gets SIGHUP
    # and SIGCONT, and ends; it does not wait forever, stopped, holding its memory and its database connection
    worker = subprocess.Popen([sys.executable, "-c", _WORKER_THAT_DIES], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    job = int(worker.stdout.readline())
    try:
        assert _eventually(lambda: _state(job) == "T")
        worker.kill()
        worker.wait()

        def gone() -> bool:
            try:
                return _state(job) in ("Z", "X")
            except FileNotFoundError:
                return True

        assert _eventually(gone)
    finally:
        worker.stdout.close()
        try:
            os.kill(job, signal.SIGKILL)
        except ProcessLookupError:
            pass
