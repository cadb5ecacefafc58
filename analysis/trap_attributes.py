"""Basic vs latent expectations by penalty-reward contrast analysis (SCIENCE.md §2).

Brandt (1987); Matzler & Sauerwein (2002): each attribute gets a *low* dummy (its bottom boxes) and a *high*
dummy (its top boxes), the middle boxes being the reference, and overall satisfaction is regressed on all
dummies by OLS. The low coefficient is the *penalty* (expected negative), the high one the *reward*
(expected positive). Impact asymmetry (Mikulić & Prebežac 2008) IA = (R - |P|) / (R + |P|) in [-1, 1]:
clearly negative -> basic (must-be), clearly positive -> excitement (latent), near 0 -> performance.
The impact range R + |P| is the attribute's total leverage (impact-range performance analysis).

The IA is a ratio whose denominator can be near zero, and a coefficient with the wrong sign (a "penalty" that
raises satisfaction) would take it outside [-1, 1] (IA -1.99 was printed once). So penalty and reward count only
in the method's direction (a positive penalty counts 0, a negative reward 0): the IA and every bootstrap draw of
it stay within [-1, 1]. A draw in which both are 0 has no IA; when more than 2.5 % of the draws have none, the
attribute's effect is not told apart from nothing and its interval is not determined.

The class thresholds are ours, not published constants: |IA| > 0.2 (``IA_THRESHOLD``, one fifth of the
possible range on either side) leaves the middle 40 % of the range to performance attributes. Intervals are
percentile bootstraps over respondents; an attribute's class counts (``class_confident``) only when its whole
interval lies in that class's range, else the class is *not determined*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.sampling import TRAP_BOOTSTRAP_ROWS
from analysis.trap import numeric_column

#: |IA| beyond this classes an attribute as basic (negative) or excitement (positive).
IA_THRESHOLD = 0.2
#: Fewer than this many respondents in a dummy and its coefficient is flagged as rough.
MIN_BOX = 30
# Rough size, in bytes, of the temporary arrays the bootstrap may allocate at once.
_MEMORY_BUDGET = 64 * 2**20
CLASSES = ("basic", "performance", "excitement")


@dataclass
class PenaltyReward:
    """Penalty, reward, impact asymmetry and class of each attribute."""

    outcome: str
    #: attribute -> {class, penalty, reward, impact_range, impact_asymmetry, ia_ci, penalty_ci, reward_ci,
    #: mean_performance, n_low, n_high, wrong_sign, class_confident}.
    attributes: dict[str, dict[str, Any]]
    #: The box definitions per attribute and the IA threshold, in words.
    definitions: dict[str, str]
    r2: float
    n: int
    bootstrap: int
    seed: int | None
    warnings: list[str] = field(default_factory=list)


def _classify(ia: float, threshold: float) -> str | None:
    if not np.isfinite(ia):
        return None
    if ia < -threshold:
        return "basic"
    if ia > threshold:
        return "excitement"
    return "performance"


def penalty_reward(df: pd.DataFrame, *, outcome: str, attributes: Sequence[str], low_boxes: int | None = None,
                   high_boxes: int = 2, scales: Mapping[str, tuple[float, float]] | tuple[float, float] | None
                   = None, bootstrap: int = 200, seed: int | None = 1,
                   ia_threshold: float = IA_THRESHOLD) -> PenaltyReward:
    """Penalty-reward contrast analysis with bootstrap intervals for the impact asymmetry.

    Parameters
    ----------
    outcome : overall satisfaction column.
    attributes : attribute rating columns.
    low_boxes : bottom boxes of each attribute scale forming the *low* dummy; default half the scale points
        (1-5 on 1-10, 1-2 on 1-5).
    high_boxes : top boxes forming the *high* dummy (default 2).
    scales : (min, max) for all attributes, or per attribute; default each attribute's observed range.
    bootstrap : resamples for the intervals (0 = none); seed : their random seed.
    ia_threshold : |IA| beyond which an attribute is basic or excitement.

    Returns
    -------
    PenaltyReward
        ``wrong_sign`` lists "penalty" when the penalty is positive and "reward" when the reward is negative
        (the attribute does not act as the method assumes; that effect counts 0 in the IA and the impact range).
        ``class_confident`` is True when the IA interval lies entirely within the class's range; ``ia_ci`` is
        None when more than 2.5 % of the draws have no effect in either direction.

    Examples
    --------
    R equivalent: ``lm(overall ~ low1 + high1 + low2 + high2 + ..., data)``, penalty = coefficient of each
    low dummy, reward = of each high dummy.

    >>> result = penalty_reward(frame, outcome="CUSA1", attributes=["PERQ1", "PERQ5"])  # doctest: +SKIP
    >>> result.attributes["PERQ1"]["class"]  # doctest: +SKIP
    'basic'
    """
    attributes = list(dict.fromkeys(attributes))
    if not attributes:
        raise AnalysisError("Penalty-reward analysis needs at least one attribute column.")
    if outcome in attributes:
        raise AnalysisError(f"The outcome '{outcome}' is also listed as an attribute.")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise AnalysisError(f"bootstrap must be a whole number (0 or more), not {bootstrap!r}.")
    frame = pd.DataFrame({c: numeric_column(df, c, "attribute" if c != outcome else "outcome")
                          for c in [outcome, *attributes]}).dropna()
    notes: list[str] = []
    n = len(frame)
    if n < 2 * len(attributes) + 2:
        raise AnalysisError(f"Penalty-reward analysis of {len(attributes)} attributes needs at least "
                            f"{2 * len(attributes) + 2} complete answers; there are {n}.")
    y = frame[outcome].to_numpy()
    if y.std() == 0:
        raise AnalysisError(f"Everyone gave '{outcome}' the same answer, so nothing can explain it.")
    columns: list[np.ndarray] = []
    names: list[tuple[str, str]] = []
    definitions: dict[str, str] = {"class": f"basic if IA < -{ia_threshold:g}, excitement if IA > "
                                             f"{ia_threshold:g}, performance otherwise"}
    counts: dict[str, tuple[int, int]] = {}
    for code in attributes:
        x = frame[code].to_numpy()
        if x.std() == 0:
            notes.append(f"'{code}' has the same answer ({x[0]:g}) from everyone; it is left out.")
            continue
        scale = scales.get(code) if isinstance(scales, Mapping) else scales
        low, high = scale if scale is not None else (float(x.min()), float(x.max()))
        points = int(round(high - low)) + 1
        k_low = low_boxes if low_boxes is not None else points // 2
        if k_low + high_boxes >= points:
            raise AnalysisError(f"'{code}' has {points} answer points; {k_low} low and {high_boxes} high boxes "
                                "leave no middle reference. Use fewer boxes.")
        low_cut, high_cut = low + k_low - 1, high - high_boxes + 1
        definitions[code] = f"low <= {low_cut:g}, middle {low_cut + 1:g}-{high_cut - 1:g}, high >= {high_cut:g}"
        is_low, is_high = x <= low_cut + 1e-9, x >= high_cut - 1e-9
        counts[code] = (int(is_low.sum()), int(is_high.sum()))
        for kind, dummy in (("low", is_low), ("high", is_high)):
            if dummy.sum() == 0:
                notes.append(f"Nobody rated '{code}' in its {kind} boxes; its "
                             f"{'penalty' if kind == 'low' else 'reward'} cannot be estimated.")
                continue
            if dummy.sum() < MIN_BOX:
                notes.append(f"Only {int(dummy.sum())} respondents rated '{code}' in its {kind} boxes; its "
                             f"{'penalty' if kind == 'low' else 'reward'} is rough.")
            columns.append(dummy)
            names.append((code, kind))
    if not columns:
        raise AnalysisError("No attribute varies, so there is nothing to contrast.")
    # The design has one row per pattern of dummies (a few thousand at most for a handful of attributes): every
    # cross-product is a sum over patterns weighted by how many respondents show each. With nearly as many
    # patterns as respondents (many attributes), the design has one row per respondent (pattern None).
    pattern, design = _patterns(columns) or (None, np.column_stack([np.ones(n), *columns]))
    if pattern is None:
        gram, moment = design.T @ design, design.T @ y
    else:
        gram = (design.T * np.bincount(pattern, minlength=len(design))) @ design
        moment = design.T @ np.bincount(pattern, weights=y, minlength=len(design))
    scaled = gram / np.sqrt(np.outer(np.diag(gram), np.diag(gram)))
    if np.linalg.eigvalsh(scaled)[0] < 1e-10:
        raise AnalysisError("The low/high dummies are perfectly collinear (two attributes answered "
                            "identically?); drop one of them.")
    beta = np.linalg.solve(gram, moment)
    fitted = design @ beta
    residual = y - (fitted if pattern is None else fitted[pattern])
    r2 = 1 - residual @ residual / np.sum((y - y.mean()) ** 2)
    draws = _bootstrap(pattern, design, y, bootstrap, seed, beta)
    out: dict[str, dict[str, Any]] = {}
    for code in counts:
        p_i = next((i + 1 for i, nm in enumerate(names) if nm == (code, "low")), None)
        r_i = next((i + 1 for i, nm in enumerate(names) if nm == (code, "high")), None)
        penalty = float(beta[p_i]) if p_i else np.nan
        reward = float(beta[r_i]) if r_i else np.nan
        ia = _ia(np.array(penalty), np.array(reward))
        entry: dict[str, Any] = {
            "penalty": penalty, "reward": reward, "impact_range": float(_impact_range(penalty, reward)),
            "impact_asymmetry": float(ia), "mean_performance": float(frame[code].mean()),
            "n_low": counts[code][0], "n_high": counts[code][1],
            "wrong_sign": [w for w, bad in (("penalty", penalty > 0), ("reward", reward < 0)) if bad],
        }
        entry["class"] = _classify(float(ia), ia_threshold)
        entry["penalty_ci"] = entry["reward_ci"] = entry["ia_ci"] = None
        entry["class_confident"] = None
        if draws is not None:
            pen = draws[:, p_i] if p_i else np.full(len(draws), np.nan)
            rew = draws[:, r_i] if r_i else np.full(len(draws), np.nan)
            entry["penalty_ci"] = _percentile(pen)
            entry["reward_ci"] = _percentile(rew)
            ia_draws = _ia(pen, rew)
            # a draw without an IA (no effect in the method's direction): past 2.5 % the interval would have
            # to include "no effect", which no IA range expresses - not determined
            undefined = np.mean(~np.isfinite(ia_draws))
            entry["ia_ci"] = _percentile(ia_draws) if undefined <= 0.025 else None
            bounds = {"basic": (-1.0, -ia_threshold), "performance": (-ia_threshold, ia_threshold),
                      "excitement": (ia_threshold, 1.0)}.get(entry["class"])
            entry["class_confident"] = bool(bounds and entry["ia_ci"] is not None
                                            and bounds[0] <= entry["ia_ci"][0] and entry["ia_ci"][1] <= bounds[1])
        if entry["wrong_sign"]:
            notes.append(f"'{code}': the {' and '.join(entry['wrong_sign'])} has the wrong sign; it does not "
                         "act on satisfaction as the method assumes, so read its class with care.")
        out[code] = entry
    if bootstrap and draws is not None and n > TRAP_BOOTSTRAP_ROWS:
        notes.append(f"Each bootstrap resample drew {TRAP_BOOTSTRAP_ROWS:,} of {n:,} rows; the spread was "
                     "rescaled to the full sample.")
    return PenaltyReward(outcome=outcome, attributes=out, definitions=definitions, r2=float(r2), n=n,
                         bootstrap=int(bootstrap), seed=seed, warnings=notes)


def _directed(penalty: np.ndarray, reward: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|P| and R in the method's directions: a positive penalty and a negative reward count 0."""
    return np.abs(np.minimum(penalty, 0.0)), np.maximum(reward, 0.0)


