"""A reader of the condition expressions of LimeSurvey (ExpressionScript) and SurveyJS, and the tidying of what
they become.

Both languages share their shape: comparisons joined by ``and``/``or`` (``&&``/``||``), negated by ``!`` or
``not``, grouped by parentheses. LimeSurvey names questions bare (``Q1``, ``Q1.NAOK``) and calls functions
(``is_empty(Q1)``); SurveyJS names them in braces (``{Q1}``) and has word operators (``anyof``, ``notempty``).
:func:`parse` reads either into a small tree of tuples; each format's logic module turns the tree into a
condition of :mod:`instruments.logic` with its own names, and :func:`tidy` folds the written-out forms back
(``Q == 1 or Q == 2`` into one ``in``, ``Q >= 1 and Q <= 6`` into ``between``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Comparison operators in either language, by the name the tree uses.
OPERATORS = {
    "==": "eq", "=": "eq", "eq": "eq", "equal": "eq",
    "!=": "ne", "<>": "ne", "ne": "ne", "notequal": "ne",
    "<": "lt", "lt": "lt", "less": "lt",
    "<=": "le", "le": "le", "lessorequal": "le",
    ">": "gt", "gt": "gt", "greater": "gt",
    ">=": "ge", "ge": "ge", "greaterorequal": "ge",
    "anyof": "anyof", "allof": "allof", "contains": "contains", "notcontains": "notcontains",
    "noneof": "noneof",
}
#: SurveyJS's operators written after their operand alone.
POSTFIX = ("empty", "notempty")
#: Longest expression read; a real condition is a few hundred characters.
MAX_LENGTH = 20_000
#: Deepest nesting of parentheses and ``not`` read.
MAX_DEPTH = 64

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<var>\{[^{}]+\})
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<op>==|!=|<>|<=|>=|&&|\|\||[=<>!(),\[\]])
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
    )""", re.VERBOSE)


@dataclass(frozen=True)
class Answered:
    """What a question name of the file stands for when reading a condition or a placeholder."""

    #: our item code
    code: str
    #: the item's kind as read: single, multiple, numeric, text (yes/no and arrays read as single)
    kind: str
    #: answer code in the file (as text) -> our option value
    values: dict[str, Any] | None = None
    #: for a LimeSurvey multiple-choice subquestion: the option it stands for
    option: Any = None


class ExpressionError(ValueError):
    """An expression this reader does not understand."""


def tokens(expression: str) -> list[tuple[str, Any]]:
    """The tokens of ``expression`` as ``(kind, value)``: var, number, string, op, word."""
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH} characters")
    out: list[tuple[str, Any]] = []
    position = 0
    text = expression.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"cannot read {text[position:position + 20].strip()!r}")
        kind = match.lastgroup or ""
        raw = match.group(kind)
        if kind == "var":
            out.append(("var", raw[1:-1].strip()))
        elif kind == "number":
            value = float(raw)
            out.append(("number", int(value) if value.is_integer() and "." not in raw else value))
        elif kind == "string":
            out.append(("string", re.sub(r"\\(.)", r"\1", raw[1:-1])))
        elif kind == "word" and raw.lower() in ("and", "or", "not", "true", "false", *POSTFIX, *OPERATORS):
            out.append(("op", raw.lower()))
        else:
            out.append((kind, raw))
        position = match.end()
    return out


