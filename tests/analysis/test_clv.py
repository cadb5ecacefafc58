"""Customer lifetime, CLV and the customer pyramid (analysis.clv)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.clv import clv, customer_value, lifetime, normalize_customers
from analysis.errors import AnalysisError


@pytest.mark.parametrize(("retention", "discount", "multiple"), [
    # SCIENCE.md §1, Gupta & Lehmann (2003) margin multiples: r = .9, i = .10 -> 4.50; r = .8, i = .12 -> 2.50.
    (0.9, 0.10, 4.50),
    (0.8, 0.12, 2.50),
])
def test_clv_margin_multiples(retention, discount, multiple):
    assert clv(100.0, retention, discount) == pytest.approx(100.0 * multiple)


def test_lifetime_is_n_over_m_and_growth_raises_clv():
    assert lifetime(1000, 250) == 4.0 == 1 / (1 - 0.75)
    assert lifetime(10, 0) == float("inf")
    assert clv(1.0, 0.8, 0.12, growth=0.05) == pytest.approx(0.8 / (1.12 - 0.8 * 1.05))
    with pytest.raises(AnalysisError, match="diverges"):
        clv(1.0, 0.99, 0.01, growth=0.1)


def test_pyramid_tiers_follow_the_printed_cut_offs():
    n = 200
    frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "retained": ["retained"] * 150 + ["churned"] * 50,
                          "revenue": np.arange(n, dtype=float), "cost": np.full(n, 20.0),
                          "acquisition_cost": 5.0})
    value = customer_value(normalize_customers(frame))
    assert value.retention == 0.75 and value.lifetime == 4.0
    tiers = value.tiers
    assert tiers["platinum"]["n"] == 10 and tiers["gold"]["n"] == 30  # 5 % and 15 % of 200
    assert tiers["lead"]["n"] == 20  # revenue 0-19 < cost 20
    assert tiers["iron"]["n"] == 140  # the rest, including revenue 20 with profit 0
    assert value.tier_definitions["platinum"].startswith("top 5%")
    rows = value.customers.set_index("customer_id")
    assert rows.loc["c199", "tier"] == "platinum" and rows.loc["c0", "tier"] == "lead"
    assert rows.loc["c199", "clv"] == pytest.approx((199 - 20) * 0.75 / (1.10 - 0.75))
    assert rows.loc["c199", "lifetime_profit"] == pytest.approx((199 - 20) * 4.0 - 5.0)


def test_customer_file_problems_are_named():
    with pytest.raises(AnalysisError, match="lacks the column"):
        normalize_customers(pd.DataFrame({"customer_id": ["a"], "retained": [1]}))
    with pytest.raises(AnalysisError, match="retained/churned"):
        normalize_customers(pd.DataFrame({"customer_id": ["a"], "retained": ["maybe"], "revenue": [1], "cost": [0]}))
    with pytest.raises(AnalysisError, match="more than once"):
        normalize_customers(pd.DataFrame({"customer_id": ["a", "a"], "retained": [1, 0], "revenue": [1, 2],
                                          "cost": [0, 0]}))
    renamed = normalize_customers(pd.DataFrame({"id": ["a"], "stay": ["yes"], "revenue": [3], "cost": [1]}),
                                  {"customer_id": "id", "retained": "stay"})
    assert renamed.loc[0, "retained"] == 1.0
