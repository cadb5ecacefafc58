"""What the LimeSurvey reader and writer share: language codes, answer codes and texts.

A LimeSurvey structure file (.lss) is an XML dump of the survey's tables: ``<document>`` holds
``<LimeSurveyDocType>Survey</LimeSurveyDocType>``, ``<DBVersion>``, ``<languages>`` and one element per table
(``surveys``, ``surveys_languagesettings``, ``groups``, ``questions``, ``subquestions``, ``answers``,
``question_attributes``, ``conditions``...), each with ``<fields><fieldname>`` and ``<rows><row>`` whose children
are the columns. From DBVersion 400 (LimeSurvey 4) the texts moved to ``group_l10ns``, ``question_l10ns`` and
``answer_l10ns``; before, each language had its own row in ``groups``, ``questions`` and ``answers``.
"""

from __future__ import annotations

import html
import re

#: The DBVersion written on export: LimeSurvey 5 layout (l10n tables), which LimeSurvey 5 and 6 import.
DB_VERSION = 495
#: DBVersion from which texts live in the ``*_l10ns`` tables.
L10N_DB_VERSION = 400
#: LimeSurvey's language code for each of ours.
LS_LANGUAGE = {"zh": "zh-Hans", "en": "en"}
#: Question and subquestion codes in LimeSurvey: a letter, then letters and digits (no _: it joins SGQA names).
LS_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
#: Answer option codes: letters and digits, at most five.
LS_ANSWER_CODE = re.compile(r"^[A-Za-z0-9]{1,5}$")
#: Subquestion codes: letters and digits, at most twenty.
LS_SUBQUESTION_CODE = re.compile(r"^[A-Za-z0-9]{1,20}$")


def our_language(code: str) -> str | None:
    """``zh`` or ``en`` for a LimeSurvey language code (zh-Hans, zh-Hant-TW, en, en-GB...), else ``None``."""
    code = code.strip().lower()
    if code == "zh" or code.startswith("zh-"):
        return "zh"
    if code == "en" or code.startswith("en-"):
        return "en"
    return None


def html_to_text(value: str | None) -> str:
    """Plain text of a LimeSurvey text (which is HTML)."""
    text = value or ""
    if re.search(r"<[A-Za-z/!]", text):
        text = re.sub(r"<br\s*/?>|</p>|</div>|</li>", "\n", text, flags=re.IGNORECASE)
        text = re.sub(r"<[^>]*>", "", text)
        text = re.sub(r"\s+", " ", text)
    return html.unescape(text).strip()


def text_to_html(value: str) -> str:
    """A plain text as LimeSurvey HTML."""
    return html.escape(value, quote=False)


def ls_codes(values: list[str], pattern: re.Pattern[str], prefix: str) -> list[str]:
    """LimeSurvey codes for ``values``: the value itself when the pattern allows it, else ``<prefix><n>``."""
    codes: list[str] = []
    taken = {v.lower() for v in values if pattern.match(v)}
    n = 0
    for value in values:
        if pattern.match(value) and value.lower() not in {c.lower() for c in codes}:
            codes.append(value)
            continue
        while True:
            n += 1
            candidate = f"{prefix}{n}"
            if candidate.lower() not in taken:
                break
        taken.add(candidate.lower())
        codes.append(candidate)
    return codes
