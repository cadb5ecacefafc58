"""Service-profit chain linkage: employee answers aggregated to units, set beside the units' customers.

Aggregating employees to a unit mean is justified when units differ (ICC(1)), the unit means are reliable
(ICC(2)) and people within a unit agree (r_wg) - Bliese (2000), as R's ``multilevel`` package computes them.
The unit means of employee satisfaction are then correlated with the units' customer satisfaction (Pearson with a
Fisher-z interval; the sample size is the number of units, not of people), and customer satisfaction is modelled
with a random intercept per unit and unit-level employee satisfaction as predictor (statsmodels MixedLM, REML).
"""

from __future__ import annotations

import warnings as pywarnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLM

from analysis.errors import AnalysisError

#: below this many units a unit-level correlation says little (the CI spans most of [-1, 1])
MIN_UNITS = 20


@dataclass
class Icc:
    """One-way ANOVA of a score on units, and the intraclass correlations from it."""

    icc1: float
    icc2: float
    f: float
    df_between: int
    df_within: int
    p: float
    ms_between: float
    ms_within: float
    #: N / number of units, the group size multilevel::ICC1 uses
    mean_group_size: float
    n_units: int
    n: int


@dataclass
class Correlation:
    """Pearson correlation of two unit-level columns with a Fisher-z confidence interval."""

    r: float
    ci: tuple[float, float]
    p: float
    n_units: int
    confidence: float = 0.95


@dataclass
class MixedModel:
    """Random-intercept model of customer satisfaction on unit-level employee satisfaction."""

    intercept: float
    slope: float
    slope_se: float
    slope_p: float
    slope_ci: tuple[float, float]
    #: variance of the unit intercepts and of customers within units
    unit_variance: float
    residual_variance: float
    n_customers: int
    n_units: int
    converged: bool


@dataclass
class LinkageResult:
    """Employee and customer satisfaction per unit, why aggregation is justified, and how they relate."""

    #: per unit: employees, employee (mean), employee_rwg, customers, customer (mean)
    units: pd.DataFrame
    employee_icc: Icc
    #: median r_wg over units with at least two employees (NaN when no answer scale was given)
    median_rwg: float
    correlation: Correlation | None
    mixed: MixedModel | None
    warnings: list[str] = field(default_factory=list)


def _scores(df: pd.DataFrame, columns: str | Sequence[str], what: str) -> pd.Series:
    """A column, or the respondent mean of several columns."""
    names = [columns] if isinstance(columns, str) else list(columns)
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise AnalysisError(f"{what} column(s) {', '.join(map(repr, missing))} not in the data")
    return df[names].apply(pd.to_numeric, errors="coerce").astype(float).mean(axis=1)


def _unit_column(df: pd.DataFrame, unit: str, what: str) -> pd.Series:
    if unit not in df.columns:
        raise AnalysisError(f"unit column {unit!r} is not in the {what} data")
    return df[unit]


def icc_oneway(values: pd.Series, units: pd.Series) -> Icc:
    """ICC(1) and ICC(2) of ``values`` grouped by ``units`` from a one-way ANOVA.

    ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW) with k = N / units, ICC(2) = (MSB - MSW) / MSB.

    Examples
    --------
    >>> x = pd.Series([1.0, 2, 3, 4, 5, 6]); g = pd.Series(list("aabbcc"))
    >>> round(icc_oneway(x, g).icc1, 4)
    0.8824

    Matches R ``multilevel::ICC1(aov(x ~ as.factor(g)))`` and ``ICC2``; on balanced data these are
    ``psych::ICC``'s ICC1 and ICC1k (Shrout & Fleiss 1979 ICC(1,1) and ICC(1,k)).
    """
    frame = pd.DataFrame({"x": pd.to_numeric(values, errors="coerce"), "g": units}).dropna()
    grouped = frame.groupby("g", sort=False)["x"]
    n_g, mean_g = grouped.count(), grouped.mean()
    n, groups = len(frame), len(n_g)
    if groups < 2 or n - groups < 1:
        raise AnalysisError(f"ICC needs at least two units and more people than units; got {groups} units and "
                            f"{n} answers")
    grand = frame["x"].mean()
    ss_between = float((n_g * (mean_g - grand) ** 2).sum())
    ss_within = float(((frame["x"] - frame["g"].map(mean_g)) ** 2).sum())
    df_b, df_w = groups - 1, n - groups
    msb, msw = ss_between / df_b, ss_within / df_w
    k = n / groups
    with np.errstate(divide="ignore", invalid="ignore"):
        f = msb / msw if msw > 0 else np.inf
        icc1 = (msb - msw) / (msb + (k - 1) * msw)
        icc2 = (msb - msw) / msb if msb > 0 else np.nan
    return Icc(icc1=float(icc1), icc2=float(icc2), f=float(f), df_between=df_b, df_within=df_w,
               p=float(stats.f.sf(f, df_b, df_w)), ms_between=msb, ms_within=msw, mean_group_size=k,
               n_units=groups, n=n)


