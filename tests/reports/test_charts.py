"""Drawing the report's charts: in other processes exactly as in this one, and the trend chart."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

import pytest

from reports import charts

REQUESTS = [
    ("bar_chart", ([{"label": "Staff", "value": 30.0, "low": 20.0, "high": 40.0},
                   {"label": "价格", "value": 10.0, "low": None, "high": None}],), {"xlabel": "Explained (%)"}),
    ("trend_chart", ([{"label": "Satisfaction", "points": [{"wave": "2025", "value": 70.0, "low": 68.0, "high": 72.0},
                                                            {"wave": "2026", "value": 75.5, "low": 73.0,
                                                             "high": 78.0}]},
                      {"label": "Loyalty", "points": [{"wave": "2026", "value": 60.0}]}],),
     {"waves": ["2025", "2026"], "ylabel": "Index (0-100)"}),
    ("stacked_shares", ([{"label": "All", "detractors": 0.2, "passives": 0.3, "promoters": 0.5}],),
     {"series": ("detractors", "passives", "promoters"), "names": ("D", "P", "Pr")}),
    ("bar_chart", ([{"label": "One", "value": 1.0}],), {"xlabel": "x"}),
]


def same(svg: str) -> str:
    """The SVG with matplotlib's random clip-path and glyph ids made equal."""
    return re.sub(r"#?[hpm][0-9a-f]{10}\b", "ID", svg)


def test_charts_drawn_in_other_processes_are_the_same_svg() -> None:
    serial = charts.draw_all(REQUESTS, processes=1)
    assert len(REQUESTS) >= charts.MIN_PARALLEL_CHARTS
    assert [same(svg) for svg in charts.draw_all(REQUESTS, processes=2)] == [same(svg) for svg in serial]
    assert all(svg.startswith("<svg") for svg in serial)


def test_trend_chart_has_every_wave_and_measure_as_text() -> None:
    svg = charts.draw_all(REQUESTS[1:2], processes=1)[0]
    for text in ("2025", "2026", "Satisfaction", "Loyalty", "Index (0-100)"):
        assert text in svg, text


def test_bar_whiskers_are_one_collection() -> None:
    svg = charts.draw_all(REQUESTS[:1], processes=1)[0]
    assert svg.count('id="LineCollection_') == 1


def test_unknown_chart_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown chart 'savefig'"):
        charts.draw_all([("savefig", (), {})], processes=1)


def test_a_threaded_process_draws_in_the_shared_processes_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # a report job runs in a thread of a web or worker process (a heartbeat thread beside it): its charts are drawn
    # by processes forked from a clean forkserver, never by forking the threaded process itself
    monkeypatch.setattr(charts, "workers", lambda: 2)
    stop = threading.Event()
    beside = threading.Thread(target=stop.wait)
    beside.start()
    drawn: list[list[str]] = []
    pools: list[bool] = []

    def report() -> None:
        with charts.ChartPool(REQUESTS) as pool:
            pools.append(pool.executor is not None)
            drawn.append([pool[index] for index in range(len(pool))])

    try:
        job = threading.Thread(target=report)
        job.start()
        job.join()
    finally:
        stop.set()
        beside.join()
    assert pools == [True]
    assert [same(svg) for svg in drawn[0]] == [same(svg) for svg in charts.draw_all(REQUESTS, processes=1)]
    pids = {future.result() for future in [charts.drawing_processes().submit(os.getpid) for _ in range(4)]}
    assert os.getpid() not in pids


def test_charts_a_dead_drawing_process_left_are_drawn_here(monkeypatch: pytest.MonkeyPatch) -> None:
    class Dead:
        """Drawing processes one of which died: what was sent there never comes back."""

        def submit(self, *args: object) -> Future[str]:
            future: Future[str] = Future()
            future.set_exception(BrokenProcessPool("a drawing process died"))
            return future

        def shutdown(self, **options: object) -> None:
            self.shut = True

    dead = Dead()
    monkeypatch.setattr(charts, "_shared", dead)
    monkeypatch.setattr(charts, "_broken", 0)
    monkeypatch.setattr(charts, "_failed", False)
    monkeypatch.setattr(charts, "workers", lambda: 2)
    svgs = charts.draw_all(REQUESTS)
    assert [same(svg) for svg in svgs] == [same(svg) for svg in charts.draw_all(REQUESTS, processes=1)]
    assert dead.shut and charts._shared is not dead  # the next report starts new processes
    assert not charts._failed and charts._broken == 1


