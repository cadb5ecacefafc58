"""The short text of a message for channels that are not email (SMS, WeCom, DingTalk): name, survey title,
deadline and link in one line, fitted into one SMS where that can be done.

One SMS holds 160 characters of the GSM 7-bit alphabet (3GPP TS 23.038; the extension characters ``^{}\\[~]|€``
take two) or 70 UTF-16 code units otherwise (any Chinese character makes the whole text UCS-2). A longer text is
sent as one concatenated SMS of several parts of 153 or 67 (the rest is the header joining them), each billed;
WeCom and DingTalk show the text whole (their limits, 2048 bytes and more, are far above these texts).

The fitting, in order (the link is never cut): the first usable template that fits one SMS; else the shortest usable
template with the survey title shortened (to no fewer than :data:`MIN_TITLE` characters); else - the link alone
takes most of an SMS, as it does in Chinese - the fullest usable template that needs no more parts than the shortest
one. A template is usable when each variable it names has a value, and it names ``{deadline}`` exactly when the
survey has one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: kind -> language -> templates, fullest first; the last two of each use no {name} (with and without {deadline})
SHORT_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "invitation": {
        "en": ('Hello {name}, you are invited to answer the survey "{survey}" by {deadline}: {link}',
               '{name}, please answer the survey "{survey}" by {deadline}: {link}',
               'Hello {name}, you are invited to answer the survey "{survey}": {link}',
               'Please answer the survey "{survey}" by {deadline}: {link}',
               'Please answer the survey "{survey}": {link}'),
        "zh": ("{name}您好，诚邀您参加调查“{survey}”，请于{deadline}前作答：{link}",
               "{name}您好，诚邀您参加调查“{survey}”：{link}",
               "诚邀您参加调查“{survey}”，请于{deadline}前作答：{link}",
               "诚邀您参加调查“{survey}”：{link}"),
    },
    "reminder": {
        "en": ('Reminder, {name}: please answer the survey "{survey}" by {deadline} unless you have already: {link}',
               'Reminder, {name}: please answer "{survey}" by {deadline} unless done already: {link}',
               'Reminder, {name}: please answer the survey "{survey}" unless you have already: {link}',
               'Reminder: please answer "{survey}" by {deadline} unless done already: {link}',
               'Reminder: please answer "{survey}" unless done already: {link}'),
        "zh": ("{name}您好，提醒您：调查“{survey}”将于{deadline}截止，如尚未作答请点击：{link}",
               "{name}您好，提醒您：如尚未回答调查“{survey}”，请点击：{link}",
               "提醒：调查“{survey}”将于{deadline}截止，如尚未作答请点击：{link}",
               "提醒：如尚未回答调查“{survey}”，请点击：{link}"),
    },
}
#: GSM 03.38 basic alphabet (one septet each)
GSM_BASIC = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
#: GSM 03.38 extension table (an escape and the character: two septets each)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
#: one SMS, and one part of a concatenated SMS, by encoding
SINGLE = {"GSM-7": 160, "UCS-2": 70}
PART = {"GSM-7": 153, "UCS-2": 67}
#: a shortened title keeps at least this many characters (before the ellipsis)
MIN_TITLE = 8
#: what ends a shortened title (three dots stay in the GSM alphabet; "…" would make an English text UCS-2)
ELLIPSIS = {"en": "...", "zh": "…"}
_VARIABLE = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class ShortText:
    """A short text and what it costs as an SMS."""

    text: str
    #: GSM-7 or UCS-2
    encoding: str
    #: in the encoding's units (septets, or UTF-16 code units)
    length: int
    #: SMS parts it is sent as (1 when it fits one message)
    parts: int


def measure(text: str) -> ShortText:
    """The encoding, length and number of SMS parts of ``text``."""
    if set(text) <= GSM_BASIC | GSM_EXTENSION:
        encoding, length = "GSM-7", sum(2 if c in GSM_EXTENSION else 1 for c in text)
    else:
        encoding, length = "UCS-2", len(text.encode("utf-16-le")) // 2
    parts = 1 if length <= SINGLE[encoding] else math.ceil(length / PART[encoding])
    return ShortText(text, encoding, length, parts)


def short_text(kind: str, lang: str, *, survey: str, values: dict[str, str | None]) -> ShortText:
    """The ``kind`` short text in ``lang`` for ``values`` (services.message_values), fitted as the module says."""
    if kind not in SHORT_TEXTS or lang not in SHORT_TEXTS[kind]:
        raise ValueError(f"kind must be one of {tuple(SHORT_TEXTS)} and lang one of {tuple(ELLIPSIS)}")
    filled = {k: (" ".join(str(v).split()) if k != "link" else str(v)) for k, v in values.items() if v}
    title = " ".join(survey.split())
    usable = [t for t in SHORT_TEXTS[kind][lang] if set(_VARIABLE.findall(t)) - {"survey"} <= set(filled)
              and ("{deadline}" in t) == ("deadline" in filled)]
    texts = [measure(t.format_map({**filled, "survey": title})) for t in usable]
    for text in texts:
        if text.parts == 1:
            return text

    def cut(keep: int) -> ShortText:
        return measure(usable[-1].format_map({**filled, "survey": title[:keep].rstrip() + ELLIPSIS[lang]}))

    # a shorter title never makes the text longer (nor turns it from GSM-7 into UCS-2): search the longest that fits
    low, high = MIN_TITLE, len(title) - 1
    if low <= high and cut(low).parts == 1:
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if cut(middle).parts == 1 else (low, middle - 1)
        return cut(low)
    return next(text for text in texts if text.parts <= texts[-1].parts)