def rwg(values: pd.Series, units: pd.Series, *, options: int) -> pd.DataFrame:
    """Within-unit agreement r_wg = 1 - s^2 / sigma_EU^2 per unit, with the uniform null of an A-point scale.

    sigma_EU^2 = (A^2 - 1) / 12; a unit whose variance exceeds it gets 0 (James, Demaree & Wolf 1984), a unit of
    one person NaN.

    Examples
    --------
    >>> rwg(pd.Series([3, 3, 4, 4]), pd.Series(["a"] * 4), options=5)["rwg"].round(4).tolist()
    [0.8333]

    Matches R ``multilevel::rwg(x, grpid, ranvar = (A^2 - 1) / 12)``.
    """
    if options < 2:
        raise AnalysisError(f"r_wg needs the number of answer options (at least 2), got {options}")
    null_variance = (options**2 - 1) / 12
    frame = pd.DataFrame({"x": pd.to_numeric(values, errors="coerce"), "g": units}).dropna()
    grouped = frame.groupby("g", sort=False)["x"]
    variance = grouped.var(ddof=1)
    out = pd.DataFrame({"n": grouped.count(), "variance": variance,
                        "rwg": 1 - np.minimum(variance, null_variance) / null_variance})
    out.index.name = "unit"
    return out


def pearson(x: pd.Series, y: pd.Series, *, confidence: float = 0.95) -> Correlation:
    """Pearson r of paired values with the Fisher-z interval and the t-test p-value.

    Examples
    --------
    >>> c = pearson(pd.Series([1.0, 2, 3, 4]), pd.Series([1.0, 3, 2, 4]))
    >>> round(c.r, 2), c.n_units
    (0.8, 4)

    Matches R ``cor.test(x, y)``.
    """
    frame = pd.DataFrame({"x": x, "y": y}).dropna()
    n = len(frame)
    if n < 4:
        raise AnalysisError(f"a correlation with a confidence interval needs at least 4 units, got {n}")
    if frame["x"].nunique() < 2 or frame["y"].nunique() < 2:
        raise AnalysisError("one of the unit-level scores is the same in every unit; there is nothing to correlate")
    result = stats.pearsonr(frame["x"], frame["y"])
    ci = result.confidence_interval(confidence)
    return Correlation(r=float(result.statistic), ci=(float(ci.low), float(ci.high)), p=float(result.pvalue),
                       n_units=n, confidence=confidence)


def random_intercept_model(y: pd.Series, x: pd.Series, groups: pd.Series, *, confidence: float = 0.95,
                           warnings: list[str] | None = None) -> MixedModel | None:
    """REML fit of ``y = b0 + b1 x + u_group + e`` with statsmodels MixedLM; None when it cannot be fitted.

    Problems (fewer than three groups, one row per group, non-convergence) are added to ``warnings``.

    Examples
    --------
    On lme4's sleepstudy, ``random_intercept_model(Reaction, Days, Subject)`` gives the numbers of R
    ``lmer(Reaction ~ Days + (1 | Subject))``: slope 10.4673 (SE 0.8042), variances 1378.2 and 960.5.
    """
    notes = warnings if warnings is not None else []
    data = pd.DataFrame({"y": pd.to_numeric(y, errors="coerce"), "x": pd.to_numeric(x, errors="coerce"),
                         "g": groups}).dropna()
    n_units = data["g"].nunique()
    if n_units < 3 or len(data) <= n_units:
        notes.append("The multilevel model needs several customers in each of at least three units; "
                     "it was not fitted.")
        return None
    exog = np.column_stack([np.ones(len(data)), data["x"].to_numpy(float)])
    model = MixedLM(data["y"].to_numpy(float), exog, groups=data["g"].to_numpy())
    # MixedLM's gradient optimisers can stop at a poor boundary point when the unit variance left after the
    # predictor is small; fit with several optimisers and keep the converged fit of highest REML likelihood.
    # statsmodels warns on boundary fits and non-convergence; the chosen fit's warnings go into the result.
    best, best_caught = None, []
    for method in ("bfgs", "lbfgs", "powell"):
        with pywarnings.catch_warnings(record=True) as caught:
            pywarnings.simplefilter("always")
            try:
                fit = model.fit(reml=True, method=method)
            except (np.linalg.LinAlgError, ValueError):
                # a singular Hessian when the predictor leaves no unit variance: let the next optimiser try
                continue
            # a degenerate fit shows as an infinite likelihood or standard errors that cannot be computed
            usable = (fit.converged and np.isfinite(fit.llf) and np.all(np.isfinite(fit.fe_params))
                      and np.all(np.isfinite(fit.bse_fe)))
        if usable and (best is None or fit.llf > best.llf + 1e-9):
            best, best_caught = fit, caught
        if usable and not caught:  # a clean fit needs no second opinion
            break
    if best is None:
        notes.append("The multilevel model did not converge with any optimiser; it is not reported.")
        return None
    fit = best
    for message in dict.fromkeys(str(w.message).splitlines()[0] for w in best_caught):
        notes.append(f"Multilevel model: {message}")
    z = stats.norm.ppf(0.5 + confidence / 2)
    slope, se = float(fit.fe_params[1]), float(fit.bse_fe[1])
    return MixedModel(intercept=float(fit.fe_params[0]), slope=slope, slope_se=se,
                      slope_p=float(2 * stats.norm.sf(abs(slope / se))), slope_ci=(slope - z * se, slope + z * se),
                      unit_variance=float(np.asarray(fit.cov_re)[0, 0]), residual_variance=float(fit.scale),
                      n_customers=len(data), n_units=n_units, converged=bool(fit.converged))


