"""Reading CSV files people upload (organisation units, invitation lists)."""

from __future__ import annotations

import codecs
import csv
import io

from survey_app.text_checks import TextRefused, checked_text

MAX_ROWS = 100_000
#: longest cell accepted (unit names, references and codes are far shorter; longer is a broken file)
MAX_FIELD = 1_000


class UploadError(ValueError):
    """An upload that cannot be used; the message says which line and what to fix."""


def read_csv_upload(data: bytes, *, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Rows of a CSV upload as dicts; UTF-8 (with or without BOM), UTF-16 with BOM, or GBK from Chinese Excel.

    Anything else - binary files, cells over :data:`MAX_FIELD` characters, unclosed quotes, missing columns - is
    an :class:`UploadError` naming the line and what to fix.
    """
    text = _decode(data)
    if "\x00" in text:
        raise UploadError("the file is not a text CSV file (it contains binary data); save it as CSV UTF-8")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # the csv module's own limit on a cell (128 kB) is far above MAX_FIELD: rows are checked below
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [column for column in required if column not in header]
        if missing:
            raise UploadError(f"missing column(s) {', '.join(missing)}; the first line must name the columns "
                              f"{', '.join(required + optional)}")
        return _rows(reader, required)
    except csv.Error as exc:  # a cell beyond the csv module's limit (an unclosed quote swallows the file)
        raise UploadError(f"line {reader.line_num}: a cell is longer than {MAX_FIELD:,} characters or a quote is "
                          f"never closed ({exc})") from None


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or GBK/GB18030 as Chinese Excel saves CSV."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UploadError("the file starts like UTF-16 text but is not; save it as CSV UTF-8") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadError("the file is not a text CSV file: it is neither UTF-8 nor GBK text; save it as CSV UTF-8")


def _rows(reader: csv.DictReader, required: tuple[str, ...]) -> list[dict[str, str]]:
    rows = []
    for line_number, raw in enumerate(reader, start=2):
        if line_number - 1 > MAX_ROWS:
            raise UploadError(f"more than {MAX_ROWS:,} rows; split the file")
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items()
               if k is not None and not isinstance(v, list)}
        if not any(row.values()):
            continue
        for column, value in row.items():
            try:
                row[column] = checked_text(value, f"the column {column!r}")
            except TextRefused as exc:
                raise UploadError(f"line {line_number}: {exc}") from None
        too_long = [column for column, value in row.items() if len(value) > MAX_FIELD]
        if too_long:
            raise UploadError(f"line {line_number}: the column {too_long[0]!r} is longer than {MAX_FIELD:,} "
                              "characters")
        for column in required:
            if not row.get(column):
                raise UploadError(f"line {line_number}: the column {column!r} is empty")
        row["_line"] = str(line_number)
        rows.append(row)
    if not rows:
        raise UploadError("the file has no data rows")
    return rows
