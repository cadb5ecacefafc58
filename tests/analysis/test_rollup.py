"""Groups rolled up a hierarchy: the tiers of parents, and the engine's figures of each parent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.oneway import anova_oneway

from analysis.engine import run_analysis
from analysis.errors import AnalysisError
from analysis.model import ModelSpec
from analysis.rollup import chains, tiers, tree_order

#: stores in two regions of one division, one region with answers of its own, and a store on its own
PARENTS = {"north": "R1", "east": "R1", "south": "R2", "west": "R2", "R1": "D", "R2": "D"}
SPEC = ModelSpec.from_dict({"constructs": {"Quality": ["Q1", "Q2", "Q3"], "Loyalty": ["L1", "L2"]},
                            "outcomes": {"recommend": "REC"}, "scale": {"min": 1, "max": 5},
                            "scales": {"REC": {"min": 0, "max": 10}}})


@pytest.fixture(scope="module")
def answers() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 400
    store = rng.choice(["north", "east", "south", "west", "online", "R2"], n, p=[.2, .2, .2, .2, .1, .1])
    shift = pd.Series(store).map({"north": 1.0, "east": 0.6, "south": -0.6, "west": -0.2, "online": 0, "R2": 0})
    frame = pd.DataFrame({code: np.clip(np.round(3 + shift + rng.normal(0, 1, n)), 1, 5).astype(int)
                          for code in ["Q1", "Q2", "Q3", "L1", "L2"]})
    frame["REC"] = np.clip(np.round(6 + 2 * shift + rng.normal(0, 2.5, n)), 0, 10).astype(int)
    frame["store"] = store
    return frame


def test_tiers_go_down_the_tree_and_count_a_parents_own_answers() -> None:
    groups = pd.Series(["north", "east", "south", "R2", "online", None, "west"])
    found = tiers(groups, PARENTS)
    assert [(tier.depth, tier.levels) for tier in found] == [(0, ["D"]), (1, ["R1", "R2"])]
    assert found[0].labels.tolist() == ["D", "D", "D", "D", None, None, "D"]
    # R2's own answers count in R2; the store on its own is in no region
    assert found[1].labels.tolist() == ["R1", "R1", "R2", "R2", None, None, "R2"]


def test_tree_order_walks_parents_before_children_and_a_cycle_is_refused() -> None:
    assert tree_order(["west", "R1", "online", "D", "north", "R2"], PARENTS) == [
        "D", "R1", "north", "R2", "west", "online"]
    assert chains(PARENTS)["north"] == ["D", "R1", "north"]
    with pytest.raises(AnalysisError, match="cycle"):
        chains({"a": "b", "b": "c", "c": "a"})


def _index(rows: pd.DataFrame, items: list[str]) -> float:
    """The equal-weight 0-100 index, written out: the mean over items of 100 (mean - 1) / (5 - 1)."""
    return float(np.mean([100 * (rows[item].mean() - 1) / 4 for item in items]))


def _nps(rows: pd.DataFrame) -> float:
    return 100 * float((rows["REC"] >= 9).mean() - (rows["REC"] <= 6).mean())


def test_each_parents_figures_are_those_of_its_whole_subtree(answers: pd.DataFrame) -> None:
    result = run_analysis(answers, SPEC, by="store", parents=PARENTS, min_group_size=5)
    groups = result["groups"]
    rollup = groups["rollup"]
    assert [tier["levels"] for tier in rollup["tiers"]] == [["D"], ["R1", "R2"]]
    subtrees = {"D": ["north", "east", "south", "west", "R2"], "R1": ["north", "east"],
                "R2": ["south", "west", "R2"]}
    for tier in rollup["tiers"]:
        for node in tier["levels"]:
            rows = answers[answers["store"].isin(subtrees[node])]
            entry = tier["summary"][node]
            assert entry["n"] == len(rows)
            assert entry["indices"]["Quality"] == pytest.approx(_index(rows, ["Q1", "Q2", "Q3"]), abs=1e-9)
            assert entry["indices"]["Loyalty"] == pytest.approx(_index(rows, ["L1", "L2"]), abs=1e-9)
            assert entry["nps"]["score"] == pytest.approx(_nps(rows), abs=1e-9)
    total = groups["total"]
    assert total["n"] == len(answers)
    assert total["indices"]["Quality"] == pytest.approx(_index(answers, ["Q1", "Q2", "Q3"]), abs=1e-9)
    assert total["nps"]["score"] == pytest.approx(_nps(answers), abs=1e-9)
    assert rollup["parents"]["north"] == "R1" and rollup["parents"]["online"] is None


def test_regions_are_compared_as_statsmodels_welch_anova_compares_them(answers: pd.DataFrame) -> None:
    result = run_analysis(answers, SPEC, by="store", parents=PARENTS, min_group_size=5)
    regions = result["groups"]["rollup"]["tiers"][1]
    region = answers["store"].map({"north": "R1", "east": "R1", "south": "R2", "west": "R2", "R2": "R2"})
    quality = answers[["Q1", "Q2", "Q3"]].mean(axis=1)
    reference = anova_oneway(quality[region.notna()], region.dropna(), use_var="unequal")
    assert regions["tests"]["Quality"]["welch_anova"]["p"] == pytest.approx(reference.pvalue, rel=1e-9)
    assert regions["tests"]["Quality"]["welch_anova"]["F"] == pytest.approx(reference.statistic, rel=1e-9)
    # a tier of one parent has nothing to compare it with
    assert result["groups"]["rollup"]["tiers"][0]["tests"] == {}


def test_a_small_parent_is_suppressed_at_its_level(answers: pd.DataFrame) -> None:
    few = pd.concat([answers[answers["store"] != "west"], answers[answers["store"] == "west"].head(3)])
    parents = {"north": "R1", "east": "R1", "south": "R2", "west": "R3"}
    result = run_analysis(few, SPEC, by="store", parents=parents, min_group_size=5)
    suppression = result["groups"]["rollup"]["tiers"][0]["suppression"]
    assert suppression["hidden"]["R3"] == "small"
    assert "R3" not in suppression["shown"]


def test_a_hierarchy_needs_the_grouping_column(answers: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="by="):
        run_analysis(answers, SPEC, parents=PARENTS)
    flat = run_analysis(answers, SPEC, by="store")
    assert "rollup" not in flat["groups"] and flat["groups"]["total"]["n"] == len(answers)
