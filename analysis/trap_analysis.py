"""The whole satisfaction-trap diagnosis in one call (``RESULT["trap"]``), with plain-language findings.

:func:`trap_analysis` runs the curve, segments, trap index and penalty-reward classes
(:mod:`analysis.trap`, :mod:`analysis.trap_segments`, :mod:`analysis.trap_attributes`), and, when the data
has them, the Kano evaluation, the breakdown by relationship stage, complaints and recovery, and the join
with a customer file (actual retention and value). Each optional part fails soft: its error becomes a
warning sentence and the rest still runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.clv import CustomerValue, customer_value, normalize_customers, to_summary
from analysis.errors import AnalysisError
from analysis.kano import agreement, kano
from analysis.small_cells import hide_small_cells
from analysis.trap import SMALL_LEVEL, numeric_column, top_box, trap_curve, trap_index
from analysis.trap_attributes import penalty_reward
from analysis.trap_findings import findings
from analysis.trap_segments import segments
from analysis.trap_stats import newcombe_difference, wilson_interval

#: The loyalty measure each relationship stage calls for (SCIENCE.md §1, the seed table); decline is ours.
STAGE_PROGRAMMES = {
    "exploration": "tangible benefit and care: frequent-customer and affection programmes",
    "formation": "special treatment for customers who are building the relationship",
    "stability": "a sense of belonging: a community programme",
    "decline": "win-back: find and fix what went wrong before the customer leaves",
}
#: Bootstrap resamples of each stage's penalty-reward analysis (its classes count only where supported).
STAGE_BOOTSTRAP = 200
#: Recovery justice answers in the top two boxes of their scale count as "recovered".
RECOVERY_BOXES = 2


@dataclass
class TrapResult:
    """Everything ``RESULT["trap"]`` holds; optional parts are None when their columns were not given."""

    satisfaction: str
    loyalty: str
    curve: dict[str, Any]
    zone_of_indifference: list[float] | None
    lift: float | None
    segments: dict[str, Any]
    trap_index: dict[str, Any]
    attributes: dict[str, dict[str, Any]] | None
    attribute_definitions: dict[str, str] | None
    kano: dict[str, Any] | None
    kano_agreement: dict[str, Any] | None
    stages: dict[str, Any] | None
    complaints: dict[str, Any] | None
    behaviour: dict[str, Any] | None
    findings: list[dict[str, str]]
    warnings: list[str] = field(default_factory=list)
    #: the minimum group size of the cells when small ones were hidden (analysis.small_cells), else None
    min_cell: int | None = None


def trap_analysis(df: pd.DataFrame, *, satisfaction: str, loyalty: str, attributes: Sequence[str] = (),
                  satisfaction_scale: tuple[float, float] | None = None,
                  loyalty_scale: tuple[float, float] | None = None,
                  attribute_scales: Mapping[str, tuple[float, float]] | tuple[float, float] | None = None,
                  top_boxes: int = 2, high_boxes: int = 2, recommend: str | None = None, stage: str | None = None,
                  bonds: Sequence[str] = (), problem: str | None = None, complained: str | None = None,
                  justice: Mapping[str, str] | None = None, justice_scale: tuple[float, float] | None = None,
                  kano_pairs: Sequence[Mapping[str, Any]] | None = None, kano_items: Mapping[str, str] | None = None,
                  customers: CustomerValue | None = None, customer_id: str | None = None,
                  bootstrap: int = 200, seed: int | None = 1) -> TrapResult:
    """Satisfaction-trap diagnosis: who is satisfied yet not loyal, why, and what it costs.

    Parameters
    ----------
    satisfaction, loyalty : overall satisfaction and loyalty (intention rating or 0/1) columns.
    attributes : attribute ratings for penalty-reward classes and the mercenary profile.
    recommend : 0-10 recommend column (terrorists are detractors).
    stage : relationship stage column; bonds : bond rating columns.
    problem, complained : 0/1 columns; justice : {"outcome": col, "procedure": col, "interaction": col}.
    kano_pairs, kano_items : Kano pairs and Kano attribute -> rating column (for agreement).
    customers, customer_id : a :func:`analysis.clv.customer_value` result and the survey's id column.

    Examples
    --------
    There is no single R equivalent; the parts match ``prop.test``, ``lm`` and ``t.test`` (see the modules).

    >>> result = trap_analysis(frame, satisfaction="CUSA1", loyalty="CUSL1")  # doctest: +SKIP
    >>> result.findings[0]["en"]  # doctest: +SKIP
    """
    notes: list[str] = []
    curve = trap_curve(df, satisfaction=satisfaction, loyalty=loyalty, top_boxes=top_boxes,
                       satisfaction_scale=satisfaction_scale, loyalty_scale=loyalty_scale)
    notes.extend(f"Curve: {w}" for w in curve.warnings)
    index = trap_index(df, satisfaction=satisfaction, loyalty=loyalty, top_boxes=top_boxes, high_boxes=high_boxes,
                       satisfaction_scale=satisfaction_scale, loyalty_scale=loyalty_scale)
    notes.extend(f"Trap index: {w}" for w in index.warnings)
    seg = segments(df, satisfaction=satisfaction, loyalty=loyalty, high_boxes=high_boxes, top_boxes=top_boxes,
                   satisfaction_scale=satisfaction_scale, loyalty_scale=loyalty_scale, recommend=recommend,
                   attributes=attributes, stage=stage, bonds=bonds)
    notes.extend(f"Segments: {w}" for w in seg.warnings)
    classes = definitions = None
    if attributes:
        try:
            pr = penalty_reward(df, outcome=satisfaction, attributes=attributes, scales=attribute_scales,
                                bootstrap=bootstrap, seed=seed)
        except AnalysisError as error:
            notes.append(f"Penalty-reward: {error}")
        else:
            classes, definitions = pr.attributes, pr.definitions
            notes.extend(f"Penalty-reward: {w}" for w in pr.warnings)
    kano_out = kano_agree = None
    if kano_pairs:
        try:
            kr = kano(df, kano_pairs)
        except AnalysisError as error:
            notes.append(f"Kano: {error}")
        else:
            kano_out = kr.attributes
            notes.extend(f"Kano: {w}" for w in kr.warnings)
            if classes and kano_items:
                kano_agree = agreement(kr, classes, kano_items)
    stages = None
    if stage is not None:
        stages = _stages(df, stage=stage, satisfaction=satisfaction, loyalty=loyalty, attributes=attributes,
                         satisfaction_scale=satisfaction_scale, loyalty_scale=loyalty_scale,
                         attribute_scales=attribute_scales, top_boxes=top_boxes, high_boxes=high_boxes, notes=notes)
    complaints = None
    if problem is not None:
        try:
            complaints = complaints_recovery(df, problem=problem, complained=complained, satisfaction=satisfaction,
                                             loyalty=loyalty, justice=justice or {}, justice_scale=justice_scale,
                                             loyalty_scale=loyalty_scale, top_boxes=top_boxes)
        except AnalysisError as error:
            notes.append(f"Complaints: {error}")
    behaviour = None
    if customers is not None:
        if customer_id is None:
            notes.append("Customer file: no customer id column in the survey, so the file was not joined.")
        else:
            try:
                behaviour = _behaviour(df, customers, customer_id=customer_id, satisfaction=satisfaction,
                                       labels=seg.labels, satisfied_text=index.satisfied_definition,
                                       satisfaction_scale=satisfaction_scale, high_boxes=high_boxes, notes=notes)
            except AnalysisError as error:
                notes.append(f"Customer file: {error}")
    curve_dict = asdict(curve)
    segments_dict = {k: v for k, v in asdict(seg).items() if k != "labels"}
    result = TrapResult(satisfaction=satisfaction, loyalty=loyalty, curve=curve_dict,
                        zone_of_indifference=curve.zone_of_indifference, lift=curve.lift, segments=segments_dict,
                        trap_index=asdict(index), attributes=classes, attribute_definitions=definitions,
                        kano=kano_out, kano_agreement=kano_agree, stages=stages, complaints=complaints,
                        behaviour=behaviour, findings=[], warnings=notes)
    result.findings = findings(result)
    return result


def _stages(df: pd.DataFrame, *, stage: str, satisfaction: str, loyalty: str, attributes: Sequence[str],
            satisfaction_scale: tuple[float, float] | None, loyalty_scale: tuple[float, float] | None,
            attribute_scales: Any, top_boxes: int, high_boxes: int, notes: list[str]) -> dict[str, Any]:
    """Curve, trap index and top basic / latent attributes per relationship stage."""
    if stage not in df.columns:
        raise AnalysisError(f"The stage column '{stage}' is not in the data.")
    out: dict[str, Any] = {}
    # Only the columns the parts use, and not the index (the analyses do not read it; a million string labels cost
    # more to split than the analyses): splitting every column of a wide survey costs more than the analyses.
    used = [c for c in dict.fromkeys([stage, satisfaction, loyalty, *attributes]) if c in df.columns]
    for value, part in df[used].reset_index(drop=True).groupby(stage, sort=True):
        key = str(value)
        entry: dict[str, Any] = {"n": len(part), "programme": STAGE_PROGRAMMES.get(key.lower())}
        try:
            curve = trap_curve(part, satisfaction=satisfaction, loyalty=loyalty, top_boxes=top_boxes,
                               satisfaction_scale=satisfaction_scale, loyalty_scale=loyalty_scale)
            index = trap_index(part, satisfaction=satisfaction, loyalty=loyalty, top_boxes=top_boxes,
                               high_boxes=high_boxes, satisfaction_scale=satisfaction_scale,
                               loyalty_scale=loyalty_scale)
        except AnalysisError as error:
            notes.append(f"Stage '{key}': {error}")
            entry["error"] = str(error)
            out[key] = entry
            continue
        entry.update({"levels": curve.levels, "zone_of_indifference": curve.zone_of_indifference,
                      "lift": curve.lift, "trap_index": index.trap_index,
                      "trap_index_ci": [index.ci_low, index.ci_high]})
        if len(part) < 10 * SMALL_LEVEL:
            notes.append(f"Stage '{key}': only {len(part)} respondents, so its curve and classes are rough.")
        if attributes:
            try:
                # Bootstrapped like the whole sample: a stage's advice names only classes its data support
                # (resamples are capped at analysis.sampling.TRAP_BOOTSTRAP_ROWS rows, so large stages cost no more
                # than the whole).
                pr = penalty_reward(part, outcome=satisfaction, attributes=attributes, scales=attribute_scales,
                                    bootstrap=STAGE_BOOTSTRAP)
            except AnalysisError as error:
                notes.append(f"Stage '{key}' penalty-reward: {error}")
            else:
                supported = {code: v for code, v in pr.attributes.items() if v.get("class_confident")}
                ranked = sorted((v["impact_asymmetry"], code) for code, v in supported.items())
                entry["basic"] = [code for ia, code in ranked if supported[code]["class"] == "basic"][:3]
                entry["latent"] = [code for ia, code in reversed(ranked)
                                   if supported[code]["class"] == "excitement"][:3]
        out[key] = entry
    return out


def _mean_difference(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Mean b - mean a with a Welch 95 % interval (R: ``t.test(b, a)$conf.int``)."""
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        return {"difference": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "p": float("nan")}
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    d = float(b.mean() - a.mean())
    se = np.sqrt(va + vb)
    if se == 0:
        return {"difference": d, "ci_low": d, "ci_high": d, "p": float("nan")}
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    q = float(stats.t.ppf(0.975, dof))
    return {"difference": d, "ci_low": d - q * se, "ci_high": d + q * se,
            "p": float(2 * stats.t.sf(abs(d) / se, dof))}


