"""Minimum group size and complementary suppression, tested by trying to recover hidden groups."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.confidentiality import protect_differences, suppress_groups


def test_small_group_is_hidden_and_cannot_be_recovered_by_subtraction():
    counts = {"Sales": 12, "IT": 3, "HR": 7}
    result = suppress_groups(counts, k=5)
    assert result.hidden == {"IT": "small", "HR": "complementary"}
    assert result.shown == {"Sales": 12}
    total = sum(counts.values())
    assert total - sum(result.shown.values()) >= 5  # the attacker's remainder covers at least k people


def test_groups_at_the_threshold_are_shown_and_empty_groups_reveal_nobody():
    result = suppress_groups({"A": 5, "B": 9, "C": 0}, k=5)
    assert result.hidden == {}
    assert result.shown == {"A": 5, "B": 9, "C": 0}


def test_several_small_groups_together_can_stay_hidden_without_complement():
    result = suppress_groups({"A": 3, "B": 4, "C": 20}, k=5)
    assert result.hidden == {"A": "small", "B": "small"}
    assert result.shown == {"C": 20}


def test_everything_hidden_when_nothing_else_can_cover_the_remainder():
    result = suppress_groups({"A": 2, "B": 30}, k=5)
    assert set(result.hidden) == {"A", "B"} and result.shown == {} and result.total_shown


def test_total_hidden_when_only_one_small_group_answered():
    result = suppress_groups({"A": 3, "B": 0}, k=5)
    assert result.hidden == {"A": "small"} and not result.total_shown


def test_bad_arguments():
    with pytest.raises(ValueError, match="at least 2"):
        suppress_groups({"A": 3}, k=1)
    with pytest.raises(ValueError, match="negative"):
        suppress_groups({"A": -1})


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 40), max_size=8), st.integers(2, 10))
def test_no_hidden_group_is_recoverable_from_shown_groups_and_the_total(counts, k):
    result = suppress_groups(counts, k=k)
    for n in result.shown.values():
        assert n == 0 or n >= k
    remainder = sum(counts.values()) - sum(result.shown.values())
    if result.total_shown:
        assert remainder == 0 or remainder >= k
    else:
        assert 0 < remainder < k
    assert set(result.shown) | set(result.hidden) == {str(g) for g in counts}


def leaked(groups: dict[str, set[int]], shown: dict[str, int], k: int) -> list[tuple[str, str, set[int]]]:
    """The attacker's view: every difference of two shown figures that singles out 1 to k-1 people."""
    out = []
    for a in shown:
        for b in shown:
            if a != b and 0 < len(groups[a] - groups[b]) < k:
                out.append((a, b, groups[a] - groups[b]))
    return out


def test_two_overlapping_filters_cannot_isolate_two_people():
    sales = set(range(12))
    sales_senior = set(range(10))  # "Sales" and "Sales, tenure > 1 year": the difference is the 2 new hires
    groups = {"Sales": sales, "Sales senior": sales_senior, "IT": set(range(100, 130))}
    assert leaked(groups, {"Sales": 12, "Sales senior": 10}, 5)  # the attack works without protection
    result = protect_differences(groups, k=5)
    assert result.hidden == {"Sales senior": "difference with Sales"}
    assert set(result.shown) == {"Sales", "IT"}
    assert leaked(groups, result.shown, 5) == []


def test_wave_to_wave_difference_hides_a_joiner_and_a_leaver():
    wave1 = set(range(20))
    wave2 = (wave1 - {0}) | {99}  # one person left, one joined: each wave minus the other is one person
    result = protect_differences({"Ops 2024": wave1, "Ops 2025": wave2}, k=5)
    assert len(result.shown) == 1 and len(result.hidden) == 1
    stable = protect_differences({"Ops 2024": wave1, "Ops 2025": wave1 | set(range(50, 56))}, k=5)
    assert stable.hidden == {}  # six joiners: their answers are a group of k or more


def test_small_groups_and_identical_groups():
    result = protect_differences({"a": {1, 2}, "b": set(range(10)), "c": set(range(10))}, k=5)
    assert result.hidden == {"a": "small"}
    assert result.shown == {"b": 10, "c": 10}  # identical figures reveal nobody
    with pytest.raises(ValueError, match="at least 2"):
        protect_differences({"a": {1}}, k=1)


def test_hiding_prefers_the_group_in_most_leaks():
    hub = set(range(30))
    # each spoke drops six of the hub's people and adds one outsider: spoke - hub is that one person
    spokes = {f"spoke{i}": (hub - set(range(6 * i, 6 * i + 6))) | {100 + i} for i in range(3)}
    groups = {"hub": hub, **spokes}
    result = protect_differences(groups, k=5)
    assert result.hidden == {"hub": "difference with spoke0"}  # one figure hidden instead of three
    assert leaked(groups, result.shown, 5) == []


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from("ABCDEFGH"), st.sets(st.integers(0, 25), max_size=20), max_size=7),
       st.integers(2, 6))
def test_no_shown_pair_singles_out_fewer_than_k(groups, k):
    result = protect_differences(groups, k=k)
    assert set(result.shown) | set(result.hidden) == set(groups)
    for n in result.shown.values():
        assert n == 0 or n >= k
    assert leaked(groups, result.shown, k) == []
