"""analysis.ipma against an independent computation of Ringle & Sarstedt's (2016) IPMA on the ECSI "mobi" data.

The reference rescales every item to 0-100 with pandas, weights it by its unstandardized outer weight
(standardized weight / SD of the rescaled item, normalised to sum to 1 per construct: SmartPLS's IPMA), fits
every structural equation by statsmodels OLS on those 0-100 scores, and sums the products of the coefficients
along every route.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.errors import AnalysisError
from analysis.ipma import ipma
from analysis.pls import PLSResult, pls_pm
from tests.analysis.conftest import ECSI_CONSTRUCTS
from tests.analysis.conftest import ECSI_PATHS as TARGET_SOURCES

ARROWS: dict[str, list[str]] = {}
for _target, _sources in TARGET_SOURCES.items():
    for _source in _sources:
        ARROWS.setdefault(_source, []).append(_target)
SCALES = {name: (1.0, 10.0) for name in ECSI_CONSTRUCTS}


@pytest.fixture(scope="module")
def fit(mobi: pd.DataFrame) -> PLSResult:
    return pls_pm(mobi, ECSI_CONSTRUCTS, ARROWS, bootstrap=60, seed=3, scales=SCALES)


def reference(mobi: pd.DataFrame, fit: PLSResult, target: str, lows: pd.Series | float = 1.0
              ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Construct importances, construct performances and item importances, computed the long way (items on
    lows-10 scales)."""
    rescaled = 100 * (mobi - lows) / (10 - lows)
    weights, scores = {}, {}
    for name, items in ECSI_CONSTRUCTS.items():
        # the unstandardized weight of the rescaled item: standardized weight / SD of the rescaled item
        raw = pd.Series({item: fit.weights[item] / rescaled[item].std(ddof=1) for item in items})
        weights[name] = raw / raw.sum()
        scores[name] = rescaled[items] @ weights[name]
    scores = pd.DataFrame(scores)
    coef = {}
    for endogenous, sources in TARGET_SOURCES.items():
        ols = sm.OLS(scores[endogenous], sm.add_constant(scores[sources])).fit()
        coef.update({(source, endogenous): ols.params[source] for source in sources})

    def routes(source: str) -> list[list[str]]:
        if source == target:
            return [[target]]
        return [[source, *rest] for nxt in ARROWS.get(source, []) for rest in routes(nxt)]

    importance = {name: sum(np.prod([coef[pair] for pair in itertools.pairwise(route)]) for route in routes(name))
                  for name in ECSI_CONSTRUCTS if name != target and routes(name)}
    items = {item: weights[name][item] * importance[name] for name in importance for item in ECSI_CONSTRUCTS[name]}
    return importance, scores.mean().to_dict(), items


@pytest.mark.parametrize("target", ["Loyalty", "Satisfaction"])
def test_importance_and_performance_match_ols_on_the_rescaled_scores(mobi: pd.DataFrame, fit: PLSResult,
                                                                    target: str) -> None:
    importance, performance, items = reference(mobi, fit, target)
    result = ipma(fit, ECSI_CONSTRUCTS, target, SCALES)
    assert {e.name: e.importance for e in result.constructs} == pytest.approx(importance, abs=1e-9)
    assert {e.name: e.performance for e in result.constructs} == pytest.approx(
        {name: performance[name] for name in importance}, abs=1e-9)
    assert result.target_performance == pytest.approx(performance[target], abs=1e-9)
    assert {e.name: e.importance for e in result.indicators} == pytest.approx(items, abs=1e-9)
    rescaled_means = (100 * (mobi - 1) / 9).mean()
    assert {e.name: e.performance for e in result.indicators} == pytest.approx(
        {item: rescaled_means[item] for item in items}, abs=1e-9)
    # performance is the construct's 0-100 index
    assert result.target_performance == pytest.approx(fit.index[target], abs=1e-9)
    assert [e.importance for e in result.constructs] == sorted((e.importance for e in result.constructs),
                                                               reverse=True)


def test_quadrants_only_where_both_intervals_clear_the_lines(fit: PLSResult) -> None:
    result = ipma(fit, ECSI_CONSTRUCTS, "Loyalty", SCALES)
    for entry in result.constructs:
        assert entry.importance_ci[0] <= entry.importance <= entry.importance_ci[1]
        clear_importance = (entry.importance_ci[0] > result.importance_line
                            or entry.importance_ci[1] < result.importance_line)
        clear_performance = (entry.performance_ci[0] > result.performance_line
                             or entry.performance_ci[1] < result.performance_line)
        assert (entry.quadrant is not None) == (clear_importance and clear_performance), entry.name
    assert any(entry.quadrant is None for entry in result.constructs)


def test_without_a_bootstrap_nothing_is_placed(mobi: pd.DataFrame) -> None:
    result = ipma(pls_pm(mobi, ECSI_CONSTRUCTS, ARROWS, scales=SCALES), ECSI_CONSTRUCTS, "Loyalty", SCALES)
    assert all(e.quadrant is None and e.importance_ci is None for e in result.constructs)
    assert result.warnings


def test_refuses_a_target_without_drivers_or_scales(fit: PLSResult) -> None:
    with pytest.raises(AnalysisError, match="no construct has a path"):
        ipma(fit, ECSI_CONSTRUCTS, "Image", SCALES)
    with pytest.raises(AnalysisError, match="answer scale of every item of"):
        ipma(fit, ECSI_CONSTRUCTS, "Loyalty", {"Loyalty": (1, 10)})


def test_items_of_one_construct_may_have_different_scales(mobi: pd.DataFrame, fit: PLSResult) -> None:
    """A 0-10 recommend item among 1-10 loyalty items: each item is rescaled on its own scale."""
    lows = pd.Series(1.0, index=mobi.columns)
    lows["CUSL3"] = 0.0
    scales = {**SCALES, "CUSL3": (0.0, 10.0)}
    result = ipma(fit, ECSI_CONSTRUCTS, "Loyalty", scales)
    importance, performance, items = reference(mobi, fit, "Loyalty", lows)
    assert {e.name: e.importance for e in result.constructs} == pytest.approx(importance, abs=1e-9)
    assert result.target_performance == pytest.approx(performance["Loyalty"], abs=1e-9)
    assert result.target_performance != pytest.approx(fit.index["Loyalty"], abs=1e-3)