def complaints_recovery(df: pd.DataFrame, *, problem: str, complained: str | None, satisfaction: str, loyalty: str,
                        justice: Mapping[str, str], justice_scale: tuple[float, float] | None = None,
                        loyalty_scale: tuple[float, float] | None = None, top_boxes: int = 2) -> dict[str, Any]:
    """Problem rate vs complaint rate, outcomes by recovery justice, and the recovery paradox test.

    Groups: no problem, problem but silent, complained; "recovered" = complainers whose every justice rating
    (outcome, procedure, interaction) is in the top two boxes. The recovery paradox holds when recovered
    complainers are *more* satisfied than customers who never had a problem (Welch interval above 0).

    Examples
    --------
    R equivalent of the paradox test: ``t.test(sat[recovered], sat[no_problem])``.

    >>> out = complaints_recovery(frame, problem="PROBLEM", complained="COMPLAINED",  # doctest: +SKIP
    ...                           satisfaction="CUSA1", loyalty="CUSL1", justice={"outcome": "RECOUT"})
    """
    had = numeric_column(df, problem, "problem").to_numpy()
    s = numeric_column(df, satisfaction, "satisfaction").to_numpy()
    y = numeric_column(df, loyalty, "loyalty").to_numpy()
    loyal, _ = top_box(y, column=loyalty, boxes=top_boxes, scale=loyalty_scale)
    answered = ~np.isnan(had)
    n = int(answered.sum())
    if n == 0:
        raise AnalysisError(f"Nobody answered the problem question '{problem}'.")
    n_problem = int((had == 1).sum())
    low, high = wilson_interval(n_problem, n)
    out: dict[str, Any] = {"n": n, "problem_rate": n_problem / n, "problem_rate_ci": [float(low), float(high)]}
    groups = {"no_problem": had == 0}
    if complained is not None:
        c = numeric_column(df, complained, "complaint").to_numpy()
        voiced = (had == 1) & (c == 1)
        silent = (had == 1) & (c != 1)
        k = int(voiced.sum())
        c_low, c_high = wilson_interval(k, n_problem)
        out.update({"complaint_rate": k / n if n else np.nan,
                    "complained_among_problems": k / n_problem if n_problem else np.nan,
                    "complained_among_problems_ci": [float(c_low), float(c_high)],
                    "silent_share": 1 - k / n_problem if n_problem else np.nan})
        groups.update({"silent": silent, "complained": voiced})
        if justice:
            ratings = {role: numeric_column(df, column, f"recovery {role}").to_numpy()
                       for role, column in justice.items()}
            by_justice = {}
            recovered = voiced.copy()
            for role, x in ratings.items():
                low_j, high_j = justice_scale or (float(np.nanmin(x)), float(np.nanmax(x)))
                good = x >= high_j - RECOVERY_BOXES + 1
                recovered &= good
                rows = voiced & ~np.isnan(x)
                by_justice[role] = {
                    "column": justice[role],
                    "good": {"n": int((rows & good).sum()), "mean_satisfaction": float(np.nanmean(s[rows & good]))
                             if (rows & good).any() else np.nan,
                             "loyal_share": float(np.nanmean(loyal[rows & good])) if (rows & good).any() else np.nan},
                    "poor": {"n": int((rows & ~good).sum()), "mean_satisfaction":
                             float(np.nanmean(s[rows & ~good])) if (rows & ~good).any() else np.nan,
                             "loyal_share": float(np.nanmean(loyal[rows & ~good])) if (rows & ~good).any()
                             else np.nan},
                    "difference": _mean_difference(s[rows & ~good], s[rows & good]),
                }
            out["by_justice"] = by_justice
            groups["recovered"] = recovered
    summary = {}
    for name, mask in groups.items():
        valid_loyal = mask & ~np.isnan(loyal)
        k_l, n_l = float(loyal[valid_loyal].sum()), float(valid_loyal.sum())
        l_low, l_high = wilson_interval(k_l, n_l)
        summary[name] = {"n": int(mask.sum()), "mean_satisfaction": float(np.nanmean(s[mask])) if mask.any()
                         else np.nan, "loyal_share": k_l / n_l if n_l else np.nan,
                         "loyal_ci": [float(l_low), float(l_high)]}
    out["groups"] = summary
    if "recovered" in groups:
        base, rec = groups["no_problem"], groups["recovered"]
        sat_diff = _mean_difference(s[base], s[rec])
        k0, n0 = float(np.nansum(loyal[base])), float((base & ~np.isnan(loyal)).sum())
        k1, n1 = float(np.nansum(loyal[rec])), float((rec & ~np.isnan(loyal)).sum())
        d, d_low, d_high = newcombe_difference(k0, n0, k1, n1)
        paradox = bool(np.isfinite(sat_diff["ci_low"]) and sat_diff["ci_low"] > 0)
        out["recovery_paradox"] = {"satisfaction_difference": sat_diff,
                                   "loyalty_difference": {"difference": d, "ci_low": d_low, "ci_high": d_high},
                                   "holds": paradox, "n_recovered": int(rec.sum())}
    return out


