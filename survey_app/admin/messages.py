"""Refusals in the console's language.

The services raise :class:`~survey_app.messages.TranslatableError` (a message key and its values), rendered here
with the request's catalogue. Some refusals reach the console as English text only: those of the analysis
(``analysis.errors.AnalysisError``), of the disclosure gate and the report service, of the console sessions, and a
report job's error, which is stored as text. Their known shapes are listed in :data:`READ_BACK`; a message of one
of these shapes is read back into its values and translated, anything else is shown in English, marked as such.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from flask_babel import get_locale, gettext

from survey_app.messages import N_, QUOTED, TranslatableError

#: English messages raised as plain text by modules outside the console (their wording, with the values as
#: placeholders), most specific first where one shape is the start of another
READ_BACK = (
    # survey_app.services.analysis: the report of a whole survey
    N_("survey %(survey)s has fewer than %(k)s responses; no report is made for so small a group"),
    N_("survey %(survey)s has fewer than %(k)s responses released so far; no report is made for so small a group"),
    N_("an anonymous survey is broken down by an answer only once it has closed: while answers still arrive, a "
       "group's figure could be read before and after one person joins it"),
    N_("--by %(by)s is not an item of survey %(survey)s"),
    N_("an anonymous survey is never broken down by an attribute of the participants list: the attributes belong "
       "to named invitees, and its answers keep no link to them"),
    N_("--by %(by)s: no response of survey %(survey)s came by a personal link whose invitee has the attribute "
       "%(name)s (a column of the participants list)"),
    # survey_app.services.breakdowns: the report's group comparison asked for in the URL
    N_("%(by)s is not an attribute of the participants list of survey %(survey)s"),
    # survey_app.services.disclosure: the report of a unit
    N_("unit %(unit)s is not part of survey %(survey)s"),
    N_("unit %(unit)s has fewer than %(k)s responses; no report is made for so small a group"),
    N_("unit %(unit)s has fewer than %(k)s responses released so far; no report is made for so small a group"),
    N_("a report for unit %(unit)s could be subtracted from the report of the unit above it (or the whole survey) "
       "to single out fewer than %(k)s people; no report is made for it"),
    # survey_app.services.console_sessions: changing one's password
    N_("the current password is wrong"),
    N_("a password needs at least %(n)s characters"),
    N_("the new password is the same as the current one"),
    # survey_app.services.report_jobs: a report rendered in the background
    N_("the worker stopped before the report was finished"),
    N_("the report could not be rendered; the error is in the server log"),
    # analysis.data and analysis.engine: answers the analysis cannot use
    N_("Only %(n)s respondent(s) can be used; the analysis needs at least %(min)s. Columns with the most missing "
       "answers: %(columns)s. Try 'missing: {method: pairwise}'."),
    N_("Only %(n)s respondent(s) can be used; the analysis needs at least %(min)s. Columns with the most missing "
       "answers: %(columns)s."),
    N_("Only %(n)s respondent(s) can be used; the analysis needs at least %(min)s."),
    N_("Column(s) %(columns)s have no answers (every cell is empty or a missing code)."),
    N_("The data has no rows: there are no respondents to analyse."),
    N_("No analysis could be computed. %(failures)s"),
)
#: a message of no known shape, in English (the analysis has some two hundred; the common ones are above)
UNTRANSLATED = N_("%(detail)s (in English)")

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_QUOTED_VALUE = re.compile(r"'([^']*)'")


def explain(error: BaseException | str, labels: Mapping[str, str] | None = None) -> str:
    """The message of ``error`` (an exception or a stored message) in the console's language.

    ``labels`` name the survey's items and constructs in that language: a quoted item code in a message read
    back (the analysis names columns by their codes) is shown as the item's text.
    """
    lang = str(get_locale())
    if isinstance(error, TranslatableError):
        return error.render(gettext, lang)
    text = str(error)
    if lang == "en":
        return text
    for pattern, key in _shapes():
        match = pattern.fullmatch(text)
        if match is not None:
            return gettext(key) % {name: _value(value, labels or {}) for name, value in match.groupdict().items()}
    return gettext(UNTRANSLATED) % {"detail": text}


@cache
def _shapes() -> list[tuple[re.Pattern[str], str]]:
    """A pattern per shape of :data:`READ_BACK`, the longest (most specific) first."""
    shapes = []
    for key in READ_BACK:
        parts, seen = [], set()
        for literal, name in zip(_PLACEHOLDER.split(key)[::2], [*_PLACEHOLDER.findall(key), None], strict=True):
            parts.append(re.escape(literal))
            if name is not None:
                parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
                seen.add(name)
        shapes.append((re.compile("".join(parts), re.DOTALL), key))
    return sorted(shapes, key=lambda shape: -len(_PLACEHOLDER.sub("", shape[1])))


def _value(value: str, labels: Mapping[str, str]) -> str:
    """A value read back: its quoted codes (Python reprs, as the messages print them) quoted in the reader's
    language, an item's code as the item's text."""
    return _QUOTED_VALUE.sub(lambda quoted: gettext(QUOTED) % {"value": labels.get(quoted[1], quoted[1])}, value)
