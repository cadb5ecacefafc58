"""Reading response tables (CSV, XLSX, SPSS) and preparing them for the analysis model.

:func:`read_table` turns a file into a DataFrame, one row per respondent. :func:`prepare` checks that
DataFrame against a :class:`~analysis.model.ModelSpec`: the columns exist, cells are numbers inside their
scale, missing-value codes become NaN, reverse-keyed items are flipped, empty rows are dropped and missing
answers are handled listwise, pairwise or by item-mean replacement. Everything it finds wrong raises
:class:`~analysis.errors.AnalysisError` naming the column and the row; everything merely doubtful becomes a
sentence in ``PreparedData.warnings``.

Rows in messages are counted from 1 for the first respondent (the line after the header); when the frame has
its own index (e.g. response ids from the database) the label is given too.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.model import ModelSpec

#: File types :func:`read_table` understands.
SUPPORTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".sav", ".zsav")
#: Fewer usable respondents than this and no statistic in the engine is defined.
MIN_RESPONDENTS = 3
#: The answer range assumed for the NPS recommend item unless ``scales:`` says otherwise.
NPS_SCALE = (0.0, 10.0)
#: Groups for ``--by``: more distinct values than this is almost certainly an identifier, not a segment.
MAX_GROUPS = 200
#: No answer in a survey is this large; beyond it sums of squares overflow float64 long before any statistic.
MAX_MAGNITUDE = 1e12


@dataclass
class PreparedData:
    """Numeric, checked answers ready for the analysis modules, with what was done to them."""

    #: One float column per analysed column (plus the ``by`` column as read), rows that are used.
    data: pd.DataFrame
    #: Item columns: the items of the constructs, or every numeric column when the model has no constructs.
    items: list[str]
    #: Every numeric column the analyses use (items, raw driver columns, outcomes, attributes).
    columns: list[str]
    #: The answer range of each column that has one (for indices and importance-performance tables).
    scales: dict[str, tuple[float, float]]
    #: Rows read, and rows used (after dropping empty rows and, for listwise, incomplete ones).
    n: int
    n_used: int
    #: Method and counts, reported as ``missing`` in RESULT.json.
    missing: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    by: str | None = None
    #: The column of sampling weights kept in ``data`` (every used row has a finite, non-negative weight).
    weights: str | None = None


# -- reading -------------------------------------------------------------------------------------------------

def read_table(path: str | Path) -> pd.DataFrame:
    """Read a response table: CSV (UTF-8 with or without BOM, UTF-16, or GBK/GB18030), XLSX, or SPSS .sav.

    SPSS files give the stored values, not the value labels; SPSS user-missing values become NaN.
    Column names are stripped of surrounding spaces and must be unique.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise AnalysisError(f"Cannot read '{path.name}': unsupported file type '{suffix or '(none)'}'; "
                            f"use CSV, XLSX or SPSS .sav ({', '.join(SUPPORTED_SUFFIXES)}).")
    if not path.is_file():
        raise AnalysisError(f"Data file '{path}' does not exist.")
    if suffix in (".xlsx", ".xlsm"):
        frame = _read_excel(path)
    elif suffix in (".sav", ".zsav"):
        frame = _read_sav(path)
    else:
        frame = _read_csv(path)
    return _clean_header(frame, path.name)


def _decode(raw: bytes, name: str) -> str:
    # BOMs decide first; then UTF-8; then GB18030 (a superset of GBK), which Chinese Excel writes by default.
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise AnalysisError(f"Cannot decode '{name}': it is neither UTF-8 nor GBK text; "
                        "save it as 'CSV UTF-8' and try again.")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AnalysisError(f"Cannot read '{path}': {exc.strerror or exc}.") from None
    text = _decode(raw, path.name)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise AnalysisError(f"'{path.name}' is empty or its first line (the header) is blank.")
    # Excel writes ';' in locales with decimal commas, and tab-separated text is common; pick by the header.
    separator = "\t" if path.suffix.lower() == ".tsv" else max(",;\t", key=first_line.count)
    header = next(csv.reader([first_line], delimiter=separator))
    _check_unique([h.strip() for h in header], path.name)
    try:
        return pd.read_csv(io.StringIO(text), sep=separator, low_memory=False)
    except pd.errors.EmptyDataError:
        raise AnalysisError(f"'{path.name}' is empty.") from None
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().splitlines()[-1]
        raise AnalysisError(f"'{path.name}' is not a well-formed CSV table: {detail}.") from None


