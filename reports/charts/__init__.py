"""Charts of the reports: matplotlib figures returned as inline SVG strings (vector, grayscale-readable).

Every function takes labelled plain data (already translated by :mod:`reports.context`) and returns an
``<svg>`` element ready to be placed in the HTML. Text stays text (``svg.fonttype = none``, escaped by
matplotlib) in the report's CJK font: it can be searched and copied in the PDF, and WeasyPrint draws it
several times faster than glyph outlines. Series are told apart by hatching and marker shape, not by colour
alone; hatches are sparse because WeasyPrint redraws a pattern for every shape that uses it.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import textwrap
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from reports.fonts import CJK_FAMILY, cjk_font_path

#: A4 text width (170 mm) in inches.
WIDTH = 6.7
#: Grayscale-distinct marker shapes for scatter points.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")
#: Stacked series: hatched light grey, white, solid dark grey - distinct in grayscale print.
HATCHES = ("///", "", "")
FILLS = ("#d0d0d0", "#ffffff", "#505050")
_RC = {
    "font.family": [CJK_FAMILY],
    "svg.fonttype": "none",
    "svg.hashsalt": None,
    "font.size": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.color": "#202020",
    "hatch.linewidth": 0.6,
}
#: Charts below which drawing them in other processes costs more than it saves.
MIN_PARALLEL_CHARTS = 4
#: At most this many drawing processes.
MAX_WORKERS = 4
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_STRIP = re.compile(r"<metadata>.*?</metadata>|<!--.*?-->", re.S)


@contextmanager
def _style() -> Iterator[None]:
    cjk_font_path()  # a clear error, not matplotlib's "missing glyph" warnings, when the font is absent
    with matplotlib.rc_context(_RC):
        yield


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=0.05)
    # Only the <svg> element: the XML prologue and DOCTYPE are not allowed inside HTML, and the metadata
    # (a timestamp) and comments are not needed.
    return _STRIP.sub("", _PROLOGUE.sub("", buffer.getvalue(), count=1))


def _text(label: str, width: int = 28) -> str:
    """A label as plain text: ``$`` would start matplotlib's mathtext; long labels wrap."""
    return textwrap.fill(str(label), width=width).replace("$", r"\$")


def bar_chart(rows: Sequence[dict[str, Any]], *, xlabel: str) -> str:
    """Horizontal bars, largest on top, with interval whiskers.

    ``rows``: ``label``, ``value`` and optional ``low``, ``high`` (same unit as ``value``).
    """
    with _style():
        fig = Figure(figsize=(WIDTH, 0.8 + 0.32 * len(rows)))
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
        ax.set_yticks(positions, [_text(row["label"], 36) for row in rows])
        ax.set_xlabel(_text(xlabel, 80))
        ax.set_xlim(left=0)
        ax.grid(axis="x", color="#cccccc", linewidth=0.5)
        ax.set_axisbelow(True)
        return _svg(fig)


def ipa_chart(points: Sequence[dict[str, Any]], *, xlabel: str, ylabel: str) -> str:
    """Importance-performance grid: one marked, labelled point per factor, crosshairs at the means.

    ``points``: ``label``, ``importance``, ``performance``.
    """
    with _style():
        fig = Figure(figsize=(WIDTH, 3.6))
        ax = fig.add_subplot()
        xs = [point["importance"] for point in points]
        ys = [point["performance"] for point in points]
        for index, point in enumerate(points):
            ax.scatter(point["importance"], point["performance"], marker=MARKERS[index % len(MARKERS)],
                       s=36, facecolor="white" if index % 2 else "black", edgecolor="black", zorder=3)
            ax.annotate(_text(point["label"], 22), (point["importance"], point["performance"]),
                        xytext=(5, 4), textcoords="offset points", fontsize=7.5)
        if points:
            ax.axvline(sum(xs) / len(xs), color="#555555", linestyle="--", linewidth=0.8)
            ax.axhline(sum(ys) / len(ys), color="#555555", linestyle="--", linewidth=0.8)
            spread = max(max(ys) - min(ys), 5.0)
            ax.set_ylim(min(ys) - 0.3 * spread, max(ys) + 0.3 * spread)
            ax.set_xlim(0, max(xs) * 1.25 if max(xs) > 0 else 1)
        ax.set_xlabel(_text(xlabel, 80))
        ax.set_ylabel(_text(ylabel, 40))
        return _svg(fig)


