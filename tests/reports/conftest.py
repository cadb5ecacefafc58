"""Fixtures for the report tests: a small analysis RESULT from the customer questionnaire's synthetic data."""

from __future__ import annotations

from typing import Any

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
def result(responses: pd.DataFrame) -> dict[str, Any]:
    """The RESULT of the questionnaire's own model, grouped by unit, with few bootstrap resamples."""
    model = get_instrument("customer_satisfaction").model_spec()
    model["pls"] = {"bootstrap": 30, "seed": 1}
    # The two analyses of satisfaction (constructs, attributes) are enough to exercise the driver section
    # and the choice of levers, and keep the PDFs short.
    model["drivers"] = [{**driver, "bootstrap": 30} for driver in model["drivers"]
                        if driver["outcome"] == "Satisfaction"]
    model["efa"] = {"all_items": True, "parallel_iter": 10}
    return run_analysis(responses, ModelSpec.from_dict(model), by="UNIT")
