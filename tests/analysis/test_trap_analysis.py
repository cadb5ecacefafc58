"""The whole trap diagnosis, complaints and recovery, the customer-file join and the findings."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from analysis.clv import customer_value, normalize_customers
from analysis.jsonable import to_jsonable
from analysis.trap_analysis import STAGE_PROGRAMMES, complaints_recovery, trap_analysis
from instruments.registry import combine, get_instrument
from instruments.synthetic import PLANTED, synthetic_responses

JUSTICE = {"outcome": "RECOUT", "procedure": "RECPROC", "interaction": "RECINT"}


@pytest.fixture(scope="module")
def instrument():
    return combine([get_instrument(k) for k in ("customer_satisfaction", "kano")], id="both")


@pytest.fixture(scope="module")
def frame(instrument) -> pd.DataFrame:
    out = synthetic_responses(instrument, 5000, seed=1)
    out["CID"] = [f"C{i:05d}" for i in range(len(out))]
    return out


@pytest.fixture(scope="module")
def customers(frame) -> pd.DataFrame:
    """A customer file for the respondents (minus 20) plus 30 customers who were not surveyed.

    Satisfied-but-not-loyal respondents churn more often, as the trap predicts.
    """
    rng = np.random.default_rng(5)
    loyal = frame["CUSL1"].to_numpy() >= 9
    retained = rng.random(len(frame)) < np.where(loyal, 0.92, 0.7)
    file = pd.DataFrame({"customer_id": frame["CID"], "retained": retained.astype(int),
                         "revenue": rng.gamma(2.0, 100.0, len(frame)), "cost": rng.gamma(2.0, 80.0, len(frame))})
    extra = pd.DataFrame({"customer_id": [f"X{i}" for i in range(30)], "retained": 1, "revenue": 50.0,
                          "cost": 10.0})
    return pd.concat([file.iloc[20:], extra], ignore_index=True)


def run(frame, instrument, customers=None, **extra):
    spec = instrument.model_spec()
    items = {i.attribute: i.code for i in instrument.items if i.role == "attribute"}
    value = customer_value(normalize_customers(customers)) if customers is not None else None
    return trap_analysis(frame, satisfaction="CUSA1", loyalty="CUSL1", attributes=spec["attributes"],
                         satisfaction_scale=(1, 10), loyalty_scale=(1, 10), attribute_scales=(1, 10),
                         recommend="CUSL3", stage="STAGE", bonds=["BONDFIN", "BONDSOC", "BONDSTR"],
                         problem="PROBLEM", complained="COMPLAINED", justice=JUSTICE, justice_scale=(1, 5),
                         kano_pairs=spec["kano"], kano_items=items, customers=value, customer_id="CID",
                         bootstrap=50, **extra)


def test_whole_diagnosis_is_json_ready_and_recovers_the_plan(frame, instrument, customers):
    result = run(frame, instrument, customers)
    out = to_jsonable(result)
    json.dumps(out, allow_nan=False)
    assert out["zone_of_indifference"] == [5.0, 8.0]
    assert out["trap_index"]["ci_low"] <= PLANTED["trap_index"] <= out["trap_index"]["ci_high"]
    assert out["attributes"]["PERQ1"]["class"] == "basic" and out["attributes"]["PERQ5"]["class"] == "excitement"
    assert out["kano"]["reliability"]["category"] == "M"
    assert out["kano_agreement"]["convenience"]["agree"] is True
    assert set(out["stages"]) == set(STAGE_PROGRAMMES)
    for name, stage in out["stages"].items():
        assert stage["programme"] == STAGE_PROGRAMMES[name] and 0 <= stage["trap_index"] <= 1


def test_customer_file_join_counts_unmatched_ids_and_weights_mercenaries(frame, instrument, customers):
    result = run(frame, instrument, customers)
    behaviour = result.behaviour
    assert behaviour["n_matched"] == len(frame) - 20
    assert behaviour["n_unmatched_survey"] == 20 and behaviour["n_unmatched_file"] == 30
    assert any("20 respondent id(s) are not in the customer file" in w for w in result.warnings)
    curve = behaviour["curve_actual"]
    assert curve["loyal_definition"] == "retained according to the customer file"
    assert sum(level["n"] for level in curve["levels"]) == len(frame) - 20
    # The planted churn: satisfied respondents who are not loyal churn more than loyal ones.
    assert behaviour["trap_index_actual"]["share_churned"] > 0.1
    risk = behaviour["revenue_at_risk"]
    assert 0 < risk["share_of_revenue"] < 1 and risk["mercenary_share_of_customers"] == pytest.approx(
        result.segments["shares"]["mercenary"]["n"] / len(frame), abs=0.01)
    assert set(behaviour["trap_index_by_tier"]) <= {"platinum", "gold", "iron", "lead"}
    assert behaviour["value"]["tier_definitions"]["gold"].startswith("next 15%")


def test_complaints_silent_dissatisfaction_and_recovery_paradox(frame):
    out = complaints_recovery(frame, problem="PROBLEM", complained="COMPLAINED", satisfaction="CUSA1",
                              loyalty="CUSL1", justice=JUSTICE, justice_scale=(1, 5), loyalty_scale=(1, 10))
    # Planted: 45 % of respondents with a problem complained, so 55 % stayed silent.
    low, high = out["complained_among_problems_ci"]
    assert low <= PLANTED["complaint_rate"] <= high
    assert out["silent_share"] == pytest.approx(1 - out["complained_among_problems"])
    groups = out["groups"]
    assert groups["no_problem"]["mean_satisfaction"] > groups["silent"]["mean_satisfaction"]
    paradox = out["recovery_paradox"]
    # The synthetic data plant no recovery paradox: recovered complainers are not above the never-troubled.
    assert paradox["holds"] is False and paradox["satisfaction_difference"]["ci_low"] <= 0
    assert paradox["n_recovered"] == groups["recovered"]["n"] > 0
    for role in JUSTICE:
        entry = out["by_justice"][role]
        assert entry["good"]["n"] + entry["poor"]["n"] == groups["complained"]["n"] - \
            int(frame.loc[frame["COMPLAINED"] == 1, JUSTICE[role]].isna().sum())


def test_findings_read_as_sentences_in_both_languages(frame, instrument, customers):
    result = run(frame, instrument, customers)
    texts = result.findings
    assert len(texts) >= 8 and all(set(f) == {"kind", "en", "zh"} and f["en"] and f["zh"] for f in texts)
    first = texts[0]
    pct = round(100 * result.trap_index["trap_index"])
    assert first["en"].startswith(f"{pct}% of satisfied customers") and "mostly on" in first["en"]
    assert first["zh"].startswith(f"{pct}% 的满意客户")
    zone = next(f for f in texts if "zone of indifference" in f["en"])
    assert "between satisfaction 5 and 8" in zone["en"] and "质量不敏感区" in zone["zh"]
    assert any("PERQ1" in f["en"] and "basic expectation" in f["en"] for f in texts)
    assert any("had said they were satisfied" in f["en"] for f in texts)


def test_without_optional_columns_only_the_core_runs_quickly():
    data = synthetic_responses(get_instrument("customer_satisfaction"), 100_000, seed=2)
    attributes = [f"PERQ{k}" for k in range(1, 8)]
    start = time.perf_counter()
    result = trap_analysis(data, satisfaction="CUSA1", loyalty="CUSL1", attributes=attributes,
                           satisfaction_scale=(1, 10), loyalty_scale=(1, 10), bootstrap=50)
    elapsed = time.perf_counter() - start
    assert result.stages is None and result.complaints is None and result.behaviour is None
    assert result.zone_of_indifference == [5.0, 8.0]
    assert elapsed < 5, elapsed


def test_engine_and_cli_add_trap_with_a_customer_file(tmp_path, write_model, run_cli):
    data = synthetic_responses(get_instrument("customer_satisfaction"), 1500, seed=3)
    data["customer_id"] = [f"C{i}" for i in range(len(data))]
    data_path = tmp_path / "data.csv"
    data.drop(columns=["COMMENT"]).to_csv(data_path, index=False)
    file = pd.DataFrame({"customer_id": [f"C{i}" for i in range(10, len(data))] + ["GHOST"],
                         "retained": ["retained", "churned"] * ((len(data) - 10) // 2) + ["churned"],
                         "revenue": 100.0, "cost": 60.0})
    customers_path = tmp_path / "customers.csv"
    file.to_csv(customers_path, index=False)
    model = {"constructs": {"Quality": [f"PERQ{k}" for k in range(1, 8)]}, "scale": {"min": 1, "max": 10},
             "outcomes": {"satisfaction": "CUSA1", "loyalty": "CUSL1"}, "attributes": ["PERQ1", "PERQ4", "PERQ5"],
             "efa": False}
    run = run_cli(data_path, write_model(model), "--customers", str(customers_path), "--quiet")
    assert run.code == 0, run.stderr
    trap = run.result["trap"]
    assert trap["satisfaction"] == "CUSA1" and trap["loyalty"] == "CUSL1"
    assert trap["curve"]["loyal_definition"] == "'CUSL1' >= 9 (top 2 boxes of 1-10)"
    assert set(trap["attributes"]) == {"PERQ1", "PERQ4", "PERQ5"}
    behaviour = trap["behaviour"]
    assert behaviour["n_unmatched_survey"] == 10 and behaviour["n_unmatched_file"] == 1
    assert any(w.startswith("Trap: Customer file: 10 respondent id(s)") for w in run.result["warnings"])
    assert trap["findings"] and all({"kind", "en", "zh"} == set(f) for f in trap["findings"])
    no_loyalty = {**model, "outcomes": {"satisfaction": "CUSA1"}}
    assert "trap" not in run_cli(data_path, write_model(no_loyalty, "m2.yaml"), "--quiet").result
