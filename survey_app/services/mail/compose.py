"""The messages: per-language texts of the invitation and the reminder, as plain text and HTML, with the
one-click unsubscribe headers of RFC 8058."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape

from instruments import piping

#: the variables a text may use (besides {survey}, the survey's title, and {{attribute:NAME}}, a column of the
#: participants list)
VARIABLES = ("name", "unit", "deadline", "link")

#: kind -> language -> (subject, body); "{unsubscribe}" is filled with the unsubscribe link
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "invitation": {
        "en": ("Invitation: {survey}",
               "Dear {name},\n\nyou are invited to answer the survey “{survey}”. It takes a few minutes.\n\n"
               "Your unit: {unit}\nPlease answer by: {deadline}\n\nYour personal link:\n{link}\n\nThank you!"),
        "zh": ("邀请：{survey}",
               "{name}，您好：\n\n诚邀您参加调查“{survey}”，只需几分钟。\n\n"
               "您的单元：{unit}\n请在此日期前作答：{deadline}\n\n您的个人链接：\n{link}\n\n谢谢！"),
    },
    "reminder": {
        "en": ("Reminder: {survey}",
               "Dear {name},\n\na reminder: your answers to the survey “{survey}” are still missing.\n\n"
               "Your unit: {unit}\nPlease answer by: {deadline}\n\nYour personal link:\n{link}\n\n"
               "If you have answered already, thank you: please ignore this message."),
        "zh": ("提醒：{survey}",
               "{name}，您好：\n\n提醒您：调查“{survey}”还在等待您的回答。\n\n"
               "您的单元：{unit}\n请在此日期前作答：{deadline}\n\n您的个人链接：\n{link}\n\n"
               "如果您已经作答，谢谢您，请忽略此邮件。"),
    },
    # after a complaint's case was resolved (services.recovery): how did we handle it?
    "followup": {
        "en": ("How did we handle your problem? {survey}",
               "Dear {name},\n\nyou recently told us about a problem, and we have dealt with it. Please tell us in "
               "a minute how we handled it: your answers go to the people responsible.\n\n"
               "Your personal link:\n{link}\n\nThank you!"),
        "zh": ("我们处理得怎么样？{survey}",
               "{name}，您好：\n\n您最近向我们反映了一个问题，我们已经处理。请花一分钟告诉我们处理得怎么样，"
               "您的回答会交给负责的同事。\n\n您的个人链接：\n{link}\n\n谢谢！"),
    },
}
#: the footer of every message
FOOTER = {
    "en": "You receive this message because you were invited to this survey. No more messages about it: "
          "{unsubscribe}",
    "zh": "您收到此邮件，是因为您受邀参加本调查。不想再收到本调查的邮件：{unsubscribe}",
}
#: what a missing value reads as
MISSING = {
    "en": {"name": "participant", "unit": "—", "deadline": "when the survey closes"},
    "zh": {"name": "参与者", "unit": "—", "deadline": "调查结束时"},
}


@dataclass(frozen=True)
class Composed:
    """A message's subject and its two bodies, as the preview shows them and the message carries them."""

    subject: str
    text: str
    html: str


def compose(kind: str, lang: str, *, survey: str, values: dict[str, str | None], unsubscribe: str,
            attributes: Mapping[str, str] | None = None) -> Composed:
    """The ``kind`` message in ``lang`` with ``values`` filled in (missing ones read as :data:`MISSING`) and the
    invitee's ``attributes`` (by lower-case name) in place of ``{{attribute:NAME}}`` (missing ones read as "")."""
    if kind not in TEXTS:
        raise ValueError(f"kind must be one of {tuple(TEXTS)}")
    if lang not in TEXTS[kind]:
        raise ValueError(f"lang must be one of {tuple(TEXTS[kind])}")
    subject, body = (_pipe(part, attributes or {}) for part in TEXTS[kind][lang])
    filled = {**MISSING[lang], **{k: v for k, v in values.items() if v}, "survey": survey}
    filled = {k: " ".join(str(v).split()) if k != "link" else str(v) for k, v in filled.items()}
    template = f"{body}\n\n-- \n{FOOTER[lang]}"
    text = template.format_map({**filled, "unsubscribe": unsubscribe})
    html_values = {k: escape(v) for k, v in filled.items()}
    html_values["link"] = f'<a href="{escape(filled["link"])}">{escape(filled["link"])}</a>'
    html_values["unsubscribe"] = f'<a href="{escape(unsubscribe)}">{escape(unsubscribe)}</a>'
    paragraphs = [escape(part).replace("\n", "<br>\n") for part in body.split("\n\n")]
    html_body = "".join(f"<p>{part}</p>\n" for part in paragraphs).format_map(html_values)
    footer = escape(FOOTER[lang]).format_map(html_values)
    html = (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{html_values["survey"]}'
            f'</title></head>\n<body>\n{html_body}<hr>\n<p><small>{footer}</small></p>\n</body></html>\n')
    return Composed(" ".join(subject.format_map(filled).split()), text, html)


def _pipe(template: str, attributes: Mapping[str, str]) -> str:
    """``template`` with its attribute placeholders filled, braces in the values doubled for ``str.format``."""
    def replace(match: re.Match[str]) -> str:
        name = piping.attribute_of(piping.references(match.group(0))[0])
        if name is None:
            return match.group(0)
        return " ".join(str(attributes.get(name, "")).split()).replace("{", "{{").replace("}", "}}")

    return piping.PLACEHOLDER.sub(replace, template)


def build_message(composed: Composed, *, sender: str, to: str, unsubscribe: str, domain: str) -> EmailMessage:
    """A multipart/alternative message with the List-Unsubscribe headers (RFC 2369, one-click: RFC 8058)."""
    message = EmailMessage()
    message["Subject"] = composed.subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=domain)
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(composed.text)
    message.add_alternative(composed.html, subtype="html")
    return message
