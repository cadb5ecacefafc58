"""Mail about cases to the people responsible: the alert, an assignment, the overdue notice (zh/en, text+HTML).

A subscriber of the case events (services.case_events): each message is a scheduler job (``case_mail``, one per
history entry and address), queued in the transaction of the change and sent by the scheduler worker through the
mail transport. A temporary failure is retried with the scheduler's backoff; a refusal (5xx) is recorded in the
case's history. The messages carry the link to the case, never the answers.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from pathlib import Path
from typing import Any

from flask import current_app

from survey_app.extensions import db
from survey_app.models import AlertCase, CaseEvent, Survey, Unit, User
from survey_app.models.types import as_utc
from survey_app.scheduler.jobs import register, schedule
from survey_app.services.case_events import on_case_event
from survey_app.services.mail.transport import DeliveryError, transport_for

KIND = "case_mail"
#: attempts before a message is given up (the scheduler waits 1, 2, 4, ... minutes between them)
MAX_ATTEMPTS = 8

#: what -> language -> (subject, body)
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "alert": {
        "en": ("Alert: {rule} ({survey})",
               "A response to “{survey}” met the alert rule “{rule}”.\n\nUnit: {unit}\nPriority: {priority}\n"
               "Due by: {due} (UTC)\n\nOpen the case:\n{link}"),
        "zh": ("预警：{rule}（{survey}）",
               "调查“{survey}”的一份回答触发了预警规则“{rule}”。\n\n单元：{unit}\n优先级：{priority}\n"
               "处理期限：{due}（UTC）\n\n打开个案：\n{link}"),
    },
    "assigned": {
        "en": ("Case assigned to you: {rule} ({survey})",
               "The case “{rule}” of the survey “{survey}” was assigned to you.\n\nUnit: {unit}\n"
               "Priority: {priority}\nDue by: {due} (UTC)\n\nOpen the case:\n{link}"),
        "zh": ("指派给您的个案：{rule}（{survey}）",
               "调查“{survey}”的个案“{rule}”已指派给您。\n\n单元：{unit}\n优先级：{priority}\n"
               "处理期限：{due}（UTC）\n\n打开个案：\n{link}"),
    },
    "overdue": {
        "en": ("Overdue: {rule} ({survey})",
               "The case “{rule}” of the survey “{survey}” is not resolved and was due by {due} (UTC).\n\n"
               "Unit: {unit}\nPriority: {priority}\n\nOpen the case:\n{link}"),
        "zh": ("已逾期：{rule}（{survey}）",
               "调查“{survey}”的个案“{rule}”尚未解决，处理期限为 {due}（UTC）。\n\n单元：{unit}\n优先级：{priority}\n\n"
               "打开个案：\n{link}"),
    },
}
PRIORITY_WORDS = {"en": {"urgent": "urgent", "high": "high", "normal": "normal", "low": "low"},
                  "zh": {"urgent": "紧急", "high": "高", "normal": "普通", "low": "低"}}
FOOTER = {"en": "Sent by Manyi because you are responsible for this unit or case.",
          "zh": "满意调查系统发送：您是此单元或个案的负责人。"}
NO_UNIT = {"en": "—", "zh": "—"}


@on_case_event
def queue_case_mail(event: str, case: AlertCase, entry: CaseEvent, now: datetime) -> None:
    """Queue the message an entry calls for: the alert to the addresses notified, an assignment to the assignee
    (not when one assigns oneself), the overdue notice to the assignee (else to the addresses notified)."""
    assignee = db.session.get(User, case.assignee_id) if case.assignee_id else None
    if entry.kind == "opened":
        what, to = "alert", list(case.notified)
    elif entry.kind == "assigned" and assignee is not None and entry.user_id != assignee.id:
        what, to = "assigned", [assignee.email]
    elif entry.kind == "overdue":
        what, to = "overdue", [assignee.email] if assignee is not None else list(case.notified)
    else:
        return
    for address in to:
        schedule(f"case:{case.id}:entry:{entry.id}:mail:{address}"[:200], now, KIND,
                 {"case_id": case.id, "entry_id": entry.id, "what": what, "to": address}, max_attempts=MAX_ATTEMPTS)


def case_link(survey: Survey, case: AlertCase) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/admin/surveys/{survey.slug}/cases/{case.id}"


def compose_case_mail(what: str, lang: str, values: dict[str, str]) -> tuple[str, str, str]:
    """(subject, text, HTML) of a case message in ``lang`` with ``values`` filled in."""
    subject, body = TEXTS[what][lang]
    filled = {key: " ".join(str(value).split()) if key != "link" else str(value) for key, value in values.items()}
    text = body.format_map(filled) + f"\n\n-- \n{FOOTER[lang]}"
    html_values = {key: escape(value) for key, value in filled.items()}
    html_values["link"] = f'<a href="{escape(filled["link"])}">{escape(filled["link"])}</a>'
    paragraphs = "".join(f"<p>{escape(part).replace(chr(10), '<br>' + chr(10))}</p>\n"
                         for part in body.split("\n\n")).format_map(html_values)
    title = escape(subject.format_map(filled))
    html = (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>\n'
            f'<body>\n{paragraphs}<hr>\n<p><small>{escape(FOOTER[lang])}</small></p>\n</body></html>\n')
    return " ".join(subject.format_map(filled).split()), text, html


def message_for(case: AlertCase, what: str, to: str) -> tuple[EmailMessage, Survey]:
    """The message ``what`` about ``case`` to ``to``, in the survey's first language (zh or en)."""
    survey = db.session.get(Survey, case.survey_id)
    lang = survey.languages[0] if survey.languages and survey.languages[0] in ("zh", "en") else "en"
    unit = db.session.get(Unit, case.unit_id) if case.unit_id else None
    values = {"survey": survey.title_in(lang), "rule": case.rule_name,
              "unit": ((unit.names or {}).get(lang) or unit.name) if unit else NO_UNIT[lang],
              "priority": PRIORITY_WORDS[lang].get(case.priority, case.priority),
              "due": as_utc(case.due_at).strftime("%Y-%m-%d %H:%M"), "link": case_link(survey, case)}
    subject, text, html = compose_case_mail(what, lang, values)
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rsplit("@", 1)[-1].strip(" >") or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message, survey


@register(KIND)
def send_case_mail(payload: dict[str, Any], now: datetime) -> None:
    """The ``case_mail`` job: send one message; a temporary failure raises (the scheduler tries again later)."""
    case = db.session.get(AlertCase, int(payload["case_id"]))
    if case is None:
        return
    message, survey = message_for(case, str(payload["what"]), str(payload["to"]))
    config = current_app.config
    transport = transport_for(config["SMTP_URL"], Path(config["MAIL_OUTBOX"]))
    try:
        transport.send(message, folder=f"cases-{survey.slug}")
    except DeliveryError as exc:
        if not exc.permanent:
            raise
        db.session.add(CaseEvent(case_id=case.id, at=now, kind="mail_failed", new=str(payload["to"])[:320],
                                 note=exc.reply))
        db.session.flush()
    finally:
        transport.close()
