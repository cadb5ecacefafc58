"""The customer report's KPIs by unit (flags against the rest, suppressed units) and its trend against the
earlier wave, in both languages."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from analysis.engine import run_analysis
from analysis.model import ModelSpec
from instruments.registry import get_instrument
from instruments.synthetic import synthetic_responses
from reports.context import build_context
from reports.messages import MESSAGES
from reports.render import render_pdf
from tests.reports.tables import whole_table

HIDDEN = {"online": "small", "west": "complementary"}


def labels(lang: str) -> dict[str, str]:
    instrument = get_instrument("customer_satisfaction")
    out = {name: construct.label.get(lang) for name, construct in instrument.constructs.items()}
    out.update({item.code: item.text.get(lang) for item in instrument.items})
    out["UNIT"] = "单位" if lang == "zh" else "unit"
    return out


@pytest.fixture(scope="module")
def waves_result() -> dict[str, Any]:
    """Two waves of customers: satisfaction items two points higher in the second, one quality item not asked
    in the first, and the online unit with 3 customers (so it and the next-smallest unit are hidden)."""
    instrument = get_instrument("customer_satisfaction")
    model = instrument.model_spec()
    first = synthetic_responses(instrument, 300, seed=5).assign(WAVE="2025")
    second = synthetic_responses(instrument, 300, seed=6).assign(WAVE="2026")
    satisfaction = model["constructs"][model["outcomes"]["satisfaction"]]
    second[satisfaction] = np.minimum(second[satisfaction] + 2, 10)
    first["PERQ7"] = np.nan
    frame = pd.concat([first, second], ignore_index=True)
    online = frame.index[frame["UNIT"] == "online"]
    frame = frame.drop(index=online[3:]).reset_index(drop=True)
    model.update(missing={"method": "pairwise"}, drivers=[], pls={"bootstrap": 0}, efa=False)
    result = run_analysis(frame, ModelSpec.from_dict(model), by="UNIT", wave="WAVE")
    # The sections under test only; the others have their own tests and would lengthen the PDFs.
    return {key: value for key, value in result.items() if key not in ("trap", "pls")}


@pytest.fixture(scope="module")
def texts(waves_result: dict[str, Any]) -> dict[str, str]:
    out = {}
    for lang in ("en", "zh"):
        pdf = render_pdf(waves_result, lang=lang, meta={"labels": labels(lang)})
        out[lang] = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return out


def test_premise_two_units_hidden_and_one_measure_not_comparable(waves_result: dict[str, Any]) -> None:
    assert waves_result["groups"]["suppression"]["hidden"] == HIDDEN
    assert waves_result["trends"]["not_comparable"] == {"Quality": ["2025"]}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_kpis_by_unit_are_flagged_against_the_rest_and_hide_small_units(
        waves_result: dict[str, Any], texts: dict[str, str], lang: str) -> None:
    context = build_context(waves_result, lang=lang, charts=False, meta={"labels": labels(lang)})
    words, text = MESSAGES[lang], texts[lang]
    kpis = whole_table(context["groups"])
    assert context["section_titles"]["groups"] in text
    assert context["groups"]["intro"] == words["kpi_intro"].format(by=labels(lang)["UNIT"])
    # Satisfaction (the CSI) is the first KPI column, then loyalty; the NPS with its interval is the last.
    assert kpis["header"][2] == labels(lang)["Satisfaction"] and kpis["header"][-1] == words["col_nps"]
    cells = {(c["group"], c["facet"]): c for c in waves_result["heatmap"]["cells"]}
    columns = ["Satisfaction", "Loyalty", *[c for c in waves_result["groups"]["summary"]["north"]["indices"]
                                            if c not in ("Satisfaction", "Loyalty")]]
    flags = 0
    hidden_labels = {}
    everyone = kpis["rows"][0]  # everyone first, as each group is computed
    assert everyone["label"] == words["all_respondents"] and everyone["n"] == str(waves_result["groups"]["total"]["n"])
    assert everyone["cells"][0] == f"{waves_result['groups']['total']['indices']['Satisfaction']:.1f}"
    for level, row in zip(waves_result["groups"]["levels"], kpis["rows"][1:], strict=True):
        if level in HIDDEN:
            hidden_labels[level] = row["label"]
            assert row["hidden"] == words[f"suppressed_{HIDDEN[level]}"].format(k="5")
            assert row["n"] == "" and row["cells"] == []
            continue
        entry = waves_result["groups"]["summary"][level]
        assert row["n"] == str(entry["n"]) and row["n"] in text
        for column, shown in zip(columns, row["cells"], strict=False):
            cell = cells[(level, column)]
            expected = f"{entry['indices'][column]:.1f}"
            if cell["significant"]:
                flags += 1
                expected += " ▲" if cell["diff"] > 0 else " ▼"
            assert shown == expected, (level, column)
        nps = entry["nps"]
        assert row["cells"][-1] == f"{nps['score']:.1f} [{nps['ci'][0]:.0f}, {nps['ci'][1]:.0f}]"
        assert row["cells"][0] in text
    assert flags >= 1  # east's image differs from the rest in this sample
    for level, reason in HIDDEN.items():
        assert words[f"suppressed_{reason}"].format(k="5") in text
        entry = waves_result["groups"]["summary"][level]
        figures = {f"{v:.1f}" for v in entry["indices"].values() if v is not None} | {str(entry["n"])}
        lines = [line for line in text.splitlines() if line.startswith(hidden_labels[level])]
        assert lines  # the unit is listed (as hidden) ...
        for line in lines:  # ... without any of its figures
            assert not any(figure in line for figure in figures), line


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_trend_marks_the_significant_rise_and_lists_what_is_not_comparable(
        waves_result: dict[str, Any], texts: dict[str, str], lang: str) -> None:
    context = build_context(waves_result, lang=lang, meta={"labels": labels(lang)})
    trends, words, text, names = context["trends"], MESSAGES[lang], texts[lang], labels(lang)
    assert context["section_titles"]["trends"] in text
    assert trends["chart"].startswith("<svg") and trends["nps_chart"].startswith("<svg")
    change = next(c for c in waves_result["trends"]["changes"] if c["measure"] == "Satisfaction")
    row = next(r for r in trends["changes"] if r["label"] == names["Satisfaction"])
    # the satisfaction items were raised by two points (capped at 10) in the second wave
    assert 1.0 < change["change"] < 2.0 and change["p"] < 0.001
    assert row["change"] == f"+{change['change']:.2f} ▲" and row["p"] == "<0.001"
    assert row["verdict"] == words["significant_up"] and row["change"] in text
    nps = next(r for r in trends["changes"] if r["label"] == words["col_nps"])
    nps_change = next(c for c in waves_result["trends"]["changes"] if c["measure"].startswith("NPS"))
    assert nps["change"].split(" ")[0] == f"{nps_change['change']:+.1f}".replace("+-", "-")
    assert nps["verdict"] == words["not_significant"]
    # Quality lacks an item in 2025: it has no change row, and the report says so
    assert not any(r["label"] == names["Quality"] for r in trends["changes"])
    assert trends["not_comparable"] == [words["not_comparable_line"].format(label=names["Quality"], waves="2025"),
                                        words["not_comparable_line"].format(label=names["PERQ7"], waves="2025")]
    assert words["not_comparable_title"] in text
    levels = {(lv["measure"], lv["wave"]): lv for lv in waves_result["trends"]["levels"]}
    satisfaction = next(r for r in trends["rows"] if r["label"] == names["Satisfaction"])
    assert satisfaction["cells"] == [f"{levels[('Satisfaction', w)]['index']:.1f}" for w in ("2025", "2026")]
    quality = next(r for r in trends["rows"] if r["label"] == names["Quality"])
    assert quality["cells"][0] == "–" and all(cell in text for cell in satisfaction["cells"])
