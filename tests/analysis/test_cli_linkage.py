"""``python -m analysis`` with --employees/--customers-by-unit, --wave and --min-group-size: results and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.__main__ import main

EMPLOYEE_MODEL = {"constructs": {"Engagement": ["e1", "e2"], "Satisfaction": ["esat"]}, "scale": [1, 5],
                  "outcomes": {"satisfaction": "Satisfaction"}, "efa": False, "drivers": []}


def write_files(tmp_path: Path) -> tuple[Path, Path, pd.DataFrame, pd.DataFrame]:
    """Employees of 6 units in two waves (DATA and --employees), and their customers per unit and wave."""
    rng = np.random.default_rng(11)
    units = ["north", "south", "east", "west", "centre", "port"]
    rows = []
    for i, unit in enumerate(units):
        for wave in (2024, 2025):
            for k in range(6):
                base = 1 + (i + k + wave) % 5
                rows.append({"unit": unit, "round": wave, "e1": base, "e2": 1 + (base + k) % 5,
                             "esat": 1 + (i + (k // 2)) % 5})
    employees = pd.DataFrame(rows)
    customers = pd.DataFrame([{"unit": unit, "round": wave, "satisfaction": round(float(v), 2)}
                              for i, unit in enumerate(units) for wave in (2024, 2025)
                              for v in rng.normal(5 + i % 3, 1, 4)])
    employee_path, customer_path = tmp_path / "employees.csv", tmp_path / "customers.csv"
    employees.to_csv(employee_path, index=False)
    customers.to_csv(customer_path, index=False)
    return employee_path, customer_path, employees, customers


def test_linkage_wave_and_group_size_end_to_end(tmp_path: Path, write_model, run_cli) -> None:
    employee_path, customer_path, employees, customers = write_files(tmp_path)
    run = run_cli(employee_path, write_model(EMPLOYEE_MODEL), "--employees", str(employee_path),
                  "--customers-by-unit", str(customer_path), "--wave", "round", "--by", "unit",
                  "--min-group-size", "13", "--customer-measure", "satisfaction")
    assert run.code == 0, run.stderr
    linkage = run.result["linkage"]
    # default employee measure: the model's satisfaction outcome (construct Satisfaction = esat)
    assert linkage["employee_measure"] == ["esat"] and linkage["customer_measure"] == ["satisfaction"]
    e = employees.groupby("unit")["esat"].mean()
    c = customers.groupby("unit")["satisfaction"].mean()
    assert linkage["correlation"]["r"] == pytest.approx(np.corrcoef(e, c.loc[e.index])[0, 1], abs=1e-9)
    assert linkage["employee_icc"]["n_units"] == 6 and linkage["wave"] == "round"
    assert linkage["next_wave"]["pairs"] == 6
    assert run.result["trends"]["waves"] == ["2024", "2025"]
    # every unit has 12 employees: below k = 13, so every heatmap cell is hidden
    assert run.result["heatmap"]["k"] == 13
    assert not any(cell["shown"] for cell in run.result["heatmap"]["cells"])


def test_named_measures_may_be_constructs(tmp_path: Path, write_model, run_cli) -> None:
    employee_path, customer_path, employees, _ = write_files(tmp_path)
    run = run_cli(employee_path, write_model(EMPLOYEE_MODEL), "--employees", str(employee_path),
                  "--customers-by-unit", str(customer_path), "--employee-measure", "Engagement",
                  "--customer-measure", "satisfaction", "--quiet")
    assert run.code == 0, run.stderr
    linkage = run.result["linkage"]
    assert linkage["employee_measure"] == ["e1", "e2"]
    person = employees[["e1", "e2"]].mean(axis=1)
    assert linkage["units"]["north"]["employee"] == pytest.approx(person[employees["unit"] == "north"].mean())


@pytest.mark.parametrize(("change", "message"), [
    (lambda e, c, tmp: ["--employees", str(tmp / "nowhere.csv"), "--customers-by-unit", str(c)],
     "--employees: Data file"),
    (lambda e, c, tmp: ["--employees", str(e)], "go together"),
    (lambda e, c, tmp: ["--employees", str(e), "--customers-by-unit", str(c), "--unit", "store"],
     "no unit column 'store'"),
    (lambda e, c, tmp: ["--employees", str(e), "--customers-by-unit", str(c), "--customer-measure", "csat"],
     "customer file has no column(s) 'csat'"),
    (lambda e, c, tmp: ["--wave", "year"], "--wave 'year' is not a column"),
    (lambda e, c, tmp: ["--employee-measure", "esat"], "need --employees"),
])
def test_bad_linkage_input_is_one_line_and_exit_2(tmp_path: Path, write_model, run_cli, change, message) -> None:
    employee_path, customer_path, _, _ = write_files(tmp_path)
    run = run_cli(employee_path, write_model(EMPLOYEE_MODEL), *change(employee_path, customer_path, tmp_path),
                  "--quiet")
    assert run.code == 2 and run.result is None
    assert run.stderr.startswith("error: ") and message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_customers_without_the_unit_column_and_too_few_units(tmp_path: Path, write_model, run_cli) -> None:
    employee_path, _, _, customers = write_files(tmp_path)
    no_unit = tmp_path / "no_unit.csv"
    customers.drop(columns="unit").to_csv(no_unit, index=False)
    run = run_cli(employee_path, write_model(EMPLOYEE_MODEL), "--employees", str(employee_path),
                  "--customers-by-unit", str(no_unit), "--quiet")
    assert run.code == 2 and "The customer file has no unit column 'unit'" in run.stderr
    two = tmp_path / "two_units.csv"
    customers[customers["unit"].isin(["north", "south"])].to_csv(two, index=False)
    run = run_cli(employee_path, write_model(EMPLOYEE_MODEL), "--employees", str(employee_path),
                  "--customers-by-unit", str(two), "--quiet")
    assert run.code == 2 and "Only 2 unit(s) appear in both" in run.stderr


def test_min_group_size_below_two_is_a_usage_error(tmp_path: Path, write_model, capsys) -> None:
    employee_path, _, _, _ = write_files(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main([str(employee_path), "--model", str(write_model(EMPLOYEE_MODEL)), "--out", str(tmp_path / "r.json"),
              "--min-group-size", "1"])
    assert stopped.value.code == 2
    assert "--min-group-size: must be at least 2" in capsys.readouterr().err


def test_customer_loyalty_is_linked_same_wave_and_next_wave(tmp_path: Path, write_model, run_cli) -> None:
    employee_path, _, employees, customers = write_files(tmp_path)
    customers["stay"] = (customers["satisfaction"] > 5.5).astype(int)
    customer_path = tmp_path / "customers_loyalty.csv"
    customers.to_csv(customer_path, index=False)
    run = run_cli(employee_path, write_model(EMPLOYEE_MODEL), "--employees", str(employee_path),
                  "--customers-by-unit", str(customer_path), "--customer-measure", "satisfaction",
                  "--customer-loyalty", "stay", "--wave", "round", "--quiet")
    assert run.code == 0, run.stderr
    link = next(item for item in run.result["linkage"]["links"] if item["customer"] == "loyalty")
    assert link["employee"] == "satisfaction" and link["customer_measure"] == ["stay"]
    e = employees.groupby(["unit", "round"])["esat"].mean()
    c = customers.groupby(["unit", "round"])["stay"].mean()
    units = sorted(employees["unit"].unique())
    later = np.corrcoef([e[(u, 2024)] for u in units], [c[(u, 2025)] for u in units])[0, 1]
    assert link["next_wave"]["r"] == pytest.approx(later) and link["next_wave"]["pairs"] == 6
    same = np.corrcoef(e.to_numpy(), c.loc[e.index].to_numpy())[0, 1]
    assert link["same_wave"]["r"] == pytest.approx(same) and link["same_wave"]["pairs"] == 12
