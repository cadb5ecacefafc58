"""What every format shares: the result types, the error, size limits and the builder of imported instruments.

Foreign formats have no place for Manyi's analysis data (roles, constructs, paths, scale names and kinds), so an
export keeps it as *custom data* in the place the format offers (LimeSurvey question attributes, SurveyJS custom
properties) and an import reads it back when it is there. :func:`item_extras` and :func:`instrument_extras` write
that data; :class:`Draft` reads it while it assembles the imported instrument.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass, field
from typing import Any

from instruments import logic
from instruments.base import SchemaProblem
from instruments.interchange.expression import tidy
from instruments.logic import Condition
from instruments.registry import InstrumentError, validate_instrument
from instruments.schema import BUILTIN_SCALES, POINT_KINDS, Instrument, Role, Scale

#: Largest file an import reads: a questionnaire of a thousand questions in two languages is well below 5 MB.
MAX_IMPORT_BYTES = 5 * 1024 * 1024
#: Name of the custom data in both foreign formats (a LimeSurvey question attribute, a SurveyJS property).
EXTRAS_KEY = "manyi"
#: Message added to ``not_mapped`` when a foreign file's items got default roles.
ROLES_NOTE = ("roles: the file carries no analysis roles; scale questions got 'attribute' and the others 'other' "
              "- set roles (satisfaction, loyalty, constructs...) in the editor")
ROLES: frozenset[str] = frozenset(typing.get_args(Role))


class InterchangeError(InstrumentError):
    """A file that cannot be imported (or an instrument that cannot be exported); the message names the file,
    the element and, when known, the line."""


@dataclass(frozen=True)
class Imported:
    """An instrument read from a file and what the file held that has no place in it."""

    instrument: Instrument
    not_mapped: list[str]


@dataclass(frozen=True)
class Exported:
    """A file written from an instrument and what of the instrument the format cannot hold."""

    data: bytes
    suffix: str
    media_type: str
    not_mapped: list[str]


def check_size(filename: str, data: bytes) -> None:
    """Refuse a file above :data:`MAX_IMPORT_BYTES` before parsing it."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InterchangeError(f"{filename}: the file is {len(data) / 1024 / 1024:.1f} MB; "
                               f"questionnaires up to {MAX_IMPORT_BYTES // 1024 // 1024} MB can be imported")


def instrument_id(filename: str) -> str:
    """An instrument id made from a file name (``My survey.lss`` -> ``my_survey``)."""
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", filename.rsplit("/", 1)[-1])
    slug = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")
    return slug or "imported"


def choice_value(raw: Any) -> int | str:
    """A foreign answer code as an option value: whole numbers written plainly become ints ("3" -> 3, "03" stays)."""
    text = str(raw).strip()
    if re.fullmatch(r"-?[1-9][0-9]{0,17}|0", text):
        return int(text)
    return text


# -- custom data written on export --------------------------------------------------------------------------
def stored(extras: dict[str, Any], key: str, native: Any) -> Any:
    """The value kept under ``key`` in custom data when the file still holds the native form it was written as
    (an edit in the other tool wins over the custom data); ``None`` otherwise."""
    kept = extras.get(key)
    if isinstance(kept, dict) and "value" in kept and kept.get("native") == native:
        return kept["value"]
    return None


def instrument_extras(instrument: Instrument) -> dict[str, Any]:
    """The instrument-level data no foreign format holds: id, version, page ids, constructs, paths."""
    data: dict[str, Any] = {"id": instrument.id, "version": instrument.version,
                            "pages": [page.id for page in instrument.pages]}
    if instrument.constructs:
        data["constructs"] = {name: c.model_dump(mode="json", exclude_none=True)
                              for name, c in instrument.constructs.items()}
    if instrument.paths:
        data["paths"] = instrument.paths
    return data


def item_extras(instrument: Instrument, code: str) -> dict[str, Any]:
    """The item-level data no foreign format holds: role, construct, attribute, reverse, scale name and kind."""
    item = instrument.item(code)
    scale = instrument.scale_of(item)
    data: dict[str, Any] = {"code": item.code, "role": item.role, "scale": item.scale, "kind": scale.kind}
    for key in ("construct", "attribute"):
        if getattr(item, key) is not None:
            data[key] = getattr(item, key)
    if item.reverse:
        data["reverse"] = True
    return data


