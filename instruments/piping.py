"""Piping: an earlier answer or the respondent's unit inserted into a question text, help or page intro.

``{{answer:Q1}}`` stands for the answer to Q1 as the respondent saw it (an option's label in their language, a
scale point or a number, several choices joined); ``{{unit}}`` for the name of the respondent's unit. The text
is filled as plain text: the page template escapes it, answer included, like any other text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from instruments.base import SchemaProblem

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_ANSWER = re.compile(r"\s*answer\s*:\s*([A-Za-z][A-Za-z0-9_]*)\s*\Z")
_UNIT = re.compile(r"\s*unit\s*\Z")
#: what a placeholder for the unit reads as in :func:`references`
UNIT = "unit"


def references(text: str) -> list[str | None]:
    """Per placeholder in ``text``: the item code of ``{{answer:CODE}}``, :data:`UNIT` for ``{{unit}}``, None for
    anything else between double braces."""
    out: list[str | None] = []
    for match in PLACEHOLDER.finditer(text):
        answer = _ANSWER.match(match.group(1))
        out.append(answer.group(1) if answer else UNIT if _UNIT.match(match.group(1)) else None)
    return out


def pipes_unit(texts: Iterable[Any], languages: Iterable[str]) -> bool:
    """Whether any of ``texts`` (instrument texts, None skipped) shows the unit's name in one of ``languages``."""
    languages = tuple(languages)
    return any(UNIT in references(text.get(lang)) for text in texts if text is not None for lang in languages)


def has_placeholders(text: str) -> bool:
    """Whether ``text`` needs filling per respondent."""
    return "{{" in text and PLACEHOLDER.search(text) is not None


def check(text: str, path: tuple[str | int, ...], *, earlier: Collection[str], known: Collection[str]) -> None:
    """Raise SchemaProblem at ``path`` for a placeholder that is not ``{{unit}}`` or an answer of ``earlier``
    (items of earlier pages: an answer on the same page is not known when the page is shown)."""
    for match, code in zip(PLACEHOLDER.finditer(text), references(text), strict=True):
        if code is None:
            raise SchemaProblem(path, f"unknown placeholder {match.group(0)!r} (use {{{{answer:CODE}}}} or "
                                "{{unit}})")
        if code != UNIT and code not in earlier:
            problem = ("must refer to an item on an earlier page" if code in known
                       else "refers to an unknown item")
            raise SchemaProblem(path, f"{match.group(0)} {problem} {code!r}")


def fill(text: str, answers: Mapping[str, str], unit: str) -> str:
    """``text`` with each placeholder replaced: ``answers`` maps item codes to the answer as shown (missing: '')."""
    if not has_placeholders(text):
        return text

    def replace(match: re.Match[str]) -> str:
        answer = _ANSWER.match(match.group(1))
        if answer:
            return answers.get(answer.group(1), "")
        return unit if _UNIT.match(match.group(1)) else match.group(0)

    return PLACEHOLDER.sub(replace, text)