def _read_excel(path: Path) -> pd.DataFrame:
    import openpyxl  # only needed for workbooks

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and data validation it cannot read; none of it affects values.
            warnings.simplefilter("ignore", UserWarning)
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                header = next(sheet.iter_rows(max_row=1, values_only=True), ())
            finally:
                workbook.close()
            _check_unique([str(h).strip() for h in header if h is not None], path.name)
            return pd.read_excel(path, sheet_name=0, engine="openpyxl")
    except AnalysisError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError) as exc:
        raise AnalysisError(f"Cannot read '{path.name}' as an Excel workbook (.xlsx): {exc}.") from None


def _read_sav(path: Path) -> pd.DataFrame:
    import pyreadstat  # only needed for SPSS files

    try:
        # Values, not value labels: a 1-10 item labelled "very satisfied" must stay a number.
        frame, _meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError) as exc:
        raise AnalysisError(f"Cannot read '{path.name}' as an SPSS .sav file: {exc}.") from None
    return frame


def _check_unique(names: list[str], file_name: str) -> None:
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            raise AnalysisError(f"'{file_name}': the column name '{name}' appears twice in the header "
                                f"(columns {seen[name]} and {position}); column names must be unique.")
        seen[name] = position


def _clean_header(frame: pd.DataFrame, file_name: str) -> pd.DataFrame:
    names = [str(c).strip() for c in frame.columns]
    _check_unique(names, file_name)
    frame.columns = names
    return frame


# -- preparing -----------------------------------------------------------------------------------------------