def test_drawing_processes_that_cannot_start_are_not_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    class Refused:
        """What a program that cannot start processes (a child still starting, say) gets from the pool."""

        def submit(self, *args: object) -> Future[str]:
            raise RuntimeError("An attempt has been made to start a new process before ...")

        def shutdown(self, **options: object) -> None:
            pass

    monkeypatch.setattr(charts, "_shared", Refused())
    monkeypatch.setattr(charts, "_broken", 0)
    monkeypatch.setattr(charts, "_failed", False)
    monkeypatch.setattr(charts, "workers", lambda: 2)
    charts.warm_up().join()  # a report's first call: refused (in the background), and remembered
    assert charts._failed and charts.drawing_processes() is None
    svgs = charts.draw_all(REQUESTS)
    assert [same(svg) for svg in svgs] == [same(svg) for svg in charts.draw_all(REQUESTS, processes=1)]


def test_warm_up_starts_the_processes_without_making_the_report_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    started = threading.Event()
    may_finish = threading.Event()

    class Starting:
        """Drawing processes still starting (a forkserver loading matplotlib): a task given to them waits."""

        def submit(self, *args: object) -> Future[int]:
            started.set()
            assert may_finish.wait(5)
            future: Future[int] = Future()
            future.set_result(1)
            return future

    monkeypatch.setattr(charts, "_shared", Starting())
    monkeypatch.setattr(charts, "_failed", False)
    monkeypatch.setattr(charts, "workers", lambda: 2)
    thread = charts.warm_up()
    assert thread is not None and started.wait(5)
    assert thread.is_alive()  # warm_up returned while the processes were still starting
    may_finish.set()
    thread.join()
    assert not charts._failed


def test_charts_whose_processes_were_let_go_meanwhile_are_drawn_here(monkeypatch: pytest.MonkeyPatch) -> None:
    class LetGo:
        """Drawing processes shut down by another thread (a failed warm-up) after the charts were sent."""

        def submit(self, *args: object) -> Future[str]:
            future: Future[str] = Future()
            future.cancel()
            return future

    monkeypatch.setattr(charts, "_shared", LetGo())
    monkeypatch.setattr(charts, "_failed", False)
    monkeypatch.setattr(charts, "workers", lambda: 2)
    svgs = charts.draw_all(REQUESTS)
    assert [same(svg) for svg in svgs] == [same(svg) for svg in charts.draw_all(REQUESTS, processes=1)]


def test_drawing_processes_end_with_the_process_that_started_them() -> None:
    # an RQ work horse leaves by os._exit after its job, shutting nothing down: its drawing processes, and the
    # forkserver they keep alive, must not stay behind waiting for charts (they did, three processes a job)
    program = ("import multiprocessing.forkserver, os\n"
               "from reports import charts\n"
               "charts.workers = lambda: 2\n"
               "pool = charts.drawing_processes()\n"
               "pids = {pool.submit(os.getpid).result() for _ in range(8)}\n"
               "pids.add(multiprocessing.forkserver._forkserver._forkserver_pid)\n"
               "print(' '.join(map(str, sorted(pids))), flush=True)\n"
               "os._exit(0)\n")
    owner = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
    pids = [int(pid) for pid in owner.stdout.readline().split()]
    owner.stdout.close()
    owner.wait(timeout=60)
    assert len(pids) >= 2
    left = pids
    deadline = time.monotonic() + 60  # a bound for a loaded machine; they end within milliseconds
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [pid for pid in pids if _running(pid)]
    for pid in left:  # do not leave them behind when the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == []


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_the_charts_named_first_are_sent_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # the PDF renderer sends first the charts WeasyPrint must read before its layout (those of unknown size)
    sent: list[str] = []

    class Recording:
        def submit(self, function: object, request: tuple) -> Future[str]:
            sent.append(request[0])
            future: Future[str] = Future()
            future.set_result(request[0])
            return future

    monkeypatch.setattr(charts, "_shared", Recording())
    monkeypatch.setattr(charts, "_failed", False)
    monkeypatch.setattr(charts, "workers", lambda: 2)
    requests = [(name, (), {}) for name in ("bar_chart", "trend_chart", "path_diagram", "ipa_chart")]
    with charts.ChartPool(requests, first=[2]) as pool:
        assert [pool[index] for index in range(len(pool))] == ["bar_chart", "trend_chart", "path_diagram",
                                                                "ipa_chart"]
    assert sent == ["path_diagram", "bar_chart", "trend_chart", "ipa_chart"]