def _impact_range(penalty: float, reward: float) -> float:
    loss, gain = _directed(np.array(penalty), np.array(reward))
    return float(loss + gain)


def _ia(penalty: np.ndarray, reward: np.ndarray) -> np.ndarray:
    """IA = (R - |P|) / (R + |P|) on the directed effects: within [-1, 1], NaN where both are 0 (or missing)."""
    loss, gain = _directed(penalty, reward)
    total = loss + gain
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (gain - loss) / total, np.nan)


def _patterns(dummies: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """Pattern number of each row (0, 1, ... in order of first appearance) and each pattern's row of the design
    (1, then its 0/1 dummies); None when the rows are cheaper: more than 62 dummies (one 64-bit code per row)
    or more than half as many patterns as rows."""
    n = len(dummies[0])
    if len(dummies) > 62:
        return None
    code = np.zeros(n, dtype=np.int64)
    for j, dummy in enumerate(dummies):
        code |= dummy.astype(np.int64) << j
    pattern, uniques = pd.factorize(code)
    if len(uniques) > n // 2:
        return None
    design = np.ones((len(uniques), len(dummies) + 1))
    design[:, 1:] = (uniques[:, None] >> np.arange(len(dummies))) & 1
    return pattern.astype(np.intp), design


def _bootstrap(pattern: np.ndarray | None, design: np.ndarray, y: np.ndarray, bootstrap: int, seed: int | None,
               beta: np.ndarray) -> np.ndarray | None:
    """Bootstrap coefficients (rows = resamples), deviations rescaled when resamples are subsamples.

    Row i of the data has the dummies ``design[pattern[i]]`` (``design[i]`` without patterns). A resample's
    cross-products are its counts of each pattern and sums of ``y`` per pattern times the pattern design: with
    whole-number ratings these are the exact integers a pass over the drawn rows gives.
    """
    if not bootstrap:
        return None
    rng = np.random.default_rng(seed)
    n = len(y)
    m = min(n, TRAP_BOOTSTRAP_ROWS)
    scale = np.sqrt(m / n)
    k, d = design.shape
    out = np.empty((bootstrap, d))
    # Per resample, summing over patterns takes about k * d * d operations, over the drawn rows m * d * d.
    by_pattern = pattern is not None and k <= m and k * d * d * 8 <= _MEMORY_BUDGET
    squares = (design[:, :, None] * design[:, None, :]).reshape(k, d * d) if by_pattern else None
    rows32 = None if by_pattern else design.astype(np.float32)
    if pattern is not None and not by_pattern:
        rows32 = rows32[pattern]
    y32 = None if by_pattern else y.astype(np.float32)
    block = max(1, _MEMORY_BUDGET // (8 * max(m, k) * 4))
    for start in range(0, bootstrap, block):
        stop = min(start + block, bootstrap)
        # One call for the block's draws gives the very numbers of one call per resample.
        drawn = rng.integers(0, n, size=(stop - start, m))
        if by_pattern:
            cell = (np.arange(stop - start)[:, None] * k + pattern[drawn]).ravel()
            counts = np.bincount(cell, minlength=(stop - start) * k).reshape(-1, k).astype(float)
            sums = np.bincount(cell, weights=y[drawn].ravel(), minlength=(stop - start) * k).reshape(-1, k)
            grams = (counts @ squares).reshape(-1, d, d)
            moments = sums @ design
        else:
            # Single precision for the cross-products: the dummies are 0/1 and ratings small whole numbers, so
            # the sums are exact in float32 up to 2^24 and the products run twice as fast.
            grams = np.empty((stop - start, d, d))
            moments = np.empty((stop - start, d))
            for b, rows in enumerate(drawn):
                x = rows32[rows]
                grams[b] = x.T @ x
                moments[b] = x.T @ y32[rows]
        for b in range(stop - start):
            out[start + b] = beta + scale * (_solve(grams[b], moments[b]) - beta)
    return out


def _solve(gram: np.ndarray, moment: np.ndarray) -> np.ndarray:
    """Normal equations of one resample. A dummy that is empty in it makes them singular: lstsq then, and that
    draw of its coefficient is NaN so the interval ignores it."""
    empty = np.diag(gram) == 0
    if empty.any():
        coef = np.linalg.lstsq(gram, moment, rcond=None)[0]
        coef[empty] = np.nan
        return coef
    try:
        return np.linalg.solve(gram, moment)
    except np.linalg.LinAlgError:
        # two dummies that coincide in this resample (a small stage): nothing is identified in it
        return np.full(len(moment), np.nan)


def _percentile(values: np.ndarray) -> list[float] | None:
    values = values[np.isfinite(values)]
    if values.size < 2:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return [float(low), float(high)]