def link_units(employees: pd.DataFrame, customers: pd.DataFrame, *, unit: str, employee: str | Sequence[str],
               customer: str | Sequence[str], options: int | None = None, customer_unit: str | None = None,
               confidence: float = 0.95) -> LinkageResult:
    """Aggregate employees to units and relate unit employee satisfaction to the units' customer satisfaction.

    Parameters
    ----------
    employees : one row per employee, with the unit column and the employee satisfaction column(s).
    customers : one row per customer (or one row per unit, already aggregated), with the unit column.
    unit : the unit column in ``employees`` (and in ``customers`` unless ``customer_unit`` is given).
    employee, customer : the satisfaction column, or several columns averaged per person.
    options : number of answer options of the employee scale (A), for r_wg; without it r_wg is left out.
    confidence : level of the correlation and slope intervals.

    Returns the unit table, ICC(1)/ICC(2) and r_wg of the employee score, the unit-level Pearson correlation and,
    when there are several customers per unit, a random-intercept MixedLM of customer satisfaction on the unit's
    employee satisfaction.

    Examples
    --------
    R: ``ICC1(aov(es ~ unit))``, ``rwg(es, unit, ranvar)``, ``cor.test(unit_es, unit_cs)`` and
    ``lmer(cs ~ unit_es + (1 | unit))`` (statsmodels MixedLM fits the same REML model).
    """
    warnings: list[str] = []
    employee_unit = _unit_column(employees, unit, "employee")
    customer_units = _unit_column(customers, customer_unit or unit, "customer")
    es = _scores(employees, employee, "employee")
    cs = _scores(customers, customer, "customer")

    icc = icc_oneway(es, employee_unit)
    table = pd.DataFrame({"employees": es.groupby(employee_unit, sort=False).count(),
                          "employee": es.groupby(employee_unit, sort=False).mean()})
    median_rwg = np.nan
    if options is not None:
        agreement = rwg(es, employee_unit, options=options)
        table["employee_rwg"] = agreement["rwg"]
        median_rwg = float(agreement["rwg"].median())
    table = table.join(pd.DataFrame({"customers": cs.groupby(customer_units, sort=False).count(),
                                     "customer": cs.groupby(customer_units, sort=False).mean()}), how="outer")
    table.index.name = "unit"
    table[["employees", "customers"]] = table[["employees", "customers"]].fillna(0).astype(int)

    if icc.icc1 <= 0 or icc.p >= 0.05:
        warnings.append(f"Units hardly differ in employee satisfaction (ICC(1) = {icc.icc1:.3f}, "
                        f"F test p = {icc.p:.3g}); unit means mostly reflect who answered.")
    if icc.icc2 < 0.7:
        warnings.append(f"Unit means of employee satisfaction are not very reliable (ICC(2) = {icc.icc2:.2f}, "
                        "below 0.70): units need more respondents.")
    if options is not None and median_rwg < 0.7:
        warnings.append(f"Employees within units agree only weakly (median r_wg = {median_rwg:.2f}, below 0.70).")
    only_one = table[(table["employees"] == 0) | (table["customers"] == 0)]
    if len(only_one):
        warnings.append(f"{len(only_one)} unit(s) have only employee or only customer answers and are left out "
                        "of the linkage.")

    both = table.dropna(subset=["employee", "customer"])
    correlation = pearson(both["employee"], both["customer"], confidence=confidence)
    if correlation.n_units < MIN_UNITS:
        warnings.append(f"Only {correlation.n_units} units link employees and customers; with fewer than "
                        f"{MIN_UNITS} the correlation is very uncertain.")
    mixed = None
    if (table["customers"] > 1).any():
        mixed = random_intercept_model(cs, customer_units.map(both["employee"]), customer_units,
                                       confidence=confidence, warnings=warnings)
    else:
        warnings.append("Customers come as one row per unit; the multilevel model needs customer-level answers.")
    return LinkageResult(units=table, employee_icc=icc, median_rwg=median_rwg, correlation=correlation,
                         mixed=mixed, warnings=warnings)
