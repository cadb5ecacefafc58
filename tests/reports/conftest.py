"""Fixtures for the report tests: analysis RESULTs of the customer and the employee questionnaires' synthetic data
and of the stress model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis.engine import run_analysis
from analysis.model import ModelSpec
from bench.report_bench import stress_result
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


#: A department name that tries to inject markup; the report must print it as text.
HOSTILE_DEPARTMENT = '<b onmouseover="x">Fin</b><script>alert(1)</script>'
#: Respondents of the small department: below k = 5, so it is hidden, and another with it.
SMALL_DEPARTMENT = 3


@pytest.fixture(scope="session")
def employee_frame() -> pd.DataFrame:
    """Two waves of the employee questionnaire: work-life balance improves in the second, finance is paid
    better than the rest, IT has 3 people in it, and finance carries a hostile name."""
    instrument = get_instrument("employee_satisfaction")
    first = synthetic_responses(instrument, 300, seed=3).assign(WAVE="2025")
    second = synthetic_responses(instrument, 300, seed=4).assign(WAVE="2026")
    second[["WLB1", "WLB2"]] = np.minimum(second[["WLB1", "WLB2"]] + 1, 5)
    frame = pd.concat([first, second], ignore_index=True)
    it = frame.index[frame["UNIT"] == "it"]
    frame = frame.drop(index=it[SMALL_DEPARTMENT:]).reset_index(drop=True)
    finance = frame["UNIT"] == "finance"
    frame.loc[finance, ["PAY1", "PAY2"]] = np.minimum(frame.loc[finance, ["PAY1", "PAY2"]] + 1, 5)
    frame["UNIT"] = frame["UNIT"].replace({"finance": HOSTILE_DEPARTMENT})
    return frame


@pytest.fixture(scope="session")
def employee_result(employee_frame: pd.DataFrame) -> dict[str, Any]:
    """The employee model with internal service as a construct and a driver analysis of intent to stay, by
    department, over the two waves, k = 5."""
    model = get_instrument("employee_satisfaction").model_spec()
    model["constructs"]["InternalService"] = ["ISQ1", "ISQ2"]
    model["pls"] = {"bootstrap": 20, "seed": 1}
    facets = list(model["paths"]["Satisfaction"])
    model["drivers"] = [{**driver, "bootstrap": 20} for driver in model["drivers"]] + [
        {"outcome": "IntentToStay", "predictors": facets, "bootstrap": 20}]
    model["efa"] = False
    return run_analysis(employee_frame, ModelSpec.from_dict(model), by="UNIT", wave="WAVE", min_group_size=5)


def employee_labels(lang: str) -> dict[str, str]:
    """Construct labels, item texts and department names of the employee questionnaire in ``lang``."""
    instrument = get_instrument("employee_satisfaction")
    out = {name: construct.label.get(lang) for name, construct in instrument.constructs.items()}
    out.update({item.code: item.text.get(lang) for item in instrument.items})
    for option in instrument.scales["department"].options:
        out[option.value] = option.label.get(lang)
    out["InternalService"] = "内部服务" if lang == "zh" else "Internal service"
    out["UNIT"] = "部门" if lang == "zh" else "department"
    return out


def customer_labels(lang: str) -> dict[str, str]:
    """Construct labels and item texts of the customer questionnaire in ``lang``."""
    instrument = get_instrument("customer_satisfaction")
    out = {name: construct.label.get(lang) for name, construct in instrument.constructs.items()}
    out.update({item.code: item.text.get(lang) for item in instrument.items})
    return out


@pytest.fixture(scope="session")
def stress() -> dict[str, Any]:
    """The stress model's RESULT (bench.report_bench: 20 constructs, 40 attribute items, 50 units, two waves), on
    fewer respondents than the benchmark (still 20 in each unit)."""
    return stress_result(1000, bootstrap=10)
