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

import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from analysis.parallel import fork_workers
from reports.charts.bars import bar_chart, interval_dots, stacked_shares
from reports.charts.diagram import dot_program, path_diagram
from reports.charts.lines import loyalty_curve, trend_chart
from reports.charts.points import class_scatter, ipa_chart
from reports.charts.style import LINESTYLES, MARKERS, MAX_HEIGHT, WIDTH

__all__ = ["CHARTS", "LINESTYLES", "MARKERS", "MAX_HEIGHT", "WIDTH", "ChartPool", "bar_chart", "class_scatter",
           "dot_program", "draw_all", "interval_dots", "ipa_chart", "loyalty_curve", "path_diagram",
           "stacked_shares", "trend_chart", "workers"]

#: Charts below which drawing them in other processes costs more than it saves.
MIN_PARALLEL_CHARTS = 4
#: At most this many drawing processes.
MAX_WORKERS = 4


#: The chart functions :func:`draw_all` may call, by name.
CHARTS = ("bar_chart", "ipa_chart", "stacked_shares", "path_diagram", "loyalty_curve", "interval_dots",
          "class_scatter", "trend_chart")


def _draw(request: tuple[str, Sequence[Any], Mapping[str, Any]]) -> str:
    name, args, kwargs = request
    if name not in CHARTS:
        raise ValueError(f"unknown chart {name!r}; one of {CHARTS}")
    return globals()[name](*args, **kwargs)


def workers() -> int:
    """How many processes :func:`draw_all` uses (:func:`analysis.parallel.fork_workers`, at most
    :data:`MAX_WORKERS`)."""
    return fork_workers(MAX_WORKERS)


class ChartPool:
    """Charts being drawn: started at once in forked processes (when :func:`workers` allows), or drawn here
    when first asked for; ``pool[i]`` is the SVG of ``requests[i]``, waiting for it if need be.

    The PDF renderer asks for each chart when WeasyPrint reaches its image, so the charts are drawn while
    WeasyPrint reads the page and its stylesheet.
    """

    def __init__(self, requests: Sequence[tuple[str, Sequence[Any], Mapping[str, Any]]], *,
                 processes: int | None = None) -> None:
        self.requests = list(requests)
        self.drawn: dict[int, str] = {}
        processes = workers() if processes is None else processes
        self.executor: ProcessPoolExecutor | None = None
        if processes > 1 and len(self.requests) >= MIN_PARALLEL_CHARTS:
            self.executor = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork"))
            self.futures = [self.executor.submit(_draw, request) for request in self.requests]

    def __len__(self) -> int:
        return len(self.requests)

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self.requests):
            raise IndexError(index)
        if index not in self.drawn:
            self.drawn[index] = (self.futures[index].result() if self.executor is not None
                                 else _draw(self.requests[index]))
        return self.drawn[index]

    def close(self) -> None:
        """Stop the drawing processes (charts not asked for are not drawn)."""
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)
            self.executor = None

    def __enter__(self) -> ChartPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def draw_all(requests: Sequence[tuple[str, Sequence[Any], Mapping[str, Any]]], *,
             processes: int | None = None) -> list[str]:
    """Draw many charts, ``(function name, args, kwargs)`` each, in order, as SVG strings.

    matplotlib is not thread-safe, so the charts are spread over forked processes (which start with
    matplotlib and the font already loaded) when there are enough of them and more than one core.
    """
    with ChartPool(requests, processes=processes) as pool:
        return [pool[index] for index in range(len(pool))]
