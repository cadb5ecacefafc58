"""The dashboard's comment themes read through the disclosure gate and show only groups of at least k."""

from __future__ import annotations

import pytest

from analysis.text.samples import EN_CUSTOMER, EN_THEMES, ZH_CUSTOMER, ZH_THEMES
from survey_app.extensions import db
from survey_app.services.dashboard import comment_themes
from survey_app.services.disclosure import Gate
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import create_survey
from survey_app.services.synthetic import add_synthetic_responses

PHRASES = {phrase for bank in (ZH_THEMES, EN_THEMES, ZH_CUSTOMER, EN_CUSTOMER) for tones in bank.values()
           for phrases in tones.values() for phrase in phrases}


@pytest.fixture(params=["sqlite"])
def database_url(request, tmp_path):
    from tests.conftest import new_database

    yield from new_database(request, tmp_path)


def test_identified_survey_shows_themes_and_tone(app):
    with app.app_context():
        sync_instruments()
        survey = create_survey(slug="staff", instrument_keys=["employee_satisfaction"])
        add_synthetic_responses(survey, 120, seed=5)
        db.session.flush()
        panels = comment_themes(survey, "zh")
    assert len(panels) == 1
    panel = panels[0]
    assert panel["question"] == "有什么能让这里成为更好的工作场所？"
    assert panel["n"] >= 5 and sum(panel["sentiment"].values()) == pytest.approx(100, abs=2)
    assert panel["themes"] and all(theme["terms"] for theme in panel["themes"])
    assert "quotes" not in panel["themes"][0]  # the dashboard shows what people write about, not what they wrote


def test_the_same_comments_are_themed_once_per_process(app, monkeypatch):
    from survey_app.services import dashboard

    calls = []
    fit = dashboard.comment_analysis
    monkeypatch.setattr(dashboard, "comment_analysis", lambda *args, **kwargs: calls.append(1) or fit(*args, **kwargs))
    dashboard._themes.cache_clear()
    with app.app_context():
        sync_instruments()
        survey = create_survey(slug="staff", instrument_keys=["employee_satisfaction"])
        add_synthetic_responses(survey, 40, seed=5)
        db.session.flush()
        first = comment_themes(survey, "zh")
        assert comment_themes(survey, "en")[0]["themes"] == first[0]["themes"] and len(calls) == 1
        add_synthetic_responses(survey, 10, seed=8)  # a new comment: themed anew
        db.session.flush()
        comment_themes(survey, "zh")
    assert len(calls) == 2


def test_demo_comments_are_varied_with_their_tone(app):
    with app.app_context():
        sync_instruments()
        survey = create_survey(slug="shop", instrument_keys=["customer_satisfaction"])
        add_synthetic_responses(survey, 120, seed=6)
        db.session.flush()
        from survey_app.models import Response

        comments = [value for response in db.session.query(Response).filter_by(survey_id=survey.id)
                    for value in response.answers.values() if isinstance(value, str) and len(value) > 8]
    assert len(set(comments)) > 20
    assert any(any(phrase in comment for phrase in PHRASES) for comment in comments)


def test_anonymous_survey_before_any_release_shows_nothing(app):
    with app.app_context():
        sync_instruments()
        survey = create_survey(slug="anon", instrument_keys=["employee_satisfaction"], anonymous=True)
        add_synthetic_responses(survey, 3, seed=7)  # fewer than k: nothing can be released
        db.session.flush()
        assert comment_themes(survey, "en") == []


def test_report_quotes_pass_through_the_gate(app, monkeypatch):
    from survey_app.services import analysis

    seen = {}
    real = analysis.run_analysis

    def spy(*args, **kwargs):
        seen["redact"] = kwargs.get("redact")
        return real(*args, **kwargs)

    monkeypatch.setattr(analysis, "run_analysis", spy)
    with app.app_context():
        sync_instruments()
        survey = create_survey(slug="named", instrument_keys=["employee_satisfaction"])
        add_synthetic_responses(survey, 60, seed=8)
        db.session.commit()  # the analysis reads the responses on a connection of its own
        result = analysis.analyze_survey(survey)
    assert seen["redact"].__func__ is Gate.comment  # the gate's one rule: redacted when anonymous, as written else
    assert result["text"]["columns"] == ["COMMENT"]
