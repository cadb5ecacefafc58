"""analyze_survey on surveys in the database: trends over the earlier waves of a series, the heatmap by unit."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from analysis.frames import responses_frame
from survey_app.extensions import db
from survey_app.models import Response, Survey, Unit
from survey_app.services.analysis import analyze_survey
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import create_next_wave, create_survey, get_survey
from survey_app.services.synthetic import add_synthetic_responses


def test_a_later_wave_gets_trends_and_its_own_figures(app, runner, tmp_path):
    with app.app_context():
        sync_instruments()
        first = create_survey(slug="csat-2025", instrument_keys=["customer_satisfaction"])
        add_synthetic_responses(first, 30, seed=1)
        second = create_next_wave(first, slug="csat-2026")
        add_synthetic_responses(second, 20, seed=2)
        db.session.commit()
        result = analyze_survey(get_survey("csat-2026"))
        with db.engine.connect() as connection:
            earlier = responses_frame(connection, get_survey("csat-2025").id)
            later = responses_frame(connection, get_survey("csat-2026").id)
        alone = analyze_survey(get_survey("csat-2025"))
    assert result["n"] == 20  # every part but the trends is this wave's
    trends = result["trends"]
    assert trends["waves"] == ["1", "2"] and trends["n"] == {"1": 30, "2": 20}
    levels = {(row["wave"], row["measure"]): row for row in trends["levels"]}
    satisfaction = result["model"]["constructs"]["Satisfaction"]
    # by hand: the mean over respondents of their mean Satisfaction item, per wave
    for wave, frame in (("1", earlier), ("2", later)):
        by_hand = frame[satisfaction].astype(float).mean(axis=1).mean()
        assert abs(levels[(wave, "Satisfaction")]["mean"] - by_hand) < 1e-9
    assert abs(levels[("2", "Satisfaction")]["mean"] - result["constructs"]["Satisfaction"]["mean"]) < 1e-9
    change = next(row for row in trends["changes"] if row["measure"] == "Satisfaction")
    assert abs(change["change"] - (levels[("2", "Satisfaction")]["mean"] - levels[("1", "Satisfaction")]["mean"])) \
        < 1e-12
    nps = {row["wave"]: row for row in trends["nps"]}
    assert abs(nps["2"]["score"] - result["nps"]["score"]) < 1e-9
    assert trends["drivers_by_wave"]["rows"]
    # the first wave alone has no series history: no trends
    assert "trends" not in alone and alone["n"] == 30
    json.dumps(result, allow_nan=False)


def test_employee_survey_has_a_heatmap_by_unit_name_at_its_minimum_group_size(app):
    with app.app_context():
        sync_instruments()
        survey = create_survey(slug="staff", instrument_keys=["employee_satisfaction"], anonymous=True)
        add_synthetic_responses(survey, 80, seed=4)
        db.session.commit()
        counts = dict(db.session.execute(
            sa.select(Unit.name, sa.func.count(Response.id)).join(Unit, Response.unit_id == Unit.id)
            .where(Response.survey_id == survey.id).group_by(Unit.name)
        ).all())
        result = analyze_survey(survey)
        survey.min_group_size = 1000
        db.session.commit()
        with pytest.raises(ValueError, match="fewer than 1000 responses"):  # nothing at all is shown then
            analyze_survey(db.session.scalar(sa.select(Survey).filter_by(slug="staff")))
    heatmap = result["heatmap"]
    assert heatmap["by"] == "unit" and heatmap["k"] == 5
    assert set(heatmap["groups"]) == set(counts) and len(counts) >= 2
    for cell in heatmap["cells"]:
        if cell["facet"] == "Pay":
            assert cell["n"] == counts[cell["group"]]
            if counts[cell["group"]] < 5:
                assert not cell["shown"] and cell["reason"] == "small"
            elif not cell["shown"]:
                assert cell["reason"] == "complementary"
    assert result["groups"]["suppression"]["k"] == 5

