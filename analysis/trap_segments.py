"""Jones & Sasser (1995) loyalty segments and the profile of the mercenaries (SCIENCE.md §2, "Segments").

Satisfied x loyal gives four groups: loyalists (with apostles, top box on both), mercenaries (satisfied, not
loyal - the trap), hostages (loyal, not satisfied - kept by bonds or lack of choice) and defectors (with
terrorists, who also spread bad word of mouth). There are no published cut-offs, so they are parameters and
every result states them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.trap import ALPHA, SMALL_LEVEL, numeric_column, top_box
from analysis.trap_stats import holm, welch_t, wilson_interval

#: Segment names in report order; apostles are loyalists, terrorists are defectors.
SEGMENTS = ("loyalist", "apostle", "mercenary", "hostage", "defector", "terrorist")
#: 0-10 answers counted as detractors (NPS convention) when ``recommend`` marks terrorists.
DETRACTOR_MAX = 6


@dataclass
class Segments:
    """Segment shares with Wilson 95 % intervals and what sets mercenaries apart from loyalists."""

    #: The cut-offs used, in words, so that every report prints them.
    thresholds: dict[str, str]
    #: name -> {n, share, ci_low, ci_high}; apostles are a subset of loyalists, terrorists of defectors.
    shares: dict[str, dict[str, float]]
    #: Per attribute: column, mean_group (mercenaries), mean_reference (loyalists), difference, t, p,
    #: p_holm, lower (True when significantly lower after Holm); most negative difference first.
    mercenary_profile: list[dict[str, Any]]
    #: Category column (relationship stage) by segment: {segment: {category: share}}, or None.
    stage: dict[str, dict[str, float]] | None
    #: Bond ratings compared like the attributes, for mercenaries and for hostages against loyalists.
    bonds: dict[str, list[dict[str, Any]]]
    n: int
    #: Per row segment label (not exported; for joins with value data).
    labels: pd.Series | None = field(default=None, repr=False)
    warnings: list[str] = field(default_factory=list)


def segments(df: pd.DataFrame, *, satisfaction: str, loyalty: str, satisfied_levels: Sequence[float] | None = None,
             high_boxes: int = 2, loyal_levels: Sequence[float] | None = None, top_boxes: int = 2,
             satisfaction_scale: tuple[float, float] | None = None,
             loyalty_scale: tuple[float, float] | None = None, recommend: str | None = None,
             attributes: Sequence[str] = (), stage: str | None = None,
             bonds: Sequence[str] = ()) -> Segments:
    """Jones & Sasser segments with intervals and the mercenary profile.

    Parameters
    ----------
    satisfaction, loyalty : columns; satisfied = top ``high_boxes`` (or ``satisfied_levels``), loyal = top
        ``top_boxes`` (or ``loyal_levels``; a 0/1 column is used as it is).
    recommend : a 0-10 recommend column: terrorists are defectors who are detractors (0-6). Without it,
        terrorists are defectors in the bottom two boxes of both satisfaction and loyalty.
    attributes : rating columns compared between mercenaries and loyalists (Welch t, Holm-adjusted).
    stage : a category column (relationship stage) cross-tabulated by segment.
    bonds : bond rating columns (financial, social, structural) compared for mercenaries and hostages.

    Examples
    --------
    R equivalent of each share's interval: ``prop.test(n_segment, n, correct = FALSE)$conf.int``; of each
    profile test: ``t.test(x[merc], x[loyal])`` with ``p.adjust(p, "holm")``.

    >>> frame = pd.DataFrame({"S": [10, 9, 9, 3, 2, 5], "L": [10, 2, 9, 9, 1, 4]})
    >>> result = segments(frame, satisfaction="S", loyalty="L", satisfaction_scale=(1, 10),
    ...                   loyalty_scale=(1, 10))
    >>> result.shares["mercenary"]["n"], result.shares["hostage"]["n"]
    (1, 1)
    """
    s = numeric_column(df, satisfaction, "satisfaction").to_numpy()
    y = numeric_column(df, loyalty, "loyalty").to_numpy()
    satisfied, sat_text = top_box(s, column=satisfaction, levels=satisfied_levels, boxes=high_boxes,
                                  scale=satisfaction_scale, what="satisfied")
    loyal, loyal_text = top_box(y, column=loyalty, levels=loyal_levels, boxes=top_boxes, scale=loyalty_scale)
    keep = ~np.isnan(satisfied) & ~np.isnan(loyal)
    if not keep.any():
        raise AnalysisError(f"No respondent answered both '{satisfaction}' and '{loyalty}'.")
    sat, loy = satisfied == 1, loyal == 1
    s_low, s_high = satisfaction_scale or (float(np.nanmin(s)), float(np.nanmax(s)))
    y_low, y_high = loyalty_scale or (float(np.nanmin(y)), float(np.nanmax(y)))
    groups = {
        "loyalist": keep & sat & loy,
        "mercenary": keep & sat & ~loy,
        "hostage": keep & ~sat & loy,
        "defector": keep & ~sat & ~loy,
    }
    groups["apostle"] = groups["loyalist"] & (s == s_high) & (y == y_high)
    thresholds = {"satisfied": sat_text, "loyal": loyal_text,
                  "apostle": f"loyalist with '{satisfaction}' = {s_high:g} and '{loyalty}' = {y_high:g}"}
    if recommend is not None:
        r = numeric_column(df, recommend, "recommend").to_numpy()
        groups["terrorist"] = groups["defector"] & (r <= DETRACTOR_MAX)
        thresholds["terrorist"] = f"defector with '{recommend}' <= {DETRACTOR_MAX} (a detractor)"
    else:
        groups["terrorist"] = groups["defector"] & (s <= s_low + 1) & (y <= y_low + 1)
        thresholds["terrorist"] = (f"defector with '{satisfaction}' <= {s_low + 1:g} and "
                                   f"'{loyalty}' <= {y_low + 1:g} (bottom two boxes of both)")
    n = int(keep.sum())
    counts = np.array([groups[name].sum() for name in SEGMENTS], dtype=float)
    low, high = wilson_interval(counts, n)
    shares = {name: {"n": int(counts[i]), "share": counts[i] / n, "ci_low": float(low[i]),
                     "ci_high": float(high[i])} for i, name in enumerate(SEGMENTS)}
    notes: list[str] = []
    for name in ("mercenary", "loyalist"):
        if 0 < shares[name]["n"] < SMALL_LEVEL:
            notes.append(f"Only {shares[name]['n']} {name}s: comparisons involving them are rough.")
    profile = _compare(df, attributes, groups["mercenary"], groups["loyalist"], notes)
    bond_tables = {}
    if bonds:
        bond_tables = {"mercenary": _compare(df, bonds, groups["mercenary"], groups["loyalist"], notes),
                       "hostage": _compare(df, bonds, groups["hostage"], groups["loyalist"], notes)}
    stage_table = None
    if stage is not None:
        if stage not in df.columns:
            raise AnalysisError(f"The stage column '{stage}' is not in the data.")
        stage_table = _shares_by_group(df[stage], {name: groups[name] for name in
                                                   ("loyalist", "mercenary", "hostage", "defector")})
    label = np.full(len(df), None, dtype=object)
    for name in ("loyalist", "mercenary", "hostage", "defector"):
        label[groups[name]] = name
    return Segments(thresholds=thresholds, shares=shares, mercenary_profile=profile, stage=stage_table,
                    bonds=bond_tables, n=n, labels=pd.Series(label, index=df.index, name="segment"),
                    warnings=notes)


def _shares_by_group(column: pd.Series, groups: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Share of each category of ``column`` (answers only, sorted) in each group: ``value_counts(normalize=True)``
    of the group's rows, from one factorization of the column instead of one per group."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        # value_counts lists a categorical's empty categories too
        return {name: {str(k): float(v) for k, v in
                       column[mask].dropna().value_counts(normalize=True).sort_index().items()}
                for name, mask in groups.items()}
    codes, categories = pd.factorize(column, use_na_sentinel=True)
    answered = codes >= 0
    out = {}
    for name, mask in groups.items():
        counts = np.bincount(codes[mask & answered], minlength=len(categories))
        present = np.flatnonzero(counts)
        shares = pd.Series(counts[present] / counts.sum(), index=categories[present]).sort_index()
        out[name] = {str(k): float(v) for k, v in shares.items()}
    return out


def _compare(df: pd.DataFrame, columns: Sequence[str], group: np.ndarray, reference: np.ndarray,
             notes: list[str]) -> list[dict[str, Any]]:
    """Welch comparison of ``group`` against ``reference`` on each column, most negative difference first."""
    rows = []
    for column in columns:
        x = numeric_column(df, column, "attribute").to_numpy()
        if np.nanstd(x) == 0:
            notes.append(f"'{column}' has the same answer from everyone, so it cannot separate segments.")
            continue
        in_group, in_reference = x[group], x[reference]
        t, p = welch_t(in_reference, in_group)
        a = np.nanmean(in_group) if in_group.size else np.nan
        b = np.nanmean(in_reference) if in_reference.size else np.nan
        rows.append({"column": column, "mean_group": a, "mean_reference": b, "difference": a - b, "t": t,
                     "p": p})
    adjusted = holm(np.array([row["p"] for row in rows])) if rows else np.array([])
    for row, p_holm in zip(rows, adjusted, strict=True):
        row["p_holm"] = p_holm
        row["lower"] = bool(p_holm < ALPHA and row["difference"] < 0)
    return sorted(rows, key=lambda row: (np.nan_to_num(row["difference"], nan=np.inf)))
