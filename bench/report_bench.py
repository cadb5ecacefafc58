"""The PDF report of a customer survey, timed against WeasyPrint laying out plain text of the same length.

For each size the customer questionnaire's synthetic responses (with a customer file, so the report has every
section) go through ``run_analysis`` and ``reports.render.render_pdf`` as the app runs them. The baseline,
measured in the same process, is WeasyPrint rendering a plain HTML page with as many A4 pages of plain
paragraphs as the report has: ``ratio`` = report rendering time / baseline time. Goals (issue 5): PDF rendering
under 5 s and under 15 s end to end (analysis included) for 100k responses.

The report is rendered twice in the same run: with its charts drawn one after the other in this process
(``serial_s``) and as the app does, spread over processes (``render_s``, ``workers`` of them); ``cpu_s`` is the
processor time of the second rendering, children included, which a busy machine does not inflate.
``--all-sections`` groups the respondents by unit and splits them into two waves, so the report also has the
KPIs by unit, the heatmap flags and the trend.

``--stress`` times the stress model instead (:func:`stress_result`: 20 constructs in six layers, 40 attribute
items, 50 units, two waves, long Chinese or English labels; 3,000 respondents unless ``--size`` says), whose
charts are the largest the report lays out: the ratio to the same run's baseline is the figure to compare.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import time
from typing import Any

SMALL = [10_000]
LARGE = [10_000, 100_000]
#: Paragraphs of the baseline page; enough to fill one A4 page at 10 pt.
PARAGRAPH = ("Customers who are satisfied are not always loyal, and the report explains where satisfaction "
             "starts to buy loyalty, which attributes prevent dissatisfaction and which create delight. ") * 3
PER_PAGE = 6


def plain_html(pages: int) -> str:
    """``pages`` A4 pages of plain paragraphs in the report's font, one page per block."""
    from reports.fonts import CSS_FONT_STACK

    block = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(PER_PAGE))
    body = "".join(f'<div style="break-after: page">{block}</div>' for _ in range(pages))
    style = (f"@page {{ size: A4; margin: 22mm 18mm 20mm 18mm; }} "
             f"html {{ font-family: {CSS_FONT_STACK}; font-size: 10pt; line-height: 1.45; }}")
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{style}</style></head><body>{body}</body></html>"


#: The stress model: 20 constructs in six layers (12 facets, 3 groups of them, satisfaction, two outcomes,
#: advocacy, intent to stay), 2 items each (40 attribute items), 50 units, two waves, long labels.
STRESS_PATHS = {
    "M1": ["F01", "F02", "F03", "F04"], "M2": ["F05", "F06", "F07", "F08"], "M3": ["F09", "F10", "F11", "F12"],
    "SAT": ["M1", "M2", "M3", "F01", "F12"], "LOY": ["SAT", "M1"], "REC": ["SAT"], "ADV": ["LOY", "REC"],
    "STAY": ["LOY", "ADV", "F05"],
}
STRESS_CONSTRUCTS = [f"F{i:02d}" for i in range(1, 13)] + ["M1", "M2", "M3", "SAT", "LOY", "REC", "ADV", "STAY"]
STRESS_UNITS = 50
#: Respondents of the stress model's benchmark (60 per unit).
STRESS_N = 3000
_STRESS_TOPICS = [
    ("Communication with my direct supervisor about priorities, workload and the reasons behind decisions",
     "与直属上级就工作重点、工作量以及各项决定背后的原因进行沟通的情况"),
    ("Recognition of extraordinary contributions by colleagues and management",
     "同事和管理层对超出本职工作的额外贡献给予认可和表彰"),
    ("Opportunities for professional development, training and internal promotion",
     "职业发展、专业培训以及内部晋升的机会和透明程度"),
    ("Compensation and benefits compared with similar organisations in the region",
     "与本地区同类机构相比的薪酬水平和福利待遇"),
    ("Interdepartmental collaboration and information sharing across locations",
     "跨部门协作以及不同办公地点之间的信息共享情况"),
    ("Workplace safety, ergonomics and physical working environment",
     "工作场所安全、人体工学设计以及办公物理环境"),
    ("Flexibility of working hours, remote work and leave arrangements",
     "工作时间弹性、远程办公安排以及休假制度的灵活程度"),
    ("Clarity of responsibilities, objectives and performance expectations",
     "岗位职责、工作目标以及绩效期望的清晰程度"),
]