def _behaviour(df: pd.DataFrame, value: CustomerValue, *, customer_id: str, satisfaction: str, labels: pd.Series,
               satisfied_text: str, satisfaction_scale: tuple[float, float] | None, high_boxes: int,
               notes: list[str]) -> dict[str, Any]:
    """Join the survey to the customer file: curve on actual retention, revenue at risk, trap index by tier."""
    if customer_id not in df.columns:
        raise AnalysisError(f"The survey has no customer id column '{customer_id}'.")
    ids = df[customer_id].astype("string").str.strip()
    file = value.customers.set_index("customer_id")
    matched = ids.isin(file.index)
    n_unmatched_survey = int((~matched & ids.notna()).sum())
    n_unmatched_file = int((~file.index.isin(ids.dropna())).sum())
    if n_unmatched_survey:
        notes.append(f"Customer file: {n_unmatched_survey} respondent id(s) are not in the customer file and are "
                     "left out of the behaviour analysis.")
    if not matched.any():
        raise AnalysisError(f"Not one respondent's '{customer_id}' matches a customer id in the file; check "
                            "that both use the same ids.")
    joined = df.loc[matched].copy()
    for column in ("retained", "revenue", "profit", "clv", "tier"):
        joined[f"_{column}"] = file.loc[ids[matched], column].to_numpy()
    joined["_segment"] = labels[matched].to_numpy()
    out: dict[str, Any] = {"n_matched": int(matched.sum()), "n_unmatched_survey": n_unmatched_survey,
                           "n_unmatched_file": n_unmatched_file, "value": to_summary(value)}
    curve = trap_curve(joined, satisfaction=satisfaction, loyalty="_retained", satisfaction_scale=satisfaction_scale)
    out["curve_actual"] = {k: v for k, v in asdict(curve).items() if k in
                           ("levels", "steps", "jump", "zone_of_indifference", "lift", "lift_difference", "n")}
    out["curve_actual"]["loyal_definition"] = "retained according to the customer file"
    s = numeric_column(joined, satisfaction, "satisfaction").to_numpy()
    satisfied, _ = top_box(s, column=satisfaction, boxes=high_boxes, scale=satisfaction_scale, what="satisfied")
    churned = joined["_retained"].to_numpy() == 0
    n_churned = int(churned.sum())
    k = int((churned & (satisfied == 1)).sum())
    low, high = wilson_interval(k, n_churned)
    out["defectors_who_said_satisfied"] = {"n_churned": n_churned, "share": k / n_churned if n_churned else None,
                                           "ci": [float(low), float(high)], "satisfied": satisfied_text}
    sat = satisfied == 1
    k_actual = int((sat & churned).sum())
    a_low, a_high = wilson_interval(k_actual, int(sat.sum()))
    out["trap_index_actual"] = {"n_satisfied": int(sat.sum()), "share_churned": k_actual / sat.sum() if sat.any()
                                else None, "ci": [float(a_low), float(a_high)]}
    revenue = joined["_revenue"].to_numpy(dtype=float)
    mercenary = joined["_segment"].to_numpy() == "mercenary"
    total = float(np.nansum(revenue))
    out["revenue_at_risk"] = {"mercenary_revenue": float(np.nansum(revenue[mercenary])),
                              "share_of_revenue": float(np.nansum(revenue[mercenary]) / total) if total else None,
                              "mercenary_share_of_customers": float(mercenary.mean()),
                              "mercenary_clv": float(np.nansum(joined["_clv"].to_numpy(dtype=float)[mercenary]))}
    by_tier = {}
    for tier, part in joined.groupby("_tier"):
        seg = part["_segment"]
        n_sat = int(seg.isin(["loyalist", "mercenary"]).sum())
        n_merc = int((seg == "mercenary").sum())
        t_low, t_high = wilson_interval(n_merc, n_sat)
        by_tier[str(tier)] = {"n": len(part), "n_satisfied": n_sat, "trap_index": n_merc / n_sat if n_sat else None,
                              "ci": [float(t_low), float(t_high)]}
    out["trap_index_by_tier"] = by_tier
    return out