def prepare(df: pd.DataFrame, spec: ModelSpec, *, by: str | None = None) -> PreparedData:
    """Check ``df`` against ``spec`` and return numeric, cleaned answers plus counts and warnings.

    Parameters
    ----------
    df : one row per respondent, one column per item (as read by :func:`read_table` or from the database).
    spec : the analysis model.
    by : a grouping column for group comparisons; its values are kept as they are.

    Raises
    ------
    AnalysisError
        Unknown columns (with close matches), non-numeric cells, values outside the scale, reverse-keyed
        items without a scale, item columns without a single answer, or too few usable respondents.
    """
    df = df.copy(deep=False)
    df.columns = [str(c) for c in df.columns]
    duplicated = sorted(set(df.columns[df.columns.duplicated()]))
    if duplicated:
        raise AnalysisError(f"Column name(s) {_quoted(duplicated)} appear more than once; "
                            "names must be unique.")
    if len(df) == 0:
        raise AnalysisError("The data has no rows: there are no respondents to analyse.")
    notes: list[str] = []
    _check_known(df, spec, by)
    # Instruments give a scale for every numeric item, answered or not: an unknown name here is only noted.
    unused = [name for name in spec.scales if name not in spec.constructs and name not in df.columns]
    if unused:
        notes.append(f"'scales' names {_quoted(unused)}, which are neither constructs nor columns of the "
                     "data; ignored.")

    recommend = spec.recommend if spec.recommend not in spec.constructs else None
    if spec.constructs:
        items = spec.items
    else:
        # Kano answers are category codes for the Kano analysis, not ratings to correlate.
        exclude = {*spec.kano_items, *([recommend] if recommend else []), *([spec.weights] if spec.weights else []),
                   *(spec.text.columns if spec.text else [])}
        items = _numeric_columns(df, spec, by, exclude=exclude, notes=notes)
    columns = list(dict.fromkeys([*items, *_referenced_columns(spec), *([recommend] if recommend else [])]))
    if spec.weights is not None and spec.weights in columns:
        raise AnalysisError(f"The weights column '{spec.weights}' is also analysed by the model (an item, outcome "
                            "or predictor); name a column that only holds the sampling weights.")
    if by is not None and by in columns:
        raise AnalysisError(f"--by '{by}' is also analysed by the model (an item, outcome or predictor); "
                            "group by a column the model does not use.")
    if not columns:
        raise AnalysisError("No numeric item columns to analyse: name the items under 'constructs:' "
                            "in the model.")

    scales = _scales(spec, columns, items, recommend)
    numeric, code_cells = _numeric_block(df, columns, spec.missing.codes)
    _check_scales(numeric, df.index, scales)
    for column in spec.reverse:
        if column not in numeric:
            notes.append(f"Reverse-keyed item '{column}' is not used by any analysis.")
            continue
        if column not in scales:
            raise AnalysisError(f"Item '{column}' is reverse-keyed but has no scale: add "
                                "'scale: {min: ..., max: ...}' (or an entry under 'scales:') to the model.")
        low, high = scales[column]
        numeric[column] = low + high - numeric[column]

    empty_columns = [c for c in columns if numeric[c].isna().all()]
    if empty_columns:
        raise AnalysisError(f"Column(s) {_quoted(empty_columns)} have no answers (every cell is empty or a "
                            "missing code).")

    answered = numeric.notna().any(axis=1).to_numpy()
    n = len(df)
    rows_all_missing = int(n - answered.sum())
    if rows_all_missing:
        notes.append(f"{rows_all_missing} row(s) without any answer to the analysed items were dropped.")
    numeric = numeric.loc[answered]
    by_values = None
    if by is not None:
        by_values = _by_column(df[by].loc[answered], spec.missing.codes, by, notes)

    if spec.weights is not None:
        weight_values = _weights(df[spec.weights].loc[answered], spec.weights)
        unweighted = weight_values.isna().to_numpy()
        if unweighted.any():
            notes.append(f"{int(unweighted.sum())} respondent(s) without a sampling weight ('{spec.weights}') "
                         "were left out.")
            numeric = numeric.loc[~unweighted]
            if by_values is not None:
                by_values = by_values.loc[~unweighted]

    missing_cells = numeric.isna()
    incomplete = missing_cells.any(axis=1).to_numpy()
    by_column = {c: int(v) for c, v in missing_cells.sum().items()}
    method = spec.missing.method
    cells_replaced = 0
    if method == "listwise":
        numeric = numeric.loc[~incomplete]
        if by_values is not None:
            by_values = by_values.loc[~incomplete]
        if incomplete.any():
            notes.append(f"{int(incomplete.sum())} respondent(s) with at least one missing answer were "
                         "left out (missing: listwise).")
    elif method == "mean":
        cells_replaced = int(missing_cells.to_numpy().sum())
        numeric = numeric.fillna(numeric.mean())
        if cells_replaced:
            notes.append(f"{cells_replaced} missing answer(s) were replaced by the item mean "
                         "(missing: mean); this shrinks variances and correlations.")
    n_used = len(numeric)
    if n_used < MIN_RESPONDENTS:
        raise AnalysisError(_too_few_message(n_used, method, by_column))

    block = numeric[columns].to_numpy()
    low, high = np.nanmin(block, axis=0), np.nanmax(block, axis=0)
    for column, first, last in zip(columns, low, high, strict=True):
        if first == last:
            notes.append(f"Item '{column}' is constant (every answer is {first:g}); statistics that "
                         "need its variance (alpha, correlations, regressions) are undefined for it.")

    data = numeric if by_values is None else numeric.assign(**{by: by_values})
    if spec.weights is not None:
        data = data.assign(**{spec.weights: weight_values.loc[data.index]})
    missing = {
        "method": method,
        "codes": list(spec.missing.codes),
        "code_cells": code_cells,
        "rows": n,
        "rows_all_missing": rows_all_missing,
        "rows_incomplete": int(incomplete.sum()),
        "rows_dropped": int(incomplete.sum()) if method == "listwise" else 0,
        "cells_missing": int(sum(by_column.values())),
        "cells_replaced": cells_replaced,
        "by_column": by_column,
    }
    return PreparedData(data=data, items=items, columns=columns, scales=scales, n=n, n_used=n_used,
                        missing=missing, warnings=notes, by=by, weights=spec.weights)


