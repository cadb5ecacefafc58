"""Reading survey responses from the database into a tidy DataFrame (the only analysis module that knows the DB).

It speaks SQLAlchemy Core to the ``response`` table, not the Flask app, so analysis stays importable without
Flask. :func:`responses_frame_by_rows` streams rows in batches (a server-side cursor on PostgreSQL) and each
batch's JSON documents become column arrays before the next batch is read; :func:`responses_frame` returns the
same frame with the database doing the work it does best (PostgreSQL's COPY and JSONB operators; SQLite's stored
text handed to a fast parser).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import orjson
import pandas as pd
import sqlalchemy as sa

from analysis.answer_blocks import BLOCK_ROWS, MISSING, empty_frame, inferred_column, read_block_units, read_blocks
from analysis.documents import decode_document, loads
from analysis.response_rows import INVITATIONS, RESPONSES, selected, sql

BATCH_ROWS = 10_000

#: the column name of an invitee attribute in :func:`attributes_frame` (and the ``by`` that groups by it)
ATTRIBUTE_PREFIX = "attribute:"


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
    """One row per response (index ``response_id``), one column per item code: the frame of
    :func:`responses_frame_by_rows` with the same arguments, read without a Python object per document where the
    database allows.

    A survey with answer blocks (with ``columns``, complete responses only, and not just a few units' responses,
    fewer than a block): the blocks' typed columns and the documents of the few responses outside them
    (:mod:`analysis.answer_blocks`). Otherwise, PostgreSQL (with
    ``columns``): the server takes the named answers out of the documents and sends one CSV line
    per response (``COPY ... TO STDOUT``), each answer as its JSON text; pandas' CSV parser turns the numbers into
    int64 or float64 columns as ``DataFrame.from_records`` infers them (a number keeps the text it was stored as,
    so it parses to the float ``json.loads`` gives), and only the other answers (text, choices, lists) are decoded
    one by one (by orjson), per column. SQLite: the documents' text straight from the driver, parsed by orjson, a
    batch at a time, into frames as :func:`responses_frame_by_rows` builds them. Anything else is
    :func:`responses_frame_by_rows` itself. ``progress`` hears the number of rows read after each batch (on
    PostgreSQL once, at the end).
    """
    wanted = list(columns) if columns is not None else None
    unit_ids = list(unit_ids) if unit_ids is not None else None
    options = {"complete_only": complete_only, "unit_ids": unit_ids, "released_through": released_through}
    dialect = connection.dialect.name
    if wanted and complete_only and sa.inspect(connection).has_table("answer_block") \
            and (unit_ids is None or _count(connection, survey_id, unit_ids) >= BLOCK_ROWS):
        # a few units' responses (a unit report) are fewer documents to parse than blocks to go through
        frame = read_blocks(connection, survey_id, wanted, unit_ids=unit_ids, released_through=released_through,
                            batch_rows=BATCH_ROWS)
        if frame is not None:
            if progress is not None:
                progress(len(frame))
            return frame
    if dialect == "postgresql" and wanted and all(_PLAIN_KEY.fullmatch(code) for code in wanted):
        frame = _postgresql_frame(connection, survey_id, wanted, options)
        if frame is not None and progress is not None:
            progress(len(frame))
    elif dialect == "sqlite":
        frame = _sqlite_frame(connection, survey_id, wanted, options, progress)
    else:
        frame = None
    if frame is None:
        return responses_frame_by_rows(connection, survey_id, columns=wanted, progress=progress, **options)
    return frame


#: keys PostgreSQL may be sent as they are, in a statement (item codes are such names)
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")


def _count(connection: sa.Connection, survey_id: int, unit_ids: list[int]) -> int:
    """How many complete responses these units have (from the index on survey, status and unit)."""
    query = selected(sa.select(sa.func.count()).select_from(RESPONSES), survey_id, complete_only=True,
                     unit_ids=unit_ids, released_through=None)
    return connection.execute(query.order_by(None)).scalar()


def _frame_of(parts: list[pd.DataFrame], wanted: list[str] | None) -> pd.DataFrame:
    """The batches' frames as one, as :func:`responses_frame_by_rows` joins them."""
    if not parts:
        return empty_frame(wanted)
    return parts[0] if len(parts) == 1 else pd.concat(parts)


