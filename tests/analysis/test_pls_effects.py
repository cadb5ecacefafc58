"""analysis.pls_effects against published total and specific indirect effects on the ECSI "mobi" data.

* SmartPLS 2.0.M3's total effects of the full ECSI model (path weighting), stored with semPLS's regression
  fixtures: github.com/cran/semPLS @ 50e3dcd6, tests/SmartPLS/results/ecsi/pathWeighting/totalEffects.txt.
* SEMinR's vignette (github.com/sem-in-r/seminr @ ae2524aa, doc/SEMinR.html): ``specific_effect_significance(
  boot, from = "Image", through = c("Expectation", "Satisfaction"), to = "Complaints")`` prints the original
  estimate 0.016670348.
* An independent computation: statsmodels OLS of each construct score on its predecessors, multiplied along
  every route and summed (no matrix inverse).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.pls import PLSResult, pls_pm
from analysis.pls_effects import pls_effects
from tests.analysis.conftest import ECSI_CONSTRUCTS
from tests.analysis.conftest import ECSI_PATHS as TARGET_SOURCES

ARROWS: dict[str, list[str]] = {}
for _target, _sources in TARGET_SOURCES.items():
    for _source in _sources:
        ARROWS.setdefault(_source, []).append(_target)

#: totalEffects.txt, rows the source, columns the target (zeros left out).
SMARTPLS_TOTAL = {
    "Complaints->Loyalty": 0.06692607,
    "Expectation->Complaints": 0.22066175, "Expectation->Loyalty": 0.21763337, "Expectation->Quality": 0.55674896,
    "Expectation->Satisfaction": 0.41786755, "Expectation->Value": 0.36082377,
    "Image->Complaints": 0.20580149, "Image->Expectation": 0.50491393, "Image->Loyalty": 0.39873238,
    "Image->Quality": 0.28111031, "Image->Satisfaction": 0.38972664, "Image->Value": 0.18218495,
    "Quality->Complaints": 0.32780354, "Quality->Loyalty": 0.32330474, "Quality->Satisfaction": 0.62076216,
    "Quality->Value": 0.55830438,
    "Satisfaction->Complaints": 0.52806625, "Satisfaction->Loyalty": 0.52081902,
    "Value->Complaints": 0.10284888, "Value->Loyalty": 0.10143737, "Value->Satisfaction": 0.19476510,
}


@pytest.fixture(scope="module")
def ecsi(mobi: pd.DataFrame) -> PLSResult:
    return pls_pm(mobi, ECSI_CONSTRUCTS, ARROWS, bootstrap=60, seed=7)


def test_total_effects_match_smartpls(ecsi: PLSResult) -> None:
    effects = pls_effects(ecsi)
    assert set(effects.total) == set(SMARTPLS_TOTAL)
    for key, value in SMARTPLS_TOTAL.items():
        assert effects.total[key].estimate == pytest.approx(value, abs=1e-6), key


def test_specific_indirect_effect_matches_seminr_vignette(ecsi: PLSResult) -> None:
    effect = pls_effects(ecsi).specific["Image->Expectation->Satisfaction->Complaints"]
    assert effect.estimate == pytest.approx(0.016670348, abs=1e-6)


def test_effects_equal_ols_on_the_construct_scores_multiplied_along_every_route(ecsi: PLSResult) -> None:
    scores = ecsi.scores
    coef: dict[tuple[str, str], float] = {}
    for target, sources in TARGET_SOURCES.items():
        fit = sm.OLS(scores[target], sm.add_constant(scores[sources])).fit()
        coef.update({(source, target): float(fit.params[source]) for source in sources})

    def all_routes(source: str, target: str) -> list[list[str]]:
        if source == target:
            return [[target]]
        return [[source, *rest] for nxt in ARROWS.get(source, []) for rest in all_routes(nxt, target)]

    effects = pls_effects(ecsi)
    for source, target in itertools.permutations(ECSI_CONSTRUCTS, 2):
        found = all_routes(source, target)
        products = [float(np.prod([coef[pair] for pair in itertools.pairwise(route)])) for route in found]
        key = f"{source}->{target}"
        if not found:
            assert key not in effects.total
            continue
        assert effects.total[key].estimate == pytest.approx(sum(products), abs=1e-9)
        mediated = [p for route, p in zip(found, products, strict=True) if len(route) > 2]
        if mediated:
            assert effects.indirect[key].estimate == pytest.approx(sum(mediated), abs=1e-9)
        else:
            assert key not in effects.indirect
        for route, product in zip(found, products, strict=True):
            if len(route) > 2:
                assert effects.specific["->".join(route)].estimate == pytest.approx(product, abs=1e-9)
    assert len(effects.specific) == sum(len(all_routes(s, t)) - (t in ARROWS.get(s, []))
                                        for s, t in itertools.permutations(ECSI_CONSTRUCTS, 2))


def test_intervals_come_from_the_same_resamples_as_the_paths(ecsi: PLSResult) -> None:
    effects = pls_effects(ecsi)
    # Complaints -> Loyalty has no mediated route: its total effect is the path, resample by resample.
    only = effects.total["Complaints->Loyalty"]
    assert only.se == pytest.approx(ecsi.se["Complaints->Loyalty"], rel=1e-12)
    assert only.ci == pytest.approx(ecsi.ci["Complaints->Loyalty"], rel=1e-12)
    # A specific effect's draws are products of the same resamples' path draws.
    draws = ecsi.sample.draws
    labels = list(ecsi.paths)
    product = (draws.paths[:, labels.index("Image->Expectation")]
               * draws.paths[:, labels.index("Expectation->Satisfaction")])
    effect = effects.specific["Image->Expectation->Satisfaction"]
    assert effect.se == pytest.approx(product.std(ddof=1), rel=1e-12)
    assert effect.ci == pytest.approx(list(np.percentile(product, [2.5, 97.5])), rel=1e-12)
    assert all(e.ci[0] <= e.estimate <= e.ci[1] for e in effects.total.values())


def test_without_a_bootstrap_the_effects_have_no_intervals(mobi: pd.DataFrame) -> None:
    effects = pls_effects(pls_pm(mobi, ECSI_CONSTRUCTS, ARROWS))
    assert np.isnan(effects.total["Image->Loyalty"].se)
    assert effects.total["Image->Loyalty"].estimate == pytest.approx(SMARTPLS_TOTAL["Image->Loyalty"], abs=1e-6)
