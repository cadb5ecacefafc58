"""A report worker's job gives way to the survey pages: it is paused while other work waits for a processor.

A report job and its chart-drawing processes run as idle work (``SCHED_IDLE``, :mod:`survey_app.services.report_jobs`):
the kernel gives them a processor only when nothing else wants one. That still leaves them the machine's idle
moments (a page waiting for its database, say), and in those moments a million-response analysis fills the
processors' caches with its own data. So the report worker watches the machine's processor pressure (Linux PSI:
the share of time some task waited for a processor) and stops its job's process group (``SIGSTOP``: the job and its
drawing processes) while others wait, for at most :data:`MAX_PAUSE` seconds at a time. Beside a 1M report, 50
concurrent respondents on PostgreSQL (2-core machine, 7 runs each way, alternating): p95 median 80.3 ms with the
pausing, 120.6 ms without; during / alone, median 1.01 against 1.54.

How it runs (:class:`Pacer`, a thread of the worker while its job's process runs): the job runs for a stretch,
then is stopped for :data:`SAMPLE` seconds in which the pressure is read; while it is at or above the threshold the
job stays stopped, up to :data:`MAX_PAUSE`. After a pause the job runs for :data:`MIN_SHARE` of the time, whatever
the pressure, so a job on a machine that is never quiet still ends (at worst 1 / MIN_SHARE times as slowly). On a
quiet machine each stretch doubles up to :data:`MAX_RUN`, so a quiet machine's report loses about 2 % of its time
to the samples.

A job is never left stopped inside a writing transaction: stopped while holding SQLite's write lock, or the lock
that holds new responses off while an answer block is claimed (:func:`analysis.answer_blocks.build_blocks`), it
would stall every respondent. The job's process counts its open writing transactions in memory it shares with the
worker (:class:`OpenWrites`); the worker stops the job, waits until every thread of it is stopped (the count can
no longer change), reads the count and continues the job at once unless it is 0.

A worker that dies while its job is stopped does not leave the job stopped for ever: the job's process group is then
orphaned, and the kernel sends a stopped orphaned group SIGHUP and SIGCONT (POSIX), which end it; its report job is
started again as any job whose process died (its heartbeat stops).

Without PSI (a kernel without it, or not Linux) nothing is paused: the job runs as idle work only.
"""

from __future__ import annotations

import ctypes
import logging
import mmap
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

logger = logging.getLogger(__name__)

#: the machine's processor pressure (PSI): cumulative microseconds in which some task waited for a processor
PRESSURE = Path("/proc/pressure/cpu")
#: seconds a stopped job stays stopped while the pressure is read
SAMPLE = 0.05
#: longest run of a job between two samples (a quiet machine) and shortest (after a pause)
MAX_RUN = 2.0
MIN_RUN = 0.05
#: longest pause, and the share of the time a job runs after a pause whatever the pressure
MAX_PAUSE = 2.0
MIN_SHARE = 0.05
#: seconds to wait for every thread of a job to be stopped before it counts as not stoppable now
STOP_WAIT = 0.2
#: what a statement that only reads begins with (any other statement opens a writing transaction)
_READING = ("SELECT", "SHOW", "VALUES")
_LOCKING = (" FOR UPDATE", " FOR SHARE", " FOR NO KEY UPDATE", " FOR KEY SHARE")
_WRITING_KEY = "manyi.writing"


