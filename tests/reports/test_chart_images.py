"""Charts laid out before they are drawn: their size is known beforehand, and the pages come out the same."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from reports import charts
from reports.chart_images import stated_size
from reports.charts import chart_size, draw_all
from reports.context import build_deferred
from reports.errors import ReportError
from reports.render import _Figures, _render, html_to_pdf, render_pdf
from tests.reports.test_render import Charts, page_images

LONG = "Friendliness and courtesy of the staff at the counter and on the telephone"
ROWS = [{"label": f"{LONG} {i}" if i % 3 else f"员工的友好程度和礼貌 {i}", "value": float(i), "low": i - 1.0,
         "high": i + 1.0} for i in range(1, 9)]
SERIES = [{"label": f"Measure {i} {LONG}", "points": [{"wave": "2025", "value": 60.0 + i}, {"wave": "2026",
                                                                                           "value": 62.0}]}
          for i in range(25)]
POINTS = [{"label": row["label"], "importance": row["value"], "performance": 60 + row["value"], "x": row["value"],
           "y": row["value"] / 10, "cls": ("a", "b")[i % 2]} for i, row in enumerate(ROWS)]
SIZED = {
    "bars": ("bar_chart", (ROWS,), {"xlabel": "Variance explained (%)"}),
    "bars, one row": ("bar_chart", ([{"label": "One", "value": 1.0}],), {"xlabel": "x"}),
    "bars, rows past the page": ("bar_chart", ([{"label": f"单位 {i}", "value": float(i)} for i in range(90)],),
                                 {"xlabel": "x"}),
    "shares": ("stacked_shares", ([{"label": row["label"], "detractors": 0.2, "passives": 0.3, "promoters": 0.5}
                                   for row in ROWS],),
               {"series": ("detractors", "passives", "promoters"), "names": ("Detractors", "Passives", "Promoters")}),
    "dots": ("interval_dots", (ROWS,), {"xlabel": "Impact range", "bands": ((0.0, 4.0, "Basic"),
                                                                            (4.0, 9.0, "Performance"))}),
    "trend, one measure": ("trend_chart", (SERIES[:1],), {"waves": ["2025", "2026"], "ylabel": "Index"}),
    "trend, 25 measures": ("trend_chart", (SERIES,), {"waves": ["2025", "2026"], "ylabel": "Index"}),
    "importance-performance": ("ipa_chart", (POINTS,), {"xlabel": "Importance", "ylabel": "Performance"}),
    "classes": ("class_scatter", (POINTS,), {"classes": [("a", "Basic"), ("b", "Excitement")], "xlabel": "Range",
                                             "ylabel": "Performance"}),
    "curve": ("loyalty_curve", ([{"label": str(level), "share": 10.0 * level, "low": 9.0 * level,
                                  "high": 11.0 * level} for level in range(1, 8)],),
              {"zone": ("3", "5"), "jump": ("5", "7"), "xlabel": "Satisfaction", "ylabel": "Loyal (%)",
               "zone_label": "Zone of indifference", "jump_label": "Largest rise"}),
}


@pytest.mark.parametrize("case", SIZED)
def test_a_chart_s_size_is_known_before_it_is_drawn(case: str) -> None:
    request = SIZED[case]
    [svg] = draw_all([request], processes=1)
    assert chart_size(request) == pytest.approx(stated_size(svg), abs=1e-6)


def test_the_path_diagram_s_size_comes_from_its_drawing() -> None:
    # Graphviz lays it out: its size is not known before, and WeasyPrint reads it before the layout
    assert charts.path_diagram.size([], [], {}) is None


def _pages(pdf: bytes, tmp_path: Path) -> list[np.ndarray]:
    pages = []
    for path in page_images(pdf, tmp_path):
        with Image.open(path) as image:
            pages.append(np.asarray(image.convert("L")))
        path.unlink()
    return pages


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_charts_laid_out_before_they_are_drawn_give_the_same_pages(result: dict[str, Any], lang: str,
                                                                  tmp_path: Path) -> None:
    laid_out_first = render_pdf(result, lang=lang)
    context, pending = build_deferred(result, lang=lang)
    drawn = draw_all([chart.request for chart in pending])
    read_first = html_to_pdf(_render(context, _Figures(inline=False)), charts=drawn)  # every chart before layout
    assert sum(chart_size(chart.request) is not None for chart in pending) >= len(pending) - 1
    old, new = _pages(read_first, tmp_path), _pages(laid_out_first, tmp_path)
    assert len(old) == len(new)
    for number, (a, b) in enumerate(zip(old, new, strict=True), start=1):
        assert np.array_equal(a, b), f"page {number} differs"


SVG = "<svg xmlns='http://www.w3.org/2000/svg' width='10pt' height='10pt'><rect width='5' height='5'/></svg>"
PAGE = '<img src="manyi-asset:chart-0.svg"><img src="manyi-asset:chart-1.svg">'


def test_a_chart_that_fails_when_its_page_is_painted_stops_the_report() -> None:
    with pytest.raises(ReportError, match=r"chart 1 \(bar_chart\) could not be drawn.*ValueError: no data"):
        html_to_pdf(PAGE, charts=Charts([SVG, SVG]), names=["ipa_chart", "bar_chart"], sizes=[(10.0, 10.0)] * 2)


def test_a_chart_drawn_at_another_size_than_laid_out_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="reports.chart_images"):
        pdf = html_to_pdf(PAGE, charts=[SVG, SVG], sizes=[(10.0, 10.0), (10.0, 12.0)])
    assert pdf.startswith(b"%PDF")
    assert [record.getMessage() for record in caplog.records] == [
        "chart manyi-asset:chart-1.svg was laid out at 10.00 x 12.00 pt but drawn at 10.00 x 10.00 pt"]
