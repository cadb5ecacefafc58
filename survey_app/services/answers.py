"""Checking one respondent's answers against the instrument (shared by the web form and the API)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from instruments.flow import is_visible
from instruments.schema import Instrument, Item, Scale
from survey_app.text_checks import TextRefused, checked_text


class AnswerError(ValueError):
    """An answer the instrument does not allow; ``key`` names the rule for translated messages."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def _choice_values(scale: Scale) -> list[Any]:
    if scale.kind in ("single", "multiple"):
        return [option.value for option in scale.options]
    return list(scale.points())


def _text(raw: Any, problem: str, **params: Any) -> str:
    """``raw`` as text; AnswerError(problem) when it has none (an integer of more than 4,300 digits)."""
    try:
        return str(raw)
    except ValueError:
        raise AnswerError(problem, **params) from None


def _match_choice(scale: Scale, raw: Any) -> Any:
    """The allowed value equal to ``raw`` (compared as text, so form strings and JSON ints both work)."""
    given = _text(raw, "not_a_choice").strip()
    for value in _choice_values(scale):
        if str(value) == given:
            return value
    raise AnswerError("not_a_choice")


def coerce_answer(scale: Scale, raw: Any) -> Any:
    """Turn a submitted value into the stored value, or raise AnswerError; empty input gives None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        return None
    if scale.kind == "multiple":
        values = raw if isinstance(raw, list) else [raw]
        matched = [_match_choice(scale, v) for v in values]
        return sorted(set(matched), key=_choice_values(scale).index)
    if isinstance(raw, list):
        if len(raw) != 1:
            raise AnswerError("one_answer_only")
        raw = raw[0]
    if scale.kind in ("likert", "rating", "nps", "single"):
        return _match_choice(scale, raw)
    if scale.kind == "numeric":
        try:
            number = float(_text(raw, "not_a_number").strip().replace(",", ""))
        except ValueError:
            raise AnswerError("not_a_number") from None
        if not math.isfinite(number):
            raise AnswerError("not_a_number")
        if (scale.min is not None and number < scale.min) or (scale.max is not None and number > scale.max):
            raise AnswerError("out_of_range", min=scale.min, max=scale.max)
        return int(number) if number.is_integer() else number
    text = _text(raw, "too_long", max=scale.max_length)
    try:
        text = checked_text(text)
    except TextRefused as exc:
        raise AnswerError(exc.problem) from None
    if len(text) > scale.max_length:
        raise AnswerError("too_long", max=scale.max_length)
    return text


def check_items(
    instrument: Instrument, items: list[Item], raw: Mapping[str, Any], earlier: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, AnswerError]]:
    """Validate the answers to ``items``; returns (values of visible items, errors by item code).

    ``earlier`` holds answers already stored (from other pages); display conditions see both.
    Hidden items get no value, so a changed earlier answer cannot leave a stale answer behind.
    """
    values: dict[str, Any] = {}
    errors: dict[str, AnswerError] = {}
    for item in items:
        try:
            values[item.code] = coerce_answer(instrument.scale_of(item), raw.get(item.code))
        except AnswerError as exc:
            errors[item.code] = exc
    # in page order, as instruments.flow.walk does: a hidden item's answer counts for no later condition
    seen = dict(earlier)
    for code in values:
        seen.pop(code, None)
    visible_values: dict[str, Any] = {}
    for item in items:
        if not is_visible(item, seen):
            errors.pop(item.code, None)
            continue
        value = values.get(item.code)
        if value is None and item.code not in errors and item.required:
            errors[item.code] = AnswerError("required")
        if value is not None:
            visible_values[item.code] = value
            seen[item.code] = value
    return visible_values, errors
