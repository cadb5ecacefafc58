"""Text that comes in (answers, titles, unit names, invitee references, uploads) is checked on the way in.

Control characters other than tab and newline have no place in a survey answer or a name: a NUL cannot be stored in
PostgreSQL's JSONB, openpyxl refuses most of them in a cell, and a bell or an escape sequence in a name is mischief.
An unpaired surrogate (``"\\ud800"``, which JSON allows) is not text at all: no encoding can write it, so a CSV or
SPSS file holding one cannot be made. Both are refused with a message naming the field, never stored. Windows and
old Mac line ends (CR LF, CR) are turned into newlines first: a browser's text box sends CR LF.

:func:`printable` is the other side, for the outputs: rows stored before these checks existed still export.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, request
from markupsafe import Markup

#: C0 controls except tab and newline, DEL, and the C1 controls
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_ENDS = re.compile("\r\n?")


class TextRefused(ValueError):
    """Text with a character that may not be stored; ``problem`` is ``control_character`` or ``not_text``."""

    def __init__(self, problem: str, field: str | None = None) -> None:
        self.problem = problem
        self.field = field
        what = ("a control character (an invisible character such as NUL or ESC)" if problem == "control_character"
                else "an unpaired surrogate (not a character of any text)")
        super().__init__(f"{field + ' ' if field else ''}contains {what}; remove it and send it again")


def checked_text(value: str, field: str | None = None) -> str:
    """``value`` with line ends made newlines; TextRefused when it holds a control character or a surrogate."""
    if _SURROGATE.search(value):
        raise TextRefused("not_text", field)
    value = _LINE_ENDS.sub("\n", value)
    if _CONTROL.search(value):
        raise TextRefused("control_character", field)
    return value


def text_problem(value: str) -> str | None:
    """The problem :func:`checked_text` would refuse ``value`` for, or None."""
    try:
        checked_text(value)
    except TextRefused as exc:
        return exc.problem
    return None


def printable(value: str) -> str:
    """``value`` as every output format can hold it: surrogates become U+FFFD, other control characters go."""
    value = _SURROGATE.sub("\ufffd", value)
    return _CONTROL.sub("", _LINE_ENDS.sub("\n", value))


def printable_value(value: Any) -> Any:
    """Jinja's ``finalize``: plain text through :func:`printable`; markup (our own HTML) and the rest as they are."""
    if isinstance(value, str) and not isinstance(value, Markup) and (_SURROGATE.search(value)
                                                                       or _CONTROL.search(value)):
        return printable(value)
    return value


def refuse_nul_in_request() -> None:
    """Before every request: a NUL in a query or form value (or name) ends the request with 400.

    No field of ours can hold one (PostgreSQL cannot even compare a text with it, so a lookup by such a value
    fails), and no browser sends one in a form a person filled in; refusing it here spares every view the check.
    """
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                abort(400, description="a value contains a NUL character; remove it and send it again")

