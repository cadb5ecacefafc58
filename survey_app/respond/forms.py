"""The respondent's page form: the questions as plain data cached per instrument page and language.

Rendering 10 questions of 5-11 radio buttons through WTForms widgets cost over half of each page request, so
the questions of a page are turned once into plain tuples (labels, choices, ids in the respondent's language)
and rendered by a lean Jinja macro; the posted answers are read the way the WTForms fields used to read them
(first value of a radio or text box, every value of a checkbox group).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from instruments.flow import is_visible
from instruments.logic import referenced_items
from instruments.piping import fill, has_placeholders
from instruments.schema import Instrument, Item, Page, Scale
from survey_app.services.answers import AnswerError, check_items
from survey_app.services.ordering import options_key, page_key

MESSAGES = {
    "required": _l("Please answer this question."),
    "not_a_choice": _l("Please choose one of the options."),
    "one_answer_only": _l("Please choose only one option."),
    "not_a_number": _l("Please enter a number."),
    "out_of_range": _l("Please enter a number from %(min)s to %(max)s."),
    "too_long": _l("Please keep your answer under %(max)s characters."),
    "control_character": _l("Please remove the invisible control characters from your answer."),
    "not_text": _l("Your answer contains characters that are not text; please type it again."),
}
CHOICE_KINDS = ("likert", "rating", "nps", "single", "multiple")
#: distinct (instrument, page, language) layouts kept; a miss only rebuilds one page's tuples
LAYOUT_CACHE_SIZE = 512
#: rendered forms of one question kept (one per shown answer); beyond it a question is rendered every time
QUESTION_HTML_CACHE_SIZE = 64


def error_message(error: AnswerError) -> str:
    """The respondent-language message for an answer error."""
    params = {k: ("" if v is None else v) for k, v in error.params.items()}
    return str(MESSAGES[error.key]) % params if params else str(MESSAGES[error.key])


@dataclass(frozen=True)
class Choice:
    """One radio button or checkbox: its value as posted, its label, its element id and its input's attributes."""

    value: str
    label: str
    id: str
    #: ' data-item=".." id=".." name=".." type="radio" value=".."', escaped once here rather than attribute by
    #: attribute for every option of every page view (the names, ids and order WTForms' inputs had)
    input_attrs: Markup


@dataclass(frozen=True)
class Question:
    """What the page template needs to show one item, in one language (no ORM, no WTForms)."""

    code: str
    kind: str
    label: str
    help: str
    required: bool
    choices: tuple[Choice, ...] = ()
    #: 1-10 and 0-10 scales: the number of points, for the phone layout (CSS class points-N)
    points: int = 0
    #: "1 = Not at all satisfied" and "10 = ..." printed under a rating row ("" where the scale has none)
    low_anchor: str = ""
    high_anchor: str = ""
    has_anchors: bool = False
    max_length: int | None = None
    #: the display condition as JSON for survey.js ("" when always shown)
    show_if: str = ""
    #: the item's place on its page as written (conditions are decided in this order, whatever the shown order)
    position: int = 0
    #: hidden when the page opens (its condition fails on the answers so far); survey.js shows it when it holds
    hidden: bool = False
    #: the question's HTML per shown answer, filled by ``question_html``
    rendered: dict[Any, Markup] = field(default_factory=dict, compare=False, hash=False, repr=False)

    is_matrix = False

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_KINDS

    def personal(self, **changes: Any) -> Question:
        """This question changed for one respondent (texts filled in, options shuffled), with its own HTML cache."""
        return replace(self, rendered={}, **changes)

    def answer_key(self, value: Any) -> Any:
        """A hashable key for the answer ``value`` as shown, or None when that answer's HTML is not kept.

        Kept: no answer, or an answer made of this question's own choices. Free text and anything posted that
        is not a choice are rendered every time (they come with an error message or are unbounded).
        """
        if value is None or value == []:
            return ()
        values = {choice.value for choice in self.choices}
        if self.kind == "multiple":
            return frozenset(value) if isinstance(value, list) and set(value) <= values else None
        return value if isinstance(value, str) and value in values else None


@dataclass(frozen=True)
class MatrixBlock:
    """Items on one scale shown as a grid: the shared question, the options as columns, one row per item."""

    id: str
    label: str
    help: str
    #: the options' labels, in the order of every row's choices
    columns: tuple[str, ...]
    rows: tuple[Question, ...]
    #: the number of options, for the grid's column count (CSS class cols-N)
    points: int

    is_matrix = True


