"""Charts of the reports: matplotlib figures returned as inline SVG strings (vector, grayscale-readable).

Every function takes labelled plain data (already translated by :mod:`reports.context`) and returns an
``<svg>`` element ready to be placed in the HTML. Text stays text (``svg.fonttype = none``, escaped by
matplotlib) in the report's CJK font: it can be searched and copied in the PDF, and WeasyPrint draws it
several times faster than glyph outlines. Series are told apart by hatching and marker shape, not by colour
alone; hatches are sparse because WeasyPrint redraws a pattern for every shape that uses it.

Every chart is drawn at the width of the page's printable area and at most as tall as a page less room for
a heading (:mod:`reports.charts.style` reads both from the report's stylesheet); labels are wrapped by one
helper (:mod:`reports.charts.labels`), Chinese at characters and English at words. One module per kind of
chart: :mod:`~reports.charts.bars` (one row per label), :mod:`~reports.charts.points` (labelled scatter),
:mod:`~reports.charts.lines` (curves and trends), :mod:`~reports.charts.diagram` (the path diagram, laid out
by Graphviz).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import sys
import threading
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from analysis.parallel import cores
from reports.charts.bars import bar_chart, interval_dots, stacked_shares
from reports.charts.diagram import dot_program, path_diagram
from reports.charts.lines import loyalty_curve, trend_chart
from reports.charts.points import class_scatter, ipa_chart
from reports.charts.style import LINESTYLES, MARKERS, MAX_HEIGHT, WIDTH

__all__ = ["CHARTS", "LINESTYLES", "MARKERS", "MAX_HEIGHT", "WIDTH", "ChartPool", "bar_chart", "chart_size",
           "class_scatter", "dot_program", "draw_all", "drawing_processes", "interval_dots", "ipa_chart",
           "loyalty_curve", "path_diagram", "stacked_shares", "trend_chart", "warm_up", "workers"]

#: Charts below which drawing them in other processes costs more than it saves.
MIN_PARALLEL_CHARTS = 4
#: At most this many drawing processes.
MAX_WORKERS = 4


#: The chart functions :func:`draw_all` may call, by name.
CHARTS = ("bar_chart", "ipa_chart", "stacked_shares", "path_diagram", "loyalty_curve", "interval_dots",
          "class_scatter", "trend_chart")


def _chart(name: str) -> Any:
    """The chart function :data:`CHARTS` names ``name``."""
    if name not in CHARTS:
        raise ValueError(f"unknown chart {name!r}; one of {CHARTS}")
    return globals()[name]


def _draw(request: tuple[str, Sequence[Any], Mapping[str, Any]]) -> str:
    name, args, kwargs = request
    return _chart(name)(*args, **kwargs)


def chart_size(request: tuple[str, Sequence[Any], Mapping[str, Any]]) -> tuple[float, float] | None:
    """The size (width, height in points) a chart request is drawn at, where it is known without drawing it
    (None where it is not: the path diagram's size comes from its Graphviz layout)."""
    name, args, kwargs = request
    size = getattr(_chart(name), "size", None)
    return size(*args, **kwargs) if size is not None else None


def workers() -> int:
    """How many processes draw charts: the cores this process may use, at most :data:`MAX_WORKERS` (1: here)."""
    return cores(MAX_WORKERS)


#: Drawing processes that died in one process before its charts are drawn there for good (a process that cannot
#: start them, say, would otherwise try again for every report)
MAX_BROKEN = 3

_shared: ProcessPoolExecutor | None = None
_shared_lock = threading.Lock()
_failed = False
_broken = 0


def drawing_processes() -> ProcessPoolExecutor | None:
    """The processes drawing this process's charts, shared by all its reports (None with one core).

    They are forked from a forkserver: a clean process with no thread but its own, started once with this module
    (matplotlib, the font) loaded. A web or report worker process runs reports in threads, and forking a threaded
    process can copy a lock another thread holds; so before, such a process drew every chart itself, one after
    another. The processes stay for the next report (the first one pays their start, while its analysis runs: see
    :func:`warm_up`) and run as idle work (:func:`_begin`).
    """
    global _shared
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if workers() < 2 or _failed or multiprocessing.parent_process() is not None \
            or (main is not None and not os.path.exists(main)):
        # one core; processes that could not start; a child process itself; or a program read from standard input,
        # which a forkserver cannot load again
        return None
    with _shared_lock:
        if _shared is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            _shared = ProcessPoolExecutor(max_workers=workers(), mp_context=context, initializer=_begin,
                                          initargs=(os.getpid(),))
        return _shared


def _begin(owner: int) -> None:
    """Set up a drawing process: make it idle work and end it with the process ``owner`` whose charts it draws.

    Idle work (Linux's ``SCHED_IDLE``, below every nice level) runs on the processor time nothing else wants: the
    report's own thread, which lays the pages out while their charts are drawn, comes first (at nice 19, as a
    report job's thread runs, it got only a third of the processor beside two drawing processes of its own
    priority), and so does everything else the machine serves. Where there is no such policy, nice 19.
    """
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, 19)
    threading.Thread(target=_end_with, args=(owner,), name="manyi-owner-watch", daemon=True).start()


