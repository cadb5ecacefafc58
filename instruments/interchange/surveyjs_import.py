"""Reading a SurveyJS survey model (JSON) into an instrument."""

from __future__ import annotations

import json
import re
from typing import Any

from instruments.interchange.base import EXTRAS_KEY, Draft, Imported, InterchangeError, stored
from instruments.interchange.expression import Answered, ExpressionError
from instruments.interchange.lss_common import html_to_text
from instruments.interchange.surveyjs_export import ZH_LOCALE
from instruments.interchange.surveyjs_logic import UNIT_VARIABLE, pipe_in, read_condition
from instruments.schema import CODE_PATTERN, END, POINT_KINDS, End, Option, Scale, Text

#: Panels inside panels deeper than this are refused (a real survey nests two or three).
MAX_PANEL_DEPTH = 8
#: SurveyJS locales read as Chinese, in order of preference.
ZH_LOCALES = (ZH_LOCALE, "zh", "zh-hans", "zh-tw", "zh-hant")
#: Element types that hold questions of other types and are flattened into the page.
PANELS = ("panel",)

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
        #: what each question name (``{name}``, ``{matrix.row}``) stands for in conditions and placeholders
        self.resolvers: dict[str, Answered] = {}
        #: the page (index) of each element name, for skip triggers
        self.element_pages: dict[str, int] = {}
        unit = self.draft.extras.get("unit")
        self.unit = unit if isinstance(unit, str) and unit else UNIT_VARIABLE

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
        for key, what in (("completedHtmlOnCondition", "end texts"), ("calculatedValues", "calculated values")):
            if self.model.get(key):
                self.draft.note(f"survey: its {what} ({key}) are not mapped")
        welcome = None
        if self.model.get("firstPageIsStarted") and len(pages) > 1 and isinstance(pages[0], dict):
            welcome = self._welcome(pages[0])
            if welcome is not None:
                pages = pages[1:]
        end = self._end()
        for n, page in enumerate(pages, start=1):
            if not isinstance(page, dict):
                raise InterchangeError(f"{self.source}: pages[{n - 1}]: must be an object with elements")
            self._read_page(page, n)
        self._triggers()
        languages = [lang for lang in (("zh", "en") if self.zh_default else ("en", "zh")) if lang in self.seen]
        if title is None:
            title = {"zh": self.source, "en": self.source}
        return self.draft.finish(title=title, description=description, languages=languages or ["en"],
                                 welcome=welcome, end=end)

    def _html(self, value: Any, where: str) -> dict[str, str] | None:
        if isinstance(value, str):
            value = {"default": value}
        if not isinstance(value, dict):
            return None
        return self.text({key: html_to_text(text) for key, text in value.items() if isinstance(text, str)}, where)

    def _welcome(self, page: dict[str, Any]) -> dict[str, Any] | None:
        """SurveyJS's start page as the welcome page: its first HTML element the text, one named privacy the
        privacy notice."""
        elements = [e for e in page.get("elements") or [] if isinstance(e, dict)]
        if not elements or any(str(e.get("type", "")).lower() != "html" for e in elements):
            self.draft.note("the start page holds questions; read as the first page (its welcome is not mapped)")
            return None
        welcome: dict[str, Any] = {}
        for element in elements:
            text = self._html(element.get("html"), f"start page {element.get('name')}")
            if text is None:
                continue
            if "privacy" in str(element.get("name", "")).lower() and "privacy" not in welcome:
                welcome["privacy"] = text
            elif "text" not in welcome:
                welcome["text"] = text
            else:
                self.draft.note(f"start page: its element {element.get('name')!r} is not mapped (the welcome page "
                                "has one text and one privacy notice)")
        if "text" not in welcome:
            return None
        kept = self.draft.extras.get("welcome")
        if isinstance(kept, dict) and isinstance(kept.get("minutes"), int):
            welcome["minutes"] = kept["minutes"]
        return welcome

    def _end(self) -> dict[str, Any] | None:
        end: dict[str, Any] = {}
        text = self._html(self.model.get("completedHtml"), "end text (completedHtml)")
        if text is not None:
            end["text"] = text
        url = self.model.get("navigateToUrl")
        if url:
            try:
                end["redirect"] = End(redirect=str(url)).redirect
            except ValueError:
                self.draft.note(f"survey: navigateToUrl {url!r} is not mapped (only http and https addresses)")
        if self.model.get("navigateToUrlOnCondition"):
            self.draft.note("survey: navigateToUrlOnCondition is not mapped")
        return end or None

    def _read_page(self, page: dict[str, Any], n: int) -> None:
        name = str(page.get("name") or f"page{n}")
        title = self.text(page.get("title"), f"page {name}") or {"zh": name, "en": name}
        target: dict[str, Any] = {"id": name, "title": title, "items": []}
        logic = (self.draft.extras.get("page_logic") or {}).get(name)
        logic = logic if isinstance(logic, dict) else {}
        earlier = self.draft.earlier_scales()
        self.draft.pages.append(target)
        intro = self.text(page.get("description"), f"page {name} description")
        if intro is not None:
            target["intro"] = self._piped(intro, page.get("description"), logic, "intro", f"page {name}")
        show_if = self._condition(page.get("visibleIf"), logic, f"page {name}", earlier)
        if show_if is not None:
            target["show_if"] = show_if
        order = str(page.get("questionsOrder", "")).lower()
        if order == "random":
            target["randomize"] = True
        self._read_elements(target, page.get("elements") or page.get("questions") or [], f"page {name}", 0)

    def _piped(self, text: dict[str, str], raw: Any, kept: dict[str, Any], key: str, where: str) -> dict[str, str]:
        """A text with SurveyJS placeholders as ours (the custom data's text when the file is unchanged)."""
        value = stored(kept, key, raw)
        if isinstance(value, dict):
            return value
        allowed = {code for page in self.draft.pages[:-1] for code in (i["code"] for i in page["items"])}
        out = {}
        for lang, string in text.items():
            out[lang], left = pipe_in(string, self.resolvers.get, self.unit, allowed)
            for placeholder in left:
                self.draft.note(f"{where}: placeholder {placeholder} not mapped (only the answer of a question on an "
                                f"earlier page, or the unit variable {{{self.unit}}})")
        return out

    def _condition(self, expression: Any, kept: dict[str, Any], where: str,
                   earlier: dict[str, Scale]) -> dict[str, Any] | None:
        if not expression:
            return None
        value = stored(kept, "show_if", expression)
        if value is not None:
            return self.draft.checked(where, value, str(expression), earlier, read=False)
        try:
            condition = read_condition(str(expression), self.resolvers.get)
        except ExpressionError as exc:
            self.draft.note(f"{where}: condition `{expression}` not mapped ({exc})")
            return None
        return self.draft.checked(where, condition, str(expression), earlier)

    # -- skips ---------------------------------------------------------------------------------------------
    def _triggers(self) -> None:
        triggers = self.model.get("triggers")
        if not triggers:
            return
        if not isinstance(triggers, list):
            self.draft.note("survey: its triggers are not a list; not mapped")
            return
        kept = stored(self.draft.extras, "skip_to", triggers)
        if isinstance(kept, dict):
            for page_id, rules in kept.items():
                n = next((n for n, page in enumerate(self.draft.pages) if page["id"] == page_id), None)
                if n is not None and isinstance(rules, list):
                    for rule in rules:
                        self._add_rule(n, rule.get("if") if isinstance(rule, dict) else None,
                                       rule.get("to") if isinstance(rule, dict) else None, "(custom data)", read=False)
            return
        earlier_rules: dict[int, list[dict[str, Any]]] = {}
        for trigger in triggers:
            kind = str(trigger.get("type", "")).lower() if isinstance(trigger, dict) else ""
            expression = str(trigger.get("expression", "")) if isinstance(trigger, dict) else ""
            if kind not in ("skip", "complete"):
                self.draft.note(f"survey: a {kind or 'malformed'} trigger is not mapped (skip and complete are)")
                continue
            try:
                condition = read_condition(expression, self.resolvers.get)
            except ExpressionError as exc:
                self.draft.note(f"survey: the {kind} trigger `{expression}` is not mapped ({exc})")
                continue
            if condition is None:
                self.draft.note(f"survey: the {kind} trigger without a condition is not mapped")
                continue
            source = max(self._page_of(code) for code in _codes(condition))
            rules = earlier_rules.setdefault(source, [])
            # a trigger that also says "no earlier rule held" is the next rule of the page
            if "all" in condition:
                parts = [p for p in condition["all"] if not ("not" in p and p["not"] in rules)]
                condition = parts[0] if len(parts) == 1 else {"all": parts}
            rules.append(condition)
            if kind == "complete":
                target = END
            else:
                page = self.element_pages.get(str(trigger.get("gotoName", "")))
                target = self.draft.pages[page]["id"] if page is not None else None
            self._add_rule(source, condition, target, expression, read=True)

    def _page_of(self, code: str) -> int:
        return next(n for n, page in enumerate(self.draft.pages) if any(i["code"] == code for i in page["items"]))

    def _add_rule(self, n: int, condition: Any, target: Any, expression: str, *, read: bool) -> None:
        page = self.draft.pages[n]
        later = [p["id"] for p in self.draft.pages[n + 1:]]
        if target not in (*later, END):
            self.draft.note(f"page {page['id']}: the skip `{expression}` does not go to a later page; not mapped")
            return
        earlier = self.draft.earlier_scales(pages=n + 1)
        checked = self.draft.checked(f"page {page['id']}: skip", condition, expression, earlier, read=read)
        if checked is not None:
            page.setdefault("skip_to", []).append({"if": checked, "to": target})

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
        texts = extras.get("texts") if isinstance(extras.get("texts"), dict) else {}
        text = self.text(element.get("title"), name) or {"zh": name, "en": name}
        item: dict[str, Any] = {"code": code, "text": self._piped(text, element.get("title"), texts, "text", code),
                                "required": bool(element.get("isRequired"))}
        help_ = self.text(element.get("description"), f"{name} description")
        if help_ is not None:
            item["help"] = self._piped(help_, element.get("description"), texts, "help", code)
        show_if = self._show_if(element, code, extras)
        if show_if is not None:
            item["show_if"] = show_if
        if str(element.get("choicesOrder", "")).lower() == "random":
            if scale.kind in ("single", "multiple"):
                where = extras.get("randomize_options")
                where = where if isinstance(where, list) and where else ["item"]
                item["randomize_options"] = "item" in where
                if "scale" in where:
                    scale = scale.model_copy(update={"randomize_options": True})
                if not item["randomize_options"]:
                    del item["randomize_options"]
            else:
                self.draft.note(f"{name}: its random choice order is not mapped")
        self.draft.add_item(page, item, scale, extras, fallback_scale=f"{code.lower()}_answers")
        self.resolvers[name] = Answered(code, _kind(scale), mapping)
        self.element_pages[name] = len(self.draft.pages) - 1

    def _read_matrix(self, page: dict[str, Any], element: dict[str, Any], name: str) -> None:
        """A single-choice matrix as a matrix of items: its rows the items, its columns their answers."""
        try:
            options, mapping = self._choices(element.get("columns"), name)
            scale = Scale(kind="single", options=options)
        except ValueError as exc:
            self.draft.note(f"{name}: its columns cannot be mapped ({str(exc).splitlines()[0]})")
            return
        raw_extras = element.get(EXTRAS_KEY)
        extras = raw_extras.get("matrix") if isinstance(raw_extras, dict) else None
        extras = extras if isinstance(extras, dict) else {}
        wanted = str(extras.get("id", ""))
        matrix_id = wanted if CODE_PATTERN.match(wanted) else self._code({}, name, {})
        texts = extras.get("texts") if isinstance(extras.get("texts"), dict) else {}
        stem = self.text(element.get("title"), name) or {"zh": name, "en": name}
        matrix: dict[str, Any] = {"text": self._piped(stem, element.get("title"), texts, "text", name)}
        help_ = self.text(element.get("description"), f"{name} description")
        if help_ is not None:
            matrix["help"] = self._piped(help_, element.get("description"), texts, "help", name)
        page.setdefault("matrices", {})[matrix_id] = matrix
        for key in ("rowsOrder", "rowsVisibleIf", "columnsVisibleIf"):
            if element.get(key) and not (key == "rowsOrder" and element[key] == "initial"):
                self.draft.note(f"{name}: its {key} is not mapped")
        if element.get("visibleIf"):
            self.draft.note(f"{name}: its condition `{element['visibleIf']}` is not mapped (a condition belongs to "
                            "each row)")
        required = bool(element.get("isAllRowRequired") or element.get("isRequired"))
        rows = [r for r in element.get("rows") or [] if (r.get("value") if isinstance(r, dict) else r) is not None] \
            if isinstance(element.get("rows"), list) else []
        rows_extras = extras.get("rows") if isinstance(extras.get("rows"), list) else []
        if len(rows_extras) != len(rows):
            rows_extras = [{}] * len(rows)
        for row, row_extras in zip(rows, rows_extras, strict=True):
            row_extras = row_extras if isinstance(row_extras, dict) else {}
            raw = row.get("value") if isinstance(row, dict) else row
            code = self._code({}, f"{name}_{raw}", row_extras)
            label = row.get("text") if isinstance(row, dict) else None
            text = self.text(label, code) or {"zh": str(raw), "en": str(raw)}
            row_texts = row_extras.get("texts") if isinstance(row_extras.get("texts"), dict) else {}
            item: dict[str, Any] = {"code": code, "text": self._piped(text, label, row_texts, "text", code),
                                    "required": row_extras.get("required", required) is True, "matrix": matrix_id}
            if isinstance(row_extras.get("help"), dict):
                item["help"] = row_extras["help"]
            if isinstance(row, dict):
                show_if = self._show_if(row, code, row_extras)
                if show_if is not None:
                    item["show_if"] = show_if
            if row_extras.get("randomize_options") == ["item"]:
                item["randomize_options"] = True
            self.draft.add_item(page, item, scale, row_extras, fallback_scale=f"{matrix_id.lower()}_answers")
            self.resolvers[f"{name}.{raw}"] = Answered(code, "single", mapping)
        self.element_pages[name] = len(self.draft.pages) - 1

    def _show_if(self, element: dict[str, Any], code: str, extras: dict[str, Any]) -> dict[str, Any] | None:
        for key in ("enableIf", "requiredIf"):
            if element.get(key):
                self.draft.note(f"{code}: its {key} `{element[key]}` is not mapped")
        return self._condition(element.get("visibleIf"), extras, code, self.draft.earlier_scales())


def _kind(scale: Scale) -> str:
    if scale.kind in ("multiple", "numeric", "text"):
        return scale.kind
    return "single"


def _codes(condition: dict[str, Any]) -> list[str]:
    """The item codes a condition (as data) tests."""
    if "item" in condition:
        return [condition["item"]]
    parts = condition.get("all") or condition.get("any") or [condition.get("not") or {}]
    return [code for part in parts for code in _codes(part)]


def import_surveyjs(filename: str, data: bytes) -> Imported:
    """Read a SurveyJS JSON model."""
    return SurveyJsReader(filename, data).read()