def outcome_column(spec: Any, role: str) -> str:
    """The column the trap reads for an outcome (``satisfaction`` or ``loyalty``): the outcome's column, or the
    first item of the construct it names (by convention its overall question). KeyError when it has none."""
    name = spec.outcomes[role]
    return spec.constructs[name][0] if name in spec.constructs else name


def trap_from_model(data: pd.DataFrame, spec: Any, scales: Mapping[str, tuple[float, float]], *,
                    raw: pd.DataFrame | None = None, customers: pd.DataFrame | None = None,
                    customer_id: str = "customer_id", bootstrap: int = 200, seed: int | None = 1,
                    min_cell: int | None = None) -> TrapResult:
    """:func:`trap_analysis` driven by the engine's model spec (``outcomes``, ``attributes``, ``kano``).

    ``data`` is the engine's prepared (numeric, checked) table; ``raw`` the table as read, for the columns the
    model does not analyse (customer id, Kano answer codes). An outcome that names a construct is read from
    the construct's first item - by convention its overall question - because the curve needs answer points.
    ``min_cell`` hides every cell of fewer people (:func:`analysis.small_cells.hide_small_cells`).
    """
    notes: list[str] = []

    def column(role: str) -> str:
        name = outcome_column(spec, role)
        if name != spec.outcomes[role]:
            notes.append(f"outcomes.{role} names the construct '{spec.outcomes[role]}'; its first item '{name}' is "
                         "used as the overall question.")
        return name

    satisfaction, loyalty = column("satisfaction"), column("loyalty")
    frame = data if raw is None else data.join(raw.loc[data.index, [c for c in raw.columns if c not in data.columns]])
    attributes = [a for a in spec.attributes if a in frame.columns and a not in (satisfaction, loyalty)]
    recommend = spec.recommend if spec.recommend in frame.columns and spec.recommend != loyalty else None
    pairs = [p for p in (spec.kano or []) if isinstance(p, Mapping)
             and p.get("functional") in frame.columns and p.get("dysfunctional") in frame.columns]
    value = None
    if customers is not None:
        value = customer_value(normalize_customers(customers))
        if customer_id not in frame.columns:
            raise AnalysisError(f"--customers needs the respondents' customer id column '{customer_id}' in the "
                                "data; name it with --customer-id.")
    columns = getattr(spec, "trap", None) or {}

    def present(name: str | None) -> str | None:
        if name is not None and name not in frame.columns:
            notes.append(f"trap: column '{name}' is not in the data; that part is left out.")
            return None
        return name

    justice = {part: col for part, col in (columns.get("justice") or {}).items() if present(col)}
    kano_items = {attr: col for attr, col in (columns.get("kano_items") or {}).items() if col in frame.columns}
    justice_scales = {scales[c] for c in justice.values() if c in scales}
    result = trap_analysis(frame, satisfaction=satisfaction, loyalty=loyalty, attributes=attributes,
                           satisfaction_scale=scales.get(satisfaction), loyalty_scale=scales.get(loyalty),
                           attribute_scales={a: scales[a] for a in attributes if a in scales} or None,
                           top_boxes=columns.get("top_boxes", 2), high_boxes=columns.get("high_boxes", 2),
                           recommend=recommend, stage=present(columns.get("stage")),
                           bonds=[b for b in columns.get("bonds", []) if present(b)],
                           problem=present(columns.get("problem")), complained=present(columns.get("complained")),
                           justice=justice or None,
                           justice_scale=justice_scales.pop() if len(justice_scales) == 1 else None,
                           kano_pairs=pairs or None, kano_items=kano_items or None, customers=value,
                           customer_id=customer_id if value is not None else None, bootstrap=bootstrap, seed=seed)
    if min_cell is not None:  # before the findings, so that no sentence quotes a hidden cell
        hide_small_cells(result, min_cell)
        result.min_cell = min_cell
    result.findings = findings(result, labels=columns.get("labels"),
                               population=columns.get("population", "customers"))
    result.warnings[:0] = notes
    return result
