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
