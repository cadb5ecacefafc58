"""Answer blocks: a survey's complete answers as typed column arrays, so a large survey is read without parsing JSON.

Every answer of a stored response is JSON text inside its document; reading a million documents means parsing a
million documents, several times longer than the database takes to hand them over. A block copies
:data:`BLOCK_ROWS` complete responses of one survey (consecutive in id order) into column arrays: whole numbers in
the smallest integer type that holds them (a 0-10 scale: one byte per answer), other numbers as float64, anything
else (text, choices, true/false, null) as one JSON list per column; with each response's id, unit and release.
The arrays are kept in one payload (a JSON table of contents and the arrays' bytes, read back as numpy views;
no pickles) in the ``answer_block`` table.

Blocks never go stale: the database deletes the block whose id range an inserted, changed or deleted response falls
in (triggers, migration 0026), in the same transaction as the change. :func:`build_blocks` claims a block's range
before it reads the responses, so no change can slip between reading them and storing their block.

:func:`read_blocks` gives the frame :func:`analysis.frames.responses_frame_by_rows` gives for the same selection:
the rows of the blocks and the few responses outside them (the newest ones, fewer than a block) in id order, each
column of the dtype that reader infers (int64 when every selected answer is a whole number, float64 when a number
is missing or fractional, and otherwise exactly its batch-by-batch inference).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis.documents import decode_document, loads
from analysis.response_rows import RESPONSES, selected, sql

#: complete responses per block; the responses beyond the last full block are read from their documents
BLOCK_ROWS = 25_000
#: no answer to a code (a document without the key), as opposed to an answer that is JSON null
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
#: whole numbers kept as such in a number column; beyond, float64 would not hold every one exactly
_EXACT_IN_FLOAT = 2**53
#: a claimed block (see :func:`build_blocks`) not filled in after this long was left by a process that stopped
ABANDONED_AFTER = timedelta(hours=1)
_INT64 = (-(2**63), 2**63 - 1)

_BLOCKS = sa.table("answer_block", sa.column("id"), sa.column("survey_id"), sa.column("first_id"),
                   sa.column("last_id"), sa.column("rows"), sa.column("payload"),
                   sa.column("built_at", sa.DateTime(timezone=True)))


@dataclass(frozen=True)
class Column:
    """One code's answers in a run of responses.

    ``kind``: "none" (no answer), "int" (every answer a whole number in int64's range), "float" (numbers, some
    fractional; whole ones below 2**53), "text" (every answer a string) or "json" (anything else). ``present``
    marks the answered rows. Numbers: ``numbers`` holds the answers (int kind: integers, 0 where unanswered; float
    kind: float64, NaN where unanswered) and ``fractional`` the float kind's answers that were JSON fractions (1.0
    included). Text and JSON: ``objects`` holds each row's answer or :data:`MISSING`.
    """

    kind: str
    present: np.ndarray
    numbers: np.ndarray | None = None
    fractional: np.ndarray | None = None
    objects: np.ndarray | None = None

    @classmethod
    def unanswered(cls, size: int) -> Column:
        """The column of ``size`` rows none of which has an answer."""
        return cls("none", np.zeros(size, dtype=bool), np.zeros(size, dtype=np.int8))

    def take(self, rows: np.ndarray) -> Column:
        """The column of the selected rows (a boolean mask or positions)."""
        return Column(self.kind, self.present[rows],
                      None if self.numbers is None else self.numbers[rows],
                      None if self.fractional is None else self.fractional[rows],
                      None if self.objects is None else self.objects[rows])

    def as_objects(self) -> np.ndarray:
        """Each row's answer as the Python value its document held, or :data:`MISSING`."""
        if self.objects is not None:
            return self.objects
        objects = np.full(len(self.present), MISSING, dtype=object)
        if self.kind == "int":
            objects[self.present] = self.numbers[self.present].astype(np.int64).tolist()
        elif self.kind == "float":
            fractional = self.fractional & self.present
            whole = self.present & ~self.fractional
            objects[fractional] = self.numbers[fractional].tolist()
            objects[whole] = self.numbers[whole].astype(np.int64).tolist()
        return objects

    def fractions(self) -> np.ndarray:
        """The rows whose answer is a JSON fraction."""
        return self.fractional if self.kind == "float" else np.zeros(len(self.present), dtype=bool)


