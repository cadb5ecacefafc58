"""Customer value (SCIENCE.md §1): lifetime, CLV and the customer pyramid, from a customer file.

The customer file has one row per customer: id, retained (1) or churned (0) in the period, revenue and cost
of the period, and optionally tenure and acquisition cost. :func:`customer_value` turns it into per-customer
profit, lifetime profit and CLV, and Zeithaml, Rust & Lemon's (2001) platinum / gold / iron / lead tiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError

#: Pyramid cut-offs: platinum = top 5 % by profit, gold = next 15 %, iron = the rest with profit >= 0,
#: lead = negative profit (SCIENCE.md §1; configurable, always printed).
DEFAULT_TIERS = (0.05, 0.15)
TIER_NAMES = ("platinum", "gold", "iron", "lead")
DEFAULT_DISCOUNT = 0.10
#: Column names of the customer file; ``tenure`` and ``acquisition_cost`` are optional.
CUSTOMER_COLUMNS = ("customer_id", "retained", "revenue", "cost", "tenure", "acquisition_cost")
_RETAINED_WORDS = {"1": 1.0, "0": 0.0, "retained": 1.0, "churned": 0.0, "yes": 1.0, "no": 0.0, "true": 1.0,
                   "false": 0.0, "stayed": 1.0, "left": 0.0}


def lifetime(held: float, lost: float) -> float:
    """Expected customer lifetime in periods, T = N / M (customers held / customers lost per period).

    Equal to 1 / (1 - r) with retention r = 1 - M / N. Infinite when nobody is lost.

    Examples
    --------
    >>> lifetime(1000, 200)
    5.0
    """
    if held <= 0:
        raise AnalysisError("The lifetime T = N / M needs at least one customer held (N > 0).")
    return float("inf") if lost == 0 else held / lost


def clv(margin: float, retention: float, discount: float = DEFAULT_DISCOUNT, growth: float = 0.0) -> float:
    """Gupta & Lehmann (2003) simple CLV: m r / (1 + i - r (1 + g)), margin m per period.

    Examples
    --------
    The checks of SCIENCE.md: r = .9, i = .10 gives 4.5 m; r = .8, i = .12 gives 2.5 m.

    >>> round(clv(1.0, 0.9, 0.10), 10), round(clv(1.0, 0.8, 0.12), 10)
    (4.5, 2.5)
    """
    if not 0 <= retention <= 1:
        raise AnalysisError(f"Retention must be a share from 0 to 1, not {retention!r}.")
    denominator = 1 + discount - retention * (1 + growth)
    if denominator <= 0:
        raise AnalysisError(f"CLV diverges: retention {retention:g} with growth {growth:g} outpaces the "
                            f"discount rate {discount:g} (1 + i - r(1 + g) <= 0).")
    return margin * retention / denominator


@dataclass
class CustomerValue:
    """Per-customer value and the customer pyramid."""

    n: int
    retention: float
    #: T = N / M in periods (None when nobody churned).
    lifetime: float | None
    discount: float
    #: Cut-offs in words, e.g. {"platinum": "top 5 % by profit", ...}.
    tier_definitions: dict[str, str]
    #: tier -> {n, share, revenue, profit, profit_share, mean_clv, retention}.
    tiers: dict[str, dict[str, float]]
    #: Per customer: customer_id, profit, clv, lifetime_profit, tier (not exported; joined to the survey).
    customers: pd.DataFrame = field(repr=False)
    warnings: list[str] = field(default_factory=list)


def normalize_customers(frame: pd.DataFrame, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The customer file with standard column names, ``retained`` as 0/1 and numeric money columns.

    ``columns`` maps our names (``CUSTOMER_COLUMNS``) to the file's, when they differ.
    """
    rename = {theirs: ours for ours, theirs in (columns or {}).items()}
    frame = frame.rename(columns=rename)
    missing = [c for c in ("customer_id", "retained", "revenue", "cost") if c not in frame.columns]
    if missing:
        raise AnalysisError(f"The customer file lacks the column(s) {', '.join(missing)}; it needs "
                            f"customer_id, retained, revenue and cost (tenure, acquisition_cost optional).")
    out = pd.DataFrame({"customer_id": frame["customer_id"].astype(str).str.strip()})
    retained = frame["retained"].map(lambda v: _RETAINED_WORDS.get(str(v).strip().lower()) if pd.notna(v)
                                     else np.nan)
    bad = retained.isna() & frame["retained"].notna()
    if bad.any():
        raise AnalysisError(f"The customer file's 'retained' column must say 1/0, retained/churned or yes/no; "
                            f"it has {', '.join(map(repr, frame.loc[bad, 'retained'].unique()[:3]))}.")
    out["retained"] = retained.astype(float)
    for column in ("revenue", "cost", "tenure", "acquisition_cost"):
        if column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce")
            if (values.isna() & frame[column].notna()).any():
                raise AnalysisError(f"The customer file's '{column}' column must be numeric.")
            out[column] = values.astype(float)
    duplicated = out["customer_id"].duplicated()
    if duplicated.any():
        raise AnalysisError(f"The customer file lists {int(duplicated.sum())} customer id(s) more than once, "
                            f"e.g. {out.loc[duplicated, 'customer_id'].iloc[0]!r}.")
    return out