def stacked_shares(rows: Sequence[dict[str, Any]], *, series: Sequence[str], names: Sequence[str]) -> str:
    """100 % stacked horizontal bars (detractors, passives, promoters), hatched per series.

    ``rows``: ``label`` and one share in [0, 1] per key of ``series``; ``names`` label the series.
    """
    with _style():
        fig = Figure(figsize=(WIDTH, 0.9 + 0.3 * len(rows)))
        ax = fig.add_subplot()
        positions = list(range(len(rows)))[::-1]
        left = [0.0] * len(rows)
        for key, name, hatch, fill in zip(series, names, HATCHES, FILLS, strict=False):
            widths = [100 * (row[key] or 0.0) for row in rows]
            ax.barh(positions, widths, left=left, height=0.6, color=fill, edgecolor="#202020", hatch=hatch,
                    linewidth=0.6, label=_text(name))
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.set_yticks(positions, [_text(row["label"], 30) for row in rows])
        ax.set_xlim(0, 100)
        ax.set_xlabel("%")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25 if len(rows) < 4 else -0.12), ncol=3,
                  frameon=False)
        return _svg(fig)


def path_diagram(nodes: Sequence[dict[str, Any]], edges: Sequence[dict[str, Any]]) -> str:
    """The structural model in layers: exogenous constructs on the left, each target right of its sources.

    ``nodes``: ``name``, ``label`` and optional ``r2`` text; ``edges``: ``source``, ``target``, ``coef``
    (text), ``weight`` (|coefficient|, sets the line width) and ``significant``.
    """
    layers = _layers([node["name"] for node in nodes], [(edge["source"], edge["target"]) for edge in edges])
    columns: dict[int, list[str]] = {}
    for node in nodes:
        columns.setdefault(layers[node["name"]], []).append(node["name"])
    position: dict[str, tuple[float, float]] = {}
    for layer, names in columns.items():
        for row, name in enumerate(names):
            # A lone construct in its layer alternates above and below the centre line, so that arrows that
            # skip a layer do not run through the box in between.
            y = (0.6 if layer % 2 == 0 else -0.6) if len(names) == 1 else 1.2 * ((len(names) - 1) / 2 - row)
            position[name] = (float(layer), y)
    n_layers = max(layers.values(), default=0) + 1
    with _style():
        fig = Figure(figsize=(WIDTH, 3.6))
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_xlim(-0.55, n_layers - 0.45)
        ax.set_ylim(-1.25, 1.55)
        box_w, box_h = 0.8, 0.5
        boxes = {}
        for node in nodes:
            x, y = position[node["name"]]
            boxes[node["name"]] = ax.add_patch(FancyBboxPatch(
                (x - box_w / 2, y - box_h / 2), box_w, box_h, boxstyle="round,pad=0.02", facecolor="#f2f2f2",
                edgecolor="black", linewidth=0.9, zorder=2))
            text = _text(node["label"], 10)
            if node.get("r2"):
                text += f"\nR² {node['r2']}"
            ax.text(x, y, text, ha="center", va="center", fontsize=7, zorder=3)
        for edge in edges:
            start, end = position[edge["source"]], position[edge["target"]]
            span = abs(layers[edge["target"]] - layers[edge["source"]])
            # Arrows that skip layers bend away from the boxes they pass: up along the top row, down along
            # the bottom row. arc3 bends to the right of the direction of travel, hence the signs.
            rad = 0.0
            if span > 1 and start[1] > 0 and end[1] > 0:
                rad = -0.22 if end[0] > start[0] else 0.22
            elif span > 1 and start[1] < 0 and end[1] < 0:
                rad = 0.22 if end[0] > start[0] else -0.22
            ax.add_patch(FancyArrowPatch(
                start, end, connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>", mutation_scale=9,
                linewidth=0.5 + 2.5 * min(edge["weight"], 1.0), color="#202020",
                linestyle="-" if edge["significant"] else (0, (4, 2)), zorder=1,
                patchA=boxes[edge["source"]], patchB=boxes[edge["target"]], shrinkA=1, shrinkB=2))
            ax.text(*_along_arc(ax, start, end, rad, 0.42), edge["coef"], ha="center", va="center",
                    fontsize=7, zorder=4,
                    bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none"})
        return _svg(fig)


def _along_arc(ax: Any, start: tuple[float, float], end: tuple[float, float], rad: float,
               t: float) -> tuple[float, float]:
    """The point at ``t`` along matplotlib's arc3 connection (a quadratic Bezier built in display space)."""
    p0, p2 = ax.transData.transform(start), ax.transData.transform(end)
    d = p2 - p0
    control = (p0 + p2) / 2 + rad * np.array([d[1], -d[0]])
    point = (1 - t) ** 2 * p0 + 2 * t * (1 - t) * control + t**2 * p2
    x, y = ax.transData.inverted().transform(point)
    return float(x), float(y)


def _layers(names: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layering of an acyclic graph (the analysis refuses cyclic models)."""
    sources: dict[str, list[str]] = {name: [] for name in names}
    for source, target in edges:
        sources.setdefault(target, []).append(source)
        sources.setdefault(source, [])
    layer: dict[str, int] = {}

    def depth(name: str, seen: frozenset[str]) -> int:
        if name not in layer:
            if name in seen:  # defensive: a cycle would otherwise recurse forever
                return 0
            layer[name] = 1 + max((depth(s, seen | {name}) for s in sources[name]), default=-1)
        return layer[name]

    for name in sources:
        depth(name, frozenset())
    return layer


def loyalty_curve(levels: Sequence[dict[str, Any]], *, zone: Sequence[str] | None, jump: Sequence[str] | None,
                  xlabel: str, ylabel: str, zone_label: str, jump_label: str) -> str:
    """The satisfaction-loyalty curve: loyal share per satisfaction level with its interval whiskers.

    ``levels``: ``label``, ``share`` and optional ``low``, ``high`` (percent; ``share`` ``None`` for a level
    nobody chose). ``zone`` and ``jump``: the first and last level labels of the zone of indifference (shaded)
    and of the largest significant rise (an arrow), or ``None``.
    """
    labels = [str(level["label"]) for level in levels]
    with _style():
        fig = Figure(figsize=(WIDTH, 3.0))
        ax = fig.add_subplot()
        xs = [i for i, level in enumerate(levels) if level.get("share") is not None]
        ys = [levels[i]["share"] for i in xs]
        if zone and zone[0] in labels and zone[1] in labels:
            left, right = labels.index(zone[0]), labels.index(zone[1])
            ax.axvspan(left - 0.4, right + 0.4, facecolor="#e4e4e4", edgecolor="#888888",
                       linewidth=0.5, zorder=0)
            ax.text((left + right) / 2, 103, _text(zone_label, 40), ha="center", va="bottom", fontsize=7.5)
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
                ax.annotate(_text(jump_label, 30), xy=((start + end) / 2, (y0 + y1) / 2), xytext=(-8, 0),
                            textcoords="offset points", ha="right", va="center", fontsize=7.5,
                            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
        ax.set_xticks(range(len(levels)), labels)
        ax.set_xlim(-0.6, len(levels) - 0.4)
        ax.set_ylim(0, 112)
        ax.set_yticks([0, 20, 40, 60, 80, 100])
        ax.set_xlabel(_text(xlabel, 80))
        ax.set_ylabel(_text(ylabel, 40))
        ax.grid(axis="y", color="#cccccc", linewidth=0.5)
        ax.set_axisbelow(True)
        return _svg(fig)


def interval_dots(rows: Sequence[dict[str, Any]], *, xlabel: str, bands: Sequence[tuple[float, float, str]] = (),
                  limits: tuple[float, float] | None = None) -> str:
    """One dot with an interval per row, top to bottom, over labelled vertical bands.

    ``rows``: ``label``, ``value``, optional ``low``, ``high``; ``bands``: ``(from, to, name)`` regions shaded
    alternately and named at the top (e.g. the basic / performance / excitement ranges of IA).
    """
    with _style():
        fig = Figure(figsize=(WIDTH, 1.0 + 0.32 * len(rows)))
        ax = fig.add_subplot()
        positions = list(range(len(rows)))[::-1]
        lo, hi = limits if limits else (min(r["value"] for r in rows), max(r["value"] for r in rows))
        for index, (start, stop, name) in enumerate(bands):
            ax.axvspan(max(start, lo), min(stop, hi), facecolor="#ececec" if index % 2 == 0 else "#ffffff",
                       zorder=0)
            ax.text((max(start, lo) + min(stop, hi)) / 2, len(rows) - 0.35, _text(name, 18), ha="center",
                    va="bottom", fontsize=7.5)
        for y, row in zip(positions, rows, strict=True):
            if row.get("low") is not None and row.get("high") is not None:
                ax.plot([max(row["low"], lo), min(row["high"], hi)], [y, y], color="black", linewidth=1.1)
            ax.scatter([row["value"]], [y], marker="D", s=22, color="black", zorder=3)
        ax.set_yticks(positions, [_text(row["label"], 36) for row in rows])
        ax.set_ylim(-0.6, len(rows) + 0.3)
        ax.set_xlim(lo, hi)
        ax.set_xlabel(_text(xlabel, 80))
        ax.axvline(0, color="#555555", linewidth=0.6)
        return _svg(fig)


def class_scatter(points: Sequence[dict[str, Any]], *, classes: Sequence[tuple[str, str]], xlabel: str,
                  ylabel: str) -> str:
    """Labelled points, one marker shape per class, with a legend (impact range against performance).

    ``points``: ``label``, ``x``, ``y``, ``cls``; ``classes``: ``(cls, legend name)`` in legend order.
    """
    with _style():
        fig = Figure(figsize=(WIDTH, 3.4))
        ax = fig.add_subplot()
        for index, (cls, name) in enumerate(classes):
            chosen = [p for p in points if p["cls"] == cls]
            if chosen:
                ax.scatter([p["x"] for p in chosen], [p["y"] for p in chosen], marker=MARKERS[index],
                           s=40, facecolor=("black", "white", "#909090")[index % 3], edgecolor="black",
                           zorder=3, label=_text(name, 30))
        for point in points:
            ax.annotate(_text(point["label"], 22), (point["x"], point["y"]), xytext=(5, 3),
                        textcoords="offset points", fontsize=7)
        xs, ys = [p["x"] for p in points], [p["y"] for p in points]
        if points:
            pad_x, pad_y = max(max(xs) - min(xs), 1.0) * 0.25, max(max(ys) - min(ys), 0.2) * 0.25
            ax.set_xlim(min(xs) - pad_x, max(xs) + 2 * pad_x)
            ax.set_ylim(max(min(ys) - pad_y, 0), max(ys) + pad_y)
        ax.set_xlabel(_text(xlabel, 80))
        ax.set_ylabel(_text(ylabel, 40))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)
        return _svg(fig)


#: Line styles that stay apart in grayscale, with :data:`MARKERS`.
LINESTYLES = ("-", "--", ":", "-.")


def trend_chart(series: Sequence[dict[str, Any]], *, waves: Sequence[str], ylabel: str) -> str:
    """Values per wave, one line per measure (own marker and dash), with interval whiskers.

    ``series``: ``label`` and ``points`` (``wave``, ``value``, optional ``low``, ``high``); waves a measure was
    not comparable in are simply absent from its points.
    """
    with _style():
        fig = Figure(figsize=(WIDTH, 2.9))
        ax = fig.add_subplot()
        position = {wave: i for i, wave in enumerate(waves)}
        for index, line in enumerate(series):
            points = [p for p in line["points"] if p.get("value") is not None and p["wave"] in position]
            if not points:
                continue
            # Each line a little to the side, so that overlapping whiskers stay apart.
            offset = (index - (len(series) - 1) / 2) * 0.06
            xs = [position[p["wave"]] + offset for p in points]
            ax.plot(xs, [p["value"] for p in points], linestyle=LINESTYLES[index % len(LINESTYLES)],
                    marker=MARKERS[index % len(MARKERS)], color="black", markerfacecolor="white" if index % 2
                    else "black", linewidth=1.1, markersize=5, label=_text(line["label"], 40))
            bounded = [(x, p) for x, p in zip(xs, points, strict=True)
                       if p.get("low") is not None and p.get("high") is not None]
            if bounded:
                ax.vlines([x for x, _ in bounded], [p["low"] for _, p in bounded], [p["high"] for _, p in bounded],
                          color="#404040", linewidth=0.8)
        ax.set_xticks(range(len(waves)), [_text(w, 14) for w in waves])
        ax.set_xlim(-0.4, len(waves) - 0.6)
        ax.set_ylabel(_text(ylabel, 40))
        ax.grid(axis="y", color="#cccccc", linewidth=0.5)
        ax.set_axisbelow(True)
        if series:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7.5)
        return _svg(fig)


#: The chart functions :func:`draw_all` may call, by name.
CHARTS = ("bar_chart", "ipa_chart", "stacked_shares", "path_diagram", "loyalty_curve", "interval_dots",
          "class_scatter", "trend_chart")


def _draw(request: tuple[str, Sequence[Any], Mapping[str, Any]]) -> str:
    name, args, kwargs = request
    if name not in CHARTS:
        raise ValueError(f"unknown chart {name!r}; one of {CHARTS}")
    return globals()[name](*args, **kwargs)


def workers() -> int:
    """How many processes :func:`draw_all` uses: the cores this process may run on, at most
    :data:`MAX_WORKERS`; 1 (draw here) when other threads run, because forking a threaded process can copy
    a lock another thread holds (a web server's threads, say)."""
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, MAX_WORKERS))


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
