"""The condition builder of the questionnaire editor: a condition as form rows and back, and in words.

A condition the builder edits is one test, or ``all``/``any`` of tests, each test perhaps negated, the whole
perhaps negated: one level of nesting. A deeper condition (from an imported file) is kept as it is and shown as
text only. Form fields of a builder share a prefix (``c_`` for a display condition, ``r0_`` for the first skip
rule): ``<prefix>join`` (all or any), ``<prefix>negate``, ``<prefix>rows``, and per row ``<prefix><k>_item``,
``_op``, ``_values`` (several), ``_number``, ``_number2`` and ``_not``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from instruments.schema import CHOICE_KINDS, POINT_KINDS, Instrument, Scale
from survey_app.messages import N_, QUOTED, SEPARATOR

#: the tests the builder offers, as the form names them ("unanswered" is ``answered: false``)
OPERATOR_LABELS = {
    "in": _l("is one of"), "contains_any": _l("includes any of"), "contains": _l("includes all of"),
    "eq": _l("equals"), "ne": _l("does not equal"), "lt": _l("is below"), "le": _l("is at most"),
    "gt": _l("is above"), "ge": _l("is at least"), "between": _l("is between"), "answered": _l("is answered"),
    "unanswered": _l("is not answered"),
}
COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge", "between")
CHOOSING = ("in", "contains_any", "contains")
JOIN_LABELS = {"all": _l("all of these hold"), "any": _l("any of these holds")}
#: blank rows a new builder offers, and the most rows a form may post
BLANK_ROWS = 1
MAX_ROWS = 20


def operators(scale: Scale) -> list[str]:
    """The tests that fit answers on ``scale``: choices for single and multiple choice, comparisons for numbers
    and scale points, and whether it was answered for every kind."""
    if scale.kind == "multiple":
        found = ["contains_any", "contains"]
    elif scale.kind == "single":
        found = ["in", *(COMPARISONS if scale.is_numeric() else ())]
    elif scale.kind in POINT_KINDS:
        found = ["in", *COMPARISONS]
    elif scale.kind == "numeric":
        found = list(COMPARISONS)
    else:
        found = []
    return [*found, "answered", "unanswered"]


def choices(scale: Scale, lang: str) -> list[tuple[str, str]]:
    """(value, label) of the answers a test may pick: a choice's options, a scale's points."""
    if scale.kind in CHOICE_KINDS:
        return [(str(o.value), o.label.get(lang)) for o in scale.options]
    anchors = {point: text.get(lang) for point, text in scale.anchors.items()}
    return [(str(p), f"{p} {anchors[p]}" if p in anchors else str(p)) for p in scale.points()]


# -- a condition as rows, and back ---------------------------------------------------------------------------
def is_test(condition: Any) -> bool:
    return isinstance(condition, dict) and condition.get("item") is not None


def rows_of(condition: dict[str, Any] | None, prefix: str) -> MultiDict | None:
    """The form values of ``condition``; None when it is nested deeper than the builder edits."""
    values: dict[str, Any] = {f"{prefix}join": "all"}
    if not condition:
        values[f"{prefix}rows"] = BLANK_ROWS
        return MultiDict(values)
    if set(condition) == {"not"} and not is_test(condition["not"]):
        values[f"{prefix}negate"] = "y"
        condition = condition["not"]
    join = next((key for key in ("all", "any") if key in condition), None)
    parts = condition[join] if join else [condition]
    if join:
        values[f"{prefix}join"] = join
    form = MultiDict(values)
    for k, part in enumerate(parts):
        negated = set(part) == {"not"} and is_test(part["not"])
        test = part["not"] if negated else part
        if not is_test(test):
            return None
        row = f"{prefix}{k}_"
        form[f"{row}item"] = test["item"]
        if negated:
            form[f"{row}not"] = "y"
        op = next(key for key in test if key != "item")
        argument = test[op]
        if op == "answered":
            op = "answered" if argument else "unanswered"
        elif op in CHOOSING:
            for value in argument if isinstance(argument, list) else [argument]:
                form.add(f"{row}values", str(value))
        elif op == "between":
            form[f"{row}number"], form[f"{row}number2"] = _shown(argument[0]), _shown(argument[1])
        else:
            form[f"{row}number"] = _shown(argument)
        form[f"{row}op"] = op
    form[f"{prefix}rows"] = len(parts)
    return form


def _shown(number: float) -> str:
    return f"{number:g}"


@dataclass
class Built:
    """A condition read from the form: the condition (None: no rows), where each row's test sits in it (key path
    below the condition -> row prefix), and problems the form itself shows (field -> message)."""

    condition: dict[str, Any] | None
    places: dict[tuple[str | int, ...], str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def build(form: MultiDict, prefix: str, instrument: Instrument, codes: list[str]) -> Built:
    """The condition the builder's rows describe (rows without a question are left out); ``codes`` are the
    questions the rows may test."""
    tests: list[dict[str, Any]] = []
    rows: list[str] = []
    errors: dict[str, str] = {}
    for k in range(row_count(form, prefix)):
        row = f"{prefix}{k}_"
        code = form.get(f"{row}item") or ""
        if not code:
            continue
        if code not in codes:
            errors[f"{row}item"] = _("Choose a question from the list.")
            continue
        test = _test(form, row, code, instrument.scale_of(code), errors)
        if test is not None:
            tests.append({"not": test} if form.get(f"{row}not") else test)
            rows.append(row)
    if errors or not tests:
        return Built(None, errors=errors)
    places: dict[tuple[str | int, ...], str] = {}
    join = form.get(f"{prefix}join") if form.get(f"{prefix}join") in ("all", "any") else "all"
    if len(tests) == 1:
        condition = tests[0]
        places[()] = rows[0]
    else:
        condition = {join: tests}
        places.update({(join, k): row for k, row in enumerate(rows)})
    if form.get(f"{prefix}negate"):
        condition = {"not": condition}
        places = {("not", *path): row for path, row in places.items()}
    return Built(condition, places)


def _test(form: MultiDict, row: str, code: str, scale: Scale, errors: dict[str, str]) -> dict[str, Any] | None:
    op = form.get(f"{row}op") or ""
    if op not in operators(scale):
        errors[f"{row}op"] = _("Choose a comparison that fits this question.")
        return None
    if op in ("answered", "unanswered"):
        return {"item": code, "answered": op == "answered"}
    if op in CHOOSING:
        allowed = {str(v): v for v in scale.values()}
        picked = [allowed[v] for v in form.getlist(f"{row}values") if v in allowed]
        if not picked:
            errors[f"{row}value"] = _("Choose at least one answer.")
            return None
        return {"item": code, op: picked}
    numbers = [_number(form.get(f"{row}number")), _number(form.get(f"{row}number2"))]
    needed = numbers if op == "between" else numbers[:1]
    if any(n is None for n in needed):
        errors[f"{row}value"] = _("Give a number.") if op != "between" else _("Give two numbers, the lower first.")
        return None
    return {"item": code, op: needed if op == "between" else needed[0]}


def _number(text: str | None) -> int | float | None:
    try:
        value = float((text or "").strip().replace(",", "."))
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def row_count(form: MultiDict, prefix: str) -> int:
    try:
        return max(0, min(int(form.get(f"{prefix}rows", BLANK_ROWS)), MAX_ROWS))
    except (TypeError, ValueError):
        return BLANK_ROWS


def row_errors(path: tuple[str | int, ...], places: dict[tuple[str | int, ...], str]) -> str | None:
    """The field of the row a problem at ``path`` (below the condition) concerns: its question or its value."""
    for length in range(len(path), -1, -1):
        row = places.get(tuple(path[:length]))
        if row is not None:
            rest = path[length:]
            return f"{row}item" if rest[:1] == ("item",) else f"{row}value"
    return None


# -- the builder for a template ------------------------------------------------------------------------------
def builder(form: MultiDict, prefix: str, instrument: Instrument, codes: list[str], lang: str,
            errors: dict[str, str], *, readonly: str | None = None, orig: int | None = None) -> dict[str, Any]:
    """What the builder macro shows, as plain values: its rows with the tests and answers fitting each row's
    question; ``readonly`` the words of a condition nested too deep to edit here."""
    questions = [("", _("— choose a question —"))] + [(code, _question_label(instrument, code, lang))
                                                      for code in codes]
    rows = []
    for k in range(row_count(form, prefix)):
        row = f"{prefix}{k}_"
        code = form.get(f"{row}item") or ""
        scale = instrument.scale_of(code) if code in codes else None
        ops = operators(scale) if scale else []
        op = form.get(f"{row}op") or (ops[0] if ops else "")
        picked = set(form.getlist(f"{row}values"))
        rows.append({
            "prefix": row, "n": k + 1, "item": code, "questions": questions, "op": op,
            "ops": [(name, str(OPERATOR_LABELS[name])) for name in ops],
            "answers": [{"value": value, "label": label, "checked": value in picked, "id": f"{row}v{j}"}
                        for j, (value, label) in enumerate(choices(scale, lang) if scale else [])]
            if scale and any(o in CHOOSING for o in ops) else [],
            "numbers": scale is not None and any(o in COMPARISONS for o in ops),
            "number": form.get(f"{row}number", ""), "number2": form.get(f"{row}number2", ""),
            "negated": bool(form.get(f"{row}not")),
            "item_error": errors.get(f"{row}item"), "op_error": errors.get(f"{row}op"),
            "value_error": errors.get(f"{row}value"),
        })
    return {"prefix": prefix, "rows": rows, "row_count": len(rows), "readonly": readonly, "orig": orig,
            "join": form.get(f"{prefix}join") or "all", "negate": bool(form.get(f"{prefix}negate")),
            "joins": [(k, str(v)) for k, v in JOIN_LABELS.items()]}


def _question_label(instrument: Instrument, code: str, lang: str) -> str:
    text = instrument.item(code).text.get(lang)
    return f"{code}: {text[:60]}{'…' if len(text) > 60 else ''}"


# -- a condition in words ------------------------------------------------------------------------------------
def in_words(condition: dict[str, Any], instrument: Instrument, lang: str) -> str:
    """``condition`` as a sentence part in the console's language: "Q3 is at least 7 and Q4 includes 'price'"."""
    return _words(condition, instrument, lang, top=True)


