"""Reading a SurveyJS survey model (JSON) into an instrument."""

from __future__ import annotations

import json
import re
from typing import Any

from instruments.interchange.base import EXTRAS_KEY, Draft, Imported, InterchangeError
from instruments.interchange.surveyjs_export import ZH_LOCALE
from instruments.schema import CODE_PATTERN, POINT_KINDS, Option, Scale, Text

#: Panels inside panels deeper than this are refused (a real survey nests two or three).
MAX_PANEL_DEPTH = 8
#: SurveyJS locales read as Chinese, in order of preference.
ZH_LOCALES = (ZH_LOCALE, "zh", "zh-hans", "zh-tw", "zh-hant")
#: Element types that hold questions of other types and are flattened into the page.
PANELS = ("panel",)

_VALUE = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?\d+(?:\.\d+)?|true|false"
_ATOM = (rf"\(*\s*\{{(?P<name>[^{{}}]+)\}}\s*(?P<op>==|=|equals|anyof|contains)\s*"
         rf"(?P<value>\[\s*(?:(?:{_VALUE})\s*,?\s*)*\]|{_VALUE})\s*\)*")
_ATOM_RE = re.compile(_ATOM, re.IGNORECASE)
_UNNAMED = re.sub(r"\?P<\w+>", "", _ATOM)
_EXPRESSION = re.compile(rf"\s*{_UNNAMED}(?:\s+or\s+{_UNNAMED})*\s*", re.IGNORECASE)


def _literal(token: str) -> Any:
    if token[:1] in "'\"":
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    if token.lower() in ("true", "false"):
        return token.lower()
    number = float(token)
    return int(number) if number.is_integer() else token


def parse_visible_if(expression: str) -> list[tuple[str, list[Any]]] | None:
    """``[(question name, values)]`` of ``{q} = 1 or {q} anyof [2, 3]``; ``None`` for anything else."""
    if not _EXPRESSION.fullmatch(expression) or expression.count("(") != expression.count(")"):
        return None
    found = []
    for match in _ATOM_RE.finditer(expression):
        raw = match["value"]
        tokens = re.findall(_VALUE, raw, re.IGNORECASE) if raw.startswith("[") else [raw]
        found.append((match["name"].strip(), [_literal(t) for t in tokens]))
    return found


def _value(raw: Any) -> int | str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, int):
        return raw
    return str(raw).strip()


