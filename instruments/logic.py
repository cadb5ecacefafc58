"""The condition language of instruments: which items and pages are shown, where a page skips to.

A condition is a test on one earlier answer, or ``all``/``any``/``not`` of conditions::

    {item: Q1, in: [1, 2]}                 # single choice or scale point one of these (multiple: any chosen)
    {item: CHANNELS, contains: [web]}      # multiple choice: every one of these chosen
    {item: CHANNELS, contains_any: [web, app]}
    {item: AGE, ge: 18}                    # eq ne lt le gt ge: numbers, on numeric and point scales
    {item: SAT, between: [1, 6]}           # both ends included
    {item: COMMENT, answered: true}        # answered / not answered (any kind, free text too)
    {all: [..]}  {any: [..]}  {not: {..}}

A test on an item that was not answered (or not shown) is false, except ``answered: false``. Pure functions
only: :func:`evaluate` on answers as stored, :func:`check` against the instrument's scales at validation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field, SerializerFunctionWrapHandler, field_validator, model_serializer, model_validator

from instruments.base import ChoiceValue, Number, SchemaProblem, Strict

if TYPE_CHECKING:
    from instruments.schema import Scale

#: Tests on one item, in the order the documentation lists them.
TESTS = ("in", "contains", "contains_any", "eq", "ne", "lt", "le", "gt", "ge", "between", "answered")
#: Tests that compare numbers.
COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge", "between")
COMBINATIONS = ("all", "any", "not")


class Condition(Strict):
    """One test on an earlier answer, or a combination of conditions (exactly one form per mapping)."""

    item: str | None = None
    in_: list[ChoiceValue] | None = Field(default=None, alias="in", min_length=1)
    contains: list[ChoiceValue] | None = Field(default=None, min_length=1)
    contains_any: list[ChoiceValue] | None = Field(default=None, min_length=1)
    eq: Number | None = None
    ne: Number | None = None
    lt: Number | None = None
    le: Number | None = None
    gt: Number | None = None
    ge: Number | None = None
    between: list[Number] | None = Field(default=None, min_length=2, max_length=2)
    answered: bool | None = None
    all_: list[Condition] | None = Field(default=None, alias="all", min_length=1)
    any_: list[Condition] | None = Field(default=None, alias="any", min_length=1)
    not_: Condition | None = Field(default=None, alias="not")

    @field_validator("contains", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        # ``contains: web`` reads naturally for one value
        return value if isinstance(value, list) or value is None else [value]

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        combinations = [name for name in COMBINATIONS if self._get(name) is not None]
        tests = [name for name in TESTS if self._get(name) is not None]
        if combinations:
            if len(combinations) > 1 or tests or self.item is not None:
                extra = (combinations[1:] + tests + (["item"] if self.item is not None else []))[0]
                raise SchemaProblem((extra,), f"{combinations[0]!r} combines conditions and stands alone in its "
                                    "mapping; put each test in its own condition")
            return self
        if self.item is None:
            raise SchemaProblem(("item",), "a condition needs an item and one test (" + ", ".join(TESTS) + "), or "
                                "all / any / not")
        if len(tests) != 1:
            key = tests[1] if tests else "item"
            problem = (f"one test per condition, not {tests[0]!r} and {tests[1]!r}; combine them with all: [...]"
                       if tests else "needs one test: " + ", ".join(TESTS))
            raise SchemaProblem((key,), problem)
        if self.between is not None and self.between[0] > self.between[1]:
            raise SchemaProblem(("between",), f"the lower end ({self.between[0]}) comes first, then the upper "
                                f"({self.between[1]})")
        return self

    @model_serializer(mode="wrap")
    def _written_keys_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {key: value for key, value in handler(self).items() if value is not None}

    def _get(self, name: str) -> Any:
        return getattr(self, name + "_" if name in ("in", "all", "any", "not") else name)

    @property
    def test(self) -> str | None:
        """The name of this condition's test (``in``, ``ge``, ...), None for all/any/not."""
        return next((name for name in TESTS if self._get(name) is not None), None)

    @property
    def argument(self) -> Any:
        """The value the test compares with (the list of ``in``, the number of ``ge``, ...)."""
        return None if self.test is None else self._get(self.test)


