"""The group comparisons the console offers a report: by unit (the default) or, on an identified survey, by an
attribute of the participants list (``attribute:<name>``, read by :func:`survey_app.services.analysis.analyze_survey`
through the same disclosure rule as the units)."""

from __future__ import annotations

import sqlalchemy as sa

from analysis.frames import ATTRIBUTE_PREFIX
from survey_app.extensions import db
from survey_app.models import Invitation, Survey
from survey_app.services.analysis import ANONYMOUS_ATTRIBUTES

#: how much of a refused ``by`` a message repeats (a hand-made URL may carry any text)
QUOTED_CHARS = 64


def attribute_names(survey: Survey) -> list[str]:
    """The attributes of the survey's participants list, lower-case (as the analysis keys them) and sorted; none
    on an anonymous survey."""
    if survey.anonymous:
        return []
    names: set[str] = set()
    for attributes in db.session.scalars(sa.select(Invitation.attributes).where(Invitation.survey_id == survey.id)):
        names.update(str(name).lower() for name in (attributes or {}))
    return sorted(names)


def check_breakdown(survey: Survey, by: str | None) -> str | None:
    """``by`` as a report takes it: None (by unit) or ``attribute:<name>`` of an attribute of the survey's list.

    Raises ValueError with a reason for an anonymous survey, or a name the list does not have.
    """
    if not by:
        return None
    if survey.anonymous:
        raise ValueError(ANONYMOUS_ATTRIBUTES)
    if not by.startswith(ATTRIBUTE_PREFIX) or by.removeprefix(ATTRIBUTE_PREFIX) not in attribute_names(survey):
        raise ValueError(f"{by[:QUOTED_CHARS]!r} is not an attribute of the participants list of survey "
                         f"{survey.slug!r}")
    return by