def customer_value(customers: pd.DataFrame, *, discount: float = DEFAULT_DISCOUNT,
                   tiers: tuple[float, float] = DEFAULT_TIERS) -> CustomerValue:
    """Profit, lifetime profit, CLV and pyramid tier per customer (input: :func:`normalize_customers`).

    Profit = revenue - cost of the period. Retention r is the retained share of the file and T = N / M.
    CLV = profit r / (1 + i - r) (Gupta & Lehmann 2003, no margin growth). Lifetime profit = profit T -
    acquisition cost (the base-profit and acquisition terms of SCIENCE.md §1; cost savings, referrals and
    price concessions are not in the file). Tiers: top ``tiers[0]`` of customers by profit are platinum,
    the next ``tiers[1]`` gold, the rest with profit >= 0 iron, negative profit lead.

    Examples
    --------
    >>> file = pd.DataFrame({"customer_id": ["a", "b"], "retained": [1, 0], "revenue": [10, 5], "cost": [4, 6]})
    >>> value = customer_value(normalize_customers(file))
    >>> value.lifetime, value.customers["tier"].tolist()
    (2.0, ['platinum', 'lead'])
    """
    top, next_share = tiers
    if not (0 < top < 1 and 0 <= next_share < 1 and top + next_share <= 1):
        raise AnalysisError(f"Pyramid cut-offs must be shares with platinum + gold <= 1, not {tiers}.")
    frame = customers.dropna(subset=["retained", "revenue", "cost"]).copy()
    n = len(frame)
    if n == 0:
        raise AnalysisError("The customer file has no complete rows (retained, revenue and cost).")
    notes: list[str] = []
    if n < len(customers):
        notes.append(f"{len(customers) - n} customer(s) lack retained, revenue or cost and are left out.")
    churned = float((frame["retained"] == 0).sum())
    retention = 1 - churned / n
    periods = lifetime(n, churned)
    if churned == 0:
        notes.append("No customer churned, so the expected lifetime is unbounded; lifetime profit is not given.")
    frame["profit"] = frame["revenue"] - frame["cost"]
    frame["clv"] = clv(1.0, retention, discount) * frame["profit"]
    acquisition = frame["acquisition_cost"].fillna(0.0) if "acquisition_cost" in frame else 0.0
    frame["lifetime_profit"] = frame["profit"] * periods - acquisition if np.isfinite(periods) else np.nan
    # Ranks by profit (ties by file order) so that the shares are exact however many customers tie.
    order = np.argsort(-frame["profit"].to_numpy(), kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    n_top, n_gold = int(np.ceil(top * n)), int(np.ceil((top + next_share) * n))
    tier = np.where(rank < n_top, "platinum", np.where(rank < n_gold, "gold", "iron"))
    tier = np.where(frame["profit"].to_numpy() < 0, "lead", tier)
    frame["tier"] = tier
    definitions = {"platinum": f"top {100 * top:g}% of customers by profit (profit >= 0)",
                   "gold": f"next {100 * next_share:g}% by profit (profit >= 0)",
                   "iron": "the other customers with profit >= 0", "lead": "customers with negative profit"}
    total_profit = float(frame["profit"].sum())
    summary = {}
    for name in TIER_NAMES:
        part = frame[frame["tier"] == name]
        summary[name] = {"n": len(part), "share": len(part) / n, "revenue": float(part["revenue"].sum()),
                         "profit": float(part["profit"].sum()),
                         "profit_share": float(part["profit"].sum() / total_profit) if total_profit else np.nan,
                         "mean_clv": float(part["clv"].mean()) if len(part) else np.nan,
                         "retention": float(part["retained"].mean()) if len(part) else np.nan}
    return CustomerValue(n=n, retention=retention, lifetime=periods if np.isfinite(periods) else None,
                         discount=discount, tier_definitions=definitions, tiers=summary,
                         customers=frame.reset_index(drop=True), warnings=notes)


def to_summary(value: CustomerValue) -> dict[str, Any]:
    """The exportable part of a :class:`CustomerValue` (no per-customer rows)."""
    return {"n": value.n, "retention": value.retention, "lifetime": value.lifetime, "discount": value.discount,
            "tier_definitions": value.tier_definitions, "tiers": value.tiers, "warnings": value.warnings}