# -- evaluating -------------------------------------------------------------------------------------------
def evaluate(condition: Condition, answers: Mapping[str, Any]) -> bool:
    """Whether ``condition`` holds for ``answers`` (item code -> answer as stored; missing = not answered)."""
    if condition.all_ is not None:
        return all(evaluate(part, answers) for part in condition.all_)
    if condition.any_ is not None:
        return any(evaluate(part, answers) for part in condition.any_)
    if condition.not_ is not None:
        return not evaluate(condition.not_, answers)
    given = answers.get(condition.item) if condition.item is not None else None
    present = given is not None and given != [] and given != ""
    test, argument = condition.test, condition.argument
    if test == "answered":
        return present is argument
    if not present:
        return False
    if test in ("in", "contains", "contains_any"):
        chosen = {str(v) for v in given} if isinstance(given, list) else {str(given)}
        wanted = {str(v) for v in argument}
        if test == "contains":
            return wanted <= chosen
        return bool(chosen & wanted)
    value = _as_number(given)
    if value is None:
        return False
    if test == "between":
        return argument[0] <= value <= argument[1]
    return _COMPARE[test](value, argument)


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
}


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or isinstance(value, list):
        return None
    if isinstance(value, int | float):
        return value
    try:
        return float(str(value))
    except ValueError:
        return None


# -- what a condition refers to ---------------------------------------------------------------------------
def references(condition: Condition, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(key path of the ``item`` key, item code) of every test in ``condition``, in written order."""
    for name, attribute in (("all", condition.all_), ("any", condition.any_)):
        if attribute is not None:
            for k, part in enumerate(attribute):
                yield from references(part, (*path, name, k))
    if condition.not_ is not None:
        yield from references(condition.not_, (*path, "not"))
    if condition.item is not None:
        yield (*path, "item"), condition.item


def referenced_items(condition: Condition) -> list[str]:
    """The item codes ``condition`` tests, each once, in written order."""
    return list(dict.fromkeys(code for _, code in references(condition)))


# -- validating against the instrument --------------------------------------------------------------------
def check(condition: Condition, path: tuple[str | int, ...], *, earlier: Mapping[str, Scale],
          known: Collection[str]) -> None:
    """Raise SchemaProblem (key path below the instrument) for a test on an item that is not one of ``earlier``
    (item code -> scale; ``known`` holds every code, to tell a later item from an unknown one) or with a value
    its scale cannot give."""
    for name, attribute in (("all", condition.all_), ("any", condition.any_)):
        for k, part in enumerate(attribute or ()):
            check(part, (*path, name, k), earlier=earlier, known=known)
    if condition.not_ is not None:
        check(condition.not_, (*path, "not"), earlier=earlier, known=known)
    if condition.item is None:
        return
    code = condition.item
    if code not in earlier:
        problem = "must refer to an earlier item" if code in known else "refers to an unknown item"
        raise SchemaProblem((*path, "item"), f"{problem} {code!r}")
    _check_test(condition, earlier[code], path)


def _check_test(condition: Condition, scale: Scale, path: tuple[str | int, ...]) -> None:
    test, argument, code = condition.test, condition.argument, condition.item
    where = (*path, test)
    if test == "answered":
        return
    if scale.kind == "text":
        raise SchemaProblem((*path, "item"), f"cannot depend on the free-text item {code!r} "
                            "(only 'answered' tests a free text)")
    if test in ("contains", "contains_any"):
        if scale.kind != "multiple":
            raise SchemaProblem(where, f"{test!r} is for multiple-choice items; {code!r} takes one answer "
                                "(use 'in')")
        _check_values(argument, scale, code, where)
        return
    if test == "in":
        if scale.kind == "numeric":
            bad = [v for v in argument if not isinstance(v, int) or not _within(v, scale)]
            if bad:
                raise SchemaProblem(where, f"value {bad[0]!r} is not an answer of {code!r} (allowed: whole "
                                    f"numbers{_range_text(scale)})")
        else:
            _check_values(argument, scale, code, where)
        return
    if not scale.is_numeric():
        raise SchemaProblem(where, f"{test!r} compares numbers; the answers of {code!r} are not numbers "
                            "(use 'in')")
    for k, value in enumerate(argument if test == "between" else [argument]):
        if not _within(value, scale):
            low, high = scale.bounds() or (scale.min, scale.max)
            raise SchemaProblem((*where, k) if test == "between" else where,
                                f"value {value!r} is outside the scale of {code!r} ({_bound(low)} to "
                                f"{_bound(high)})")


def _check_values(values: list[Any], scale: Scale, code: str | None, where: tuple[str | int, ...]) -> None:
    allowed = {str(v) for v in scale.values()}
    bad = [v for v in values if str(v) not in allowed]
    if bad:
        raise SchemaProblem(where, f"value {bad[0]!r} is not an answer of {code!r} (allowed: "
                            f"{', '.join(str(v) for v in scale.values())})")


def _within(value: float, scale: Scale) -> bool:
    bounds = scale.bounds()
    low, high = bounds if bounds is not None else (scale.min, scale.max)
    return (low is None or value >= low) and (high is None or value <= high)


def _range_text(scale: Scale) -> str:
    if scale.min is None and scale.max is None:
        return ""
    return f" from {_bound(scale.min)} to {_bound(scale.max)}"


def _bound(value: float | None) -> str:
    return "any" if value is None else f"{value:g}"