def _weights(values: pd.Series, column: str) -> pd.Series:
    """Sampling weights as floats (NaN where empty); refuse text, negative or infinite weights."""
    numbers = pd.to_numeric(values, errors="coerce")
    text = values.notna() & numbers.isna()
    bad = text | (numbers < 0) | np.isinf(numbers)
    if bad.any():
        example = values[bad].iloc[0]
        raise AnalysisError(f"The weights column '{column}' must hold non-negative numbers; it has "
                            f"{int(bad.sum())} other value(s), e.g. {example!r}.")
    if not numbers.sum() > 0:
        raise AnalysisError(f"The weights column '{column}' has no positive weight.")
    return numbers.astype(float)


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _row(index: pd.Index, position: int) -> str:
    """'row 5', or 'row 5 (id 1234)' when the frame carries its own labels."""
    label = index[position]
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return f"row {position + 1}"
    return f"row {position + 1} ({index.name or 'index'} {label})"


def _referenced_columns(spec: ModelSpec) -> list[str]:
    """Raw columns the model names outside construct definitions (constructs resolve first)."""
    names = [*spec.attributes]
    for driver in spec.drivers:
        names += [driver.outcome, *driver.predictors]
    names += [name for role, name in spec.outcomes.items() if role != "recommend"]
    return [n for n in dict.fromkeys(names) if n not in spec.constructs]


def _check_known(df: pd.DataFrame, spec: ModelSpec, by: str | None) -> None:
    """Every column the model names must exist; list the unknown ones with close matches."""
    wanted: dict[str, list[str]] = {}

    def need(name: str, where: str) -> None:
        if name not in df.columns:
            wanted.setdefault(name, []).append(where)

    for construct, items in spec.constructs.items():
        for item in items:
            need(item, f"construct {construct}")
    for item in spec.reverse:
        need(item, "reverse")
    for item in spec.attributes:
        need(item, "attributes")
    for role, name in spec.outcomes.items():
        if name not in spec.constructs:
            need(name, f"outcomes.{role}")
    for i, driver in enumerate(spec.drivers):
        for name in [driver.outcome, *driver.predictors]:
            if name not in spec.constructs:
                need(name, f"drivers[{i}]")
    if by is not None:
        need(by, "--by")
    if spec.weights is not None:
        need(spec.weights, "weights")
    if not wanted:
        return
    parts = []
    for name, places in wanted.items():
        # Case-insensitive, and loose enough that 'NPS' finds 'NPS_score'.
        lowered = {str(c).lower(): str(c) for c in df.columns}
        close = [lowered[c] for c in difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.5)]
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        parts.append(f"'{name}' ({', '.join(dict.fromkeys(places))}{hint})")
    raise AnalysisError(f"Unknown column(s) not in the data: {'; '.join(parts)}. "
                        f"The data has {len(df.columns)} columns: {_preview(df.columns)}.")


def _preview(names: Iterable[str], limit: int = 12) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def _numeric_columns(df: pd.DataFrame, spec: ModelSpec, by: str | None, *, exclude: set[str],
                     notes: list[str]) -> list[str]:
    """Without constructs every numeric column is an item; text columns are skipped with a note."""
    numeric, skipped, empty = [], [], []
    for column in df.columns:
        if column == by or column in exclude:
            continue
        values, bad, _ = _to_numeric(df[column], spec.missing.codes)
        if bad is not None:
            skipped.append(column)
        elif values.isna().all():
            empty.append(column)
        else:
            numeric.append(column)
    if skipped:
        notes.append("The model names no constructs, so every numeric column is analysed; the text "
                     f"column(s) {_quoted(skipped[:10])}{' ...' if len(skipped) > 10 else ''} were left out.")
    if empty:
        notes.append(f"Column(s) {_quoted(empty[:10])} have no answers and were left out.")
    return numeric


