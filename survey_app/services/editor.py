"""Editing a survey's questionnaire: operations on its instrument data, and the one validated write.

The survey's ``instrument_snapshot`` is the questionnaire. Each operation takes the instrument data (the snapshot
as a dict) and returns changed data; nothing is stored until :func:`validated` accepts the whole instrument and
:func:`store_questionnaire` writes it. A problem is raised as :class:`QuestionnaireInvalid` with the key path of
the field it concerns, so that the editor can show it beside that field.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from instruments.schema import BUILTIN_SCALES, Instrument, SchemaProblem
from survey_app.extensions import db
from survey_app.messages import N_, Quoted, Term, TranslatableError
from survey_app.models import Response, Survey
from survey_app.services.survey_versions import revise_questionnaire
from survey_app.services.surveys import create_survey

#: what a question can be in the editor: one item on a scale of each kind, or a pair of items
KINDS = ("likert", "rating", "nps", "single", "multiple", "numeric", "text", "kano", "servqual")
PAIR_KINDS = ("kano", "servqual")
#: the scale a new question of each kind starts on (None: a scale of its own, written in the form)
STARTING_SCALE: dict[str, str | None] = {
    "likert": "likert5", "rating": "rating10", "nps": "nps11", "single": None, "multiple": None,
    "numeric": "numeric", "text": "text", "kano": "kano5", "servqual": "likert7",
}
#: the roles of the two items of a pair, first and second
PAIR_ROLES = {"kano": ("kano_functional", "kano_dysfunctional"),
              "servqual": ("servqual_expectation", "servqual_perception")}
#: the value of the scale choice that means "a new scale for this question"
OWN_SCALE = ""
#: the value of the page choice that means "a new page"
NEW_PAGE = ""
LANGS = ("zh", "en")


class QuestionnaireInvalid(ValueError):
    """The questionnaire would not be valid: ``path`` is the key path of the problem in the instrument data,
    ``problem`` a TranslatableError (a known shape) or the schema's English sentence."""

    def __init__(self, path: tuple[str | int, ...], problem: TranslatableError | str) -> None:
        super().__init__(str(problem))
        self.path = path
        self.problem = problem


class RevisionConflict(TranslatableError):
    """The questionnaire was saved elsewhere since this copy was read."""


@dataclass
class ScaleEdit:
    """A scale as the editor's form gives it."""

    kind: str
    min: int | None = None
    max: int | None = None
    #: point -> {"zh": ..., "en": ...}
    anchors: dict[int, dict[str, str]] = field(default_factory=dict)
    #: (value as typed, {"zh": ..., "en": ...})
    options: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        if self.min is not None:
            data["min"] = self.min
        if self.max is not None:
            data["max"] = self.max
        if self.anchors:
            data["anchors"] = {point: dict(text) for point, text in sorted(self.anchors.items())}
        if self.options:
            data["options"] = [{"value": int(value) if re.fullmatch(r"-?\d+", value) else value, "label": dict(label)}
                               for value, label in self.options]
        return data


@dataclass
class QuestionEdit:
    """One question as the editor's form gives it."""

    code: str
    text: dict[str, str]
    help: dict[str, str] = field(default_factory=dict)
    required: bool = True
    role: str = "attribute"
    construct: str | None = None
    #: a construct to create and measure with this question: (name, {"zh": ..., "en": ...})
    new_construct: tuple[str, dict[str, str]] | None = None
    reverse: bool = False
    attribute: str | None = None
    #: the name of the scale answered on, or OWN_SCALE for a new one defined by ``scale_edit``
    scale: str = OWN_SCALE
    #: the scale's settings: define the new scale, or change the named one (built-in scales cannot change)
    scale_edit: ScaleEdit | None = None
    #: the options in an order of their own per respondent (single and multiple choice)
    randomize_options: bool = False


# -- reading and writing -------------------------------------------------------------------------------------------
def questionnaire_data(survey: Survey) -> dict[str, Any]:
    """A copy of the survey's questionnaire, to change."""
    return copy.deepcopy(survey.instrument_snapshot)


def has_responses(survey: Survey) -> bool:
    """Whether anybody has begun to answer the survey (test answers of a preview do not count)."""
    return db.session.scalar(sa.select(Response.id).filter_by(survey_id=survey.id, is_test=False).limit(1)) is not None


