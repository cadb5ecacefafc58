"""Scatter charts with a label at each point: importance against performance, impact range against performance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adjustText import adjust_text
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from reports.charts.bars import axis_label
from reports.charts.labels import wrap
from reports.charts.style import FONT_SIZE, MARKERS, WIDTH, chart, figure

#: The room of a point's label (points) and its lines.
POINT_LABEL_WIDTH = 100
POINT_LABEL_LINES = 2
#: The length of the x axis (points): the width less the y axis's labels.
PLOT_WIDTH = WIDTH * 72 - 90
#: A y-axis label's room: the height of the plot.
YLABEL_WIDTH = 2.6 * 72
#: The height of the scatter charts (inches).
SCATTER_HEIGHT = 3.6
#: adjustText stops after this many steps: left alone it runs until no two boxes touch, which for labels crowded
#: around the crosshairs took some 2,000 steps (1.1 s a chart) and placed them no better than 300 do
LABEL_STEPS = 300


@chart(height=SCATTER_HEIGHT)
def ipa_chart(points: Sequence[dict[str, Any]], *, xlabel: str, ylabel: str) -> Figure:
    """Importance-performance grid: one marked, labelled point per factor, crosshairs at the means.

    ``points``: ``label``, ``importance``, ``performance`` and, optionally, ``importance_ci`` and
    ``performance_ci`` ([low, high]), drawn as thin interval bars through the point.
    """
    fig = figure(SCATTER_HEIGHT)
    ax = fig.add_subplot()
    xs = [point["importance"] for point in points]
    ys = [point["performance"] for point in points]
    lows_x, highs_x, lows_y, highs_y = list(xs), list(xs), list(ys), list(ys)
    texts = []
    for index, point in enumerate(points):
        x_ci, y_ci = _interval(point.get("importance_ci")), _interval(point.get("performance_ci"))
        if x_ci or y_ci:
            ax.errorbar(point["importance"], point["performance"],
                        xerr=[[point["importance"] - x_ci[0]], [x_ci[1] - point["importance"]]] if x_ci else None,
                        yerr=[[point["performance"] - y_ci[0]], [y_ci[1] - point["performance"]]] if y_ci else None,
                        fmt="none", ecolor="#888888", elinewidth=0.7, capsize=2, zorder=2)
            lows_x[index], highs_x[index] = x_ci or (xs[index], xs[index])
            lows_y[index], highs_y[index] = y_ci or (ys[index], ys[index])
        ax.scatter(point["importance"], point["performance"], marker=MARKERS[index % len(MARKERS)],
                   s=36, facecolor="white" if index % 2 else "black", edgecolor="black", zorder=3)
        texts.append(ax.text(point["importance"], point["performance"],
                             wrap(point["label"], POINT_LABEL_WIDTH, size=7.5, max_lines=POINT_LABEL_LINES),
                             fontsize=7.5))
    if points:
        ax.axvline(sum(xs) / len(xs), color="#555555", linestyle="--", linewidth=0.8)
        ax.axhline(sum(ys) / len(ys), color="#555555", linestyle="--", linewidth=0.8)
        spread = max(max(highs_y) - min(lows_y), 5.0)
        ax.set_ylim(min(lows_y) - 0.3 * spread, max(highs_y) + 0.3 * spread)
        top = max(highs_x)
        ax.set_xlim(min(0.0, min(lows_x) * 1.1), top * 1.25 if top > 0 else 1)
    ax.set_xlabel(axis_label(xlabel, width=PLOT_WIDTH))
    ax.set_ylabel(wrap(ylabel, YLABEL_WIDTH, size=FONT_SIZE, max_lines=2))
    place_labels(fig, ax, texts, xs, ys)
    return fig


def _interval(bounds: Sequence[float | None] | None) -> tuple[float, float] | None:
    """A finite [low, high] as a tuple, else None."""
    if not bounds or any(b is None or b != b for b in bounds):
        return None
    return float(bounds[0]), float(bounds[1])


@chart(height=SCATTER_HEIGHT)
def class_scatter(points: Sequence[dict[str, Any]], *, classes: Sequence[tuple[str, str]], xlabel: str,
                  ylabel: str) -> Figure:
    """Labelled points, one marker shape per class, with a legend (impact range against performance).

    ``points``: ``label``, ``x``, ``y``, ``cls``; ``classes``: ``(cls, legend name)`` in legend order.
    """
    fig = figure(SCATTER_HEIGHT)
    ax = fig.add_subplot()
    for index, (cls, name) in enumerate(classes):
        chosen = [p for p in points if p["cls"] == cls]
        if chosen:
            ax.scatter([p["x"] for p in chosen], [p["y"] for p in chosen], marker=MARKERS[index],
                       s=40, facecolor=("black", "white", "#909090")[index % 3], edgecolor="black",
                       zorder=3, label=wrap(name, 140, size=FONT_SIZE, max_lines=2))
    texts = [ax.text(point["x"], point["y"], wrap(point["label"], POINT_LABEL_WIDTH, size=7,
                                                  max_lines=POINT_LABEL_LINES), fontsize=7) for point in points]
    xs, ys = [p["x"] for p in points], [p["y"] for p in points]
    if points:
        pad_x, pad_y = max(max(xs) - min(xs), 1.0) * 0.25, max(max(ys) - min(ys), 0.2) * 0.25
        ax.set_xlim(min(xs) - pad_x, max(xs) + 2 * pad_x)
        ax.set_ylim(max(min(ys) - pad_y, 0), max(ys) + pad_y)
    ax.set_xlabel(axis_label(xlabel, width=PLOT_WIDTH))
    ax.set_ylabel(wrap(ylabel, YLABEL_WIDTH, size=FONT_SIZE, max_lines=2))
    if any(p["cls"] == cls for p in points for cls, _ in classes):
        fig.legend(loc="outside lower center", ncol=3, frameon=False)
    place_labels(fig, ax, texts, xs, ys)
    return fig


def place_labels(fig: Figure, ax: Axes, texts: list[Text], xs: Sequence[float], ys: Sequence[float]) -> None:
    """Move the point labels apart from each other and from the points, inside the axes, each tied to its point
    by a thin line when it moved away (adjustText, at most :data:`LABEL_STEPS` steps; deterministic for the same
    input)."""
    if not texts:
        return
    fig.canvas.draw()  # the final layout first: adjustText measures the labels as they will be drawn
    adjust_text(texts, x=list(xs), y=list(ys), ax=ax, ensure_inside_axes=True, expand=(1.1, 1.25),
                iter_lim=LABEL_STEPS, arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.5})
