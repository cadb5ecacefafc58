"""Reading CSV files people upload (organisation units, invitation lists)."""

from __future__ import annotations

import csv
import io

MAX_ROWS = 100_000


class UploadError(ValueError):
    """An upload that cannot be used; the message says which line and what to fix."""


def read_csv_upload(data: bytes, *, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Rows of a CSV upload as dicts; UTF-8 (with or without BOM) or GBK from Chinese Excel."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise UploadError("the file is neither UTF-8 nor GBK text")
    if "\x00" in text:
        raise UploadError("the file is not a text CSV file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [column for column in required if column not in header]
    if missing:
        raise UploadError(f"missing column(s) {', '.join(missing)}; the first line must name the columns "
                          f"{', '.join(required + optional)}")
    rows = []
    for line_number, raw in enumerate(reader, start=2):
        if line_number - 1 > MAX_ROWS:
            raise UploadError(f"more than {MAX_ROWS:,} rows; split the file")
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        for column in required:
            if not row.get(column):
                raise UploadError(f"line {line_number}: the column {column!r} is empty")
        row["_line"] = str(line_number)
        rows.append(row)
    if not rows:
        raise UploadError("the file has no data rows")
    return rows