def validated(data: dict[str, Any]) -> Instrument:
    """The instrument of ``data``; QuestionnaireInvalid at the first problem the schema finds."""
    try:
        return Instrument.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        path = tuple(first.get("loc", ()))
        error = (first.get("ctx") or {}).get("error")
        if isinstance(error, SchemaProblem):
            path, problem = path + tuple(error.path), error.problem
        else:
            problem = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        raise QuestionnaireInvalid(path, _known(problem)) from None


def store_questionnaire(survey: Survey, instrument: Instrument, *, revision: int) -> None:
    """Make ``instrument`` the survey's questionnaire, if nobody saved another since ``revision``; a survey with
    answers gets a new version that keeps the meaning of the old answers (services.survey_versions)."""
    if survey.questionnaire_revision != revision:
        raise RevisionConflict(N_("the questionnaire was changed elsewhere (in another tab or by a colleague) "
                                  "since this page was opened; reload it and make your change again"))
    revise_questionnaire(survey, instrument)
    survey.questionnaire_revision = revision + 1
    db.session.flush()


def create_draft(*, slug: str, instrument: Instrument, title: dict[str, str] | None, languages: list[str] | None,
                 anonymous: bool = False) -> Survey:
    """A survey in draft (not answerable) asking ``instrument``: a blank start, a copy, or modules."""
    return create_survey(slug=slug, instrument_keys=[instrument.id], instrument=instrument, title=title,
                         languages=languages, anonymous=anonymous, status="draft")


def blank_questionnaire(slug: str, languages: list[str]) -> Instrument:
    """A questionnaire to start from: one page with one question, to be rewritten in the editor."""
    return validated({
        "id": slug, "version": "1", "title": {"zh": "新问卷", "en": "New questionnaire"}, "languages": languages,
        "pages": [{"id": "p1", "title": {"zh": "第 1 页", "en": "Page 1"}, "items": [
            {"code": "Q1", "text": {"zh": "总体而言，您有多满意？", "en": "Overall, how satisfied are you?"},
             "scale": "rating10", "role": "satisfaction"}]}],
    })


# -- questions -----------------------------------------------------------------------------------------------------
def find_item(data: dict[str, Any], code: str) -> tuple[int, int]:
    """(page index, item index) of the question ``code``; KeyError when there is none."""
    for p, page in enumerate(data["pages"]):
        for i, item in enumerate(page["items"]):
            if item["code"] == code:
                return p, i
    raise KeyError(code)


def find_page(data: dict[str, Any], page_id: str) -> int:
    """The index of page ``page_id``; KeyError when there is none."""
    for p, page in enumerate(data["pages"]):
        if page["id"] == page_id:
            return p
    raise KeyError(page_id)


def save_question(data: dict[str, Any], edit: QuestionEdit, *, old_code: str | None = None,
                  page_id: str = NEW_PAGE, page_title: dict[str, str] | None = None) -> dict[str, Any]:
    """``data`` with question ``old_code`` changed to ``edit`` (or ``edit`` added at the end of page ``page_id``,
    or of a new page titled ``page_title``)."""
    data = copy.deepcopy(data)
    if edit.new_construct is not None:
        name, label = edit.new_construct
        if name in data.get("constructs", {}):
            raise QuestionnaireInvalid(("constructs", name), TranslatableError(
                N_("there is already a construct %(name)s: choose it from the list"), name=Quoted(name)))
        data.setdefault("constructs", {})[name] = {"label": dict(label)}
        edit.construct = name
    scale = _scale_for(data, edit)
    if old_code is not None:
        p, i = find_item(data, old_code)
        item = data["pages"][p]["items"][i]  # keys the editor does not know (conditions) are kept
    else:
        item = {}
        if page_id == NEW_PAGE:
            data["pages"].append({"id": new_id([page["id"] for page in data["pages"]], "p"),
                                  "title": dict(page_title or {}), "items": []})
            p = len(data["pages"]) - 1
        else:
            p = find_page(data, page_id)
        data["pages"][p]["items"].append(item)
    item.update({"code": edit.code, "text": dict(edit.text), "scale": scale, "role": edit.role,
                 "construct": edit.construct or None, "attribute": edit.attribute or None, "reverse": edit.reverse,
                 "required": edit.required, "randomize_options": edit.randomize_options,
                 "help": dict(edit.help) if any(v.strip() for v in edit.help.values()) else None})
    if old_code is not None and old_code != edit.code:
        _rename_references(data, old_code, edit.code)
    return _without_unused_scales(data)


def add_pair(data: dict[str, Any], kind: str, *, page_id: str, attribute: str, first: QuestionEdit,
             second: QuestionEdit, scale: str | None = None, page_title: dict[str, str] | None = None
             ) -> dict[str, Any]:
    """``data`` with a Kano pair (functional and dysfunctional, on kano5) or a SERVQUAL pair (expectation and
    perception, on ``scale``) joined by ``attribute``, added at the end of page ``page_id`` (or of a new page
    titled ``page_title``)."""
    if kind not in PAIR_KINDS:
        raise ValueError(f"kind must be one of {PAIR_KINDS}, not {kind!r}")
    scale = "kano5" if kind == "kano" else (scale or STARTING_SCALE[kind])
    for edit, role in zip((first, second), PAIR_ROLES[kind], strict=True):
        edit.role, edit.attribute, edit.scale, edit.scale_edit = role, attribute, scale, None
        data = save_question(data, edit, page_id=page_id, page_title=page_title)
        page_id = data["pages"][find_item(data, first.code)[0]]["id"]  # a new page is the second's page too
        first.new_construct = None  # the second item measures the construct the first created
        second.construct = second.construct or first.construct
        second.new_construct = None
    return data


def delete_question(data: dict[str, Any], code: str) -> dict[str, Any]:
    """``data`` without question ``code``; its page goes too when it was the page's last question."""
    data = copy.deepcopy(data)
    p, i = find_item(data, code)
    page = data["pages"][p]
    del page["items"][i]
    used = {item.get("matrix") for item in page["items"]}
    page["matrices"] = {name: matrix for name, matrix in (page.get("matrices") or {}).items() if name in used}
    if not page["items"]:
        del data["pages"][p]
    if not data["pages"]:
        raise QuestionnaireInvalid(("pages",), TranslatableError(
            N_("a questionnaire needs at least one question: add another before deleting the last")))
    return _without_unused_scales(data)


def move_question(data: dict[str, Any], code: str, step: int) -> dict[str, Any]:
    """``data`` with question ``code`` one place up (step -1) or down (+1); past the top or bottom of its page it
    goes to the end of the page before or the start of the page after (a page it leaves empty goes)."""
    data = copy.deepcopy(data)
    p, i = find_item(data, code)
    items = data["pages"][p]["items"]
    j = i + step
    if 0 <= j < len(items):
        items[i], items[j] = items[j], items[i]
        return data
    q = p + step
    if not 0 <= q < len(data["pages"]):
        return data
    item = items.pop(i)
    target = data["pages"][q]["items"]
    target.insert(len(target) if step < 0 else 0, item)
    if not items:
        del data["pages"][p]
    return data


# -- pages ---------------------------------------------------------------------------------------------------------
def save_page(data: dict[str, Any], page_id: str, *, title: dict[str, str],
              intro: dict[str, str] | None, randomize: bool | None = None) -> dict[str, Any]:
    """``data`` with the title and introduction of page ``page_id`` changed (an empty introduction removed), and
    whether its questions come in an order of their own per respondent (None: unchanged)."""
    data = copy.deepcopy(data)
    page = data["pages"][find_page(data, page_id)]
    page["title"] = dict(title)
    page["intro"] = dict(intro) if intro and any(v.strip() for v in intro.values()) else None
    if randomize is not None:
        page["randomize"] = randomize
    return data


def move_page(data: dict[str, Any], page_id: str, step: int) -> dict[str, Any]:
    """``data`` with page ``page_id`` one place up (-1) or down (+1)."""
    data = copy.deepcopy(data)
    p = find_page(data, page_id)
    q = p + step
    if 0 <= q < len(data["pages"]):
        data["pages"][p], data["pages"][q] = data["pages"][q], data["pages"][p]
    return data


def delete_page(data: dict[str, Any], page_id: str) -> dict[str, Any]:
    """``data`` without page ``page_id`` and its questions."""
    data = copy.deepcopy(data)
    del data["pages"][find_page(data, page_id)]
    if not data["pages"]:
        raise QuestionnaireInvalid(("pages",), TranslatableError(
            N_("a questionnaire needs at least one page: add another before deleting the last")))
    return _without_unused_scales(data)


