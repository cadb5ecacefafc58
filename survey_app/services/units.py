"""Importing an organisation hierarchy (units) into a survey, where it is frozen once answers arrive.

The survey's unit question asks for the hierarchy's leaves (the units nobody reports to: stores, teams), each
labelled with its name in the respondent's language: :func:`ask_hierarchy` writes them into the survey's
questionnaire whenever the hierarchy changes. A new survey's units are the options of its module's unit question
(``origin`` "module"), stand-ins that an imported hierarchy replaces (those it does not name): never a fixed list
beside the real one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from instruments.schema import Instrument
from survey_app.extensions import db
from survey_app.messages import N_, Listing, Quoted, Term
from survey_app.models import Response, Survey, Unit
from survey_app.services.owners import parse_owners
from survey_app.services.surveys import instrument_of
from survey_app.services.uploads import UploadError, read_csv_upload

#: the kinds a unit may be (each is also its message key: the console shows it in the reader's language)
UNIT_KINDS = (N_("unit"), N_("department"), N_("store"), N_("branch"), N_("region"), N_("team"), N_("division"),
              N_("company"))
#: the kinds as a file saved in Chinese may name them (the console's Chinese names, and a few more)
KIND_ALIASES = {"单元": "unit", "单位": "unit", "部门": "department", "门店": "store", "网点": "branch",
                "分行": "branch", "地区": "region", "区域": "region", "大区": "region", "团队": "team",
                "事业部": "division", "公司": "company"}

#: the upload columns naming a unit in one language, by language
NAME_COLUMNS = {"zh": "name_zh", "en": "name_en"}


def import_units(survey: Survey, data: bytes) -> list[Unit]:
    """Add or update units from a CSV (columns unit, parent, kind, name, name_zh, name_en, owner); refused once
    the survey has answers. ``name_zh`` / ``name_en`` name a unit in each language (reports and the console use the
    one of their language); ``name`` alone gives it one name for every language. ``owner``: the addresses of the
    people responsible for the unit, separated by ";" (alerts go to them: services.owners)."""
    has_answers = db.session.scalar(sa.select(Response.id).filter_by(survey_id=survey.id, is_test=False)
                                    .limit(1)) is not None
    if has_answers:
        raise UploadError(N_("the survey already has responses: its unit hierarchy is frozen"))
    rows = read_csv_upload(data, required=("unit",), optional=("parent", "kind", "name", "owner",
                                                                          *NAME_COLUMNS.values()))
    existing = {u.code: u for u in db.session.scalars(sa.select(Unit).filter_by(survey_id=survey.id))}
    parents: dict[str, str] = {}
    seen: set[str] = set()
    for row in rows:
        code, line = row["unit"], row["_line"]
        if len(code) > 64:
            raise UploadError(N_("line %(line)s: unit code longer than 64 characters"), line=line)
        if code in seen:
            raise UploadError(N_("line %(line)s: unit %(unit)s appears twice"), line=line, unit=Quoted(code))
        seen.add(code)
        kind = (row.get("kind") or "unit").lower()
        kind = KIND_ALIASES.get(kind, kind)
        if kind not in UNIT_KINDS:
            raise UploadError(N_("line %(line)s: kind %(kind)s is not one of %(kinds)s"), line=line,
                              kind=Quoted(kind), kinds=Listing.of(map(Term, UNIT_KINDS)))
        names = {lang: row[column] for lang, column in NAME_COLUMNS.items() if row.get(column)}
        name = row.get("name") or names.get(survey.languages[0]) or next(iter(names.values()), None)
        unit = existing.get(code)
        if unit is None:
            unit = Unit(survey_id=survey.id, code=code, name=name or code, kind=kind, names=names or None)
            db.session.add(unit)
            existing[code] = unit
        else:
            unit.kind = kind
            if names or name:  # new names replace the old ones in every language
                unit.name, unit.names = name or unit.name, names or None
        if row.get("owner"):
            try:
                unit.owners = ";".join(parse_owners(row["owner"])) or None
            except ValueError:
                raise UploadError(N_("line %(line)s: the owner column takes email addresses separated by ;"),
                                  line=line) from None
        if row.get("parent"):
            parents[code] = row["parent"]
    for code, parent in parents.items():
        if parent not in existing:
            raise UploadError(N_("unit %(unit)s: parent %(parent)s is neither in the file nor in the survey"),
                              unit=Quoted(code), parent=Quoted(parent))
        if parent == code:
            raise UploadError(N_("unit %(unit)s cannot be its own parent"), unit=Quoted(code))
    _check_no_cycle(parents)
    db.session.flush()
    for code, parent in parents.items():
        existing[code].parent_id = existing[parent].id
    # a file with a hierarchy (parents) replaces the module's stand-ins it does not name; the ones it names, and every
    # one after a flat file (which only names or adds units), are the survey's own from now on
    named = seen | set(parents.values())
    for code in [code for code, unit in existing.items() if unit.origin == "module"]:
        if parents and code not in named:
            db.session.delete(existing.pop(code))
        else:
            existing[code].origin = "import"
    db.session.flush()
    db.session.expire(survey, ["units"])
    ask_hierarchy(survey)
    return [existing[code] for code in seen]


def leaves(survey: Survey) -> list[Unit]:
    """The survey's units that no unit reports to, in the order they were imported."""
    parents = {unit.parent_id for unit in survey.units}
    return sorted((unit for unit in survey.units if unit.id not in parents), key=lambda unit: unit.id)


