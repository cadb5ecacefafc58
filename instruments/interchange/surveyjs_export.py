"""Writing an instrument as a SurveyJS survey model (JSON), as the survey-library's ``new Model(json)`` loads it.

A model holds ``pages``, each with ``name``, ``title``, ``description`` and ``elements``; an element has ``type``
and ``name`` and, by type, ``choices`` (``{"value", "text"}``), ``rateMin``/``rateMax``/``rateValues``,
``inputType``, ``rows`` and ``columns`` (a matrix) and so on. Localisable strings are
``{"default": English, "zh-cn": Chinese}``. Conditions, skips and piping are written as
:mod:`instruments.interchange.surveyjs_logic` describes. The welcome page is SurveyJS's start page
(``firstPageIsStarted``), the end text ``completedHtml`` and the redirect ``navigateToUrl``. Manyi's analysis
data, and the forms a condition or a text was written from, travel in the custom property ``manyi``.
"""

from __future__ import annotations

import html
import json
from typing import Any

from instruments import piping
from instruments.interchange.base import EXTRAS_KEY, Exported, instrument_extras, item_extras
from instruments.interchange.surveyjs_logic import UNIT_VARIABLE, negated, pipe_out, write_condition
from instruments.schema import END, POINT_KINDS, Condition, Instrument, Item, Page, Scale, Text, Welcome, texts_below

#: SurveyJS's locale for simplified Chinese; ``default`` is English, the library's default locale.
ZH_LOCALE = "zh-cn"
#: Names of the start page's elements that hold the welcome text and the privacy notice.
WELCOME_TEXT, WELCOME_PRIVACY = "welcome_text", "welcome_privacy"


def localised(text: Text) -> dict[str, str]:
    """A SurveyJS localisable string."""
    return {"default": text.en, ZH_LOCALE: text.zh}


def as_html(text: Text) -> dict[str, str]:
    """A plain text as a localisable HTML string (line breaks kept)."""
    return {key: html.escape(value).replace("\n", "<br>") for key, value in localised(text).items()}


def is_boolean(scale: Scale) -> bool:
    """Whether a scale is a yes/no question (values 1 then 0), written as SurveyJS's boolean."""
    return scale.kind == "single" and [o.value for o in scale.options] == [1, 0] and not scale.randomize_options


