"""KPIs by unit with the hierarchy rolled up: everyone, then each region above its stores."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis.engine import run_analysis
from analysis.model import ModelSpec
from instruments.registry import get_instrument
from instruments.synthetic import synthetic_responses
from reports.context import build_context
from reports.context.rules import TABLE_COLUMNS
from reports.messages import MESSAGES
from reports.render import render_html
from tests.reports.tables import whole_table

#: the shipped customer questionnaire's branches in two regions under one company, which runs "online" itself
PARENTS = {"north": "ne", "east": "ne", "south": "sw", "west": "sw", "central": "sw", "ne": "all", "sw": "all",
           "online": "all"}
NAMES = {"en": {"ne": "North-east region", "sw": "South-west region", "all": "The company",
                "UNIT": "store",
                "north": "North branch", "east": "East branch", "south": "South branch", "west": "West branch",
                "central": "Central branch", "online": "Online"},
         "zh": {"ne": "东北片区", "sw": "西南片区", "all": "公司", "UNIT": "门店", "north": "北区门店",
                "east": "东区门店", "south": "南区门店", "west": "西区门店", "central": "中心门店", "online": "网上"}}
KINDS = {"en": {"ne": "region", "sw": "region", "all": "company"}, "zh": {"ne": "地区", "sw": "地区", "all": "公司"}}


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    instrument = get_instrument("customer_satisfaction")
    spec = ModelSpec.from_dict(instrument.model_spec(), source="customer_satisfaction")
    frame = synthetic_responses(instrument, 500, seed=5, contrasts=True)
    return run_analysis(frame, spec, by="UNIT", parents=PARENTS)


def _context(result: dict[str, Any], lang: str) -> dict[str, Any]:
    return build_context(result, lang=lang, charts=False,
                         meta={"labels": NAMES[lang], "unit_kinds": KINDS[lang]})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_everyone_first_then_each_region_above_its_stores(result: dict[str, Any], lang: str) -> None:
    groups = _context(result, lang)["groups"]
    table = whole_table(groups)
    names = NAMES[lang]
    rows = [(row["label"], row["depth"], row["parent"]) for row in table["rows"]]
    # the company holds everyone: the first row says it, so the company is not repeated
    assert rows[0] == (MESSAGES[lang]["all_respondents"], 0, False) and table["rows"][0]["total"]
    assert names["all"] not in [label for label, _, _ in rows]
    ne = rows.index((names["ne"], 1, True))
    assert rows[ne + 1:ne + 3] == sorted([(names["east"], 2, False), (names["north"], 2, False)])
    sw = rows.index((names["sw"], 1, True))
    assert {label for label, depth, _ in rows[sw + 1:sw + 4] if depth == 2} == {
        names["south"], names["west"], names["central"]}
    assert (names["online"], 1, False) in rows
    # a region's figures are its stores' answers together
    summary = {row["label"]: row for row in table["rows"]}
    region = result["groups"]["rollup"]["tiers"][1]["summary"]["ne"]
    assert summary[names["ne"]]["n"] == str(region["n"]) == str(
        result["groups"]["summary"]["north"]["n"] + result["groups"]["summary"]["east"]["n"])
    assert summary[names["ne"]]["cells"][0].split()[0] == f"{region['indices']['Satisfaction']:.1f}"
    # one test per level of the tree, named after what it compares; every chunk fits the page's width
    words = MESSAGES[lang]
    labels = [row["label"] for row in groups["tables"][0]["p_rows"]]
    assert labels == [words["welch_p_among"].format(among=names["UNIT"]),
                      words["welch_p_among"].format(among=KINDS[lang]["ne"])]
    assert all(len(t["header"]) <= 2 + TABLE_COLUMNS for t in groups["tables"]) and len(groups["tables"]) >= 2
    widths = {len(t["header"]) for t in groups["tables"]}
    assert max(widths) - min(widths) <= 1  # chunks of equal width, not a full one and a stub


def test_a_region_apart_from_the_others_is_flagged(result: dict[str, Any]) -> None:
    # the synthetic data's weak and strong stores sit in different regions here
    tier = result["groups"]["rollup"]["tiers"][1]
    pairs = tier["tests"]["Satisfaction"]["pairwise"]
    assert len(pairs) == 1 and pairs[0]["p_holm"] < 0.05
    table = whole_table(_context(result, "en")["groups"])
    row = next(row for row in table["rows"] if row["label"] == NAMES["en"]["ne"])
    assert row["cells"][0].endswith("▲" if pairs[0]["diff"] > 0 else "▼")


def test_a_hidden_region_shows_why_and_none_of_its_figures(result: dict[str, Any]) -> None:
    size_of_sw = "Groups at depth 1 (Satisfaction): Group 'sw' has only 12 answers; its mean is rough."
    hidden = {**result, "warnings": [*result["warnings"], size_of_sw], "groups": {**result["groups"], "rollup": {
        **result["groups"]["rollup"], "tiers": [
            result["groups"]["rollup"]["tiers"][0],
            {**result["groups"]["rollup"]["tiers"][1],
             "suppression": {"k": 5, "shown": ["ne"], "hidden": {"sw": "complementary"}}}]}}}
    context = _context(hidden, "en")
    row = next(row for row in whole_table(context["groups"])["rows"] if row["label"] == NAMES["en"]["sw"])
    assert row["hidden"] == MESSAGES["en"]["suppressed_complementary"] and row["cells"] == [] and row["n"] == ""
    # a warning naming the hidden region would give its size away
    assert not any("only 12 answers" in line for line in context["appendix"]["warnings"])
    assert any("only 12 answers" in line for line in _context({**result, "warnings": [size_of_sw]}, "en")[
        "appendix"]["warnings"])
    html = render_html(hidden, lang="en", meta={"labels": NAMES["en"], "unit_kinds": KINDS["en"]})
    figures = result["groups"]["rollup"]["tiers"][1]["summary"]["sw"]
    line = html[html.index(NAMES["en"]["sw"]):][:400]
    assert str(figures["n"]) not in line.split("</tr>")[0]


def test_without_a_hierarchy_the_table_is_flat_under_everyone() -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({f"Q{i}": rng.integers(1, 6, 60) for i in (1, 2)} | {"g": rng.choice(["a", "b"], 60)})
    spec = ModelSpec.from_dict({"constructs": {"Quality": ["Q1", "Q2"]}, "scale": {"min": 1, "max": 5}})
    table = whole_table(build_context(run_analysis(frame, spec, by="g"), lang="en", charts=False)["groups"])
    assert [(row["label"], row["depth"]) for row in table["rows"]] == [
        (MESSAGES["en"]["all_respondents"], 0), ("a", 0), ("b", 0)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_summary_names_the_units_the_table_flags(result: dict[str, Any], lang: str) -> None:
    context = _context(result, lang)
    rows = whole_table(context["groups"])["rows"]
    units = {row["label"]: row["cells"][0] for row in rows if not row["total"] and not row["parent"]}
    above = [name for name, cell in units.items() if cell.endswith("▲")]
    below = [name for name, cell in units.items() if cell.endswith("▼")]
    assert above or below  # the planted weaker and stronger stores
    words, by = MESSAGES[lang], NAMES[lang]["UNIT"]
    join = "、" if lang == "zh" else ", "
    line = context["summary"]["units"]
    for key, names in (("units_above", above), ("units_below", below)):
        if names:
            order = [NAMES[lang][level] for level in result["groups"]["levels"]]
            assert words[key].format(by=by, names=join.join(sorted(names, key=order.index))) in line
        else:
            assert words[key].split("{")[0] not in line
