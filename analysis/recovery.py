"""Complaint recovery on real cases: time to resolve, the loyalty of recovered customers against those who never
had a problem and complainants not recovered (the recovery paradox), and which justice dimension drives it.

Pure: two DataFrames in (the cases with their follow-up answers, and the parent survey's customers), a typed
result out; no Flask, no database (survey_app.services.recovery reads them). docs/analysis.md "recovery" defines
the groups; ../shared/SCIENCE.md the justice dimensions (Tax, Brown & Chandrashekaran 1998).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analysis.errors import AnalysisError
from analysis.trap_stats import wilson_interval
from analysis.welch import welch_difference

#: the columns of the cases frame (one row per case): when it was opened and resolved (NaT: not yet), whether a
#: follow-up was sent and answered, and the follow-up's answers (NaN when not answered)
CASE_COLUMNS = ("response_id", "opened_at", "resolved_at", "invited", "answered", "outcome", "procedure",
                "interaction", "satisfaction", "recommend")
#: the justice dimensions (Tax et al. 1998): distributive (outcome), procedural, interactional
JUSTICE = ("outcome", "procedure", "interaction")
#: the three groups compared, in the report's order
GROUPS = ("recovered", "never_problem", "not_recovered")
#: top-two-box of the follow-up's 1-5 satisfaction and of the 1-5 agreement "the outcome was fair"
TOP_TWO_BOX = 4
#: promoters answer 9 or 10 to the 0-10 "would recommend" (Reichheld 2003)
PROMOTER = 9
#: a group smaller than this gets figures but no verdict ("not enough cases")
MIN_GROUP = 10
#: answered follow-ups needed before the justice dimensions are compared (3 predictors: about 10 per predictor)
MIN_DRIVER_CASES = 30
_Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class GroupLoyalty:
    """The 0-10 likelihood to recommend of one group: after the recovery (the follow-up) for complainants, in the
    parent survey for customers who never had a problem."""

    group: str
    n: int
    #: mean 0-10 with its t 95 % interval (None below 2 answers)
    mean: float | None
    mean_ci: tuple[float, float] | None
    #: share 0-1 answering 9 or 10, with its Wilson 95 % interval
    promoters: float | None
    promoters_ci: tuple[float, float] | None
    #: the group has at least MIN_GROUP answers: a verdict may be drawn from it
    enough: bool


@dataclass(frozen=True)
class Driver:
    """One justice dimension's link with the intention to recommend after the recovery."""

    dimension: str
    #: Pearson correlation with the 0-10 likelihood to recommend
    r: float
    #: standardised regression weight (all three dimensions together), its t 95 % interval and p value
    beta: float
    beta_ci: tuple[float, float]
    p: float


