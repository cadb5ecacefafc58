"""Action follow-up: what became of the drivers that units acted on between one wave and the next.

Respondents differ between waves (an anonymous survey cannot link them), so a unit's change in a driver is the
difference of two independent means, with Welch's interval. Whether units that acted moved more than units that
did not is a difference in differences (DiD): the interaction of wave and "acted" in a respondent-level OLS,

    score = b0 + b1 * later + b2 * acted + b3 * later * acted,    DiD = b3,

with standard errors clustered by unit when there are :data:`MIN_CLUSTERS` units or more (Cameron & Miller 2015:
with fewer clusters the cluster-robust errors are too small), else heteroscedasticity-robust (HC1), which treats
respondents of a unit as independent and says so. The DiD is not a causal effect: units chose their actions, and
units picked for low scores tend to improve anyway (regression to the mean); its caveats are in the result.

Disclosure: a unit's figures are shown only when both waves' gates show the unit and each wave has at least
``min_group_size`` respondents; a DiD only when each arm has that many in each wave and the respondents left out
(hidden units, no unit) are none or at least that many, so no subtraction isolates a smaller group.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

from analysis.errors import AnalysisError
from analysis.welch import welch_from_moments

#: clusters (units) needed before the DiD's standard error is clustered by unit (Cameron & Miller 2015, "A
#: practitioner's guide to cluster-robust inference", J. Human Resources 50(2): below ~20-50 clusters the
#: cluster-robust variance is biased downwards)
MIN_CLUSTERS = 20
#: why a figure is missing: the unit is hidden by a wave's gate; fewer than k respondents; driver not asked
REASONS = ("shown", "hidden", "small", "not_asked", "gate", "no_control", "no_treated")
#: caveats every follow-up carries, and the ones that depend on the data
CAVEATS = {
    "not_randomised": "Units chose their actions; they were not assigned at random, so units with and without "
                      "actions may differ in ways that also change their scores.",
    "regression_to_mean": "Units picked for low scores tend to score higher next time even without an action "
                          "(regression to the mean); part of a change may be that.",
    "independent_samples": "Respondents differ between waves; changes compare two independent groups.",
    "few_units": f"Fewer than {MIN_CLUSTERS} units: intervals are wide and the DiD's standard error treats "
                 "respondents as independent (HC1), which understates it when units share conditions.",
}


@dataclass
class ActionFollowUp:
    """Per action the change of its driver in its unit, and per driver the DiD of units with and without one."""

    earlier: str
    later: str
    #: one row per action (index: action id): driver, unit, scale ("index" 0-100 or "raw"), n_before, n_after,
    #: mean_before, mean_after, change (after - before), ci_low, ci_high, df, p, verdict (improved | declined |
    #: unclear | None), reason (see REASONS; figures are NaN unless "shown")
    changes: pd.DataFrame
    #: one row per driver with an action in some unit (index: driver): scale, treated_units, control_units,
    #: n_treated_before, n_treated_after, n_control_before, n_control_after, did, se, ci_low, ci_high, p,
    #: se_kind ("cluster" | "hc1"), clusters, verdict, reason, survey_wide (an action on the whole survey too)
    did: pd.DataFrame
    #: keys of :data:`CAVEATS` that apply
    caveats: list[str]
    min_group_size: int
    confidence: float = 0.95
    warnings: list[str] = field(default_factory=list)


def _verdict(low: float, high: float) -> str | None:
    """improved / declined only when the interval excludes 0."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    return "improved" if low > 0 else "declined" if high < 0 else "unclear"


def _scores(df: pd.DataFrame, items: Sequence[str], scale: tuple[float, float] | None) -> pd.Series:
    """Each respondent's driver score: the mean of the items answered, on 0-100 when the scale is known."""
    values = df[list(items)].apply(pd.to_numeric, errors="coerce").astype(float).mean(axis=1)
    if scale is None:
        return values
    low, high = scale
    return 100 * (values - low) / (high - low)


