"""Every table of the demo reports and of the stress model lies within the page margins, in English and Chinese.

The report's HTML (without its charts: :mod:`tests.reports.test_chart_layout` lays those out) is laid out by
WeasyPrint with the report's stylesheet, and the box of every table cell and every piece of text in a table is
checked against the printable area the stylesheet's ``@page`` margins leave. The stress model of
``bench.report_bench`` has the largest tables: 20 constructs (an HTMT matrix of 19 columns), 40 attribute items,
50 units, long labels.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from weasyprint import HTML
from weasyprint.formatting_structure.boxes import Box, MarginBox, TableBox, TableCellBox, TextBox

from bench.report_bench import stress_labels
from reports.charts.style import MARGINS_MM
from reports.context import build_context
from reports.context.base import column_chunks
from reports.context.rules import TABLE_COLUMNS
from reports.render import ASSET_SCHEME, AssetFetcher, render_html, stylesheet
from tests.reports.conftest import customer_labels, employee_labels

#: CSS pixels per millimetre (WeasyPrint lays out in CSS pixels, 96 to the inch).
PX_PER_MM = 96 / 25.4
#: Slack (CSS pixels) for rounding in the layout.
SLACK = 1.0
CASES = [f"{kind}-{lang}" for lang in ("en", "zh")
         for kind in ("customer", "employee", "stress-customers", "stress-employees")]

Offenders = dict[str, list[str]]


def tables_of(page: Any) -> Iterator[tuple[str, Box]]:
    """(table name, box) for every box laid out inside a table on ``page``; a table is named by its section and
    its CSS class ("appendix: table.matrix")."""
    def walk(box: Box, section: str, table: str | None) -> Iterator[tuple[str, Box]]:
        element = getattr(box, "element", None)
        if element is not None and box.element_tag == "section" and element.get("id"):
            section = element.get("id")
        if isinstance(box, TableBox):
            table = f"{section}: table.{element.get('class') or ''}"
        if table is not None:
            yield table, box
        for child in getattr(box, "children", ()):
            if not isinstance(child, MarginBox):  # the running header and the page number
                yield from walk(child, section, table)

    # WeasyPrint keeps a page's laid-out boxes in Page._page_box (it has no public API for them).
    yield from walk(page._page_box, "", None)


def offenders_of(html: str) -> tuple[Offenders, int]:
    """What crosses a page margin, by table, and how many cells were checked."""
    document = HTML(string=html, base_url=ASSET_SCHEME, url_fetcher=AssetFetcher()).render()
    top, right, bottom, left = (margin * PX_PER_MM for margin in MARGINS_MM)
    offenders: Offenders = {}
    cells = 0
    for number, page in enumerate(document.pages, start=1):
        width, height = page._page_box.margin_width(), page._page_box.margin_height()
        for table, box in tables_of(page):
            if isinstance(box, TableCellBox):
                cells += 1
                x0, y0, x1, y1 = (box.border_box_x(), box.border_box_y(), box.border_box_x() + box.border_width(),
                                  box.border_box_y() + box.border_height())
                what = "a cell"
            elif isinstance(box, TextBox):
                x0, y0, x1, y1 = (box.position_x, box.position_y, box.position_x + box.width,
                                  box.position_y + box.height)
                what = repr(box.text)
            else:
                continue
            if x0 < left - SLACK or x1 > width - right + SLACK or y0 < top - SLACK or y1 > height - bottom + SLACK:
                offenders.setdefault(table, []).append(
                    f"page {number}: {what} at x {x0:.0f}-{x1:.0f}, y {y0:.0f}-{y1:.0f} px "
                    f"(the printable area is x {left:.0f}-{width - right:.0f}, y {top:.0f}-{height - bottom:.0f})")
    return offenders, cells


@pytest.fixture(scope="module")
def laid_out(result: dict[str, Any], employee_result: dict[str, Any],
             stress: dict[str, Any]) -> Callable[[str], tuple[Offenders, int]]:
    """The offenders of each case's report, laid out once when first asked for."""
    @functools.cache
    def of(case: str) -> tuple[Offenders, int]:
        kind, lang = case.rsplit("-", 1)
        source, meta = {
            "customer": (result, {"labels": customer_labels(lang)}),
            "employee": (employee_result, {"labels": employee_labels(lang)}),
            "stress-customers": (stress, {"labels": stress_labels(lang), "population": "customers"}),
            "stress-employees": (stress, {"labels": stress_labels(lang), "population": "employees"}),
        }[kind]
        return offenders_of(render_html(source, lang=lang, meta=meta, charts=False))

    return of


@pytest.mark.parametrize("case", CASES)
def test_every_table_stays_within_the_margins(laid_out: Callable[[str], tuple[Offenders, int]], case: str) -> None:
    offenders, cells = laid_out(case)
    assert cells > (2000 if case.startswith("stress") else 200)  # the tables were laid out and seen
    assert not offenders, "\n".join(f"{table}: {len(found)} boxes cross a margin, e.g. {found[0]}"
                                    for table, found in offenders.items())


def test_the_check_sees_a_table_crossing_the_margin() -> None:
    # The checks above would pass vacuously if no box were measured; a table of 30 numbers must be caught.
    row = "".join(f'<td class="num">{1000 + i:,}.00</td>' for i in range(30))
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{stylesheet()}</style></head><body>"
            f'<section id="x"><table class="wide"><tr>{row}</tr></table></section></body></html>')
    offenders, cells = offenders_of(html)
    assert cells == 30
    assert list(offenders) == ["x: table.wide"]


def test_htmt_tables_have_every_pair_once_and_at_most_table_columns(stress: dict[str, Any]) -> None:
    names = list(stress["pls"]["htmt"])
    labels = stress_labels("en")
    htmt = build_context(stress, lang="en", meta={"labels": labels}, charts=False)["appendix"]["htmt"]
    seen = []
    for table in htmt["tables"]:
        assert len(table["header"]) <= TABLE_COLUMNS
        for row in table["rows"]:
            assert len(row["cells"]) == len(table["header"])
            seen += [(row["label"], column) for column, cell in zip(table["header"], row["cells"], strict=True)
                     if cell]
    expected = [(labels[a], labels[b]) for i, a in enumerate(names) for b in names[:i]]
    assert sorted(seen) == sorted(expected)


def test_columns_are_split_into_as_few_tables_as_fit_of_near_equal_widths() -> None:
    assert [len(chunk) for chunk in column_chunks(range(50), 7)] == [7, 7, 6, 6, 6, 6, 6, 6]
    assert [len(chunk) for chunk in column_chunks(range(19), TABLE_COLUMNS)] == [5, 5, 5, 4]
    assert column_chunks("abc", 3) == [["a", "b", "c"]]
    assert column_chunks([], 3) == []
    assert sum(column_chunks(list(range(20)), 6), []) == list(range(20))
    with pytest.raises(ValueError, match="at least one column"):
        column_chunks("abc", 0)
