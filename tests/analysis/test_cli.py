"""``python -m analysis`` end to end: the RESULT.json contract on the ECSI data, and every bad input."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.pls import pls_pm
from tests.analysis.conftest import ECSI_CONSTRUCTS, ECSI_PATHS, SMARTPLS_ECSI_PATHS

REPO = Path(__file__).resolve().parents[2]

#: RESULT.json keys the issue fixes (more are allowed).
TOP_KEYS = {"n", "n_used", "missing", "warnings", "constructs", "pls", "drivers", "efa"}
CONSTRUCT_KEYS = {"items", "alpha", "alpha_std", "omega", "mean", "sd", "index", "item_total"}
PLS_KEYS = {"paths", "r2", "loadings", "weights", "rho_c", "ave", "htmt", "index", "scheme", "iterations",
            "converged", "se", "ci"}
DRIVER_KEYS = {"outcome", "predictors", "ols", "shapley", "relative_weights", "shapley_ci",
               "relative_weights_ci", "ipa"}
OLS_KEYS = {"coef", "se", "se_hc3", "p", "std_beta", "r2", "adj_r2", "vif"}
EFA_KEYS = {"kmo", "kmo_items", "bartlett", "eigenvalues", "parallel", "n_factors", "loadings",
            "communalities"}
NPS_KEYS = {"score", "promoters", "passives", "detractors", "se", "ci"}


def numbers(value) -> list[float]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in numbers(v)]
    return [value] if isinstance(value, float | int) and not isinstance(value, bool) else []


def test_ecsi_end_to_end(mobi_path: Path, mobi: pd.DataFrame, ecsi_model: dict, write_model, run_cli,
                         tmp_path: Path) -> None:
    # A recommend item on 0-10 and a region for --by, added to the real data.
    frame = mobi.assign(NPS=np.clip(mobi["CUSL2"].to_numpy() - (np.arange(len(mobi)) % 2), 0, 10),
                        region=np.where(np.arange(len(mobi)) % 2 == 0, "north", "south"))
    data = tmp_path / "mobi.csv"
    frame.to_csv(data, index=False)
    ecsi_model["outcomes"]["recommend"] = "NPS"
    ecsi_model["drivers"] = [{"outcome": "Satisfaction", "bootstrap": 40,
                              "predictors": ["Image", "Expectation", "Quality", "Value"]}]
    run = run_cli(data, write_model(ecsi_model), "--by", "region")
    assert run.code == 0, run.stderr
    result = run.result
    assert TOP_KEYS | {"nps", "groups"} <= set(result)
    assert result["n"] == result["n_used"] == 250
    assert result["missing"]["method"] == "listwise" and result["missing"]["rows_dropped"] == 0
    assert all(isinstance(w, str) for w in result["warnings"])
    assert all(math.isfinite(x) for x in numbers(result))

    assert set(result["constructs"]) == set(ECSI_CONSTRUCTS)
    for summary in result["constructs"].values():
        assert CONSTRUCT_KEYS <= set(summary)
        assert 0 <= summary["index"] <= 100
    assert result["constructs"]["Image"]["item_total"].keys() == set(ECSI_CONSTRUCTS["Image"])

    pls = result["pls"]
    assert PLS_KEYS <= set(pls)
    labels = {f"{s}->{t}" for t, sources in ECSI_PATHS.items() for s in sources}
    assert set(pls["paths"]) == set(pls["se"]) == set(pls["ci"]) == labels
    for label in labels:
        low, high = pls["ci"][label]
        assert low < pls["paths"][label] < high and pls["se"][label] > 0
    # The engine passes the model through unchanged: same numbers as pls_pm called directly.
    arrows: dict[str, list[str]] = {}
    for target, sources in ECSI_PATHS.items():
        for source in sources:
            arrows.setdefault(source, []).append(target)
    direct = pls_pm(mobi, ECSI_CONSTRUCTS, arrows, bootstrap=50, seed=1,
                    scales=dict.fromkeys(ECSI_CONSTRUCTS, (1, 10)))
    assert pls["paths"] == pytest.approx(direct.paths, abs=1e-12)
    assert pls["r2"] == pytest.approx(direct.r2, abs=1e-12)
    assert pls["se"] == pytest.approx(direct.se, abs=1e-12)
    for label, interval in direct.ci.items():
        assert pls["ci"][label] == pytest.approx(interval, abs=1e-12)
    assert pls["index"] == pytest.approx(direct.index, abs=1e-12)
    assert pls["paths"] == pytest.approx(SMARTPLS_ECSI_PATHS, abs=1e-6)

    (driver,) = result["drivers"]
    assert DRIVER_KEYS <= set(driver) and OLS_KEYS <= set(driver["ols"])
    assert sum(driver["shapley"].values()) == pytest.approx(driver["ols"]["r2"], abs=1e-10)
    assert sum(driver["relative_weights"].values()) == pytest.approx(driver["ols"]["r2"], abs=1e-10)
    assert set(driver["shapley_ci"]) == set(driver["predictors"])
    assert len(driver["ipa"]) == 4

    assert EFA_KEYS <= set(result["efa"]["all_items"])
    assert set(result["efa"]["all_items"]["kmo_items"]) == set(frame.columns) - {"region", "NPS"}
    assert EFA_KEYS <= set(result["efa"]["constructs"]["Quality"])

    assert NPS_KEYS <= set(result["nps"]) and result["nps"]["n"] == 250
    assert -100 <= result["nps"]["score"] <= 100

    groups = result["groups"]
    assert groups["levels"] == ["north", "south"]
    assert {"n", "means", "indices", "nps"} <= set(groups["summary"]["north"])
    assert set(groups["tests"]) == set(ECSI_CONSTRUCTS) | {"NPS"}
    assert {"welch_anova", "kruskal", "pairwise"} <= set(groups["tests"]["Image"])

    # Progress on stderr by default.
    assert "PLS path model: 7 constructs" in run.stderr and "Wrote " in run.stderr


def test_real_entry_point_and_chinese_output(tmp_path: Path) -> None:
    data = tmp_path / "答卷.csv"
    rng = np.random.default_rng(7)
    base = rng.integers(1, 6, size=60)
    frame = pd.DataFrame({f"满意{i}": np.clip(base + rng.integers(-1, 2, size=60), 1, 5)
                          for i in range(1, 4)})
    frame["门店"] = np.where(np.arange(60) % 2 == 0, "北京", "上海")
    data.write_bytes(frame.to_csv(index=False).encode("gbk"))
    model = tmp_path / "模型.yaml"
    model.write_text("constructs:\n  满意度: [满意1, 满意2, 满意3]\nscale: {min: 1, max: 5}\nefa: false\n",
                     encoding="utf-8")
    out = tmp_path / "结果.json"
    command = [sys.executable, "-m", "analysis", str(data), "--model", str(model), "--out", str(out),
               "--by", "门店", "--quiet"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # --quiet
    text = out.read_text(encoding="utf-8")
    assert "满意度" in text and "\\u" not in text  # ensure_ascii=False
    result = json.loads(text)
    assert result["groups"]["levels"] == ["上海", "北京"]
    assert 0 < result["constructs"]["满意度"]["alpha"] < 1



def test_bad_by_column_in_chinese(tmp_path: Path, write_model, run_cli) -> None:
    frame = small_data().assign(门店=["北京", "上海"] * 20)
    run = run_cli(write_csv(frame, tmp_path / "data.csv"), write_model(BASE_MODEL), "--by", "城市", "--quiet")
    assert run.code == 2
    assert run.stderr.startswith("error: Unknown column(s) not in the data: '城市' (--by)")
    assert run.stderr.count("\n") == 1 and "门店" in run.stderr


BASE_MODEL = {"constructs": {"A": ["a1", "a2", "a3"], "B": ["b1", "b2"]}, "scale": {"min": 1, "max": 5},
              "paths": {"B": ["A"]}, "pls": {"bootstrap": 0}, "efa": False}


def small_data(rows: int = 40, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.integers(1, 6, size=rows)
    noisy = {c: np.clip(base + rng.integers(-1, 2, size=rows), 1, 5) for c in ["a1", "a2", "a3", "b1", "b2"]}
    return pd.DataFrame(noisy)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("change", "model_change", "fragments"),
    [
        pytest.param(lambda f: f.rename(columns={"a3": "a_3"}), {}, ["'a3' (construct A; did you mean 'a_3'"],
                     id="unknown column"),
        pytest.param(lambda f: f.astype({"b2": object}).assign(b2=lambda g: g["b2"].where(g.index != 4,
                                                                                            "five")),
                     {}, ["Column 'b2' has a non-numeric value 'five' in row 5"], id="non-numeric cell"),
        pytest.param(lambda f: f.assign(a2=f["a2"].where(f.index != 9, 7)), {},
                     ["Column 'a2' has the value 7 in row 10, outside its scale 1 to 5"], id="out of scale"),
        pytest.param(lambda f: f, {"paths": {"B": ["A"], "A": ["B"]}},
                     ["the path model has a cycle: ", "A -> B -> A"], id="cycle"),
        pytest.param(lambda f: f.assign(a1=np.nan), {}, ["Column(s) 'a1' have no answers"],
                     id="empty column"),
        pytest.param(lambda f: f.head(2), {}, ["Only 2 respondent(s) can be used"], id="too few respondents"),
        pytest.param(lambda f: f, {"reverse": ["a1"], "scale": None},
                     ["Item 'a1' is reverse-keyed but has no scale"], id="reverse without scale"),
        pytest.param(lambda f: f, {"pls": {"bootstrap": "many"}}, ["'pls.bootstrap' must be a whole number"],
                     id="bad model type"),
        pytest.param(lambda f: f.assign(**{f"x{i}": f["a1"] for i in range(3)}).head(4),
                     {"constructs": None, "paths": None, "scale": None,
                      "drivers": [{"outcome": "b1", "predictors": ["a1", "a2", "a3", "x0", "x1", "x2"]}]},
                     ["No analysis could be computed", "Drivers (b1)"],
                     id="fewer respondents than parameters"),
    ],
)
def test_bad_input_exits_2_naming_the_problem(change, model_change, fragments, tmp_path: Path, write_model,
                                              run_cli) -> None:
    data = write_csv(change(small_data()), tmp_path / "data.csv")
    model = {**BASE_MODEL, **model_change}
    model = {k: v for k, v in model.items() if v is not None}
    run = run_cli(data, write_model(model))
    assert run.code == 2
    assert run.result is None  # nothing written
    line = run.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ")
    for fragment in fragments:
        assert fragment in line
    assert "Traceback" not in run.stderr


def test_soft_problems_are_warnings(tmp_path: Path, write_model, run_cli) -> None:
    frame = small_data()
    frame["b2"] = 3  # constant item
    frame.loc[[5, 6], :] = np.nan  # rows without any answer
    frame["COPY"] = frame["a1"]  # perfectly collinear with a1
    model = {**BASE_MODEL, "drivers": [{"outcome": "B", "predictors": ["a1", "COPY"], "bootstrap": 0}]}
    run = run_cli(write_csv(frame, tmp_path / "data.csv"), write_model(model))
    assert run.code == 0, run.stderr
    result = run.result
    warnings = result["warnings"]
    assert any(w.startswith("Data: Item 'b2' is constant") for w in warnings)
    assert any(w.startswith("Data: 2 row(s) without any answer") for w in warnings)
    assert result["missing"]["rows_all_missing"] == 2 and result["n_used"] == 38
    driver = result["drivers"][0]
    assert "error" in driver and ("COPY" in driver["error"] or "collinear" in driver["error"])
    assert any(w.startswith("Drivers (B): ") for w in warnings)
    # PLS cannot use a constant item: that part fails, the reliability of the constructs stands.
    assert "b2" in result["pls"]["error"]
    assert result["constructs"]["A"]["alpha"] > 0


def test_pls_not_converging_is_reported(tmp_path: Path, write_model, run_cli) -> None:
    model = {**BASE_MODEL, "constructs": {"A": ["a1", "a2"], "B": ["a3", "b1"], "C": ["b2"]},
             "paths": {"B": ["A"], "C": ["A", "B"]}, "pls": {"bootstrap": 0, "max_iter": 1}}
    run = run_cli(write_csv(small_data(), tmp_path / "data.csv"), write_model(model))
    assert run.code == 0
    assert run.result["pls"]["converged"] is False
    assert any(w.startswith("PLS: ") and "converge" in w for w in run.result["warnings"])


def test_pdf_not_available_yet(tmp_path: Path, write_model, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    if importlib.util.find_spec("reports.render") is not None:
        # The reports package now has a renderer: the unavailable path is simulated.
        monkeypatch.setitem(sys.modules, "reports.render", None)
    run = run_cli(write_csv(small_data(), tmp_path / "data.csv"), write_model(BASE_MODEL), "--pdf",
                  str(tmp_path / "report.pdf"))
    assert run.code == 2
    assert run.stderr.startswith("error: PDF reports are not available yet")
    assert run.result is None and not (tmp_path / "report.pdf").exists()


def test_output_folder_and_files_are_checked_first(tmp_path: Path, write_model, run_cli) -> None:
    data = write_csv(small_data(), tmp_path / "data.csv")
    run = run_cli(data, write_model(BASE_MODEL), out=tmp_path / "missing" / "result.json")
    assert run.code == 2 and "the folder" in run.stderr and "does not exist" in run.stderr
    run = run_cli(tmp_path / "nowhere.csv", write_model(BASE_MODEL))
    assert run.code == 2 and "does not exist" in run.stderr
    run = run_cli(data, tmp_path / "nomodel.yaml")
    assert run.code == 2 and "Model file" in run.stderr
    run = run_cli(data, write_model(BASE_MODEL), out=data)
    assert run.code == 2 and "would overwrite the input file" in run.stderr
    assert pd.read_csv(data).shape == (40, 5)  # the data is untouched


def test_quiet_and_usage(tmp_path: Path, write_model, run_cli, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_csv(small_data(), tmp_path / "data.csv")
    run = run_cli(data, write_model(BASE_MODEL), "--quiet")
    assert run.code == 0 and run.stderr == ""
    from analysis.__main__ import main

    with pytest.raises(SystemExit) as exit_info:
        main([str(data)])  # --model and --out are required
    assert exit_info.value.code == 2
    assert "--model" in capsys.readouterr().err


def test_xlsx_and_sav_inputs(tmp_path: Path, write_model, run_cli) -> None:
    import pyreadstat

    frame = small_data().astype(float)
    xlsx = tmp_path / "data.xlsx"
    frame.to_excel(xlsx, index=False)
    sav = tmp_path / "data.sav"
    pyreadstat.write_sav(frame, str(sav))
    from_xlsx = run_cli(xlsx, write_model(BASE_MODEL), out=tmp_path / "x.json")
    from_sav = run_cli(sav, write_model(BASE_MODEL), out=tmp_path / "s.json")
    assert from_xlsx.code == from_sav.code == 0
    alpha = from_sav.result["constructs"]["A"]["alpha"]
    assert from_xlsx.result["constructs"]["A"]["alpha"] == pytest.approx(alpha)
    assert from_xlsx.result["pls"]["paths"] == pytest.approx(from_sav.result["pls"]["paths"])
