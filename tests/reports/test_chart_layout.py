"""Every chart of the demo reports and of a stress model fits the page, and labels wrap where they may.

Each chart the report context asks for (the customer and the employee questionnaire, as the demo surveys use
them, and the stress model of ``bench.report_bench``: 20 constructs, 40 attribute items, 50 units, long labels)
is built as a matplotlib figure and measured with matplotlib's own renderer before it is saved: the figure is no
wider than the printable area and no taller than a page less room for a heading, and every text, patch, line
and legend lies inside it. The SVG the report gets says the same size. The path diagram has a box per construct,
an arrow per path ending at its target's box, no two boxes overlapping. Then all of them are laid out by
WeasyPrint with the report's stylesheet, and pdftotext's word boxes are checked against the page margins.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import FancyBboxPatch, PathPatch, Polygon
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from bench.report_bench import STRESS_CONSTRUCTS, STRESS_UNITS, stress_labels
from reports import charts
from reports.charts import diagram, labels
from reports.charts.bars import LABEL_WIDTH
from reports.charts.style import MARGINS_MM, MAX_HEIGHT, MM_PER_INCH, PAGE_WIDTH, style, to_svg
from reports.context import build_deferred
from reports.errors import ReportError
from reports.render import html_to_pdf, stylesheet
from tests.reports.conftest import customer_labels, employee_labels

Request = tuple[str, Sequence[Any], dict[str, Any]]
#: Slack (points) for rounding in matplotlib's and pdftotext's boxes.
SLACK = 1.0
LONG_EN = [
    "Communication with my direct supervisor about priorities, workload and the reasons behind decisions",
    "Overall satisfaction", "Communication", "Interdepartmental collaboration and information sharing",
    "Recognition of extraordinary contributions by colleagues and management (a very long label indeed)",
]
LONG_ZH = [
    "与直属上级就工作重点、工作量以及各项决定背后的原因进行沟通的情况", "总体满意度",
    "跨部门协作以及不同办公地点之间的信息共享情况（含远程办公）", "沟通",
]


def requests_of(result: dict[str, Any], lang: str, meta: dict[str, Any]) -> list[Request]:
    """The chart calls the report of ``result`` makes."""
    _, pending = build_deferred(result, lang=lang, meta=meta)
    return [chart.request for chart in pending]


def synthetic_requests(lang: str) -> list[Request]:
    """Charts the stress RESULT does not ask for at their largest: 40 bars, 20 trend lines, a chain of 20
    constructs (20 layers), 20 constructs all leading to one, every label long."""
    texts = LONG_ZH if lang == "zh" else LONG_EN
    names = [f"C{i:02d}" for i in range(20)]
    label = {name: f"{texts[i % len(texts)]} {i}" for i, name in enumerate(names)}
    bars = [{"label": f"{texts[i % len(texts)]} {i}", "value": 1.0 + i % 7, "low": 0.5, "high": 2.0 + i % 7}
            for i in range(40)]
    trend = [{"label": label[name], "points": [{"wave": "2025", "value": 60.0 + i}, {"wave": "2026", "value": 61.0}]}
             for i, name in enumerate(names)]
    chain = [{"source": a, "target": b, "coef": "0.41", "weight": 0.41, "significant": True}
             for a, b in zip(names, names[1:], strict=False)]
    star = [{"source": name, "target": names[-1], "coef": "-0.05", "weight": 0.05, "significant": False}
            for name in names[:-1]]
    nodes = [{"name": name, "label": label[name], "r2": "0.42" if i else ""} for i, name in enumerate(names)]
    points = [{"label": row["label"], "importance": 1.0 + i % 9, "performance": 50.0 + i % 11, "x": 5.0 + i % 9,
               "y": 0.2 + 0.05 * (i % 11), "cls": ("basic", "performance", "excitement")[i % 3]}
              for i, row in enumerate(bars)]
    dots = [{**row, "value": -1.0 + 0.05 * i, "low": -1.0 + 0.05 * i - 0.2, "high": -1.0 + 0.05 * i + 0.2}
            for i, row in enumerate(bars)]
    classes = [(cls, f"{texts[i]} ({cls})") for i, cls in enumerate(("basic", "performance", "excitement"))]
    return [("bar_chart", (bars,), {"xlabel": texts[0]}),
            ("ipa_chart", (points,), {"xlabel": texts[1], "ylabel": texts[2]}),
            ("class_scatter", (points,), {"classes": classes, "xlabel": texts[3], "ylabel": texts[0]}),
            ("interval_dots", (dots,), {"xlabel": texts[1], "limits": (-1.0, 1.0), "bands": [
                (-1.0, -0.2, texts[0]), (-0.2, 0.2, texts[1]), (0.2, 1.0, texts[2])]}),
            ("stacked_shares", ([{"label": f"{texts[i % len(texts)]} {i}", "detractors": 0.2, "passives": 0.3,
                                  "promoters": 0.5} for i in range(51)],),
             {"series": ("detractors", "passives", "promoters"), "names": tuple(texts[:3])}),
            ("trend_chart", (trend,), {"waves": ["2025", "2026"], "ylabel": texts[1]}),
            ("path_diagram", (nodes, chain), {}),
            ("path_diagram", (nodes, star), {})]



@pytest.fixture(scope="module")
def all_requests(result: dict[str, Any], employee_result: dict[str, Any],
                 stress: dict[str, Any]) -> dict[str, list[Request]]:
    """Every chart, by case: the demo questionnaires and the stress model in both languages."""
    cases = {}
    for lang in ("en", "zh"):
        cases[f"customer-{lang}"] = requests_of(result, lang, {"labels": customer_labels(lang)})
        cases[f"employee-{lang}"] = requests_of(employee_result, lang, {"labels": employee_labels(lang)})
        for population in ("customers", "employees"):
            cases[f"stress-{population}-{lang}"] = requests_of(
                stress, lang, {"labels": stress_labels(lang), "population": population})
        cases[f"synthetic-{lang}"] = synthetic_requests(lang)
    return cases


def inside(box: Bbox, frame: Bbox) -> bool:
    return (box.x0 >= frame.x0 - SLACK and box.y0 >= frame.y0 - SLACK and box.x1 <= frame.x1 + SLACK
            and box.y1 <= frame.y1 + SLACK)


def check_figure(name: str, args: Sequence[Any], kwargs: dict[str, Any]) -> list[str]:
    """What lies outside the figure or the page, as readable complaints (empty when the chart fits)."""
    problems = []
    with style():
        fig = getattr(charts, name).figure(*args, **kwargs)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        width, height = fig.get_size_inches()
        if width > PAGE_WIDTH + 1e-6 or height > MAX_HEIGHT + 1e-6:
            problems.append(f"{width:.2f} x {height:.2f} in is larger than {PAGE_WIDTH:.2f} x {MAX_HEIGHT:.2f}")
        frame = fig.bbox
        tight = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans)
        if not inside(tight, frame):
            problems.append(f"the drawing {tight.bounds} runs past the figure {frame.bounds}")
        # Tick labels are in the tight box when drawn (matplotlib keeps undrawn ones beyond the axis limits).
        ticks = {id(label) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
                 for tick in axis.get_major_ticks() + axis.get_minor_ticks() for label in (tick.label1, tick.label2)}
        for artist in fig.findobj(lambda a: a.get_visible() and isinstance(a, Text | FancyBboxPatch | PathPatch
                                                                        | Polygon)):
            if isinstance(artist, Text) and (not artist.get_text().strip() or id(artist) in ticks):
                continue
            box = artist.get_window_extent(renderer)
            clip = artist.get_clip_box() if artist.get_clip_on() else None
            if clip is not None:
                box = Bbox.intersection(box, clip) or Bbox.from_bounds(0, 0, 0, 0)
            if not inside(box, frame):
                what = artist.get_text() if isinstance(artist, Text) else type(artist).__name__
                problems.append(f"{what!r} at {box.bounds} is outside the figure {frame.bounds}")
        if name == "path_diagram":
            problems += check_diagram(fig, renderer, *args)
        svg = to_svg(fig)
    size = re.search(r'<svg[^>]*width="([\d.]+)pt" height="([\d.]+)pt" viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    if not size:
        problems.append("the SVG has no size in points")
    elif float(size.group(1)) > PAGE_WIDTH * 72 + SLACK or float(size.group(2)) > MAX_HEIGHT * 72 + SLACK:
        problems.append(f"the SVG is {size.group(1)} x {size.group(2)} pt")
    return problems


def check_diagram(fig: Any, renderer: Any, nodes: Sequence[dict[str, Any]],
                  edges: Sequence[dict[str, Any]]) -> list[str]:
    """A box per construct, none overlapping another; an arrow per path whose head touches its target."""
    problems = []
    ax = fig.axes[0]
    boxes = [p.get_window_extent(renderer) for p in ax.patches if isinstance(p, FancyBboxPatch)]
    lines = [p for p in ax.patches if isinstance(p, PathPatch)]
    heads = [p for p in ax.patches if isinstance(p, Polygon)]
    if len(boxes) != len(nodes) or len(lines) != len(edges) or len(heads) != len(edges):
        problems.append(f"{len(boxes)} boxes and {len(lines)} arrows for {len(nodes)} constructs and "
                        f"{len(edges)} paths")
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a.overlaps(b):
                problems.append(f"boxes {a.bounds} and {b.bounds} overlap")
    order = {node["name"]: index for index, node in enumerate(nodes)}
    for edge, head in zip(edges, heads, strict=False):
        tip = ax.transData.transform(head.get_xy()[0])
        target = boxes[order[edge["target"]]].padded(2 * SLACK)
        if not target.contains(*tip):
            problems.append(f"the arrow {edge['source']} -> {edge['target']} ends at {tip}, not at its box")
    dashed = sum(line.get_linestyle() != "-" for line in lines)
    if dashed != sum(not edge["significant"] for edge in edges):
        problems.append(f"{dashed} dashed arrows for {sum(not e['significant'] for e in edges)} paths that are "
                        "not significant")
    return problems


CASES = [f"{kind}-{lang}" for lang in ("en", "zh") for kind in ("customer", "employee", "stress-customers",
                                                                   "stress-employees", "synthetic")]


@pytest.mark.parametrize("case", CASES)
def test_every_chart_fits_its_figure_and_the_page(all_requests: dict[str, list[Request]], case: str) -> None:
    requests = all_requests[case]
    assert requests, case
    problems = [f"{index} {name}: {problem}" for index, (name, args, kwargs) in enumerate(requests)
                for problem in check_figure(name, args, kwargs)]
    assert not problems, "\n".join(problems)


def test_the_reports_ask_for_every_kind_of_chart(all_requests: dict[str, list[Request]]) -> None:
    asked = {name for requests in all_requests.values() for name, _, _ in requests}
    assert asked == set(charts.CHARTS)
    stress = all_requests["stress-customers-en"]
    diagram_nodes = next(args[0] for name, args, _ in stress if name == "path_diagram")
    assert len(diagram_nodes) == len(STRESS_CONSTRUCTS) == 20
    # the NPS by unit: every unit and everyone
    nps = next(args[0] for name, args, _ in stress if name == "stacked_shares")
    assert len(nps) == STRESS_UNITS + 1
    # the trap's attributes with an asymmetry (the synthetic charts have 40 rows and points)
    attributes = next(args[0] for name, args, _ in stress if name == "interval_dots")
    assert len(attributes) > 20


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (make install-test)")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_laid_out_by_weasyprint_no_word_crosses_a_margin(all_requests: dict[str, list[Request]], lang: str,
                                                         tmp_path: Any) -> None:
    # Each chart once (the two stress reports share their driver charts).
    unique = {repr(request): request for case, chosen in all_requests.items() if case.endswith(lang)
              for request in chosen}
    requests = list(unique.values())
    svgs = charts.draw_all(requests)
    figures = "".join(f'<figure class="chart"><img src="manyi-asset:chart-{i}.svg" alt=""></figure>'
                      for i in range(len(svgs)))
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{stylesheet()}</style></head>"
            f"<body><section class='chapter'><h1>Charts</h1>{figures}</section></body></html>")
    path = tmp_path / "charts.pdf"
    path.write_bytes(html_to_pdf(html, charts=svgs))
    words = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True,
                           text=True).stdout
    top, right, bottom, left = (margin / MM_PER_INCH * 72 for margin in MARGINS_MM)
    outside, count = [], 0
    for width, height, body in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', words, re.S):
        for x0, y0, x1, y1, word in re.findall(
                r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>', body):
            count += 1
            if re.fullmatch(r"\d+|/|Charts", word):  # the page number and the running header
                continue
            if (float(x0) < left - SLACK or float(x1) > float(width) - right + SLACK
                    or float(y0) < top - SLACK or float(y1) > float(height) - bottom + SLACK):
                outside.append(f"{word} ({x0}, {y0}, {x1}, {y1})")
    assert count > 1000  # the charts' text is text in the PDF
    assert not outside, outside[:20]


def test_english_labels_break_between_words_only() -> None:
    for text in LONG_EN + ["Overall satisfaction", "Communication"]:
        for width in (60.0, 90.0, 140.0):
            words = text.split()
            lines = labels.wrap_lines(text, width, size=8, max_lines=3)
            assert len(lines) <= 3
            for line in lines:
                assert labels.text_width(line, 8) <= width + 1e-6 or " " not in line, (text, line)
                for word in line.removesuffix(labels.ELLIPSIS).split():
                    # whole words, or the pieces of a word wider than the line
                    assert word in words or labels.text_width(next(w for w in words if word in w), 8) > width, \
                        (text, width, lines)
            if not lines[-1].endswith(labels.ELLIPSIS) and all(labels.text_width(w, 8) <= width for w in words):
                assert " ".join(lines) == text


def test_overall_satisfaction_and_communication_are_not_cut() -> None:
    """The issue's examples: boxes of the path diagram and axis labels keep these words whole."""
    for width in (diagram.LABEL_WIDTHS[-1], LABEL_WIDTH):
        assert labels.wrap_lines("Overall satisfaction", width, size=8) in (["Overall satisfaction"],
                                                                            ["Overall", "satisfaction"])
        assert labels.wrap_lines("Communication", width, size=8) == ["Communication"]


