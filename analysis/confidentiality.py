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
