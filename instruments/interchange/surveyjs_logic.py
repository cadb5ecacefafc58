"""Conditions, skips and piping in SurveyJS expressions, both ways.

A condition becomes a ``visibleIf`` expression: ``{Q1} = 1``, ``{Q1} anyof [1, 2]``, ``{Q2} allof ['web']``,
``{Q1} >= 7``, ``{Q1} notempty``, joined by ``and``/``or`` and negated by ``!``; a matrix row is ``{M.ROW}``.
SurveyJS, like Manyi, finds a comparison with an empty answer false, except ``!=``, which is guarded with
``notempty``. A skip rule becomes a trigger (``skip`` to the first question of the target page, ``complete`` for
the end) whose expression also says that no earlier rule of the page held, as Manyi takes the first rule that
holds. Piping an answer is ``{Q1}`` (SurveyJS shows the answer's text); the unit's name is the survey variable
:data:`UNIT_VARIABLE`, which the form sets with ``survey.setVariable``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from instruments import piping
from instruments.interchange.expression import Answered, ExpressionError, convert, parse, question_first
from instruments.logic import Condition

#: The survey variable that holds the unit's name.
UNIT_VARIABLE = "unit"


def literal(value: int | float | str) -> str:
    """A value as a SurveyJS expression literal."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _join(op: str, parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + f" {op} ".join(parts) + ")"


def negated(expression: str) -> str:
    """``!`` of an expression (in parentheses unless it is one already)."""
    return "!" + (expression if expression.startswith("(") and _balanced(expression[1:-1]) else f"({expression})")


def _balanced(inner: str) -> bool:
    depth = 0
    for char in inner:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def write_condition(condition: Condition, names: dict[str, str], multiple: set[str]) -> str:
    """The expression of ``condition``; ``names`` gives each item's name in expressions, ``multiple`` the codes of
    multiple-choice items."""
    for key, op in (("all_", "and"), ("any_", "or")):
        parts = getattr(condition, key)
        if parts is not None:
            return _join(op, [write_condition(p, names, multiple) for p in parts])
    if condition.not_ is not None:
        return negated(write_condition(condition.not_, names, multiple))
    name = "{" + names[condition.item or ""] + "}"
    test, argument = condition.test, condition.argument
    if test == "answered":
        return f"{name} {'notempty' if argument else 'empty'}"
    if test in ("in", "contains", "contains_any"):
        if len(argument) == 1 and condition.item not in multiple:
            return f"{name} = {literal(argument[0])}"
        operator = "allof" if test == "contains" else "anyof"
        return f"{name} {operator} [{', '.join(literal(v) for v in argument)}]"
    if test == "between":
        return f"({name} >= {literal(argument[0])} and {name} <= {literal(argument[1])})"
    symbol = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[test]
    compared = f"{name} {symbol} {literal(argument)}"
    # ``!=`` holds for an empty answer in SurveyJS; Manyi's test on an unanswered item is false
    return f"({name} notempty and {compared})" if test == "ne" else compared


# -- piping ------------------------------------------------------------------------------------------------------
def pipe_out(text: str, names: dict[str, str], unit: str) -> str:
    """``text`` with our placeholders as SurveyJS's: ``{Q1}``, ``{unit}``."""
    if not piping.has_placeholders(text):
        return text

    def replace(match: re.Match[str]) -> str:
        code = piping.references(match.group(0))[0]
        attribute = piping.attribute_of(code)
        if attribute is not None:  # a variable the page that runs the survey sets (survey.setVariable)
            return "{attribute_" + re.sub(r"\W", "_", attribute, flags=re.ASCII) + "}"
        return "{" + (unit if code == piping.UNIT else names[code or ""]) + "}"

    return piping.PLACEHOLDER.sub(replace, text)


def pipe_in(text: str, resolve: Callable[[str], Answered | None], unit: str,
            allowed: set[str]) -> tuple[str, list[str]]:
    """``text`` with SurveyJS placeholders of ``allowed`` items (earlier pages) and of the unit variable as ours,
    and the placeholders left as they were."""
    left: list[str] = []

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if inner.lower() == unit.lower():
            return "{{unit}}"
        found = resolve(inner)
        if found is not None and found.code in allowed:
            return f"{{{{answer:{found.code}}}}}"
        if re.fullmatch(r"[^\s{}]+", inner):
            left.append(match.group(0))
        return match.group(0)

    return re.sub(r"(?<!\{)\{([^{}]+)\}(?!\})", replace, text), left


# -- reading -----------------------------------------------------------------------------------------------------
def read_condition(expression: str, resolve: Callable[[str], Answered | None]) -> dict[str, Any] | None:
    """The condition (as data) of a SurveyJS expression; ``None`` for ``true``; ExpressionError when it does not
    map."""
    text = expression.strip()
    if text in ("", "true"):
        return None
    return convert(parse(text), lambda tree: _leaf(tree, resolve))


def _leaf(tree: tuple, resolve: Callable[[str], Answered | None]) -> dict[str, Any]:
    """A test of a SurveyJS expression: ``{q} empty``/``notempty`` or a question compared with a value or list."""
    kind = tree[0]
    if kind in ("empty", "notempty") and tree[1][0] == "var":
        return {"item": _resolved(tree[1][1], resolve).code, "answered": kind == "notempty"}
    compared = question_first(tree, ("lit", "list")) if kind == "cmp" else None
    if compared is not None:
        op, question, operand = compared
        return _test(_resolved(question[1], resolve), op, operand)
    raise ExpressionError("only comparisons of a question with a value, anyof, allof, contains, empty, notempty, "
                          "and, or and ! map")


def _resolved(name: str, resolve: Callable[[str], Answered | None]) -> Answered:
    found = resolve(name)
    if found is None:
        raise ExpressionError(f"{{{name}}} is not an earlier imported question")
    return found


def _values(found: Answered, operand: tuple) -> list[Any]:
    raw = [part[1] for part in operand[1]] if operand[0] == "list" else [operand[1]]
    if any(isinstance(v, tuple) for v in raw) or any(not isinstance(v, int | float | str | bool) for v in raw):
        raise ExpressionError("a list holds values only")
    mapping = found.values or {}
    out = []
    for value in raw:
        key = str(value).lower() if isinstance(value, bool) else str(value)
        out.append(mapping.get(key, value if not isinstance(value, bool) else key))
    return out


def _test(found: Answered, op: str, operand: tuple) -> dict[str, Any]:
    values = _values(found, operand)
    if op in ("anyof", "allof", "noneof", "contains", "notcontains"):
        key = {"anyof": "in", "noneof": "in", "allof": "contains", "contains": "contains",
               "notcontains": "contains"}[op]
        if key == "contains" and found.kind != "multiple":
            key = "in"
        test = {"item": found.code, key: values}
        return {"not": test} if op in ("noneof", "notcontains") else test
    if operand[0] == "list" or len(values) != 1:
        raise ExpressionError(f"{op!r} compares with one value, not a list")
    value = values[0]
    if op in ("eq", "ne") and (found.kind != "numeric" or isinstance(value, int)):
        test = {"item": found.code, "in": [value]}
        return test if op == "eq" else {"not": test}
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ExpressionError(f"{value!r} is not a number to compare with") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return {"item": found.code, op: value}