def test_chinese_labels_wrap_at_characters_and_not_before_punctuation() -> None:
    text = "与直属上级就工作重点、工作量以及各项决定背后的原因进行沟通的情况（含远程办公）"
    lines = labels.wrap_lines(text, 80, size=8, max_lines=10)
    assert len(lines) > 2
    assert "".join(lines) == text
    assert all(labels.text_width(line, 8) <= 80 for line in lines)
    assert not any(line[0] in labels.NO_LINE_START for line in lines[1:])
    assert not any(line[-1] in labels.NO_LINE_END for line in lines)
    short = labels.wrap_lines(text, 80, size=8, max_lines=2)
    assert len(short) == 2 and short[-1].endswith(labels.ELLIPSIS)
    assert labels.text_width(short[-1], 8) <= 80


def test_mixed_and_unbreakable_labels() -> None:
    assert labels.wrap_lines("使用App的体验", 1000, size=8) == ["使用App的体验"]
    lines = labels.wrap_lines("Supercalifragilisticexpialidocious", 50, size=8, max_lines=5)
    assert "".join(lines) == "Supercalifragilisticexpialidocious" and len(lines) > 1
    assert labels.wrap("costs $5 and $6", 500, size=8) == r"costs \$5 and \$6"
    with pytest.raises(ValueError, match="positive width"):
        labels.wrap_lines("x", 0, size=8)


