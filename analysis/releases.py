"""Releasing an anonymous survey's answers in batches, so that no figure ever changes by fewer than k people.

Reading a figure before and after one person answers gives that person's answers (mean x n, subtracted). So an
anonymous survey's outputs read only *released* answers, and a release adds answers to a group's figure only in
batches of at least k. Groups are the unit hierarchy: each unit's figure covers its subtree; at every level the
children of a shown unit (and its own responses, as one more child) are either *shown* or pooled into one *hidden*
group, and the rule holds for each of them:

* a child is **born** the first time answers of it are released: shown when at least k of its answers are
  released at once, else (only when the survey has closed) hidden, pooled with the level's other hidden children;
* once born it stays shown or hidden for good: a figure that was shown and then hidden could be subtracted from
  the parent's later figures, and one that was hidden and then shown could be subtracted from the pool;
* every release adds 0 or at least k answers to each shown child, and 0 or at least k to the hidden pool.

Every figure the outputs show (a unit, the whole survey, or the pool left by subtraction) is then a sum of
*atoms* - one shown or pooled group's answers released in one batch - of at least k answers each, so no sum and
difference of figures, across units or across releases, isolates fewer than k people. Answers that cannot be
released without breaking a rule wait for more answers in their group; when the survey closes, the ones still
waiting are held back for good (the outputs count them, but show nothing of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from analysis.confidentiality import (
    DEFAULT_MIN_GROUP_SIZE,
    NO_UNIT,
    HierarchyVerdict,
    children_of,
    hide_below,
    subtree_counts,
)

SHOWN = "shown"
HIDDEN = "hidden"


def unit_key(unit_id: int) -> str:
    """The name of a unit's group (it and every unit below it) in a release's births."""
    return f"u{unit_id}"


def own_key(cell: int | None) -> str:
    """The name of a cell's own responses (a unit's, not its children's; or those without a unit)."""
    return "o" if cell is NO_UNIT else f"o{cell}"


@dataclass
class ReleasePlan:
    """Which cells release all their waiting answers now, and which groups are born with this release."""

    #: cells (unit id or NO_UNIT) whose waiting answers are all released
    cells: set[int | None] = field(default_factory=set)
    #: group name (:func:`unit_key`, :func:`own_key`) -> SHOWN or HIDDEN, for groups released for the first time
    born: dict[str, str] = field(default_factory=dict)
    #: answers released
    size: int = 0


class _Planner:
    def __init__(self, parents: Mapping[int, int | None], pending: Mapping[int | None, int],
                 born: Mapping[str, str], k: int, final: bool) -> None:
        self.children = children_of(parents)
        self.pending = pending
        self.born = born
        self.k = k
        self.final = final

    def cells_under(self, unit_id: int) -> list[int | None]:
        cells, todo = [], [unit_id]
        while todo:
            current = todo.pop()
            cells.append(current)
            todo.extend(self.children.get(current, []))
        return cells

    def waiting(self, cells: list[int | None]) -> int:
        return sum(self.pending.get(cell, 0) for cell in cells)

    def level(self, parent: int | None) -> ReleasePlan:
        """The release below a shown (or newly shown) ``parent``: each child shown or pooled, by the rules."""
        plan = ReleasePlan()
        pool = ReleasePlan()
        children: list[tuple[str, list[int | None], int | None]] = [(own_key(parent), [parent], None)]
        children += [(unit_key(kid), self.cells_under(kid), kid) for kid in self.children.get(parent, [])]
        for key, cells, unit_id in children:
            state = self.born.get(key)
            if state == HIDDEN:  # everything below a hidden child is part of the pool
                pool.cells.update(cell for cell in cells if self.pending.get(cell, 0))
                pool.size += self.waiting(cells)
                continue
            # a shown child, or one not born yet that would be born shown: its own level decides
            inner = self.level(unit_id) if unit_id is not None else self.own(cells[0])
            if state == SHOWN or inner.size:
                # a shown child's release is 0 or >= k by construction (each of its parts is)
                _merge(plan, inner)
                if state is None and inner.size:
                    plan.born[key] = SHOWN
            elif self.final and self.waiting(cells):
                # not born, and nothing of it can be shown: at close it joins the pool, if the pool gets >= k
                pool.cells.update(cell for cell in cells if self.pending.get(cell, 0))
                pool.size += self.waiting(cells)
                pool.born[key] = HIDDEN
        if pool.size >= self.k:
            _merge(plan, pool)
        return plan

    def own(self, cell: int | None) -> ReleasePlan:
        """A cell's own responses as a leaf: released when at least k wait (a shown leaf's rule and a birth's)."""
        waiting = self.pending.get(cell, 0)
        return ReleasePlan(cells={cell}, size=waiting) if waiting >= self.k else ReleasePlan()


