"""Piping: an earlier answer, the respondent's unit or an attribute of the invitee inserted into a question
text, help or page intro.

``{{answer:Q1}}`` stands for the answer to Q1 as the respondent saw it (an option's label in their language, a
scale point or a number, several choices joined); ``{{unit}}`` for the name of the respondent's unit;
``{{attribute:team}}`` for the invitee's ``team`` from the participants list (any column name: attribute names are
free-form and compared without regard to case; empty when the respondent has no such attribute, or no personal
link). The text is filled as plain text: the page template escapes it, answer included, like any other text.
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
#: what a placeholder for an invitee attribute reads as in :func:`references`: this prefix, then the name (an item
#: code never has a colon)
ATTRIBUTE = "attribute:"
#: longest attribute name
MAX_ATTRIBUTE = 100
_ATTRIBUTE = re.compile(rf"\s*attribute\s*:\s*([^{{}}\s][^{{}}]{{0,{MAX_ATTRIBUTE - 1}}}?)\s*\Z")


def references(text: str) -> list[str | None]:
    """Per placeholder in ``text``: the item code of ``{{answer:CODE}}``, :data:`UNIT` for ``{{unit}}``,
    :data:`ATTRIBUTE` and the lower-case name for ``{{attribute:NAME}}``, None for anything else between double
    braces."""
    return [_reference(match.group(1)) for match in PLACEHOLDER.finditer(text)]


def _reference(inside: str) -> str | None:
    answer = _ANSWER.match(inside)
    if answer:
        return answer.group(1)
    if _UNIT.match(inside):
        return UNIT
    attribute = _ATTRIBUTE.match(inside)
    return ATTRIBUTE + attribute.group(1).lower() if attribute else None


def attribute_of(reference: str | None) -> str | None:
    """The attribute name a reference of :func:`references` stands for, or None (an answer, the unit, unknown)."""
    return reference[len(ATTRIBUTE):] if reference is not None and reference.startswith(ATTRIBUTE) else None


def item_of(reference: str | None) -> str | None:
    """The item code a reference of :func:`references` stands for, or None (the unit, an attribute, unknown)."""
    return None if reference is None or reference == UNIT or reference.startswith(ATTRIBUTE) else reference


def pipes_unit(texts: Iterable[Any], languages: Iterable[str]) -> bool:
    """Whether any of ``texts`` (instrument texts, None skipped) shows the unit's name in one of ``languages``."""
    languages = tuple(languages)
    return any(UNIT in references(text.get(lang)) for text in texts if text is not None for lang in languages)


def pipes_attributes(texts: Iterable[Any], languages: Iterable[str]) -> bool:
    """Whether any of ``texts`` (instrument texts, None skipped) shows an invitee attribute in one of ``languages``."""
    languages = tuple(languages)
    return any(attribute_of(reference) is not None for text in texts if text is not None for lang in languages
               for reference in references(text.get(lang)))


def has_placeholders(text: str) -> bool:
    """Whether ``text`` needs filling per respondent."""
    return "{{" in text and PLACEHOLDER.search(text) is not None


def check(text: str, path: tuple[str | int, ...], *, earlier: Collection[str], known: Collection[str]) -> None:
    """Raise SchemaProblem at ``path`` for a placeholder that is not ``{{unit}}``, an attribute (any name: the
    participants list is uploaded later) or an answer of ``earlier`` (items of earlier pages: an answer on the same
    page is not known when the page is shown)."""
    for match, reference in zip(PLACEHOLDER.finditer(text), references(text), strict=True):
        if reference is None:
            raise SchemaProblem(path, f"unknown placeholder {match.group(0)!r} (use {{{{answer:CODE}}}}, "
                                f"{{{{unit}}}} or {{{{attribute:NAME}}}}, a name of up to {MAX_ATTRIBUTE} characters "
                                "without braces)")
        code = item_of(reference)
        if code is not None and code not in earlier:
            problem = ("must refer to an item on an earlier page" if code in known
                       else "refers to an unknown item")
            raise SchemaProblem(path, f"{match.group(0)} {problem} {code!r}")


def fill(text: str, answers: Mapping[str, str], unit: str, attributes: Mapping[str, str] | None = None) -> str:
    """``text`` with each placeholder replaced: ``answers`` maps item codes to the answer as shown, ``attributes``
    the invitee's attributes by lower-case name (missing: '')."""
    if not has_placeholders(text):
        return text

    def replace(match: re.Match[str]) -> str:
        reference = _reference(match.group(1))
        if reference == UNIT:
            return unit
        name = attribute_of(reference)
        if name is not None:
            return str((attributes or {}).get(name, ""))
        return match.group(0) if reference is None else answers.get(reference, "")

    return PLACEHOLDER.sub(replace, text)