def question_html(question: Question, value: Any, errors: list[str] | None,
                  render: Callable[[Question, Any, list[str] | None], Markup]) -> Markup:
    """``render(question, value, errors)`` (the page template's macro), kept per question and shown answer.

    A page of ten 5-point questions is about 250 escaped values; without errors the HTML depends only on the
    question (one language, one instrument snapshot) and the choice shown, so it is rendered once per pair.
    """
    key = None if errors else question.answer_key(value)
    if key is None:
        return render(question, value, errors)
    html = question.rendered.get(key)
    if html is None:
        html = Markup(render(question, value, None))
        if len(question.rendered) < QUESTION_HTML_CACHE_SIZE:
            question.rendered[key] = html
    return html


def _render_question(question: Question, value: Any, errors: list[str] | None) -> Markup:
    """The ``render_question`` macro of ``_formhelpers.html``."""
    macros = current_app.jinja_env.get_template("_formhelpers.html").module
    return macros.render_question(question, value, errors)  # type: ignore[attr-defined]


def _choices(code: str, scale: Scale, lang: str, *, anchors: bool = False) -> tuple[Choice, ...]:
    if scale.kind in ("single", "multiple"):
        pairs = [(str(o.value), o.label.get(lang)) for o in scale.options]
    elif scale.kind == "likert":
        # every point of an agreement scale is labelled where the instrument says so
        pairs = [(str(p), scale.anchors[p].get(lang) if p in scale.anchors else str(p)) for p in scale.points()]
    else:
        # rating and 0-10 scales show numbers; the end anchors are printed under the row
        pairs = [(str(p), str(p)) for p in scale.points()]
    # the ids WTForms gave the options ("CODE-0", "CODE-1", ...): labels and scripts point at them
    kind = "checkbox" if scale.kind == "multiple" else "radio"
    # a screen reader reads the end anchors ("1 = Not at all satisfied", "10 = ...") with each numbered option
    described = Markup(' aria-describedby="{0}-anchors"').format(code) if anchors else Markup("")
    return tuple(
        Choice(value, label, f"{code}-{i}",
               Markup(' data-item="{0}" id="{0}-{1}" name="{0}" type="{2}" value="{3}"{4}')
               .format(code, i, kind, value, described))
        for i, (value, label) in enumerate(pairs)
    )


def _question(item: Item, scale: Scale, lang: str, position: int) -> Question:
    anchors = scale.kind in ("rating", "nps") and bool(scale.anchors)
    return Question(
        code=item.code,
        kind=scale.kind,
        label=item.text.get(lang),
        help=item.help.get(lang) if item.help else "",
        required=item.required,
        choices=_choices(item.code, scale, lang, anchors=anchors) if scale.kind in CHOICE_KINDS else (),
        points=len(scale.points()) if scale.kind in ("rating", "nps") else 0,
        low_anchor=f"{scale.min} = {scale.anchors[scale.min].get(lang)}" if anchors and scale.min in scale.anchors
        else "",
        high_anchor=f"{scale.max} = {scale.anchors[scale.max].get(lang)}" if anchors and scale.max in scale.anchors
        else "",
        has_anchors=anchors,
        max_length=scale.max_length if scale.kind == "text" else None,
        show_if=json.dumps(item.show_if.model_dump(mode="json", by_alias=True), ensure_ascii=False,
                           separators=(",", ":")) if item.show_if else "",
        position=position,
    )


class ByIdentity:
    """A cache key for an unhashable object: equal only to itself.

    The key holds the object, so its id cannot be reused by another object while the cache entry lives.
    """

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ByIdentity) and other.obj is self.obj


@lru_cache(maxsize=LAYOUT_CACHE_SIZE)
def _layout(key: ByIdentity, page_index: int, lang: str) -> tuple[Question, ...]:
    instrument: Instrument = key.obj  # type: ignore[assignment]
    return tuple(_question(item, instrument.scale_of(item), lang, n)
                 for n, item in enumerate(instrument.pages[page_index].items))


def page_questions(instrument: Instrument, page_index: int, lang: str) -> tuple[Question, ...]:
    """The questions of one page in ``lang``, built once per parsed instrument.

    The survey services parse one Instrument object per distinct snapshot text (``get_survey_with_instrument``,
    ``instrument_of``), so a changed snapshot is a new object and a new cache entry; the old entry ages out of
    the bounded cache.
    """
    return _layout(ByIdentity(instrument), page_index, lang)


def _posted(question: Question, formdata: Any) -> Any:
    """One answer as the WTForms field used to read it: first value for radios and text, every value for boxes."""
    if question.kind == "multiple":
        return formdata.getlist(question.code)
    values = formdata.getlist(question.code)
    return values[0] if values else None


def _stored(question: Question, value: Any) -> Any:
    """A stored answer as the form shows it: text for one answer, a list of texts for several."""
    if value is None:
        return None
    if question.kind == "multiple":
        return [str(v) for v in value] if isinstance(value, list) else None
    return str(value)


class PageForm:
    """One page of a survey: its questions as plain data, the answers as posted (or as stored, on a GET).

    No WTForms form and no CSRF check here: the view checks the page's token (``page_tokens.check_page_token``)
    before it reads anything, and refuses the request with 400 when it is missing or wrong. The template prints
    the same hidden ``csrf_token`` input a FlaskForm printed.

    Per respondent: ``earlier`` (the answers that count, from ``instruments.flow.walk``) fills placeholders and
    decides which questions open hidden; ``order`` (``services.ordering.page_order``) orders shuffled items and
    options; ``unit`` is the unit's name for ``{{unit}}``; ``attributes`` the invitee's attributes (from the
    participants list, by lower-case name) for ``{{attribute:NAME}}``, shown and never stored.
    """

    def __init__(self, instrument: Instrument, page_index: int, lang: str, *, formdata: MultiDict | None = None,
                 answers: dict[str, Any] | None = None, submission_key: str = "",
                 omit: frozenset[str] = frozenset(), earlier: Mapping[str, Any] | None = None,
                 order: dict[str, list[str]] | None = None, unit: str = "",
                 attributes: Mapping[str, str] | None = None) -> None:
        self.instrument = instrument
        self.page: Page = instrument.pages[page_index]
        #: items not asked of this respondent (an anonymous invitee's unit comes from the invitation)
        self.omit = omit
        #: the order shuffled items and options are shown in, kept with the response
        self.order = order or {}
        page_codes = {item.code for item in self.page.items}
        #: answers of other pages that count
        self.earlier = {code: value for code, value in (earlier or {}).items() if code not in page_codes}
        questions = page_questions(instrument, page_index, lang)
        if omit:
            questions = tuple(q for q in questions if q.code not in omit)
        #: messages per item code, shown beside the question and in the summary
        self.item_errors: dict[str, list[str]] = {}
        #: the checked answers of the visible items, as stored (filled by ``check``)
        self.values: dict[str, Any] = {}
        #: answer per item code as shown in the form: a string, a list of strings (checkboxes) or None
        self.answers: dict[str, Any]
        if formdata is not None:
            self.submission_key = formdata.get("submission_key") or ""
            self.nav = formdata.get("nav") or ""
            self.answers = {q.code: _posted(q, formdata) for q in questions}
        else:
            self.submission_key = submission_key
            self.nav = ""
            stored = answers or {}
            self.answers = {q.code: _stored(q, stored.get(q.code)) for q in questions}
        texts = _PageTexts(instrument, self.page, lang, self.earlier, unit, attributes or {})
        self.title = texts.fill(self.page.title.get(lang))
        self.intro = texts.fill(self.page.intro.get(lang)) if self.page.intro else ""
        hidden = self._hidden()
        personal = [self._personal(q, texts, q.code in hidden) for q in questions]
        #: whether this respondent's page differs from the page as written (not kept by the page cache)
        self.personal = bool(self.order) or texts.used or bool(hidden)
        if page_key(self.page) in self.order:
            position = {code: n for n, code in enumerate(self.order[page_key(self.page)])}
            personal.sort(key=lambda q: position.get(q.code, len(position)))
        #: the questions in the order shown
        self.questions: tuple[Question, ...] = tuple(personal)
        #: questions and matrices in the order shown
        self.blocks: tuple[Question | MatrixBlock, ...] = self._blocks(texts, lang)
        #: the answers of other pages that conditions on this page test, for survey.js
        self.earlier_json = json.dumps({code: self.earlier[code] for code in self._tested() if code in self.earlier},
                                       ensure_ascii=False, separators=(",", ":"))

    def _hidden(self) -> set[str]:
        """Items whose condition fails on the answers so far and as shown (in page order, as ``walk`` decides)."""
        seen = dict(self.earlier)
        hidden: set[str] = set()
        for item in self.page.items:
            if item.code in self.omit:
                continue
            if not is_visible(item, seen):
                hidden.add(item.code)
            elif self.answers.get(item.code) not in (None, [], ""):
                seen[item.code] = self.answers[item.code]
        return hidden

    def _personal(self, question: Question, texts: _PageTexts, hidden: bool) -> Question:
        item = self.instrument.item(question.code)
        changes: dict[str, Any] = {}
        if texts.needed(question.label, question.help):
            changes.update(label=texts.fill(question.label), help=texts.fill(question.help))
        shuffled = self.order.get(options_key(item))
        if shuffled:
            by_value = {choice.value: choice for choice in question.choices}
            changes["choices"] = tuple(by_value[v] for v in shuffled if v in by_value)
        if hidden:
            changes["hidden"] = True
        return question.personal(**changes) if changes else question

    def _blocks(self, texts: _PageTexts, lang: str) -> tuple[Question | MatrixBlock, ...]:
        blocks: list[Question | MatrixBlock] = []
        rows: list[Question] = []
        matrix_of = {item.code: item.matrix for item in self.page.items}
        for n, question in enumerate(self.questions):
            name = matrix_of[question.code]
            if name is None:
                blocks.append(question)
                continue
            rows.append(question)
            following = self.questions[n + 1].code if n + 1 < len(self.questions) else None
            if following is None or matrix_of[following] != name:
                matrix = self.page.matrices[name]
                columns = tuple(choice.label for choice in rows[0].choices)
                blocks.append(MatrixBlock(
                    id=name, label=texts.fill(matrix.text.get(lang)),
                    help=texts.fill(matrix.help.get(lang)) if matrix.help else "",
                    columns=columns, rows=tuple(rows), points=len(columns)))
                rows = []
        return tuple(blocks)

    def _tested(self) -> list[str]:
        return [code for item in self.page.items if item.show_if is not None
                for code in referenced_items(item.show_if)]

    def questions_html(self) -> Markup:
        """The page's questions as HTML, each with its shown answer and messages (``question_html``)."""
        parts = []
        for block in self.blocks:
            if isinstance(block, MatrixBlock):
                parts.append(_render_matrix(block, self.answers, self.item_errors))
            elif block.hidden:
                parts.append(_render_question(block, self.answers[block.code], self.item_errors.get(block.code)))
            else:
                parts.append(question_html(block, self.answers[block.code], self.item_errors.get(block.code),
                                           _render_question))
        return Markup("").join(parts)

    def raw(self) -> dict[str, Any]:
        """The submitted answers of this page, as posted."""
        return dict(self.answers)

    def check(self, earlier: dict[str, Any]) -> bool:
        """The instrument's rules for the posted answers; fills ``values`` and ``item_errors``."""
        items = [item for item in self.page.items if item.code not in self.omit]
        self.values, errors = check_items(self.instrument, items, self.raw(), earlier)
        self.item_errors = {code: [error_message(error)] for code, error in errors.items()}
        return not errors


class _PageTexts:
    """Fills a page's placeholders for one respondent: earlier answers as shown to them, their unit's name, their
    attributes."""

    def __init__(self, instrument: Instrument, page: Page, lang: str, answers: Mapping[str, Any], unit: str,
                 attributes: Mapping[str, str]) -> None:
        self.instrument = instrument
        self.lang = lang
        self.answers = answers
        self.unit = unit
        self.attributes = attributes
        self._shown: dict[str, str] | None = None
        #: whether any text of the page had a placeholder
        self.used = False

    def needed(self, *texts: str) -> bool:
        return any(has_placeholders(text) for text in texts)

    def fill(self, text: str) -> str:
        if not has_placeholders(text):
            return text
        self.used = True
        if self._shown is None:
            self._shown = {code: shown_answer(self.instrument, code, value, self.lang)
                           for code, value in self.answers.items()}
        return fill(text, self._shown, self.unit, self.attributes)


def shown_answer(instrument: Instrument, code: str, value: Any, lang: str) -> str:
    """An answer as the respondent saw it: option labels in ``lang`` (several joined), else the value."""
    scale = instrument.scale_of(code)
    values = value if isinstance(value, list) else [value]
    labels: list[str] = []
    for one in values:
        if scale.kind in ("single", "multiple"):
            label = next((o.label.get(lang) for o in scale.options if str(o.value) == str(one)), str(one))
        elif scale.kind == "likert" and isinstance(one, int) and one in scale.anchors:
            label = scale.anchors[one].get(lang)
        else:
            label = f"{one:g}" if isinstance(one, float) else str(one)
        labels.append(label)
    return ("、" if lang == "zh" else ", ").join(labels)


def _render_matrix(block: MatrixBlock, answers: dict[str, Any], errors: dict[str, list[str]]) -> Markup:
    """The ``render_matrix`` macro of ``_formhelpers.html``."""
    macros = current_app.jinja_env.get_template("_formhelpers.html").module
    return macros.render_matrix(block, answers, errors)  # type: ignore[attr-defined]
