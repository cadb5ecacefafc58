"""Conditions, skips and piping in LimeSurvey's ExpressionScript, both ways.

A condition becomes a relevance equation: ``Q1.NAOK == "A1"`` (an answer code), ``Q1.NAOK >= 7``, a multiple-choice
subquestion ``Q2_web.NAOK == "Y"``, ``!is_empty(Q1.NAOK)``, joined by ``and``/``or`` and negated by ``!``.
``.NAOK`` ("not applicable is OK") reads a question hidden by its own relevance as empty, as Manyi reads an answer
that was not shown. LimeSurvey compares an empty answer as 0, so a comparison that 0 would pass is guarded with
``!is_empty``. LimeSurvey has no skip: a page's skip rules become part of the relevance of the pages they skip.
Piping an answer is ``{Q1.shown}`` (the answer as shown), of a multiple choice ``{list(if(...), ...)}`` over its
subquestions; the unit's name is the participant attribute :data:`UNIT_ATTRIBUTE`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from instruments import piping
from instruments.interchange.base import choice_value
from instruments.interchange.expression import Answered, ExpressionError, convert, parse, question_first
from instruments.logic import Condition
from instruments.schema import END, Instrument, Text

#: The participant attribute that holds the unit's name (filled from the invitation list).
UNIT_ATTRIBUTE = "ATTRIBUTE_1"
_NAME_SUFFIX = re.compile(r"\.(?:NAOK|value|code)$", re.IGNORECASE)


@dataclass(frozen=True)
class LsQuestion:
    """How expressions name one of our items in LimeSurvey and read its answers."""

    #: the name in expressions: the question code, or ``<array>_<subquestion>`` for a matrix row
    name: str
    #: the LimeSurvey type: L (list or array row), Y (yes/no), M (multiple choice), N (numerical), S/T (text)
    kind: str
    #: option value (as text) -> answer or subquestion code
    codes: dict[str, str] = field(default_factory=dict)
    #: option labels by value (as text) in each language, for piping a multiple choice
    labels: dict[str, Text] = field(default_factory=dict)

    def numeric(self) -> bool:
        """Whether answers compare as numbers in LimeSurvey (their codes are the numbers themselves)."""
        if self.kind == "N":
            return True
        return self.kind == "L" and bool(self.codes) and all(
            re.fullmatch(r"-?\d+", value) and code == value for value, code in self.codes.items())


# -- writing -----------------------------------------------------------------------------------------------------
def _join(op: str, parts: list[str | None]) -> str | None:
    """``parts`` joined by ``and``/``or``; ``None`` in a part means "always true"."""
    if op == "and":
        kept = [p for p in parts if p is not None]
        if not kept:
            return None
    else:
        if any(p is None for p in parts):
            return None
        kept = [p for p in parts if p is not None]
    return kept[0] if len(kept) == 1 else "(" + f" {op} ".join(kept) + ")"


def _not(part: str) -> str:
    if part.startswith("!is_empty("):
        return part[1:]
    if part.startswith("is_empty("):
        return "!" + part
    return "!" + (part if part.startswith("(") else f"({part})")


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class Unwritable(ValueError):
    """A condition that ExpressionScript cannot state for these questions."""


def write_condition(condition: Condition, questions: dict[str, LsQuestion]) -> str:
    """The relevance equation of ``condition``; :class:`Unwritable` when it has none."""
    for key, op in (("all_", "and"), ("any_", "or")):
        parts = getattr(condition, key)
        if parts is not None:
            return _join(op, [write_condition(p, questions) for p in parts]) or "1"
    if condition.not_ is not None:
        return _not(write_condition(condition.not_, questions))
    question = questions[condition.item or ""]
    name, test, argument = question.name, condition.test, condition.argument
    if question.kind == "M":
        chosen = [f"{name}_{question.codes[str(v)]}.NAOK == \"Y\"" for v in
                  (argument if test != "answered" else list(question.codes))]
        if test == "answered":
            either = _join("or", chosen) or "1"
            return either if argument else _not(either)
        if test in ("in", "contains_any", "contains"):
            return _join("and" if test == "contains" else "or", chosen) or "1"
        raise Unwritable(f"{test!r} on the multiple choice {condition.item}")
    if test == "answered":
        return f"!is_empty({name}.NAOK)" if argument else f"is_empty({name}.NAOK)"
    if test == "in":
        if question.kind == "Y":
            return _join("or", [f'{name}.NAOK == "{"Y" if int(v) == 1 else "N"}"' for v in argument]) or "1"
        if question.kind == "N":
            return _join("or", [f"{name}.NAOK == {v}" for v in argument]) or "1"
        return _join("or", [f"{name}.NAOK == {_quoted(question.codes[str(v)])}" for v in argument]) or "1"
    if not question.numeric():
        raise Unwritable(f"{condition.item}'s answer codes are not its numbers, so {test!r} cannot compare them")
    low, high = argument if test == "between" else (argument, argument)
    if test == "between":
        compared = f"({name}.NAOK >= {_number(low)} and {name}.NAOK <= {_number(high)})"
        passes_zero = low <= 0 <= high
    else:
        symbol = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[test]
        compared = f"{name}.NAOK {symbol} {_number(argument)}"
        passes_zero = {"eq": 0 == low, "ne": 0 != low, "lt": 0 < low, "le": 0 <= low, "gt": 0 > low,
                       "ge": 0 >= low}[test]
    # an empty answer compares as 0 in LimeSurvey; Manyi's test on an unanswered item is false
    return f"(!is_empty({name}.NAOK) and {compared})" if passes_zero else compared


def page_relevance(instrument: Instrument, questions: dict[str, LsQuestion]) -> tuple[list[str], list[str]]:
    """The group relevance of each page (its own condition and the skips over it) and what could not be written.

    After page P, rule k (the first that holds) skips the pages before its target, so page Q is hidden when, for
    a rule of an earlier page P with its target after Q, P was shown, the rule holds and no earlier rule of P did.
    P was shown when its own relevance held and one of its items was visible.
    """
    notes: list[str] = []

    def written(condition: Condition | None, where: str) -> str | None:
        if condition is None:
            return None
        try:
            return write_condition(condition, questions)
        except Unwritable as exc:
            notes.append(f"{where}: not written ({exc}); LimeSurvey will not apply it")
            return None

    index = {page.id: p for p, page in enumerate(instrument.pages)}
    relevance: list[str | None] = []
    shown: list[str | None] = []
    rules: list[list[tuple[int, str | None, list[str | None]]]] = []
    for p, page in enumerate(instrument.pages):
        hidden: list[str | None] = []
        for q, page_rules in enumerate(rules):
            for target, holds, earlier in page_rules:
                if target > p:
                    hidden.append(_join("and", [shown[q], holds, *[_not(e) for e in earlier if e]]))
        hide = _join("or", hidden) if hidden else None
        own = _join("and", [written(page.show_if, f"page {page.id}: its condition"),
                            _not(hide) if hide else None])
        relevance.append(own)
        if all(item.show_if is not None for item in page.items):
            conditions = [written(item.show_if, f"{item.code}: its condition") for item in page.items]
            visible = _join("or", conditions)
        else:
            visible = None
        shown.append(_join("and", [own, visible]))
        page_rules = []
        conditions_so_far: list[str | None] = []
        for k, rule in enumerate(page.skip_to):
            holds = written(rule.if_, f"page {page.id}: skip rule {k + 1}")
            if holds is not None:
                target = len(instrument.pages) if rule.to == END else index[rule.to]
                page_rules.append((target, holds, list(conditions_so_far)))
            conditions_so_far.append(holds)
        rules.append(page_rules)
    return [r or "1" for r in relevance], notes


# -- piping ------------------------------------------------------------------------------------------------------
def pipe_out(text: str, lang: str, questions: dict[str, LsQuestion]) -> str:
    """``text`` with our placeholders as LimeSurvey's: ``{Q1.shown}``, ``{list(if(...))}``, the unit attribute."""
    if not piping.has_placeholders(text):
        return text

    def replace(match: re.Match[str]) -> str:
        code = piping.references(match.group(0))[0]
        if code == piping.UNIT:
            return f"{{TOKEN:{UNIT_ATTRIBUTE}}}"
        attribute = piping.attribute_of(code)
        if attribute is not None:  # a participant attribute of LimeSurvey's, named after ours
            return "{TOKEN:" + re.sub(r"\W", "_", attribute, flags=re.ASCII).upper() + "}"
        question = questions[code or ""]
        if question.kind != "M":
            return f"{{{question.name}.shown}}"
        parts = [f'if({question.name}_{question.codes[value]}.NAOK == "Y", '
                 f'{_quoted(question.labels[value].get(lang))}, "")' for value in question.codes]
        return "{list(" + ", ".join(parts) + ")}"

    return piping.PLACEHOLDER.sub(replace, text)