def evaluate_actions(df: pd.DataFrame, *, wave: str, unit: str, earlier: object, later: object,
                     drivers: Mapping[str, Sequence[str]], actions: pd.DataFrame,
                     scales: Mapping[str, tuple[float, float]] | None = None,
                     subtrees: Mapping[str, Collection[str]] | None = None, min_group_size: int = 5,
                     hidden_units: Collection[str] = (), hidden_groups: Collection[str] = (),
                     confidence: float = 0.95, min_clusters: int = MIN_CLUSTERS) -> ActionFollowUp:
    """The change of each action's driver in its unit between two waves, and the DiD per driver.

    Parameters
    ----------
    df : one row per respondent of both waves.
    wave, unit : the columns naming each respondent's wave and unit (NaN: no unit).
    earlier, later : the wave the actions were planned from, and the wave that evaluates them.
    drivers : driver (construct or item) -> its item columns; a respondent's score is the mean of those answered.
    actions : one row per action (index: its id) with columns ``driver``, ``unit`` (None: the whole survey) and
        optionally ``status`` (a "dropped" action does not count as acting in the DiD).
    scales : driver -> (lowest, highest) answer: scores are then on 0-100; else on the items' scale.
    subtrees : an action's unit -> the values of ``unit`` whose respondents belong to it (default: itself).
    min_group_size : k, the smallest group any figure may describe.
    hidden_units : units whose figures a wave's gate does not show: their actions show nothing.
    hidden_groups : units whose own respondents may not form a group: left out of the DiD.
    confidence : level of all intervals.
    min_clusters : units needed to cluster the DiD's standard error.

    Examples
    --------
    >>> df = pd.DataFrame({"w": [1] * 4 + [2] * 4, "u": ["a", "a", "b", "b"] * 2,
    ...                    "q": [2, 3, 3, 4, 4, 5, 3, 4]})
    >>> acts = pd.DataFrame({"driver": ["q"], "unit": ["a"]}, index=[7])
    >>> out = evaluate_actions(df, wave="w", unit="u", earlier=1, later=2, drivers={"q": ["q"]}, actions=acts,
    ...                        min_group_size=2)
    >>> float(out.changes.loc[7, "change"]), float(out.did.loc["q", "did"])
    (2.0, 2.0)

    The change is R's ``t.test(after, before)`` (Welch); the DiD is ``lm(q ~ later * acted)``'s interaction,
    with ``sandwich::vcovCL(type = "HC1")`` standard errors when clustered.
    """
    for column in (wave, unit):
        if column not in df.columns:
            raise AnalysisError(f"column {column!r} is not in the data")
    if not 0 < confidence < 1:
        raise AnalysisError(f"confidence must lie between 0 and 1, got {confidence}")
    if min_group_size < 1:
        raise AnalysisError(f"min_group_size must be at least 1, got {min_group_size}")
    for name in ("driver", "unit"):
        if name not in actions.columns:
            raise AnalysisError(f"the actions need a {name!r} column")
    unknown = sorted(set(actions["driver"]) - set(drivers))
    if unknown:
        raise AnalysisError(f"driver(s) {', '.join(map(repr, unknown))} of the actions are not in ``drivers``")
    scales, subtrees = dict(scales or {}), dict(subtrees or {})
    k = min_group_size
    when = df[wave]
    in_before, in_after = (when == earlier).to_numpy(), (when == later).to_numpy()
    units = df[unit].astype(object).where(df[unit].notna(), None)
    warnings: list[str] = []
    scores = {}
    for name in dict.fromkeys(actions["driver"]):
        missing = [c for c in drivers[name] if c not in df.columns]
        scores[name] = (pd.Series(np.nan, index=df.index) if missing
                        else _scores(df, drivers[name], scales.get(name)))

    rows = []
    for action_id, action in actions.iterrows():
        name, where = action["driver"], action["unit"]
        where = None if where is None or (isinstance(where, float) and np.isnan(where)) else where
        score = scores[name]
        members = (np.ones(len(df), dtype=bool) if where is None
                   else units.isin(list(subtrees.get(where, [where]))).to_numpy())
        before = score[members & in_before].dropna().to_numpy()
        after = score[members & in_after].dropna().to_numpy()
        row = {"action": action_id, "driver": name, "unit": where, "scale": "index" if name in scales else "raw",
               "n_before": np.nan, "n_after": np.nan, "mean_before": np.nan, "mean_after": np.nan,
               "change": np.nan, "ci_low": np.nan, "ci_high": np.nan, "df": np.nan, "p": np.nan, "verdict": None}
        if where is not None and where in hidden_units:
            reason = "hidden"
        elif not len(before) or not len(after):
            reason = "not_asked" if score[in_before | in_after].isna().all() else "small"
        elif min(len(before), len(after)) < max(k, 2):
            reason = "small"
        else:
            reason = "shown"
            va, vb = before.var(ddof=1), after.var(ddof=1)
            t, dof, p = welch_from_moments(len(before), before.mean(), va, len(after), after.mean(), vb)
            change = after.mean() - before.mean()
            half = stats.t.ppf(0.5 + confidence / 2, dof) * np.sqrt(va / len(before) + vb / len(after)) \
                if np.isfinite(dof) else 0.0
            row.update(n_before=len(before), n_after=len(after), mean_before=before.mean(),
                       mean_after=after.mean(), change=change, ci_low=change - half, ci_high=change + half,
                       df=dof, p=p, verdict=_verdict(change - half, change + half))
        rows.append({**row, "reason": reason})
    changes = pd.DataFrame(rows, columns=["action", "driver", "unit", "scale", "n_before", "n_after",
                                          "mean_before", "mean_after", "change", "ci_low", "ci_high", "df", "p",
                                          "verdict", "reason"]).set_index("action")

    did_rows = []
    unit_count = 0
    for name in dict.fromkeys(actions["driver"]):
        own = actions[actions["driver"] == name]
        if "status" in own.columns:
            own = own[own["status"] != "dropped"]
        placed = [u for u in own["unit"] if u is not None and not (isinstance(u, float) and np.isnan(u))]
        row, units_used = _did(scores[name], units, in_before, in_after, placed, subtrees, k, hidden_units,
                               hidden_groups, confidence, min_clusters)
        unit_count = max(unit_count, units_used)
        if row is None:
            continue
        row.update(driver=name, scale="index" if name in scales else "raw",
                   survey_wide=len(placed) < len(own))
        did_rows.append(row)
    did = pd.DataFrame(did_rows, columns=["driver", "scale", "treated_units", "control_units", "n_treated_before",
                                          "n_treated_after", "n_control_before", "n_control_after", "did", "se",
                                          "ci_low", "ci_high", "p", "se_kind", "clusters", "verdict", "reason",
                                          "survey_wide"]).set_index("driver")
    caveats = ["not_randomised", "regression_to_mean", "independent_samples"]
    if len(did) and unit_count < min_clusters:
        caveats.append("few_units")
    return ActionFollowUp(earlier=str(earlier), later=str(later), changes=changes, did=did, caveats=caveats,
                          min_group_size=k, confidence=confidence, warnings=warnings)


