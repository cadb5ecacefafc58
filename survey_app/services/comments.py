"""What people wrote: the comments of a survey's open questions, searched and filtered, read through the gate.

Identified surveys list every comment with its respondent's unit, time and satisfaction and loyalty ratings
(:func:`identified_comments`). Anonymous surveys never list a respondent's row: :func:`anonymous_groups` gives
each open question's redacted comments (:meth:`Gate.comment`) in groups of at least k comments, each group the
unit the gate labels its rows with (:meth:`Gate.label`, as the export does) or, for fewer than k comments, the
unit above it, up to the whole survey; a comment is in one group only (no group holds another, so no group can
be subtracted from another), sorted by its text (no order of arrival), without time or ratings.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from instruments.schema import Instrument, Item
from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.services.disclosure import Gate

#: comments on one page of the console's list
PER_PAGE = 50


@dataclass(frozen=True)
class CommentFilter:
    """What the list shows: words to search for, one open question, one unit (and the units below it)."""

    words: str = ""
    item: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Comment:
    """One comment of an identified survey, with its respondent's unit, time and outcome ratings."""

    item: str
    text: str
    unit_id: int | None
    submitted_at: datetime | None
    #: the respondent's mean of the satisfaction (loyalty) items, in the items' own scale; None: not answered
    satisfaction: float | None
    loyalty: float | None


@dataclass
class CommentGroup:
    """Comments of an anonymous survey's open question in one unit (None: the whole survey), redacted."""

    item: str
    unit: str | None
    texts: list[str] = field(default_factory=list)


def open_questions(instrument: Instrument) -> list[Item]:
    """The questions answered in free text, in questionnaire order (never a customer-id question)."""
    return [item for item in instrument.items
            if instrument.scale_of(item).kind == "text" and item.role != "customer_id"]


def _folded(text: str) -> str:
    """Text as searched: full-width forms as ASCII and case ignored (Chinese is found as a substring)."""
    return unicodedata.normalize("NFKC", text).casefold()


def _outcome_items(instrument: Instrument) -> dict[str, list[str]]:
    """The items of the satisfaction and loyalty outcomes (a construct's items, or one item)."""
    spec = instrument.model_spec()
    outcomes, constructs = spec.get("outcomes", {}), spec.get("constructs", {})
    found = {}
    for outcome, fallback in (("satisfaction", None), ("loyalty", "recommend")):
        name = outcomes.get(outcome) or (outcomes.get(fallback) if fallback else None)
        if name:
            found[outcome] = constructs.get(name, [name])
    return found


def _mean(answers: dict[str, Any], codes: list[str]) -> float | None:
    values = [float(answers[c]) for c in codes
              if isinstance(answers.get(c), int | float) and not isinstance(answers.get(c), bool)]
    return sum(values) / len(values) if values else None


def _rows(gate: Gate, chosen: CommentFilter, *columns: Any) -> Iterator[Any]:
    query = sa.select(Response.answers, *columns).where(*gate.where())
    if chosen.unit:
        try:
            query = query.where(Response.unit_id.in_(gate.subtree_ids(chosen.unit)))
        except ValueError:
            query = query.where(sa.false())  # a unit the survey does not have: nothing
    return iter(db.session.execute(query))


def _questions(instrument: Instrument, chosen: CommentFilter) -> list[str]:
    return [item.code for item in open_questions(instrument) if chosen.item in (None, item.code)]


def identified_comments(survey: Survey, gate: Gate, instrument: Instrument, chosen: CommentFilter) -> list[Comment]:
    """An identified survey's comments that match ``chosen``, newest first."""
    if gate.anonymous:
        raise ValueError(f"survey {survey.slug!r} is anonymous: its comments are shown only in groups")
    words, outcomes = _folded(chosen.words.strip()), _outcome_items(instrument)
    found = []
    for row in _rows(gate, chosen, Response.unit_id, Response.submitted_at, Response.id):
        answers = row.answers or {}
        for code in _questions(instrument, chosen):
            text = answers.get(code)
            if not isinstance(text, str) or not text.strip() or (words and words not in _folded(text)):
                continue
            found.append(Comment(code, text, row.unit_id, row.submitted_at,
                                 _mean(answers, outcomes.get("satisfaction", [])),
                                 _mean(answers, outcomes.get("loyalty", []))))
    return sorted(found, key=lambda c: (c.submitted_at is not None, c.submitted_at or datetime.min), reverse=True)


def anonymous_groups(gate: Gate, instrument: Instrument, chosen: CommentFilter) -> tuple[list[CommentGroup], int]:
    """An anonymous survey's redacted comments that match ``chosen``, in groups of at least k; and how many
    comments no group could show (fewer than k in the whole survey)."""
    words = _folded(chosen.words.strip())
    by_group: dict[tuple[str, str | None], list[str]] = {}
    for row in _rows(gate, chosen, Response.unit_id):
        answers = row.answers or {}
        for code in _questions(instrument, chosen):
            text = gate.comment(answers.get(code))
            if isinstance(text, str) and text.strip() and (not words or words in _folded(text)):
                by_group.setdefault((code, gate.label(row.unit_id)), []).append(text)
    withheld = 0
    for code in {code for code, _ in by_group}:
        withheld += _roll_up(gate, code, by_group)
    groups = [CommentGroup(code, unit, sorted(texts)) for (code, unit), texts in by_group.items()]
    order = {item.code: i for i, item in enumerate(instrument.items)}
    return sorted(groups, key=lambda g: (order.get(g.item, 0), g.unit is None, g.unit or "")), withheld


def _depth(gate: Gate, code: str | None) -> int:
    depth = 0
    while code is not None:
        depth, code = depth + 1, gate.label_above(code)
    return depth


def _roll_up(gate: Gate, item: str, by_group: dict[tuple[str, str | None], list[str]]) -> int:
    """Move each of ``item``'s groups of fewer than k comments into the group of the shown unit above it, deepest
    first; returns the comments withheld (fewer than k left for the whole survey)."""
    while True:
        small = [unit for (code, unit), texts in by_group.items() if code == item and len(texts) < gate.k]
        if not small:
            return 0
        unit = max(small, key=lambda u: _depth(gate, u))
        texts = by_group.pop((item, unit))
        if unit is None:
            return len(texts)
        by_group.setdefault((item, gate.label_above(unit)), []).extend(texts)


def page_of(rows: list[Any], page: int) -> tuple[list[Any], int, int]:
    """One page of ``rows`` (1-based, clamped to the pages there are), the page shown and the number of pages."""
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(max(page, 1), pages)
    return rows[(page - 1) * PER_PAGE:page * PER_PAGE], page, pages
