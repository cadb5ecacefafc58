"""The ``response`` table as the readers of :mod:`analysis` see it (SQLAlchemy Core, no app models), and the one
rule of which responses a read selects."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

RESPONSES = sa.table(
    "response",
    sa.column("id"),
    sa.column("survey_id"),
    sa.column("status"),
    sa.column("unit_id"),
    sa.column("answers"),
    sa.column("release_no"),
    sa.column("is_test"),
    sa.column("invitation_id"),
)
INVITATIONS = sa.table("invitation", sa.column("id"), sa.column("attributes"))


def selected(query: sa.Select, survey_id: int, *, complete_only: bool, unit_ids: Iterable[int] | None,
              released_through: int | None) -> sa.Select:
    """``query`` limited to the survey's responses that the arguments select, in the order of their ids."""
    query = query.where(RESPONSES.c.survey_id == survey_id, RESPONSES.c.is_test.is_(sa.false()))
    if complete_only:
        query = query.where(RESPONSES.c.status == "complete")
    if unit_ids is not None:
        query = query.where(RESPONSES.c.unit_id.in_(list(unit_ids)))
    if released_through is not None:
        query = query.where(RESPONSES.c.release_no.is_not(None), RESPONSES.c.release_no <= released_through)
    return query.order_by(RESPONSES.c.id)


def sql(connection: sa.Connection, query: sa.Select) -> str:
    """The statement with its values written in (numbers and item codes: nothing a respondent typed)."""
    return str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