def _postgresql_frame(connection: sa.Connection, survey_id: int, wanted: list[str],
                      options: dict[str, Any]) -> pd.DataFrame | None:
    """The frame from ``COPY (SELECT id, answers -> code, ...) TO STDOUT (FORMAT csv)``; None without rows."""
    answers = RESPONSES.c.answers
    cells = [answers.op("->")(sa.cast(sa.literal(code), sa.Text)) for code in wanted]
    query = sql(connection, selected(sa.select(RESPONSES.c.id, *cells), survey_id, **options))
    buffer = io.BytesIO()
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                buffer.write(block)
    if not buffer.tell():
        return None
    buffer.seek(0)
    # an empty field is no answer; any other text is an answer's JSON (null included), so only '' is missing
    frame = pd.read_csv(buffer, header=None, names=["response_id", *wanted], index_col=0, na_values=[""],
                        keep_default_na=False, encoding="utf-8")
    del buffer
    for code in wanted:
        if frame[code].dtype.kind not in "iuf":  # text, choices, lists, true/false or null: decoded one by one
            frame[code] = _decoded(frame[code])
    return frame


def _decoded(texts: pd.Series) -> pd.Series:
    """A column of answers' JSON texts (NaN where there is no answer, booleans already parsed by the CSV
    reader) as :func:`responses_frame_by_rows` builds it: batch by batch, each inferred by ``from_records``."""
    objects = np.fromiter((MISSING if isinstance(text, float) else _answer_json(text)
                           for text in texts.to_numpy(dtype=object)), dtype=object, count=len(texts))
    return inferred_column(str(texts.name), objects, texts.index, BATCH_ROWS)


def _answer_json(text: object) -> object:
    """An answer's JSON text as its value; what the CSV reader already parsed (true or false, a column of whole
    numbers beyond 64 bits, which it reads exactly) as it is."""
    if isinstance(text, bool | np.bool_ | int):
        return text
    return loads(text)


def _sqlite_frame(connection: sa.Connection, survey_id: int, wanted: list[str] | None, options: dict[str, Any],
                  progress: Callable[[int], None] | None) -> pd.DataFrame | None:
    """The frame from the documents' text as SQLite stores it, parsed by orjson batch by batch; None when a
    document holds what orjson does not read (NaN, a number beyond 64 bits)."""
    query = sql(connection, selected(sa.select(RESPONSES.c.id, RESPONSES.c.answers), survey_id, **options))
    cursor = connection.connection.driver_connection.cursor()
    parts = []
    try:
        cursor.execute(query)
        while batch := cursor.fetchmany(BATCH_ROWS):
            ids = np.fromiter((row[0] for row in batch), dtype=np.int64, count=len(batch))
            try:
                documents = [orjson.loads(row[1]) if row[1] is not None else {} for row in batch]
            except orjson.JSONDecodeError:
                return None
            parts.append(pd.DataFrame.from_records(documents, index=pd.Index(ids, name="response_id"),
                                                   columns=wanted))
            del documents, batch
            if progress is not None:
                progress(sum(len(part) for part in parts))
    finally:
        cursor.close()
    return _frame_of(parts, wanted)


