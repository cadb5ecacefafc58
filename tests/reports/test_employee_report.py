"""The employee report for HR: facets, eNPS, drivers of intent to stay, internal service, the heatmap by
department with suppressed cells, the trend against the earlier wave, in both languages."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

from reports.context import build_context
from reports.messages import MESSAGES
from reports.render import render_html, render_pdf
from tests.reports.conftest import HOSTILE_DEPARTMENT, SMALL_DEPARTMENT, employee_labels
from tests.reports.tables import whole_table
from tests.reports.test_render import MAX_WHITE, page_images

TITLES = {
    "en": ["Employee satisfaction report", "Job satisfaction facets", "Facets by department",
           "Internal service between departments", "What keeps people", "Employee Net Promoter Score (eNPS)",
           "Trend against earlier waves", "Satisfied but leaving", "What drives satisfaction and intent to stay"],
    "zh": ["员工满意度报告", "工作满意度各维度", "按部门的各维度结果", "部门之间的内部服务", "留住员工的关键",
           "员工净推荐值（eNPS）", "与往期比较的趋势", "满意却想离开", "满意度与留任意愿的驱动因素"],
}
HIDDEN = {"it": "small", "hr_admin": "complementary"}


@pytest.fixture(scope="module")
def contexts(employee_result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {lang: build_context(employee_result, lang=lang, charts=False, meta={"labels": employee_labels(lang)})
            for lang in ("en", "zh")}


@pytest.fixture(scope="module")
def pdfs(employee_result: dict[str, Any]) -> dict[str, tuple[bytes, str]]:
    out = {}
    for lang in ("en", "zh"):
        pdf = render_pdf(employee_result, lang=lang, meta={"labels": employee_labels(lang)})
        reader = PdfReader(io.BytesIO(pdf))
        out[lang] = (pdf, "\n".join(page.extract_text() for page in reader.pages))
    return out


def test_the_run_hides_the_small_department_and_the_one_that_would_reveal_it(
        employee_result: dict[str, Any]) -> None:
    # The premise of the suppression tests below: k = 5, IT has 3 people, HR is hidden so IT = total - rest fails.
    assert employee_result["groups"]["suppression"]["hidden"] == HIDDEN
    assert employee_result["model"]["trap"]["population"] == "employees"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_employee_pdf_has_the_hr_sections_and_key_numbers(pdfs: dict[str, tuple[bytes, str]],
                                                          contexts: dict[str, Any], lang: str) -> None:
    text = pdfs[lang][1]
    for title in TITLES[lang]:
        assert title in text, title
    context = contexts[lang]
    assert context["population"] == "employees"
    assert context["summary"]["nps"]["value"] in text and context["summary"]["nps"]["ci"] in text
    assert context["summary"]["csi"]["value"] in text
    words = MESSAGES[lang]
    assert words["csi_employee"] in text and words["report_kind_employee"] in text
    assert words["nps"] not in text  # the customer wording of the KPI is replaced
    for row in context["employee"]["rows"]:
        assert row["index"] in text
    assert len(context["employee"]["stay_levers"]) == 3
    assert context["employee"]["stay_levers"][0].split("：" if lang == "zh" else ":")[0] in text


def test_enps_is_computed_from_the_answers(contexts: dict[str, Any], employee_frame: pd.DataFrame) -> None:
    # eNPS by its definition (SCIENCE.md section 6) from the raw 0-10 answers of everyone analysed.
    answers = employee_frame["ENPS"]
    score = 100 * ((answers >= 9).mean() - (answers <= 6).mean())
    assert contexts["en"]["summary"]["nps"]["value"] == f"{score:.1f}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_suppressed_departments_show_why_and_no_figure(pdfs: dict[str, tuple[bytes, str]],
                                                      contexts: dict[str, Any], employee_result: dict[str, Any],
                                                      lang: str) -> None:
    context, text, words = contexts[lang], pdfs[lang][1], MESSAGES[lang]
    labels = employee_labels(lang)
    hidden_labels = {labels[group] for group in HIDDEN}
    # every per-department table shows the two as hidden, with the reason, and no number for them
    for rows in (whole_table(context["groups"])["rows"], context["nps"]["rows"],
                 context["employee"]["internal"]["rows"]):
        shown = {row["label"]: row for row in rows}
        for group, reason in HIDDEN.items():
            row = shown[labels[group]]
            assert row["hidden"] == words[f"suppressed_{reason}"].format(k="5")
            assert not row.get("n") and not row.get("cells") and not row.get("score")
    heatmap = context["employee"]["heatmap"]
    table = heatmap["tables"][0]
    for column, label in enumerate(table["header"]):
        cells = [row["cells"][column]["text"] for row in table["rows"]]
        if label in hidden_labels:
            reason = HIDDEN[next(g for g in HIDDEN if labels[g] == label)]
            assert set(cells) == {words[f"hidden_{reason}_cell"]} and table["n_row"][column]["text"] == ""
        else:
            assert all(re.fullmatch(r"\d\.\d\d( [▲▼])?", cell) for cell in cells), cells
    assert heatmap["legend"] == [words["hidden_small"].format(k="5"), words["hidden_complementary"]]
    # In the PDF: the reasons are printed, and the hidden groups' own figures are not.
    for line in (words["suppressed_small"].format(k="5"), words["suppressed_complementary"],
                 words["hidden_small"].format(k="5"), words["hidden_complementary"]):
        assert line in text, line
    for group in HIDDEN:
        entry = employee_result["groups"]["summary"][group]
        figures = {f"{value:.1f}" for value in entry["indices"].values() if value is not None}
        figures.add(f"{entry['nps']['score']:.1f}")
        for line in text.splitlines():
            if labels[group] in line:
                assert not any(figure in line for figure in figures), line
    # IT's size never appears in a warning either (it would give away who answered)
    assert not any("'it'" in w or ", it)" in w for w in context["appendix"]["warnings"])
    assert f"only {SMALL_DEPARTMENT} answers" not in text


def test_significant_cells_are_flagged_against_the_rest(contexts: dict[str, Any],
                                                        employee_result: dict[str, Any]) -> None:
    labels = employee_labels("en")
    cells = {(c["group"], c["facet"]): c for c in employee_result["heatmap"]["cells"]}
    table = contexts["en"]["employee"]["heatmap"]["tables"][0]
    groups = employee_result["heatmap"]["groups"]
    facets = employee_result["heatmap"]["facets"]
    flagged = 0
    for i, facet in enumerate(facets):
        for j, group in enumerate(groups):
            cell, shown = cells[(group, facet)], table["rows"][i]["cells"][j]["text"]
            assert table["rows"][i]["label"] == labels.get(facet, facet)
            if cell["shown"] and cell["significant"]:
                flagged += 1
                assert shown.endswith("▲" if cell["diff"] > 0 else "▼")
                assert shown.startswith(f"{cell['mean']:.2f}")
            elif cell["shown"]:
                assert shown == f"{cell['mean']:.2f}"
    # Finance is paid better than the rest in the fixture: its pay cell is flagged above.
    assert flagged >= 1
    finance = groups.index(HOSTILE_DEPARTMENT)
    assert table["rows"][facets.index("Pay")]["cells"][finance]["text"].endswith("▲")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_trend_shows_the_improvement_and_the_unchanged(pdfs: dict[str, tuple[bytes, str]],
                                                       contexts: dict[str, Any], employee_result: dict[str, Any],
                                                       lang: str) -> None:
    trends, text, words = contexts[lang]["trends"], pdfs[lang][1], MESSAGES[lang]
    labels = employee_labels(lang)
    change = next(c for c in employee_result["trends"]["changes"] if c["measure"] == "WorkLife")
    row = next(r for r in trends["changes"] if r["label"] == labels["WorkLife"])
    # work-life balance was raised by one point (capped at 5) for the second wave: a significant rise
    assert row["change"] == f"+{change['change']:.2f} ▲" and row["verdict"] == words["significant_up"]
    assert 0.6 < change["change"] < 1.0
    others = [r for r in trends["changes"] if r["label"] != labels["WorkLife"]]
    assert others and sum(r["verdict"] == words["not_significant"] for r in others) >= len(others) - 2
    assert row["change"] in text and "2025" in text and "2026" in text
    index = {(lv["measure"], lv["wave"]): lv["index"] for lv in employee_result["trends"]["levels"]}
    level_row = next(r for r in trends["rows"] if r["label"] == labels["WorkLife"])
    assert level_row["cells"] == [f"{index[('WorkLife', w)]:.1f}" for w in ("2025", "2026")]
    assert all(cell in text for cell in level_row["cells"])
    enps = next(r for r in trends["rows"] if r["label"] == "eNPS")
    assert enps["cells"] == [f"{r['score']:.1f}" for r in employee_result["trends"]["nps"]]


def test_hostile_department_name_is_inert(employee_result: dict[str, Any],
                                          pdfs: dict[str, tuple[bytes, str]]) -> None:
    html = render_html(employee_result, lang="en", meta={"labels": employee_labels("en")}, charts=False)
    assert "<script>alert(1)" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # printed as the text it is
    assert "alert(1)" in pdfs["en"][1] and "onmouseover" in pdfs["en"][1]
    assert HOSTILE_DEPARTMENT.startswith("<b")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_page_of_the_employee_report_is_blank(pdfs: dict[str, tuple[bytes, str]], lang: str,
                                                 tmp_path: Path) -> None:
    images = page_images(pdfs[lang][0], tmp_path)
    assert len(images) >= 8
    for number, path in enumerate(images, start=1):
        with Image.open(path) as image:
            white = float(np.mean(np.asarray(image.convert("L")) >= 250))
        assert white < MAX_WHITE, f"page {number} of the {lang} employee report is blank ({white:.2%} white)"


def test_sections_without_results_are_left_out(employee_result: dict[str, Any]) -> None:
    bare = {key: value for key, value in employee_result.items() if key not in ("heatmap", "trends")}
    context = build_context(bare, lang="en", charts=False)
    assert context["trends"] is None and context["employee"]["heatmap"] is None
    assert "trends" not in [entry["id"] for entry in context["toc"]]
    html = render_html(bare, lang="en", charts=False)
    assert 'id="trends"' not in html and "heatmap" not in html.split("<body>")[1]


def test_the_shipped_employee_instrument_gets_the_internal_service_table() -> None:
    # The employee questionnaire scores ISQ1/ISQ2 as the InternalService construct, so an app report shows
    # internal service quality by department without any extra setting.
    from analysis.engine import run_analysis
    from analysis.model import ModelSpec
    from instruments.registry import get_instrument
    from instruments.synthetic import synthetic_responses

    instrument = get_instrument("employee_satisfaction")
    spec = ModelSpec.from_dict(instrument.model_spec(), source="employee_satisfaction")
    result = run_analysis(synthetic_responses(instrument, 400, seed=3), spec, by="UNIT")
    context = build_context(result, lang="en", charts=False)
    assert context["population"] == "employees"
    rows = context["employee"]["internal"]["rows"]
    assert [row["label"] for row in rows[1:]] == sorted(result["groups"]["suppression"]["shown"])
    assert rows[0]["cells"] == [f"{result['constructs']['InternalService']['index']:.1f}"]