def test_the_svg_of_the_diagram_keeps_english_words_whole(all_requests: dict[str, list[Request]]) -> None:
    """Every line of text in the demo's English path diagrams is made of whole words of the labels."""
    for case in ("customer-en", "employee-en", "stress-customers-en"):
        name, args, kwargs = next(r for r in all_requests[case] if r[0] == "path_diagram")
        svg = charts.path_diagram(*args, **kwargs)
        known = {word for node in args[0] for word in node["label"].split()}
        for line in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S):
            for word in line.removesuffix(labels.ELLIPSIS).split():
                assert word in known or re.fullmatch(r"R²|-?[\d.]+|−?[\d.]+", word), (case, line)


def test_missing_graphviz_stops_the_report_naming_the_package(monkeypatch: pytest.MonkeyPatch,
                                                              result: dict[str, Any]) -> None:
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    with pytest.raises(ReportError, match="Debian package graphviz"):
        build_deferred(result, lang="en")
    with pytest.raises(ReportError, match="apt-get install graphviz"):
        charts.path_diagram([{"name": "A", "label": "A"}, {"name": "B", "label": "B"}],
                            [{"source": "A", "target": "B", "coef": "0.5", "weight": 0.5, "significant": True}])
    # without charts nothing needs Graphviz
    build_deferred(result, lang="en", charts=False)