def _scales(spec: ModelSpec, columns: list[str], items: list[str], recommend: str | None
            ) -> dict[str, tuple[float, float]]:
    """Scale per column: its own ``scales`` entry, else its construct's, else the global ``scale``.

    The NPS recommend item is 0-10 unless ``scales`` names it; the global scale does not apply to it.
    """
    construct_of: dict[str, str] = {}
    for construct, construct_items in spec.constructs.items():
        for item in construct_items:
            construct_of.setdefault(item, construct)
    scales: dict[str, tuple[float, float]] = {}
    for column in columns:
        if column in spec.scales:
            scales[column] = spec.scales[column].as_tuple()
        elif column in construct_of and construct_of[column] in spec.scales:
            scales[column] = spec.scales[construct_of[column]].as_tuple()
        elif column == recommend:
            scales[column] = NPS_SCALE
        elif spec.scale is not None:
            scales[column] = spec.scale.as_tuple()
    return scales


def _to_numeric(series: pd.Series, codes: list[Any]) -> tuple[pd.Series, int | None, int]:
    """Float values with missing codes as NaN, the position of the first non-numeric cell, the codes found."""
    number_codes = [float(c) for c in codes if not isinstance(c, str)]
    text_codes = {c.strip() for c in codes if isinstance(c, str)}
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        values = series.astype("float64")
        text = None
    else:
        text = series.astype("string").str.strip()
        # A text code like "99" also matches the number 99, so codes are compared as numbers too.
        number_codes += [float(c) for c in text_codes if _is_number(c)]
        values = pd.to_numeric(text.where(~text.isin(text_codes) & (text != "")), errors="coerce")
        values = values.astype("float64")
    is_code = values.isin(number_codes) if number_codes else pd.Series(False, index=series.index)
    n_codes = int(is_code.sum())
    if text is not None:
        text_code = text.isin(text_codes).fillna(False).to_numpy(dtype=bool)
        n_codes += int(text_code.sum())
        bad = (text.notna() & (text != "")).fillna(False).to_numpy(dtype=bool) & values.isna().to_numpy()
        bad &= ~text_code
    else:
        bad = np.zeros(len(series), dtype=bool)
    bad |= np.isinf(values.to_numpy())
    values = values.mask(is_code | np.isinf(values))
    first_bad = int(np.flatnonzero(bad)[0]) if bad.any() else None
    return values, first_bad, n_codes


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numbers_in_place(series: pd.Series, number_codes: list[float], target: np.ndarray) -> int | None:
    """Write a plain numeric column into ``target`` as floats, missing codes as NaN, and return the codes found.

    The common case of :func:`_to_numeric` without its million-row temporaries; None when the column needs the
    general path (text, extension dtypes, or a value it would refuse: infinite or beyond ``MAX_MAGNITUDE``).
    """
    dtype = series.dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in "biuf":
        return None
    target[...] = series.to_numpy()
    n_codes = 0
    if number_codes:
        is_code = np.isin(target, number_codes)
        n_codes = int(np.count_nonzero(is_code))
        target[is_code] = np.nan
    # fmin/fmax skip NaN without a warning; an infinite or huge value fails the test and takes the general path
    low, high = np.fmin.reduce(target), np.fmax.reduce(target)
    if np.isnan(low) or (-MAX_MAGNITUDE <= low and high <= MAX_MAGNITUDE):
        return n_codes
    return None


