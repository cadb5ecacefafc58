"""Reading survey responses from the database into a tidy DataFrame (the only analysis module that knows the DB).

It speaks SQLAlchemy Core to the ``response`` table, not the Flask app, so analysis stays importable without
Flask. Rows are streamed in batches (a server-side cursor on PostgreSQL) and each batch's JSON documents become
column arrays before the next batch is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import sqlalchemy as sa

BATCH_ROWS = 10_000

_RESPONSES = sa.table(
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
_INVITATIONS = sa.table("invitation", sa.column("id"), sa.column("attributes"))
#: the column name of an invitee attribute in :func:`attributes_frame` (and the ``by`` that groups by it)
ATTRIBUTE_PREFIX = "attribute:"


def _decode(raw: object) -> dict:
    # SQLite hands back JSON text, psycopg already-decoded dicts.
    if isinstance(raw, (str, bytes)):
        return json.loads(raw)
    return raw or {}


def responses_frame(
    connection: sa.Connection,
    survey_id: int,
    *,
    columns: Iterable[str] | None = None,
    complete_only: bool = True,
    unit_ids: Iterable[int] | None = None,
    released_through: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """One row per response (index ``response_id``), one column per item code.

    Parameters
    ----------
    connection : an open SQLAlchemy connection to the survey database.
    survey_id : the survey whose responses to read.
    columns : item codes to keep (default: every code that occurs); missing answers are NaN.
    complete_only : only submitted responses (default) or also partial ones. Test responses (made in a preview of
        the survey) are never read.
    unit_ids : only responses from these units (e.g. a unit and the units below it).
    released_through : only responses released in this release or an earlier one (anonymous surveys show
        answers in batches; see ``analysis.releases``).
    progress : called with the number of rows read so far after each batch.
    """
    query = sa.select(_RESPONSES.c.id, _RESPONSES.c.answers).where(_RESPONSES.c.survey_id == survey_id,
                                                                   _RESPONSES.c.is_test.is_(sa.false()))
    if complete_only:
        query = query.where(_RESPONSES.c.status == "complete")
    if unit_ids is not None:
        query = query.where(_RESPONSES.c.unit_id.in_(list(unit_ids)))
    if released_through is not None:
        query = query.where(_RESPONSES.c.release_no.is_not(None), _RESPONSES.c.release_no <= released_through)
    query = query.order_by(_RESPONSES.c.id)
    wanted = list(columns) if columns is not None else None
    # A batch at a time: its documents become a frame of column arrays (float64 for numbers) and are dropped
    # before the next batch is read, so at most BATCH_ROWS answer dicts are alive, never one per response.
    parts: list[pd.DataFrame] = []
    read = 0
    result = connection.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(query)
    for batch in result.partitions(BATCH_ROWS):
        ids = np.fromiter((row[0] for row in batch), dtype=np.int64, count=len(batch))
        documents = [_decode(row[1]) for row in batch]
        parts.append(pd.DataFrame.from_records(documents, index=pd.Index(ids, name="response_id"),
                                               columns=wanted))
        del documents, batch
        read += len(ids)
        if progress is not None:
            progress(read)
    if not parts:
        return pd.DataFrame(index=pd.Index([], name="response_id", dtype=np.int64), columns=wanted)
    return parts[0] if len(parts) == 1 else pd.concat(parts)


def attributes_frame(connection: sa.Connection, survey_ids: Iterable[int]) -> pd.DataFrame:
    """The attributes of the invitee behind each response made through a personal link (index ``response_id``),
    one column per attribute named ``attribute:<name>`` (names lower-case, as the participants list keys them).

    Attributes come from the participants list, never from answers. A response keeps its invitation only on an
    identified survey (an anonymous one forgets it on submission), so only identified surveys' responses have
    attributes; responses without an invitation, or without the attribute, are NaN.

    Example: ``attributes_frame(connection, [survey_id])["attribute:team"]``.
    """
    query = (sa.select(_RESPONSES.c.id, _INVITATIONS.c.attributes)
             .join(_INVITATIONS, _INVITATIONS.c.id == _RESPONSES.c.invitation_id)
             .where(_RESPONSES.c.survey_id.in_(list(survey_ids)), _RESPONSES.c.is_test.is_(sa.false()))
             .order_by(_RESPONSES.c.id))
    ids, records = [], []
    for response_id, raw in connection.execute(query):
        attributes = _decode(raw)
        if attributes:
            ids.append(response_id)
            records.append({ATTRIBUTE_PREFIX + str(name).lower(): value for name, value in attributes.items()
                            if value not in (None, "")})
    return pd.DataFrame.from_records(records, index=pd.Index(np.asarray(ids, dtype=np.int64), name="response_id"))
