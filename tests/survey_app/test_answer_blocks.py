"""Answer blocks (analysis.answer_blocks): the same frame as reading every document, and never stale, on SQLite and
PostgreSQL with the migrated schema (its triggers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analysis import answer_blocks, frames
from survey_app.extensions import db
from survey_app.models import AnswerBlock, Response, Survey
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import create_survey
from tests.analysis.test_frames import COLUMN_SETS, KINDS

#: responses per block in these tests (the service's is answer_blocks.BLOCK_ROWS)
SIZE = 6


def _survey_with_responses(slug: str, documents: list[dict], *, start: int = 0) -> int:
    """A survey whose responses hold ``documents``: every fifth in progress, two units, two releases, and a
    preview response; returns its id."""
    survey = create_survey(slug=slug, instrument_keys=["customer_satisfaction"])
    units = [unit.id for unit in survey.units][:2]
    for i, document in enumerate(documents):
        db.session.add(Response(survey_id=survey.id, submission_key=f"{slug}-{i}", resume_hash=f"{slug}-{i}",
                                answers=document, status="in_progress" if i % 5 == 4 else "complete",
                                unit_id=units[i % 2], release_no=1 + (i + start) % 2))
    db.session.add(Response(survey_id=survey.id, submission_key=f"{slug}-test", resume_hash=f"{slug}-test",
                            answers={"SAT": 1}, status="complete", is_test=True))
    db.session.commit()
    return survey.id


def _blocks(survey_id: int) -> list[tuple[int, int]]:
    with db.engine.connect() as connection:
        return answer_blocks.block_ranges(connection, survey_id)


def _same_frames(survey_id: int, columns: list[str], **options) -> pd.DataFrame:
    with db.engine.connect() as connection:
        fast = frames.responses_frame(connection, survey_id, columns=columns, **options)
        rows = frames.responses_frame_by_rows(connection, survey_id, columns=columns, **options)
    pd.testing.assert_frame_equal(fast, rows)
    return fast


@pytest.mark.parametrize("batch", [4, frames.BATCH_ROWS])
def test_blocks_give_exactly_the_frame_of_the_row_by_row_reader(app, monkeypatch, batch):
    monkeypatch.setattr(frames, "BATCH_ROWS", batch)
    monkeypatch.setattr(frames, "BLOCK_ROWS", SIZE)  # units with fewer responses are read from their documents
    with app.app_context():
        sync_instruments()
        survey_id = _survey_with_responses("kinds", KINDS * 5)
        assert answer_blocks.build_blocks(db.engine, survey_id, size=SIZE) == 4  # 28 complete: 4 blocks, 4 left
        assert answer_blocks.build_blocks(db.engine, survey_id, size=SIZE) == 0
        read: list[object] = []
        monkeypatch.setattr(answer_blocks, "decode_document", lambda raw: read.append(raw) or frames.loads(raw)
                            if isinstance(raw, str) else raw)
        for columns in [codes for codes in COLUMN_SETS if codes]:
            for options in ({}, {"unit_ids": [_unit_ids(survey_id)[0]]}, {"released_through": 1}):
                read.clear()
                frame = _same_frames(survey_id, columns, **options)
                assert len(read) <= 4  # only the responses beyond the last block were decoded
                assert len(frame) == (28 if not options else 14)
        # a unit with fewer responses than a block: its documents, not every block
        monkeypatch.setattr(frames, "BLOCK_ROWS", 15)
        read.clear()
        _same_frames(survey_id, ["SAT", "TXT"], unit_ids=[_unit_ids(survey_id)[0]])
        assert read == []  # the blocks' reader was not used


def _unit_ids(survey_id: int) -> list[int]:
    return [unit.id for unit in db.session.get(Survey, survey_id).units][:2]


def test_numbers_keep_their_types_and_text_stays_text(app):
    documents = [{"SAT": i % 11, "BIG": 2**40 + i, "W": 0.1 * i, "TXT": f"t{i}", "FLAG": i % 2 == 0,
                  "HUGE": 2**70, "LIST": ["a", i], "WIDE": -1 if i == 0 else 2**62 + i} for i in range(30)]
    documents[3].pop("SAT")  # one unanswered: the column is float64 where it is selected
    with app.app_context():
        sync_instruments()
        survey_id = _survey_with_responses("types", documents)
        answer_blocks.build_blocks(db.engine, survey_id, size=SIZE)
        columns = ["SAT", "BIG", "W", "TXT", "FLAG", "HUGE", "LIST", "WIDE", "ABSENT"]
        frame = _same_frames(survey_id, columns)
        units = _unit_ids(survey_id)
        even = _same_frames(survey_id, columns, unit_ids=[units[0]])  # without the fourth response
    assert frame["SAT"].dtype == np.float64 and even["SAT"].dtype == np.int64
    assert frame["BIG"].dtype == np.int64 and frame["BIG"].iloc[-1] == 2**40 + 28
    assert frame["TXT"].dtype == "str" and frame["HUGE"].iloc[0] == 2**70 and frame["LIST"].iloc[1] == ["a", 1]
    # one block of int64 (with the -1), the others of uint64: joined as int64, every digit kept
    assert frame["WIDE"].dtype == np.int64 and frame["WIDE"].iloc[-1] == 2**62 + 28


def test_every_change_to_a_response_deletes_the_block_it_falls_in(app):
    with app.app_context():
        sync_instruments()
        survey_id = _survey_with_responses("changes", KINDS * 5)
        other_id = _survey_with_responses("other", KINDS, start=1)
        answer_blocks.build_blocks(db.engine, survey_id, size=SIZE)
        answer_blocks.build_blocks(db.engine, other_id, size=SIZE)
        blocks = _blocks(survey_id)
        others = _blocks(other_id)
        assert len(blocks) == 4 and len(others) == 1
        in_block = sa.select(Response).where(Response.survey_id == survey_id, Response.status == "complete")

        def response_in(block: tuple[int, int], **where) -> Response:
            return db.session.scalars(in_block.where(Response.id.between(*block)).filter_by(**where)).first()

        # changed answers (a correction, an erasure's [erased], a retention run's anonymisation)
        response_in(blocks[0]).answers = {"SAT": 2, "TXT": "changed"}
        db.session.commit()
        assert _blocks(survey_id) == blocks[1:]
        # a response deleted; a response released
        db.session.delete(response_in(blocks[1]))
        db.session.commit()
        db.session.execute(sa.update(Response).where(Response.id == response_in(blocks[2]).id).values(release_no=9))
        db.session.commit()
        assert _blocks(survey_id) == blocks[3:]
        # an unfinished response in a block's range completed: the block lacked it
        unfinished = db.session.scalars(sa.select(Response).where(
            Response.survey_id == survey_id, Response.status == "in_progress",
            Response.id.between(*blocks[3]))).first()
        unfinished.status = "complete"
        db.session.commit()
        assert _blocks(survey_id) == [] and _blocks(other_id) == others  # the other survey's block stays
        frame = _same_frames(survey_id, ["SAT", "TXT", "NPS"])
        assert frame.loc[frame.index[0], "TXT"] == "changed"
        # rebuilt from what is there now, and read again from the blocks
        assert answer_blocks.build_blocks(db.engine, survey_id, size=SIZE) == 4
        _same_frames(survey_id, ["SAT", "TXT", "NPS"])
        # a response inserted with an id inside a block's range (a restored backup, say) deletes that block too
        unfinished = db.session.scalars(sa.select(Response).where(
            Response.survey_id == survey_id, Response.status == "in_progress",
            Response.id.between(*_blocks(survey_id)[0]))).first()
        free = unfinished.id
        db.session.delete(unfinished)
        db.session.commit()
        assert answer_blocks.build_blocks(db.engine, survey_id, size=SIZE) == 1
        first, last = _blocks(survey_id)[0]
        assert first < free < last
        db.session.add(Response(id=free, survey_id=survey_id, submission_key="restored", resume_hash="restored",
                                answers={"SAT": 5}, status="complete"))
        db.session.commit()
        assert (first, last) not in _blocks(survey_id)
        assert _same_frames(survey_id, ["SAT", "TXT"]).loc[free, "SAT"] == 5
        # deleting the survey deletes its blocks
        db.session.delete(db.session.get(Survey, other_id))
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnswerBlock)
                                 .where(AnswerBlock.survey_id == other_id)) == 0


def test_a_column_round_trips_through_its_payload():
    answers = [3, answer_blocks.MISSING, 250, 0, answer_blocks.MISSING]
    column = answer_blocks.column_of(answers)
    assert column.kind == "int" and column.numbers.dtype == np.uint8
    assert answer_blocks.column_of([1, 2.5, answer_blocks.MISSING]).kind == "float"
    assert answer_blocks.column_of([True, 1]).kind == "json" and answer_blocks.column_of([2**70]).kind == "json"
    assert answer_blocks.column_of([float("nan")]).kind == "json" and answer_blocks.column_of(["a", "b"]).kind == "text"
    assert answer_blocks.column_of([answer_blocks.MISSING]).kind == "none"
    documents = [{"A": 1, "B": "x", "C": [1, "y"], "D": 1.5}, {"A": -300, "C": None, "D": 2}, {"B": "中文"}]
    rows = answer_blocks.Rows.of_documents([5, 6, 7], [1, None, 2], [None, 1, 1], documents)
    back = answer_blocks.Rows.decode(rows.encode(), ["A", "B", "C", "D", "E"])
    assert back.ids.tolist() == [5, 6, 7] and back.units.tolist() == [1, -1, 2] and back.releases.tolist() == [-1, 1, 1]
    for code in "ABCD":
        assert back.columns[code].as_objects().tolist() == rows.columns[code].as_objects().tolist()
    assert back.columns["A"].numbers.dtype == np.int16 and back.columns["E"].kind == "none"
    # a negative number and one beyond 32 bits: numpy's smallest types would meet in float64 and lose the last digits
    assert answer_blocks.column_of([-1, 2**62 + 1]).numbers.tolist() == [-1, 2**62 + 1]
    wide = answer_blocks.Rows.of_documents([1, 2], [None, None], [None, None], [{"W": -1}, {"W": 2**62 + 1}])
    assert answer_blocks.Rows.decode(wide.encode(), ["W"]).columns["W"].numbers.tolist() == [-1, 2**62 + 1]



def test_a_claim_a_stopped_builder_left_is_cleared_after_an_hour(app):
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    with app.app_context():
        sync_instruments()
        survey_id = _survey_with_responses("claims", KINDS * 2)  # 12 complete: two blocks of 6
        ids = db.session.scalars(sa.select(Response.id).where(Response.survey_id == survey_id,
                                                               Response.status == "complete",
                                                               Response.is_test.is_(False))
                                 .order_by(Response.id)).all()
        db.session.add(AnswerBlock(survey_id=survey_id, first_id=ids[0], last_id=ids[5], rows=0, payload=b"",
                                   built_at=now - timedelta(minutes=59)))
        db.session.commit()
        # a claim being built (or whose builder stopped a moment ago) is left alone; it holds no answers
        assert answer_blocks.build_blocks(db.engine, survey_id, size=SIZE, now=now) == 1
        assert _blocks(survey_id) == [(ids[6], ids[11])]
        _same_frames(survey_id, ["SAT", "TXT"])
        assert answer_blocks.build_blocks(db.engine, survey_id, size=SIZE, now=now + timedelta(minutes=2)) == 1
        assert _blocks(survey_id) == [(ids[0], ids[5]), (ids[6], ids[11])]
        _same_frames(survey_id, ["SAT", "TXT"])


def test_the_hourly_job_builds_the_blocks_of_surveys_that_lack_them(app, monkeypatch):
    from survey_app.scheduler import run_due
    from survey_app.scheduler.models import ScheduledJob
    from survey_app.services import answer_blocks as background

    monkeypatch.setattr(answer_blocks, "BLOCK_ROWS", SIZE)
    monkeypatch.setattr(background, "_LOOKED", set())
    at = datetime(2026, 12, 5, 10, 20, tzinfo=UTC)
    with app.app_context():
        sync_instruments()
        small = _survey_with_responses("small", KINDS)  # 6 complete, one of them deleted below: less than a block
        large = _survey_with_responses("large", KINDS * 3)  # 17 complete: two blocks, 5 left over
        db.session.execute(sa.delete(Response).where(Response.survey_id == small, Response.status == "complete",
                                                     Response.id == sa.select(sa.func.min(Response.id)).where(
                                                         Response.survey_id == small).scalar_subquery()))
        db.session.commit()
        assert background.surveys_lacking_blocks() == [large]
        background.schedule_hourly(at)
        background.schedule_hourly(at + timedelta(minutes=30))  # the same hour: one job
        db.session.commit()
        assert db.session.scalars(sa.select(ScheduledJob.key)).all() == ["answer_blocks:2026-12-05T10:00+00:00"]
        assert run_due(at, "w").done == ["answer_blocks:2026-12-05T10:00+00:00"]
        assert len(_blocks(large)) == 2 and _blocks(small) == []
        assert background.surveys_lacking_blocks() == []
        background.schedule_hourly(at + timedelta(hours=1))  # nothing lacks blocks: no job
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ScheduledJob)) == 1


def test_a_whole_surveys_units_come_from_its_blocks_exactly_as_from_the_response_table(app, monkeypatch):
    with app.app_context():
        sync_instruments()
        survey_id = _survey_with_responses("units", KINDS * 5)
        db.session.execute(sa.update(Response).where(Response.survey_id == survey_id, Response.id % 7 == 0)
                           .values(unit_id=None))  # some responses have no unit
        db.session.commit()
        answer_blocks.build_blocks(db.engine, survey_id, size=SIZE)
        blocks = _blocks(survey_id)
        # a change deletes a block: its responses are then read from the table, as the newest ones are
        db.session.execute(sa.update(Response).where(Response.id == blocks[1][0]).values(unit_id=_unit_ids(
            survey_id)[1]))
        db.session.commit()
        assert len(_blocks(survey_id)) == 3
        with db.engine.connect() as connection:
            everyone = frames.response_units(connection, [survey_id])
            all_ids = pd.Index(db.session.scalars(sa.select(Response.id).filter_by(survey_id=survey_id)).all())
            complete = frames.responses_frame(connection, survey_id, columns=["SAT"]).index
            monkeypatch.setattr(frames, "UNIT_LOOKUP_IDS", 6)  # more ids than this: the blocks' units
            read = []
            monkeypatch.setattr(frames, "read_block_units",
                                lambda *args: read.append(args[1]) or answer_blocks.read_block_units(*args))
            for ids in (complete, all_ids, all_ids[::-1]):
                units = frames.response_units(connection, [survey_id], ids)
                expected = everyone[everyone.index.isin(ids)]
                pd.testing.assert_series_equal(units.sort_index(), expected.sort_index())
        assert read == [survey_id] * 3
        assert everyone.index.isin(complete).sum() < len(complete)  # some complete responses had no unit
        # unfinished responses inside the blocks' ranges (the blocks hold complete ones only) were looked up by id
        in_ranges = [i for i in all_ids if any(first <= i <= last for first, last in _blocks(survey_id))]
        assert set(in_ranges) - set(complete)


def test_a_whole_surveys_units_are_read_from_the_table_without_blocks(app, monkeypatch):
    with app.app_context():
        sync_instruments()
        survey_id = _survey_with_responses("no-blocks", KINDS * 2)
        with db.engine.connect() as connection:
            everyone = frames.response_units(connection, [survey_id])
            monkeypatch.setattr(frames, "UNIT_LOOKUP_IDS", 3)
            units = frames.response_units(connection, [survey_id], everyone.index)
    pd.testing.assert_series_equal(units.sort_index(), everyone.sort_index())
