"""Reading a LimeSurvey structure file (.lss, LimeSurvey 3 to 6) into an instrument."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - only walks a tree built by safe_xml
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from instruments.interchange.base import EXTRAS_KEY, Draft, Imported, InterchangeError, choice_value
from instruments.interchange.lss_common import html_to_text, our_language, parse_relevance
from instruments.interchange.safe_xml import UnsafeXML, parse_xml
from instruments.schema import BUILTIN_SCALES, CODE_PATTERN, Option, Scale, Text

#: LimeSurvey question types this reader maps, by their one-letter code.
TYPE_NAMES = {
    "L": "list (radio)", "!": "list (dropdown)", "M": "multiple choice", "N": "numerical input",
    "S": "short free text", "T": "long free text", "U": "huge free text", "5": "5 point choice",
    "A": "array (5 point choice)", "B": "array (10 point choice)", "F": "array", "Y": "yes/no",
}
#: Answers of LimeSurvey's yes/no question as our ``yesno`` scale values.
YES_NO = {"Y": 1, "N": 0}

Row = dict[str, str]


def rows(root: ET.Element, table: str) -> list[Row]:
    """The rows of one table element as ``{column: text}``."""
    element = root.find(table)
    if element is None:
        return []
    return [{child.tag: (child.text or "") for child in row} for row in element.iterfind("rows/row")]


def _int(value: str, default: int = 0) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


@dataclass
class _Texts:
    """Texts by (key, our language)."""

    by_key: dict[tuple[Any, ...], dict[str, str]] = field(default_factory=lambda: defaultdict(dict))

    def put(self, key: tuple[Any, ...], language: str, value: str) -> None:
        lang = our_language(language)
        if lang is not None and value and lang not in self.by_key[key]:
            self.by_key[key][lang] = value

    def get(self, key: tuple[Any, ...]) -> tuple[str, str]:
        texts = self.by_key.get(key, {})
        return html_to_text(texts.get("zh")), html_to_text(texts.get("en"))


class LssReader:
    """One .lss document being read; :meth:`read` returns the instrument."""

    def __init__(self, filename: str, data: bytes) -> None:
        self.source = filename
        try:
            self.root = parse_xml(data)
        except UnsafeXML as exc:
            line = f"line {exc.line}: " if exc.line else ""
            raise InterchangeError(f"{filename}: {line}{exc.problem}") from None
        if self.root.tag != "document":
            raise InterchangeError(f"{filename}: <{self.root.tag}>: not a LimeSurvey structure file "
                                   "(its top element must be <document>)")
        doc_type = (self.root.findtext("LimeSurveyDocType") or "").strip()
        if doc_type and doc_type != "Survey":
            raise InterchangeError(f"{filename}: <LimeSurveyDocType>: a LimeSurvey {doc_type} file, not a survey "
                                   "structure (export the whole survey as .lss)")
        version = (self.root.findtext("DBVersion") or "").strip()
        if not version.isdigit():
            raise InterchangeError(f"{filename}: <DBVersion>: missing or not a number; not a LimeSurvey "
                                   "structure file")
        self.db_version = int(version)
        self.draft = Draft(source=filename)
        self.resolvers: dict[str, tuple[str, dict[str, int | str] | None]] = {}
        self._read_tables()

    # -- tables ------------------------------------------------------------------------------------------
    def _read_tables(self) -> None:
        root = self.root
        self.survey = (rows(root, "surveys") or [{}])[0]
        self.group_texts, self.question_texts, self.help_texts, self.answer_texts = (_Texts(), _Texts(), _Texts(),
                                                                                      _Texts())
        self.groups: dict[str, Row] = {}
        for row in rows(root, "groups"):
            self.groups.setdefault(row.get("gid", ""), row)
            self.group_texts.put((row.get("gid"), "name"), row.get("language", ""), row.get("group_name", ""))
            self.group_texts.put((row.get("gid"), "description"), row.get("language", ""),
                                 row.get("description", ""))
        for row in rows(root, "group_l10ns"):
            self.group_texts.put((row.get("gid"), "name"), row.get("language", ""), row.get("group_name", ""))
            self.group_texts.put((row.get("gid"), "description"), row.get("language", ""),
                                 row.get("description", ""))
        self.questions: dict[str, Row] = {}
        self.children: dict[str, list[Row]] = defaultdict(list)
        for row in [*rows(root, "questions"), *rows(root, "subquestions")]:
            qid = row.get("qid", "")
            if qid not in self.questions:
                self.questions[qid] = row
                if _int(row.get("parent_qid", "0")):
                    self.children[row["parent_qid"]].append(row)
            self.question_texts.put((qid,), row.get("language", ""), row.get("question", ""))
            self.help_texts.put((qid,), row.get("language", ""), row.get("help", ""))
        for row in rows(root, "question_l10ns"):
            self.question_texts.put((row.get("qid"),), row.get("language", ""), row.get("question", ""))
            self.help_texts.put((row.get("qid"),), row.get("language", ""), row.get("help", ""))
        self.answers: dict[str, list[Row]] = defaultdict(list)
        by_aid: dict[str, Row] = {}
        seen: set[tuple[str, str, str]] = set()
        for row in rows(root, "answers"):
            key = (row.get("qid", ""), row.get("scale_id", "0") or "0", row.get("code", ""))
            if key not in seen:
                seen.add(key)
                self.answers[key[0]].append(row)
            if row.get("aid"):
                by_aid[row["aid"]] = row
            self.answer_texts.put(key, row.get("language", ""), row.get("answer", ""))
        for row in rows(root, "answer_l10ns"):
            answer = by_aid.get(row.get("aid", ""))
            if answer is not None:
                key = (answer.get("qid", ""), answer.get("scale_id", "0") or "0", answer.get("code", ""))
                self.answer_texts.put(key, row.get("language", ""), row.get("answer", ""))
        self.attributes: dict[str, dict[str, str]] = defaultdict(dict)
        for row in rows(root, "question_attributes"):
            if not row.get("language"):
                self.attributes[row.get("qid", "")][row.get("attribute", "")] = row.get("value", "")
        self.conditions: dict[str, list[Row]] = defaultdict(list)
        for row in rows(root, "conditions"):
            self.conditions[row.get("qid", "")].append(row)

    def _languages(self) -> list[str]:
        codes = [e.text or "" for e in self.root.iterfind("languages/language")]
        if not codes:
            codes = [self.survey.get("language", ""), *self.survey.get("additional_languages", "").split()]
        ours = list(dict.fromkeys(lang for lang in map(our_language, codes) if lang))
        if not ours:
            raise InterchangeError(f"{self.source}: <languages>: the survey is in {', '.join(codes) or 'no language'}"
                                   "; only Chinese (zh-Hans) and English (en) can be imported")
        other = [c for c in codes if c and our_language(c) is None]
        if other:
            self.draft.note(f"languages: {', '.join(other)} not mapped (only zh and en are kept)")
        return ours

    # -- the survey ---------------------------------------------------------------------------------------
    def read(self) -> Imported:
        """The instrument and what did not map."""
        languages = self._languages()
        first_question = self._ordered_questions()[:1]
        if first_question:
            self.draft.extras = self._extras(first_question[0][0], "instrument")
        settings = _Texts()
        for row in rows(self.root, "surveys_languagesettings"):
            for key in ("surveyls_title", "surveyls_description", "surveyls_welcometext", "surveyls_endtext"):
                settings.put((key,), row.get("surveyls_language", ""), row.get(key, ""))
        title = self.draft.text(*settings.get(("surveyls_title",)), "survey title")
        if title is None:
            title = {"zh": self.draft.extras.get("id") or "导入的问卷", "en": self.source}
        description = self.draft.text(*settings.get(("surveyls_description",)), "survey description")
        for key, what in (("surveyls_welcometext", "welcome text"), ("surveyls_endtext", "end text")):
            if any(settings.get((key,))):
                self.draft.note(f"survey: the {what} is not mapped")
        self._note_survey_features()
        for gid, group in sorted(self.groups.items(), key=lambda g: _int(g[1].get("group_order", "0"))):
            self._read_group(gid, group)
        return self.draft.finish(title=title, description=description, languages=languages)

    def _note_survey_features(self) -> None:
        if rows(self.root, "quota"):
            self.draft.note("quotas are not mapped")
        if rows(self.root, "assessments") or self.survey.get("assessments") == "Y":
            self.draft.note("assessments are not mapped")
        if rows(self.root, "defaultvalues"):
            self.draft.note("default answers are not mapped")

    def _ordered_questions(self) -> list[tuple[str, Row]]:
        top = [(qid, row) for qid, row in self.questions.items() if not _int(row.get("parent_qid", "0"))]
        group_order = {gid: _int(g.get("group_order", "0")) for gid, g in self.groups.items()}
        return sorted(top, key=lambda q: (group_order.get(q[1].get("gid", ""), 0),
                                          _int(q[1].get("question_order", "0"))))

    def _read_group(self, gid: str, group: Row) -> None:
        name = self.draft.text(*self.group_texts.get((gid, "name")), f"group {gid}") or {"zh": gid, "en": gid}
        page = {"id": f"g{len(self.draft.pages) + 1}", "title": name, "items": []}
        self.draft.pages.append(page)
        if any(self.group_texts.get((gid, "description"))):
            self.draft.note(f"group {name['en']!r}: its description is not mapped")
        if group.get("grelevance", "").strip() not in ("", "1"):
            self.draft.note(f"group {name['en']!r}: its condition `{group['grelevance']}` is not mapped")
        if group.get("randomization_group", "").strip():
            self.draft.note(f"group {name['en']!r}: randomisation is not mapped")
        for qid, row in self._ordered_questions():
            if row.get("gid") == gid:
                self._read_question(page, qid, row)

    # -- questions ---------------------------------------------------------------------------------------
    def _extras(self, qid: str, key: str = "item") -> dict[str, Any]:
        raw = self.attributes.get(qid, {}).get(EXTRAS_KEY)
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            self.draft.note(f"question {qid}: its {EXTRAS_KEY} attribute is not valid JSON; ignored")
            return {}
        value = data.get(key) if isinstance(data, dict) else None
        return value if isinstance(value, dict) else {}

    def _code(self, wanted: str, title: str) -> str:
        taken = set(self.draft.codes())
        code = wanted if CODE_PATTERN.match(wanted) else title
        if not CODE_PATTERN.match(code):
            code = "Q" + "".join(c for c in code if c.isalnum() or c == "_")
        base, n = code, 2
        while code in taken:
            code, n = f"{base}_{n}", n + 1
        return code

    def _read_question(self, page: dict[str, Any], qid: str, row: Row) -> None:
        kind, title = row.get("type", ""), row.get("title", "") or f"Q{qid}"
        if kind not in TYPE_NAMES:
            self.draft.note(f"{title}: question type {kind!r} is not mapped")
            return
        if row.get("other") == "Y":
            self.draft.note(f"{title}: the 'Other' answer is not mapped")
        extras = self._extras(qid)
        text = self.draft.text(*self.question_texts.get((qid,)), title)
        help_ = self.draft.text(*self.help_texts.get((qid,)), f"{title} help")
        required = row.get("mandatory") == "Y"
        if kind in "AB" or kind == "F":
            self._read_array(page, qid, row, text, help_, required)
            return
        scale, values = self._scale(qid, row, extras)
        if scale is None:
            return
        code = self._code(str(extras.get("code", "")), title)
        item: dict[str, Any] = {"code": code, "text": text or {"zh": title, "en": title}, "required": required}
        if text is None:
            self.draft.note(f"{title}: no question text; its code is used")
        if help_ is not None:
            item["help"] = help_
        show_if = self._show_if(qid, row, code)
        if show_if is not None:
            item["show_if"] = show_if
        self.draft.add_item(page, item, scale, extras, fallback_scale=f"{code.lower()}_answers")
        if kind == "M":
            for sub, value in values.items():
                self.resolvers[f"{title}_{sub}"] = (code, {"Y": value})
        else:
            self.resolvers[title] = (code, values or None)

    def _options(self, key_of: list[tuple[str, tuple[Any, ...]]], title: str,
                 values: dict[str, Any]) -> list[Option]:
        options = []
        for raw, key in key_of:
            value = values.get(raw, choice_value(raw))
            texts = self.question_texts.get(key[1:]) if key[0] == "sub" else self.answer_texts.get(key)
            label = self.draft.text(*texts, f"{title} answer {raw}")
            options.append(Option(value=value, label=Text(**(label or {"zh": str(raw), "en": str(raw)}))))
        return options

    def _scale(self, qid: str, row: Row, extras: dict[str, Any]) -> tuple[Scale | None, dict[str, Any]]:
        kind, title = row.get("type", ""), row.get("title", "")
        attributes = self.attributes.get(qid, {})
        mapping = extras.get("values") if isinstance(extras.get("values"), dict) else {}
        try:
            if kind in ("L", "!"):
                answers = sorted((a for a in self.answers.get(qid, []) if (a.get("scale_id") or "0") == "0"),
                                 key=lambda a: _int(a.get("sortorder", "0")))
                keys = [(a.get("code", ""), (qid, "0", a.get("code", ""))) for a in answers]
                values = {raw: mapping.get(raw, choice_value(raw)) for raw, _ in keys}
                return Scale(kind="single", options=self._options(keys, title, values)), values
            if kind == "M":
                subs = sorted(self.children.get(qid, []), key=lambda s: _int(s.get("question_order", "0")))
                keys = [(s.get("title", ""), ("sub", s.get("qid", ""))) for s in subs]
                values = {raw: mapping.get(raw, choice_value(raw)) for raw, _ in keys}
                return Scale(kind="multiple", options=self._options(keys, title, values)), values
            if kind == "Y":
                return BUILTIN_SCALES["yesno"], dict(YES_NO)
            if kind == "5":
                return Scale(kind="rating", min=1, max=5), {}
            if kind == "N":
                low, high = attributes.get("min_num_value_n", ""), attributes.get("max_num_value_n", "")
                bounds = {}
                for key, raw in (("min", low), ("max", high)):
                    if raw.strip():
                        if not raw.strip().lstrip("-").isdigit():
                            self.draft.note(f"{title}: {key}imum {raw!r} is not a whole number; not mapped")
                            continue
                        bounds[key] = int(raw)
                if attributes.get("num_value_int_only") != "1":
                    self.draft.note(f"{title}: decimal answers are not mapped (whole numbers only)")
                return Scale(kind="numeric", **bounds), {}
            length = attributes.get("maximum_chars", "").strip()
            return Scale(kind="text", **({"max_length": int(length)} if length.isdigit() else {})), {}
        except ValueError as exc:
            self.draft.note(f"{title}: its answers cannot be mapped ({str(exc).splitlines()[0]})")
            return None, {}

    def _read_array(self, page: dict[str, Any], qid: str, row: Row, text: dict[str, str] | None,
                    help_: dict[str, str] | None, required: bool) -> None:
        kind, title = row["type"], row.get("title", "")
        if kind == "F":
            answers = sorted((a for a in self.answers.get(qid, []) if (a.get("scale_id") or "0") == "0"),
                             key=lambda a: _int(a.get("sortorder", "0")))
            keys = [(a.get("code", ""), (qid, "0", a.get("code", ""))) for a in answers]
            values = {raw: choice_value(raw) for raw, _ in keys}
            try:
                scale = Scale(kind="single", options=self._options(keys, title, values))
            except ValueError as exc:
                self.draft.note(f"{title}: its answers cannot be mapped ({str(exc).splitlines()[0]})")
                return
        else:
            top = 5 if kind == "A" else 10
            scale, values = Scale(kind="rating", min=1, max=top), {}
        show_if = self._show_if(qid, row, title)
        subs = sorted(self.children.get(qid, []), key=lambda s: _int(s.get("question_order", "0")))
        if not subs:
            self.draft.note(f"{title}: an array without subquestions; not mapped")
        for sub in subs:
            code = self._code(f"{title}_{sub.get('title', '')}", title)
            sub_text = self.draft.text(*self.question_texts.get((sub.get("qid", ""),)), code)
            item: dict[str, Any] = {"code": code, "text": sub_text or {"zh": code, "en": code},
                                    "required": required}
            if text is not None:
                item["help"] = text
            if show_if is not None:
                item["show_if"] = show_if
            self.draft.add_item(page, item, scale, {}, fallback_scale=f"{title.lower()}_answers")
            self.resolvers[f"{title}_{sub.get('title', '')}"] = (code, values or None)
        if subs:
            plural = "s" if len(subs) > 1 else ""
            self.draft.note(f"{title}: array question imported as {len(subs)} question{plural} sharing one scale; "
                            "its text became their help text" + (" (its own help text is not mapped)" if help_ else ""))

    # -- conditions --------------------------------------------------------------------------------------
    def _show_if(self, qid: str, row: Row, code: str) -> dict[str, Any] | None:
        expression = (row.get("relevance") or "").strip()
        if expression in ("", "1"):
            return self._from_conditions(qid, code)
        alternatives = parse_relevance(expression)
        if alternatives is None:
            self.draft.note(f"{code}: condition `{expression}` not mapped (only `Q == value` alternatives on one "
                            "earlier question map)")
            return None
        refs: set[str] = set()
        values: list[Any] = []
        for name, raw in alternatives:
            resolver = self.resolvers.get(name)
            if resolver is None:
                self.draft.note(f"{code}: condition `{expression}` not mapped ({name!r} is not an earlier "
                                "imported question)")
                return None
            ref, mapping = resolver
            refs.add(ref)
            values.append(mapping.get(raw, raw) if mapping is not None else choice_value(raw))
        if len(refs) != 1:
            self.draft.note(f"{code}: condition `{expression}` not mapped (it asks about several questions)")
            return None
        return self.draft.condition(code, refs.pop(), list(dict.fromkeys(values)), expression)

    def _from_conditions(self, qid: str, code: str) -> dict[str, Any] | None:
        """LimeSurvey 3's conditions table: one scenario of ``==`` on one question maps."""
        found = self.conditions.get(qid, [])
        if not found:
            return None
        described = f"{len(found)} row(s) of the conditions table"
        target = {(c.get("cqid"), c.get("scenario")) for c in found}
        if len(target) != 1 or any(c.get("method") != "==" for c in found):
            self.draft.note(f"{code}: condition ({described}) not mapped (only one scenario of == on one question)")
            return None
        source = self.questions.get(found[0].get("cqid", ""))
        if source is None:
            self.draft.note(f"{code}: condition ({described}) refers to an unknown question; not mapped")
            return None
        title = source.get("title", "")
        values: list[Any] = []
        for condition in found:
            raw = condition.get("value", "")
            if source.get("type") == "M":
                resolver = self.resolvers.get(f"{title}_{raw}")
                raw = "Y"
            else:
                resolver = self.resolvers.get(title)
            if resolver is None:
                self.draft.note(f"{code}: condition ({described}) on {title!r} not mapped")
                return None
            ref, mapping = resolver
            values.append(mapping.get(raw, raw) if mapping is not None else choice_value(raw))
        return self.draft.condition(code, ref, list(dict.fromkeys(values)), f"{title} == {found[0].get('value')}")


def import_lss(filename: str, data: bytes) -> Imported:
    """Read a LimeSurvey structure file (.lss)."""
    return LssReader(filename, data).read()

