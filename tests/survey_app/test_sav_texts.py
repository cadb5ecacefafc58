"""The SPSS export's compact text columns: each cell the text it was made of (a missing one empty, 1, 1.0 and True
three texts), in either store and across chunks, codes in the smallest type that holds them, pandas' operations on
them as on a list of the texts, and the .sav pyreadstat writes from them byte for byte the one it writes from Python
strings; the numbers held as float32 only where every one reads back as the same float64."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from survey_app.services import sav_texts
from survey_app.services.exports import _single, _text
from survey_app.services.sav_texts import SavTexts, TextCodes
from tests.survey_app.test_exports_columns import _but_the_time

#: cells as a batch holds them: gaps, numbers equal as Python keys but not as texts, control characters, Chinese,
#: a text longer than SPSS's short strings (255 bytes), a formula (not neutralised in a .sav)
CELLS = [None, "north", 1, 1.0, True, "north", "", "bell\x07", "空调太冷", "x" * 300, "=1+1", None, "north", 1]


def _column(cells: list, *, free: bool, batch: int = 4) -> SavTexts:
    """The column :func:`survey_app.services.exports._spss_table` makes of ``cells``, a batch at a time."""
    builder = TextCodes(free=free)
    codes = np.zeros(len(cells), dtype=np.int8)
    for start in range(0, len(cells), batch):
        made = builder.codes(cells[start:start + batch], _text)
        if codes.dtype != builder.code_type:
            codes = codes.astype(builder.code_type)
        codes[start:start + batch] = made
    return builder.column(codes)


@pytest.mark.parametrize("free", [False, True])
def test_a_column_iterates_as_the_texts_it_was_made_of(free, monkeypatch):
    monkeypatch.setattr(sav_texts, "CHUNK_ROWS", 3)  # chunks that end inside the column
    column = _column(CELLS, free=free)
    expected = [_text(cell) for cell in CELLS]
    assert expected[:5] == ["", "north", "1", "1.0", "True"] and expected[7] == "bell"
    assert list(column) == expected and len(column) == len(CELLS)
    assert [column[i] for i in range(len(CELLS))] == expected and column[-1] == "1"
    assert column.longest() == 300 and column[:3].longest() == 5 and column[:0].longest() == 0
    assert not column.isna().any()


def test_codes_take_the_smallest_type_that_holds_them():
    shared = _column([f"unit {i}" for i in range(127)], free=False)  # 127 texts besides the empty one
    assert shared._codes.dtype == np.int8
    shared = _column([f"unit {i}" for i in range(128)] + ["unit 0"], free=False)
    assert shared._codes.dtype == np.int16 and list(shared)[-2:] == ["unit 127", "unit 0"]
    comments = [f"comment {i}" if i % 2 else None for i in range(70_000)]  # 35,000 texts: beyond int16
    free = _column(comments, free=True, batch=5_000)
    assert free._codes.dtype == np.int32 and list(free) == [cell or "" for cell in comments]
    assert len(free._offsets) == 35_000 + 2  # the empty text, then each comment once


def test_a_free_text_column_holds_its_first_short_texts_once(monkeypatch):
    monkeypatch.setattr(sav_texts, "FREE_TEXTS_LOOKED_UP", 3)
    long = "y" * (sav_texts.FREE_TEXT_LOOKED_UP_LENGTH + 1)
    cells = ["无", "good", long, "无", long, "a", "b", "c", "good", "c", None, "无"]
    column = _column(cells, free=True)
    assert list(column) == [cell or "" for cell in cells]
    # 无, good and a looked up (three texts besides the empty one, then no more); the long text and c written twice
    assert column._codes.tolist() == [1, 2, 3, 1, 4, 5, 6, 7, 2, 8, 0, 1]


def test_pandas_handles_a_column_as_a_list_of_its_texts():
    column = _column(CELLS, free=True)
    texts = [_text(cell) for cell in CELLS]
    series = pd.Series(column)
    assert series.dtype == "sav_texts" and series.tolist() == texts
    assert list(series[series.index % 2 == 0]) == texts[::2] and list(series.iloc[3:6]) == texts[3:6]
    assert list(column.take([2, -1, 0], allow_fill=True)) == [texts[2], "", texts[0]]
    assert list(column.take([-1])) == [texts[-1]]
    assert list(column.copy()) == texts and (column == np.array(texts, dtype=object)).all()
    assert list(SavTexts._from_sequence(["a", None, "b", "a", np.nan, pd.NA, 7])) == ["a", "", "b", "a", "", "", "7"]
    assert list(SavTexts._concat_same_type([column[:2], column[2:]])) == texts
    pd.testing.assert_series_equal(series, pd.Series(_column(CELLS, free=False)))
    assert column.nbytes > 0


@pytest.mark.parametrize("rows", [len(CELLS), 0])
def test_pyreadstat_writes_the_bytes_it_writes_from_python_strings(rows, tmp_path):
    cells = CELLS[:rows]
    frames = {}
    for name, shared, free in [("strings", pd.Series([_text(cell) for cell in cells], dtype=object),
                                pd.Series([_text(cell) for cell in cells], dtype="str")),
                               ("codes", pd.Series(_column(cells, free=False)), pd.Series(_column(cells, free=True)))]:
        frames[name] = pd.DataFrame({"n": np.arange(rows, dtype=np.int8), "unit": shared, "comment": free})
    written = {}
    for name, frame in frames.items():
        path = tmp_path / f"{name}.sav"
        pyreadstat.write_sav(frame, str(path), variable_value_labels={"unit": {"north": "North"}},
                             variable_display_width={"unit": 9, "comment": 40})
        written[name] = path.read_bytes()
    assert _but_the_time(written["codes"]) == _but_the_time(written["strings"])
    if rows:
        read, meta = pyreadstat.read_sav(str(tmp_path / "codes.sav"))
        assert read["comment"].tolist() == [_text(cell) for cell in cells] and meta.variable_value_labels


def test_numbers_are_float32_only_where_each_reads_back_the_same():
    assert _single(np.array([0.0, 2.5, 100.0, -3.0, np.nan, 16_777_216.0])) and _single(np.array([]))
    assert not _single(np.array([0.1])) and not _single(np.array([16_777_217.0]))
    assert not _single(np.array([1e39, np.nan]))  # beyond float32's range: no warning, not a float32
