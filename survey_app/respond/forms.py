"""The respondent's page form: the questions as plain data cached per instrument page and language.

Rendering 10 questions of 5-11 radio buttons through WTForms widgets cost over half of each page request, so
the questions of a page are turned once into plain tuples (labels, choices, ids in the respondent's language)
and rendered by a lean Jinja macro; the posted answers are read the way the WTForms fields used to read them
(first value of a radio or text box, every value of a checkbox group).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from instruments.schema import Instrument, Item, Page, Scale
from survey_app.services.answers import AnswerError, check_items

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
    show_if_item: str | None = None
    show_if_in: tuple[Any, ...] = ()
    #: the question's HTML per shown answer, filled by ``question_html``
    rendered: dict[Any, Markup] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_KINDS

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


def _question(item: Item, scale: Scale, lang: str) -> Question:
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
        show_if_item=item.show_if.item if item.show_if else None,
        show_if_in=tuple(item.show_if.in_) if item.show_if else (),
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
    return tuple(_question(item, instrument.scale_of(item), lang) for item in instrument.pages[page_index].items)


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
    """

    def __init__(self, instrument: Instrument, page_index: int, lang: str, *, formdata: MultiDict | None = None,
                 answers: dict[str, Any] | None = None, submission_key: str = "",
                 omit: frozenset[str] = frozenset()) -> None:
        self.instrument = instrument
        self.page: Page = instrument.pages[page_index]
        #: items not asked of this respondent (an anonymous invitee's unit comes from the invitation)
        self.omit = omit
        self.questions = page_questions(instrument, page_index, lang)
        if omit:
            self.questions = tuple(q for q in self.questions if q.code not in omit)
        #: messages per item code, shown beside the question and in the summary
        self.item_errors: dict[str, list[str]] = {}
        #: the checked answers of the visible items, as stored (filled by ``check``)
        self.values: dict[str, Any] = {}
        #: answer per item code as shown in the form: a string, a list of strings (checkboxes) or None
        self.answers: dict[str, Any]
        if formdata is not None:
            self.submission_key = formdata.get("submission_key") or ""
            self.nav = formdata.get("nav") or ""
            self.answers = {q.code: _posted(q, formdata) for q in self.questions}
        else:
            self.submission_key = submission_key
            self.nav = ""
            stored = answers or {}
            self.answers = {q.code: _stored(q, stored.get(q.code)) for q in self.questions}

    def questions_html(self) -> Markup:
        """The page's questions as HTML, each with its shown answer and messages (``question_html``)."""
        return Markup("").join(question_html(q, self.answers[q.code], self.item_errors.get(q.code), _render_question)
                               for q in self.questions)

    def raw(self) -> dict[str, Any]:
        """The submitted answers of this page, as posted."""
        return dict(self.answers)

    def check(self, earlier: dict[str, Any]) -> bool:
        """The instrument's rules for the posted answers; fills ``values`` and ``item_errors``."""
        items = [item for item in self.page.items if item.code not in self.omit]
        self.values, errors = check_items(self.instrument, items, self.raw(), earlier)
        self.item_errors = {code: [error_message(error)] for code, error in errors.items()}
        return not errors
