"""What every part of the instrument schema shares: the problem with a key path, strict models, answer values."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator


class SchemaProblem(ValueError):
    """A cross-reference problem at ``path`` (a tuple of keys and indexes below the failing model)."""

    def __init__(self, path: tuple[str | int, ...], problem: str) -> None:
        super().__init__(problem)
        self.path = path
        self.problem = problem


def choice_value(value: Any) -> int | str:
    """An option value as written: a whole number or a non-empty text, never true/false."""
    # A plain validator keeps union tags ("int", "str") out of error locations and refuses true/false,
    # which YAML reads from yes/no and which would silently become 1/0.
    if isinstance(value, bool):
        raise ValueError("must be a whole number or a text, not true/false (quote it: 'yes')")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError(f"must be a whole number or a non-empty text, not {value!r}")


def number(value: Any) -> int | float:
    """A number to compare answers with (whole numbers stay ints); true/false and texts are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, not {value!r}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


ChoiceValue = Annotated[int | str, PlainValidator(choice_value), PlainSerializer(lambda v: v)]
Number = Annotated[int | float, PlainValidator(number), PlainSerializer(lambda v: v)]


class Strict(BaseModel):
    """A schema model: unknown keys are errors; fields may be given by their YAML alias."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