def _smallest_int(low: int, high: int) -> np.dtype:
    """The smallest integer type holding ``low`` to ``high`` (int64 where numpy would promote a negative number and
    one beyond 32 bits to float64, which loses whole numbers beyond 2**53)."""
    dtype = np.result_type(np.min_scalar_type(low), np.min_scalar_type(high))
    return dtype if dtype.kind in "iu" else np.dtype(np.int64)


def column_of(answers: Sequence[Any]) -> Column:
    """The :class:`Column` of one code's answers (:data:`MISSING` where a document has no such key)."""
    present = np.fromiter((answer is not MISSING for answer in answers), dtype=bool, count=len(answers))
    given = [answer for answer in answers if answer is not MISSING]
    types = {type(answer) for answer in given}
    if not given:
        return Column.unanswered(len(answers))
    if types == {int} and _INT64[0] <= min(given) and max(given) <= _INT64[1]:
        numbers = np.zeros(len(answers), dtype=_smallest_int(min(given), max(given)))
        numbers[present] = given
        return Column("int", present, numbers)
    if types <= {int, float} and all(abs(answer) < _EXACT_IN_FLOAT if type(answer) is int else np.isfinite(answer)
                                     for answer in given):
        numbers = np.full(len(answers), np.nan)
        numbers[present] = given
        fractional = np.zeros(len(answers), dtype=bool)
        fractional[present] = [type(answer) is float for answer in given]
        return Column("float", present, numbers, fractional)
    objects = np.fromiter(answers, dtype=object, count=len(answers))
    return Column("text" if types == {str} else "json", present, objects=objects)


@dataclass(frozen=True)
class Rows:
    """A run of complete responses: ids, unit and release of each (-1 for none), and the columns by code."""

    ids: np.ndarray
    units: np.ndarray
    releases: np.ndarray
    columns: dict[str, Column]

    @classmethod
    def of_documents(cls, ids: Sequence[int], units: Sequence[int | None], releases: Sequence[int | None],
                     documents: Sequence[dict[str, Any]], codes: Iterable[str] | None = None) -> Rows:
        """The rows of decoded documents; every code that occurs, or only ``codes``."""
        if codes is None:
            codes = list(dict.fromkeys(code for document in documents for code in document))
        # pandas' C loop infers int64 for exactly the codes every document answers with a whole number (not true or
        # false, none beyond int64); only the other codes are looked at answer by answer
        inferred = pd.DataFrame.from_records(documents, columns=codes) if documents else None
        columns = {}
        for code in codes:
            if inferred is not None and inferred[code].dtype == np.int64:
                numbers = inferred[code].to_numpy()
                columns[code] = Column("int", np.ones(len(numbers), dtype=bool),
                                       numbers.astype(_smallest_int(numbers.min(), numbers.max())))
            else:
                columns[code] = column_of([document.get(code, MISSING) for document in documents])
        return cls(np.asarray(ids, dtype=np.int64), _numbers_or_minus_one(units), _numbers_or_minus_one(releases),
                   columns)

    def encode(self) -> bytes:
        """The rows as one payload: a JSON table of contents, then the arrays' bytes (see :func:`_pack`)."""
        arrays: dict[str, np.ndarray] = {"ids": self.ids, "units": self.units, "releases": self.releases}
        kinds = {}
        for code, column in self.columns.items():
            kinds[code] = column.kind
            arrays[f"present:{code}"] = np.packbits(column.present)
            if column.kind in ("text", "json"):
                given = column.objects[column.present].tolist()
                arrays[f"json:{code}"] = np.frombuffer(json.dumps(given, ensure_ascii=False).encode(), np.uint8)
            elif column.kind != "none":
                arrays[f"numbers:{code}"] = column.numbers
                if column.kind == "float":
                    arrays[f"fractional:{code}"] = np.packbits(column.fractional)
        return _pack(arrays, {"kinds": kinds})

    @classmethod
    def decode(cls, payload: bytes, codes: Iterable[str]) -> Rows:
        """The rows of a payload :meth:`encode` wrote, with only ``codes`` (a code no row answers: all missing)."""
        arrays, meta = _unpack(payload)
        ids = arrays("ids")
        size = len(ids)
        columns = {}
        for code in codes:
            kind = meta["kinds"].get(code)
            if kind is None or kind == "none":
                columns[code] = Column.unanswered(size)
                continue
            present = np.unpackbits(arrays(f"present:{code}"), count=size).view(bool)
            if kind in ("text", "json"):
                objects = np.full(size, MISSING, dtype=object)
                text = arrays(f"json:{code}").tobytes()
                # orjson reads a whole number beyond 64 bits as a float: only text goes through it
                given = loads(text) if kind == "text" else json.loads(text)
                objects[present] = np.fromiter(given, dtype=object, count=len(given))
                columns[code] = Column(kind, present, objects=objects)
            else:
                fractional = (np.unpackbits(arrays(f"fractional:{code}"), count=size).view(bool)
                              if kind == "float" else None)
                columns[code] = Column(kind, present, arrays(f"numbers:{code}"), fractional)
        return cls(ids, arrays("units"), arrays("releases"), columns)

    def selected(self, unit_ids: Iterable[int] | None, released_through: int | None) -> Rows:
        """The rows of these units, released in this release or earlier (as ``frames._selected`` selects)."""
        keep = np.ones(len(self.ids), dtype=bool)
        if unit_ids is not None:
            keep &= np.isin(self.units, np.fromiter(unit_ids, dtype=np.int64))
        if released_through is not None:
            keep &= (self.releases >= 0) & (self.releases <= released_through)
        if keep.all():
            return self
        return Rows(self.ids[keep], self.units[keep], self.releases[keep],
                    {code: column.take(keep) for code, column in self.columns.items()})


