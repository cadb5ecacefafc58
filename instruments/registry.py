"""Loading instrument YAML files, with errors that name the file, the key path and the problem."""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from instruments.schema import Instrument, SchemaProblem, Text

#: This package's directory, where the shipped ``*.yaml`` instruments live.
INSTRUMENT_DIR: Path = Path(__file__).resolve().parent


class InstrumentError(ValueError):
    """An instrument that cannot be used; the message reads ``<file>: <key path>: <problem>``."""


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate one instrument file."""
    path = Path(path)
    source = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InstrumentError(f"{source}: file not found ({path})") from None
    except UnicodeDecodeError:
        raise InstrumentError(f"{source}: not UTF-8 text; save the file as UTF-8") from None
    except OSError as exc:
        raise InstrumentError(f"{source}: cannot read the file: {exc.strerror or exc}") from None
    return parse_instrument(text, source=source)


def parse_instrument(text: str, *, source: str = "instrument") -> Instrument:
    """Validate an instrument given as YAML text; ``source`` names it in error messages."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "YAML"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InstrumentError(f"{source}: {where}: invalid YAML: {problem}") from None
    except RecursionError:
        raise InstrumentError(f"{source}: YAML: nested too deeply") from None
    return validate_instrument(data, source=source)


def validate_instrument(data: Any, *, source: str = "instrument") -> Instrument:
    """Validate an already-parsed instrument document (a mapping)."""
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise InstrumentError(f"{source}: (top level): must be a mapping with id, version, title and pages, "
                              f"not {kind}")
    try:
        return Instrument.model_validate(data)
    except ValidationError as exc:
        raise InstrumentError(_describe(exc, source)) from None
    except RecursionError:
        # Self-referencing YAML aliases (&a [*a]) can recurse inside validation.
        raise InstrumentError(f"{source}: (top level): the document contains itself (YAML aliases)") from None


def load_instruments(directory: Path = INSTRUMENT_DIR) -> dict[str, Instrument]:
    """Every ``*.yaml`` instrument in ``directory``, by id (ids must be unique)."""
    directory = Path(directory)
    found: dict[str, Instrument] = {}
    files: dict[str, str] = {}
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        instrument = load_instrument(path)
        if instrument.id in found:
            raise InstrumentError(f"{path.name}: id: instrument id {instrument.id!r} is also used by "
                                  f"{files[instrument.id]}")
        found[instrument.id] = instrument
        files[instrument.id] = path.name
    return found


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Instrument]:
    return load_instruments(INSTRUMENT_DIR)


def get_instrument(instrument_id: str) -> Instrument:
    """A shipped instrument by id (files read once per process; each call returns a fresh copy)."""
    shipped = _shipped()
    if instrument_id not in shipped:
        raise KeyError(f"no instrument {instrument_id!r}; shipped: {', '.join(sorted(shipped))}")
    return shipped[instrument_id].model_copy(deep=True)