def save_title(data: dict[str, Any], title: dict[str, str]) -> dict[str, Any]:
    """``data`` with the questionnaire's title changed."""
    data = copy.deepcopy(data)
    data["title"] = dict(title)
    return data


# -- helpers -------------------------------------------------------------------------------------------------------
def _scale_for(data: dict[str, Any], edit: QuestionEdit) -> str:
    """The name of the scale ``edit`` is answered on, after defining or changing it in ``data``."""
    scales = data.setdefault("scales", {})
    if edit.scale == OWN_SCALE:
        if edit.scale_edit is None:
            raise QuestionnaireInvalid(("scales",), TranslatableError(N_("choose a scale for this question")))
        name = new_id([*scales, *BUILTIN_SCALES], edit.code or "scale", first_plain=True)
        scales[name] = edit.scale_edit.as_data()
        return name
    if edit.scale not in scales and edit.scale not in BUILTIN_SCALES:
        raise QuestionnaireInvalid(("scale",), TranslatableError(N_("there is no scale %(name)s"),
                                                                 name=Quoted(edit.scale)))
    if edit.scale_edit is not None and edit.scale in scales and edit.scale not in BUILTIN_SCALES:
        scales[edit.scale] = edit.scale_edit.as_data()
    return edit.scale


def scale_users(data: dict[str, Any], name: str) -> list[str]:
    """Codes of the questions answered on scale ``name``."""
    return [item["code"] for page in data["pages"] for item in page["items"] if item["scale"] == name]


def new_id(taken: list[str], stem: str, *, first_plain: bool = False) -> str:
    """``stem`` itself (when ``first_plain``) or the first of ``stem1``, ``stem2``... not taken."""
    if first_plain and stem not in taken:
        return stem
    n = 2 if first_plain else 1
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


def _rename_references(data: dict[str, Any], old: str, new: str) -> None:
    """Conditions on question ``old`` and its answer piped into texts now name ``new``."""
    for page in data["pages"]:
        conditions = [page.get("show_if"), *(rule.get("if") for rule in page.get("skip_to") or [])]
        texts = [page.get("title"), page.get("intro"), *((m.get("text"), m.get("help"))
                                                         for m in (page.get("matrices") or {}).values())]
        for item in page["items"]:
            conditions.append(item.get("show_if"))
            texts += [item.get("text"), item.get("help")]
        for condition in conditions:
            _rename_in_condition(condition, old, new)
        for text in texts:
            for part in (text if isinstance(text, tuple) else (text,)):
                if isinstance(part, dict):
                    for lang, value in part.items():
                        if isinstance(value, str):
                            part[lang] = _rename_placeholder(value, old, new)


def _rename_in_condition(condition: Any, old: str, new: str) -> None:
    if not isinstance(condition, dict):
        return
    if condition.get("item") == old:
        condition["item"] = new
    for key in ("all", "any"):
        for part in condition.get(key) or []:
            _rename_in_condition(part, old, new)
    _rename_in_condition(condition.get("not"), old, new)


def _rename_placeholder(text: str, old: str, new: str) -> str:
    """``text`` with ``{{answer:old}}`` written ``{{answer:new}}``."""
    return re.sub(r"\{\{(\s*answer\s*:\s*)" + re.escape(old) + r"(\s*)\}\}", lambda m: "{{" + m[1] + new + m[2] + "}}",
                  text)


def _without_unused_scales(data: dict[str, Any]) -> dict[str, Any]:
    """Scales no question uses any more are dropped (the snapshot keeps only what it asks)."""
    used = {item["scale"] for page in data["pages"] for item in page["items"]}
    data["scales"] = {name: scale for name, scale in data.get("scales", {}).items() if name in used}
    return data


