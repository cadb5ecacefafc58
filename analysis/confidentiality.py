"""Disclosure control for figures broken down by group: minimum group size and complementary suppression.

A group's figure is shown only when at least ``k`` people stand behind it. Hiding small groups is not enough
when the total is shown: the hidden groups together are ``total - shown``, so that remainder must itself be 0 or at
least ``k`` (Denning et al. 1979, "trackers"); otherwise the next-smallest groups are hidden too.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

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
    #: group -> why it is hidden: "small", or "difference with <other group>" (the pair would single out fewer
    #: than k people)
    hidden: dict[str, str] = field(default_factory=dict)


def protect_differences(groups: Mapping[str, Iterable[Hashable]], *,
                        k: int = DEFAULT_MIN_GROUP_SIZE) -> Differencing:
    """Hide groups until every shown group and every difference of two shown groups is 0 or at least k people.

    Each group is the set of respondent ids behind one released figure: a department, a filter ("women in
    Sales", "Sales with more than a year"), the same department in another wave (ids that persist across waves,
    e.g. an HR number or a panel token). For shown groups A and B, ``A - B`` and ``B - A`` are what an attacker
    gets by subtracting one figure from the other (Denning et al. 1979), so each must be empty or hold at
    least ``k`` people. Small groups go first; then, while some shown pair leaks, the group in the most leaking
    pairs is hidden (ties: the smaller group, then the name), which keeps the larger, more useful figures.

    This checks pairs; a difference of three or more figures (A - B - C) is covered only for nested groups
    through :func:`suppress_groups` on each parent's children.

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

    leaking = {name: {other for other in shown if other != name and leaks(name, other)} for name in shown}
    while any(leaking.values()):
        worst = max(leaking, key=lambda g: (len(leaking[g]), -len(members[g]), g))
        partner = min(leaking[worst], key=lambda g: (-len(members[g]), g))
        result.hidden[worst] = f"difference with {partner}"
        for other in leaking.pop(worst):
            leaking[other].discard(worst)
    result.shown = {name: len(members[name]) for name in members if name not in result.hidden}
    return result
