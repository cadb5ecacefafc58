"""Creating surveys and deciding whether one is open to respondents."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa

from instruments import piping
from instruments.logic import Condition, referenced_items
from instruments.registry import InstrumentError
from instruments.schema import END, LANGUAGES, Instrument, Text
from survey_app.extensions import db
from survey_app.messages import N_, Listing, Localized, Quoted, TranslatableError
from survey_app.models import Survey, Unit
from survey_app.models.survey import title_in
from survey_app.models.types import as_utc
from survey_app.services.instruments import build_instrument, latest_instrument

#: the whole slug (\Z, not $, which would let a final newline through into URLs and file names)
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]\Z")
#: slugs a survey may not take: they are console pages under /admin/surveys/ (or would read like one)
RESERVED_SLUGS = frozenset({"new", "admin", "api", "static", "login", "logout", "password", "accounts"})


@dataclass(frozen=True)
class SurveyUnavailable(Exception):
    """The survey cannot take answers; ``reason`` is not_found, not_open_yet or closed."""

    reason: str


def create_survey(
    *,
    slug: str,
    instrument_keys: list[str],
    title: dict[str, str] | None = None,
    anonymous: bool = False,
    languages: list[str] | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    status: str = "open",
    leave_out: list[str] | None = None,
    instrument: Instrument | None = None,
) -> Survey:
    """Create a survey from stored instruments; its unit list is frozen from the unit question.

    ``leave_out`` names items of the chosen modules not to ask in this survey; ``instrument``, when given, is the
    questionnaire itself (written in the editor or copied from another survey) and ``instrument_keys`` only name it.
    """
    check_slug(slug)
    if db.session.scalar(sa.select(Survey.id).filter_by(slug=slug)) is not None:
        raise TranslatableError(N_("a survey with slug %(slug)s already exists"), slug=Quoted(slug))
    instrument = instrument or _combined(instrument_keys)
    if leave_out:
        instrument = without_items(instrument, leave_out)
    languages = languages or list(instrument.languages)
    unknown = set(languages) - set(instrument.languages)
    if unknown:
        raise TranslatableError(N_("languages %(unknown)s are not offered by the instrument (%(offered)s)"),
                                unknown=Listing.of(map(_language, sorted(unknown))),
                                offered=Listing.of(map(_language, instrument.languages)))
    survey = Survey(
        slug=slug,
        title=title or instrument.title.model_dump(),
        instrument_key=instrument.id,
        instrument_version=instrument.version,
        instrument_snapshot=instrument.snapshot(),
        anonymous=anonymous,
        languages=languages,
        opens_at=opens_at,
        closes_at=closes_at,
        status=status,
    )
    db.session.add(survey)
    for item in instrument.items_by_role("unit"):
        for option in instrument.scale_of(item).options:
            survey.units.append(Unit(code=str(option.value), name=option.label.get(languages[0]), kind="unit",
                                     names={"zh": option.label.zh, "en": option.label.en}, origin="module"))
    db.session.flush()
    return survey


#: the languages a survey may offer, by code, in each language (codes are what the command line knows)
LANGUAGE_NAMES = {"zh": {"zh": "中文", "en": "Chinese"}, "en": {"zh": "英文", "en": "English"}}


def _language(code: str) -> Localized:
    return Localized(LANGUAGE_NAMES.get(code, {}), code)


def _combined(keys: list[str]) -> Instrument:
    """The instrument of the chosen modules; TranslatableError naming two modules that ask the same item."""
    if len(keys) > 1:
        parts = [latest_instrument(key) for key in keys]
        owner: dict[str, Instrument] = {}
        for part in parts:
            for item in part.items:
                first = owner.setdefault(item.code, part)
                if first is not part:
                    raise TranslatableError(
                        N_("the modules %(first)s and %(second)s both ask an item %(item)s: choose one of them"),
                        first=_module(first), second=_module(part),
                        item=Localized(item.text.model_dump(), item.code, quoted=True))
    try:
        return build_instrument(keys)
    except InstrumentError as exc:  # modules that define a scale or a construct differently, or share no language
        raise TranslatableError(N_("the modules %(modules)s cannot be asked in one survey: %(reason)s"),
                                modules=Listing.of(map(_module_named, keys)), reason=str(exc)) from None


def _module(instrument: Instrument) -> Localized:
    return Localized(instrument.title.model_dump(), instrument.id, quoted=True)


def _module_named(key: str) -> Localized:
    return _module(latest_instrument(key))


def check_slug(slug: str) -> None:
    """ValueError unless ``slug`` is 3-64 lower-case letters, digits and hyphens and not a reserved word."""
    if not SLUG_PATTERN.match(slug):
        raise TranslatableError(N_("slug %(slug)s: use 3-64 lower-case letters, digits and hyphens"),
                                slug=Quoted(slug))
    if slug in RESERVED_SLUGS:
        raise TranslatableError(N_("slug %(slug)s is reserved (a page of the console); choose another"),
                                slug=Quoted(slug))


def get_survey(slug: str) -> Survey | None:
    """The survey with this slug, if any (a string no slug can be is not even looked up)."""
    if not SLUG_PATTERN.match(slug):
        return None
    return db.session.scalar(sa.select(Survey).filter_by(slug=slug))


@dataclass(frozen=True)
class SurveyRow:
    """What the respondent pages read of a survey, as one Core row: loading the ORM object cost 3x as much."""

    id: int
    slug: str
    title: dict[str, str]
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    anonymous: bool
    languages: list[str]
    created_at: datetime
    min_group_size: int
    #: the origins whose pages may frame the survey's pages (None: none may)
    frame_origins: list[str] | None = None
    #: the privacy notice per language, and its version (services.privacy)
    privacy_notice: dict[str, dict[str, str]] | None = None
    privacy_version: int = 0

    def title_in(self, lang: str) -> str:
        """Title in ``lang``, falling back to English then any language."""
        return title_in(self.title, lang, self.slug)


def get_survey_with_instrument(connection: sa.Connection, slug: str) -> tuple[SurveyRow | None, Instrument | None]:
    """The survey with this slug and its frozen instrument, for the respondent pages."""
    if not SLUG_PATTERN.match(slug):
        return None, None
    row = connection.execute(_survey_row_by_slug(connection.dialect.name), {"slug": slug}).first()
    return (None, None) if row is None else survey_row(connection, row)


def survey_row(connection: sa.Connection, values: Sequence[Any]) -> tuple[SurveyRow, Instrument | None]:
    """The SurveyRow and instrument of a row selected with ``survey_row_columns(connection.dialect.name)``.

    The instrument is parsed once per distinct snapshot, not on every page request: decoding a 10-25 kB document
    and encoding it again as a cache key cost about 0.5 ms. On SQLite the row brings the snapshot as text, parsed
    only the first time that text is seen. PostgreSQL would turn the stored JSONB into text and send it for every
    page view: there the row brings the survey row's version instead (``xmin``, new with every change of the row),
    and the snapshot is read only for a version not seen before.
    """
    *fields, last = values
    survey = SurveyRow(*fields)
    if connection.dialect.name == "postgresql":
        return survey, _instrument_at(connection, survey.id, last)
    return survey, _parse_snapshot(last)


@cache
def survey_row_columns(dialect: str) -> tuple[sa.ColumnElement[Any], ...]:
    """The columns of a SurveyRow, then the row's version on PostgreSQL, else the instrument snapshot as text (see
    ``survey_row``)."""
    table = Survey.__table__
    last = (sa.cast(sa.literal_column(f"{table.name}.xmin"), sa.Text) if dialect == "postgresql"
            else sa.cast(table.c.instrument_snapshot, sa.Text))
    return (*(table.c[name] for name in SurveyRow.__dataclass_fields__), last.label("snapshot"))


@cache
def _survey_row_by_slug(dialect: str) -> sa.Select:
    # built once: constructing the statement cost about as much as running it
    return sa.select(*survey_row_columns(dialect)).where(Survey.__table__.c.slug == sa.bindparam("slug"))


#: parsed instruments by (survey id, row version) per database (engine), on PostgreSQL; a database's are emptied
#: when they reach ``INSTRUMENTS_KEPT``
_instruments: WeakKeyDictionary[sa.Engine, dict[tuple[int, str], Instrument]] = WeakKeyDictionary()
INSTRUMENTS_KEPT = 64


def _instrument_at(connection: sa.Connection, survey_id: int, version: str) -> Instrument | None:
    """The instrument of survey ``survey_id`` whose row is at ``version``; its snapshot is read on the first
    request at each version only. None when the survey is gone (deleted since its row was read)."""
    kept = _instruments.setdefault(connection.engine, {})
    instrument = kept.get((survey_id, version))
    if instrument is None:
        snapshot = connection.execute(_snapshot_by_id(), {"survey_id": survey_id}).scalar()
        if snapshot is None:
            return None
        instrument = _parse_snapshot(snapshot)
        if len(kept) >= INSTRUMENTS_KEPT:
            kept.clear()  # versions left behind by changed rows go; current ones are read again once
        kept[(survey_id, version)] = instrument
    return instrument


@cache
def _snapshot_by_id() -> sa.Select:
    table = Survey.__table__
    return sa.select(sa.cast(table.c.instrument_snapshot, sa.Text)).where(table.c.id == sa.bindparam("survey_id"))


def check_open(survey: Survey | SurveyRow | None, now: datetime | None = None) -> Survey | SurveyRow:
    """Return the survey if it takes answers now, else raise SurveyUnavailable."""
    if survey is None:
        raise SurveyUnavailable("not_found")
    now = now or datetime.now(UTC)
    if survey.status in ("closed", "archived") or (survey.closes_at and as_utc(survey.closes_at) <= now):
        raise SurveyUnavailable("closed")
    if survey.status == "draft" or (survey.opens_at and as_utc(survey.opens_at) > now):
        raise SurveyUnavailable("not_open_yet")
    return survey


def instrument_of(survey: Survey) -> Instrument:
    """The survey's frozen instrument, parsed once per distinct snapshot."""
    snapshot = json.dumps(survey.instrument_snapshot, sort_keys=True)
    return _parse_snapshot(snapshot)


