"""Drawing the report's charts: in other processes exactly as in this one, and the trend chart."""

from __future__ import annotations

import re
import threading

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


def test_no_forking_while_other_threads_run() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert charts.workers() == 1
    finally:
        stop.set()
        thread.join()