def _words(condition: dict[str, Any], instrument: Instrument, lang: str, *, top: bool = False) -> str:
    for join, glue in (("all", _(" and ")), ("any", _(" or "))):
        if join in condition:
            text = glue.join(_words(part, instrument, lang) for part in condition[join])
            return text if top else _("(%(condition)s)", condition=text)
    if "not" in condition:
        return _("not (%(condition)s)", condition=_words(condition["not"], instrument, lang, top=True))
    code = condition["item"]
    op = next(key for key in condition if key != "item")
    argument = condition[op]
    if op == "answered":
        return _("%(code)s is answered", code=code) if argument else _("%(code)s is not answered", code=code)
    if op in CHOOSING:
        values = argument if isinstance(argument, list) else [argument]
        labels = _(SEPARATOR).join(_answer(instrument, code, v, lang) for v in values)
        if op == "in":
            return (_("%(code)s is %(value)s", code=code, value=labels) if len(values) == 1 else
                    _("%(code)s is one of %(values)s", code=code, values=labels))
        if len(values) == 1:
            return _("%(code)s includes %(value)s", code=code, value=labels)
        return (_("%(code)s includes any of %(values)s", code=code, values=labels) if op == "contains_any" else
                _("%(code)s includes all of %(values)s", code=code, values=labels))
    if op == "between":
        return _("%(code)s is between %(low)s and %(high)s", code=code, low=_shown(argument[0]),
                 high=_shown(argument[1]))
    return _(_COMPARISON_WORDS[op], code=code, value=_shown(argument))


_COMPARISON_WORDS = {
    "eq": N_("%(code)s equals %(value)s"), "ne": N_("%(code)s does not equal %(value)s"),
    "lt": N_("%(code)s is below %(value)s"), "le": N_("%(code)s is at most %(value)s"),
    "gt": N_("%(code)s is above %(value)s"), "ge": N_("%(code)s is at least %(value)s"),
}


def _answer(instrument: Instrument, code: str, value: Any, lang: str) -> str:
    """An answer as the respondent sees it: an option's label, quoted; a scale point or number as it is."""
    try:
        scale = instrument.scale_of(code)
    except KeyError:
        return _(QUOTED, value=value)
    if scale.kind not in CHOICE_KINDS:
        return str(value)  # a point of a scale, or a number
    label = next((o.label.get(lang) for o in scale.options if str(o.value) == str(value)), None)
    return _(QUOTED, value=label if label is not None else value)
