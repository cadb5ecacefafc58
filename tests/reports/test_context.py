"""The report context: wording tables, numbers as printed, group flags, levers, hooks and escaping."""

from __future__ import annotations

import re
import string
from typing import Any

import pandas as pd
import pytest

from reports.context import build_context
from reports.errors import ReportError
from reports.messages import LANGUAGES, MESSAGES
from reports.render import render_html

HOSTILE = "<script>alert('x')</script><img src=\"file:///etc/passwd\">"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_messages_and_placeholders() -> None:
    assert set(LANGUAGES) == set(MESSAGES)
    assert MESSAGES["en"].keys() == MESSAGES["zh"].keys()
    for key in MESSAGES["en"]:
        assert placeholders(MESSAGES["en"][key]) == placeholders(MESSAGES["zh"][key]), key


def test_unknown_language_is_refused(result: dict[str, Any]) -> None:
    with pytest.raises(ReportError, match="'fr'.*en, zh"):
        build_context(result, lang="fr", charts=False)


def test_nps_and_n_are_printed_as_computed_from_the_answers(result: dict[str, Any],
                                                             responses: pd.DataFrame) -> None:
    # NPS by its definition (SCIENCE.md section 6), straight from the raw 0-10 answers.
    answers = responses["CUSL3"]
    score = 100 * ((answers >= 9).mean() - (answers <= 6).mean())
    for lang in LANGUAGES:
        context = build_context(result, lang=lang, charts=False)
        assert context["summary"]["nps"]["value"] == f"{score:.1f}"
        assert context["nps"]["rows"][0]["score"] == f"{score:.1f}"
        assert context["summary"]["n"] == f"{len(responses):,}"
        assert context["cover"]["respondents"].startswith(f"{len(responses):,}")


def test_the_three_levers_come_from_the_finest_satisfaction_driver_analysis(result: dict[str, Any]) -> None:
    analysis = max((d for d in result["drivers"] if d["outcome"] == "Satisfaction"),
                   key=lambda d: len(d["predictors"]))
    top = sorted(analysis["shapley"], key=lambda name: -analysis["shapley"][name])[:3]
    labels = {name: f"Label {name}" for name in top}
    levers = build_context(result, lang="en", meta={"labels": labels}, charts=False)["summary"]["levers"]
    assert [line.split(":")[0] for line in levers] == [labels[name] for name in top]
    share = analysis["shapley"][top[0]]
    assert f"explains {100 * share:.1f}% of the variation" in levers[0]


def test_group_cells_are_flagged_by_holm_adjusted_pairwise_tests(result: dict[str, Any]) -> None:
    # Hand-made tests on one construct: north beats south; east and west differ only without adjustment.
    groups = {
        "by": "UNIT", "levels": ["east", "north", "south", "west"],
        "summary": {level: {"n": 10, "indices": {"Quality": 50.0}}
                    for level in ["east", "north", "south", "west"]},
        "tests": {"Quality": {"welch_anova": {"p": 0.0004}, "pairwise": [
            {"a": "north", "b": "south", "diff": 1.2, "p": 0.001, "p_holm": 0.004},
            {"a": "east", "b": "west", "diff": -0.5, "p": 0.03, "p_holm": 0.12},
        ]}},
    }
    # Without a heatmap the flags come from the pairwise tests of ``groups``.
    context = build_context({**result, "groups": groups, "heatmap": None}, lang="en", charts=False)
    table = context["groups"]["tables"][0]
    cells = {row["label"]: row["cells"][0] for row in table["rows"] if not row.get("total")}
    assert cells == {"north": "50.0 ▲", "south": "50.0 ▼", "east": "50.0", "west": "50.0"}
    assert table["p_rows"][0]["cells"][0] == "<0.001"


def test_trap_section_works_from_a_partial_result_and_keeps_unsorted_findings(result: dict[str, Any]) -> None:
    trap = {"findings": [{"en": "Most satisfied customers stay.", "zh": "大多数满意的客户会留下。"}],
            "trap_index": {"trap_index": 0.43, "ci_low": 0.35, "ci_high": 0.52, "n_satisfied": 120},
            "attributes": {"PERQ1": {"class": "basic", "impact_asymmetry": -0.31, "class_confident": True}}}
    zh = build_context({**result, "trap": trap}, lang="zh", charts=False, meta={"labels": {"PERQ1": "一次办好"}})
    assert zh["trap"]["general"] == ["大多数满意的客户会留下。"]
    assert zh["summary"]["trap"] == ["大多数满意的客户会留下。"]
    assert zh["trap"]["index"]["value"] == "43%" and zh["trap"]["index"]["ci"] == "95% 置信区间 35.0% 至 52.0%"
    assert zh["trap"]["attributes"]["rows"][0] == {
        "label": "一次办好", "class": "基本属性", "penalty": "–", "reward": "–", "ia": "-0.31", "ia_ci": "–",
        "range": "–", "mean": "–"}
    assert zh["trap"]["curve"] is None and zh["trap"]["stages"] is None and zh["trap"]["behaviour"] is None
    assert {"action": "确保一次办好稳定可靠", "why": MESSAGES["zh"]["act_basic_why"]} in zh["actions"]
    assert "trap" in [entry["id"] for entry in zh["toc"]]
    without = build_context({key: value for key, value in result.items() if key != "trap"}, lang="en",
                            charts=False)
    assert without["trap"] is None and "trap" not in [entry["id"] for entry in without["toc"]]


def test_hostile_labels_and_title_are_escaped_in_the_html(result: dict[str, Any]) -> None:
    labels = {"Quality": HOSTILE, "Satisfaction": HOSTILE, "north": HOSTILE}
    html = render_html(result, lang="en", title=HOSTILE, meta={"labels": labels, "organisation": HOSTILE})
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(" in html
    # Labels also reach the charts: matplotlib writes them as escaped SVG text.
    svg_text = " ".join(re.findall(r"<svg.*?</svg>", html, flags=re.S))
    assert "&lt;script&gt;" in svg_text