@lru_cache(maxsize=64)
def _parse_snapshot(snapshot: str) -> Instrument:
    return Instrument.from_snapshot(json.loads(snapshot))


def create_next_wave(survey: Survey, *, slug: str) -> Survey:
    """Repeat ``survey`` as the next wave of its series: same modules, settings and unit hierarchy."""
    series = survey.series or survey.slug
    last_wave = db.session.scalar(
        sa.select(sa.func.max(Survey.wave)).where(sa.or_(Survey.series == series, Survey.slug == series))
    ) or survey.wave
    following = create_survey(
        slug=slug, instrument_keys=survey.instrument_key.split("+"), title=dict(survey.title),
        anonymous=survey.anonymous, languages=list(survey.languages), status="open",
        instrument=instrument_of(survey),  # the questionnaire as edited, not the modules it started from
    )
    survey.series = series
    following.series = series
    following.wave = last_wave + 1
    following.min_group_size = survey.min_group_size
    following.created_by_id = survey.created_by_id
    # the hierarchy as it stands now, frozen again for the new wave
    existing = {unit.code: unit for unit in following.units}
    for unit in survey.units:
        if unit.code not in existing:
            existing[unit.code] = Unit(code=unit.code, name=unit.name, kind=unit.kind, names=unit.names,
                                       origin=unit.origin)
            following.units.append(existing[unit.code])
        else:
            existing[unit.code].name, existing[unit.code].kind = unit.name, unit.kind
            existing[unit.code].names, existing[unit.code].origin = unit.names, unit.origin
    db.session.flush()
    codes = {unit.id: unit.code for unit in survey.units}
    for unit in survey.units:
        if unit.parent_id is not None:
            existing[unit.code].parent_id = existing[codes[unit.parent_id]].id
    kept = {unit.code for unit in survey.units}
    for unit in list(following.units):
        if unit.origin == "module" and unit.code not in kept:  # the earlier wave's hierarchy replaced them
            following.units.remove(unit)
    db.session.flush()
    from survey_app.services.units import ask_hierarchy  # units builds on this module

    ask_hierarchy(following)
    return following