class SurveyJsWriter:
    """One instrument being written; :meth:`write` returns the file."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.not_mapped: list[str] = []
        taken = {item.code.lower() for item in instrument.items}
        #: the element name of each matrix (``<page id>/<matrix>``)
        self.matrices: dict[str, str] = {}
        for page in instrument.pages:
            for name in page.matrices:
                element, n = name, 2
                while element.lower() in taken:
                    element, n = f"{name}_{n}", n + 1
                taken.add(element.lower())
                self.matrices[f"{page.id}/{name}"] = element
        self.unit = UNIT_VARIABLE if UNIT_VARIABLE not in taken else f"{EXTRAS_KEY}_{UNIT_VARIABLE}"
        #: how expressions name each item
        self.names = {item.code: (f"{self.matrices[f'{page.id}/{item.matrix}']}.{item.code}" if item.matrix
                                  else item.code) for page in instrument.pages for item in page.items}
        self.multiple = {item.code for item in instrument.items if instrument.scale_of(item).kind == "multiple"}

    def localised(self, text: Text) -> dict[str, str]:
        """A localisable string with our placeholders as SurveyJS's."""
        return {key: pipe_out(value, self.names, self.unit) for key, value in localised(text).items()}

    def _piped(self, texts: dict[str, Text | None]) -> dict[str, Any]:
        kept = {}
        for key, text in texts.items():
            if text is not None and piping.has_placeholders(text.zh + text.en):
                kept[key] = {"value": text.model_dump(mode="json"), "native": self.localised(text)}
        return kept

    def condition(self, condition: Condition | None) -> tuple[str | None, dict[str, Any]]:
        """The expression of a condition and the custom data that keeps the condition beside it."""
        if condition is None:
            return None, {}
        written = write_condition(condition, self.names, self.multiple)
        return written, {"show_if": {"value": condition.model_dump(mode="json", by_alias=True), "native": written}}

    # -- the model -----------------------------------------------------------------------------------------
    def write(self) -> Exported:
        """The model and what of the instrument SurveyJS does not hold."""
        instrument = self.instrument
        model: dict[str, Any] = {"title": localised(instrument.title)}
        if instrument.description is not None:
            model["description"] = localised(instrument.description)
        if instrument.languages[0] == "zh":
            model["locale"] = ZH_LOCALE
        extras = instrument_extras(instrument)
        pages = [self._page(page, extras) for page in instrument.pages]
        if instrument.welcome is not None:
            model["firstPageIsStarted"] = True
            pages.insert(0, self._welcome(instrument.welcome, extras))
        model["pages"] = pages
        triggers = self._triggers()
        if triggers:
            model["triggers"] = triggers
            extras["skip_to"] = {"value": {page.id: [rule.model_dump(mode="json", by_alias=True)
                                                     for rule in page.skip_to]
                                           for page in instrument.pages if page.skip_to},
                                 "native": triggers}
            self.not_mapped.append("skip rules are SurveyJS triggers, which run as soon as the answer that fires "
                                   "them is given; set settings.triggers.executeSkipOnValueChanged = false in the "
                                   "form to wait for Next as Manyi does")
        end = instrument.end
        if end is not None and end.text is not None:
            model["completedHtml"] = as_html(end.text)
        if end is not None and end.redirect is not None:
            model["navigateToUrl"] = end.redirect
        if piping.pipes_unit((text for _, text in texts_below(instrument)), instrument.languages):
            extras["unit"] = self.unit
            self.not_mapped.append(f"{{{{unit}}}} is written as {{{self.unit}}}: set it with "
                                   f"survey.setVariable('{self.unit}', unit name) in the SurveyJS form")
        model[EXTRAS_KEY] = extras
        self.not_mapped.append(f"roles, constructs, paths and scale names are kept in the custom property "
                               f"{EXTRAS_KEY!r}; register it in SurveyJS Creator (Serializer.addProperty) to keep "
                               "it when editing there")
        # the survey's own data first, then its pages (easier to read)
        ordered = {key: model[key] for key in model if key not in ("pages", "triggers")}
        ordered.update({key: model[key] for key in ("triggers", "pages") if key in model})
        data = json.dumps(ordered, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        return Exported(data=data, suffix=".json", media_type="application/json", not_mapped=self.not_mapped)

    def _welcome(self, welcome: Welcome, extras: dict[str, Any]) -> dict[str, Any]:
        taken = {page.id for page in self.instrument.pages}
        name, n = "welcome", 2
        while name in taken:
            name, n = f"welcome_{n}", n + 1
        elements = [{"type": "html", "name": WELCOME_TEXT, "html": as_html(welcome.text)}]
        if welcome.privacy is not None:
            elements.append({"type": "html", "name": WELCOME_PRIVACY, "html": as_html(welcome.privacy)})
        if welcome.minutes is not None:
            extras["welcome"] = {"minutes": welcome.minutes}
            self.not_mapped.append("welcome: SurveyJS has no estimated time; kept in the custom data "
                                   f"{EXTRAS_KEY!r}")
        return {"name": name, "elements": elements}

    def _page(self, page: Page, extras: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"name": page.id, "title": localised(page.title)}
        logic: dict[str, Any] = {}
        if page.intro is not None:
            out["description"] = self.localised(page.intro)
            logic.update(self._piped({"intro": page.intro}))
        written, kept = self.condition(page.show_if)
        if written is not None:
            out["visibleIf"] = written
            logic.update(kept)
        if page.randomize:
            out["questionsOrder"] = "random"
        if logic:
            extras.setdefault("page_logic", {})[page.id] = logic
        elements = []
        for item in page.items:
            if item.matrix is None:
                elements.append(self._element(item))
            elif item is next(i for i in page.items if i.matrix == item.matrix):
                elements.append(self._matrix(page, item.matrix))
        out["elements"] = elements
        return out

    def _triggers(self) -> list[dict[str, Any]]:
        pages = self.instrument.pages
        first = {}
        for page in pages:
            item = page.items[0]
            first[page.id] = self.matrices[f"{page.id}/{item.matrix}"] if item.matrix else item.code
        triggers = []
        for page in pages:
            earlier: list[str] = []
            for rule in page.skip_to:
                holds = write_condition(rule.if_, self.names, self.multiple)
                # the first rule that holds wins: a later rule's trigger also says no earlier one held
                expression = holds if not earlier else "(" + " and ".join([holds, *map(negated, earlier)]) + ")"
                trigger: dict[str, Any] = {"type": "complete" if rule.to == END else "skip", "expression": expression}
                if rule.to != END:
                    trigger["gotoName"] = first[rule.to]
                triggers.append(trigger)
                earlier.append(holds)
        return triggers

    # -- elements --------------------------------------------------------------------------------------------
    def _answers(self, element: dict[str, Any], scale: Scale) -> None:
        if scale.kind in POINT_KINDS:
            element["type"] = "rating"
            points = scale.points()
            low, high = points[0], points[-1]
            if set(scale.anchors) <= {low, high}:
                element.update({"rateMin": low, "rateMax": high, "rateCount": len(points)})
                if low in scale.anchors:
                    element["minRateDescription"] = localised(scale.anchors[low])
                if high in scale.anchors:
                    element["maxRateDescription"] = localised(scale.anchors[high])
            else:
                element["rateValues"] = [{"value": p, "text": localised(scale.anchors[p])} if p in scale.anchors
                                         else p for p in points]
        elif is_boolean(scale):
            element.update({"type": "boolean", "valueTrue": 1, "valueFalse": 0,
                            "labelTrue": localised(scale.options[0].label),
                            "labelFalse": localised(scale.options[1].label)})
        elif scale.kind in ("single", "multiple"):
            element["type"] = "radiogroup" if scale.kind == "single" else "checkbox"
            element["choices"] = [{"value": o.value, "text": localised(o.label)} for o in scale.options]
        elif scale.kind == "numeric":
            element.update({"type": "text", "inputType": "number"})
            element.update({key: value for key, value in (("min", scale.min), ("max", scale.max))
                            if value is not None})
        else:
            element.update({"type": "comment", "maxLength": scale.max_length})

    def _element(self, item: Item) -> dict[str, Any]:
        scale = self.instrument.scale_of(item)
        element: dict[str, Any] = {"name": item.code, "title": self.localised(item.text)}
        self._answers(element, scale)
        extras = item_extras(self.instrument, item.code)
        if item.required:
            element["isRequired"] = True
        if item.help is not None:
            element["description"] = self.localised(item.help)
        written, kept = self.condition(item.show_if)
        if written is not None:
            element["visibleIf"] = written
            extras.update(kept)
        texts = self._piped({"text": item.text, "help": item.help})
        if texts:
            extras["texts"] = texts
        randomized = [name for name, on in (("item", item.randomize_options), ("scale", scale.randomize_options))
                      if on]
        if randomized:
            element["choicesOrder"] = "random"
            extras["randomize_options"] = randomized
        element[EXTRAS_KEY] = extras
        return element

    def _matrix(self, page: Page, name: str) -> dict[str, Any]:
        """A matrix as SurveyJS's single-choice matrix: the items its rows, the scale's answers its columns."""
        rows = [item for item in page.items if item.matrix == name]
        matrix = page.matrices[name]
        scale = self.instrument.scale_of(rows[0])
        element: dict[str, Any] = {"type": "matrix", "name": self.matrices[f"{page.id}/{name}"],
                                   "title": self.localised(matrix.text)}
        if matrix.help is not None:
            element["description"] = self.localised(matrix.help)
        labels = ([scale.anchors.get(p) or Text(zh=str(p), en=str(p)) for p in scale.points()]
                  if scale.kind in POINT_KINDS else [o.label for o in scale.options])
        element["columns"] = [{"value": value, "text": localised(label)}
                              for value, label in zip(scale.values(), labels, strict=True)]
        if scale.randomize_options:
            self.not_mapped.append(f"matrix {name}: SurveyJS shuffles the rows of a matrix, not its columns; "
                                   "written in order")
        required = all(item.required for item in rows)
        if required:
            element["isAllRowRequired"] = True
        elif any(item.required for item in rows):
            self.not_mapped.append(f"matrix {name}: SurveyJS makes all rows of a matrix required or none; written "
                                   "as optional; the import restores which rows are required")
        extras_rows, written_rows = [], []
        for item in rows:
            row: dict[str, Any] = {"value": item.code, "text": self.localised(item.text)}
            data = {**item_extras(self.instrument, item.code), "required": item.required}
            written, kept = self.condition(item.show_if)
            if written is not None:
                row["visibleIf"] = written
                data.update(kept)
            texts = self._piped({"text": item.text})
            if texts:
                data["texts"] = texts
            if item.help is not None:
                data["help"] = item.help.model_dump(mode="json")
                self.not_mapped.append(f"{item.code}: a matrix row has no help text in SurveyJS; kept in the custom "
                                       f"data {EXTRAS_KEY!r}")
            if item.randomize_options:
                data["randomize_options"] = ["item"]
                self.not_mapped.append(f"{item.code}: SurveyJS shuffles the rows of a matrix, not its columns; "
                                       "written in order")
            written_rows.append(row)
            extras_rows.append(data)
        element["rows"] = written_rows
        texts = self._piped({"text": matrix.text, "help": matrix.help})
        element[EXTRAS_KEY] = {"matrix": {"id": name, "rows": extras_rows, **({"texts": texts} if texts else {})}}
        return element


def export_surveyjs(instrument: Instrument) -> Exported:
    """Write ``instrument`` as a SurveyJS JSON model."""
    return SurveyJsWriter(instrument).write()