def _merge(into: ReleasePlan, part: ReleasePlan) -> None:
    into.cells |= part.cells
    into.born.update(part.born)
    into.size += part.size


def plan_release(parents: Mapping[int, int | None], pending: Mapping[int | None, int],
                 born: Mapping[str, str], *, k: int = DEFAULT_MIN_GROUP_SIZE, final: bool = False) -> ReleasePlan:
    """The next release of an anonymous survey: which cells' waiting answers go out, and which groups are born.

    Parameters
    ----------
    parents : unit id -> parent unit id (None at the top).
    pending : cell (unit id, or NO_UNIT) -> complete answers not released yet; ids outside ``parents`` count
        as no unit.
    born : groups released before -> SHOWN or HIDDEN (the union of earlier plans' ``born``).
    k : minimum group size.
    final : the survey has closed: groups that never reached k may be born hidden, pooled with their level's
        other hidden groups when the pool's release reaches k.

    Examples
    --------
    >>> plan = plan_release({1: None, 2: None}, {1: 5, 2: 2}, {}, k=5)
    >>> sorted(plan.cells, key=str), sorted(plan.born.items())   # unit 2's two answers wait for three more
    ([1], [('o1', 'shown'), ('u1', 'shown')])
    >>> plan_release({1: None, 2: None}, {1: 1, 2: 2}, plan.born, k=5).size   # 1 more for unit 1 is too few
    0
    """
    if k < 2:
        raise ValueError(f"the minimum group size must be at least 2, got {k}")
    waiting: dict[int | None, int] = {}
    for cell, n in pending.items():
        key = cell if cell in parents else NO_UNIT
        if n < 0:
            raise ValueError(f"cell {cell!r} has a negative count ({n})")
        waiting[key] = waiting.get(key, 0) + int(n)
    return _Planner(parents, waiting, born, k, final).level(NO_UNIT)


def release_verdict(parents: Mapping[int, int | None], released: Mapping[int | None, int],
                    born: Mapping[str, str], *, k: int = DEFAULT_MIN_GROUP_SIZE) -> HierarchyVerdict:
    """What may be shown of the released answers: units born shown; the rest hidden, with the reason.

    By construction every shown unit holds at least k released answers and every pool 0 or at least k, so the
    static rule (:func:`analysis.confidentiality.hierarchy_verdict`) holds too.
    """
    cells: dict[int | None, int] = {}
    for cell, n in released.items():
        key = cell if cell in parents else NO_UNIT
        cells[key] = cells.get(key, 0) + int(n)
    verdict = HierarchyVerdict(k=k, subtree=subtree_counts(parents, cells), total=sum(cells.values()))
    for unit_id in parents:
        state = born.get(unit_key(unit_id))
        if state == HIDDEN:
            verdict.hidden[unit_id] = "pooled"
        elif state is None:
            verdict.hidden[unit_id] = "not_released"
    for cell in [NO_UNIT, *parents]:
        if born.get(own_key(cell)) != SHOWN:
            verdict.hidden_own.add(cell)
    hide_below(parents, verdict)
    return verdict
