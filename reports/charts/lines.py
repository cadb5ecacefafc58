"""Line charts: the satisfaction-loyalty curve and values per wave."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

from reports.charts.bars import axis_label
from reports.charts.labels import block_height, wrap
from reports.charts.points import PLOT_WIDTH, YLABEL_WIDTH
from reports.charts.style import FONT_SIZE, LINESTYLES, MARKERS, MAX_HEIGHT, WIDTH, chart, figure

#: The room of a legend entry of the trend chart (points) and its lines.
LEGEND_WIDTH = 110
LEGEND_LINES = 2
#: The height of the satisfaction-loyalty curve (inches).
CURVE_HEIGHT = 3.0


@chart(height=CURVE_HEIGHT)
def loyalty_curve(levels: Sequence[dict[str, Any]], *, zone: Sequence[str] | None, jump: Sequence[str] | None,
                  xlabel: str, ylabel: str, zone_label: str, jump_label: str) -> Figure:
    """The satisfaction-loyalty curve: loyal share per satisfaction level with its interval whiskers.

    ``levels``: ``label``, ``share`` and optional ``low``, ``high`` (percent; ``share`` ``None`` for a level
    nobody chose). ``zone`` and ``jump``: the first and last level labels of the zone of indifference (shaded)
    and of the largest significant rise (an arrow), or ``None``.
    """
    labels = [str(level["label"]) for level in levels]
    fig = figure(CURVE_HEIGHT)
    ax = fig.add_subplot()
    xs = [i for i, level in enumerate(levels) if level.get("share") is not None]
    ys = [levels[i]["share"] for i in xs]
    if zone and zone[0] in labels and zone[1] in labels:
        left, right = labels.index(zone[0]), labels.index(zone[1])
        ax.axvspan(left - 0.4, right + 0.4, facecolor="#e4e4e4", edgecolor="#888888", linewidth=0.5, zorder=0)
        ax.text((left + right) / 2, 103, wrap(zone_label, 200, size=7.5, max_lines=2), ha="center", va="bottom",
                fontsize=7.5)
    ax.plot(xs, ys, color="black", linewidth=1.2, marker="o", markersize=4, zorder=3)
    bounded = [i for i in xs if levels[i].get("low") is not None and levels[i].get("high") is not None]
    if bounded:
        ax.vlines(bounded, [levels[i]["low"] for i in bounded], [levels[i]["high"] for i in bounded],
                  color="#444444", linewidth=0.9, zorder=2)
    if jump and jump[0] in labels and jump[1] in labels:
        start, end = labels.index(jump[0]), labels.index(jump[1])
        y0, y1 = levels[start].get("share"), levels[end].get("share")
        if y0 is not None and y1 is not None:
            ax.annotate("", xy=(end, y1), xytext=(start, y0), zorder=4,
                        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.8,
                                    "shrinkA": 4, "shrinkB": 4})
            ax.annotate(wrap(jump_label, 150, size=7.5, max_lines=3), xy=((start + end) / 2, (y0 + y1) / 2),
                        xytext=(-8, 0), textcoords="offset points", ha="right", va="center", fontsize=7.5,
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
    ax.set_xticks(range(len(levels)), [wrap(label, WIDTH * 72 * 0.8 / max(len(levels), 1), size=FONT_SIZE,
                                            max_lines=2) for label in labels])
    ax.set_xlim(-0.6, len(levels) - 0.4)
    ax.set_ylim(0, 112)
    ax.set_yticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel(axis_label(xlabel, width=PLOT_WIDTH))
    ax.set_ylabel(wrap(ylabel, YLABEL_WIDTH, size=FONT_SIZE, max_lines=2))
    ax.grid(axis="y", color="#cccccc", linewidth=0.5)
    ax.set_axisbelow(True)
    return fig


def _legend(series: Sequence[dict[str, Any]]) -> list[str]:
    """The trend chart's legend entries, wrapped."""
    return [wrap(line["label"], LEGEND_WIDTH, size=7.5, max_lines=LEGEND_LINES) for line in series]


def _legend_height(legend: Sequence[str]) -> float:
    """The trend chart's height (inches) for its wrapped ``legend``: tall enough for the legend beside the plot
    (20 measures or more)."""
    entries = sum(block_height(text.count("\n") + 1, 7.5) + 5 for text in legend) / 72
    return min(max(2.9, entries + 0.4), MAX_HEIGHT)


def _trend_height(series: Sequence[dict[str, Any]], **_: Any) -> float:
    return _legend_height(_legend(series))


@chart(height=_trend_height)
def trend_chart(series: Sequence[dict[str, Any]], *, waves: Sequence[str], ylabel: str) -> Figure:
    """Values per wave, one line per measure (own marker and dash), with interval whiskers.

    ``series``: ``label`` and ``points`` (``wave``, ``value``, optional ``low``, ``high``); waves a measure was
    not comparable in are simply absent from its points.
    """
    legend = _legend(series)
    fig = figure(_legend_height(legend))
    ax = fig.add_subplot()
    position = {wave: i for i, wave in enumerate(waves)}
    for index, line in enumerate(series):
        points = [p for p in line["points"] if p.get("value") is not None and p["wave"] in position]
        if not points:
            continue
        # Each line a little to the side, so that overlapping whiskers stay apart.
        offset = (index - (len(series) - 1) / 2) * min(0.06, 0.6 / max(len(series), 1))
        xs = [position[p["wave"]] + offset for p in points]
        ax.plot(xs, [p["value"] for p in points], linestyle=LINESTYLES[index % len(LINESTYLES)],
                marker=MARKERS[index % len(MARKERS)], color="black", markerfacecolor="white" if index % 2
                else "black", linewidth=1.1, markersize=5, label=legend[index])
        bounded = [(x, p) for x, p in zip(xs, points, strict=True)
                   if p.get("low") is not None and p.get("high") is not None]
        if bounded:
            ax.vlines([x for x, _ in bounded], [p["low"] for _, p in bounded], [p["high"] for _, p in bounded],
                      color="#404040", linewidth=0.8)
    ax.set_xticks(range(len(waves)), [wrap(w, WIDTH * 72 * 0.6 / max(len(waves), 1), size=FONT_SIZE,
                                           max_lines=2) for w in waves])
    ax.set_xlim(-0.4, len(waves) - 0.6)
    ax.set_ylabel(wrap(ylabel, YLABEL_WIDTH, size=FONT_SIZE, max_lines=2))
    ax.grid(axis="y", color="#cccccc", linewidth=0.5)
    ax.set_axisbelow(True)
    if series:
        fig.legend(loc="outside right upper", frameon=False, fontsize=7.5)
    return fig
