"""Reading response tables (CSV encodings, XLSX, SPSS) and preparing them against the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import pandas as hpd

from analysis.data import (
    MAX_GROUPS,
    MAX_MAGNITUDE,
    MIN_RESPONDENTS,
    _numeric_block,
    _to_numeric,
    prepare,
    read_table,
)
from analysis.errors import AnalysisError
from analysis.model import ModelSpec

# -- reading -------------------------------------------------------------------------------------------------


def test_csv_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffQ1,Q2,城市\n1,2,北京\n3,4,上海\n".encode())
    frame = read_table(path)
    # Without BOM handling the first column would be called '\ufeffQ1'.
    assert list(frame.columns) == ["Q1", "Q2", "城市"]
    assert frame["Q1"].tolist() == [1, 3] and frame["城市"].tolist() == ["北京", "上海"]


def test_csv_gbk_chinese_headers(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("满意度1,满意度2,推荐\n7,8,9\n5,6,10\n".encode("gbk"))
    frame = read_table(path)
    assert list(frame.columns) == ["满意度1", "满意度2", "推荐"]
    assert frame["推荐"].tolist() == [9, 10]


def test_csv_utf16_semicolon_and_tab(tmp_path: Path) -> None:
    path = tmp_path / "utf16.csv"
    path.write_bytes("A\tB\n1\t2\n".encode("utf-16"))  # Excel's "Unicode text" export
    assert read_table(path).to_dict("list") == {"A": [1], "B": [2]}
    path = tmp_path / "semicolon.csv"
    path.write_text("A;B\n1;2\n3;4\n", encoding="utf-8")
    assert read_table(path).to_dict("list") == {"A": [1, 3], "B": [2, 4]}


def test_csv_headers_are_stripped_and_must_be_unique(tmp_path: Path) -> None:
    path = tmp_path / "spaces.csv"
    path.write_text(" Q1 ,Q2\n1,2\n", encoding="utf-8")
    assert list(read_table(path).columns) == ["Q1", "Q2"]
    path.write_text("Q1,Q2,Q1\n1,2,3\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"'Q1' appears twice in the header \(columns 1 and 3\)"):
        read_table(path)


def test_csv_errors_are_clear(tmp_path: Path) -> None:
    undecodable = tmp_path / "binary.csv"
    undecodable.write_bytes(b"Q1,Q2\n\x80\xff\xfe\x81,2\n")
    with pytest.raises(AnalysisError, match="neither UTF-8 nor GBK"):
        read_table(undecodable)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(AnalysisError, match="empty"):
        read_table(empty)
    with pytest.raises(AnalysisError, match="does not exist"):
        read_table(tmp_path / "nowhere.csv")
    with pytest.raises(AnalysisError, match=r"unsupported file type '\.json'"):
        read_table(tmp_path / "data.json")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("A,B\n1,2\n3,4,5,6\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="not a well-formed CSV"):
        read_table(ragged)


def test_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "answers.xlsx"
    pd.DataFrame({"满意1": [1, 5, None], "NPS": [9, 10, 3], "门店": ["北京", "上海", "北京"]}).to_excel(
        path, index=False
    )
    frame = read_table(path)
    assert list(frame.columns) == ["满意1", "NPS", "门店"]
    assert frame["NPS"].tolist() == [9, 10, 3]
    assert np.isnan(frame["满意1"].iloc[2])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(AnalysisError, match="Cannot read 'broken.xlsx' as an Excel workbook"):
        read_table(broken)


def test_sav_gives_values_not_labels_and_user_missing_as_nan(tmp_path: Path) -> None:
    path = tmp_path / "survey.sav"
    frame = pd.DataFrame({"SAT": [1.0, 5.0, 9.0, 4.0], "REGION": [1.0, 2.0, 1.0, 2.0]})
    pyreadstat.write_sav(
        frame, str(path),
        variable_value_labels={"SAT": {1.0: "very dissatisfied", 5.0: "very satisfied"},
                               "REGION": {1.0: "north", 2.0: "south"}},
        missing_ranges={"SAT": [9.0]},
    )
    read = read_table(path)
    assert read["REGION"].tolist() == [1.0, 2.0, 1.0, 2.0]
    assert read["SAT"].iloc[:2].tolist() == [1.0, 5.0]
    assert np.isnan(read["SAT"].iloc[2])  # 9 is an SPSS user-missing value
    broken = tmp_path / "broken.sav"
    broken.write_bytes(b"\x00" * 64)
    with pytest.raises(AnalysisError, match="Cannot read 'broken.sav' as an SPSS .sav file"):
        read_table(broken)


# -- preparing -----------------------------------------------------------------------------------------------

def answers(**columns: list) -> pd.DataFrame:
    return pd.DataFrame(columns)


BASE = {"constructs": {"A": ["a1", "a2"], "B": ["b1"]}, "scale": {"min": 1, "max": 5}}


def spec(**changes) -> ModelSpec:
    return ModelSpec.from_dict({**BASE, **changes})


def test_unknown_columns_listed_with_close_matches() -> None:
    frame = answers(a1=[1, 2, 3], a2=[1, 2, 3], b1=[1, 2, 3], NPS_score=[9, 10, 8])
    model = ModelSpec.from_dict({"constructs": {"A": ["a1", "a_2"]}, "reverse": ["a3"],
                                 "outcomes": {"recommend": "NPS"}})
    with pytest.raises(AnalysisError) as info:
        prepare(frame, model)
    message = str(info.value)
    assert "'a_2' (construct A; did you mean 'a2'?)" in message
    assert "'a3' (reverse; did you mean 'a2' or 'a1'?)" in message
    assert "'NPS' (outcomes.recommend; did you mean 'NPS_score'?)" in message
    assert "The data has 4 columns: a1, a2, b1, NPS_score" in message


def test_unknown_by_column_and_driver_column() -> None:
    frame = answers(a1=[1, 2, 3], a2=[1, 2, 3], b1=[1, 2, 3], region=["n", "s", "n"])
    with pytest.raises(AnalysisError, match=r"'regoin' \(--by; did you mean 'region'\?\)"):
        prepare(frame, spec(), by="regoin")
    with pytest.raises(AnalysisError, match=r"'Price' \(drivers\[0\]\)"):
        prepare(frame, spec(drivers=[{"outcome": "A", "predictors": ["B", "Price"]}]))


def test_non_numeric_cell_names_column_row_and_value() -> None:
    frame = answers(a1=[1, 2, 3, 4], a2=["1", "2", "很好", "4"], b1=[1, 2, 3, 4])
    with pytest.raises(AnalysisError, match=r"Column 'a2' has a non-numeric value '很好' in row 3;"):
        prepare(frame, spec())
    # With its own index (response ids from the database) the label is given too.
    frame.index = pd.Index([101, 102, 103, 104], name="response_id")
    with pytest.raises(AnalysisError, match=r"in row 3 \(response_id 103\)"):
        prepare(frame, spec())


def test_out_of_scale_value_names_column_row_and_range() -> None:
    frame = answers(a1=[1, 2, 3, 4], a2=[1, 2, 3, 4], b1=[1, 7, 3, 9])
    with pytest.raises(AnalysisError) as info:
        prepare(frame, spec())
    expected = "Column 'b1' has the value 7 in row 2, outside its scale 1 to 5 (2 such value(s))"
    assert expected in str(info.value)
    # A per-construct scale overrides the global one.
    prepared = prepare(frame, spec(scales={"B": {"min": 0, "max": 10}}))
    assert prepared.scales == {"a1": (1, 5), "a2": (1, 5), "b1": (0, 10)}


def test_missing_codes_numbers_and_text() -> None:
    frame = answers(a1=[1, -99, 3, 4, 5], a2=["1", None, "3", " 不适用 ", "5"], b1=[1, 2, 3, 4, 5])
    model = spec(missing={"codes": [-99, "不适用"], "method": "pairwise"})
    prepared = prepare(frame, model)
    # None is missing anyway; -99 and 不适用 (surrounding spaces ignored) by the model's codes.
    assert prepared.data["a1"].isna().tolist() == [False, True, False, False, False]
    assert prepared.data["a2"].isna().tolist() == [False, True, False, True, False]
    assert prepared.missing["code_cells"] == 2
    assert prepared.missing["by_column"] == {"a1": 1, "a2": 2, "b1": 0}


def test_reverse_keying_uses_the_scale() -> None:
    frame = answers(a1=[1, 2, 5], a2=[5, 4, 1], b1=[1, 2, 3])
    prepared = prepare(frame, spec(reverse=["a2"]))
    assert prepared.data["a2"].tolist() == [1.0, 2.0, 5.0]  # 1 + 5 - x
    assert prepared.data["a1"].tolist() == [1.0, 2.0, 5.0]
    with pytest.raises(AnalysisError, match="Item 'a2' is reverse-keyed but has no scale"):
        prepare(frame, ModelSpec.from_dict({"constructs": BASE["constructs"], "reverse": ["a2"]}))


def test_all_missing_rows_dropped_and_counted() -> None:
    frame = answers(a1=[1, None, 3, 4, None], a2=[1, None, 3, 4, 2], b1=[2, None, 3, 4, 5])
    prepared = prepare(frame, spec())
    assert prepared.n == 5 and prepared.n_used == 3
    assert prepared.missing["rows_all_missing"] == 1
    assert prepared.missing["rows_incomplete"] == 1 and prepared.missing["rows_dropped"] == 1
    assert any("1 row(s) without any answer" in w for w in prepared.warnings)


def test_missing_methods() -> None:
    frame = answers(a1=[1, None, 3, 4, 2], a2=[1, 2, None, 4, 5], b1=[2, 2, 3, 4, 5])
    listwise = prepare(frame, spec())
    assert listwise.n_used == 3 and not listwise.data.isna().any().any()
    pairwise = prepare(frame, spec(missing={"method": "pairwise"}))
    assert pairwise.n_used == 5 and pairwise.missing["rows_dropped"] == 0
    assert pairwise.data["a1"].isna().sum() == 1
    mean = prepare(frame, spec(missing={"method": "mean"}))
    assert mean.n_used == 5 and mean.missing["cells_replaced"] == 2
    assert mean.data.loc[1, "a1"] == pytest.approx((1 + 3 + 4 + 2) / 4)
    assert mean.data.loc[2, "a2"] == pytest.approx((1 + 2 + 4 + 5) / 4)
    assert any("replaced by the item mean" in w for w in mean.warnings)


def test_constant_item_is_a_warning() -> None:
    frame = answers(a1=[1, 2, 3, 4], a2=[3, 3, 3, 3], b1=[1, 2, 3, 4])
    prepared = prepare(frame, spec())
    assert any(w.startswith("Item 'a2' is constant (every answer is 3)") for w in prepared.warnings)


def test_empty_item_column_and_too_few_respondents() -> None:
    frame = answers(a1=[1, 2, 3], a2=[None, None, None], b1=[1, 2, 3])
    with pytest.raises(AnalysisError, match=r"Column\(s\) 'a2' have no answers"):
        prepare(frame, spec())
    frame = answers(a1=[1, None, 3, None], a2=[None, 2, None, 4], b1=[1, 2, 3, 4])
    with pytest.raises(AnalysisError) as info:
        prepare(frame, spec())
    message = str(info.value)
    assert f"Only 0 respondent(s) can be used; the analysis needs at least {MIN_RESPONDENTS}" in message
    assert "'a1' (2), 'a2' (2)" in message and "missing: {method: pairwise}" in message
    with pytest.raises(AnalysisError, match="no rows"):
        prepare(frame.iloc[:0], spec())


def test_without_constructs_every_numeric_column_is_an_item() -> None:
    frame = answers(q1=[1, 2, 3], q2=[2, 3, 1], comment=["good", "bad", "ok"], region=["n", "s", "n"],
                    NPS=[9, 10, 0])
    prepared = prepare(frame, ModelSpec.from_dict({"outcomes": {"recommend": "NPS"}}), by="region")
    assert prepared.items == ["q1", "q2"]  # the recommend item is analysed as NPS, not as an item
    assert prepared.columns == ["q1", "q2", "NPS"]
    assert prepared.scales == {"NPS": (0.0, 10.0)}
    assert any("'comment'" in w and "left out" in w for w in prepared.warnings)
    assert prepared.data["region"].tolist() == ["n", "s", "n"]


def test_kano_answer_columns_are_not_raw_items() -> None:
    frame = answers(q1=[1, 2, 3], q2=[2, 3, 1], KF_SPEED=[1, 2, 5], KD_SPEED=[5, 4, 1])
    model = ModelSpec.from_dict({"kano": [{"attribute": "speed", "functional": "KF_SPEED",
                                           "dysfunctional": "KD_SPEED"}]})
    assert model.kano_items == ["KF_SPEED", "KD_SPEED"]
    assert prepare(frame, model).items == ["q1", "q2"]


def test_nps_item_is_checked_against_0_to_10() -> None:
    frame = answers(a1=[1, 2, 3], a2=[1, 2, 3], b1=[1, 2, 3], NPS=[9, 11, 8])
    with pytest.raises(AnalysisError, match="Column 'NPS' has the value 11 in row 2, outside its scale 0 to"):
        prepare(frame, spec(outcomes={"recommend": "NPS"}))


def test_by_column_checks() -> None:
    many = pd.DataFrame({"a1": np.tile([1, 2, 3], 100), "a2": np.tile([2, 3, 1], 100),
                         "b1": np.tile([1, 3, 2], 100), "id": np.arange(300)})
    with pytest.raises(AnalysisError, match=f"Column 'id' has 300 distinct values; --by needs a grouping "
                                            f"column with at most {MAX_GROUPS} groups"):
        prepare(many, spec(), by="id")
    frame = answers(a1=[1, 2, 3, 4], a2=[1, 2, 3, 4], b1=[1, 2, 3, 4], region=["n", None, "s", "-99"])
    prepared = prepare(frame, spec(missing={"codes": [-99]}), by="region")
    assert prepared.data["region"].isna().tolist() == [False, True, False, True]
    assert any("2 respondent(s) without a value in 'region'" in w for w in prepared.warnings)


def test_by_column_must_not_be_analysed() -> None:
    frame = answers(a1=[1, 2, 3, 4], a2=[1, 2, 3, 4], b1=[1, 2, 3, 4])
    with pytest.raises(AnalysisError, match="--by 'b1' is also analysed by the model"):
        prepare(frame, spec(), by="b1")


def test_duplicate_column_names_in_a_frame() -> None:
    frame = pd.DataFrame([[1, 2, 3]], columns=["a1", "a1", "b1"])
    with pytest.raises(AnalysisError, match="'a1' appear more than once"):
        prepare(frame, spec())


def test_a_huge_number_is_refused_with_its_place_not_overflowed() -> None:
    # 1e308 is a valid float, but the mean of two of them is inf (found by the property test below)
    frame = pd.DataFrame({"a1": [1, 2, 3, 4], "a2": [2, 3, 1e308, 4], "b1": [1, 2, 3, 4]})
    with pytest.raises(AnalysisError, match=r"Column 'a2' has the value 1e\+308 in row 3, too large"):
        prepare(frame, spec())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frame=hpd.data_frames(
        columns=hpd.columns(["a1", "a2", "b1", "x"], elements=st.one_of(
            st.none(), st.integers(-2, 8), st.sampled_from(["3", "NA", "bad", "", "-99", "inf"]),
            st.floats(allow_nan=True, allow_infinity=True))),
        index=hpd.range_indexes(min_size=0, max_size=12),
    ),
    method=st.sampled_from(["listwise", "pairwise", "mean"]),
    constructs=st.booleans(),
)
def test_random_frames_prepare_or_raise_analysis_error(frame: pd.DataFrame, method: str,
                                                        constructs: bool) -> None:
    model = {"missing": {"codes": [-99], "method": method}}
    if constructs:
        model.update(BASE)
    try:
        prepared = prepare(frame, ModelSpec.from_dict(model))
    except AnalysisError as error:
        assert str(error)
        return
    numeric = prepared.data[prepared.columns]
    assert prepared.n_used == len(numeric) >= MIN_RESPONDENTS
    assert np.isfinite(numeric.to_numpy(dtype=float)[~numeric.isna().to_numpy()]).all()
    if method != "pairwise":
        assert not numeric.isna().any().any()


def _numeric_block_reference(frame: pd.DataFrame, codes: list) -> tuple[pd.DataFrame, int] | str:
    """The general path of every column (``_to_numeric``), as _numeric_block took before its numeric fast path."""
    out, code_cells = {}, 0
    for column in frame.columns:
        values, bad, n_codes = _to_numeric(frame[column], codes)
        if bad is not None or (np.abs(values.to_numpy()) > MAX_MAGNITUDE).any():
            return column
        out[column], code_cells = values.to_numpy(), code_cells + n_codes
    return pd.DataFrame(out, index=frame.index), code_cells


_SPECIAL = st.sampled_from([-99, 9, 0.0, -0.0, 1e13, -1e13])
_COLUMNS = {
    "int64": st.integers(-10**13, 10**13) | st.sampled_from([-99, 9, 0, 10**13]),
    "int8": st.integers(-120, 120),
    "uint16": st.integers(0, 2**16 - 1),
    "float64": st.floats(allow_nan=True, allow_infinity=True) | _SPECIAL.map(float),
    "float32": st.floats(width=32, allow_nan=True, allow_infinity=True),
    "bool": st.booleans(),
    "Int64": st.none() | st.integers(-100, 100),
    "object": st.sampled_from(["3", "-99", "NA", "", None, 4, 2.5]),
}


@st.composite
def _typed_columns(draw: st.DrawFn) -> pd.DataFrame:
    columns = {}
    for i, dtype in enumerate(draw(st.lists(st.sampled_from(list(_COLUMNS)), min_size=1, max_size=4))):
        values = draw(st.lists(_COLUMNS[dtype], min_size=3, max_size=3))
        columns[f"c{i}"] = pd.array(values, dtype=dtype) if dtype in ("Int64", "object") else np.array(values, dtype)
    return pd.DataFrame(columns)


@settings(max_examples=100, deadline=None)
@given(frame=_typed_columns(), codes=st.sampled_from([[], [-99], [9, -99.0], ["NA", -99], [0.0]]))
def test_numeric_block_fast_path_matches_the_general_path(frame: pd.DataFrame, codes: list) -> None:
    expected = _numeric_block_reference(frame, codes)
    if isinstance(expected, str):
        with pytest.raises(AnalysisError, match=f"Column '{expected}'"):
            _numeric_block(frame, list(frame.columns), codes)
        return
    block, code_cells = _numeric_block(frame, list(frame.columns), codes)
    assert code_cells == expected[1]
    pd.testing.assert_frame_equal(block, expected[0], check_exact=True)
    # -0.0 and 0.0 compare equal; the block must keep the sign the general path keeps
    assert (np.signbit(block.to_numpy()) == np.signbit(expected[0].to_numpy())).all()
