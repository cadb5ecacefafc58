"""Writing an instrument as a SurveyJS survey model (JSON), as the survey-library's ``new Model(json)`` loads it.

A model holds ``pages``, each with ``name``, ``title`` and ``elements``; an element has ``type`` and ``name`` and,
by type, ``choices`` (``{"value", "text"}``), ``rateMin``/``rateMax``/``rateValues``, ``inputType`` and so on.
Localisable strings are ``{"default": English, "zh-cn": Chinese}``; ``visibleIf`` is an expression such as
``{Q1} = 1`` or ``{Q1} anyof [1, 2]``. Manyi's analysis data travels in the custom property ``manyi``.
"""

from __future__ import annotations

import json
from typing import Any

from instruments.interchange.base import EXTRAS_KEY, Exported, instrument_extras, item_extras
from instruments.schema import POINT_KINDS, Condition, Instrument, Item, Scale, Text

#: SurveyJS's locale for simplified Chinese; ``default`` is English, the library's default locale.
ZH_LOCALE = "zh-cn"


def localised(text: Text) -> dict[str, str]:
    """A SurveyJS localisable string."""
    return {"default": text.en, ZH_LOCALE: text.zh}


def is_boolean(scale: Scale) -> bool:
    """Whether a scale is a yes/no question (values 1 then 0), written as SurveyJS's boolean."""
    return scale.kind == "single" and [o.value for o in scale.options] == [1, 0]


def literal(value: int | str) -> str:
    """A value as a SurveyJS expression literal."""
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _element(instrument: Instrument, item: Item) -> dict[str, Any]:
    scale = instrument.scale_of(item)
    element: dict[str, Any] = {"name": item.code, "title": localised(item.text)}
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
            element["rateValues"] = [{"value": p, "text": localised(scale.anchors[p])} if p in scale.anchors else p
                                     for p in scale.points()]
    elif is_boolean(scale):
        element.update({"type": "boolean", "valueTrue": 1, "valueFalse": 0,
                        "labelTrue": localised(scale.options[0].label),
                        "labelFalse": localised(scale.options[1].label)})
    elif scale.kind in ("single", "multiple"):
        element["type"] = "radiogroup" if scale.kind == "single" else "checkbox"
        element["choices"] = [{"value": o.value, "text": localised(o.label)} for o in scale.options]
    elif scale.kind == "numeric":
        element.update({"type": "text", "inputType": "number"})
        element.update({key: value for key, value in (("min", scale.min), ("max", scale.max)) if value is not None})
    else:
        element.update({"type": "comment", "maxLength": scale.max_length})
    if item.required:
        element["isRequired"] = True
    if item.help is not None:
        element["description"] = localised(item.help)
    if item.show_if is not None:
        element["visibleIf"] = _visible_if(instrument, item.show_if)
    element[EXTRAS_KEY] = item_extras(instrument, item.code)
    return element


def _visible_if(instrument: Instrument, condition: Condition) -> str:
    ref, values = condition.item, condition.in_
    multiple = instrument.scale_of(ref).kind == "multiple"
    if len(values) == 1 and not multiple:
        return f"{{{ref}}} = {literal(values[0])}"
    return f"{{{ref}}} anyof [{', '.join(literal(v) for v in values)}]"


def export_surveyjs(instrument: Instrument) -> Exported:
    """Write ``instrument`` as a SurveyJS JSON model."""
    model: dict[str, Any] = {"title": localised(instrument.title)}
    if instrument.description is not None:
        model["description"] = localised(instrument.description)
    if instrument.languages[0] == "zh":
        model["locale"] = ZH_LOCALE
    model[EXTRAS_KEY] = instrument_extras(instrument)
    model["pages"] = [{"name": page.id, "title": localised(page.title),
                       "elements": [_element(instrument, item) for item in page.items]}
                      for page in instrument.pages]
    not_mapped = [f"roles, constructs, paths and scale names are kept in the custom property {EXTRAS_KEY!r}; "
                  f"register it in SurveyJS Creator (Serializer.addProperty) to keep it when editing there"]
    data = json.dumps(model, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    return Exported(data=data, suffix=".json", media_type="application/json", not_mapped=not_mapped)