def _uses(*parts: Condition | Text | None) -> list[str]:
    """The item codes that conditions test and texts pipe in."""
    codes: list[str] = []
    for part in parts:
        if isinstance(part, Condition):
            codes.extend(referenced_items(part))
        elif isinstance(part, Text):
            codes.extend(code for lang in LANGUAGES for reference in piping.references(part.get(lang))
                         if (code := piping.item_of(reference)) is not None)
    return codes


def without_items(instrument: Instrument, codes: list[str]) -> Instrument:
    """The instrument without the items ``codes`` (pages left empty are dropped), validated again."""
    known = {item.code for item in instrument.items}
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise TranslatableError(N_("no item(s) %(codes)s in %(module)s"), codes=Listing.of(unknown),
                                module=_module(instrument))
    dropped = set(codes)
    for item in instrument.items:
        if item.code in dropped:
            continue
        for condition in _uses(item.show_if, item.text, item.help):
            if condition in dropped:
                raise TranslatableError(N_("item %(item)s is shown depending on %(condition)s: leave out both or "
                                           "neither"), item=item.code, condition=condition)
    for page in instrument.pages:
        if all(item.code in dropped for item in page.items):
            continue
        for condition in _uses(page.show_if, page.intro, page.title, *(rule.if_ for rule in page.skip_to)):
            if condition in dropped:
                raise TranslatableError(N_("page %(page)s depends on the answer to %(condition)s: keep that "
                                           "question"), page=page.id, condition=condition)
    data = instrument.snapshot()
    pages = []
    for page in data["pages"]:
        page["items"] = [item for item in page["items"] if item["code"] not in dropped]
        used = {item.get("matrix") for item in page["items"]}
        page["matrices"] = {name: matrix for name, matrix in page["matrices"].items() if name in used}
        if page["items"]:
            pages.append(page)
    if not pages:
        raise TranslatableError(N_("leaving out every item leaves nothing to ask"))
    kept = [page["id"] for page in pages]
    order = [page.id for page in instrument.pages]
    for page in pages:
        for rule in page["skip_to"]:
            if rule["to"] != END and rule["to"] not in kept:
                # a skip to a page left out goes to the page that followed it
                rule["to"] = next((later for later in order[order.index(rule["to"]):] if later in kept), END)
    data["pages"] = pages
    return Instrument.from_snapshot(data)
