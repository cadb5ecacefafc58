"""Charts with one row per label: bars with whiskers, 100 % stacked shares, dots with intervals.

They are as tall as their rows need, up to the page: with many rows (40 attributes, 50 units) the rows get
closer and the labels smaller and shorter (fewer lines), never past the page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from reports.charts.labels import block_height, line_count, wrap
from reports.charts.style import FILLS, FONT_SIZE, HATCHES, MAX_HEIGHT, WIDTH, chart, figure

#: Height of a row (inches) while the rows fit on the page.
ROW_PITCH = 0.32
#: The room of a row's label: a little over a third of the width (points).
LABEL_WIDTH = 0.36 * WIDTH * 72
#: The length of the value axis beside the labels (points), less the room of its tick labels.
AXIS_WIDTH = WIDTH * 72 - LABEL_WIDTH - 40
#: Label font sizes tried, largest first, when rows must get closer.
LABEL_SIZES = (FONT_SIZE, 8.0, 7.5, 7.0, 6.5, 6.0)
#: The smallest label size taken when labels must be cut anyway (smaller is not worth the few letters more).
MIN_CUT_SIZE = 7.0
#: Lines of an axis label or legend entry.
AXIS_LINES = 2
#: The inches of each chart of rows that are not rows (axis, axis label, legend, band names).
BAR_OVERHEAD, SHARES_OVERHEAD, DOTS_OVERHEAD = 0.8, 1.0, 1.1


def row_labels(labels: Sequence[Any], *, overhead: float) -> tuple[list[str], float, float]:
    """Wrapped row labels, their font size and the chart's height (inches) for ``len(labels)`` rows.

    ``overhead``: inches of the chart that are not rows (axis, axis label, legend). The rows share what is
    left of :data:`MAX_HEIGHT`; the largest font at which every label fits its row without an ellipsis is
    taken, else the largest font (labels cut with an ellipsis after the lines a row has room for).
    """
    rows = max(len(labels), 1)
    pitch = min(ROW_PITCH, (MAX_HEIGHT - overhead) / rows)
    room = 0.92 * pitch * 72  # the label block of a row, in points
    height = overhead + rows * pitch
    # The smallest size always has a line: 6 pt in a row of 0.09 in (90 rows) at the least.
    sizes = [size for size in LABEL_SIZES if block_height(1, size) <= room] or [LABEL_SIZES[-1]]
    cut = {}
    for size in sizes:
        lines = max(n for n in (1, 2, 3) if n == 1 or block_height(n, size) <= room)
        cut[size] = (sum(line_count(label, LABEL_WIDTH, size=size) > lines for label in labels), lines)
        if not cut[size][0]:
            break
    else:
        # Some labels are cut whatever the size: the size (7 pt or more) that cuts the fewest.
        size = min((s for s in sizes if s >= MIN_CUT_SIZE), key=lambda s: (cut[s][0], -s), default=sizes[0])
    return [wrap(label, LABEL_WIDTH, size=size, max_lines=cut[size][1]) for label in labels], size, height


def rows_height(overhead: float) -> Callable[..., float]:
    """The height (inches) of a chart of ``rows`` with ``overhead`` inches besides them, as :func:`row_labels`
    gives it: known before the chart is drawn."""
    def height(rows: Sequence[dict[str, Any]], **_: Any) -> float:
        return row_labels([row["label"] for row in rows], overhead=overhead)[2]
    return height


def axis_label(text: str, *, width: float) -> str:
    """An axis label in at most two lines of ``width`` points (the axis's length: it is centred on it)."""
    return wrap(text, width, size=FONT_SIZE, max_lines=AXIS_LINES)


@chart(height=rows_height(BAR_OVERHEAD))
def bar_chart(rows: Sequence[dict[str, Any]], *, xlabel: str) -> Figure:
    """Horizontal bars, largest on top, with interval whiskers.

    ``rows``: ``label``, ``value`` and optional ``low``, ``high`` (same unit as ``value``).
    """
    labels, size, height = row_labels([row["label"] for row in rows], overhead=BAR_OVERHEAD)
    fig = figure(height)
    ax = fig.add_subplot()
    positions = list(range(len(rows)))[::-1]
    values = [row["value"] for row in rows]
    # One series: a plain grey bar needs no pattern to be read in grayscale.
    ax.barh(positions, values, height=0.6, color="#bfbfbf", edgecolor="#202020", linewidth=0.6)
    whiskers = [(y, row) for y, row in zip(positions, rows, strict=True)
                if row.get("low") is not None and row.get("high") is not None]
    if whiskers:
        # One collection for all whiskers: a fraction of the SVG elements (and drawing time) of a line each.
        ax.add_collection(LineCollection(
            [segment for y, row in whiskers for segment in (
                [(row["low"], y), (row["high"], y)], [(row["low"], y - 0.15), (row["low"], y + 0.15)],
                [(row["high"], y - 0.15), (row["high"], y + 0.15)])],
            colors="black", linewidths=1.1))
    ax.set_yticks(positions, labels, fontsize=size)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel(axis_label(xlabel, width=AXIS_WIDTH))
    ax.set_xlim(left=0)
    ax.grid(axis="x", color="#cccccc", linewidth=0.5)
    ax.set_axisbelow(True)
    return fig


@chart(height=rows_height(SHARES_OVERHEAD))
def stacked_shares(rows: Sequence[dict[str, Any]], *, series: Sequence[str], names: Sequence[str]) -> Figure:
    """100 % stacked horizontal bars (detractors, passives, promoters), hatched per series.

    ``rows``: ``label`` and one share in [0, 1] per key of ``series``; ``names`` label the series.
    """
    labels, size, height = row_labels([row["label"] for row in rows], overhead=SHARES_OVERHEAD)
    fig = figure(height)
    ax = fig.add_subplot()
    positions = list(range(len(rows)))[::-1]
    left = [0.0] * len(rows)
    for key, name, hatch, fill in zip(series, names, HATCHES, FILLS, strict=False):
        widths = [100 * (row[key] or 0.0) for row in rows]
        ax.barh(positions, widths, left=left, height=0.6, color=fill, edgecolor="#202020", hatch=hatch,
                linewidth=0.6, label=wrap(name, WIDTH * 72 / 4, size=FONT_SIZE, max_lines=AXIS_LINES))
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_yticks(positions, labels, fontsize=size)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlim(0, 100)
    ax.set_xlabel("%")
    fig.legend(loc="outside lower center", ncol=3, frameon=False)
    return fig


@chart(height=rows_height(DOTS_OVERHEAD))
def interval_dots(rows: Sequence[dict[str, Any]], *, xlabel: str, bands: Sequence[tuple[float, float, str]] = (),
                  limits: tuple[float, float] | None = None) -> Figure:
    """One dot with an interval per row, top to bottom, over labelled vertical bands.

    ``rows``: ``label``, ``value``, optional ``low``, ``high``; ``bands``: ``(from, to, name)`` regions shaded
    alternately and named at the top (e.g. the basic / performance / excitement ranges of IA).
    """
    labels, size, height = row_labels([row["label"] for row in rows], overhead=DOTS_OVERHEAD)
    fig = figure(height)
    ax = fig.add_subplot()
    positions = list(range(len(rows)))[::-1]
    lo, hi = limits if limits else (min(r["value"] for r in rows), max(r["value"] for r in rows))
    # The band names sit above the rows, each in the room of its band.
    shown = [(max(start, lo), min(stop, hi), name) for start, stop, name in bands if min(stop, hi) > max(start, lo)]
    for index, (start, stop, name) in enumerate(shown):
        ax.axvspan(start, stop, facecolor="#ececec" if index % 2 == 0 else "#ffffff", zorder=0)
        room = max(AXIS_WIDTH * (stop - start) / (hi - lo) - 4, 30)
        ax.text((start + stop) / 2, 1.01, wrap(name, room, size=7.5, max_lines=AXIS_LINES),
                transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=7.5)
    for y, row in zip(positions, rows, strict=True):
        if row.get("low") is not None and row.get("high") is not None:
            ax.plot([max(row["low"], lo), min(row["high"], hi)], [y, y], color="black", linewidth=1.1)
        ax.scatter([row["value"]], [y], marker="D", s=22, color="black", zorder=3)
    ax.set_yticks(positions, labels, fontsize=size)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlim(lo, hi)
    ax.set_xlabel(axis_label(xlabel, width=AXIS_WIDTH))
    ax.axvline(0, color="#555555", linewidth=0.6)
    return fig