#: Seven attribute drivers of one demo outcome: importance 12-17.5 %, performance 58-75, long statements.
CLUSTER = [("Our products are worth what they cost.", 14.8, 73.5),
           ("Our service makes your life or work easier.", 15.1, 61.7),
           ("Dealing with our staff is a pleasant experience.", 13.1, 70.6),
           ("Being our customer makes you feel confident and proud.", 14.7, 58.2),
           ("Getting things done with us saves you time.", 12.9, 68.3),
           ("Getting things done with us takes little effort or running around.", 17.5, 74.9),
           ("Dealing with us rarely leaves you anxious, worried or annoyed.", 12.0, 64.2)]


@pytest.mark.parametrize("name", ["ipa_chart", "class_scatter"])
def test_point_labels_do_not_overlap_each_other(name: str) -> None:
    points = ([{"label": label, "importance": x, "performance": y} for label, x, y in CLUSTER]
              if name == "ipa_chart" else
              [{"label": label, "x": y / 100 - 0.6, "y": y, "cls": "basic"} for label, _, y in CLUSTER])
    kwargs = {"xlabel": "Importance", "ylabel": "Performance"}
    if name == "class_scatter":
        kwargs["classes"] = [("basic", "Basic")]
    with style():
        fig = getattr(charts, name).figure(points, **kwargs)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.axes[0].texts]
        assert len(boxes) == len(CLUSTER)
        overlaps = [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:]
                    if box_a.x0 < box_b.x1 - SLACK and box_b.x0 < box_a.x1 - SLACK
                    and box_a.y0 < box_b.y1 - SLACK and box_b.y0 < box_a.y1 - SLACK]
    assert not overlaps, overlaps
    assert not check_figure(name, (points,), kwargs)
