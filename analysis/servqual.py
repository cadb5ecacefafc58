"""SERVQUAL gap scores: perception minus expectation per item, per dimension and overall.

Parasuraman, Zeithaml & Berry (1988) score service quality as the gap between what customers perceive and what
they expect (negative: the service falls short). The 1994 revision asks two expectation levels: the *adequate*
(minimum acceptable) and the *desired* service; between them lies the zone of tolerance. Perception minus
adequate is the measure of service adequacy (MSA, below 0 means below the zone), perception minus desired the
measure of service superiority (MSS, above 0 means above the zone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import AnalysisError

_NO_DIMENSION = "(no dimension)"


@dataclass
class ServqualResult:
    """Gap scores of a SERVQUAL questionnaire."""

    #: per attribute: dimension, n, expectation, perception, gap (mean), sd, se, ci_low, ci_high; with adequate
    #: and desired levels also adequate, desired, msa, mss, tolerance (desired - adequate) and zone
    #: ("below", "within", "above": where the mean perception falls)
    items: pd.DataFrame
    #: per dimension: n (respondents with a score), gap, sd, se, ci_low, ci_high, weight; msa and mss when given
    dimensions: pd.DataFrame
    #: the weighted overall gap: mean over respondents of sum_d weight_d * (respondent's dimension gap)
    overall_gap: float
    overall_ci: tuple[float, float]
    #: respondents with a score on every dimension (those the overall gap is computed from)
    overall_n: int
    weights: dict[str, float]
    confidence: float = 0.95
    warnings: list[str] = field(default_factory=list)


def _mean_ci(values: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Mean, sd, se and a t confidence interval of each column, ignoring missing values."""
    n = values.notna().sum()
    mean = values.mean()
    sd = values.std(ddof=1)
    se = sd / np.sqrt(n)
    with np.errstate(invalid="ignore"):
        t = pd.Series(stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)), index=values.columns)
    t[n < 2] = np.nan
    return pd.DataFrame({"n": n.astype(int), "gap": mean, "sd": sd, "se": se,
                         "ci_low": mean - t * se, "ci_high": mean + t * se})