def cpu_pressure() -> float | None:
    """Seconds in which some task of the machine waited for a processor, since boot; None without PSI."""
    try:
        with PRESSURE.open(encoding="ascii") as pressure:
            return int(pressure.readline().split("total=")[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return None


def is_reading(statement: str) -> bool:
    """Whether a SQL statement only reads (takes no lock a writer of responses would wait for)."""
    text = statement.lstrip().upper()
    if text.startswith("COPY"):
        return " TO STDOUT" in text
    return text.startswith(_READING) and not any(lock in text for lock in _LOCKING)


class OpenWrites:
    """The number of writing transactions open in a process, readable by the process it was forked from.

    Created in the worker before it forks a job's process; :meth:`track` (called before the fork too) counts the
    transactions of an engine: from the first statement that is not a read until its connection begins its next
    transaction, goes back to the pool or is invalidated. A count left behind by a job that died counts as open
    writes (the job is never paused) until :meth:`reset`.
    """

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, ctypes.sizeof(ctypes.c_long))  # anonymous and shared: forked processes see it
        self._count = ctypes.c_long.from_buffer(self._memory)
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        return self._count.value

    def reset(self) -> None:
        self._count.value = 0

    def _add(self, info: dict, writing: bool) -> None:
        with self._lock:
            if bool(info.get(_WRITING_KEY)) == writing:
                return
            if writing:
                info[_WRITING_KEY] = True
            else:
                info.pop(_WRITING_KEY, None)
            self._count.value += 1 if writing else -1

    def track(self, engine: sa.Engine) -> None:
        """Count the writing transactions of ``engine``'s connections."""

        @sa.event.listens_for(engine, "before_cursor_execute")
        def _statement(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
            if not is_reading(statement):
                self._add(connection.info, True)

        # a transaction's commit (or rollback) event comes before the database has ended it: the count goes down
        # when the connection begins its next transaction or goes back to the pool, when it has certainly ended
        @sa.event.listens_for(engine, "begin")
        def _next(connection) -> None:
            self._add(connection.info, False)

        @sa.event.listens_for(engine, "checkin")
        def _returned(_dbapi_connection, record) -> None:
            if record is not None:
                self._add(record.info, False)

        @sa.event.listens_for(engine, "invalidate")
        def _invalidated(_dbapi_connection, record, _exception) -> None:
            self._add(record.info, False)


def _stopped(pid: int) -> bool | None:
    """Whether every thread of process ``pid`` is stopped; None when the process is gone."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        for task in tasks:
            with open(f"/proc/{pid}/task/{task}/stat", encoding="ascii", errors="replace") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] not in ("T", "t"):
                    return False
    except FileNotFoundError:
        return None
    return True


class Pacer(threading.Thread):
    """Pause the process group ``group`` (a job's process, whose id it is, and its children) while other work
    waits for a processor: the pressure's share of a sample at or above ``threshold`` (0 to 1)."""

    def __init__(self, group: int, writes: OpenWrites, threshold: float, *,
                 pressure: Callable[[], float | None] | None = None) -> None:
        super().__init__(name=f"pacer-{group}", daemon=True)
        self.group = group
        self.writes = writes
        self.threshold = threshold
        self.pressure = pressure or cpu_pressure
        #: seconds the job was kept stopped for others, in how many pauses; stops that found the machine quiet
        self.paused_s = 0.0
        self.pauses = 0
        self.samples = 0
        self._end = threading.Event()

    def run(self) -> None:
        if self.pressure() is None:
            logger.info("no processor pressure to read (PSI): report jobs are not paused for the survey pages")
            return
        run = MIN_RUN
        try:
            while not self._end.wait(run):
                stopped = self._pause()
                if stopped is None:  # not stoppable now: look again soon
                    run = MIN_RUN
                elif stopped > SAMPLE * 1.5:  # kept stopped past a sample: it runs a share of that before the next
                    run = max(MIN_RUN, stopped * MIN_SHARE / (1 - MIN_SHARE))
                    self.paused_s += stopped
                    self.pauses += 1
                else:  # a quiet machine
                    run = min(run * 2, MAX_RUN)
                    self.samples += 1
        except ProcessLookupError:  # the job's process ended
            pass
        finally:
            self._signal(signal.SIGCONT)

    def stop(self) -> None:
        """End the pacing (the job's process ended, or is about to be waited for) and leave the job running."""
        self._end.set()
        if self.is_alive():
            self.join()

    def _signal(self, number: int) -> None:
        try:
            os.killpg(self.group, number)
        except ProcessLookupError:
            pass

    def _pause(self) -> float | None:
        """Stop the job while the pressure stays high; the seconds it was stopped, None when it could not be
        stopped now (inside a writing transaction, or not every thread stopped within :data:`STOP_WAIT`)."""
        if self.writes.count:
            return None
        os.killpg(self.group, signal.SIGSTOP)
        started = time.monotonic()
        try:
            while not (stopped := _stopped(self.group)):
                if stopped is None:
                    raise ProcessLookupError(self.group)
                if time.monotonic() - started > STOP_WAIT:
                    return None
                time.sleep(0.001)
            if self.writes.count:  # it was stopped inside a writing transaction
                return None
            while True:
                before, sampled = self.pressure(), time.monotonic()
                if self._end.wait(SAMPLE):
                    break
                after, now = self.pressure(), time.monotonic()
                waiting = (after - before) / (now - sampled) if before is not None and after is not None else 0.0
                if waiting < self.threshold or now - started >= MAX_PAUSE:
                    break
            return time.monotonic() - started
        finally:
            self._signal(signal.SIGCONT)
