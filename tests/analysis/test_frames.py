"""analysis.frames.responses_frame: batches of JSON documents become one tidy frame, on a plain SQLite table."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analysis import frames

DOCUMENTS = [
    {"SAT": 8, "NPS": 10}, {"SAT": 3}, {"NPS": 0, "COMMENT": "slow"}, {"SAT": 10, "NPS": 9},
    {"SAT": 7, "NPS": 7, "CHANNELS": ["web", "app"]}, {"SAT": 5, "NPS": 6}, {"SAT": 9}, {"NPS": 8},
    {"SAT": 6, "NPS": 5}, {"SAT": 4, "NPS": 3},
]


@pytest.fixture
def connection(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'frames.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE response (id INTEGER PRIMARY KEY, survey_id INTEGER, status TEXT, "
                             "unit_id INTEGER, answers TEXT, is_test BOOLEAN NOT NULL DEFAULT 0)"))
        for i, document in enumerate(DOCUMENTS):
            conn.execute(sa.text("INSERT INTO response (id, survey_id, status, unit_id, answers) "
                                 "VALUES (:id, 1, :status, :unit, :answers)"),
                         {"id": 100 + i, "status": "in_progress" if i == 9 else "complete",
                          "unit": 1 + i % 2, "answers": json.dumps(document)})
        # a response made in the owner's preview: complete, and never read
        conn.execute(sa.text("INSERT INTO response (id, survey_id, status, unit_id, answers, is_test) "
                             "VALUES (200, 1, 'complete', 1, '{\"SAT\": 1}', 1)"))
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def test_test_responses_are_never_read(connection):
    frame = frames.responses_frame(connection, 1, columns=["SAT"], complete_only=False)
    assert 200 not in frame.index and len(frame) == len(DOCUMENTS)


def test_batches_give_the_same_frame_as_one_read(connection, monkeypatch):
    whole = frames.responses_frame(connection, 1, columns=["SAT", "NPS"])
    monkeypatch.setattr(frames, "BATCH_ROWS", 4)
    seen: list[int] = []
    batched = frames.responses_frame(connection, 1, columns=["SAT", "NPS"], progress=seen.append)
    pd.testing.assert_frame_equal(batched, whole)
    assert seen == [4, 8, 9]  # progress after each batch; the in-progress response is left out
    assert list(batched.index) == list(range(100, 109)) and batched.index.name == "response_id"
    assert batched["SAT"].dtype == np.float64  # numbers become float columns (NaN where not answered)
    assert batched.loc[102, "NPS"] == 0 and np.isnan(batched.loc[102, "SAT"])
    assert batched["SAT"].sum() == 8 + 3 + 10 + 7 + 5 + 9 + 6


def test_every_code_when_no_columns_are_named_and_filters(connection, monkeypatch):
    monkeypatch.setattr(frames, "BATCH_ROWS", 3)
    everything = frames.responses_frame(connection, 1, complete_only=False)
    assert set(everything.columns) == {"SAT", "NPS", "COMMENT", "CHANNELS"} and len(everything) == 10
    assert everything.loc[104, "CHANNELS"] == ["web", "app"] and everything.loc[102, "COMMENT"] == "slow"
    unit_two = frames.responses_frame(connection, 1, unit_ids=[2])
    assert list(unit_two.index) == [101, 103, 105, 107]


def test_a_survey_without_responses_gives_an_empty_frame_with_the_columns(connection):
    empty = frames.responses_frame(connection, 2, columns=["SAT", "NPS"])
    assert empty.empty and list(empty.columns) == ["SAT", "NPS"] and empty.index.name == "response_id"


#: answers of every kind, for the fast reader against the row-by-row one: whole numbers, decimals that only a
#: round trip keeps, missing answers and JSON nulls, text with the CSV format's own characters, numbers written as
#: text, lists, true/false and a column no response answers
KINDS = [
    {"SAT": 8, "NPS": 10, "W": 0.1, "TXT": "plain", "NUMTXT": "1", "FLAG": True, "MIX": 1},
    {"SAT": 3, "W": 2.675, "TXT": 'a "quoted", comma\nand a new line', "NUMTXT": "2", "MIX": "two"},
    {"NPS": 0, "W": 1e-07, "TXT": "中文，逗号", "LIST": ["web", "app"], "FLAG": False, "NULLS": None},
    {"SAT": 10, "NPS": None, "W": 0.30000000000000004, "TXT": None, "NUMTXT": "3", "LIST": []},
    {"SAT": 7, "NPS": 7, "W": -12.5, "TXT": "\\back\\slash", "LIST": [1, 2], "FLAG": True, "MIX": 3.5},
    {"SAT": 5, "NPS": 6, "W": 3.0, "NULLS": None},
    {"NPS": 8, "W": 123456789.123456789, "TXT": "=formula", "NUMTXT": "04"},
]
#: named columns the service might ask for; "ABSENT" no response answers
COLUMN_SETS = [None, ["SAT", "NPS"], ["SAT", "NPS", "W"], ["NPS", "TXT", "W", "NUMTXT", "LIST", "FLAG", "MIX",
                                                           "NULLS", "ABSENT", "SAT"]]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def kinds_connection(request, tmp_path):
    """A response table of :data:`KINDS` (answers as JSON text on SQLite, JSONB on PostgreSQL)."""
    from tests.conftest import new_database

    urls = new_database(request, tmp_path)
    engine = sa.create_engine(next(urls))
    answers = "JSONB" if engine.dialect.name == "postgresql" else "TEXT"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE response (id INTEGER PRIMARY KEY, survey_id INTEGER, status TEXT, "
                             f"unit_id INTEGER, answers {answers}, release_no INTEGER, "
                             f"is_test BOOLEAN NOT NULL DEFAULT false)"))
        for i, document in enumerate(KINDS * 3):
            conn.execute(sa.text("INSERT INTO response (id, survey_id, status, unit_id, answers, release_no) "
                                 "VALUES (:id, 1, 'complete', :unit, :answers, :release)"),
                         {"id": 10 + i, "unit": 1 + i % 3, "answers": json.dumps(document, ensure_ascii=False),
                          "release": 1 + i % 2})
    with engine.connect() as conn:
        yield conn
    engine.dispose()
    next(urls, None)


@pytest.mark.parametrize("batch", [3, frames.BATCH_ROWS])
@pytest.mark.parametrize("columns", COLUMN_SETS)
def test_the_fast_reader_gives_exactly_the_frame_of_the_row_by_row_reader(kinds_connection, monkeypatch, columns,
                                                                           batch):
    monkeypatch.setattr(frames, "BATCH_ROWS", batch)
    for options in ({}, {"unit_ids": [1, 3]}, {"released_through": 1}):
        fast = frames.responses_frame(kinds_connection, 1, columns=columns, **options)
        rows = frames.responses_frame_by_rows(kinds_connection, 1, columns=columns, **options)
        pd.testing.assert_frame_equal(fast, rows)
        assert len(fast) == (21 if not options else 14 if "unit_ids" in options else 11)


def test_the_fast_reader_reads_numbers_without_decoding_documents(kinds_connection, monkeypatch):
    """Numbers come from the database's own extraction (PostgreSQL) or orjson (SQLite), never json.loads of a
    whole document; only text answers are decoded one by one."""
    decoded: list[object] = []
    monkeypatch.setattr(frames, "decode_document", lambda raw: decoded.append(raw) or {})
    fast = frames.responses_frame(kinds_connection, 1, columns=["SAT", "W", "TXT"])
    assert decoded == [] and fast["SAT"].dtype == np.float64 and fast.loc[10, "W"] == 0.1
    assert fast.loc[11, "TXT"] == 'a "quoted", comma\nand a new line'


def test_an_empty_selection_gives_the_same_empty_frame(kinds_connection):
    for columns in (None, ["SAT", "TXT"]):
        pd.testing.assert_frame_equal(frames.responses_frame(kinds_connection, 2, columns=columns),
                                      frames.responses_frame_by_rows(kinds_connection, 2, columns=columns))


def test_an_answer_orjson_does_not_read_is_decoded_as_json_loads_decodes_it():
    assert frames._answer_json("1180591620717411303424") == 2**70  # beyond 64 bits
    assert frames._answer_json('["web", "app"]') == ["web", "app"] and frames._answer_json("0.1") == 0.1
    assert frames._answer_json(True) is True


def test_response_units_are_each_responses_unit_id(kinds_connection, monkeypatch):
    units = frames.response_units(kinds_connection, [1])
    expected = dict(kinds_connection.execute(sa.text("SELECT id, unit_id FROM response WHERE survey_id = 1")).all())
    assert units.to_dict() == expected and units.dtype == np.int64 and units.index.name == "response_id"
    assert frames.response_units(kinds_connection, [2]).empty
    # a unit report's responses looked up by their ids: the same pairs, only theirs
    some = [10, 13, 14, 30, 999]
    by_ids = frames.response_units(kinds_connection, [1], some)
    assert by_ids.to_dict() == {key: value for key, value in expected.items() if key in some}
    monkeypatch.setattr(frames, "UNIT_LOOKUP_IDS", 3)  # more ids than that: every response of the survey
    assert frames.response_units(kinds_connection, [1], some).to_dict() == expected
