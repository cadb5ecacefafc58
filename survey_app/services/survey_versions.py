"""Revising a survey's questionnaire without changing what its answers meant (the snapshot rule).

Answers are stored by item code and read against the survey's instrument snapshot. A survey without real
answers (test responses from a preview do not count; they are deleted) simply gets the new snapshot. Once real
answers exist, :func:`revise_questionnaire` keeps every answer readable against the definition it was given to:

* the superseded snapshot is kept as a :class:`~survey_app.models.SurveyVersion` (number ``survey.version``),
  and the responses started before the revision are stamped with that number (``Response.version``);
* an item whose meaning changed - its scale (kind, range, anchors, options and their labels) or its reverse
  keying, or an item the new questionnaire no longer asks - is a new variable from now on: the answers given to
  the old definition move, in every stored response, to the key ``<code>_v<n>`` (``renamed`` on the version);
  new answers use the code. So no output ever reads an old "5 of 5" as a new "5 of 7": the dashboard, the
  analysis and the API read the current codes only, and the exports add a column per moved item labelled with
  its old question and answer labels (:func:`answer_instrument`);
* wording changes (texts, help, page titles) and items added or moved keep the code: their answers mean what they
  meant.

The unit question always asks the survey's hierarchy (``units.ask_hierarchy``), whatever the revision says.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import sqlalchemy as sa

from instruments.schema import Instrument
from survey_app.extensions import db
from survey_app.messages import N_, Listing, TranslatableError
from survey_app.models import Response, Survey, SurveyVersion
from survey_app.services.lifecycle import check_writable
from survey_app.services.surveys import instrument_of
from survey_app.services.units import ask_hierarchy

#: responses rewritten per statement batch when answers move to their versioned key
BATCH = 1000
#: the page of an export's instrument that holds the earlier versions' moved items
EARLIER_PAGE = "earlier_versions"


def revise_questionnaire(survey: Survey, instrument: Instrument) -> Survey:
    """Give ``survey`` the questionnaire ``instrument``, keeping the meaning of the answers it already has."""
    check_writable(survey)
    unknown = set(survey.languages) - set(instrument.languages)
    if unknown:
        raise TranslatableError(N_("the questionnaire does not offer the survey's languages %(languages)s"),
                                languages=Listing.of(sorted(unknown)))
    snapshot = ask_hierarchy(survey, instrument.snapshot())
    Instrument.from_snapshot(snapshot)  # the hierarchy's options still make a valid questionnaire
    db.session.execute(sa.delete(Response).where(Response.survey_id == survey.id, Response.is_test.is_(sa.true())))
    has_answers = db.session.scalar(sa.select(Response.id).filter_by(survey_id=survey.id).limit(1)) is not None
    if has_answers:
        _keep_version(survey, Instrument.from_snapshot(snapshot))
    survey.instrument_snapshot = snapshot
    survey.instrument_version = instrument.version
    db.session.flush()
    return survey


def _keep_version(survey: Survey, new: Instrument) -> None:
    """Keep the current snapshot as version ``survey.version``, move the answers whose meaning changes, and make
    the new snapshot version ``survey.version + 1``."""
    old = instrument_of(survey)
    taken = {item.code for item in new.items} | set(_earlier_keys(survey))
    renamed = {}
    for item in old.items:
        if item.role == "unit":
            continue  # units are the hierarchy's codes in every version
        if item.code not in taken or _meaning(old, item.code) != _meaning(new, item.code):
            renamed[item.code] = _free_key(f"{item.code}_v{survey.version}", taken)
            taken.add(renamed[item.code])
    db.session.add(SurveyVersion(survey_id=survey.id, number=survey.version,
                                 snapshot=copy.deepcopy(survey.instrument_snapshot), renamed=renamed))
    db.session.execute(sa.update(Response).where(Response.survey_id == survey.id, Response.version.is_(None))
                       .values(version=survey.version))
    if renamed:
        _move_answers(survey, renamed)
    survey.version += 1


def _meaning(instrument: Instrument, code: str) -> str | None:
    """What an answer to item ``code`` means, as comparable text: its scale and reverse keying (None: not asked)."""
    try:
        item = instrument.item(code)
    except KeyError:
        return None
    scale = instrument.scale_of(item).model_dump(mode="json")
    scale.pop("max_length", None)  # how long a text may be does not change what it says
    return json.dumps([scale, item.reverse], sort_keys=True)


def _free_key(wanted: str, taken: set[str]) -> str:
    key, n = wanted, 1
    while key in taken:
        n += 1
        key = f"{wanted}_{n}"
    return key


def _move_answers(survey: Survey, renamed: dict[str, str]) -> None:
    """In every response of the survey, move the answers of the items in ``renamed`` to their new keys."""
    last = 0
    while True:
        rows = db.session.execute(
            sa.select(Response.id, Response.answers).where(Response.survey_id == survey.id, Response.id > last)
            .order_by(Response.id).limit(BATCH)).all()
        if not rows:
            return
        for response_id, answers in rows:
            if any(code in answers for code in renamed):
                moved = {renamed.get(code, code): value for code, value in answers.items()}
                db.session.execute(sa.update(Response).where(Response.id == response_id).values(answers=moved))
        last = rows[-1].id


def _earlier_keys(survey: Survey) -> list[str]:
    return [key for version in versions(survey) for key in version.renamed.values()]


def versions(survey: Survey) -> list[SurveyVersion]:
    """The survey's superseded questionnaires, oldest first."""
    return list(db.session.scalars(sa.select(SurveyVersion).filter_by(survey_id=survey.id)
                                   .order_by(SurveyVersion.number)))


def answer_instrument(survey: Survey) -> Instrument:
    """The survey's instrument with, on a last page, each moved item of the earlier versions under its answer key
    (its old question, scale and answer labels): what an export needs to label every stored answer."""
    current = instrument_of(survey)
    earlier = versions(survey)
    if not any(version.renamed for version in earlier):
        return current
    data = current.snapshot()
    items: list[dict[str, Any]] = []
    for version in earlier:
        old = Instrument.from_snapshot(version.snapshot)
        for code, key in version.renamed.items():
            item = old.item(code)
            scale_name = f"{key}_scale"
            data["scales"][scale_name] = old.scale_of(item).model_dump(mode="json")
            # the roles the anonymity rules of exports act on (identifier, demographic); no analysis role
            role = item.role if item.role in ("customer_id", "demographic", "open_text") else "other"
            items.append({"code": key, "text": item.text.model_dump(), "scale": scale_name, "role": role,
                          "reverse": item.reverse, "required": False})
    data["pages"].append({"id": EARLIER_PAGE, "title": {"zh": "早前版本的题目", "en": "Questions of earlier versions"},
                          "items": items})
    return Instrument.from_snapshot(data)