_BRACED = re.compile(r"\{([^{}]+)\}")


def pipe_in(text: str, resolve: Callable[[str], tuple[str, Any] | None], unit: str | None,
            allowed: set[str]) -> tuple[str, list[str]]:
    """``text`` with LimeSurvey placeholders on ``allowed`` items (earlier pages) as ours, and the ones left.

    ``resolve(name)`` gives ``(item code, value of a multiple-choice subquestion or None)`` for a question name;
    ``unit`` is the participant attribute that holds the unit, when the file says so.
    """
    left: list[str] = []

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if unit is not None and inner.upper() == f"TOKEN:{unit}":
            return "{{unit}}"
        code = _piped_code(inner, resolve)
        if code is not None and code in allowed:
            return f"{{{{answer:{code}}}}}"
        if not re.fullmatch(r"[A-Za-z0-9_:.]+|[a-z_]+\(.*\)", inner, re.DOTALL):
            return match.group(0)  # braces of the text itself, not a placeholder
        left.append(match.group(0))
        return match.group(0)

    return _BRACED.sub(replace, text), left


def _piped_code(inner: str, resolve: Callable[[str], tuple[str, Any] | None]) -> str | None:
    name = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*)(?:\.(?:shown|NAOK|value))?", inner)
    if name is not None:
        found = resolve(name.group(1))
        return found[0] if found is not None and found[1] is None else None
    try:
        tree = parse(inner)
    except ExpressionError:
        return None
    # {list(if(Q_a.NAOK == "Y", "label", ""), ...)}: the chosen labels of one multiple choice
    if tree[0] != "call" or tree[1] != "list" or not tree[2]:
        return None
    codes = set()
    for part in tree[2]:
        if part[0] != "call" or part[1] != "if" or len(part[2]) != 3 or part[2][0][0] != "cmp":
            return None
        _, op, left, right = part[2][0]
        found = resolve(_NAME_SUFFIX.sub("", left[1])) if left[0] == "var" else None
        if op != "eq" or right != ("lit", "Y") or found is None or found[1] is None:
            return None
        codes.add(found[0])
    return codes.pop() if len(codes) == 1 else None


