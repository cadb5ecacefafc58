"""Every participant's short message and personal link as a CSV or Excel file, for a sender outside the service
(an SMS gateway, a WeCom or DingTalk bot, a mail merge).

Who is listed follows the mail's rule (services.mail.delivery): participants with an address who have not
unsubscribed; for a reminder on an identified survey only those who have not completed. An anonymous survey's
reminder list is everyone invited, exactly as its reminder mail goes to everyone: the file must not tell who
answered. Unlike the mail, the file does not ask whether the invitation was sent (it may have gone out through the
file itself). Cells that a spreadsheet would run as a formula are neutralised (services.exports.neutralise), except a
phone number in international form (``+86 138-0000-0001``): with no letter in it, it can name no cell and call no
function, and an SMS gateway needs its ``+``.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook

from survey_app.extensions import db
from survey_app.messages import N_, TranslatableError
from survey_app.models import Invitation, Survey
from survey_app.services.channels.texts import short_text
from survey_app.services.exports import neutralise
from survey_app.services.mail.delivery import check_step
from survey_app.services.message_values import MessageValues, message_language

#: the columns, in order; each attribute of the participants list follows as a column of its own
COLUMNS = ("ref", "email", "name", "unit", "language", "kind", "step", "text", "sms_parts", "link")
#: a phone number in international form, left as it is (see the module's docstring)
PHONE = re.compile(r"\+[0-9][0-9 ()-]{5,30}\Z")
#: the file formats and their media types
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def export_rows(survey: Survey, kind: str, step: str = "") -> tuple[list[str], list[dict[str, Any]]]:
    """The columns and one row per participant the ``kind`` message (``step`` of a reminder) goes to."""
    if kind not in ("invitation", "reminder"):
        raise ValueError("kind must be one of ('invitation', 'reminder')")
    if kind == "reminder":
        check_step(step)
    if survey.status in ("closed", "archived"):
        raise TranslatableError(N_("the survey is closed: no more messages are sent for it"))
    query = sa.select(Invitation).where(Invitation.survey_id == survey.id, Invitation.email.is_not(None),
                                        Invitation.unsubscribed_at.is_(None)).order_by(Invitation.id)
    if kind == "reminder" and not survey.anonymous:
        query = query.where(Invitation.used_at.is_(None))
    values = MessageValues(survey)
    rows, attributes = [], {}
    for invitation in db.session.scalars(query):
        lang = message_language(survey, invitation)
        filled = values(invitation, lang)
        text = short_text(kind, lang, survey=survey.title_in(lang), values=filled)
        row = {"ref": invitation.external_ref or "", "email": invitation.email, "name": invitation.name or "",
               "unit": values.unit_code(invitation.unit_id) or "", "language": lang, "kind": kind,
               "step": step if kind == "reminder" else "", "text": text.text, "sms_parts": text.parts,
               "link": filled["link"]}
        for name, value in (invitation.attributes or {}).items():
            column = attributes.setdefault(name, f"attribute:{name}" if name in COLUMNS else name)
            row[column] = value
        rows.append(row)
    return [*COLUMNS, *attributes.values()], rows


def file_bytes(columns: list[str], rows: list[dict[str, Any]], fmt: str) -> bytes:
    """The rows as CSV (UTF-8 with a byte order mark, for Excel) or Excel; text cells neutralised."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {tuple(FORMATS)}")
    cells = [[_cell(row.get(column, "")) for column in columns] for row in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([neutralise(column) for column in columns])
        writer.writerows(cells)
        return buffer.getvalue().encode("utf-8-sig")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("messages")
    sheet.append([neutralise(column) for column in columns])
    for line in cells:
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    return value if isinstance(value, str) and PHONE.match(value) else neutralise(value)