def _numeric_block(df: pd.DataFrame, columns: list[str], codes: list[Any]) -> tuple[pd.DataFrame, int]:
    # One float block filled column by column: building a frame from a dict of Series would copy it again.
    out = np.empty((len(df), len(columns)), dtype="float64", order="F")
    code_cells = 0
    # numeric columns ignore text codes (as in _to_numeric); a NaN code matches NaN there, so it takes that path
    number_codes = [float(c) for c in codes if not isinstance(c, str)]
    plain = not any(np.isnan(number_codes))
    for j, column in enumerate(columns):
        n_codes = _numbers_in_place(df[column], number_codes, out[:, j]) if plain else None
        if n_codes is not None:
            code_cells += n_codes
            continue
        values, bad, n_codes = _to_numeric(df[column], codes)
        if bad is not None:
            raise AnalysisError(
                f"Column '{column}' has a non-numeric value {str(df[column].iloc[bad])!r} in "
                f"{_row(df.index, bad)}; item columns must hold numbers (add the value to 'missing: codes:' "
                "if it marks a missing answer)."
            )
        huge = np.flatnonzero(np.abs(values.to_numpy()) > MAX_MAGNITUDE)
        if huge.size:
            raise AnalysisError(
                f"Column '{column}' has the value {values.iloc[huge[0]]:g} in {_row(df.index, int(huge[0]))}, "
                f"too large for an answer (the limit is {MAX_MAGNITUDE:g} either way); fix the data or add the "
                "value to 'missing: codes:' if it marks a missing answer."
            )
        out[:, j] = values.to_numpy()
        code_cells += n_codes
    return pd.DataFrame(out, index=df.index, columns=columns, copy=False), code_cells


def _check_scales(numeric: pd.DataFrame, index: pd.Index, scales: dict[str, tuple[float, float]]) -> None:
    for column, (low, high) in scales.items():
        values = numeric[column].to_numpy()
        outside = (values < low) | (values > high)
        if outside.any():
            position = int(np.flatnonzero(outside)[0])
            raise AnalysisError(
                f"Column '{column}' has the value {values[position]:g} in {_row(index, position)}, "
                f"outside its scale {low:g} to {high:g} ({int(outside.sum())} such value(s)); fix the data, "
                "set the scale under 'scale:' or 'scales:', or add the value to 'missing: codes:' if it "
                "marks a missing answer."
            )


def _by_column(values: pd.Series, codes: list[Any], by: str, notes: list[str]) -> pd.Series:
    # Work on the distinct values only: a million rows have a handful of groups.
    positions, levels = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(levels, dtype="object").astype(str).str.strip()
    code_text = {str(c).strip() for c in codes} | {f"{c:g}" for c in codes if not isinstance(c, str)}
    missing_level = (text.isin(code_text) | (text == "")).to_numpy()
    is_missing = positions < 0
    if missing_level.any():
        is_missing |= np.isin(positions, np.flatnonzero(missing_level))
    values = values.mask(is_missing)
    n_missing = int(is_missing.sum())
    if n_missing:
        notes.append(f"{n_missing} respondent(s) without a value in '{by}' are left out of the group "
                     "comparison.")
    n_levels = int((~missing_level).sum())
    if n_levels > MAX_GROUPS:
        raise AnalysisError(f"Column '{by}' has {n_levels} distinct values; --by needs a grouping column "
                            f"with at most {MAX_GROUPS} groups (is it an identifier?).")
    if n_levels == 0:
        raise AnalysisError(f"Column '{by}' has no values: nothing to group by.")
    return values


def _too_few_message(n_used: int, method: str, by_column: dict[str, int]) -> str:
    message = f"Only {n_used} respondent(s) can be used; the analysis needs at least {MIN_RESPONDENTS}."
    worst = sorted((c for c, v in by_column.items() if v), key=lambda c: -by_column[c])[:3]
    if worst:
        message += (" Columns with the most missing answers: "
                    + ", ".join(f"'{c}' ({by_column[c]})" for c in worst) + ".")
        if method == "listwise":
            message += " Try 'missing: {method: pairwise}'."
    return message


def text_labels(values: pd.Series) -> pd.Series:
    """Each value as text, missing values missing: ``values.map(lambda v: None if pd.isna(v) else str(v))``,
    computed once per distinct value (a group column of a million rows has a few dozen)."""
    def label(series: pd.Series) -> pd.Series:
        return series.map(lambda value: None if pd.isna(value) else str(value))

    if isinstance(values.dtype, pd.CategoricalDtype):
        return label(values)  # mapped per category already
    codes, uniques = pd.factorize(values)
    if len(uniques) == 0:
        return label(values)
    texts = label(pd.Series(uniques))
    return pd.Series(texts.array.take(codes, allow_fill=True), index=values.index, name=values.name)
