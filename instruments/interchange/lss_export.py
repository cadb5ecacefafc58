"""Writing an instrument as a LimeSurvey structure file (.lss) in the LimeSurvey 5 layout (l10n tables)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - builds XML, parses nothing
import zlib
from typing import Any

from instruments import piping
from instruments.interchange.base import EXTRAS_KEY, Exported, instrument_extras, item_extras
from instruments.interchange.lss_common import (
    DB_VERSION,
    LS_ANSWER_CODE,
    LS_LANGUAGE,
    LS_SUBQUESTION_CODE,
    ls_codes,
    text_to_html,
)
from instruments.interchange.lss_logic import (
    UNIT_ATTRIBUTE,
    LsQuestion,
    Unwritable,
    page_relevance,
    pipe_out,
    write_condition,
)
from instruments.schema import BUILTIN_SCALES, POINT_KINDS, Instrument, Item, Page, Scale, Text, texts_below

QUESTION_COLUMNS = ("qid", "parent_qid", "sid", "gid", "type", "title", "preg", "other", "mandatory", "encrypted",
                    "question_order", "scale_id", "same_default", "relevance", "question_theme_name", "modulename",
                    "same_script")
#: LimeSurvey's question theme of each type written.
THEMES = {"F": "arrays/array", "L": "listradio", "M": "multiplechoice", "N": "numerical", "S": "shortfreetext",
          "T": "longfreetext", "Y": "yesno"}
#: Longest text answer LimeSurvey keeps in a short free text on every database (255 on PostgreSQL).
SHORT_TEXT_MAX = 255


def _table(root: ET.Element, name: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    element = ET.SubElement(root, name)
    fields = ET.SubElement(element, "fields")
    for column in columns:
        ET.SubElement(fields, "fieldname").text = column
    body = ET.SubElement(element, "rows")
    for row in rows:
        row_element = ET.SubElement(body, "row")
        for column in columns:
            if column in row:
                ET.SubElement(row_element, column).text = str(row[column])



class LssWriter:
    """One instrument being written; :meth:`write` returns the file."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.languages = [LS_LANGUAGE[lang] for lang in instrument.languages]
        self.langs = list(instrument.languages)
        self.sid = 100000 + zlib.crc32(instrument.id.encode()) % 900000
        self.not_mapped: list[str] = []
        self.codes = self._codes()
        self.questions = self._questions()
        self.tables: dict[str, list[dict[str, Any]]] = {name: [] for name in (
            "answers", "answer_l10ns", "groups", "group_l10ns", "questions", "subquestions", "question_l10ns",
            "question_attributes")}
        self.next_id = {"qid": 0, "aid": 0, "l10n": 0}

    def _id(self, kind: str) -> int:
        self.next_id[kind] += 1
        return self.next_id[kind]

    def _unique(self, wanted: str, taken: set[str]) -> str:
        base = re.sub(r"[^A-Za-z0-9]", "", wanted) or "Q"
        if not base[0].isalpha():
            base = "Q" + base
        code, n = base, 2
        while code.lower() in taken:
            code, n = f"{base}{n}", n + 1
        taken.add(code.lower())
        return code

    def _codes(self) -> dict[str, str]:
        """LimeSurvey question codes: of each item outside a matrix, and of each matrix (``<page id>/<matrix>``)."""
        codes: dict[str, str] = {}
        taken: set[str] = set()
        for page in self.instrument.pages:
            for item in page.items:
                if item.matrix is not None:
                    key = f"{page.id}/{item.matrix}"
                    if key not in codes:
                        codes[key] = self._unique(item.matrix, taken)
                    continue
                codes[item.code] = self._unique(item.code, taken)
                if codes[item.code] != item.code:
                    self.not_mapped.append(f"{item.code}: its LimeSurvey code is {codes[item.code]} (LimeSurvey "
                                           "codes have only letters and digits); the import restores it")
        return codes

    def _questions(self) -> dict[str, LsQuestion]:
        """How expressions name each item and read its answers."""
        questions: dict[str, LsQuestion] = {}
        for page in self.instrument.pages:
            rows = [i.code for i in page.items if i.matrix is not None]
            wanted = [re.sub(r"[^A-Za-z0-9]", "", code) for code in rows]
            subcodes = dict(zip(rows, ls_codes(wanted, LS_SUBQUESTION_CODE, "SQ"), strict=True))
            for item in page.items:
                scale = self.instrument.scale_of(item)
                kind = "L" if item.matrix is not None else self._type(scale)
                codes: dict[str, str] = {}
                if kind in ("L", "M"):
                    values = [str(v) for v in scale.values()]
                    pattern = LS_ANSWER_CODE if kind == "L" else LS_SUBQUESTION_CODE
                    codes = dict(zip(values, ls_codes(values, pattern, "A" if kind == "L" else "SQ"), strict=True))
                name = (f"{self.codes[f'{page.id}/{item.matrix}']}_{subcodes[item.code]}" if item.matrix is not None
                        else self.codes[item.code])
                labels = {str(o.value): o.label for o in scale.options}
                questions[item.code] = LsQuestion(name=name, kind=kind, codes=codes, labels=labels)
        return questions

    def _l10n(self, table: str, key: str, key_value: int, text: Text | None, column: str,
              extra: dict[str, Text | None] | None = None) -> None:
        for lang, ls_lang in zip(self.langs, self.languages, strict=True):
            row: dict[str, Any] = {"id": self._id("l10n"), key: key_value, "language": ls_lang,
                                   column: self._html(text, lang)}
            for name, value in (extra or {}).items():
                row[name] = self._html(value, lang)
            self.tables[table].append(row)

    def _html(self, text: Text | None, lang: str) -> str:
        return text_to_html(pipe_out(text.get(lang), lang, self.questions)) if text is not None else ""

    def _piped(self, texts: dict[str, Text | None]) -> dict[str, Any]:
        """Texts with placeholders, kept as custom data beside the LimeSurvey form they were written as."""
        kept = {}
        for key, text in texts.items():
            if text is not None and any(piping.has_placeholders(text.get(lang)) for lang in self.langs):
                kept[key] = {"value": text.model_dump(mode="json"),
                             "native": {lang: pipe_out(text.get(lang), lang, self.questions) for lang in self.langs}}
        return kept

    # -- the document -------------------------------------------------------------------------------------
    def write(self) -> Exported:
        """The .lss file and what of the instrument LimeSurvey does not hold."""
        self.relevance, notes = page_relevance(self.instrument, self.questions)
        self.not_mapped.extend(notes)
        first = True
        for order, page in enumerate(self.instrument.pages, start=1):
            gid = order
            self.tables["groups"].append({"gid": gid, "sid": self.sid, "group_order": order,
                                          "randomization_group": "", "grelevance": self.relevance[order - 1]})
            self._l10n("group_l10ns", "gid", gid, page.title, "group_name", {"description": page.intro})
            position = 0
            for item in page.items:
                if item.matrix is not None and item is not next(i for i in page.items if i.matrix == item.matrix):
                    continue
                position += 1
                if item.matrix is not None:
                    self._matrix(page, item.matrix, gid, position, with_instrument=first)
                else:
                    self._question(page, item, gid, position, with_instrument=first)
                first = False
        self._notes()
        return Exported(data=self._document(), suffix=".lss", media_type="application/xml",
                        not_mapped=self.not_mapped)

    def _notes(self) -> None:
        instrument = self.instrument
        point_items = [i.code for i in instrument.items if instrument.scale_of(i).kind in POINT_KINDS
                       and i.matrix is None]
        if point_items:
            self.not_mapped.append("likert, rating and NPS questions are written as list (radio) questions with one "
                                   f"answer per point ({len(point_items)} questions); the import restores them")
        if any(p.skip_to for p in instrument.pages):
            self.not_mapped.append("skip rules: LimeSurvey has no skip; each is written into the relevance of the "
                                   "pages it skips (and of all later pages for a skip to the end); the import "
                                   "restores the rules")
        if instrument.welcome is not None and (instrument.welcome.minutes or instrument.welcome.privacy):
            self.not_mapped.append("welcome: the estimated time and the privacy notice have no place in "
                                   f"LimeSurvey's welcome page; kept in the custom data {EXTRAS_KEY!r}")
        if self._pipes_unit():
            self.not_mapped.append(f"{{{{unit}}}} is written as {{TOKEN:{UNIT_ATTRIBUTE}}}: fill participant "
                                   f"attribute {UNIT_ATTRIBUTE[-1]} with each invitee's unit name in LimeSurvey")
        self.not_mapped.append(f"roles, constructs, paths and scale names are kept in the question attribute "
                               f"{EXTRAS_KEY!r}, which LimeSurvey keeps but does not use")

    def _pipes_unit(self) -> bool:
        return piping.pipes_unit((text for _, text in texts_below(self.instrument)), self.langs)

    def _instrument_extras(self) -> dict[str, Any]:
        instrument = self.instrument
        data = instrument_extras(instrument)
        logic = {}
        for page, relevance in zip(instrument.pages, self.relevance, strict=True):
            if page.show_if is not None or page.skip_to or relevance != "1":
                logic[page.id] = {"native": relevance, **page.model_dump(
                    mode="json", by_alias=True, exclude_none=True, include={"show_if", "skip_to"})}
            texts = self._piped({"intro": page.intro})
            if texts:
                logic.setdefault(page.id, {})["texts"] = texts
        if logic:
            data["page_logic"] = logic
        welcome = instrument.welcome
        if welcome is not None and (welcome.minutes or welcome.privacy):
            data["welcome"] = welcome.model_dump(mode="json", exclude_none=True, include={"minutes", "privacy"})
        if self._pipes_unit():
            data["unit"] = UNIT_ATTRIBUTE
        return data

    def _document(self) -> bytes:
        root = ET.Element("document")
        ET.SubElement(root, "LimeSurveyDocType").text = "Survey"
        ET.SubElement(root, "DBVersion").text = str(DB_VERSION)
        languages = ET.SubElement(root, "languages")
        for ls_lang in self.languages:
            ET.SubElement(languages, "language").text = ls_lang
        t = self.tables
        _table(root, "answers", ("aid", "qid", "code", "sortorder", "assessment_value", "scale_id"), t["answers"])
        _table(root, "answer_l10ns", ("id", "aid", "answer", "language"), t["answer_l10ns"])
        _table(root, "groups", ("gid", "sid", "group_order", "randomization_group", "grelevance"), t["groups"])
        _table(root, "group_l10ns", ("id", "gid", "group_name", "description", "language"), t["group_l10ns"])
        _table(root, "questions", QUESTION_COLUMNS, t["questions"])
        _table(root, "subquestions", QUESTION_COLUMNS, t["subquestions"])
        _table(root, "question_l10ns", ("id", "qid", "question", "help", "language"), t["question_l10ns"])
        _table(root, "question_attributes", ("qid", "attribute", "value", "language"), t["question_attributes"])
        welcome, end = self.instrument.welcome, self.instrument.end
        redirect = end.redirect if end is not None else None
        _table(root, "surveys", ("sid", "gsid", "admin", "active", "anonymized", "format", "template", "language",
                                 "additional_languages", "datestamp", "ipaddr", "refurl", "allowprev", "showwelcome",
                                 "showprogress", "questionindex", "autoredirect"),
               [{"sid": self.sid, "gsid": 1, "admin": "", "active": "N", "anonymized": "N", "format": "G",
                 "template": "vanilla", "language": self.languages[0],
                 "additional_languages": " ".join(self.languages[1:]), "datestamp": "N", "ipaddr": "N",
                 "refurl": "N", "allowprev": "Y", "showwelcome": "Y" if welcome is not None else "N",
                 "showprogress": "Y", "questionindex": 0, "autoredirect": "Y" if redirect else "N"}])
        settings = []
        for lang, ls_lang in zip(self.langs, self.languages, strict=True):
            description = self.instrument.description
            settings.append({"surveyls_survey_id": self.sid, "surveyls_language": ls_lang,
                             "surveyls_title": text_to_html(self.instrument.title.get(lang)),
                             "surveyls_description": text_to_html(description.get(lang)) if description else "",
                             "surveyls_welcometext": text_to_html(welcome.text.get(lang)) if welcome else "",
                             "surveyls_endtext": text_to_html(end.text.get(lang)) if end and end.text else "",
                             "surveyls_url": redirect or ""})
        _table(root, "surveys_languagesettings", ("surveyls_survey_id", "surveyls_language", "surveyls_title",
                                                  "surveyls_description", "surveyls_welcometext",
                                                  "surveyls_endtext", "surveyls_url"), settings)
        ET.indent(root, space=" ")
        return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"

    # -- one question -------------------------------------------------------------------------------------
    def _row(self, qid: int, gid: int, kind: str, code: str, position: int, required: bool, relevance: str
             ) -> dict[str, Any]:
        return {"qid": qid, "parent_qid": 0, "sid": self.sid, "gid": gid, "type": kind, "title": code, "preg": "",
                "other": "N", "mandatory": "Y" if required else "N", "encrypted": "N", "question_order": position,
                "scale_id": 0, "same_default": 0, "relevance": relevance, "question_theme_name": THEMES[kind],
                "modulename": "", "same_script": 0}

    def _condition(self, item: Item) -> tuple[str, dict[str, Any]]:
        """The relevance equation of an item and its custom data (the condition beside the equation it became)."""
        if item.show_if is None:
            return "1", {}
        try:
            written = write_condition(item.show_if, self.questions)
        except Unwritable as exc:
            self.not_mapped.append(f"{item.code}: its condition is not written ({exc}); LimeSurvey shows the "
                                   "question always; the import restores the condition")
            written = "1"
        return written, {"show_if": {"value": item.show_if.model_dump(mode="json", by_alias=True),
                                     "native": written}}

    def _question(self, page: Page, item: Item, gid: int, position: int, *, with_instrument: bool) -> None:
        scale = self.instrument.scale_of(item)
        kind = self._type(scale)
        qid = self._id("qid")
        relevance, condition = self._condition(item)
        row = self._row(qid, gid, kind, self.codes[item.code], position, item.required, relevance)
        self.tables["questions"].append(row)
        self._l10n("question_l10ns", "qid", qid, item.text, "question", {"help": item.help})
        extras: dict[str, Any] = {"item": {**item_extras(self.instrument, item.code), **condition}}
        texts = self._piped({"text": item.text, "help": item.help})
        if texts:
            extras["item"]["texts"] = texts
        if with_instrument:
            extras["instrument"] = self._instrument_extras()
        attributes = {}
        if kind in ("L", "M"):
            codes = list(self.questions[item.code].codes.values())
            renamed = {c: v for v, c in zip(scale.values(), codes, strict=True) if str(v) != c}
            if renamed:
                extras["item"]["values"] = renamed
                if item.scale not in BUILTIN_SCALES:
                    self.not_mapped.append(f"{item.code}: answer values {', '.join(map(repr, renamed.values()))} "
                                           "have LimeSurvey codes " + ", ".join(renamed) + "; the import restores them")
            labels = self._labels(scale)
            if kind == "L":
                self._answers(qid, codes, labels)
            else:
                self._subquestions(row, codes, labels, [None] * len(codes))
            if item.randomize_options or scale.randomize_options:
                attributes["random_order"] = "1"
                extras["item"]["randomize_options"] = [name for name, on in (
                    ("item", item.randomize_options), ("scale", scale.randomize_options)) if on]
        if page.randomize:
            attributes["random_group"] = f"page{gid}"
        attributes[EXTRAS_KEY] = json.dumps(extras, ensure_ascii=False)
        if kind == "N":
            attributes["num_value_int_only"] = "1"
            if scale.min is not None:
                attributes["min_num_value_n"] = str(scale.min)
            if scale.max is not None:
                attributes["max_num_value_n"] = str(scale.max)
        if kind in ("S", "T"):
            attributes["maximum_chars"] = str(scale.max_length)
        self._attributes(qid, attributes)

    def _attributes(self, qid: int, attributes: dict[str, str]) -> None:
        for name, value in attributes.items():
            self.tables["question_attributes"].append({"qid": qid, "attribute": name, "value": value,
                                                       "language": ""})

    def _matrix(self, page: Page, name: str, gid: int, position: int, *, with_instrument: bool) -> None:
        """A matrix as an array question (type F): its rows the subquestions, the scale's answers the columns."""
        rows = [item for item in page.items if item.matrix == name]
        matrix = page.matrices[name]
        scale = self.instrument.scale_of(rows[0])
        qid = self._id("qid")
        required = all(item.required for item in rows)
        if not required and any(item.required for item in rows):
            self.not_mapped.append(f"matrix {name}: LimeSurvey makes all rows of an array mandatory or none; written "
                                   "as optional; the import restores which rows are required")
        row = self._row(qid, gid, "F", self.codes[f"{page.id}/{name}"], position, required, "1")
        self.tables["questions"].append(row)
        self._l10n("question_l10ns", "qid", qid, matrix.text, "question", {"help": matrix.help})
        first = self.questions[rows[0].code]
        self._answers(qid, list(first.codes.values()), self._labels(scale))
        relevances, extras_rows = [], []
        for item in rows:
            relevance, condition = self._condition(item)
            relevances.append(relevance)
            data = {**item_extras(self.instrument, item.code), **condition, "required": item.required}
            texts = self._piped({"text": item.text})
            if texts:
                data["texts"] = texts
            if item.help is not None:
                data["help"] = item.help.model_dump(mode="json")
                self.not_mapped.append(f"{item.code}: a row of an array has no help text in LimeSurvey; kept in the "
                                       f"custom data {EXTRAS_KEY!r}")
            if item.randomize_options or scale.randomize_options:
                self.not_mapped.append(f"{item.code}: LimeSurvey shuffles the rows of an array, not its answers; "
                                       "written in order")
                data["randomize_options"] = [n for n, on in (("item", item.randomize_options),
                                                             ("scale", scale.randomize_options)) if on]
            extras_rows.append(data)
        subcodes = [self.questions[item.code].name.rsplit("_", 1)[1] for item in rows]
        self._subquestions(row, subcodes, [item.text for item in rows], relevances)
        values = list(first.codes.values())
        renamed = {c: v for v, c in zip(scale.values(), values, strict=True) if str(v) != c}
        extras: dict[str, Any] = {"matrix": {"id": name, "page": page.id, "rows": extras_rows}}
        if renamed:
            extras["matrix"]["values"] = renamed
        texts = self._piped({"text": matrix.text, "help": matrix.help})
        if texts:
            extras["matrix"]["texts"] = texts
        if with_instrument:
            extras["instrument"] = self._instrument_extras()
        attributes = {EXTRAS_KEY: json.dumps(extras, ensure_ascii=False)}
        if page.randomize:
            attributes["random_group"] = f"page{gid}"
        self._attributes(qid, attributes)

    @staticmethod
    def _type(scale: Scale) -> str:
        if scale == BUILTIN_SCALES["yesno"]:
            return "Y"
        if scale.kind in (*POINT_KINDS, "single"):
            return "L"
        if scale.kind == "multiple":
            return "M"
        if scale.kind == "numeric":
            return "N"
        return "S" if scale.max_length <= SHORT_TEXT_MAX else "T"

    @staticmethod
    def _labels(scale: Scale) -> list[Text]:
        if scale.kind in POINT_KINDS:
            return [scale.anchors.get(p) or Text(zh=str(p), en=str(p)) for p in scale.points()]
        return [option.label for option in scale.options]

    def _answers(self, qid: int, codes: list[str], labels: list[Text]) -> None:
        for order, (code, label) in enumerate(zip(codes, labels, strict=True), start=1):
            aid = self._id("aid")
            self.tables["answers"].append({"aid": aid, "qid": qid, "code": code, "sortorder": order,
                                           "assessment_value": 0, "scale_id": 0})
            self._l10n("answer_l10ns", "aid", aid, label, "answer")

    def _subquestions(self, parent: dict[str, Any], codes: list[str], labels: list[Text],
                      relevances: list[str | None]) -> None:
        for order, (code, label, relevance) in enumerate(zip(codes, labels, relevances, strict=True), start=1):
            qid = self._id("qid")
            self.tables["subquestions"].append({**parent, "qid": qid, "parent_qid": parent["qid"], "title": code,
                                                "question_order": order, "relevance": relevance or "1",
                                                "mandatory": ""})
            self._l10n("question_l10ns", "qid", qid, label, "question", {"help": None})


def export_lss(instrument: Instrument) -> Exported:
    """Write ``instrument`` as a LimeSurvey structure file."""
    return LssWriter(instrument).write()
