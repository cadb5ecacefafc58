"""Kano questionnaire evaluation (SCIENCE.md §2): categories, Better/Worse and Fong's test.

Each attribute has a functional question ("if it has it...") and a dysfunctional one ("if it does not..."),
answered 1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike. The evaluation table turns each answer pair
into A (attractive), O (one-dimensional), M (must-be), I (indifferent), R (reverse) or Q (questionable).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.trap import numeric_column

#: Rows: functional answer 1-5; columns: dysfunctional answer 1-5 (Kano et al. 1984; Berger et al. 1993).
EVALUATION_TABLE = (
    ("Q", "A", "A", "A", "O"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "R", "R", "R", "Q"),
)
#: Tie order of the mode (SCIENCE.md: M > O > A > I), then R and Q.
CATEGORY_ORDER = ("M", "O", "A", "I", "R", "Q")
NAMES = {"M": "must-be", "O": "one-dimensional", "A": "attractive", "I": "indifferent", "R": "reverse",
         "Q": "questionable"}
#: Kano category -> penalty-reward class it corresponds to.
PENALTY_REWARD_CLASS = {"M": "basic", "O": "performance", "A": "excitement"}
#: One-sided 95 % normal quantile in Fong's (1996) test.
FONG_Z = 1.65

_TABLE = np.array(EVALUATION_TABLE)


@dataclass
class KanoResult:
    """Kano category, shares, Better/Worse and Fong's test per attribute."""

    #: attribute -> {n, counts {A, O, M, I, R, Q}, shares, category, category_name, second, better, worse,
    #: fong_difference, fong_critical, fong_significant}.
    attributes: dict[str, dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


def better_worse(a: float, o: float, m: float, i: float) -> tuple[float, float]:
    """Berger et al. (1993) satisfaction coefficients: Better = (A+O)/(A+O+M+I), Worse = -(O+M)/(A+O+M+I).

    Examples
    --------
    >>> better_worse(45, 30, 10, 15)
    (0.75, -0.4)
    """
    total = a + o + m + i
    if total == 0:
        return float("nan"), float("nan")
    return (a + o) / total, -(o + m) / total


def fong_test(a: float, b: float, n: float) -> tuple[float, float, bool]:
    """Fong (1996): do the two most frequent categories differ? |a - b| against 1.65 sqrt((a+b)(2n-a-b)/2n).

    Returns the difference, the critical value and whether the difference reaches it.
    """
    critical = FONG_Z * math.sqrt((a + b) * (2 * n - a - b) / (2 * n)) if n > 0 else float("nan")
    difference = abs(a - b)
    return float(difference), float(critical), bool(n > 0 and difference >= critical)


def kano(df: pd.DataFrame, pairs: Sequence[Mapping[str, Any]]) -> KanoResult:
    """Evaluate Kano answer pairs.

    Parameters
    ----------
    df : one row per respondent.
    pairs : ``[{attribute, functional, dysfunctional}, ...]`` as in the model spec's ``kano`` list; answers
        are codes 1-5 (like, must-be, neutral, live-with, dislike).

    Returns
    -------
    KanoResult
        The category is the most frequent of A, O, M, I, R, Q (ties: M > O > A > I > R > Q); Better/Worse
        use A, O, M and I only; Fong's test compares the two most frequent categories.

    Examples
    --------
    No R package implements the Kano table; the counts are a cross-tabulation, the coefficients Berger et
    al.'s (1993) formulas.

    >>> frame = pd.DataFrame({"F": [1, 1, 3, 1], "D": [3, 5, 5, 4]})
    >>> kano(frame, [{"attribute": "speed", "functional": "F", "dysfunctional": "D"}]).attributes["speed"]["category"]
    'A'
    """
    if not pairs:
        raise AnalysisError("The Kano analysis needs at least one functional/dysfunctional pair.")
    out: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for number, pair in enumerate(pairs):
        name = str(pair.get("attribute") or f"pair {number + 1}")
        try:
            functional, dysfunctional = str(pair["functional"]), str(pair["dysfunctional"])
        except KeyError as missing:
            raise AnalysisError(f"Kano pair '{name}' needs {missing.args[0]!r}.") from None
        f = numeric_column(df, functional, "Kano functional").to_numpy()
        d = numeric_column(df, dysfunctional, "Kano dysfunctional").to_numpy()
        keep = ~np.isnan(f) & ~np.isnan(d)
        f, d = f[keep], d[keep]
        bad = ~np.isin(f, [1, 2, 3, 4, 5]) | ~np.isin(d, [1, 2, 3, 4, 5])
        if bad.any():
            raise AnalysisError(f"Kano pair '{name}': answers must be codes 1-5 (like, must-be, neutral, "
                                f"live-with, dislike); found {sorted(set(f[bad]) | set(d[bad]))[:5]}.")
        n = int(f.size)
        if n == 0:
            notes.append(f"Kano pair '{name}' has no complete answers; skipped.")
            continue
        cells = _TABLE[f.astype(int) - 1, d.astype(int) - 1]
        counts = {c: int(np.sum(cells == c)) for c in CATEGORY_ORDER}
        ranked = sorted(CATEGORY_ORDER, key=lambda c: (-counts[c], CATEGORY_ORDER.index(c)))
        category, second = ranked[0], ranked[1]
        better, worse = better_worse(counts["A"], counts["O"], counts["M"], counts["I"])
        difference, critical, significant = fong_test(counts[category], counts[second], n)
        if not significant:
            notes.append(f"Kano '{name}': {NAMES[category]} and {NAMES[second]} are not clearly apart "
                         "(Fong's test); treat the category as mixed.")
        if (counts["Q"] + counts["R"]) / n > 0.1:
            notes.append(f"Kano '{name}': {100 * (counts['Q'] + counts['R']) / n:.0f}% of answer pairs are "
                         "questionable or reverse; check the wording of its two questions.")
        out[name] = {"n": n, "counts": counts, "shares": {c: counts[c] / n for c in CATEGORY_ORDER},
                     "category": category, "category_name": NAMES[category], "second": second,
                     "better": better, "worse": worse, "fong_difference": difference,
                     "fong_critical": critical, "fong_significant": significant}
    return KanoResult(attributes=out, warnings=notes)


def agreement(kano_result: KanoResult, classes: Mapping[str, dict[str, Any]],
              items: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Where Kano categories and penalty-reward classes agree (M = basic, O = performance, A = excitement).

    ``classes`` is :attr:`analysis.trap_attributes.PenaltyReward.attributes`; ``items`` maps each Kano
    attribute name to the rating column analysed by penalty-reward. ``agree`` is None for I, R and Q.
    """
    out = {}
    for name, entry in kano_result.attributes.items():
        code = items.get(name)
        if code is None or code not in classes:
            continue
        expected = PENALTY_REWARD_CLASS.get(entry["category"])
        observed = classes[code].get("class")
        out[name] = {"item": code, "kano": entry["category"], "penalty_reward": observed,
                     # Indifferent, reverse and questionable have no penalty-reward counterpart.
                     "agree": None if expected is None else expected == observed}
    return out