def _did(score: pd.Series, units: pd.Series, in_before: np.ndarray, in_after: np.ndarray, placed: list[str],
         subtrees: Mapping[str, Collection[str]], k: int, hidden_units: Collection[str],
         hidden_groups: Collection[str], confidence: float, min_clusters: int) -> tuple[dict | None, int]:
    """One driver's DiD row (None without an action in a unit) and the number of units it used."""
    if not placed:
        return None, 0
    empty = {"treated_units": 0, "control_units": 0, "n_treated_before": np.nan, "n_treated_after": np.nan,
             "n_control_before": np.nan, "n_control_after": np.nan, "did": np.nan, "se": np.nan,
             "ci_low": np.nan, "ci_high": np.nan, "p": np.nan, "se_kind": None, "clusters": 0, "verdict": None}
    answered = score.notna().to_numpy() & (in_before | in_after)
    kept = answered & units.notna().to_numpy() & ~units.isin(list(hidden_groups)).to_numpy()
    for wave_rows in (in_before, in_after):
        left_out = int((answered & wave_rows & ~kept).sum())
        if 0 < left_out < k:
            return {**empty, "reason": "gate"}, 0
    if any(u in hidden_units for u in placed):
        return {**empty, "reason": "gate"}, 0
    treated_units = {str(m) for u in placed for m in subtrees.get(u, [u])}
    frame = pd.DataFrame({"score": score[kept].to_numpy(), "later": in_after[kept].astype(float),
                          "unit": units[kept].astype(str).to_numpy()})
    frame["acted"] = frame["unit"].isin(treated_units).astype(float)
    counts = frame.groupby(["acted", "later"]).size()
    n = {(a, w): int(counts.get((a, w), 0)) for a in (0.0, 1.0) for w in (0.0, 1.0)}
    row = {**empty, "treated_units": int(frame.loc[frame["acted"] == 1, "unit"].nunique()),
           "control_units": int(frame.loc[frame["acted"] == 0, "unit"].nunique()),
           "n_treated_before": n[1.0, 0.0], "n_treated_after": n[1.0, 1.0],
           "n_control_before": n[0.0, 0.0], "n_control_after": n[0.0, 1.0]}
    if not row["treated_units"]:
        return {**row, "reason": "no_treated"}, 0
    if not row["control_units"]:
        return {**row, "reason": "no_control"}, 0
    if min(n.values()) < max(k, 2):
        return {**row, "reason": "small"}, 0
    clusters = frame["unit"].nunique()
    model = smf.ols("score ~ later * acted", data=frame)
    if clusters >= min_clusters:
        codes = pd.factorize(frame["unit"])[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
        kind = "cluster"
    else:
        fit = model.fit(cov_type="HC1", use_t=True)
        kind = "hc1"
    low, high = fit.conf_int(alpha=1 - confidence).loc["later:acted"]
    row.update(did=float(fit.params["later:acted"]), se=float(fit.bse["later:acted"]), ci_low=float(low),
               ci_high=float(high), p=float(fit.pvalues["later:acted"]), se_kind=kind, clusters=int(clusters),
               verdict=_verdict(low, high), reason="shown")
    return row, int(clusters)
