"""Disclosure control for figures broken down by group: minimum group size and complementary suppression.

A group's figure is shown only when at least ``k`` people stand behind it. Hiding small groups is not enough
when the total is shown: the hidden groups together are ``total - shown``, so that remainder must itself be 0 or at
least ``k`` (Denning et al. 1979, "trackers"); otherwise the next-smallest groups are hidden too.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

DEFAULT_MIN_GROUP_SIZE = 5


@dataclass
class Suppression:
    """Which groups may be shown, and why the others are hidden."""

    k: int
    shown: dict[str, int] = field(default_factory=dict)
    #: group -> reason it is hidden: "small" (fewer than k) or "complementary" (would reveal a small group)
    hidden: dict[str, str] = field(default_factory=dict)
    #: whether the overall total may be shown (not when it would reveal a hidden group fewer than k)
    total_shown: bool = True

    def is_shown(self, group: str) -> bool:
        return group in self.shown


def suppress_groups(counts: Mapping[str, int], *, k: int = DEFAULT_MIN_GROUP_SIZE) -> Suppression:
    """Hide every group with 1 to k-1 members, then more groups until the hidden ones together are 0 or >= k.

    When even that cannot cover a small group (it is the only non-empty one), ``total_shown`` is False.

    Parameters
    ----------
    counts : group -> number of respondents in it (groups with 0 respondents reveal nobody and stay shown).
    k : minimum group size (at least 2).

    Examples
    --------
    >>> result = suppress_groups({"Sales": 12, "IT": 3, "HR": 7}, k=5)
    >>> sorted(result.hidden.items())   # IT is small; HR is hidden too, else IT = total - Sales - HR
    [('HR', 'complementary'), ('IT', 'small')]
    """
    if k < 2:
        raise ValueError(f"the minimum group size must be at least 2, got {k}")
    result = Suppression(k=k)
    for group, n in counts.items():
        if n < 0:
            raise ValueError(f"group {group!r} has a negative count ({n})")
        if 0 < n < k:
            result.hidden[str(group)] = "small"
        else:
            result.shown[str(group)] = int(n)
    hidden_total = sum(counts[g] for g in counts if str(g) in result.hidden)
    # the hidden groups together must not themselves form a group smaller than k
    while 0 < hidden_total < k and any(n > 0 for n in result.shown.values()):
        group = min((g for g, n in result.shown.items() if n > 0), key=lambda g: (result.shown[g], g))
        hidden_total += result.shown.pop(group)
        result.hidden[group] = "complementary"
    if 0 < hidden_total < k:  # nothing left to hide: the total itself would give the small group away
        result.total_shown = False
    return result


@dataclass
class Differencing:
    """Which of several released groups (filters, breakdowns, waves) may be shown together."""

    k: int
    shown: dict[str, int] = field(default_factory=dict)
    #: group -> why it is hidden: "small", "difference with <other group>" (the pair would single out fewer
    #: than k people) or "combination with <group> and <group>" (three figures added and subtracted would)
    hidden: dict[str, str] = field(default_factory=dict)


#: Sign patterns of a three-figure attack, up to a common sign: A + B + C, A + B - C, A - B + C, -A + B + C.
_TRIPLE_SIGNS = ((1, 1, 1), (1, 1, -1), (1, -1, 1), (-1, 1, 1))
#: The Venn regions of three sets A, B, C by membership: only A, only B, only C, A and B, A and C, B and C, all.
_REGIONS = np.array([(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1)])


def _triple_attacks(names: list[str], members: Mapping[str, frozenset], k: int) -> list[tuple[str, str, str]]:
    """Triples of groups for which +-A +-B +-C (all three used) is exactly the figure of 1 to k-1 people.

    The released figures are sums over people (counts, totals, and so means), so a signed sum of three figures is
    a sum over people weighted by how many of the three sets, with their signs, each belongs to. It is the figure
    of a group exactly when every weight is 0 or 1 (or every weight 0 or -1): e.g. parent - child - child (the
    remaining child), or A + B - (A or B) (the people in both filters). Region sizes of all triples come from
    matrix products of the membership matrix, one first group at a time.
    """
    g = len(names)
    if g < 3:
        return []
    people = {person: row for row, person in enumerate(frozenset().union(*(members[n] for n in names)))}
    membership = np.zeros((len(people), g))
    for column, name in enumerate(names):
        membership[[people[person] for person in members[name]], column] = 1.0
    size = membership.sum(axis=0)
    pair = membership.T @ membership
    patterns = [weights for signs in _TRIPLE_SIGNS for sign in (1, -1)
                for weights in [sign * (_REGIONS @ np.array(signs))]]
    found: list[tuple[str, str, str]] = []
    first, second = np.triu_indices(g, 1)
    for a in range(g - 2):
        keep = first > a
        b, c = first[keep], second[keep]
        inside = membership[membership[:, a] > 0]
        abc = (inside.T @ inside)[b, c]
        ab, ac, bc = pair[a, b], pair[a, c], pair[b, c]
        regions = np.stack([size[a] - ab - ac + abc, size[b] - ab - bc + abc, size[c] - ac - bc + abc,
                            ab - abc, ac - abc, bc - abc, abc])
        leak = np.zeros(len(b), dtype=bool)
        for weights in patterns:
            clean = regions[(weights != 0) & (weights != 1)].sum(axis=0) == 0
            revealed = regions[weights == 1].sum(axis=0)
            leak |= clean & (revealed > 0) & (revealed < k)
        found += [(names[a], names[j], names[m]) for j, m in zip(b[leak], c[leak], strict=True)]
    return found


def protect_differences(groups: Mapping[str, Iterable[Hashable]], *,
                        k: int = DEFAULT_MIN_GROUP_SIZE) -> Differencing:
    """Hide groups until every shown group and every difference of two shown groups is 0 or at least k people.

    Each group is the set of respondent ids behind one released figure: a department, a filter ("women in
    Sales", "Sales with more than a year"), the same department in another wave (ids that persist across waves,
    e.g. an HR number or a panel token). For shown groups A and B, ``A - B`` and ``B - A`` are what an attacker
    gets by subtracting one figure from the other (Denning et al. 1979), so each must be empty or hold at
    least ``k`` people. Three shown figures must not combine either: no ``+-A +-B +-C`` may be exactly the figure
    of 1 to k-1 people (a parent minus two of its children leaves the third; A + B - "A or B" leaves "A and B").
    Small groups go first; then, while some shown pair or triple leaks, the group in the most leaking pairs and
    triples is hidden (ties: the smaller group, then the name), which keeps the larger, more useful figures.

    Combinations of four or more figures are not checked (the work grows as the number of groups to the fourth
    power); for a hierarchy, :func:`suppress_groups` on each parent's children covers any number of siblings.

    Examples
    --------
    >>> wave1 = set(range(10)); wave2 = wave1 | {10}          # one new hire joined Sales
    >>> result = protect_differences({"Sales 2024": wave1, "Sales 2025": wave2}, k=5)
    >>> result.hidden
    {'Sales 2024': 'difference with Sales 2025'}
    """
    if k < 2:
        raise ValueError(f"the minimum group size must be at least 2, got {k}")
    members = {str(name): frozenset(ids) for name, ids in groups.items()}
    result = Differencing(k=k)
    for name, ids in members.items():
        if 0 < len(ids) < k:
            result.hidden[name] = "small"
    shown = [name for name in members if name not in result.hidden]

    def leaks(a: str, b: str) -> bool:
        common = len(members[a] & members[b])
        return any(0 < len(members[x]) - common < k for x in (a, b))

    # every leaking pair and triple of shown groups; hiding any one member of an attack stops it
    attacks: list[tuple[str, ...]] = [pair for pair in combinations(shown, 2) if leaks(*pair)]
    attacks += _triple_attacks(shown, members, k)
    while attacks:
        involved: dict[str, int] = {}
        for attack in attacks:
            for name in attack:
                involved[name] = involved.get(name, 0) + 1
        worst = max(involved, key=lambda g: (involved[g], -len(members[g]), g))
        # name the largest partners of the smallest attack it is part of (a pair before a triple)
        attack = min((a for a in attacks if worst in a),
                     key=lambda a: (len(a), sorted((-len(members[g]), g) for g in a if g != worst)))
        partners = sorted((g for g in attack if g != worst), key=lambda g: (-len(members[g]), g))
        result.hidden[worst] = (f"difference with {partners[0]}" if len(attack) == 2
                                else f"combination with {partners[0]} and {partners[1]}")
        attacks = [a for a in attacks if worst not in a]
    result.shown = {name: len(members[name]) for name in members if name not in result.hidden}
    return result


#: the cell of responses that belong to no unit (no unit question, an open link, a unit the survey lacks)
NO_UNIT = None


@dataclass
class HierarchyVerdict:
    """What may be shown of a unit hierarchy: each unit's figure covers it and every unit below it.

    ``cells`` are the groups responses belong to directly: a unit id (its own responses, not its children's) or
    :data:`NO_UNIT`. Reasons a unit is hidden: ``"small"`` (fewer than k), ``"complementary"`` (it would reveal a
    small sibling by subtraction from the parent), ``"inside"`` (a unit above it is hidden), ``"pooled"`` (an
    anonymous survey's release joined its few answers to other hidden units'), ``"not_released"`` (no answer of it
    has been released yet).
    """

    k: int
    #: unit id -> responses in it and every unit below it (released ones, for a survey released in batches)
    subtree: dict[int, int] = field(default_factory=dict)
    #: unit id -> why its figures may not be shown
    hidden: dict[int, str] = field(default_factory=dict)
    #: cells whose own responses may not be shown as a group of their own
    hidden_own: set[int | None] = field(default_factory=set)
    total: int = 0
    #: whether the whole survey's figures may be shown
    total_shown: bool = True

    def shown(self, unit_id: int) -> bool:
        return unit_id not in self.hidden


def children_of(parents: Mapping[int, int | None]) -> dict[int | None, list[int]]:
    """Parent unit id (None: the top) -> its child units, in id order; a parent outside ``parents`` is the top."""
    children: dict[int | None, list[int]] = {}
    for unit_id in sorted(parents):
        parent = parents[unit_id]
        children.setdefault(parent if parent in parents else None, []).append(unit_id)
    return children


def subtree_counts(parents: Mapping[int, int | None], direct: Mapping[int | None, int]) -> dict[int, int]:
    """Unit id -> responses in it and every unit below it, from the responses of each cell."""
    children = children_of(parents)
    sizes: dict[int, int] = {}
    # children before parents: a unit's id order need not follow the hierarchy, so walk it depth first
    order: list[int] = []
    todo = list(children.get(None, []))
    while todo:
        unit_id = todo.pop()
        order.append(unit_id)
        todo.extend(children.get(unit_id, []))
    for unit_id in reversed(order):
        sizes[unit_id] = direct.get(unit_id, 0) + sum(sizes[child] for child in children.get(unit_id, []))
    return sizes


def hide_below(parents: Mapping[int, int | None], verdict: HierarchyVerdict) -> None:
    """Everything below a hidden unit is hidden too (its shown parts would add up to it), own responses included."""
    children = children_of(parents)
    todo = [(unit_id, False) for unit_id in children.get(None, [])]
    while todo:
        unit_id, above = todo.pop()
        if above and unit_id not in verdict.hidden:
            verdict.hidden[unit_id] = "inside"
        hidden = unit_id in verdict.hidden
        if hidden:
            verdict.hidden_own.add(unit_id)
        todo.extend((child, hidden) for child in children.get(unit_id, []))


def hierarchy_verdict(parents: Mapping[int, int | None], direct: Mapping[int | None, int], *,
                      k: int = DEFAULT_MIN_GROUP_SIZE) -> HierarchyVerdict:
    """Minimum group size with complementary suppression at every level of a unit hierarchy (SCIENCE §7).

    A unit's figure covers its subtree, so a parent's figure minus its shown children's is the rest: at every
    level the children, with the parent's own responses as one more (never shown) group, get
    :func:`suppress_groups`; the top level's "parent" is the whole survey, whose own group is the responses
    without a unit. Everything below a hidden unit is hidden too.

    Parameters
    ----------
    parents : unit id -> parent unit id (None at the top).
    direct : cell (unit id, or :data:`NO_UNIT`) -> its responses; ids outside ``parents`` count as no unit.

    Examples
    --------
    >>> verdict = hierarchy_verdict({1: None, 2: 1, 3: 1}, {2: 6, 3: 2}, k=5)
    >>> verdict.hidden          # 3 is small; 2 too, else region 1 minus 2 would be 3's two people
    {3: 'small', 2: 'complementary'}
    """
    cells: dict[int | None, int] = {}
    for cell, n in direct.items():
        key = cell if cell in parents else NO_UNIT
        cells[key] = cells.get(key, 0) + int(n)
    sizes = subtree_counts(parents, cells)
    verdict = HierarchyVerdict(k=k, subtree=sizes, total=sum(cells.values()))
    own_key = "\x00own"
    for parent, kids in children_of(parents).items():
        counts = {str(kid): sizes[kid] for kid in kids} | {own_key: cells.get(parent, 0)}
        suppression = suppress_groups(counts, k=k)
        for key, why in suppression.hidden.items():
            if key == own_key:
                verdict.hidden_own.add(parent)
            else:
                verdict.hidden[int(key)] = why
        if parent is None and not suppression.total_shown:
            verdict.total_shown = False
    if not parents and 0 < verdict.total < k:
        verdict.total_shown = False
    hide_below(parents, verdict)
    return verdict