def stress_labels(lang: str) -> dict[str, str]:
    """Long construct, item and unit labels of the stress model in ``lang`` (``en`` or ``zh``)."""
    zh = lang == "zh"
    labels = {}
    for index, name in enumerate(STRESS_CONSTRUCTS):
        en_text, zh_text = _STRESS_TOPICS[index % len(_STRESS_TOPICS)]
        labels[name] = f"{zh_text}（{index + 1}）" if zh else f"{en_text} ({index + 1})"
        for item in (1, 2):
            labels[f"{name}_{item}"] = (f"{zh_text}：第{item}题" if zh
                                        else f"{en_text}, statement {item} of the questionnaire")
    labels["SAT"] = "总体工作满意度（综合评价）" if zh else "Overall satisfaction with the job and the organisation"
    labels["STAY"] = ("留任意愿（未来三年内继续在本单位工作的可能性）" if zh
                      else "Intent to stay with the organisation for the next three years")
    for unit in range(STRESS_UNITS):
        labels[f"U{unit:02d}"] = (f"第{unit + 1}区域客户服务与运营支持中心" if zh
                                  else f"Regional customer service and operations support centre {unit + 1}")
    labels["UNIT"] = "部门" if zh else "department"
    return labels


def stress_result(n: int = STRESS_N, *, bootstrap: int = 30) -> dict[str, Any]:
    """The RESULT of the stress model on ``n`` synthetic respondents (latent scores along the paths, two items
    per construct on a 1-10 scale), by unit, over two waves."""
    import numpy as np
    import pandas as pd

    from analysis.engine import run_analysis
    from analysis.model import ModelSpec

    rng = np.random.default_rng(7)
    latent: dict[str, np.ndarray] = {}
    for name in STRESS_CONSTRUCTS:  # sources before targets
        sources = STRESS_PATHS.get(name, [])
        signal = sum((latent[source] * 0.8 / len(sources) for source in sources), np.zeros(n))
        latent[name] = signal + rng.normal(0, 0.7 if sources else 1.0, n)
    columns = {}
    for name in STRESS_CONSTRUCTS:
        for item in (1, 2):
            raw = 6 + 1.6 * latent[name] / latent[name].std() + rng.normal(0, 0.9, n)
            columns[f"{name}_{item}"] = np.clip(np.rint(raw), 1, 10).astype(int)
    # The recommendation question (0-10) follows loyalty: the NPS by unit has 50 rows.
    columns["NPS"] = np.clip(np.rint(7 + 2 * latent["LOY"] / latent["LOY"].std() + rng.normal(0, 1.2, n)),
                             0, 10).astype(int)
    frame = pd.DataFrame(columns).assign(UNIT=[f"U{i % STRESS_UNITS:02d}" for i in range(n)],
                                         WAVE=np.where(np.arange(n) < n // 2, "2025", "2026"))
    items = [column for column in columns if column != "NPS"]
    spec = {"constructs": {name: [f"{name}_1", f"{name}_2"] for name in STRESS_CONSTRUCTS},
            "scale": {"min": 1, "max": 10}, "scales": {"NPS": {"min": 0, "max": 10}}, "paths": STRESS_PATHS,
            "pls": {"bootstrap": bootstrap, "seed": 1},
            "drivers": [{"outcome": target, "predictors": sources, "bootstrap": bootstrap}
                        for target, sources in STRESS_PATHS.items()],
            "outcomes": {"satisfaction": "SAT", "loyalty": "LOY", "recommend": "NPS"}, "attributes": items,
            "efa": False}
    return run_analysis(frame, ModelSpec.from_dict(spec), by="UNIT", wave="WAVE", min_group_size=5)


def _cpu() -> float:
    """Processor time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _one_size(n: int, lang: str, all_sections: bool = False, stress: bool = False) -> dict[str, Any]:
    if stress:
        started = time.perf_counter()
        result = stress_result(n)
        analysis_s = time.perf_counter() - started
        return _render_timed(result, {"labels": stress_labels(lang), "survey": "Benchmark"}, n=n, lang=lang,
                             analysis_s=analysis_s)
    import numpy as np
    import pandas as pd

    from analysis.engine import run_analysis
    from analysis.model import ModelSpec
    from instruments.registry import get_instrument
    from instruments.synthetic import synthetic_responses

    instrument = get_instrument("customer_satisfaction")
    spec = ModelSpec.from_dict(instrument.model_spec())
    numeric = [i.code for i in instrument.items if instrument.scale_of(i).is_numeric()]
    extra = [spec.trap["stage"]] if "stage" in spec.trap else []
    if all_sections:
        extra.append("UNIT")
    frame = synthetic_responses(instrument, n, seed=1)[[*numeric, *extra]]
    rng = np.random.default_rng(2)
    ids = [f"C{i:07d}" for i in range(n)]
    loyal = frame["CUSL1"].to_numpy() >= 9
    customers = pd.DataFrame({"customer_id": ids,
                              "retained": (rng.random(n) < np.where(loyal, 0.92, 0.7)).astype(int),
                              "revenue": rng.gamma(2.0, 100.0, n), "cost": rng.gamma(2.0, 60.0, n)})
    frame = frame.assign(customer_id=ids)
    options = {"by": "UNIT", "wave": "WAVE"} if all_sections else {}
    if all_sections:
        frame = frame.assign(WAVE=np.where(np.arange(n) < n // 2, "2025", "2026"))
    labels = {name: c.label.get(lang) for name, c in instrument.constructs.items()}
    labels.update({item.code: item.text.get(lang) for item in instrument.items})

    started = time.perf_counter()
    result = run_analysis(frame, spec, customers=customers, **options)
    analysis_s = time.perf_counter() - started
    return _render_timed(result, {"labels": labels, "survey": "Benchmark"}, n=n, lang=lang, analysis_s=analysis_s)


def _render_timed(result: dict[str, Any], meta: dict[str, Any], *, n: int, lang: str,
                  analysis_s: float) -> dict[str, Any]:
    """The report of ``result`` rendered serially and in parallel, and the plain baseline of as many pages."""
    from pypdf import PdfReader
    from weasyprint import HTML

    from reports import charts
    from reports.render import render_pdf

    parallel = charts.workers
    charts.workers = lambda: 1
    started = time.perf_counter()
    render_pdf(result, lang=lang, meta=meta)
    serial_s = time.perf_counter() - started
    charts.workers = parallel
    started, cpu = time.perf_counter(), _cpu()
    pdf = render_pdf(result, lang=lang, meta=meta)
    render_s, cpu_s = time.perf_counter() - started, _cpu() - cpu
    pages = len(PdfReader(io.BytesIO(pdf)).pages)

    html = plain_html(pages)
    HTML(string=html).write_pdf()  # warm the font cache, as the report's own charts already did
    started = time.perf_counter()
    plain = HTML(string=html).write_pdf()
    plain_s = time.perf_counter() - started
    plain_pages = len(PdfReader(io.BytesIO(plain)).pages)
    return {"n": n, "lang": lang, "pages": pages, "plain_pages": plain_pages, "analysis_s": round(analysis_s, 3),
            "serial_s": round(serial_s, 3), "render_s": round(render_s, 3), "cpu_s": round(cpu_s, 3),
            "workers": parallel(), "plain_s": round(plain_s, 3), "ratio": round(render_s / plain_s, 1),
            "end_to_end_s": round(analysis_s + render_s, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench report")
    parser.add_argument("--large", action="store_true", help="also 100k respondents")
    parser.add_argument("--size", type=int, action="append", help="run only these sizes")
    parser.add_argument("--lang", choices=["en", "zh"], default="en")
    parser.add_argument("--all-sections", action="store_true", help="by unit and two waves (KPIs, trend)")
    parser.add_argument("--stress", action="store_true",
                        help="the stress model: 20 constructs, 40 attributes, 50 units, long labels")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one size
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(_one_size(args.one, args.lang, args.all_sections, args.stress)))
        return 0
    rows = []
    if args.stress:
        print("the stress model: 20 constructs, 40 attribute items, 50 units, two waves, long labels")
    print(f"{'n':>8} {'lang':>4} {'pages':>5} {'analysis s':>10} {'serial s':>8} {'render s':>9} {'cpu s':>6} "
          f"{'workers':>7} {'plain s':>8} {'ratio':>6} {'end to end s':>12}")
    for n in args.size or ([STRESS_N] if args.stress else LARGE if args.large else SMALL):
        # One process per size, as in the analysis benchmark, so that sizes do not share caches.
        command = [sys.executable, "-m", "bench", "report", "--one", str(n), "--lang", args.lang]
        command += (["--all-sections"] if args.all_sections else []) + (["--stress"] if args.stress else [])
        out = subprocess.run(command, check=True, capture_output=True, text=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{row['n']:>8} {row['lang']:>4} {row['pages']:>5} {row['analysis_s']:>10.3f} {row['serial_s']:>8.3f} "
              f"{row['render_s']:>9.3f} {row['cpu_s']:>6.2f} {row['workers']:>7} {row['plain_s']:>8.3f} "
              f"{row['ratio']:>6.1f} {row['end_to_end_s']:>12.3f}")
        if row["plain_pages"] != row["pages"]:
            print(f"  note: the plain baseline has {row['plain_pages']} pages, the report {row['pages']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=2)
    return 0
