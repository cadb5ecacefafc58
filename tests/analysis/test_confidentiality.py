"""Minimum group size and complementary suppression, tested by trying to recover hidden groups."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.confidentiality import suppress_groups


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
