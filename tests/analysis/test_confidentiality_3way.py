"""Three-figure differencing attacks on protect_differences: each attack is carried out on released sums."""

from __future__ import annotations

from itertools import combinations, product

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.confidentiality import protect_differences


def release(groups: dict[str, set[int]], shown, scores: dict[int, float]) -> dict[str, tuple[int, float]]:
    """What a report prints for each shown group: its count and the sum of its people's scores (mean = sum / n)."""
    return {name: (len(groups[name]), sum(scores[p] for p in groups[name])) for name in shown}


def attack(groups: dict[str, set[int]], figures: dict[str, tuple[int, float]], k: int) -> list[tuple]:
    """Every group of 1 to k-1 people whose sum an attacker gets from +-1 combinations of up to three figures.

    The attacker knows who is in which group (the organisation chart, the filters); a signed combination of
    released figures is the figure of a set of people exactly when each person's net weight is 0 or 1.
    """
    people = sorted(set().union(*groups.values())) if groups else []
    column = {p: i for i, p in enumerate(people)}

    def vector(name: str) -> np.ndarray:
        v = np.zeros(len(people), dtype=int)
        v[[column[p] for p in groups[name]]] = 1
        return v

    found = []
    for size in (1, 2, 3):
        for names in combinations(sorted(figures), size):
            for signs in product((1, -1), repeat=size):
                weight = sum(s * vector(n) for s, n in zip(signs, names, strict=True))
                if not set(np.unique(weight)) <= {0, 1}:
                    continue
                singled_out = {people[i] for i in np.flatnonzero(weight)}
                count = sum(s * figures[n][0] for s, n in zip(signs, names, strict=True))
                total = sum(s * figures[n][1] for s, n in zip(signs, names, strict=True))
                if 0 < len(singled_out) < k:
                    found.append((names, signs, singled_out, count, total))
    return found


SCORES = {p: float((7 * p) % 11) for p in range(200)}


def test_parent_minus_two_children_recovers_the_third_unless_protected():
    a, b, c = set(range(6)), set(range(6, 12)), {12, 13}  # Team C has two people
    groups = {"Sales": a | b | c, "Team A": a, "Team B": b, "Team C": c}
    # Pairwise protection alone would show Sales, Team A and Team B: every pairwise difference has >= 5 people.
    shown_by_pairs = {"Sales", "Team A", "Team B"}
    leaks = attack(groups, release(groups, shown_by_pairs, SCORES), k=5)
    names, signs, people, count, total = leaks[0]
    assert people == {12, 13} and count == 2 and total == SCORES[12] + SCORES[13]  # the attack works
    result = protect_differences(groups, k=5)
    assert result.hidden["Team C"] == "small"
    # one of the equal-sized teams goes too (ties: the name), naming the two figures it would combine with
    assert result.hidden == {"Team C": "small", "Team B": "combination with Sales and Team A"}
    assert attack(groups, release(groups, result.shown, SCORES), k=5) == []
    assert "Sales" in result.shown  # the largest figure is kept


def test_two_filters_and_their_union_recover_the_overlap_unless_protected():
    women = set(range(10))
    sales = set(range(8, 18))  # two women in Sales
    groups = {"Women": women, "Sales": sales, "Women or Sales": women | sales}
    leaks = attack(groups, release(groups, groups, SCORES), k=5)
    assert [people for *_, people, _, _ in leaks] == [{8, 9}]  # Women + Sales - (Women or Sales)
    result = protect_differences(groups, k=5)
    assert len(result.hidden) == 1
    assert next(iter(result.hidden.values())).startswith("combination with")
    assert attack(groups, release(groups, result.shown, SCORES), k=5) == []


def test_three_waves_of_a_department_with_a_leaver_and_a_joiner():
    wave1 = set(range(20))
    wave2 = wave1 | set(range(20, 26))  # six joiners
    joiners = wave2 - wave1
    wave3 = (wave2 - {0}) | {99}  # one leaver, one joiner
    groups = {"2024": wave1, "2025": wave2, "2025 joiners": joiners, "2026": wave3}
    result = protect_differences(groups, k=5)
    assert attack(groups, release(groups, result.shown, SCORES), k=5) == []
    assert len(result.shown) >= 2  # the fix hides what it must, not everything


def test_combinations_that_reveal_nobody_or_k_people_stay_shown():
    a, b, c = set(range(6)), set(range(6, 12)), set(range(12, 17))  # every child has >= 5
    groups = {"Sales": a | b | c, "A": a, "B": b, "C": c}
    result = protect_differences(groups, k=5)
    assert result.hidden == {}


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from("ABCDEFG"), st.sets(st.integers(0, 18), max_size=16), max_size=6),
       st.integers(2, 5))
def test_no_combination_of_up_to_three_shown_figures_singles_out_fewer_than_k(groups, k):
    result = protect_differences(groups, k=k)
    assert set(result.shown) | set(result.hidden) == set(groups)
    figures = release(groups, result.shown, SCORES)
    # exact recoveries (net weights 0 or 1) of up to three shown figures reveal nobody or at least k people
    assert attack(groups, figures, k) == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=1, max_size=6), st.integers(2, 5))
def test_parent_and_children_after_suppress_groups_resist_three_figure_attacks(sizes, k):
    from analysis.confidentiality import suppress_groups

    # children of one parent as disjoint sets of people; the parent's figure is the total
    children, start = {}, 0
    for i, size in enumerate(sizes):
        children[f"c{i}"] = set(range(start, start + size))
        start += size
    result = suppress_groups({name: len(people) for name, people in children.items()}, k=k)
    groups = {**children, "total": set().union(*children.values())}
    shown = list(result.shown) + (["total"] if result.total_shown else [])
    assert attack(groups, release(groups, shown, SCORES), k) == []
