"""The satisfaction-trap section and the recommended actions, built from a real RESULT in both languages."""

from __future__ import annotations

from typing import Any

import pytest

from analysis.trap_findings import FINDING_KINDS
from reports.context import FINDING_PARTS, build_context
from reports.messages import MESSAGES
from tests.reports.conftest import customer_labels

#: The questionnaire's own wording, as the app passes it (survey_app.services.analysis).
labels = customer_labels


@pytest.fixture(scope="module")
def contexts(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {lang: build_context(result, lang=lang, charts=False, meta={"labels": labels(lang)})
            for lang in ("en", "zh")}


def test_every_finding_has_a_kind_and_lands_in_the_part_it_speaks_about(
        result: dict[str, Any], contexts: dict[str, dict[str, Any]]) -> None:
    kinds = [f["kind"] for f in result["trap"]["findings"]]
    assert set(kinds) <= set(FINDING_KINDS)
    parts = [FINDING_PARTS[kind] for kind in kinds]
    # The RESULT has a zone with a jump, segments, complaints, stages and a customer file: each speaks.
    assert {"index", "curve", "segments", "complaints", "stages", "behaviour"} <= set(parts)
    for lang, context in contexts.items():
        shown = [line for key in ("index", "curve", "segments", "attributes", "stages", "complaints", "behaviour")
                 if context["trap"][key] for line in context["trap"][key]["findings"]]
        assert sorted(shown) == sorted(f[lang] for f in result["trap"]["findings"])
        assert context["trap"]["general"] == []


def test_every_finding_kind_has_a_place_in_the_report() -> None:
    assert set(FINDING_KINDS) == set(FINDING_PARTS)


def test_findings_are_placed_by_kind_not_by_wording(result: dict[str, Any]) -> None:
    # Employee surveys reword the sentences; a reworded (or reworded-by-translation) finding keeps its place.
    trap = dict(result["trap"])
    trap["findings"] = [{"kind": "deepest_stage", "en": "Reworded.", "zh": "改写。"},
                        {"kind": "something_new", "en": "New.", "zh": "新。"}]
    context = build_context({**result, "trap": trap}, lang="zh", charts=False)
    assert context["trap"]["stages"]["findings"] == ["改写。"]
    assert context["trap"]["general"] == ["新。"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_curve_has_every_level_the_zone_and_the_jump(result: dict[str, Any], contexts: dict[str, Any],
                                                     lang: str) -> None:
    curve, trap = contexts[lang]["trap"]["curve"], result["trap"]
    levels = trap["curve"]["levels"]
    assert [row["level"] for row in curve["rows"]] == [level["label"] for level in levels]
    assert [row["n"] for row in curve["rows"]] == [f"{level['n']:,}" for level in levels]
    low, high = trap["zone_of_indifference"]
    jump = trap["curve"]["jump"]
    words = MESSAGES[lang]
    assert curve["lines"][0] == words["zone_line"].format(low=f"{low:g}", high=f"{high:g}")
    assert curve["lines"][1] == words["jump_line"].format(a=f"{jump['from_level']:g}", b=f"{jump['to_level']:g}",
                                                          diff=f"{100 * jump['difference']:.1f}")


def test_curve_chart_shades_the_zone_and_marks_the_jump(result: dict[str, Any]) -> None:
    context = build_context(result, lang="en", meta={"labels": labels("en")})
    svg = context["trap"]["curve"]["chart"]
    assert svg.startswith("<svg") and "Zone of indifference" in svg and "Jump +" in svg
    # The axis names the satisfaction question by its wording, not by its code.
    assert labels("en")["CUSA1"].split()[0] in svg and "CUSA1" not in svg


def test_segments_attributes_and_stages_use_labels_not_item_codes(contexts: dict[str, Any],
                                                                   result: dict[str, Any]) -> None:
    en, zh = contexts["en"]["trap"], contexts["zh"]["trap"]
    assert [row["name"] for row in en["segments"]["rows"]] == ["Loyalists", "Apostles", "Mercenaries", "Hostages",
                                                               "Defectors", "Terrorists"]
    mercenary = result["trap"]["segments"]["shares"]["mercenary"]
    assert en["segments"]["rows"][2]["share"] == f"{100 * mercenary['share']:.1f}%"
    assert "at least 9" in en["segments"]["thresholds"][0] and "不低于 9" in zh["segments"]["thresholds"][0]
    attribute_labels = {row["label"] for row in en["attributes"]["rows"]}
    assert attribute_labels == {labels("en")[code] for code in result["trap"]["attributes"]}
    ia = [float(row["ia"]) for row in en["attributes"]["rows"]]
    assert ia == sorted(ia)  # basic attributes first
    # Stages in relationship order, with the zh programme and the deepest stage marked.
    assert [row["stage"].split(" ")[0] for row in en["stages"]["rows"]] == ["Exploration", "Formation", "Stability",
                                                                           "Decline"]
    stages = result["trap"]["stages"]
    deepest = max(stages, key=lambda name: stages[name]["trap_index"])
    assert sum("(deepest)" in row["stage"] for row in en["stages"]["rows"]) == 1
    assert any(row["stage"] == MESSAGES["zh"]["deepest"].format(stage=MESSAGES["zh"][f"stage_{deepest}"])
               and row["programme"] == MESSAGES["zh"][f"programme_{deepest}"] for row in zh["stages"]["rows"])
    for row in en["stages"]["rows"]:
        assert "PERQ" not in row["basic"] + row["latent"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_complaints_and_revenue_at_risk(result: dict[str, Any], contexts: dict[str, Any], lang: str) -> None:
    section, trap = contexts[lang]["trap"], result["trap"]
    complaints = trap["complaints"]
    assert [kpi["value"] for kpi in section["complaints"]["kpis"]] == [
        f"{100 * complaints[key]:.0f}%" for key in ("problem_rate", "complained_among_problems", "silent_share")]
    assert [row["n"] for row in section["complaints"]["rows"]] == [
        f"{complaints['groups'][g]['n']:,}" for g in ("no_problem", "silent", "complained", "recovered")]
    verdict = "paradox_holds" if complaints["recovery_paradox"]["holds"] else "paradox_not"
    assert section["complaints"]["paradox"].endswith(MESSAGES[lang][verdict])
    risk = trap["behaviour"]["revenue_at_risk"]
    assert f"{100 * risk['share_of_revenue']:.1f}%" in section["behaviour"]["lines"][0]
    assert f"{int(risk['mercenary_revenue']):,}" in section["behaviour"]["lines"][0]
    tiers = trap["behaviour"]["value"]["tiers"]
    assert [row["n"] for row in section["behaviour"]["rows"]] == [f"{t['n']:,}" for t in tiers.values()]
    assert section["behaviour"]["rows"][0]["tier"] == MESSAGES[lang]["tier_platinum"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_actions_follow_the_findings(result: dict[str, Any], contexts: dict[str, Any], lang: str) -> None:
    words, trap = MESSAGES[lang], result["trap"]
    actions = {item["action"]: item["why"] for item in contexts[lang]["actions"]}
    stages = trap["stages"]
    deepest = max(stages, key=lambda name: stages[name]["trap_index"])
    programme = stages[deepest]["programme"] if lang == "en" else words[f"programme_{deepest}"]
    stage_action = words["act_stage"].format(stage=words[f"stage_{deepest}"], programme=programme)
    assert actions[stage_action] == words["act_stage_why"].format(share=f"{100 * stages[deepest]['trap_index']:.0f}%")
    zone, jump = trap["zone_of_indifference"], trap["curve"]["jump"]
    assert actions[words["act_top_box"]] == words["act_top_box_why"].format(
        low=f"{zone[0]:g}", high=f"{zone[1]:g}", a=f"{jump['from_level']:g}", b=f"{jump['to_level']:g}")
    silent = trap["complaints"]["silent_share"]
    assert (words["act_complain"] in actions) == (silent >= 0.3)
    recovered = "act_recover" if trap["complaints"]["recovery_paradox"]["holds"] else "act_prevent"
    assert words[recovered] in actions
    share = trap["behaviour"]["revenue_at_risk"]["share_of_revenue"]
    assert actions[words["act_protect"]] == words["act_protect_why"].format(share=f"{100 * share:.0f}%")
    basic = [c for c, v in trap["attributes"].items() if v["class"] == "basic" and v["class_confident"]]
    assert any(action.startswith(words["act_basic"].split("{")[0]) for action in actions) == bool(basic)


def test_no_actions_without_findings(result: dict[str, Any]) -> None:
    bare = {key: value for key, value in result.items() if key not in ("trap", "drivers")}
    context = build_context(bare, lang="en", charts=False)
    assert context["actions"] == [] and "actions" not in [entry["id"] for entry in context["toc"]]
