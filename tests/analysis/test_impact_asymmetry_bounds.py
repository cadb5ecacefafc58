"""Impact asymmetry is a ratio on [-1, 1]: its estimate and its interval stay there, whatever the coefficients."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.trap_attributes import penalty_reward


def _frame(seed: int, effect_low: float, effect_high: float, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    attribute = rng.integers(1, 11, n).astype(float)
    noise = rng.normal(0, 1.5, n)
    overall = 6 + effect_low * (attribute <= 5) + effect_high * (attribute >= 9) + noise
    return pd.DataFrame({"overall": np.clip(np.round(overall), 1, 10), "A": attribute})


def test_a_wrong_signed_penalty_keeps_the_asymmetry_within_its_range():
    # a "penalty" that raises satisfaction: the raw ratio (R - |P|) / (R + |P|) would leave [-1, 1]
    result = penalty_reward(_frame(1, +0.8, 0.6), outcome="overall", attributes=["A"], scales=(1, 10),
                            bootstrap=200, seed=3)
    entry = result.attributes["A"]
    assert "penalty" in entry["wrong_sign"]
    assert entry["impact_asymmetry"] == 1.0  # only the reward acts in the method's direction
    assert entry["ia_ci"] is None or (-1.0 <= entry["ia_ci"][0] <= entry["ia_ci"][1] <= 1.0)


def test_no_effect_either_way_gives_no_interval_and_no_class():
    result = penalty_reward(_frame(2, 0.0, 0.0), outcome="overall", attributes=["A"], scales=(1, 10),
                            bootstrap=200, seed=3)
    entry = result.attributes["A"]
    # about half the draws have a wrong-signed penalty or reward, many both: "no effect" cannot be ruled out
    assert entry["class_confident"] is False
    assert entry["ia_ci"] is None or entry["ia_ci"][1] - entry["ia_ci"][0] > 0.4


def test_a_clear_basic_attribute_is_classed_with_a_bounded_interval():
    result = penalty_reward(_frame(3, -2.5, 0.2), outcome="overall", attributes=["A"], scales=(1, 10),
                            bootstrap=200, seed=3)
    entry = result.attributes["A"]
    assert entry["class"] == "basic" and entry["class_confident"] is True
    assert -1.0 <= entry["ia_ci"][0] <= entry["ia_ci"][1] < -0.2


def test_every_draw_of_many_random_attributes_stays_in_range():
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({code: rng.integers(1, 11, 300).astype(float) for code in "ABCDEFGH"})
    frame["overall"] = np.clip(np.round(5 + 0.3 * (frame["A"] >= 9) + rng.normal(0, 2, 300)), 1, 10)
    result = penalty_reward(frame, outcome="overall", attributes=list("ABCDEFGH"), scales=(1, 10),
                            bootstrap=200, seed=1)
    for code, entry in result.attributes.items():
        assert -1.0 <= entry["impact_asymmetry"] <= 1.0 or np.isnan(entry["impact_asymmetry"]), code
        if entry["ia_ci"] is not None:
            assert -1.0 <= entry["ia_ci"][0] <= entry["ia_ci"][1] <= 1.0, code
        assert entry["impact_range"] >= 0, code


def test_a_small_sample_whose_resamples_turn_singular_still_gives_a_result():
    # 30 respondents, two attributes answered alike but by three people: resamples that miss those three make the
    # two attributes' dummies coincide
    rng = np.random.default_rng(5)
    a = rng.integers(1, 11, 30).astype(float)
    b = a.copy()
    b[:3] = [10.0 if value <= 5 else 1.0 for value in a[:3]]
    frame = pd.DataFrame({"A": a, "B": b, "overall": np.clip(a + rng.normal(0, 1, 30), 1, 10).round()})
    result = penalty_reward(frame, outcome="overall", attributes=["A", "B"], scales=(1, 10), bootstrap=200, seed=1)
    for entry in result.attributes.values():
        assert entry["ia_ci"] is None or -1.0 <= entry["ia_ci"][0] <= entry["ia_ci"][1] <= 1.0


def test_the_shipped_customer_questionnaire_gets_its_whole_trap_diagnosis_on_300_respondents():
    """Each relationship stage's bootstrap runs on a few dozen respondents: no resample may break the part."""
    from analysis.engine import run_analysis
    from analysis.model import ModelSpec
    from instruments.registry import get_instrument
    from instruments.synthetic import synthetic_responses

    instrument = get_instrument("customer_satisfaction")
    spec = ModelSpec.from_dict(instrument.model_spec())
    frame = synthetic_responses(instrument, 300, seed=3)
    numeric = [item.code for item in instrument.items if instrument.scale_of(item).is_numeric()]
    columns = [c for c in [*numeric, spec.trap.get("stage")] if c and c in frame.columns]
    result = run_analysis(frame[columns], spec)
    trap = result["trap"]
    assert "error" not in trap, trap.get("error")
    assert set(trap["stages"]) == {"exploration", "formation", "stability", "decline"}
    for stage in trap["stages"].values():
        assert "basic" in stage and "latent" in stage