def combine(instruments: list[Instrument], *, id: str, title: Text | None = None) -> Instrument:
    """One instrument made of several: pages in order, scales, constructs and paths merged.

    Item codes must be unique across the parts; a scale or construct defined by two parts must be
    defined identically. Page ids that clash get the part's id as a prefix. Only languages every
    part offers are kept.
    """
    if not instruments:
        raise InstrumentError(f"{id}: instruments: give at least one instrument to combine")
    owner: dict[str, str] = {}
    duplicates: list[str] = []
    for part in instruments:
        for item in part.items:
            if item.code in owner:
                duplicates.append(f"{item.code!r} ({owner[item.code]} and {part.id})")
            else:
                owner[item.code] = part.id
    if duplicates:
        raise InstrumentError(f"{id}: pages: duplicate item codes: {', '.join(duplicates)}")

    scales: dict[str, Any] = {}
    constructs: dict[str, Any] = {}
    paths: dict[str, list[str]] = {}
    pages: list[dict[str, Any]] = []
    page_ids: set[str] = set()
    for part in instruments:
        _merge(scales, part.snapshot()["scales"], f"{id}: scales", part.id)
        _merge(constructs, {k: v.model_dump(mode="json") for k, v in part.constructs.items()},
               f"{id}: constructs", part.id)
        for target, sources in part.paths.items():
            merged = paths.setdefault(target, [])
            merged.extend(s for s in sources if s not in merged)
        renamed: dict[str, str] = {}
        part_pages = [page.model_dump(mode="json", by_alias=True) for page in part.pages]
        for data in part_pages:
            if data["id"] in page_ids:
                renamed[data["id"]] = f"{part.id}.{data['id']}"
                data["id"] = renamed[data["id"]]
            page_ids.add(data["id"])
        for data in part_pages:
            # a skip rule goes to a page of its own part, under the page's new id
            for rule in data["skip_to"]:
                rule["to"] = renamed.get(rule["to"], rule["to"])
        pages.extend(part_pages)
    languages = [lang for lang in instruments[0].languages if all(lang in p.languages for p in instruments)]
    if not languages:
        raise InstrumentError(f"{id}: languages: the instruments share no language")
    if title is None:
        title = Text(zh=" + ".join(p.title.zh for p in instruments),
                     en=" + ".join(p.title.en for p in instruments))
    data = {
        "id": id,
        "version": "+".join(f"{p.id}@{p.version}" for p in instruments),
        "title": title.model_dump(),
        "languages": languages,
        "scales": scales,
        "constructs": constructs,
        "paths": paths,
        "pages": pages,
    }
    for key in ("description", "welcome", "end"):  # the first part's
        value = getattr(instruments[0], key)
        if value is not None:
            data[key] = value.model_dump(mode="json", by_alias=True, exclude_none=True)
    return validate_instrument(data, source=id)


def _merge(into: dict[str, Any], new: Mapping[str, Any], where: str, part: str) -> None:
    for name, definition in new.items():
        if name in into and into[name] != definition:
            raise InstrumentError(f"{where}.{name}: defined differently in {part} and an earlier instrument")
        into[name] = copy.deepcopy(definition)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping (PyYAML silently keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # ``<<: *base`` may be overridden by explicit keys; that is its purpose
            try:
                key = self.construct_object(key_node, deep=True)
                hash(key)
            except TypeError:
                continue  # the base class reports unhashable keys with their position
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in the same mapping", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# -- turning pydantic errors into one readable sentence ----------------------------------------------------
_MESSAGES = {
    "missing": "required key missing",
    "string_type": "must be a text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping (key: value lines)",
    "model_type": "must be a mapping (key: value lines)",
    "model_attributes_type": "must be a mapping (key: value lines)",
    "too_short": "must not be empty",
    "string_too_short": "must not be empty",
}


def _describe(exc: ValidationError, source: str) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = tuple(first.get("loc", ()))
    problem = _problem(first, loc)
    error = (first.get("ctx") or {}).get("error")
    if isinstance(error, SchemaProblem):
        loc = loc + tuple(error.path)
        problem = error.problem
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{source}: {_key_path(loc)}: {problem}{more}"


def _problem(error: Mapping[str, Any], loc: tuple[Any, ...]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        suffix = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"unknown key {loc[-1]!r}{suffix}" if loc else f"unknown key{suffix}"
    if kind in ("value_error", "assertion_error"):
        message = str(error.get("msg", ""))
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "missing":
        return f"required key {loc[-1]!r} missing" if loc else "required key missing"
    if kind in ("too_short", "string_too_short"):
        return _MESSAGES[kind]
    if kind in _MESSAGES:
        return f"{_MESSAGES[kind]}, not {_shown(error.get('input'))}"
    message = str(error.get("msg", "invalid value"))
    return message[:1].lower() + message[1:]


def _shown(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _key_path(loc: Iterable[Any]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or "(top level)"


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at ``loc`` accepts (by alias), found by walking the schema's annotations."""
    target: Any = Instrument
    try:
        for part in loc:
            target = _unwrap(target)
            if isinstance(target, type) and issubclass(target, BaseModel):
                target = target.model_fields[part].annotation
            elif typing.get_origin(target) in (list, dict):
                target = typing.get_args(target)[-1]
            else:
                return []
        target = _unwrap(target)
    except (KeyError, TypeError, IndexError):
        return []
    if isinstance(target, type) and issubclass(target, BaseModel):
        return [field.alias or name for name, field in target.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> X."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation
