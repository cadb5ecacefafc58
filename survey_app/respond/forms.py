"""WTForms classes generated from an instrument page at run time."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from instruments.schema import Instrument, Item, Page, Scale
from survey_app.services.answers import AnswerError, check_items

MESSAGES = {
    "required": _l("Please answer this question."),
    "not_a_choice": _l("Please choose one of the options."),
    "one_answer_only": _l("Please choose only one option."),
    "not_a_number": _l("Please enter a number."),
    "out_of_range": _l("Please enter a number from %(min)s to %(max)s."),
    "too_long": _l("Please keep your answer under %(max)s characters."),
}


def error_message(error: AnswerError) -> str:
    """The respondent-language message for an answer error."""
    params = {k: ("" if v is None else v) for k, v in error.params.items()}
    return str(MESSAGES[error.key]) % params if params else str(MESSAGES[error.key])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(scale: Scale, lang: str) -> list[SelectChoice]:
    if scale.kind in ("single", "multiple"):
        return [SelectChoice(str(o.value), o.label.get(lang)) for o in scale.options]
    if scale.kind == "likert":
        # every point of an agreement scale is labelled where the instrument says so
        return [SelectChoice(str(p), scale.anchors[p].get(lang) if p in scale.anchors else str(p))
                for p in scale.points()]
    # rating and 0-10 scales show numbers; the end anchors are printed under the row
    return [SelectChoice(str(p), str(p)) for p in scale.points()]


def _field(item: Item, scale: Scale, lang: str) -> Field:
    label = item.text.get(lang)
    description = item.help.get(lang) if item.help else ""
    if scale.kind in ("likert", "rating", "nps", "single"):
        # choices are checked by check_items (shared with the API), not by WTForms
        return RadioField(label, choices=_choices(scale, lang), validate_choice=False, description=description)
    if scale.kind == "multiple":
        return MultiCheckboxField(label, choices=_choices(scale, lang), validate_choice=False,
                                  description=description)
    if scale.kind == "numeric":
        return StringField(label, description=description, render_kw={"inputmode": "decimal"})
    return TextAreaField(label, description=description, render_kw={"maxlength": scale.max_length, "rows": 3})


class PageForm(FlaskForm):
    """Base of every generated page form: CSRF, the first page's submission key, navigation."""

    submission_key = HiddenField()
    nav = HiddenField()

    instrument: Instrument
    page: Page
    values: dict[str, Any]

    def raw(self) -> dict[str, Any]:
        """The submitted answers of this page, as posted."""
        return {item.code: self[item.code].data for item in self.page.items}

    def check(self, earlier: dict[str, Any]) -> bool:
        """CSRF and form validation, then the instrument's rules; fills ``values`` and field errors."""
        ok = self.validate()
        self.values, errors = check_items(self.instrument, self.page.items, self.raw(), earlier)
        for code, error in errors.items():
            self[code].errors = [*self[code].errors, error_message(error)]
        return ok and not errors


def page_form(instrument: Instrument, page_index: int, lang: str) -> type[PageForm]:
    """A form class for one page of ``instrument`` with labels in ``lang``."""
    page = instrument.pages[page_index]
    attrs: dict[str, Any] = {"instrument": instrument, "page": page}
    for item in page.items:
        attrs[item.code] = _field(item, instrument.scale_of(item), lang)
    return type(f"Page{page_index}Form", (PageForm,), attrs)