def _numeric(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df.columns:
        raise AnalysisError(f"column {column!r} named in the SERVQUAL pairs is not in the data")
    values = pd.to_numeric(df[column], errors="coerce")
    if values.notna().sum() == 0:
        raise AnalysisError(f"column {column!r} has no numeric answers")
    return values.astype(float)


def servqual_gaps(df: pd.DataFrame, pairs: Sequence[Mapping[str, str | None]], *,
                  weights: Mapping[str, float] | None = None, confidence: float = 0.95) -> ServqualResult:
    """Perception minus expectation per item and dimension, a weighted overall gap and the zone of tolerance.

    Parameters
    ----------
    df : one row per respondent.
    pairs : ``{attribute, dimension, expectation, perception}`` per attribute, as in
        ``Instrument.model_spec()["servqual"]``; optional ``adequate`` and ``desired`` columns give the zone of
        tolerance (then ``expectation`` may be None and the gap is taken against the desired level).
    weights : dimension -> importance weight (e.g. points out of 100); normalised to sum to 1. Equal weights
        when omitted, the unweighted SERVQUAL score.
    confidence : level of the t confidence intervals.

    A respondent's dimension gap is the mean of their item gaps in that dimension (items they skipped are left
    out); the overall gap is the weighted sum of dimension gaps, averaged over respondents who have all.

    Examples
    --------
    >>> df = pd.DataFrame({"E1": [7, 6], "P1": [5, 5], "E2": [6, 6], "P2": [6, 4]})
    >>> pairs = [{"attribute": "a", "dimension": "Reliability", "expectation": "E1", "perception": "P1"},
    ...          {"attribute": "b", "dimension": "Empathy", "expectation": "E2", "perception": "P2"}]
    >>> servqual_gaps(df, pairs).items["gap"].tolist()
    [-1.5, -1.0]

    There is no SERVQUAL function in R; the arithmetic is that of Parasuraman et al. (1988, 1994).
    """
    if not pairs:
        raise AnalysisError("no SERVQUAL pairs given: the instrument needs servqual_expectation and "
                            "servqual_perception items joined by their attribute")
    if not 0 < confidence < 1:
        raise AnalysisError(f"confidence must lie between 0 and 1, got {confidence}")
    warnings: list[str] = []
    gaps, msa, mss, rows = {}, {}, {}, []
    for pair in pairs:
        attribute = str(pair.get("attribute") or pair.get("perception"))
        dimension = pair.get("dimension") or _NO_DIMENSION
        perception_col = pair.get("perception")
        if not perception_col:
            raise AnalysisError(f"SERVQUAL attribute {attribute!r} has no perception column")
        perception = _numeric(df, perception_col)
        adequate_col, desired_col = pair.get("adequate"), pair.get("desired")
        if bool(adequate_col) != bool(desired_col):
            raise AnalysisError(f"SERVQUAL attribute {attribute!r} needs both an adequate and a desired column "
                                "for the zone of tolerance, or neither")
        expectation_col = pair.get("expectation") or desired_col
        if not expectation_col:
            raise AnalysisError(f"SERVQUAL attribute {attribute!r} has no expectation column")
        expectation = _numeric(df, expectation_col)
        gaps[attribute] = perception - expectation
        row = {"attribute": attribute, "dimension": dimension, "expectation": expectation.mean(),
               "perception": perception.mean()}
        if adequate_col:
            adequate, desired = _numeric(df, adequate_col), _numeric(df, desired_col)
            msa[attribute], mss[attribute] = perception - adequate, perception - desired
            row.update(adequate=adequate.mean(), desired=desired.mean())
        rows.append(row)
    if len(gaps) != len(pairs):
        raise AnalysisError("two SERVQUAL pairs share an attribute name; each attribute must appear once")
    if msa and len(msa) != len(gaps):
        warnings.append("Only some attributes ask adequate and desired levels; the zone of tolerance is shown "
                        "for those only.")

    gap_frame = pd.DataFrame(gaps)
    items = pd.DataFrame(rows).set_index("attribute")
    items = items.join(_mean_ci(gap_frame, confidence))
    if msa:
        items["msa"] = pd.DataFrame(msa).mean()
        items["mss"] = pd.DataFrame(mss).mean()
        items["tolerance"] = items["desired"] - items["adequate"]
        zone = np.where(items["perception"] < items["adequate"], "below",
                        np.where(items["perception"] > items["desired"], "above", "within"))
        items["zone"] = pd.Series(zone, index=items.index).where(items["msa"].notna())
        if (items["tolerance"] < 0).any():
            bad = ", ".join(items.index[items["tolerance"] < 0])
            warnings.append(f"The adequate level lies above the desired level on average for {bad}; check that "
                            "the two columns are not swapped.")

    dimension_of = items["dimension"]
    order = list(dict.fromkeys(dimension_of))
    # A respondent's dimension score is the mean of the item gaps they answered (pandas skips NaN).
    by_dimension = pd.DataFrame({d: gap_frame[dimension_of.index[dimension_of == d]].mean(axis=1) for d in order})
    dimensions = _mean_ci(by_dimension, confidence)
    if msa:
        for name, source in (("msa", msa), ("mss", mss)):
            frame = pd.DataFrame(source)
            dims = dimension_of[frame.columns]
            dimensions[name] = pd.Series({d: frame[dims.index[dims == d]].mean(axis=1).mean() for d in order})

    if weights is None:
        w = pd.Series(1.0, index=order)
    else:
        unknown = sorted(set(weights) - set(order))
        if unknown:
            raise AnalysisError(f"weights name dimensions that have no SERVQUAL items: {', '.join(unknown)}; "
                                f"the dimensions are {', '.join(order)}")
        missing = [d for d in order if d not in weights]
        if missing:
            raise AnalysisError(f"weights must cover every dimension; missing: {', '.join(missing)}")
        w = pd.Series({d: float(weights[d]) for d in order})
        if (w < 0).any() or w.sum() <= 0:
            raise AnalysisError("dimension weights must be non-negative and not all zero")
    w = w / w.sum()
    dimensions["weight"] = w

    complete = by_dimension.dropna()
    overall_scores = complete.to_numpy() @ w.to_numpy()
    overall_n = len(overall_scores)
    overall = _mean_ci(pd.DataFrame({"overall": overall_scores}), confidence).iloc[0]
    if overall_n < len(df):
        warnings.append(f"{len(df) - overall_n} of {len(df)} respondents lack a score on some dimension and are "
                        "left out of the overall gap.")
    if overall_n < 30:
        warnings.append(f"Only {overall_n} respondents have every dimension; the confidence intervals are wide.")
    return ServqualResult(items=items, dimensions=dimensions, overall_gap=float(overall["gap"]),
                          overall_ci=(float(overall["ci_low"]), float(overall["ci_high"])),
                          overall_n=overall_n, weights={d: float(v) for d, v in w.items()},
                          confidence=confidence, warnings=warnings)