def responses_frame_by_rows(
    connection: sa.Connection,
    survey_id: int,
    *,
    columns: Iterable[str] | None = None,
    complete_only: bool = True,
    unit_ids: Iterable[int] | None = None,
    released_through: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """One row per response (index ``response_id``), one column per item code, each document decoded in Python.

    The general reader: it finds every code that occurs (``columns`` None) and reads any kind of answer.
    :func:`responses_frame` returns the same frame faster when the caller names the columns.

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
    query = selected(sa.select(RESPONSES.c.id, RESPONSES.c.answers), survey_id, complete_only=complete_only,
                      unit_ids=unit_ids, released_through=released_through)
    wanted = list(columns) if columns is not None else None
    # A batch at a time: its documents become a frame of column arrays (float64 for numbers) and are dropped
    # before the next batch is read, so at most BATCH_ROWS answer dicts are alive, never one per response.
    parts: list[pd.DataFrame] = []
    read = 0
    result = connection.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(query)
    for batch in result.partitions(BATCH_ROWS):
        ids = np.fromiter((row[0] for row in batch), dtype=np.int64, count=len(batch))
        documents = [decode_document(row[1]) for row in batch]
        parts.append(pd.DataFrame.from_records(documents, index=pd.Index(ids, name="response_id"),
                                               columns=wanted))
        del documents, batch
        read += len(ids)
        if progress is not None:
            progress(read)
    return _frame_of(parts, wanted)


#: a unit's names are looked up by these response ids (a unit report); more, by the surveys' every response
UNIT_LOOKUP_IDS = 50_000


def response_units(connection: sa.Connection, survey_ids: Iterable[int],
                   response_ids: Iterable[int] | None = None) -> pd.Series:
    """The unit id of each response of the surveys that has a unit (index ``response_id``, int64), fetched as
    plain tuples by the driver: a survey of a million responses is a million pairs of numbers. With
    ``response_ids``, only those responses': up to :data:`UNIT_LOOKUP_IDS` looked up by their ids; more (a whole
    survey's report) taken from the surveys' answer blocks where they all have some, which hold each complete
    response's unit (:func:`analysis.answer_blocks.read_block_units`)."""
    survey_ids = list(survey_ids)
    query = (sa.select(RESPONSES.c.id, RESPONSES.c.unit_id)
             .where(RESPONSES.c.survey_id.in_(survey_ids), RESPONSES.c.unit_id.is_not(None)))
    wanted = None if response_ids is None else _unique_ids(response_ids)
    if wanted is not None and len(wanted) > UNIT_LOOKUP_IDS and sa.inspect(connection).has_table("answer_block"):
        units = _block_units(connection, query, survey_ids, wanted)
        if units is not None:
            return units
    return _units(connection, query, wanted)


def _unique_ids(ids: Iterable[int]) -> np.ndarray:
    """The distinct ids in order: an index or array as it is (a million ids in a frame's order are already
    distinct and in order, which a look costs 1 ms and sorting them 0.6 s), anything else a number at a time."""
    array = (np.asarray(ids, dtype=np.int64) if isinstance(ids, np.ndarray | pd.Index | pd.Series)
             else np.fromiter(ids, dtype=np.int64))
    return array if (array[1:] > array[:-1]).all() else np.unique(array)


def _block_units(connection: sa.Connection, query: sa.Select, survey_ids: list[int],
                 wanted: np.ndarray) -> pd.Series | None:
    """:func:`response_units` of many ``wanted`` ids of surveys that all have answer blocks: the blocks' units, and
    the few ids they do not cover looked up by id; None when a survey has no block or too many ids are left."""
    known = []
    for survey_id in survey_ids:
        units = read_block_units(connection, survey_id)
        if units is None:
            return None
        known.append(units[units.index.isin(wanted)])
    units = pd.concat(known) if len(known) > 1 else known[0]
    left = np.setdiff1d(wanted, units.index.to_numpy(), assume_unique=True)
    if len(left) > UNIT_LOOKUP_IDS:
        return None
    units = units[units.to_numpy() >= 0]
    if not len(left):
        return units
    return pd.concat([units, _units(connection, query, left)]).sort_index()


def _units(connection: sa.Connection, query: sa.Select, wanted: np.ndarray | None) -> pd.Series:
    """The (response id, unit id) pairs of ``query``, only the ``wanted`` ids' (a thousand at a time) when there are
    at most :data:`UNIT_LOOKUP_IDS` of them, as a series by response id."""
    if wanted is not None and len(wanted) <= UNIT_LOOKUP_IDS:
        # a few thousand ids written into the statement (numbers only), a thousand at a time
        statements = [query.where(RESPONSES.c.id.in_(wanted[start:start + 1000].tolist()))
                      for start in range(0, len(wanted), 1000)]
    else:
        statements = [query]
    cursor = connection.connection.driver_connection.cursor()
    rows: list[tuple[int, int]] = []
    try:
        for statement in statements:
            cursor.execute(sql(connection, statement))
            rows += cursor.fetchall()
    finally:
        cursor.close()
    pairs = np.array(rows, dtype=np.int64).reshape(-1, 2)
    return pd.Series(pairs[:, 1], index=pd.Index(pairs[:, 0], name="response_id"), name="unit_id")


def attributes_frame(connection: sa.Connection, survey_ids: Iterable[int]) -> pd.DataFrame:
    """The attributes of the invitee behind each response made through a personal link (index ``response_id``),
    one column per attribute named ``attribute:<name>`` (names lower-case, as the participants list keys them).

    Attributes come from the participants list, never from answers. A response keeps its invitation only on an
    identified survey (an anonymous one forgets it on submission), so only identified surveys' responses have
    attributes; responses without an invitation, or without the attribute, are NaN.

    Example: ``attributes_frame(connection, [survey_id])["attribute:team"]``.
    """
    query = (sa.select(RESPONSES.c.id, INVITATIONS.c.attributes)
             .join(INVITATIONS, INVITATIONS.c.id == RESPONSES.c.invitation_id)
             .where(RESPONSES.c.survey_id.in_(list(survey_ids)), RESPONSES.c.is_test.is_(sa.false()))
             .order_by(RESPONSES.c.id))
    ids, records = [], []
    for response_id, raw in connection.execute(query):
        attributes = decode_document(raw)
        if attributes:
            ids.append(response_id)
            records.append({ATTRIBUTE_PREFIX + str(name).lower(): value for name, value in attributes.items()
                            if value not in (None, "")})
    return pd.DataFrame.from_records(records, index=pd.Index(np.asarray(ids, dtype=np.int64), name="response_id"))