class SurveyJsReader:
    """One SurveyJS model being read; :meth:`read` returns the instrument."""

    def __init__(self, filename: str, data: bytes) -> None:
        self.source = filename
        try:
            model = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise InterchangeError(f"{filename}: not UTF-8 text; save the file as UTF-8") from None
        except json.JSONDecodeError as exc:
            raise InterchangeError(f"{filename}: line {exc.lineno}, column {exc.colno}: invalid JSON: "
                                   f"{exc.msg}") from None
        except RecursionError:
            raise InterchangeError(f"{filename}: JSON nested too deeply; not a SurveyJS survey") from None
        if not isinstance(model, dict):
            raise InterchangeError(f"{filename}: (top level): a SurveyJS survey is a JSON object with pages, not "
                                   f"a {type(model).__name__}")
        self.model = model
        self.zh_default = str(model.get("locale", "")).lower().startswith("zh")
        self.seen: set[str] = set()
        self.draft = Draft(source=filename)
        extras = model.get(EXTRAS_KEY)
        self.draft.extras = extras if isinstance(extras, dict) else {}
        self.resolvers: dict[str, tuple[str, dict[str, Any]]] = {}

    def text(self, value: Any, where: str) -> dict[str, str] | None:
        """A localisable string as ``{zh, en}`` (a missing language is listed and copied)."""
        if isinstance(value, str):
            value = {"default": value}
        if not isinstance(value, dict):
            return None
        strings = {str(k).lower(): v for k, v in value.items() if isinstance(v, str) and v.strip()}
        zh = next((strings[k] for k in ZH_LOCALES if k in strings), None)
        en = strings.get("en")
        default = strings.get("default")
        if default is not None:
            if self.zh_default and zh is None:
                zh = default
            elif en is None:
                en = default
        self.seen.update(lang for lang, text in (("zh", zh), ("en", en)) if text)
        return self.draft.text(zh, en, where)

    def read(self) -> Imported:
        """The instrument and what did not map."""
        pages = self.model.get("pages")
        if pages is None and isinstance(self.model.get("elements"), list):
            pages = [{"name": "page1", "elements": self.model["elements"]}]
        if not isinstance(pages, list) or not pages:
            raise InterchangeError(f"{self.source}: pages: a SurveyJS survey needs a non-empty list of pages")
        title = self.text(self.model.get("title"), "survey title")
        description = self.text(self.model.get("description"), "survey description")
        for key, what in (("completedHtml", "end text"), ("completedHtmlOnCondition", "end texts"),
                          ("calculatedValues", "calculated values"), ("triggers", "triggers")):
            if self.model.get(key):
                self.draft.note(f"survey: its {what} ({key}) are not mapped" if key.endswith("s")
                                else f"survey: its {what} ({key}) is not mapped")
        for n, page in enumerate(pages, start=1):
            if not isinstance(page, dict):
                raise InterchangeError(f"{self.source}: pages[{n - 1}]: must be an object with elements")
            self._read_page(page, n)
        languages = [lang for lang in (("zh", "en") if self.zh_default else ("en", "zh")) if lang in self.seen]
        if title is None:
            title = {"zh": self.source, "en": self.source}
        return self.draft.finish(title=title, description=description, languages=languages or ["en"])

    def _read_page(self, page: dict[str, Any], n: int) -> None:
        name = str(page.get("name") or f"page{n}")
        title = self.text(page.get("title"), f"page {name}") or {"zh": name, "en": name}
        target = {"id": name, "title": title, "items": []}
        self.draft.pages.append(target)
        for key in ("visibleIf", "description"):
            if page.get(key):
                self.draft.note(f"page {name}: its {key} is not mapped")
        self._read_elements(target, page.get("elements") or page.get("questions") or [], f"page {name}", 0)

    def _read_elements(self, page: dict[str, Any], elements: Any, where: str, depth: int) -> None:
        if not isinstance(elements, list):
            raise InterchangeError(f"{self.source}: {where}: elements must be a list")
        for element in elements:
            if not isinstance(element, dict):
                raise InterchangeError(f"{self.source}: {where}: an element must be an object")
            kind = str(element.get("type", "")).lower()
            name = str(element.get("name", "")) or "(no name)"
            if kind in PANELS:
                if depth >= MAX_PANEL_DEPTH:
                    raise InterchangeError(f"{self.source}: panel {name}: panels nested more than "
                                           f"{MAX_PANEL_DEPTH} deep")
                if element.get("title"):
                    self.draft.note(f"panel {name}: its title is not mapped (its questions are)")
                if element.get("visibleIf"):
                    self.draft.note(f"panel {name}: its condition `{element['visibleIf']}` is not mapped")
                self._read_elements(page, element.get("elements") or [], f"panel {name}", depth + 1)
                continue
            self._read_question(page, element, kind, name)

    # -- questions ---------------------------------------------------------------------------------------
    def _code(self, element: dict[str, Any], name: str, extras: dict[str, Any]) -> str:
        wanted = str(extras.get("code", ""))
        code = wanted if CODE_PATTERN.match(wanted) else re.sub(r"\W", "_", name, flags=re.ASCII)
        if not CODE_PATTERN.match(code):
            code = "Q" + code
        base, n, taken = code, 2, set(self.draft.codes())
        while code in taken:
            code, n = f"{base}_{n}", n + 1
        return code

    def _choices(self, choices: Any, name: str) -> tuple[list[Option], dict[str, Any]]:
        options, mapping = [], {}
        for choice in choices if isinstance(choices, list) else []:
            raw = choice.get("value") if isinstance(choice, dict) else choice
            if raw is None:
                continue
            value = _value(raw)
            label = self.text(choice.get("text"), f"{name} choice {value}") if isinstance(choice, dict) else None
            options.append(Option(value=value, label=Text(**(label or {"zh": str(value), "en": str(value)}))))
            mapping[str(value)] = value
        return options, mapping

    def _scale(self, element: dict[str, Any], kind: str, name: str,
               extras: dict[str, Any]) -> tuple[Scale, dict[str, Any]]:
        for key, what in (("showOtherItem", "'Other' answer"), ("hasOther", "'Other' answer"),
                          ("showNoneItem", "'None' answer"), ("hasNone", "'None' answer"),
                          ("choicesByUrl", "choices from a web service"), ("choicesFromQuestion", "copied choices")):
            if element.get(key):
                self.draft.note(f"{name}: its {what} is not mapped")
        if kind in ("radiogroup", "dropdown", "checkbox", "tagbox"):
            options, mapping = self._choices(element.get("choices"), name)
            return Scale(kind="multiple" if kind in ("checkbox", "tagbox") else "single", options=options), mapping
        if kind == "rating":
            return self._rating(element, name, extras)
        if kind == "boolean":
            true, false = _value(element.get("valueTrue", 1)), _value(element.get("valueFalse", 0))
            yes = self.text(element.get("labelTrue"), f"{name} yes") or {"zh": "是", "en": "Yes"}
            no = self.text(element.get("labelFalse"), f"{name} no") or {"zh": "否", "en": "No"}
            scale = Scale(kind="single", options=[Option(value=true, label=Text(**yes)),
                                                  Option(value=false, label=Text(**no))])
            return scale, {"true": true, "false": false, str(true): true, str(false): false}
        if kind == "text" and element.get("inputType") == "number":
            bounds = {}
            for key in ("min", "max"):
                raw = element.get(key)
                if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
                    bounds[key] = int(raw)
                elif raw not in (None, ""):
                    self.draft.note(f"{name}: {key} {raw!r} is not a whole number; not mapped")
            return Scale(kind="numeric", **bounds), {}
        if kind == "text" and element.get("inputType") not in (None, "", "text"):
            self.draft.note(f"{name}: asked as plain text; its input type {element['inputType']!r} is not mapped")
        length = element.get("maxLength")
        valid = isinstance(length, int) and not isinstance(length, bool) and length > 0
        return Scale(kind="text", **({"max_length": length} if valid else {})), {}

    def _rating(self, element: dict[str, Any], name: str, extras: dict[str, Any]) -> tuple[Scale, dict[str, Any]]:
        kind = extras.get("kind") if extras.get("kind") in POINT_KINDS else "rating"
        if element.get("rateValues"):
            options, mapping = self._choices(element["rateValues"], name)
            values = [o.value for o in options]
            consecutive = values and all(isinstance(v, int) for v in values) and \
                values == list(range(int(values[0]), int(values[0]) + len(values)))
            if not consecutive:
                return Scale(kind="single", options=options), mapping
            anchors = {int(o.value): o.label for o in options
                       if o.label.zh != str(o.value) or o.label.en != str(o.value)}
            return Scale(kind=kind, min=values[0], max=values[-1], anchors=anchors), mapping
        low, step = element.get("rateMin", 1), element.get("rateStep", 1)
        high = element.get("rateMax", low + (element.get("rateCount", 5) - 1) * step)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high, step)) or step != 1:
            raise ValueError("rateMin, rateMax and rateStep must be whole numbers with a step of 1")
        anchors = {}
        for point, key in ((low, "minRateDescription"), (high, "maxRateDescription")):
            label = self.text(element.get(key), f"{name} {key}")
            if label is not None:
                anchors[point] = label
        return Scale(kind=kind, min=low, max=high, anchors=anchors), {str(p): p for p in range(low, high + 1)}

    def _read_question(self, page: dict[str, Any], element: dict[str, Any], kind: str, name: str) -> None:
        if kind == "matrix":
            self._read_matrix(page, element, name)
            return
        if kind not in ("radiogroup", "dropdown", "checkbox", "tagbox", "rating", "boolean", "text", "comment"):
            self.draft.note(f"{name}: element type {kind or '(none)'!r} is not mapped")
            return
        raw_extras = element.get(EXTRAS_KEY)
        extras = raw_extras if isinstance(raw_extras, dict) else {}
        try:
            scale, mapping = self._scale(element, kind, name, extras)
        except ValueError as exc:
            self.draft.note(f"{name}: its answers cannot be mapped ({str(exc).splitlines()[0]})")
            return
        code = self._code(element, name, extras)
        text = self.text(element.get("title"), name)
        item: dict[str, Any] = {"code": code, "text": text or {"zh": name, "en": name},
                                "required": bool(element.get("isRequired"))}
        help_ = self.text(element.get("description"), f"{name} description")
        if help_ is not None:
            item["help"] = help_
        show_if = self._show_if(element, code)
        if show_if is not None:
            item["show_if"] = show_if
        self.draft.add_item(page, item, scale, extras, fallback_scale=f"{code.lower()}_answers")
        self.resolvers[name] = (code, mapping)

    def _read_matrix(self, page: dict[str, Any], element: dict[str, Any], name: str) -> None:
        try:
            options, mapping = self._choices(element.get("columns"), name)
            scale = Scale(kind="single", options=options)
        except ValueError as exc:
            self.draft.note(f"{name}: its columns cannot be mapped ({str(exc).splitlines()[0]})")
            return
        stem = self.text(element.get("title"), name)
        show_if = self._show_if(element, name)
        required = bool(element.get("isAllRowRequired") or element.get("isRequired"))
        rows = element.get("rows") if isinstance(element.get("rows"), list) else []
        for row in rows:
            raw = row.get("value") if isinstance(row, dict) else row
            if raw is None:
                continue
            code = self._code({}, f"{name}_{raw}", {})
            text = self.text(row.get("text"), code) if isinstance(row, dict) else None
            item: dict[str, Any] = {"code": code, "text": text or {"zh": str(raw), "en": str(raw)},
                                    "required": required}
            if stem is not None:
                item["help"] = stem
            if show_if is not None:
                item["show_if"] = show_if
            self.draft.add_item(page, item, scale, {}, fallback_scale=f"{name.lower()}_answers")
            self.resolvers[f"{name}.{raw}"] = (code, mapping)
        plural = "s" if len(rows) != 1 else ""
        self.draft.note(f"{name}: matrix imported as {len(rows)} question{plural} sharing one scale; its title "
                        "became their help text")

    def _show_if(self, element: dict[str, Any], code: str) -> dict[str, Any] | None:
        expression = element.get("visibleIf")
        if not expression:
            return None
        for key in ("enableIf", "requiredIf"):
            if element.get(key):
                self.draft.note(f"{code}: its {key} `{element[key]}` is not mapped")
        alternatives = parse_visible_if(str(expression))
        if alternatives is None:
            self.draft.note(f"{code}: condition `{expression}` not mapped (only `{{q}} = value` and "
                            "`{q} anyof [...]` on one earlier question map)")
            return None
        names = {name for name, _ in alternatives}
        if len(names) != 1:
            self.draft.note(f"{code}: condition `{expression}` not mapped (it asks about several questions)")
            return None
        resolver = self.resolvers.get(names.pop())
        if resolver is None:
            self.draft.note(f"{code}: condition `{expression}` not mapped (not on an earlier imported question)")
            return None
        ref, mapping = resolver
        values = [mapping.get(str(v), v) for _, found in alternatives for v in found]
        return self.draft.condition(code, ref, list(dict.fromkeys(values)), str(expression))


def import_surveyjs(filename: str, data: bytes) -> Imported:
    """Read a SurveyJS JSON model."""
    return SurveyJsReader(filename, data).read()