#: schema problems (their English wording as a pattern) in the words of the editor, which can be translated
_KNOWN: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), key) for pattern, key in (
    (r"is empty; every text needs (?P<language>\w+)", N_("this text is missing in %(language)s")),
    (r"duplicate item code '(?P<code>.*)' ", N_("another question already has the code %(code)s")),
    (r"item code .* must start with a letter", N_("a code starts with a letter and has only letters, digits and _")),
    (r"duplicate page id", N_("another page already has this id")),
    (r"a \w+ scale needs both min and max", N_("give the lowest and the highest point")),
    (r"min \(.*\) must be below max", N_("the lowest point must be below the highest")),
    (r"an nps scale runs from 0 to 10", N_("an NPS scale runs from 0 to 10")),
    (r"anchor (?P<point>-?\d+) is outside the scale", N_("anchor %(point)s is outside the scale")),
    (r"needs a non-empty list of options", N_("add at least one option")),
    (r"duplicate option value (?P<value>.*) \(", N_("two options have the value %(value)s")),
    (r"needs an attribute name to pair it", N_("this role needs an attribute name that pairs it with its partner "
                                               "question")),
    (r"attribute '(?P<attribute>.*)' has \d+ \w+ items", N_("attribute %(attribute)s needs exactly one question of "
                                                            "each role of its pair")),
    (r"unknown construct", N_("choose a construct from the list or create one")),
    # logic (instruments.logic, instruments.piping and the page checks of instruments.schema)
    (r"must refer to an earlier item '(?P<code>.*)'", N_("question %(code)s is not asked before this: a condition "
                                                         "tests only earlier answers")),
    (r"must refer to an item on an earlier page '(?P<code>.*)'",
     N_("the answer to %(code)s is not known yet here: only answers of earlier pages can be inserted")),
    (r"refers to an unknown item '(?P<code>.*)'", N_("there is no question %(code)s")),
    (r"item '(?P<code>.*)' cannot depend on itself", N_("question %(code)s cannot be shown depending on its own "
                                                        "answer")),
    (r"cannot depend on the free-text item '(?P<code>.*)'", N_("%(code)s is a free text: a condition can only test "
                                                               "whether it was answered")),
    (r"is for multiple-choice items; '(?P<code>.*)' takes one answer", N_("%(code)s takes one answer: use “is one "
                                                                          "of”")),
    (r"value (?P<value>.*) is not an answer of '(?P<code>.*)' \(", N_("%(value)s is not an answer of %(code)s")),
    (r"compares numbers; the answers of '(?P<code>.*)' are not numbers", N_("the answers of %(code)s are not "
                                                                            "numbers: use “is one of”")),
    (r"value (?P<value>.*) is outside the scale of '(?P<code>.*)' \((?P<low>.*) to (?P<high>.*)\)",
     N_("%(value)s is outside the scale of %(code)s (%(low)s to %(high)s)")),
    (r"the display conditions form a cycle: (?P<cycle>.*) \(", N_("the display conditions form a cycle: "
                                                                  "%(cycle)s")),
    (r"skips back to page '(?P<page>.*)', which makes a cycle", N_("a skip goes forward only: page %(page)s is not "
                                                                   "after this page")),
    (r"unknown page '(?P<page>.*)' \(pages", N_("there is no page %(page)s")),
    (r"unknown placeholder '(?P<placeholder>.*)'", N_("unknown placeholder %(placeholder)s: insert {{answer:CODE}} "
                                                      "or {{unit}}")),
    (r"placeholders \(\{\{...\}\}\) are for question texts", N_("answers cannot be inserted into the welcome "
                                                                 "and end pages")),
    (r"the rows of matrix '(?P<name>.*)' must follow each other", N_("the rows of matrix %(name)s must follow each "
                                                                     "other; undo the matrix to move a row away")),
    (r"the rows of matrix '(?P<name>.*)' share one scale", N_("the rows of matrix %(name)s share one scale")),
    (r"a matrix row takes one answer from a list", N_("a matrix row takes one answer from a list: agreement, "
                                                      "rating, recommendation or single choice")),
    (r"unknown matrix '(?P<name>.*)' \(this page", N_("matrix %(name)s is on another page: undo the matrix to move "
                                                       "its rows to another page")),
    (r"must be an http:// or https:// address", N_("give a full web address, such as https://example.com")),
    (r"only the options of single and multiple choice are shuffled", N_("only the options of a single or "
                                                                        "multiple choice can be shuffled")),
))


def _known(problem: str) -> TranslatableError | str:
    for pattern, key in _KNOWN:
        match = pattern.search(problem)
        if match is not None:
            values = match.groupdict()
            if "language" in values:
                values["language"] = Term({"zh": N_("Chinese"), "en": N_("English")}.get(values["language"],
                                                                                          values["language"]))
            for name in ("code", "attribute", "name", "page", "placeholder"):
                if name in values:
                    values[name] = Quoted(values[name])
            return TranslatableError(key, **values)
    return problem
