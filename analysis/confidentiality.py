"""Disclosure control for figures broken down by group: minimum group size and complementary suppression.

A group's figure is shown only when at least ``k`` people stand behind it. Hiding small groups is not enough
when the total is shown: the hidden groups together are ``total - shown``, so that remainder must itself be 0 or at
least ``k`` (Denning et al. 1979, "trackers"); otherwise the next-smallest groups are hidden too.
"""

from __future__ import annotations

from collections.abc import Mapping
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
