"""Reading CSV and Excel files people upload (organisation units, invitation and participant lists)."""

from __future__ import annotations

import codecs
import csv
import io

from survey_app.messages import N_, Listing, Quoted, Term, TranslatableError, Value
from survey_app.text_checks import TextRefused, checked_text

MAX_ROWS = 100_000
#: longest cell accepted (unit names, references and codes are far shorter; longer is a broken file)
MAX_FIELD = 1_000
#: the columns uploads know (each name is also its message key: the console names it in the reader's language),
#: with the names a spreadsheet saved in Chinese may give them instead - the console's Chinese names first
COLUMNS: dict[str, tuple[str, ...]] = {
    N_("unit"): ("单元", "单元编码"),
    N_("parent"): ("上级单元", "上级"),
    N_("kind"): ("类型",),
    N_("name"): ("名称", "姓名"),
    N_("name_zh"): ("中文名称",),
    N_("name_en"): ("英文名称",),
    N_("ref"): ("受邀人", "邀请对象"),
    N_("email"): ("邮箱", "电子邮件", "电子邮箱"),
    N_("language"): ("语言",),
    N_("owner"): ("负责人",),
}
_ALIASES = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}


class UploadError(TranslatableError):
    """An upload that cannot be used; the message says which line and what to fix."""


def column_term(column: str, *, quoted: bool = False) -> Value:
    """A column of an upload: a known one by its name in the reader's language, any other as the file has it."""
    if column in COLUMNS:
        return Term(column, quoted=quoted)
    return Quoted(column) if quoted else column


def read_csv_upload(data: bytes, *, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Rows of a CSV upload as dicts; UTF-8 (with or without BOM), UTF-16 with BOM, or GBK from Chinese Excel.

    Anything else - binary files, cells over :data:`MAX_FIELD` characters, unclosed quotes, missing columns - is
    an :class:`UploadError` naming the line and what to fix.
    """
    text = _decode(data)
    if "\x00" in text:
        raise UploadError(N_("the file is not a text CSV file (it contains binary data); save it as CSV UTF-8"))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # the csv module's own limit on a cell (128 kB) is far above MAX_FIELD: rows are checked below
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    try:
        if reader.fieldnames:  # a Chinese spreadsheet's column names read as the English ones
            reader.fieldnames = [_column(name) for name in reader.fieldnames]
        header = list(reader.fieldnames or [])
        missing = [column for column in required if column not in header]
        if missing:
            raise UploadError(N_("missing column(s) %(missing)s; the first line must name the columns %(columns)s"),
                              missing=Listing.of(map(column_term, missing)),
                              columns=Listing.of(map(column_term, required + optional)))
        return _rows(reader, required)
    except csv.Error:  # a cell beyond the csv module's limit (an unclosed quote swallows the file)
        raise UploadError(N_("line %(line)s: a cell is longer than %(limit)s characters or a quote is never "
                             "closed"), line=reader.line_num, limit=f"{MAX_FIELD:,}") from None


#: how an Excel workbook (.xlsx) starts: a ZIP archive
XLSX_MAGIC = b"PK\x03\x04"


def read_table_upload(data: bytes, *, required: tuple[str, ...],
                      optional: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Rows of a CSV or Excel (.xlsx, its first sheet) upload; the workbook is read as its CSV would be, so every
    check of :func:`read_csv_upload` applies to it too."""
    if data.startswith(XLSX_MAGIC):
        data = _xlsx_as_csv(data)
    return read_csv_upload(data, required=required, optional=optional)


def _xlsx_as_csv(data: bytes) -> bytes:
    """The first sheet of a workbook as UTF-8 CSV (values, not formulas)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zipfile, KeyError, XML errors) for a broken workbook
        raise UploadError(N_("the file is neither a CSV file nor an Excel workbook (.xlsx) that can be read")) \
            from None
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    try:
        for number, row in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 1:
                raise UploadError(N_("more than %(limit)s rows; split the file"), limit=f"{MAX_ROWS:,}")
            writer.writerow(["" if value is None else str(value) for value in row])
    finally:
        workbook.close()
    return buffer.getvalue().encode("utf-8")


def _column(name: str) -> str:
    """A column name as the rows are keyed: trimmed, lower-case, and a Chinese name as its English one."""
    name = name.strip().lower()
    return _ALIASES.get(name, name)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or GBK/GB18030 as Chinese Excel saves CSV."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UploadError(N_("the file starts like UTF-16 text but is not; save it as CSV UTF-8")) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadError(N_("the file is not a text CSV file: it is neither UTF-8 nor GBK text; save it as CSV "
                         "UTF-8"))


def _rows(reader: csv.DictReader, required: tuple[str, ...]) -> list[dict[str, str]]:
    rows = []
    for line_number, raw in enumerate(reader, start=2):
        if line_number - 1 > MAX_ROWS:
            raise UploadError(N_("more than %(limit)s rows; split the file"), limit=f"{MAX_ROWS:,}")
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None and not isinstance(v, list)}
        if not any(row.values()):
            continue
        for column, value in row.items():
            try:
                row[column] = checked_text(value, f"the column {column!r}")
            except TextRefused as exc:
                raise UploadError(CONTROL_CHARACTER if exc.problem == "control_character" else NOT_TEXT,
                                  line=line_number, column=column_term(column, quoted=True)) from None
        too_long = [column for column, value in row.items() if len(value) > MAX_FIELD]
        if too_long:
            raise UploadError(N_("line %(line)s: the column %(column)s is longer than %(limit)s characters"),
                              line=line_number, column=column_term(too_long[0], quoted=True), limit=f"{MAX_FIELD:,}")
        for column in required:
            if not row.get(column):
                raise UploadError(N_("line %(line)s: the column %(column)s is empty"), line=line_number,
                                  column=column_term(column, quoted=True))
        row["_line"] = str(line_number)
        rows.append(row)
    if not rows:
        raise UploadError(N_("the file has no data rows"))
    return rows


#: a cell with a character text_checks refuses (the wording of text_checks.TextRefused)
CONTROL_CHARACTER = N_("line %(line)s: the column %(column)s contains a control character (an invisible character "
                       "such as NUL or ESC); remove it and send it again")
NOT_TEXT = N_("line %(line)s: the column %(column)s contains an unpaired surrogate (not a character of any text); "
              "remove it and send it again")
