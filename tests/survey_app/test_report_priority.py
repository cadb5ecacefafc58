"""Report jobs run below the survey pages' priority: the thread that renders, and the chart workers it starts."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from flask import Flask

from reports import charts
from survey_app.services import report_jobs


def _in_thread(target) -> dict[str, int]:
    """Priorities of a new thread before and after ``target`` runs in it, and the process's own."""
    seen: dict[str, int] = {}

    def run() -> None:
        me = threading.get_native_id()
        seen["before"] = os.getpriority(os.PRIO_PROCESS, me)
        target()
        seen["after"] = os.getpriority(os.PRIO_PROCESS, me)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    seen["process"] = os.getpriority(os.PRIO_PROCESS, 0)
    return seen


def test_a_report_thread_runs_lower_and_leaves_the_process_as_it_was():
    process = os.getpriority(os.PRIO_PROCESS, 0)
    seen = _in_thread(report_jobs.lower_priority)
    assert seen["after"] == min(19, seen["before"] + report_jobs.REPORT_NICENESS)
    assert seen["process"] == process  # the threads answering respondents keep theirs


def test_the_app_s_report_pool_lowers_the_thread_before_the_job(monkeypatch):
    priorities: list[int] = []
    monkeypatch.setattr(report_jobs, "run_job",
                        lambda job_id: priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
    seen = _in_thread(lambda: report_jobs._run_in_app(Flask(__name__), 1))
    assert priorities == [seen["after"]] and seen["after"] == min(19, seen["before"] + report_jobs.REPORT_NICENESS)


def test_the_charts_are_drawn_as_idle_work_below_the_report_thread(monkeypatch):
    monkeypatch.setattr(charts, "workers", lambda: 2)
    monkeypatch.setattr(charts, "_shared", None)  # this process's drawing processes, started by the report below
    monkeypatch.setattr(charts, "_failed", False)
    pools = []

    def report() -> None:
        report_jobs.lower_priority()
        pools.append(charts.drawing_processes())

    _in_thread(report)
    pool = pools[0]
    try:
        policies = {pool.submit(os.sched_getscheduler, 0).result() for _ in range(4)}
    finally:
        pool.shutdown()
    assert policies == {os.SCHED_IDLE}  # below nice 19, the report thread's own priority


def test_a_report_worker_lowers_its_session_once_and_runs_as_idle_work():
    # in a session of its own (as systemd or a shell starts a worker), so that this test's session keeps its priority
    program = ("import os, threading\n"
               "from survey_app.services import report_jobs as r\n"
               "for job in range(3):\n"
               "    r.lower_worker_priority()\n"
               "started = []\n"
               "thread = threading.Thread(target=lambda: started.append(os.sched_getscheduler(0)))\n"
               "thread.start(); thread.join()\n"
               "print(os.sched_getscheduler(0) == os.SCHED_IDLE, started == [os.SCHED_IDLE])\n"
               "print(open(r.AUTOGROUP).read() if os.path.exists(r.AUTOGROUP) else 'none')\n")
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                         start_new_session=True).stdout.splitlines()
    assert out[0] == "True True"  # the job's thread and the threads it starts (its heartbeat, say)
    if os.path.exists(report_jobs.AUTOGROUP):  # a kernel with autogroups: the session's nice is the job's
        assert out[1].split()[-2:] == ["nice", str(report_jobs.REPORT_NICENESS)]
    else:  # without them the threads' nice values count, and nothing fails
        assert out[1].strip() == "none"
