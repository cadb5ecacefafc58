"""The path diagram of the structural model, laid out by Graphviz and drawn by matplotlib.

Graphviz's ``dot`` (Debian package graphviz, a run dependency) places the constructs in layers, one column per
step of the model from the exogenous constructs to the final outcome, orders each layer to cross as few
arrows as it can, routes each arrow around the boxes as a spline, and puts each coefficient beside its arrow
where it overlaps nothing. We give it the size of every box (measured with the report's font, labels wrapped
by :mod:`reports.charts.labels`), run ``dot -Tjson`` and draw what it returns in the charts' style: boxes,
labels, R², splines and arrowheads, coefficients. ``dot`` is called directly, not through a binding: its
JSON output is the whole interface, and a Python package would add nothing but a dependency.

A layout wider or taller than the page (up to 20 constructs and more) is laid out again left-to-right and
top-to-bottom, with wide and narrow boxes, and the one that needs the least shrinking is scaled down to fit
the page's width and the height left under the section's heading.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, PathPatch, Polygon
from matplotlib.path import Path

from reports.charts.labels import block_height, plain, text_width, wrap_lines
from reports.charts.style import MAX_HEIGHT, WIDTH, chart
from reports.errors import ReportError

MISSING_GRAPHVIZ = ("Graphviz's 'dot' program, which lays out the path diagram of the report, is not installed. "
                    "Install the Debian package graphviz (`make` does this; or `apt-get install graphviz`) "
                    "and run again.")
#: Seconds ``dot`` may take (a 20-construct model takes a few hundredths).
DOT_TIMEOUT = 30
#: Font sizes (points) at scale 1: construct labels, R², coefficients.
LABEL_SIZE = 8.0
R2_SIZE = 7.0
COEF_SIZE = 7.5
#: Lines of a construct's label; the rest is cut with an ellipsis.
LABEL_LINES = 3
#: Label widths (points) tried: wide boxes first, narrow ones (more lines) for large models.
LABEL_WIDTHS = (92.0, 66.0)
#: Padding inside a box and the smallest box (points).
PAD = 5.0
MIN_BOX = (48.0, 24.0)
#: Space between boxes in a layer and between layers (inches, Graphviz's nodesep and ranksep).
NODESEP = 0.16
RANKSEP = 0.35
#: Arrowhead length (points) at scale 1.
ARROW = 6.0
#: Blank border of the drawing (points).
MARGIN = 4.0


def dot_program() -> str:
    """The path of Graphviz's ``dot``; :class:`ReportError` naming the Debian package when it is missing."""
    program = shutil.which("dot")
    if program is None:
        raise ReportError(MISSING_GRAPHVIZ)
    return program


@dataclass
class Layout:
    """One Graphviz layout: boxes and arrows in points (y up), and the scale that fits it on the page."""

    rankdir: str
    label_width: float
    bounds: tuple[float, float]
    boxes: dict[str, tuple[float, float, float, float]]  # name -> centre x, centre y, width, height
    splines: list[tuple[list[tuple[float, float]], tuple[float, float]]]  # per edge: control points, tip
    coefs: list[tuple[float, float] | None]  # per edge: where its coefficient goes
    scale: float


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _box(label: Sequence[str], r2: str) -> tuple[float, float]:
    """Width and height (points) of a construct's box at scale 1."""
    width = max([text_width(line, LABEL_SIZE) for line in label] + [text_width(r2, R2_SIZE) if r2 else 0])
    height = block_height(len(label), LABEL_SIZE) + (block_height(1, R2_SIZE) + 3 if r2 else 0)
    return max(width + 2 * PAD, MIN_BOX[0]), max(height + 2 * PAD, MIN_BOX[1])