class _Parser:
    def __init__(self, expression: str) -> None:
        self.tokens = tokens(expression)
        self.at = 0
        self.depth = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, *ops: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in ops:
            self.at += 1
            return True
        return False

    def expect(self, op: str) -> None:
        if not self.take(op):
            found = self.peek()
            raise ExpressionError(f"expected {op!r}, found {found[1] if found else 'the end'!r}")

    def parse(self) -> tuple:
        tree = self.either()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return tree

    def either(self) -> tuple:
        parts = [self.both()]
        while self.take("or", "||"):
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def both(self) -> tuple:
        parts = [self.negation()]
        while self.take("and", "&&"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def negation(self) -> tuple:
        if self.take("!", "not"):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExpressionError(f"nested more than {MAX_DEPTH} deep")
            inner = self.negation()
            self.depth -= 1
            return ("not", inner)
        return self.comparison()

    def comparison(self) -> tuple:
        left = self.operand()
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in POSTFIX:
            self.at += 1
            return (token[1], left)
        if token is not None and token[0] == "op" and token[1] in OPERATORS:
            self.at += 1
            return ("cmp", OPERATORS[token[1]], left, self.operand())
        return left

    def operand(self) -> tuple:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nested more than {MAX_DEPTH} deep")
        tree = self._operand()
        self.depth -= 1
        return tree

    def _operand(self) -> tuple:
        token = self.peek()
        if token is None:
            raise ExpressionError("ends too early")
        self.at += 1
        kind, value = token
        if kind == "op" and value == "(":
            inner = self.either()
            self.expect(")")
            return inner
        if kind == "op" and value == "[":
            items = []
            while not self.take("]"):
                items.append(self.operand())
                if not self.take(","):
                    self.expect("]")
                    break
            return ("list", items)
        if kind == "op" and value in ("true", "false"):
            return ("lit", value == "true")
        if kind in ("number", "string"):
            return ("lit", value)
        if kind == "var":
            return ("var", value)
        if kind == "word":
            if self.take("("):
                arguments = []
                while not self.take(")"):
                    arguments.append(self.either())
                    if not self.take(","):
                        self.expect(")")
                        break
                return ("call", value.lower(), arguments)
            return ("var", value)
        raise ExpressionError(f"unexpected {value!r}")


def parse(expression: str) -> tuple:
    """The tree of ``expression``: ``("or"|"and", [parts])``, ``("not", part)``, ``("cmp", op, left, right)``,
    ``("empty"|"notempty", operand)``, ``("call", name, [arguments])``, ``("var", name)``, ``("lit", value)``,
    ``("list", [operands])``; :class:`ExpressionError` for anything else."""
    return _Parser(expression).parse()


#: a comparison read from the other side: ``3 < {q}`` is ``{q} > 3``
_FLIPPED = {"lt": "gt", "gt": "lt", "le": "ge", "ge": "le"}


def convert(tree: tuple, leaf: Callable[[tuple], dict[str, Any]]) -> dict[str, Any]:
    """The condition (as data) of a parsed expression: ``and``, ``or`` and ``not`` here, every other node by the
    format's ``leaf``."""
    kind = tree[0]
    if kind in ("and", "or"):
        return {"all" if kind == "and" else "any": [convert(part, leaf) for part in tree[1]]}
    if kind == "not":
        return {"not": convert(tree[1], leaf)}
    return leaf(tree)


def question_first(tree: tuple, values: tuple[str, ...]) -> tuple[str, tuple, tuple] | None:
    """A comparison as (operator, question, value) with the question on the left, the value a node of one of the
    kinds ``values``; None when it does not compare a question with such a value."""
    _, op, left, right = tree
    if left[0] in values and right[0] == "var":
        left, right, op = right, left, _FLIPPED.get(op, op)
    return (op, left, right) if left[0] == "var" and right[0] in values else None


# -- tidying the conditions read -----------------------------------------------------------------------------
def tidy(condition: dict[str, Any], multiple: set[str]) -> dict[str, Any]:
    """Fold written-out forms into the schema's own (``multiple``: codes of multiple-choice items).

    ``any`` of ``in`` tests on one item becomes one ``in``; ``all`` of one-value ``in`` tests on a multiple-choice
    item becomes ``contains``; ``ge`` and ``le`` on one item become ``between``; an ``answered: true`` beside
    another test on the same item is dropped (a test on an unanswered item is false anyway); ``not`` of
    ``answered`` flips it; one part of ``all``/``any`` stands alone.
    """
    if "not" in condition:
        inner = tidy(condition["not"], multiple)
        if set(inner) == {"item", "answered"}:
            return {"item": inner["item"], "answered": not inner["answered"]}
        if "not" in inner:
            return inner["not"]
        return {"not": inner}
    for key in ("all", "any"):
        if key in condition:
            parts = []
            for part in (tidy(p, multiple) for p in condition[key]):
                parts.extend(part[key] if key in part else [part])
            parts = _fold_any(parts) if key == "any" else _fold_all(parts, multiple)
            return parts[0] if len(parts) == 1 else {key: parts}
    return condition


def _fold_any(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in parts:
        same = next((p for p in out if set(p) == {"item", "in"} and set(part) == {"item", "in"}
                     and p["item"] == part["item"]), None)
        if same is not None:
            same["in"] = list(dict.fromkeys([*same["in"], *part["in"]]))
        else:
            out.append(dict(part))
    return out


def _fold_all(parts: list[dict[str, Any]], multiple: set[str]) -> list[dict[str, Any]]:
    tested = {p["item"] for p in parts if "item" in p and "answered" not in p}
    parts = [p for p in parts if not (p.get("answered") is True and p["item"] in tested)]
    out: list[dict[str, Any]] = []
    for part in parts:
        item = part.get("item")
        if item in multiple and set(part) == {"item", "in"} and len(part["in"]) == 1:
            same = next((p for p in out if p.get("item") == item and "contains" in p), None)
            if same is not None:
                same["contains"] = [*same["contains"], *part["in"]]
                continue
            part = {"item": item, "contains": list(part["in"])}
        if set(part) == {"item", "le"}:
            low = next((p for p in out if set(p) == {"item", "ge"} and p["item"] == item), None)
            if low is not None and low["ge"] <= part["le"]:
                out[out.index(low)] = {"item": item, "between": [low["ge"], part["le"]]}
                continue
        out.append(dict(part))
    # a lone chosen value on a multiple-choice item reads as ``in`` (any chosen), as it was written
    return [{"item": p["item"], "in": p["contains"]} if "contains" in p and len(p["contains"]) == 1 else p
            for p in out]
