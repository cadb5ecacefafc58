"""Waves and trends: the same survey repeated, each measure per wave with CIs and the change between waves.

Waves are independent samples (anonymous surveys cannot link a person's answers across waves), so a change in a
mean is tested with Welch's t-test and a change in NPS with a z-test on the difference of two independent
scores. A measure is compared only between waves that asked all of its items; the result says which did not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.data import text_labels
from analysis.errors import AnalysisError
from analysis.nps import nps
from analysis.welch import welch_from_moments


@dataclass
class TrendResult:
    """Measures per wave and their changes from one wave to the next."""

    waves: list[str]
    #: one row per (wave, measure) that the wave asked: n, mean, sd, ci_low, ci_high
    levels: pd.DataFrame
    #: one row per measure and pair of consecutive waves that both asked it: measure, wave_from, wave_to, change
    #: (later - earlier), ci_low, ci_high, statistic (Welch t, or z for NPS), df, p
    changes: pd.DataFrame
    #: NPS per wave (n, score, ci_low, ci_high: adjusted Wald) when an NPS column is given
    nps: pd.DataFrame | None
    #: measure -> waves in which some of its items were not asked (no answers at all)
    not_comparable: dict[str, list[str]]
    confidence: float = 0.95
    warnings: list[str] = field(default_factory=list)


def _t_interval(mean: float, sd: float, n: int, confidence: float) -> tuple[float, float]:
    if n < 2:
        return (np.nan, np.nan)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n)
    return (mean - half, mean + half)


def _welch(a: np.ndarray, b: np.ndarray, confidence: float) -> dict[str, float]:
    """Welch test of mean(b) - mean(a) with its confidence interval."""
    va, vb = a.var(ddof=1), b.var(ddof=1)
    diff = b.mean() - a.mean()
    t, dof, p = welch_from_moments(len(a), a.mean(), va, len(b), b.mean(), vb)
    half = stats.t.ppf(0.5 + confidence / 2, dof) * np.sqrt(va / len(a) + vb / len(b))
    return {"change": diff, "ci_low": diff - half, "ci_high": diff + half, "statistic": t, "df": dof, "p": p}


def wave_trends(df: pd.DataFrame, *, wave: str, measures: Sequence[str] | Mapping[str, Sequence[str]],
                nps_column: str | None = None, order: Sequence[str] | None = None,
                confidence: float = 0.95) -> TrendResult:
    """Each measure per wave with a t interval, and Welch tests of the change between consecutive waves.

    Parameters
    ----------
    df : one row per respondent, all waves together.
    wave : the column naming the wave of each response.
    measures : columns, or measure -> item columns (a respondent's score is the mean of the items answered).
    nps_column : a 0-10 recommend question (NPS or eNPS), scored per wave with the adjusted-Wald interval.
    order : the waves in time order; by default their sorted values.
    confidence : level of all intervals.

    Examples
    --------
    >>> df = pd.DataFrame({"w": ["2024"] * 3 + ["2025"] * 3, "sat": [3, 4, 5, 4, 5, 6]})
    >>> wave_trends(df, wave="w", measures=["sat"]).changes["change"].tolist()
    [1.0]

    The change test is R's ``t.test(later, earlier)`` (Welch).
    """
    if wave not in df.columns:
        raise AnalysisError(f"wave column {wave!r} is not in the data")
    if not 0 < confidence < 1:
        raise AnalysisError(f"confidence must lie between 0 and 1, got {confidence}")
    spec = measures if isinstance(measures, Mapping) else {c: [c] for c in measures}
    if not spec and nps_column is None:
        raise AnalysisError("no measures given for the trend")
    for name, items in spec.items():
        missing = [c for c in items if c not in df.columns]
        if missing:
            raise AnalysisError(f"column(s) {', '.join(map(repr, missing))} of {name!r} not in the data")
    raw = list(pd.unique(df[wave].dropna()))
    try:  # numbers and dates in their own order (wave 10 after wave 9), other labels as text
        raw = sorted(raw)
    except TypeError:
        raw = sorted(raw, key=str)
    present = [str(w) for w in raw]
    waves = [str(w) for w in order] if order is not None else present
    unknown = sorted(set(present) - set(waves))
    if unknown:
        raise AnalysisError(f"waves {', '.join(unknown)} are in the data but not in the given order")
    if len(waves) < 2:
        raise AnalysisError(f"a trend needs at least two waves in {wave!r}; found {len(present)}")
    label = text_labels(df[wave])
    warnings: list[str] = []

    levels, changes, not_comparable = [], [], {}
    for name, items in spec.items():
        values = df[list(items)].apply(pd.to_numeric, errors="coerce").astype(float)
        scores, asked = {}, []
        for w in waves:
            rows = values[label == w]
            if len(rows) and rows.notna().any().all():  # every item of the measure has answers this wave
                asked.append(w)
                scores[w] = rows.mean(axis=1).dropna().to_numpy()
        skipped = [w for w in waves if w not in asked and (label == w).any()]
        if skipped:
            not_comparable[str(name)] = skipped
        for w in asked:
            x = scores[w]
            mean, sd = float(x.mean()), float(x.std(ddof=1)) if len(x) > 1 else np.nan
            low, high = _t_interval(mean, sd, len(x), confidence)
            levels.append({"wave": w, "measure": str(name), "n": len(x), "mean": mean, "sd": sd,
                           "ci_low": low, "ci_high": high})
        for earlier, later in zip(asked, asked[1:], strict=False):
            a, b = scores[earlier], scores[later]
            if len(a) < 2 or len(b) < 2:
                warnings.append(f"{name!r}: fewer than two answers in {earlier} or {later}; no change test.")
                continue
            changes.append({"measure": str(name), "wave_from": earlier, "wave_to": later,
                            **_welch(a, b, confidence)})
    for name, skipped in not_comparable.items():
        warnings.append(f"{name!r} was not asked in full in wave(s) {', '.join(skipped)}; it is compared only "
                        "between waves that asked all its items.")

    nps_table = None
    if nps_column is not None:
        if nps_column not in df.columns:
            raise AnalysisError(f"NPS column {nps_column!r} is not in the data")
        rows, results = [], {}
        z = stats.norm.ppf(0.5 + confidence / 2)
        for w in waves:
            answers = pd.to_numeric(df.loc[label == w, nps_column], errors="coerce").dropna()
            if answers.empty:
                continue
            result = nps(answers.rename(nps_column))
            results[w] = result
            rows.append({"wave": w, "n": result.n, "score": result.score, "ci_low": result.ci[0],
                         "ci_high": result.ci[1]})
            warnings.extend(f"{w}: {note}" for note in result.warnings)
        nps_table = pd.DataFrame(rows)
        ordered = [w for w in waves if w in results]
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            a, b = results[earlier], results[later]
            # independent samples: the variances of the two (Wald) scores add
            var = sum((r.promoters + r.detractors - (r.promoters - r.detractors) ** 2) / r.n for r in (a, b))
            se = 100 * np.sqrt(var)
            change = b.score - a.score
            stat = change / se if se > 0 else np.nan
            changes.append({"measure": f"NPS ({nps_column})", "wave_from": earlier, "wave_to": later,
                            "change": change, "ci_low": change - z * se, "ci_high": change + z * se,
                            "statistic": stat, "df": np.nan, "p": 2 * stats.norm.sf(abs(stat))})

    columns = ["measure", "wave_from", "wave_to", "change", "ci_low", "ci_high", "statistic", "df", "p"]
    return TrendResult(waves=waves, levels=pd.DataFrame(levels, columns=["wave", "measure", "n", "mean", "sd",
                                                                          "ci_low", "ci_high"]),
                       changes=pd.DataFrame(changes, columns=columns), nps=nps_table,
                       not_comparable=not_comparable, confidence=confidence, warnings=warnings)
