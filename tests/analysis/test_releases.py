"""Batch releases of anonymous answers: no figure, across units and across releases, isolates fewer than k people."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.confidentiality import NO_UNIT, hierarchy_verdict
from analysis.releases import HIDDEN, SHOWN, own_key, plan_release, release_verdict, unit_key

K = 5
#: region 1 with departments 2 and 3; department 4 on its own
ORG = {1: None, 2: 1, 3: 1, 4: None}


class Survey:
    """Answers arriving one by one, released by :func:`plan_release` whenever the outputs are read."""

    def __init__(self, parents: dict[int, int | None], k: int = K) -> None:
        self.parents, self.k = parents, k
        self.cells: list[int | None] = []          # response -> its cell
        self.release: list[int | None] = []        # response -> its release number (None: waiting)
        self.born: dict[str, str] = {}
        self.releases = 0
        #: every figure ever shown: the set of responses behind it
        self.figures: list[frozenset[int]] = []

    def answer(self, cell: int | None, n: int = 1) -> None:
        self.cells += [cell] * n
        self.release += [None] * n

    def read(self, *, final: bool = False) -> None:
        pending = Counter(c for c, r in zip(self.cells, self.release, strict=True) if r is None)
        plan = plan_release(self.parents, pending, self.born, k=self.k, final=final)
        if plan.size:
            self.releases += 1
            for i, (cell, released) in enumerate(zip(self.cells, self.release, strict=True)):
                if released is None and cell in plan.cells:
                    self.release[i] = self.releases
            self.born.update(plan.born)
        verdict = self.verdict()
        released = {i for i, r in enumerate(self.release) if r is not None}
        if released and verdict.total_shown:
            self.figures.append(frozenset(released))
        for unit in self.parents:
            if verdict.shown(unit) and verdict.subtree.get(unit):
                below = self.below(unit)
                self.figures.append(frozenset(i for i in released if self.cells[i] in below))

    def verdict(self):
        released = Counter(c for c, r in zip(self.cells, self.release, strict=True) if r is not None)
        return release_verdict(self.parents, released, self.born, k=self.k)

    def below(self, unit: int) -> set[int]:
        found, todo = set(), [unit]
        while todo:
            current = todo.pop()
            found.add(current)
            todo += [u for u, p in self.parents.items() if p == current]
        return found

    def smallest_class(self) -> int:
        """People who are in exactly the same shown figures can never be told apart by adding and subtracting
        figures; the smallest such class is the fewest people any combination of figures could single out."""
        released = [i for i, r in enumerate(self.release) if r is not None]
        pattern = Counter(tuple(i in figure for figure in self.figures) for i in released)
        return min(pattern.values(), default=self.k)

    def waiting(self) -> int:
        return sum(r is None for r in self.release)


def test_before_and_after_one_answer_nothing_changes():
    survey = Survey(ORG)
    survey.answer(2, 5)
    survey.read()
    assert survey.verdict().subtree[2] == 5 and survey.verdict().total == 5
    survey.answer(2)  # one more person: reading again shows the same figures
    survey.read()
    assert survey.verdict().total == 5 and survey.waiting() == 1
    survey.answer(2, 3)
    survey.read()
    assert survey.verdict().total == 5
    survey.answer(2)
    survey.read()
    assert survey.verdict().total == 10 and survey.waiting() == 0


def test_a_shown_unit_never_changes_by_fewer_than_k_even_when_the_total_does():
    survey = Survey(ORG)
    survey.answer(2, 5)
    survey.answer(4, 5)
    survey.read()
    survey.answer(2, 1)   # department 2 gets one more, department 4 five more
    survey.answer(4, 5)
    survey.read()
    verdict = survey.verdict()
    # 4's five go out; 2's one waits, or whole - 4 before and after would give that person
    assert verdict.subtree == {1: 5, 2: 5, 3: 0, 4: 10} and survey.waiting() == 1


def test_a_small_unit_waits_during_fieldwork_and_is_pooled_at_close():
    survey = Survey({1: None, 2: 1, 3: 1, 4: 1})
    survey.answer(2, 6)
    survey.answer(3, 2)
    survey.answer(4, 3)
    survey.read()
    verdict = survey.verdict()
    assert verdict.subtree[2] == 6 and verdict.hidden[3] == "not_released" and survey.waiting() == 5
    survey.read(final=True)
    verdict = survey.verdict()
    # at close 3 and 4 are released together (5 answers), hidden: the region shows 11, its shown child 6
    assert verdict.subtree[1] == 11 and verdict.hidden == {3: "pooled", 4: "pooled"} and survey.waiting() == 0
    assert survey.born[unit_key(3)] == HIDDEN and survey.born[unit_key(2)] == SHOWN


def test_at_close_a_pool_under_k_is_held_back_for_good():
    survey = Survey({1: None, 2: 1, 3: 1})
    survey.answer(2, 6)
    survey.answer(3, 2)
    survey.read(final=True)
    # 3's two answers would be region - 2: they are never released
    assert survey.verdict().subtree == {1: 6, 2: 6, 3: 0} and survey.waiting() == 2
    survey.read(final=True)
    assert survey.waiting() == 2


def test_answers_without_a_unit_are_a_group_of_their_own():
    survey = Survey(ORG)
    survey.answer(NO_UNIT, 4)
    survey.answer(4, 5)
    survey.read()
    assert survey.verdict().total == 5 and survey.born.get(own_key(NO_UNIT)) is None
    survey.answer(NO_UNIT, 1)
    survey.read()
    assert survey.verdict().total == 10 and survey.born[own_key(NO_UNIT)] == SHOWN


def test_a_unit_hidden_once_stays_hidden_however_large_it_grows():
    survey = Survey({1: None, 2: 1, 3: 1})
    survey.answer(2, 3)
    survey.answer(3, 2)
    survey.read(final=True)
    assert survey.verdict().hidden == {2: "pooled", 3: "pooled"}
    survey.answer(2, 20)  # the survey reopened: 2 is large now, but its earlier figure was pooled with 3's
    survey.read()
    assert survey.verdict().hidden == {2: "pooled", 3: "pooled"} and survey.verdict().subtree[1] == 25


@pytest.mark.parametrize("k", [1, 0])
def test_a_threshold_below_two_is_refused(k):
    with pytest.raises(ValueError, match="at least 2"):
        plan_release(ORG, {2: 5}, {}, k=k)


def test_the_static_rule_holds_for_every_release():
    survey = Survey({1: None, 2: 1, 3: 1, 4: None, 5: 4})
    for cell, n in [(2, 7), (3, 3), (5, 5), (4, 1), (NO_UNIT, 6), (3, 4)]:
        survey.answer(cell, n)
        survey.read()
    survey.read(final=True)
    released = Counter(c for c, r in zip(survey.cells, survey.release, strict=True) if r is not None)
    static = hierarchy_verdict(survey.parents, released, k=K)
    verdict = survey.verdict()
    # every unit the releases show has at least k answers
    assert all(verdict.subtree[u] >= K for u in survey.parents if verdict.shown(u))
    assert static.total_shown and survey.smallest_class() >= K


@st.composite
def histories(draw):
    n_units = draw(st.integers(0, 6))
    parents: dict[int, int | None] = {}
    for unit in range(1, n_units + 1):
        parents[unit] = draw(st.sampled_from([None, *range(1, unit)]))
    cells = [NO_UNIT, *parents]
    events = draw(st.lists(st.one_of(
        st.tuples(st.just("answer"), st.sampled_from(cells), st.integers(1, 7)),
        st.tuples(st.just("read"), st.booleans(), st.just(0)),
    ), max_size=25))
    return parents, events


@settings(max_examples=300, deadline=None, derandomize=True)
@given(histories(), st.integers(2, 6))
def test_no_sum_or_difference_of_figures_across_units_and_releases_isolates_fewer_than_k(history, k):
    parents, events = history
    survey = Survey(parents, k)
    for kind, value, n in events:
        if kind == "answer":
            survey.answer(value, n)
        else:
            survey.read(final=value)
    survey.read(final=True)
    assert survey.smallest_class() >= k
    verdict = survey.verdict()
    for unit in parents:
        if verdict.shown(unit):
            assert verdict.subtree[unit] == 0 or verdict.subtree[unit] >= k
    # nothing waits that a rule would have let out: at close a cell waits only with fewer than k answers of
    # its own (it might have been released alone or with others, so this is a bound, not the exact set)
    waiting = Counter(c for c, r in zip(survey.cells, survey.release, strict=True) if r is None)
    for cell, n in waiting.items():
        state = survey.born.get(own_key(cell))
        assert state == HIDDEN or n < k or (cell is not NO_UNIT and _below_hidden_or_unshown(survey, cell))


def _below_hidden_or_unshown(survey: Survey, cell: int) -> bool:
    """A cell inside a hidden unit waits with the pool of the level where that unit is hidden."""
    verdict = survey.verdict()
    unit: int | None = cell
    while unit is not None:
        if not verdict.shown(unit):
            return True
        unit = survey.parents[unit]
    return False