def _dot(nodes: Sequence[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]], labels: Mapping[str, list[str]],
         rankdir: str, label_width: float) -> Layout:
    """Lay the model out with ``dot`` in direction ``rankdir`` (``LR`` or ``TB``)."""
    ids = {node["name"]: f"n{index}" for index, node in enumerate(nodes)}
    lines = [f"digraph model {{ rankdir={rankdir}; nodesep={NODESEP}; ranksep={RANKSEP}; splines=spline; "
             f"margin=0; pad=0; newrank=true;",
             f'node [shape=box, fixedsize=true, label=""]; '
             f'edge [fontname="DejaVu Sans", fontsize={COEF_SIZE}, arrowsize={ARROW / 10}];']
    for node in nodes:
        width, height = _box(labels[node["name"]], str(node.get("r2") or ""))
        lines.append(f'{ids[node["name"]]} [width={width / 72:.4f}, height={height / 72:.4f}];')
    for edge in edges:
        # The coefficient as the edge's label: dot reserves room for it beside its arrow (a space either side,
        # so that it does not touch the line).
        lines.append(f'{ids[edge["source"]]} -> {ids[edge["target"]]} [label={_quote(" " + edge["coef"] + " ")}];')
    lines.append("}")
    try:
        run = subprocess.run([dot_program(), "-Tjson"], input="\n".join(lines), capture_output=True, text=True,
                             timeout=DOT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ReportError(f"Graphviz's dot could not lay out the path diagram: {error}") from None
    if run.returncode != 0:
        raise ReportError(f"Graphviz's dot could not lay out the path diagram: {run.stderr.strip()}")
    graph = json.loads(run.stdout)
    x0, y0, x1, y1 = (float(v) for v in graph["bb"].split(","))
    names = {value: key for key, value in ids.items()}
    boxes, by_gvid = {}, {}
    for obj in graph.get("objects") or []:
        if obj["name"] in names:
            by_gvid[obj["_gvid"]] = names[obj["name"]]
            x, y = (float(v) for v in obj["pos"].split(","))
            boxes[names[obj["name"]]] = (x - x0, y - y0, float(obj["width"]) * 72, float(obj["height"]) * 72)
    drawn = {}
    for edge in graph.get("edges") or []:
        points, tip = [], None
        for token in edge["pos"].split():
            parts = token.split(",")
            if parts[0] == "e":
                tip = (float(parts[1]) - x0, float(parts[2]) - y0)
            elif parts[0] != "s":
                points.append((float(parts[0]) - x0, float(parts[1]) - y0))
        x, y = (float(v) for v in edge["lp"].split(",")) if edge.get("lp") else (None, None)
        # A model has at most one path from a construct to another, so the two ends name the edge.
        drawn[by_gvid[edge["tail"]], by_gvid[edge["head"]]] = (
            (points, tip or points[-1]), (x - x0, y - y0) if x is not None else None)
    splines = [drawn[edge["source"], edge["target"]][0] for edge in edges]
    coefs = [drawn[edge["source"], edge["target"]][1] for edge in edges]
    width, height = x1 - x0 + 2 * MARGIN, y1 - y0 + 2 * MARGIN
    scale = min(1.0, WIDTH * 72 / width, MAX_HEIGHT * 72 / height)
    return Layout(rankdir, label_width, (x1 - x0, y1 - y0), boxes, splines, coefs, scale)


def layout(nodes: Sequence[Mapping[str, Any]],
           edges: Sequence[Mapping[str, Any]]) -> tuple[Layout, dict[str, list[str]]]:
    """The layout that needs the least shrinking to fit the page (left to right with wide boxes when it fits
    as it is), and the construct labels wrapped as it drew them."""
    tried = []
    for label_width in LABEL_WIDTHS:
        # A box is at least as wide as the longest word of its label (up to the widest box), so that words
        # are not cut ("Interdepartmental" at the narrow width).
        labels = {node["name"]: wrap_lines(node["label"], max(label_width, min(_longest_word(node["label"]),
                                                                                 LABEL_WIDTHS[0])),
                                           size=LABEL_SIZE, max_lines=LABEL_LINES)
                  for node in nodes}
        for rankdir in ("LR", "TB"):
            tried.append((_dot(nodes, edges, labels, rankdir, label_width), labels))
            if tried[-1][0].scale >= 1.0:
                return tried[-1]
    # The earlier (left to right, wider boxes) unless a later one is clearly larger on the page.
    return max(tried, key=lambda entry: round(entry[0].scale, 1))


@chart
def path_diagram(nodes: Sequence[dict[str, Any]], edges: Sequence[dict[str, Any]]) -> Figure:
    """The structural model: a box per construct (R² under the name of endogenous ones), an arrow per path
    with its coefficient; thicker for stronger paths, dashed (and the coefficient in italics) when the path is
    not significant.

    ``nodes``: ``name``, ``label`` and optional ``r2`` text; ``edges``: ``source``, ``target``, ``coef``
    (text), ``weight`` (|coefficient|, sets the line width) and ``significant``.
    """
    names = {node["name"] for node in nodes}
    unknown = sorted({end for edge in edges for end in (edge["source"], edge["target"])} - names)
    if unknown:
        raise ValueError(f"path diagram: paths name constructs that are not among the nodes: {unknown}")
    plan, labels = layout(nodes, edges)
    s = plan.scale
    height = plan.bounds[1] + 2 * MARGIN
    fig = Figure(figsize=(WIDTH, height * s / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    # Drawing units are Graphviz points; the drawing is centred across the page's width.
    span = WIDTH * 72 / s
    ax.set_xlim(plan.bounds[0] / 2 - span / 2, plan.bounds[0] / 2 + span / 2)
    ax.set_ylim(-MARGIN, height - MARGIN)
    for edge, (points, tip), coef in zip(edges, plan.splines, plan.coefs, strict=True):
        line = 0.5 + 2.0 * min(float(edge.get("weight") or 0.0), 1.0)
        style = "-" if edge["significant"] else (0, (4, 2))
        codes = [Path.MOVETO] + [Path.CURVE4] * (len(points) - 1)
        ax.add_patch(PathPatch(Path(points, codes), facecolor="none", edgecolor="#202020", linewidth=line * s,
                               linestyle=style, capstyle="butt", zorder=1, clip_on=False))
        ax.add_patch(Polygon(_arrowhead(points[-1], tip, line), closed=True, facecolor="#202020",
                             edgecolor="none", zorder=1, clip_on=False))
        if coef is not None:
            ax.text(*_on_curve(points, coef), plain(edge["coef"]), ha="center", va="center",
                    fontsize=COEF_SIZE * s, zorder=4, clip_on=False,
                    fontstyle="normal" if edge["significant"] else "italic",
                    bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"})
    for node in nodes:
        x, y, w, h = plan.boxes[node["name"]]
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=3",
                                    facecolor="#f2f2f2", edgecolor="black", linewidth=0.9 * s, zorder=2,
                                    clip_on=False))
        r2 = str(node.get("r2") or "")
        text = labels[node["name"]]
        r2_room = block_height(1, R2_SIZE) + 3 if r2 else 0
        # The label centred in the box above the R² line.
        ax.text(x, y + r2_room / 2, plain("\n".join(text)), ha="center", va="center", fontsize=LABEL_SIZE * s,
                linespacing=1.2, zorder=3, clip_on=False)
        if r2:
            ax.text(x, y - h / 2 + PAD + block_height(1, R2_SIZE) / 2, plain(f"R² {r2}"), ha="center",
                    va="center", fontsize=R2_SIZE * s, fontweight="bold", zorder=3, clip_on=False)
    return fig


def _longest_word(label: object) -> float:
    """Width (points) of the widest space-separated word of a label at the label size."""
    return max((text_width(word, LABEL_SIZE) for word in str(label).split()), default=0.0)


def _arrowhead(base: tuple[float, float], tip: tuple[float, float], line: float) -> np.ndarray:
    """The triangle from the end of an arrow's spline to the tip Graphviz left room for."""
    start, end = np.asarray(base, float), np.asarray(tip, float)
    direction = end - start
    length = float(np.hypot(*direction)) or 1.0
    normal = np.array([-direction[1], direction[0]]) / length
    half = max(0.35 * length, 0.9 * line)
    return np.array([end, start + normal * half, start - normal * half])


def _on_curve(points: Sequence[tuple[float, float]], near: tuple[float, float]) -> tuple[float, float]:
    """The point of a cubic Bézier spline (Graphviz's ``pos``) nearest to ``near``.

    Graphviz puts an edge's label beside the edge, in a layer of its own where the edges are apart; the
    coefficient is drawn on its arrow there (on a white ground that interrupts the line), so that no reader
    has to guess which arrow a number belongs to.
    """
    control = np.asarray(points, float)
    t = np.linspace(0.0, 1.0, 25)[:, None]
    curve = np.concatenate([
        (1 - t) ** 3 * control[i] + 3 * (1 - t) ** 2 * t * control[i + 1] + 3 * (1 - t) * t**2 * control[i + 2]
        + t**3 * control[i + 3] for i in range(0, len(control) - 3, 3)]) if len(control) >= 4 else control
    nearest = curve[np.argmin(np.hypot(*(curve - np.asarray(near, float)).T))]
    return float(nearest[0]), float(nearest[1])