# -- reading -----------------------------------------------------------------------------------------------------
def read_condition(expression: str, resolve: Callable[[str], Answered | None]) -> dict[str, Any] | None:
    """The condition (as data) of a relevance equation; ``None`` for ``1``; ExpressionError when it does not map."""
    text = expression.strip()
    if text in ("", "1", "true"):
        return None
    return convert(parse(text), lambda tree: _leaf(tree, resolve))


def _leaf(tree: tuple, resolve: Callable[[str], Answered | None]) -> dict[str, Any]:
    """A test of ExpressionScript: ``is_empty(Q)`` or a question compared with a value."""
    kind = tree[0]
    if kind == "call" and tree[1] == "is_empty" and len(tree[2]) == 1 and tree[2][0][0] == "var":
        found = _resolved(tree[2][0][1], resolve)
        if found.option is not None:
            return {"not": {"item": found.code, "in": [found.option]}}
        return {"item": found.code, "answered": False}
    compared = question_first(tree, ("lit",)) if kind == "cmp" else None
    if compared is not None and compared[0] in ("eq", "ne", "lt", "le", "gt", "ge"):
        op, question, value = compared
        return _test(_resolved(question[1], resolve), op, value[1])
    raise ExpressionError("only comparisons of a question with a value, is_empty(), and, or and ! map")


def _resolved(name: str, resolve: Callable[[str], Answered | None]) -> Answered:
    found = resolve(_NAME_SUFFIX.sub("", name))
    if found is None:
        raise ExpressionError(f"{name!r} is not an earlier imported question")
    return found


def _test(found: Answered, op: str, raw: Any) -> dict[str, Any]:
    text = str(raw)
    if found.option is not None:
        if op not in ("eq", "ne") or text not in ("Y", ""):
            raise ExpressionError("a multiple-choice subquestion is compared with \"Y\" or \"\" only")
        chosen = {"item": found.code, "in": [found.option]}
        return chosen if (op == "eq") == (text == "Y") else {"not": chosen}
    if text == "" and op in ("eq", "ne"):
        return {"item": found.code, "answered": op == "ne"}
    if op in ("eq", "ne") and (found.kind != "numeric" or found.values):
        value = (found.values or {}).get(text, choice_value(text))
        test = {"item": found.code, "in": [value]}
        return test if op == "eq" else {"not": test}
    try:
        number = float(text)
    except ValueError:
        raise ExpressionError(f"{raw!r} is not a number to compare with") from None
    if found.kind == "numeric" and op == "eq" and number.is_integer():
        return {"item": found.code, "in": [int(number)]}
    return {"item": found.code, op: int(number) if number.is_integer() else number}
