"""Reading a LimeSurvey structure file (.lss, LimeSurvey 3 to 6) into an instrument."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - only walks a tree built by safe_xml
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from instruments.interchange.base import EXTRAS_KEY, Draft, Imported, InterchangeError, choice_value, stored
from instruments.interchange.expression import Answered, ExpressionError
from instruments.interchange.lss_common import html_to_text, our_language
from instruments.interchange.lss_logic import pipe_in, read_condition
from instruments.interchange.safe_xml import UnsafeXML, parse_xml
from instruments.schema import BUILTIN_SCALES, CODE_PATTERN, End, Option, Scale, Text

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
        #: what each LimeSurvey question (or subquestion) name stands for in conditions and piping
        self.resolvers: dict[str, Answered] = {}
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
            elif row.get("value") and row.get("attribute") not in self.attributes[row.get("qid", "")]:
                # a per-language attribute (LimeSurvey 3 writes some so) counts when no plain one is given
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
            for key in ("surveyls_title", "surveyls_description", "surveyls_welcometext", "surveyls_endtext",
                        "surveyls_url"):
                settings.put((key,), row.get("surveyls_language", ""), row.get(key, ""))
        title = self.draft.text(*settings.get(("surveyls_title",)), "survey title")
        if title is None:
            title = {"zh": self.draft.extras.get("id") or "导入的问卷", "en": self.source}
        description = self.draft.text(*settings.get(("surveyls_description",)), "survey description")
        welcome = self._welcome(settings)
        end = self._end(settings)
        self._note_survey_features()
        groups = sorted(self.groups.items(), key=lambda g: _int(g[1].get("group_order", "0")))
        page_ids = self.draft.extras.get("pages")
        if not isinstance(page_ids, list) or len(page_ids) != len(groups) or len(set(map(str, page_ids))) != \
                len(page_ids):
            page_ids = [f"g{n}" for n in range(1, len(groups) + 1)]
        self.page_ids = [str(p) for p in page_ids]
        for n, (gid, group) in enumerate(groups):
            self._read_group(gid, group, n)
        return self.draft.finish(title=title, description=description, languages=languages, welcome=welcome,
                                 end=end)

    def _welcome(self, settings: _Texts) -> dict[str, Any] | None:
        text = self.draft.text(*settings.get(("surveyls_welcometext",)), "welcome text")
        if text is None:
            return None
        welcome: dict[str, Any] = {"text": text}
        kept = self.draft.extras.get("welcome")
        if isinstance(kept, dict):
            welcome.update({key: kept[key] for key in ("minutes", "privacy") if key in kept})
        return welcome

    def _end(self, settings: _Texts) -> dict[str, Any] | None:
        end: dict[str, Any] = {}
        text = self.draft.text(*settings.get(("surveyls_endtext",)), "end text")
        if text is not None:
            end["text"] = text
        urls = [u for u in settings.get(("surveyls_url",)) if u]
        if urls:
            try:
                end["redirect"] = End(redirect=urls[-1]).redirect
            except ValueError:
                self.draft.note(f"survey: the end URL {urls[-1]!r} is not mapped (only http and https addresses)")
            else:
                if self.survey.get("autoredirect") != "Y":
                    self.draft.note("survey: the end URL was a link on the end page; it becomes a redirect")
        return end or None

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

    def _read_group(self, gid: str, group: Row, n: int) -> None:
        name = self.draft.text(*self.group_texts.get((gid, "name")), f"group {gid}") or {"zh": gid, "en": gid}
        page_id = self.page_ids[n]
        page: dict[str, Any] = {"id": page_id, "title": name, "items": []}
        logic = (self.draft.extras.get("page_logic") or {}).get(page_id)
        logic = logic if isinstance(logic, dict) else {}
        earlier = self.draft.earlier_scales()
        self.draft.pages.append(page)
        intro = self.draft.text(*self.group_texts.get((gid, "description")), f"group {name['en']!r} description")
        if intro is not None:
            page["intro"] = self._piped(intro, logic.get("texts") or {}, "intro", f"page {page_id}")
        expression = group.get("grelevance", "").strip()
        rules = None
        if logic.get("native") == expression:
            # unchanged since our export: the condition and skip rules it was written from
            show_if = self.draft.checked(f"page {page_id}", logic.get("show_if"), expression, earlier, read=False)
            rules = logic.get("skip_to")
        else:
            if logic.get("skip_to"):
                self.draft.note(f"page {page_id}: its condition was edited in LimeSurvey, so its skip rules are "
                                "not mapped (the condition is read as it stands)")
            show_if = self._parsed(expression, f"page {page_id}", earlier)
        if show_if is not None:
            page["show_if"] = show_if
        questions = [(qid, row) for qid, row in self._ordered_questions() if row.get("gid") == gid]
        groups = {self.attributes.get(qid, {}).get("random_group", "").strip() for qid, _ in questions}
        if groups and len(groups) == 1 and "" not in groups:
            page["randomize"] = True
        elif groups - {""}:
            self.draft.note(f"group {name['en']!r}: only some of its questions are shuffled; not mapped (a page "
                            "shuffles all its questions or none)")
        if group.get("randomization_group", "").strip():
            self.draft.note(f"group {name['en']!r}: shuffling the order of groups is not mapped")
        for qid, row in questions:
            self._read_question(page, qid, row)
        if isinstance(rules, list) and rules:
            self._skip_rules(page, rules, n)

    def _skip_rules(self, page: dict[str, Any], rules: list[Any], n: int) -> None:
        later = self.page_ids[n + 1:]
        kept = []
        earlier = self.draft.earlier_scales()
        for k, rule in enumerate(rules):
            if not isinstance(rule, dict) or rule.get("to") not in (*later, "end"):
                self.draft.note(f"page {page['id']}: skip rule {k + 1} does not go to a later page; not mapped")
                continue
            condition = self.draft.checked(f"page {page['id']}: skip rule {k + 1}", rule.get("if"), "(custom data)",
                                           earlier, read=False)
            if condition is not None:
                kept.append({"if": condition, "to": rule["to"]})
        if kept:
            page["skip_to"] = kept

    def _parsed(self, expression: str, where: str, earlier: dict[str, Scale]) -> dict[str, Any] | None:
        try:
            condition = read_condition(expression, self.resolvers.get)
        except ExpressionError as exc:
            self.draft.note(f"{where}: condition `{expression}` not mapped ({exc})")
            return None
        return self.draft.checked(where, condition, expression, earlier)

    def _piped(self, text: dict[str, str], kept: dict[str, Any], key: str, where: str) -> dict[str, str]:
        """A text with LimeSurvey's placeholders as ours (the custom data's text when the file is unchanged)."""
        native = kept.get(key, {}).get("native") if isinstance(kept.get(key), dict) else None
        if isinstance(native, dict):
            value = stored(kept, key, {lang: text[lang] for lang in native if lang in text})
            if isinstance(value, dict):
                return value
        allowed = {code for page in self.draft.pages[:-1] for code in (i["code"] for i in page["items"])}
        unit = self.draft.extras.get("unit") if isinstance(self.draft.extras.get("unit"), str) else None

        def resolve(name: str) -> tuple[str, Any] | None:
            found = self.resolvers.get(name)
            return (found.code, found.option) if found is not None else None

        out = {}
        for lang, value in text.items():
            out[lang], left = pipe_in(value, resolve, unit, allowed)
            for placeholder in left:
                self.draft.note(f"{where}: placeholder {placeholder} not mapped (only the answer of a question on an "
                                "earlier page, or the unit)")
        return out

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
        text = self.draft.text(*self.question_texts.get((qid,)), title)
        help_ = self.draft.text(*self.help_texts.get((qid,)), f"{title} help")
        required = row.get("mandatory") == "Y"
        if kind in "AB" or kind == "F":
            self._read_array(page, qid, row, text, help_, required)
            return
        extras = self._extras(qid)
        scale, values = self._scale(qid, row, extras)
        if scale is None:
            return
        code = self._code(str(extras.get("code", "")), title)
        texts = extras.get("texts") if isinstance(extras.get("texts"), dict) else {}
        if text is None:
            self.draft.note(f"{title}: no question text; its code is used")
        item: dict[str, Any] = {"code": code, "required": required,
                                "text": self._piped(text or {"zh": title, "en": title}, texts, "text", code)}
        if help_ is not None:
            item["help"] = self._piped(help_, texts, "help", code)
        show_if = self._show_if(qid, row, code, extras)
        if show_if is not None:
            item["show_if"] = show_if
        scale = self._randomized(qid, item, scale, extras, kind)
        self.draft.add_item(page, item, scale, extras, fallback_scale=f"{code.lower()}_answers")
        if kind == "M":
            for sub, value in values.items():
                self.resolvers[f"{title}_{sub}"] = Answered(code, "multiple", option=value)
        else:
            kinds = {"N": "numeric", "S": "text", "T": "text", "U": "text"}
            self.resolvers[title] = Answered(code, kinds.get(kind, "single"), values or None)

    def _randomized(self, qid: str, item: dict[str, Any], scale: Scale, extras: dict[str, Any], kind: str) -> Scale:
        """``random_order`` shuffles the options of a list or multiple choice (the item's, or its scale's)."""
        if self.attributes.get(qid, {}).get("random_order", "").strip() not in ("1", "Y"):
            return scale
        if kind not in ("L", "!", "M"):
            self.draft.note(f"{item['code']}: its random order is not mapped (only options of lists and multiple "
                            "choices are shuffled)")
            return scale
        where = extras.get("randomize_options")
        where = where if isinstance(where, list) and where else ["item"]
        if "item" in where:
            item["randomize_options"] = True
        return scale.model_copy(update={"randomize_options": True}) if "scale" in where else scale

    def _options(self, key_of: list[tuple[str, tuple[Any, ...]]], title: str,
                 values: dict[str, Any]) -> list[Option]:
        options = []
        for raw, key in key_of:
            value = values.get(raw, choice_value(raw))
            texts = self.question_texts.get(key[1:]) if key[0] == "sub" else self.answer_texts.get(key)
            label = self.draft.text(*texts, f"{title} answer {raw}")
            options.append(Option(value=value, label=Text(**(label or {"zh": str(raw), "en": str(raw)}))))
        return options

    def _list_answers(self, qid: str, title: str, mapping: dict[str, Any]) -> tuple[Scale, dict[str, Any]]:
        answers = sorted((a for a in self.answers.get(qid, []) if (a.get("scale_id") or "0") == "0"),
                         key=lambda a: _int(a.get("sortorder", "0")))
        keys = [(a.get("code", ""), (qid, "0", a.get("code", ""))) for a in answers]
        values = {raw: mapping.get(raw, choice_value(raw)) for raw, _ in keys}
        return Scale(kind="single", options=self._options(keys, title, values)), values

    def _scale(self, qid: str, row: Row, extras: dict[str, Any]) -> tuple[Scale | None, dict[str, Any]]:
        kind, title = row.get("type", ""), row.get("title", "")
        attributes = self.attributes.get(qid, {})
        mapping = extras.get("values") if isinstance(extras.get("values"), dict) else {}
        try:
            if kind in ("L", "!"):
                return self._list_answers(qid, title, mapping)
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
        """An array question as a matrix: each subquestion a row on the array's answers."""
        kind, title = row["type"], row.get("title", "")
        extras = self._extras(qid, "matrix")
        mapping = extras.get("values") if isinstance(extras.get("values"), dict) else {}
        if kind == "F":
            try:
                scale, values = self._list_answers(qid, title, mapping)
            except ValueError as exc:
                self.draft.note(f"{title}: its answers cannot be mapped ({str(exc).splitlines()[0]})")
                return
        else:
            top = 5 if kind == "A" else 10
            scale, values = Scale(kind="rating", min=1, max=top), {}
        subs = sorted(self.children.get(qid, []), key=lambda s: _int(s.get("question_order", "0")))
        if not subs:
            self.draft.note(f"{title}: an array without subquestions; not mapped")
            return
        wanted = str(extras.get("id", ""))
        matrix_id = wanted if CODE_PATTERN.match(wanted) and wanted not in page.get("matrices", {}) else title
        texts = extras.get("texts") if isinstance(extras.get("texts"), dict) else {}
        matrix: dict[str, Any] = {"text": self._piped(text or {"zh": title, "en": title}, texts, "text", title)}
        if help_ is not None:
            matrix["help"] = self._piped(help_, texts, "help", title)
        page.setdefault("matrices", {})[matrix_id] = matrix
        if self.attributes.get(qid, {}).get("random_order", "").strip() in ("1", "Y"):
            self.draft.note(f"{title}: shuffling the rows of an array is not mapped (a page shuffles its questions)")
        rows_extras = extras.get("rows") if isinstance(extras.get("rows"), list) else []
        if len(rows_extras) != len(subs):
            rows_extras = [{}] * len(subs)
        for sub, row_extras in zip(subs, rows_extras, strict=True):
            row_extras = row_extras if isinstance(row_extras, dict) else {}
            sub_qid = sub.get("qid", "")
            code = self._code(str(row_extras.get("code", "")), f"{title}_{sub.get('title', '')}")
            sub_text = self.draft.text(*self.question_texts.get((sub_qid,)), code) or {"zh": code, "en": code}
            row_texts = row_extras.get("texts") if isinstance(row_extras.get("texts"), dict) else {}
            item: dict[str, Any] = {"code": code, "text": self._piped(sub_text, row_texts, "text", code),
                                    "required": row_extras.get("required", required) is True, "matrix": matrix_id}
            if isinstance(row_extras.get("help"), dict):
                item["help"] = row_extras["help"]
            show_if = self._show_if(sub_qid, sub, code, row_extras)
            if show_if is not None:
                item["show_if"] = show_if
            row_scale = scale
            if isinstance(row_extras.get("randomize_options"), list):
                if "item" in row_extras["randomize_options"]:
                    item["randomize_options"] = True
                if "scale" in row_extras["randomize_options"]:
                    row_scale = scale.model_copy(update={"randomize_options": True})
            self.draft.add_item(page, item, row_scale, row_extras, fallback_scale=f"{title.lower()}_answers")
            self.resolvers[f"{title}_{sub.get('title', '')}"] = Answered(code, "single", values or None)

    # -- conditions --------------------------------------------------------------------------------------
    def _show_if(self, qid: str, row: Row, code: str, extras: dict[str, Any]) -> dict[str, Any] | None:
        expression = (row.get("relevance") or "").strip()
        earlier = self.draft.earlier_scales()
        kept = stored(extras, "show_if", expression)
        if kept is not None:
            return self.draft.checked(code, kept, expression, earlier, read=False)
        if expression in ("", "1"):
            return self._from_conditions(qid, code)
        return self._parsed(expression, code, earlier)

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
        ref = ""
        for condition in found:
            raw = condition.get("value", "")
            resolver = self.resolvers.get(f"{title}_{raw}" if source.get("type") == "M" else title)
            if resolver is None:
                self.draft.note(f"{code}: condition ({described}) on {title!r} not mapped")
                return None
            ref = resolver.code
            if resolver.option is not None:
                values.append(resolver.option)
            else:
                values.append((resolver.values or {}).get(raw, choice_value(raw)))
        return self.draft.condition(code, ref, list(dict.fromkeys(values)), f"{title} == {found[0].get('value')}")


def import_lss(filename: str, data: bytes) -> Imported:
    """Read a LimeSurvey structure file (.lss)."""
    return LssReader(filename, data).read()
