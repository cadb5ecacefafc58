"""Every cell of the satisfaction-trap diagnosis under k people is hidden, with what was computed from it."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.small_cells import hide_small_cells
from analysis.trap_analysis import trap_analysis


def _level(level: float, n: int, share: float | None) -> dict:
    return {"level": level, "label": str(int(level)), "n": n, "loyal": None, "loyal_share": share,
            "ci_low": share, "ci_high": share}


def _trap(**parts) -> SimpleNamespace:
    curve = {"levels": [_level(1, 1, 0.0), _level(2, 12, 0.1), _level(3, 20, 0.3), _level(4, 3, 1.0)],
             "steps": [{"from_level": a, "to_level": a + 1, "difference": 0.1, "p": 0.5} for a in (1, 2, 3)],
             "jump": {"from_level": 3, "to_level": 4, "difference": 0.7}, "lift": 3.3,
             "lift_difference": {"difference": 0.7}}
    base = {"curve": curve, "lift": 3.3, "segments": {}, "trap_index": {"trap_index": 0.2}, "stages": None,
            "complaints": None, "kano": None, "behaviour": None}
    return SimpleNamespace(**{**base, **parts})


def test_small_levels_and_everything_computed_from_them_are_hidden():
    trap = _trap()
    hide_small_cells(trap, 5)
    levels = trap.curve["levels"]
    # 1 and 4 are small (4 together): the next smallest, 2, is hidden too, else total - 2 - 3 would be them
    assert [level.get("hidden") for level in levels] == ["small", "complementary", None, "small"]
    assert all(level["n"] is None and level["loyal_share"] is None for level in levels if level.get("hidden"))
    assert levels[0]["label"] == "1"  # a hidden cell keeps its label
    assert all(step.get("hidden") for step in trap.curve["steps"])
    assert trap.curve["jump"] is None and trap.lift is None and trap.curve["lift_difference"] is None


def test_a_subgroup_is_hidden_when_it_or_the_rest_of_its_group_is_small():
    shares = {name: {"n": n, "share": n / 100} for name, n in
              (("loyalist", 30), ("apostle", 28), ("mercenary", 20), ("hostage", 20), ("defector", 30),
               ("terrorist", 3))}
    trap = _trap(segments={"shares": shares, "stage": {"mercenary": {"new": 0.9, "old": 0.1}},
                           "mercenary_profile": [{"column": "Q1", "lower": True}]})
    hide_small_cells(trap, 5)
    # apostles 28 of 30 loyalists: loyalists minus apostles would be two people
    assert shares["apostle"]["hidden"] == "complementary" and shares["terrorist"]["hidden"] == "small"
    assert not shares["loyalist"].get("hidden") and shares["mercenary"]["share"] == 0.2
    # the mercenaries' stage shares are 18 and 2 people: the 2 go, and the 18 with them
    assert trap.segments["stage"]["mercenary"] == {"new": None, "old": None}


def test_complaint_groups_their_rates_justice_and_the_paradox_follow_a_hidden_group():
    groups = {"no_problem": {"n": 80, "mean_satisfaction": 8.0}, "silent": {"n": 2, "mean_satisfaction": 3.0},
              "complained": {"n": 6, "mean_satisfaction": 5.0}, "recovered": {"n": 1, "mean_satisfaction": 9.0}}
    complaints = {"n": 88, "problem_rate": 8 / 88, "problem_rate_ci": [0.04, 0.17], "silent_share": 0.25,
                  "complaint_rate": 6 / 88, "complained_among_problems": 0.75,
                  "complained_among_problems_ci": [0.4, 0.9], "groups": groups,
                  "by_justice": {"outcome": {"good": {"n": 6, "mean_satisfaction": 5.0}, "poor": {"n": 0},
                                             "difference": {"difference": 1.0}}},
                  "recovery_paradox": {"holds": True, "n_recovered": 1}}
    trap = _trap(complaints=complaints)
    hide_small_cells(trap, 5)
    assert groups["silent"]["hidden"] == "small" and groups["complained"]["hidden"] == "complementary"
    assert groups["recovered"]["hidden"] and complaints["recovery_paradox"]["holds"] is None
    # 75 % of 8 is 6: the rates made from hidden counts are hidden; the problem rate (8 of 88) is not
    assert complaints["silent_share"] is None and complaints["complained_among_problems"] is None
    assert complaints["problem_rate"] == 8 / 88
    # all six complainers said the outcome was good: that cell would be the hidden group itself
    justice = complaints["by_justice"]["outcome"]
    assert justice["good"]["hidden"] and justice["difference"]["hidden"]


def test_kano_counts_under_k_are_hidden():
    kano = {"Q1": {"n": 40, "counts": {"A": 20, "O": 14, "M": 3, "I": 2, "R": 1, "Q": 0},
                   "shares": {"A": 0.5, "O": 0.35, "M": 0.075, "I": 0.05, "R": 0.025, "Q": 0.0}}}
    trap = _trap(kano=kano)
    hide_small_cells(trap, 5)
    assert kano["Q1"]["counts"] == {"A": 20, "O": 14, "M": None, "I": None, "R": None, "Q": 0}
    assert kano["Q1"]["shares"]["M"] is None


def test_a_hidden_mercenary_segment_hides_the_trap_index_and_its_findings_sentence():
    rng = np.random.default_rng(4)
    satisfaction = rng.integers(1, 11, 120).astype(float)
    loyalty = np.where(satisfaction >= 9, 10.0, rng.integers(1, 9, 120).astype(float))
    loyalty[np.argmax(satisfaction)] = 1.0  # exactly one satisfied person who is not loyal
    frame = pd.DataFrame({"SAT": satisfaction, "LOY": loyalty})
    trap = trap_analysis(frame, satisfaction="SAT", loyalty="LOY", satisfaction_scale=(1, 10),
                         loyalty_scale=(1, 10), bootstrap=0)
    assert trap.segments["shares"]["mercenary"]["n"] == 1
    hide_small_cells(trap, 5)
    assert trap.trap_index["trap_index"] is None and trap.segments["shares"]["mercenary"]["hidden"]


def test_a_threshold_below_two_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        hide_small_cells(_trap(), 1)