def ask_hierarchy(survey: Survey, snapshot: dict[str, Any] | None = None) -> dict[str, Any]:
    """The questionnaire (``snapshot``, by default the survey's own, which is then replaced) with each unit
    question asking for the survey's leaf units, labelled in each language; unchanged when it has no units."""
    data = copy.deepcopy(snapshot if snapshot is not None else survey.instrument_snapshot)
    found = leaves(survey)
    if found:
        options = [{"value": unit.code, "label": {lang: (unit.names or {}).get(lang) or unit.name
                                                  for lang in ("zh", "en")}} for unit in found]
        scales = {item["scale"] for page in data["pages"] for item in page["items"] if item.get("role") == "unit"}
        for name in scales:
            data["scales"][name] = {**data["scales"][name], "kind": "single", "options": options}
    if snapshot is None:
        try:
            Instrument.from_snapshot(data)
        except ValueError:  # a condition on the unit question names a unit the hierarchy lacks
            raise UploadError(N_("the questionnaire's conditions on the unit question name units the imported "
                                 "hierarchy does not have")) from None
        survey.instrument_snapshot = data
        db.session.flush()
    return data


@dataclass(frozen=True)
class UnitRow:
    """A unit as the console lists it: in tree order, with its depth and its name in each language."""

    code: str
    kind: str
    depth: int
    names: dict[str, str]
    #: the addresses of the people responsible, separated by "; " (services.owners)
    owners: str = ""


def unit_tree(survey: Survey) -> list[UnitRow]:
    """The survey's units, each followed by the units below it (by code), with names in zh and en."""
    children: dict[int | None, list[Unit]] = {}
    ids = {unit.id for unit in survey.units}
    for unit in survey.units:
        children.setdefault(unit.parent_id if unit.parent_id in ids else None, []).append(unit)
    rows: list[UnitRow] = []
    todo = [(unit, 0) for unit in sorted(children.get(None, []), key=lambda u: u.code, reverse=True)]
    while todo:
        unit, depth = todo.pop()
        rows.append(UnitRow(unit.code, unit.kind, depth,
                            {lang: (unit.names or {}).get(lang) or unit.name for lang in ("zh", "en")},
                            "; ".join((unit.owners or "").split(";")) if unit.owners else ""))
        todo += [(child, depth + 1) for child in sorted(children.get(unit.id, []), key=lambda u: u.code,
                                                            reverse=True)]
    return rows


def unit_names(survey: Survey, lang: str) -> dict[str, str]:
    """Each unit's name by code in ``lang``: its name in that language when it has one (given in an upload, or
    by the questionnaire's unit question), else its one name."""
    names = {unit.code: (unit.names or {}).get(lang) or unit.name for unit in survey.units}
    if any(unit.names is None for unit in survey.units):  # units made before names were kept by language
        instrument = instrument_of(survey)
        asked = {str(option.value): option.label for item in instrument.items_by_role("unit")
                 for option in instrument.scale_of(item).options}
        for unit in survey.units:
            label = asked.get(unit.code)
            if unit.names is None and label is not None and unit.name == label.get(survey.languages[0]):
                names[unit.code] = label.get(lang)
    return names


def _check_no_cycle(parents: dict[str, str]) -> None:
    for start in parents:
        trail, node = [start], parents[start]
        while node in parents:
            if node in trail:
                raise UploadError(N_("the units form a cycle: %(cycle)s"),
                                  cycle=" -> ".join([*trail[trail.index(node):], node]))
            trail.append(node)
            node = parents[node]
