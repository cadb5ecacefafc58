"""Running the analysis engine on a survey in the database, with the model its instrument defines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analysis.engine import run_analysis
from analysis.frames import responses_frame
from analysis.model import ModelSpec
from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.services.surveys import instrument_of


def analyze_survey(
    survey: Survey, *, by: str | None = None, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """The RESULT dict of ``python -m analysis`` for a survey's complete responses (no hand-written model)."""
    instrument = instrument_of(survey)
    spec = ModelSpec.from_dict(instrument.model_spec(), source=f"instrument {instrument.id}")
    with db.engine.connect() as connection:
        frame = responses_frame(connection, survey.id)
    if by is not None and by not in frame.columns:
        raise ValueError(f"--by {by!r} is not an item of survey {survey.slug!r}")
    numeric = [item.code for item in instrument.items if instrument.scale_of(item).is_numeric()]
    keep = [code for code in numeric if code in frame.columns]
    if by is not None and by not in keep:
        keep.append(by)
    return run_analysis(frame[keep], spec, by=by, progress=progress)