def _pack(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> bytes:
    """One payload of named one-dimensional arrays: 8 bytes giving the length of a JSON table of contents (each
    array's dtype, offset and length, and ``meta``), the table, then the arrays' bytes."""
    contents, offset, chunks = {}, 0, []
    for name, array in arrays.items():
        data = np.ascontiguousarray(array).tobytes()
        contents[name] = [array.dtype.str, offset, len(array)]
        chunks.append(data)
        offset += len(data)
    table = json.dumps({"arrays": contents, "meta": meta}, ensure_ascii=False).encode()
    return b"".join([len(table).to_bytes(8, "little"), table, *chunks])


def _unpack(payload: bytes) -> tuple[Callable[[str], np.ndarray], dict[str, Any]]:
    """A function giving each array of a :func:`_pack` payload by name (a view of the payload, not a copy), and
    the payload's ``meta``."""
    length = int.from_bytes(payload[:8], "little")
    table = json.loads(payload[8:8 + length])
    start = 8 + length

    def array(name: str) -> np.ndarray:
        dtype, offset, count = table["arrays"][name]
        return np.frombuffer(payload, dtype=np.dtype(dtype), count=count, offset=start + offset)

    return array, table["meta"]


def _numbers_or_minus_one(values: Sequence[int | None]) -> np.ndarray:
    return np.fromiter((-1 if value is None else value for value in values), dtype=np.int64, count=len(values))


# -- building ---------------------------------------------------------------------------------------------------

def block_ranges(connection: sa.Connection, survey_id: int, *, claims: bool = False) -> list[tuple[int, int]]:
    """The (first id, last id) of the survey's blocks (and of the ranges being built, with ``claims``), in order."""
    query = (sa.select(_BLOCKS.c.first_id, _BLOCKS.c.last_id).where(_BLOCKS.c.survey_id == survey_id)
             .order_by(_BLOCKS.c.first_id))
    if not claims:
        query = query.where(_BLOCKS.c.rows > 0)
    return [tuple(row) for row in connection.execute(query)]


def _new_ranges(ids: np.ndarray, blocks: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """Id ranges of ``size`` consecutive ``ids`` each, none reaching into a block; the ids left over (fewer than
    ``size`` between two blocks or after the last) stay outside."""
    bounds = [-1, *[edge for first, last in blocks for edge in (first, last)], np.iinfo(np.int64).max]
    ranges = []
    for start, end in zip(bounds[::2], bounds[1::2], strict=True):
        free = ids[(ids > start) & (ids < end)]
        ranges += [(int(free[at]), int(free[at + size - 1])) for at in range(0, len(free) - size + 1, size)]
    return ranges


def build_blocks(engine: sa.Engine, survey_id: int, *, size: int | None = None, now: datetime | None = None) -> int:
    """Store blocks for the survey's complete responses that are in none yet, :data:`BLOCK_ROWS` at a time;
    returns how many were built. Responses beyond the last full block are left to be read from their documents.

    Each block is claimed first: an empty row for its range, inserted while writers are held off (for
    milliseconds), so every later change in the range deletes it (the triggers). The responses are then read and
    the claim filled in, unless a change deleted it meanwhile. A claim a stopped process left behind is cleared
    after :data:`ABANDONED_AFTER` (``now``: the clock, UTC).
    """
    size = size or BLOCK_ROWS
    now = now or datetime.now(UTC)
    abandoned = [_BLOCKS.c.survey_id == survey_id, _BLOCKS.c.rows == 0, _BLOCKS.c.built_at < now - ABANDONED_AFTER]
    # nothing is written unless there is something to build (a report of a small survey only reads)
    with engine.connect() as connection:
        if unblocked(connection, survey_id) < size:
            return 0
        ids = _complete_ids(connection, survey_id)
        if connection.execute(sa.select(sa.func.count()).select_from(_BLOCKS).where(*abandoned)).scalar():
            with engine.begin() as clearing:
                clearing.execute(sa.delete(_BLOCKS).where(*abandoned))
        ranges = _new_ranges(ids, block_ranges(connection, survey_id, claims=True), size)
    built = 0
    for first, last in ranges:
        claim = _claim(engine, survey_id, first, last, now)
        if claim is None:
            continue  # another process claimed it meanwhile
        try:
            with engine.connect() as connection:
                rows = connection.execute(_block_rows(survey_id).where(RESPONSES.c.id.between(first, last))).all()
            block = Rows.of_documents([row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows],
                                      [decode_document(row[3]) for row in rows])
            with engine.begin() as connection:
                built += connection.execute(sa.update(_BLOCKS).where(_BLOCKS.c.id == claim).values(
                    rows=len(rows), payload=block.encode())).rowcount
        except BaseException:
            with engine.begin() as connection:
                connection.execute(sa.delete(_BLOCKS).where(_BLOCKS.c.id == claim))
            raise
    return built


def _claim(engine: sa.Engine, survey_id: int, first: int, last: int, now: datetime) -> int | None:
    """The id of an empty block row for the range, inserted while no other transaction writes responses: any
    change in the range from then on deletes it. None when a block or claim already overlaps the range."""
    with engine.begin() as connection:
        _hold_off_writers(connection)
        taken = connection.execute(sa.select(sa.func.count()).select_from(_BLOCKS).where(
            _BLOCKS.c.survey_id == survey_id, _BLOCKS.c.first_id <= last, _BLOCKS.c.last_id >= first)).scalar()
        if taken:
            return None
        return connection.execute(sa.insert(_BLOCKS).values(
            survey_id=survey_id, first_id=first, last_id=last, rows=0, payload=b"", built_at=now,
        ).returning(_BLOCKS.c.id)).scalar()


def unblocked(connection: sa.Connection, survey_id: int) -> int:
    """How many of the survey's complete responses no block holds (counted, not read)."""
    complete = selected(sa.select(sa.func.count()).select_from(RESPONSES), survey_id, complete_only=True,
                        unit_ids=None, released_through=None).order_by(None)
    held = sa.select(sa.func.coalesce(sa.func.sum(_BLOCKS.c.rows), 0)).where(_BLOCKS.c.survey_id == survey_id)
    return connection.execute(complete).scalar() - connection.execute(held).scalar()


def _complete_ids(connection: sa.Connection, survey_id: int) -> np.ndarray:
    """The ids of the survey's complete responses, in order, as plain numbers from the driver."""
    query = selected(sa.select(RESPONSES.c.id), survey_id, complete_only=True, unit_ids=None, released_through=None)
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(sql(connection, query))
        return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
    finally:
        cursor.close()


def _block_rows(survey_id: int, *, unit_ids: list[int] | None = None, released_through: int | None = None
                ) -> sa.Select:
    """What a block holds of the selected complete responses, in id order."""
    return selected(sa.select(RESPONSES.c.id, RESPONSES.c.unit_id, RESPONSES.c.release_no, RESPONSES.c.answers),
                    survey_id, complete_only=True, unit_ids=unit_ids, released_through=released_through)


def _hold_off_writers(connection: sa.Connection) -> None:
    """Keep every other transaction from inserting, changing or deleting responses until this one ends: a change
    made between reading a block's responses and storing the block would have no block yet to delete."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE response IN SHARE ROW EXCLUSIVE MODE"))
    else:  # SQLite has one writer: a first write statement takes the database's write lock for the transaction
        connection.execute(sa.delete(_BLOCKS).where(sa.false()))


# -- reading ----------------------------------------------------------------------------------------------------

def read_blocks(connection: sa.Connection, survey_id: int, codes: list[str], *, unit_ids: Iterable[int] | None,
                released_through: int | None, batch_rows: int) -> pd.DataFrame | None:
    """The complete responses' frame of ``codes`` (see :mod:`analysis.frames`) from the survey's blocks and the
    documents of the responses outside them; None when the survey has no block."""
    parts = []
    ranges = []
    unit_ids = None if unit_ids is None else list(unit_ids)
    for first, last, payload in connection.execute(_payloads(survey_id)):
        ranges.append((first, last))
        parts.append(Rows.decode(payload, codes).selected(unit_ids, released_through))
    if not ranges:
        return None
    rest = []
    for after, before in _gaps(ranges):
        rest += connection.execute(_outside(_block_rows(survey_id, unit_ids=unit_ids,
                                                        released_through=released_through), after, before)).all()
    if rest:
        parts.append(Rows.of_documents([row[0] for row in rest], [row[1] for row in rest], [row[2] for row in rest],
                                       [decode_document(row[3]) for row in rest], codes))
    return _frame(parts, codes, batch_rows)


def read_block_units(connection: sa.Connection, survey_id: int) -> pd.Series | None:
    """The unit id (-1: none) of the survey's responses the blocks cover (index ``response_id``, int64, in id order):
    each complete response in a block, from its payload (no answer decoded), and every response outside the blocks'
    ranges, from the response table. Responses inside a block's range that the block does not hold (unfinished or
    test responses) are left out. None when the survey has no block."""
    ids, units, ranges = [], [], []
    for first, last, payload in connection.execute(_payloads(survey_id)):
        ranges.append((first, last))
        rows = Rows.decode(payload, ())
        ids.append(rows.ids)
        units.append(rows.units)
    if not ranges:
        return None
    rest = sa.select(RESPONSES.c.id, sa.func.coalesce(RESPONSES.c.unit_id, -1)).where(
        RESPONSES.c.survey_id == survey_id)
    for after, before in _gaps(ranges):
        pairs = np.array(connection.execute(_outside(rest, after, before)).all(), dtype=np.int64).reshape(-1, 2)
        ids.append(pairs[:, 0])
        units.append(pairs[:, 1])
    index = np.concatenate(ids)
    order = np.argsort(index, kind="stable")
    return pd.Series(np.concatenate(units)[order], index=pd.Index(index[order], name="response_id"), name="unit_id")


def _payloads(survey_id: int) -> sa.Select:
    """The survey's built blocks (first id, last id, payload), in id order."""
    return (sa.select(_BLOCKS.c.first_id, _BLOCKS.c.last_id, _BLOCKS.c.payload)
            .where(_BLOCKS.c.survey_id == survey_id, _BLOCKS.c.rows > 0).order_by(_BLOCKS.c.first_id))


def _gaps(ranges: list[tuple[int, int]]) -> Iterator[tuple[int | None, int | None]]:
    """The (after, before) id bounds of the gaps around blocks of these ranges (in order; None: no bound): the
    newest responses, those of a block a change deleted, and the in-progress ones between."""
    yield from zip([None, *[last for _, last in ranges]], [*[first for first, _ in ranges], None], strict=True)


def _outside(query: sa.Select, after: int | None, before: int | None) -> sa.Select:
    """``query`` (of the response table) limited to ids between ``after`` and ``before`` (both excluded; None: no
    bound): one query per gap between blocks, a range of primary keys."""
    if after is not None:
        query = query.where(RESPONSES.c.id > after)
    if before is not None:
        query = query.where(RESPONSES.c.id < before)
    return query


def _frame(parts: list[Rows], codes: list[str], batch_rows: int) -> pd.DataFrame:
    """One frame of the parts' rows in id order, each column as the row-by-row reader infers it."""
    ids = np.concatenate([part.ids for part in parts])
    if not len(ids):
        return empty_frame(codes)
    order = None if (ids[1:] > ids[:-1]).all() else np.argsort(ids, kind="stable")
    index = pd.Index(ids if order is None else ids[order], name="response_id")
    data = {}
    for code in codes:
        columns = [part.columns[code] for part in parts]
        kinds = {column.kind for column in columns} - {"none"}
        if kinds <= {"int", "float"}:
            data[code] = _numbers(columns, order, index)
        else:
            objects = _ordered([column.as_objects() for column in columns], order)
            present = _ordered([column.present for column in columns], order)
            data[code] = (_texts(code, objects, present, index, batch_rows) if kinds == {"text"}
                          else inferred_column(code, objects, index, batch_rows))
    # the columns as they are, not copied into one two-dimensional block (a second copy of every number)
    return pd.DataFrame(data, index=index, columns=codes, copy=False)


def _ordered(arrays: list[np.ndarray], order: np.ndarray | None) -> np.ndarray:
    joined = np.concatenate(arrays) if len(arrays) > 1 else arrays[0]
    return joined if order is None else joined[order]


def empty_frame(codes: list[str] | None) -> pd.DataFrame:
    """The frame of no response: the named columns, an empty ``response_id`` index."""
    return pd.DataFrame(index=pd.Index([], name="response_id", dtype=np.int64), columns=codes)


def _numbers(columns: list[Column], order: np.ndarray | None, index: pd.Index) -> pd.Series:
    """Numbers as the row-by-row reader builds them: int64 when every row has a whole number, else float64 (a batch
    without any answer is float64 NaN there, so batches never change the outcome)."""
    present = _ordered([column.present for column in columns], order)
    whole = not any(column.kind == "float" for column in columns) or not _ordered(
        [column.fractions() for column in columns], order).any()
    # joined in the blocks' own (small) type and converted once: a converted copy per block costs 2-3x as much
    common = np.result_type(*(column.numbers.dtype for column in columns))
    if common.kind == "f" and whole:  # whole numbers of signed and unsigned 64-bit types: numpy would give floats
        common = np.dtype(np.int64)
    joined = _ordered([column.numbers.astype(common, copy=False) for column in columns], order)
    if whole and present.all():
        return pd.Series(joined.astype(np.int64), index=index)
    numbers = joined.astype(np.float64)
    numbers[~present] = np.nan
    return pd.Series(numbers, index=index)


def _texts(code: str, objects: np.ndarray, present: np.ndarray, index: pd.Index, batch_rows: int) -> pd.Series:
    """Text answers as the row-by-row reader builds them: each batch with an answer a ``str`` column (NaN where
    unanswered), a batch without any a float64 column of NaN, then joined."""
    texts = np.where(present, objects, np.nan)
    starts = np.arange(0, len(objects), batch_rows)
    if np.add.reduceat(present, starts).all():  # every batch has an answer: str throughout
        return pd.Series(texts, index=index, dtype="str", name=code)
    parts = [pd.Series(texts[start:start + batch_rows], index=index[start:start + batch_rows], name=code,
                       dtype="str" if present[start:start + batch_rows].any() else np.float64)
             for start in starts]
    return pd.concat(parts) if len(parts) > 1 else parts[0]


def inferred_column(code: str, objects: np.ndarray, index: pd.Index, batch_rows: int) -> pd.Series:
    """Answers of any kind (:data:`MISSING` where there is none), inferred batch by batch by
    ``DataFrame.from_records`` as the row-by-row reader does."""
    parts = []
    for start in range(0, len(objects), batch_rows):
        records = [{} if answer is MISSING else {code: answer} for answer in objects[start:start + batch_rows]]
        parts.append(pd.DataFrame.from_records(records, index=index[start:start + batch_rows], columns=[code])[code])
    return pd.concat(parts) if len(parts) > 1 else parts[0]