def _end_with(owner: int) -> None:
    """Wait for process ``owner`` to end, then end this one.

    A process that ends without shutting its drawing processes down (an RQ work horse leaves by ``os._exit`` after
    its job; a process killed) would otherwise leave them, and the forkserver they keep alive, waiting for charts
    forever: three processes and some 280 MB a report job."""
    try:
        watch = os.pidfd_open(owner)
    except ProcessLookupError:  # it has ended already
        os._exit(0)
    except (AttributeError, OSError):  # not Linux 5.3 or later: its processes end when it shuts them down
        return
    select.select([watch], [], [])  # readable once the owner has ended
    os._exit(0)


def warm_up() -> threading.Thread | None:
    """Start the drawing processes in the background (a report calls this before its analysis): the thread
    starting them, or None where charts are drawn in the report's own thread.

    A forkserver takes about half a second to start with matplotlib loaded; the report's analysis goes on
    meanwhile instead of waiting for it.
    """
    pool = drawing_processes()  # the executor only: its processes start with the first task it is given
    if pool is None:
        return None
    thread = threading.Thread(target=_start, args=(pool,), name="manyi-chart-warm-up", daemon=True)
    thread.start()
    return thread


def _start(pool: ProcessPoolExecutor) -> None:
    try:
        for _ in range(workers()):
            pool.submit(os.getpid)
    except Exception as error:  # a process died (BrokenProcessPool), or they cannot start here
        _discard(pool, failed=not isinstance(error, BrokenProcessPool))


def _discard(pool: ProcessPoolExecutor, *, failed: bool = False) -> None:
    """Forget drawing processes one of which died (the next report starts new ones, up to :data:`MAX_BROKEN` times
    in a process) or that could not start (``failed``). Then every chart is drawn where it is asked for."""
    global _shared, _failed, _broken
    with _shared_lock:
        if _shared is pool:
            _shared = None
            _broken += 1
        _failed = _failed or failed or _broken >= MAX_BROKEN
    pool.shutdown(wait=False, cancel_futures=True)


class ChartPool:
    """Charts being drawn: sent at once to :func:`drawing_processes` (when there are enough of them and more than
    one core), or drawn here when first asked for; ``pool[i]`` is the SVG of ``requests[i]``, waiting for it if
    need be. ``processes=1`` draws them here; the charts ``first`` names (by index) are sent before the others.

    The PDF renderer asks for each chart when WeasyPrint reaches its image, so the charts are drawn while
    WeasyPrint reads the page and its stylesheet. Should a drawing process die, the charts it had not drawn are
    drawn here.
    """

    def __init__(self, requests: Sequence[tuple[str, Sequence[Any], Mapping[str, Any]]], *,
                 processes: int | None = None, first: Collection[int] = ()) -> None:
        self.requests = list(requests)
        self.drawn: dict[int, str] = {}
        self.executor: ProcessPoolExecutor | None = None
        self.futures: list[Future[str]] = []
        parallel = (workers() if processes is None else processes) > 1
        if parallel and len(self.requests) >= MIN_PARALLEL_CHARTS:
            self.executor = drawing_processes()
        if self.executor is not None:
            try:
                futures = {index: self.executor.submit(_draw, self.requests[index])
                           for index in sorted(range(len(self.requests)), key=lambda index: index not in first)}
                self.futures = [futures[index] for index in range(len(self.requests))]
            except Exception as error:  # a process died (BrokenProcessPool), or they cannot start here
                for future in self.futures:
                    future.cancel()
                self.futures = []
                _discard(self.executor, failed=not isinstance(error, BrokenProcessPool))
                self.executor = None

    def __len__(self) -> int:
        return len(self.requests)

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self.requests):
            raise IndexError(index)
        if index not in self.drawn:
            self.drawn[index] = self._result(index) if self.executor is not None else _draw(self.requests[index])
        return self.drawn[index]

    def _result(self, index: int) -> str:
        try:
            return self.futures[index].result()
        except BrokenProcessPool:
            if self.executor is not None:
                _discard(self.executor)
                self.executor = None
        except CancelledError:  # the processes were let go meanwhile (by the warm-up or another report)
            self.executor = None
        return _draw(self.requests[index])

    def close(self) -> None:
        """Let go of the charts not asked for (those not started are not drawn)."""
        for future in self.futures:
            future.cancel()
        self.futures = []
        self.executor = None

    def __enter__(self) -> ChartPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def draw_all(requests: Sequence[tuple[str, Sequence[Any], Mapping[str, Any]]], *,
             processes: int | None = None) -> list[str]:
    """Draw many charts, ``(function name, args, kwargs)`` each, in order, as SVG strings.

    matplotlib is not thread-safe, so the charts are spread over :func:`drawing_processes` (which start with
    matplotlib and the font already loaded) when there are enough of them and more than one core.
    """
    with ChartPool(requests, processes=processes) as pool:
        return [pool[index] for index in range(len(pool))]