# -- assembling an imported instrument -----------------------------------------------------------------------
@dataclass
class Draft:
    """An instrument being read from a foreign file: pages and items as plain data, scales named once."""

    source: str
    extras: dict[str, Any] = field(default_factory=dict)
    not_mapped: list[str] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    scales: dict[str, Scale] = field(default_factory=dict)
    foreign_items: int = 0

    def note(self, message: str) -> None:
        """Record something of the file that has no place in the instrument (once)."""
        if message not in self.not_mapped:
            self.not_mapped.append(message)

    def codes(self) -> list[str]:
        """Codes of the items added so far, in order."""
        return [item["code"] for page in self.pages for item in page["items"]]

    def add_item(self, page: dict[str, Any], item: dict[str, Any], scale: Scale, extras: dict[str, Any],
                 fallback_scale: str) -> None:
        """Add ``item`` (code, text, required, ...) answered on ``scale``, with its custom data applied."""
        scale = self._kind_from_extras(item["code"], scale, extras)
        item["scale"] = self.scale_name(scale, extras.get("scale"), fallback_scale)
        role = extras.get("role")
        if role in ROLES:
            item["role"] = role
        else:
            if role is not None:
                self.note(f"{item['code']}: unknown role {role!r} not mapped")
            item["role"] = "attribute" if scale.kind in POINT_KINDS else "other"
            self.foreign_items += 1
        constructs = self.extras.get("constructs") or {}
        if extras.get("construct") in constructs:
            item["construct"] = extras["construct"]
        elif extras.get("construct") is not None:
            self.note(f"{item['code']}: construct {extras['construct']!r} is not defined in the file; not mapped")
        if isinstance(extras.get("attribute"), str):
            item["attribute"] = extras["attribute"]
        if extras.get("reverse") is True:
            item["reverse"] = True
        page["items"].append(item)

    def _kind_from_extras(self, code: str, scale: Scale, extras: dict[str, Any]) -> Scale:
        """A choice scale of consecutive whole numbers written from a likert/rating/NPS scale becomes one again."""
        kind = extras.get("kind")
        if kind not in POINT_KINDS or scale.kind in POINT_KINDS:
            return scale
        values = scale.values()
        if scale.kind != "single" or not values or not all(isinstance(v, int) for v in values) \
                or sorted(values) != list(range(min(values), max(values) + 1)):
            self.note(f"{code}: was a {kind} scale but its answers are no longer consecutive whole numbers; "
                      "read as a single choice")
            return scale
        anchors = {int(o.value): o.label for o in scale.options
                   if o.label.zh != str(o.value) or o.label.en != str(o.value)}
        try:
            return Scale(kind=kind, min=min(values), max=max(values), anchors=anchors)
        except ValueError as exc:
            self.note(f"{code}: kept as a single choice, not {kind}: {exc}")
            return scale

    def scale_name(self, scale: Scale, preferred: Any, fallback: str) -> str:
        """The name ``scale`` goes by: a built-in or already named equal scale, else a new declared name."""
        if isinstance(preferred, str) and BUILTIN_SCALES.get(preferred) == scale:
            return preferred
        if isinstance(preferred, str) and self.scales.get(preferred) == scale:
            return preferred
        if not isinstance(preferred, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", preferred):
            for name, builtin in BUILTIN_SCALES.items():
                if builtin == scale:
                    return name
            for name, known in self.scales.items():
                if known == scale:
                    return name
            preferred = fallback
        name, n = preferred, 2
        while name in self.scales or name in BUILTIN_SCALES:
            name, n = f"{preferred}_{n}", n + 1
        self.scales[name] = scale
        return name

    def finish(self, *, title: dict[str, str], description: dict[str, str] | None,
               languages: list[str], welcome: dict[str, Any] | None = None,
               end: dict[str, Any] | None = None) -> Imported:
        """Validate the assembled instrument; a schema problem becomes an :class:`InterchangeError`."""
        pages = [page for page in self.pages if page["items"]]
        if not pages:
            raise InterchangeError(f"{self.source}: no question in the file could be imported "
                                   f"({'; '.join(self.not_mapped[:5]) or 'it holds no questions'})")
        page_ids = self.extras.get("pages")
        if isinstance(page_ids, list) and len(page_ids) == len(pages) and len(set(map(str, page_ids))) == len(pages):
            for page, page_id in zip(pages, page_ids, strict=True):
                page["id"] = str(page_id)
        data: dict[str, Any] = {
            "id": str(self.extras.get("id") or instrument_id(self.source)),
            "version": str(self.extras.get("version") or "1"),
            "title": title,
            "languages": languages,
            "scales": {name: scale.model_dump(mode="json") for name, scale in self.scales.items()},
            "constructs": self.extras.get("constructs") or {},
            "paths": self.extras.get("paths") or {},
            "pages": pages,
        }
        if description is not None:
            data["description"] = description
        if welcome is not None:
            data["welcome"] = welcome
        if end is not None:
            data["end"] = end
        if self.foreign_items:
            self.note(ROLES_NOTE)
        try:
            instrument = validate_instrument(data, source=self.source)
        except InstrumentError as exc:
            raise InterchangeError(str(exc)) from None
        return Imported(instrument=instrument, not_mapped=list(self.not_mapped))

    def text(self, zh: str | None, en: str | None, where: str) -> dict[str, str] | None:
        """A two-language text; a missing language takes the other's text and is listed."""
        zh, en = (zh or "").strip(), (en or "").strip()
        if not zh and not en:
            return None
        if not zh or not en:
            missing = "zh" if not zh else "en"
            self.note(f"{where}: no {missing} text; the {'en' if missing == 'zh' else 'zh'} text is used for both")
        return {"zh": zh or en, "en": en or zh}

    def scale_of(self, code: str) -> Scale | None:
        """The scale of an item already added."""
        for page in self.pages:
            for item in page["items"]:
                if item["code"] == code:
                    return self.scales.get(item["scale"]) or BUILTIN_SCALES.get(item["scale"])
        return None

    def earlier_scales(self, *, pages: int | None = None) -> dict[str, Scale]:
        """The scales of the items added so far (of the first ``pages`` pages only, when given)."""
        scales: dict[str, Scale] = {}
        for page in self.pages[:pages]:
            for item in page["items"]:
                scale = self.scales.get(item["scale"]) or BUILTIN_SCALES.get(item["scale"])
                if scale is not None:
                    scales[item["code"]] = scale
        return scales

    def checked(self, where: str, condition: dict[str, Any] | None, expression: str,
                earlier: dict[str, Scale], *, read: bool = True) -> dict[str, Any] | None:
        """``condition`` when it is valid on the ``earlier`` items, else listed; one ``read`` from an expression
        is tidied first (see :func:`~instruments.interchange.expression.tidy`), one kept as custom data is not."""
        if condition is None:
            return None
        if read:
            condition = tidy(condition, {code for code, scale in earlier.items() if scale.kind == "multiple"})
        try:
            logic.check(Condition.model_validate(condition), (), earlier=earlier, known=earlier)
        except (ValueError, TypeError, SchemaProblem) as exc:
            problem = exc.problem if isinstance(exc, SchemaProblem) else str(exc).splitlines()[0]
            self.note(f"{where}: condition `{expression}` not mapped ({problem})")
            return None
        return Condition.model_validate(condition).model_dump(mode="json", by_alias=True)

    def condition(self, code: str, ref: str, values: list[Any], expression: str) -> dict[str, Any] | None:
        """``show_if`` for item ``code`` on the earlier item ``ref``, or ``None`` (listed) when it cannot hold."""
        scale = self.scale_of(ref)
        reason = None
        if scale is None:
            reason = f"{ref!r} is not an earlier imported question"
        elif scale.kind == "text":
            reason = f"{ref!r} is a free-text question"
        elif scale.kind == "numeric":
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                reason = "only whole numbers can be compared"
        else:
            allowed = {str(v): v for v in scale.values()}
            missing = [v for v in values if str(v) not in allowed]
            if missing:
                reason = f"{missing[0]!r} is not an answer of {ref!r}"
            values = [allowed[str(v)] for v in values if str(v) in allowed]
        if reason is not None or not values:
            self.note(f"{code}: condition `{expression}` not mapped ({reason or 'no value'})")
            return None
        return {"item": ref, "in": values}
