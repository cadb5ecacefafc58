"""The disclosure gate: the one place that decides what any output may show of a survey's answers.

Every output of answers - the dashboard, the API's results, the CSV/Excel/SPSS exports, the HTML and PDF reports
and unit reports, report jobs and trends - opens the gate first and reads only through it:

* **which responses**: :meth:`Gate.where`. Never a test response (made in the owner's preview: ``is_test``), nor
  one in the counts, verdicts and releases below. Identified surveys show every complete response. Anonymous
  surveys show only *released* ones, released in batches so that no figure ever changes by fewer than k people
  (:mod:`analysis.releases`); a release is cut here, when an output is asked for and the rules allow one.
* **which units**: :attr:`Gate.verdict` - the unit hierarchy's minimum group size with complementary suppression
  (identified surveys, :func:`analysis.confidentiality.hierarchy_verdict`), or the releases' verdict (anonymous
  surveys, :func:`analysis.releases.release_verdict`); :meth:`Gate.label` is the unit a single response may be
  shown with, and :meth:`Gate.unit_report` refuses a report an output may not make.
* **which words**: :meth:`Gate.comment` (and :meth:`Gate.shown_answers` for a response's answers) - every free-text
  answer of an anonymous survey with its identifying content (names, phone numbers, addresses, ID, staff and card
  numbers) replaced by a token (:mod:`analysis.redaction`); an identified survey's as written.

``tests/survey_app/test_disclosure_gate.py`` enumerates the outputs and fails when one bypasses the gate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from analysis.confidentiality import NO_UNIT, HierarchyVerdict, hierarchy_verdict
from analysis.redaction import NameIndex, index_names, redact
from analysis.releases import plan_release, release_verdict
from instruments.schema import Instrument
from survey_app.extensions import db
from survey_app.models import Response, Survey, SurveyRelease, Unit
from survey_app.services.known_names import known_names
from survey_app.services.surveys import SurveyUnavailable, check_open


@dataclass(frozen=True)
class UnitNode:
    id: int
    code: str
    name: str
    parent_id: int | None
    #: department, store, branch, ...
    kind: str = "unit"


@dataclass
class Gate:
    """What the outputs of one survey may show, decided once per request."""

    survey_id: int
    slug: str
    k: int
    anonymous: bool
    #: anonymous surveys: the last release the outputs read (0 before the first); None: identified survey
    release: int | None
    units: dict[int, UnitNode]
    verdict: HierarchyVerdict
    #: anonymous surveys after close: complete answers that can never be released (else None)
    held_back: int | None = None
    #: the survey's first language: the language of the tokens that replace identifying content in comments
    language: str = "zh"
    _by_code: dict[str, UnitNode] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_code = {unit.code: unit for unit in self.units.values()}

    def where(self, table: Any = Response) -> tuple[sa.ColumnElement[bool], ...]:
        """SQL conditions on ``table`` (the response table or model) selecting what the outputs may read."""
        conditions = (table.survey_id == self.survey_id, table.status == "complete", table.is_test.is_(sa.false()))
        if self.release is None:
            return conditions
        return (*conditions, table.release_no.is_not(None), table.release_no <= self.release)

    @property
    def total(self) -> int | None:
        """The number of responses behind the whole survey's figures, or None when it may not be shown."""
        return self.verdict.total if self.verdict.total_shown else None

    def shows(self, code: str) -> bool:
        """Whether figures of unit ``code`` (it and the units below it) may be shown."""
        unit = self._by_code.get(code)
        return unit is not None and self.verdict.shown(unit.id)

    def hidden_units(self) -> dict[str, str]:
        """Unit code -> why its figures are hidden (a reason of :class:`analysis.confidentiality.HierarchyVerdict`)."""
        return {self.units[unit_id].code: why for unit_id, why in self.verdict.hidden.items()}

    def hidden_names(self) -> set[str]:
        """Names of units whose own answers may not form a group of their own (in the heatmap, say): hidden
        units, and units whose own responses (not their children's) are hidden at their level."""
        return {unit.name for unit in self.units.values()
                if unit.id in self.verdict.hidden or unit.id in self.verdict.hidden_own}

    def hidden_subtree_names(self) -> set[str]:
        """Names of units whose figures (theirs and their children's together) may not be shown."""
        return {unit.name for unit in self.units.values() if unit.id in self.verdict.hidden}

    def parent_names(self) -> dict[str, str | None]:
        """Each unit's parent by name (None at the top): the hierarchy a report rolls its units up."""
        return {unit.name: None if unit.parent_id is None else self.units[unit.parent_id].name
                for unit in self.units.values()}

    def subtree_count(self, code: str) -> int | None:
        """Responses of unit ``code`` and the units below it, or None when they may not be shown."""
        unit = self._by_code.get(code)
        if unit is None or not self.verdict.shown(unit.id):
            return None
        return self.verdict.subtree.get(unit.id, 0)

    def label(self, unit_id: int | None) -> str | None:
        """The unit a single response of ``unit_id`` may be shown with: the deepest shown unit above it or it.

        The rows labelled with a unit are then its own answers and those of its hidden children - one group of
        0 or at least k - and never a hidden unit's alone.
        """
        current = self.units.get(unit_id) if unit_id is not None else None
        while current is not None and not self.verdict.shown(current.id):
            current = self.units.get(current.parent_id) if current.parent_id is not None else None
        return None if current is None else current.code

    def label_above(self, code: str) -> str | None:
        """Where a group of unit ``code``'s rows goes when too small on its own: the deepest shown unit above it
        (None: the whole survey)."""
        unit = self._by_code[code]
        return self.label(unit.parent_id) if unit.parent_id is not None else None

    def subtree_ids(self, code: str) -> list[int]:
        """Ids of unit ``code`` and every unit below it."""
        if code not in self._by_code:
            raise ValueError(f"unit {code!r} is not part of survey {self.slug!r}")
        found, todo = [], [self._by_code[code].id]
        while todo:
            current = todo.pop()
            found.append(current)
            todo += [unit.id for unit in self.units.values() if unit.parent_id == current]
        return found

    def unit_report(self, code: str) -> list[int]:
        """The unit ids a report of unit ``code`` covers; ValueError naming the reason when none may be made."""
        ids = self.subtree_ids(code)
        if not self.shows(code):
            why = self.hidden_units().get(code)
            if why in ("small", "not_released"):
                raise ValueError(f"unit {code!r} has fewer than {self.k} responses"
                                 + (" released so far" if why == "not_released" else "")
                                 + "; no report is made for so small a group")
            raise ValueError(f"a report for unit {code!r} could be subtracted from the report of the unit above it "
                             f"(or the whole survey) to single out fewer than {self.k} people; no report is made "
                             "for it")
        return ids

    @cached_property
    def known_names(self) -> NameIndex | None:
        """Names the survey knows (invitees, unit owners, accounts): redacted wherever a comment writes them."""
        return index_names(known_names(self.survey_id))

    def comment(self, text: Any) -> Any:
        """A free-text answer as any output may show it: an anonymous survey's with its identifying content
        replaced by tokens naming what was removed ("[姓名]", "[电话]"...); an identified survey's as written."""
        if not self.anonymous or not isinstance(text, str):
            return text
        return redact(text, names=self.known_names, language=self.language)

    def shown_answers(self, instrument: Instrument, answers: dict[str, Any]) -> dict[str, Any]:
        """A response's answers with every free-text answer passed through :meth:`comment`."""
        if not self.anonymous:
            return answers
        text_items = {item.code for item in instrument.items if instrument.scale_of(item).kind == "text"}
        return {code: self.comment(value) if code in text_items else value for code, value in answers.items()}

    def fingerprint(self) -> str:
        """A digest of everything the gate decided, for caches of what the outputs made from it."""
        parts = [self.k, self.release, sorted(self.verdict.hidden.items()),
                 sorted(self.verdict.hidden_own, key=str), self.verdict.total_shown]
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _units(survey: Survey) -> dict[int, UnitNode]:
    rows = db.session.execute(sa.select(Unit.id, Unit.code, Unit.name, Unit.parent_id, Unit.kind)
                              .filter_by(survey_id=survey.id)).all()
    return {row.id: UnitNode(*row) for row in rows}


def _counts(survey: Survey, *conditions: sa.ColumnElement[bool]) -> dict[int | None, int]:
    return dict(db.session.execute(
        sa.select(Response.unit_id, sa.func.count()).where(Response.survey_id == survey.id,
                                                           Response.status == "complete",
                                                           Response.is_test.is_(sa.false()), *conditions)
        .group_by(Response.unit_id)).all())


def is_closed(survey: Survey, now: datetime | None = None) -> bool:
    """Whether the survey no longer takes answers (closed, archived or past its closing time)."""
    try:
        check_open(survey, now)
    except SurveyUnavailable as exc:
        return exc.reason == "closed"
    return False


def open_gate(survey: Survey, *, release: int | None = None) -> Gate:
    """The gate of ``survey``'s outputs for this request.

    For an anonymous survey, a release is cut first when the rules allow one (and committed: a release is a fact
    every later output must see), unless ``release`` names an earlier release to read, as a report job does.
    """
    units = _units(survey)
    parents = {unit.id: unit.parent_id for unit in units.values()}
    k = survey.min_group_size
    if not survey.anonymous:
        verdict = hierarchy_verdict(parents, _counts(survey), k=k)
        return Gate(survey.id, survey.slug, k, False, None, units, verdict, language=_language(survey))
    if release is None:
        _cut_release(survey, parents)
    releases = db.session.execute(sa.select(SurveyRelease.number, SurveyRelease.born)
                                  .filter_by(survey_id=survey.id).order_by(SurveyRelease.number)).all()
    if release is not None:
        releases = [row for row in releases if row.number <= release]
    number = releases[-1].number if releases else 0
    born: dict[str, str] = {}
    for row in releases:
        born.update(row.born)
    released = _counts(survey, Response.release_no.is_not(None), Response.release_no <= number)
    verdict = release_verdict(parents, released, born, k=k)
    held_back = None
    if is_closed(survey):
        held_back = sum(_counts(survey).values()) - verdict.total
    return Gate(survey.id, survey.slug, k, True, number, units, verdict, held_back, language=_language(survey))


def _language(survey: Survey) -> str:
    return (survey.languages or ["zh"])[0]


def _cut_release(survey: Survey, parents: dict[int, int | None]) -> None:
    """Release the waiting answers the rules let out now, as the next numbered release (committed)."""
    pending = _counts(survey, Response.release_no.is_(None))
    if not pending:
        return
    rows = db.session.execute(sa.select(SurveyRelease.number, SurveyRelease.born)
                              .filter_by(survey_id=survey.id).order_by(SurveyRelease.number)).all()
    born: dict[str, str] = {}
    for row in rows:
        born.update(row.born)
    plan = plan_release(parents, pending, born, k=survey.min_group_size, final=is_closed(survey))
    if not plan.size:
        return
    number = (rows[-1].number if rows else 0) + 1
    try:
        with db.session.begin_nested():
            db.session.add(SurveyRelease(survey_id=survey.id, number=number, born=plan.born, size=plan.size,
                                         final=is_closed(survey)))
    except IntegrityError:
        return  # another request cut this release at the same moment; the outputs read theirs
    db.session.execute(sa.update(Response).where(
        Response.survey_id == survey.id, Response.status == "complete", Response.release_no.is_(None),
        Response.is_test.is_(sa.false()),
        _in_cells(plan.cells, parents)).values(release_no=number))
    db.session.commit()


def _in_cells(cells: Iterable[int | None], parents: dict[int, int | None]) -> sa.ColumnElement[bool]:
    """Responses whose unit is one of ``cells`` (NO_UNIT: no unit, or one outside the survey's hierarchy)."""
    cells = set(cells)
    ids = [cell for cell in cells if cell is not NO_UNIT]
    condition = Response.unit_id.in_(ids) if ids else sa.false()
    if NO_UNIT in cells:
        condition = sa.or_(condition, Response.unit_id.is_(None),
                           Response.unit_id.not_in(list(parents)) if parents else sa.true())
    return condition