@dataclass(frozen=True)
class RecoveryResult:
    """Complaint recovery of one survey's cases (times in hours, shares 0-1, loyalty on 0-10)."""

    cases: int
    resolved: int
    #: hours from the alert to the resolution of the resolved cases: median, first and third quartile
    hours_median: float | None
    hours_q1: float | None
    hours_q3: float | None
    #: follow-ups sent and answered; the response rate with its Wilson 95 % interval
    invited: int
    answered: int
    response_rate: float | None
    response_rate_ci: tuple[float, float] | None
    #: answered follow-ups that count as recovered (docs/analysis.md) and those that do not
    recovered: int
    not_recovered: int
    #: recovered, never_problem, not_recovered
    groups: list[GroupLoyalty]
    #: mean recommend of the recovered minus that of customers who never had a problem, Welch 95 % interval
    paradox_difference: float | None
    paradox_ci: tuple[float, float] | None
    #: supported | contradicted | no_difference | not_enough_cases
    paradox: str
    #: one per justice dimension when there are MIN_DRIVER_CASES answered follow-ups, else empty
    drivers: list[Driver]
    #: the dimension whose weight is largest and whose interval excludes 0; None: none or not enough cases
    top_driver: str | None
    #: answered follow-ups with every justice answer and the recommend answer (the drivers' n)
    drivers_n: int
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts and lists (for the report context and JSON)."""
        return asdict(self)


def recovery_analysis(cases: pd.DataFrame, customers: pd.DataFrame, *, min_group: int = MIN_GROUP,
                      min_driver_cases: int = MIN_DRIVER_CASES) -> RecoveryResult:
    """Time to resolve, the follow-up response rate, loyalty of three groups and the justice drivers.

    Parameters
    ----------
    cases : one row per case with :data:`CASE_COLUMNS`; ``opened_at``/``resolved_at`` datetimes (NaT: open),
        ``invited``/``answered`` booleans, the follow-up answers (``outcome``, ``procedure``, ``interaction`` and
        ``satisfaction`` 1-5, ``recommend`` 0-10) NaN when not answered.
    customers : the parent survey's complete responses (index: response id) with ``recommend`` (0-10) and
        ``problem`` (1 had a problem, 0 none, NaN not asked).
    min_group : smallest group a verdict is drawn from.
    min_driver_cases : answered follow-ups needed to compare the justice dimensions.

    Returns
    -------
    RecoveryResult
        A customer is *recovered* when their follow-up satisfaction or their agreement that the outcome was fair is
        in the top two boxes (4 or 5 of 5). *Never had a problem*: responses without a case that said no to the
        problem question (all responses without a case when it was not asked). Loyalty is the 0-10 likelihood to
        recommend: after the recovery for complainants, in the survey for the others.

    Examples
    --------
    Intervals match R: ``prop.test(k, n, correct = FALSE)`` (Wilson), ``t.test(x)`` (mean),
    ``t.test(x, y)`` (Welch difference); quartiles ``quantile(x, type = 7)``.

    >>> cases = pd.DataFrame({"response_id": [1], "opened_at": [pd.Timestamp("2026-01-01 09:00")],
    ...                       "resolved_at": [pd.Timestamp("2026-01-01 15:00")], "invited": [True],
    ...                       "answered": [True], "outcome": [5], "procedure": [4], "interaction": [5],
    ...                       "satisfaction": [5], "recommend": [9]})
    >>> customers = pd.DataFrame({"recommend": [3, 10], "problem": [1, 0]}, index=[1, 2])
    >>> result = recovery_analysis(cases, customers)
    >>> result.hours_median, result.recovered, result.paradox
    (6.0, 1, 'not_enough_cases')
    """
    missing = [c for c in CASE_COLUMNS if c not in cases.columns]
    if missing:
        raise AnalysisError(f"the cases frame lacks the columns {', '.join(missing)}")
    if "recommend" not in customers.columns:
        raise AnalysisError("the customers frame lacks the column recommend (the 0-10 likelihood to recommend)")
    warnings: list[str] = []
    resolved = cases[cases["resolved_at"].notna()]
    hours = ((pd.to_datetime(resolved["resolved_at"]) - pd.to_datetime(resolved["opened_at"]))
             .dt.total_seconds() / 3600).to_numpy(dtype=float)
    q1, median, q3 = (float(v) for v in np.percentile(hours, [25, 50, 75])) if len(hours) else (None,) * 3

    invited = int(cases["invited"].astype(bool).sum())
    answered_rows = cases[cases["answered"].astype(bool)]
    answered = len(answered_rows)
    rate, rate_ci = None, None
    if invited:
        rate, rate_ci = answered / invited, _wilson(answered, invited)

    recovered_mask = ((answered_rows["satisfaction"] >= TOP_TWO_BOX) | (answered_rows["outcome"] >= TOP_TWO_BOX))
    recovered = answered_rows[recovered_mask]
    not_recovered = answered_rows[~recovered_mask]
    with_case = set(cases["response_id"].dropna().astype(int))
    others = customers[~customers.index.isin(with_case)]
    problem = others["problem"] if "problem" in others.columns else pd.Series(np.nan, index=others.index)
    if problem.notna().any():
        never = others[problem == 0]
    else:
        never = others
        warnings.append("the survey does not ask whether the customer had a problem: every customer without a case "
                        "counts as never having had one")
    samples = {"recovered": recovered["recommend"], "never_problem": never["recommend"],
               "not_recovered": not_recovered["recommend"]}
    groups = [_group(name, _values(samples[name]), min_group) for name in GROUPS]

    difference, difference_ci, verdict = None, None, "not_enough_cases"
    first, second = _values(samples["recovered"]), _values(samples["never_problem"])
    if len(first) >= 2 and len(second) >= 2:
        difference, difference_ci = welch_difference(first, second)
    if groups[0].enough and groups[1].enough and difference_ci is not None:
        verdict = ("supported" if difference_ci[0] > 0 else "contradicted" if difference_ci[1] < 0
                   else "no_difference")

    complete = answered_rows.dropna(subset=[*JUSTICE, "recommend"])
    drivers: list[Driver] = []
    if len(complete) >= min_driver_cases:
        drivers = _drivers(complete)
        if not drivers:
            warnings.append("a justice dimension has the same answer in every follow-up: no drivers")
    significant = [d for d in drivers if d.beta_ci[0] > 0 or d.beta_ci[1] < 0]
    top = max(significant, key=lambda d: abs(d.beta)).dimension if significant else None
    return RecoveryResult(
        cases=len(cases), resolved=len(resolved), hours_median=median, hours_q1=q1, hours_q3=q3,
        invited=invited, answered=answered, response_rate=rate, response_rate_ci=rate_ci,
        recovered=len(recovered), not_recovered=len(not_recovered), groups=groups,
        paradox_difference=difference, paradox_ci=difference_ci, paradox=verdict, drivers=drivers,
        top_driver=top, drivers_n=len(complete), warnings=warnings)


def _values(series: pd.Series) -> np.ndarray:
    values = pd.to_numeric(series, errors="coerce").dropna().to_numpy(dtype=float)
    if ((values < 0) | (values > 10)).any():
        raise AnalysisError("recommend must be from 0 to 10")
    return values


def _wilson(k: int, n: int) -> tuple[float, float]:
    low, high = wilson_interval(k, n)
    return float(low), float(high)


def _group(name: str, values: np.ndarray, min_group: int) -> GroupLoyalty:
    n = len(values)
    if n == 0:
        return GroupLoyalty(name, 0, None, None, None, None, False)
    mean = float(values.mean())
    mean_ci = None
    if n >= 2:
        # t interval: mean +- t(.975, n-1) s / sqrt(n)
        half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n))
        mean_ci = (mean - half, mean + half)
    promoters = int((values >= PROMOTER).sum())
    return GroupLoyalty(name, n, mean, mean_ci, promoters / n, _wilson(promoters, n), n >= min_group)


def _drivers(complete: pd.DataFrame) -> list[Driver]:
    """Pearson correlations and standardised OLS weights (statsmodels) of the three justice dimensions on
    recommend."""
    data = complete[[*JUSTICE, "recommend"]].astype(float)
    if (data.std(ddof=1) == 0).any():
        return []
    z = (data - data.mean()) / data.std(ddof=1)
    fit = sm.OLS(z["recommend"], sm.add_constant(z[list(JUSTICE)])).fit()
    intervals = fit.conf_int(0.05)
    return [Driver(dimension=name, r=float(np.corrcoef(data[name], data["recommend"])[0, 1]),
                   beta=float(fit.params[name]),
                   beta_ci=(float(intervals.loc[name, 0]), float(intervals.loc[name, 1])),
                   p=float(fit.pvalues[name]))
            for name in JUSTICE]
