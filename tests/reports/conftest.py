"""Fixtures for the report tests: a small analysis RESULT from the customer questionnaire's synthetic data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis.engine import run_analysis
from analysis.model import ModelSpec
from instruments.registry import get_instrument
from instruments.synthetic import synthetic_responses

#: Small and quick: the reports need a complete RESULT, not precise statistics.
N_RESPONDENTS = 400


@pytest.fixture(scope="session")
def responses() -> pd.DataFrame:
    return synthetic_responses(get_instrument("customer_satisfaction"), N_RESPONDENTS, seed=1)


@pytest.fixture(scope="session")
def customers(responses: pd.DataFrame) -> pd.DataFrame:
    """A customer file for the respondents (``customer_id`` = row number): loyal ones are retained more often."""
    rng = np.random.default_rng(2)
    loyal = responses["CUSL1"].to_numpy() >= 9
    return pd.DataFrame({"customer_id": [f"C{i:04d}" for i in range(len(responses))],
                         "retained": (rng.random(len(responses)) < np.where(loyal, 0.92, 0.7)).astype(int),
                         "revenue": rng.gamma(2.0, 100.0, len(responses)),
                         "cost": rng.gamma(2.0, 60.0, len(responses))})


@pytest.fixture(scope="session")
def result(responses: pd.DataFrame, customers: pd.DataFrame) -> dict[str, Any]:
    """The RESULT of the questionnaire's own model, grouped by unit, with few bootstrap resamples, joined to a
    customer file (so the trap section has revenue at risk)."""
    model = get_instrument("customer_satisfaction").model_spec()
    model["pls"] = {"bootstrap": 30, "seed": 1}
    # The two analyses of satisfaction (constructs, attributes) are enough to exercise the driver section
    # and the choice of levers, and keep the PDFs short.
    model["drivers"] = [{**driver, "bootstrap": 30} for driver in model["drivers"]
                        if driver["outcome"] == "Satisfaction"]
    model["efa"] = {"all_items": True, "parallel_iter": 10}
    frame = responses.assign(customer_id=customers["customer_id"])
    return run_analysis(frame, ModelSpec.from_dict(model), by="UNIT", customers=customers)
