"""Writing an instrument as a LimeSurvey structure file (.lss) in the LimeSurvey 5 layout (l10n tables)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - builds XML, parses nothing
import zlib
from typing import Any

from instruments.interchange.base import EXTRAS_KEY, Exported, instrument_extras, item_extras
from instruments.interchange.lss_common import (
    DB_VERSION,
    LS_ANSWER_CODE,
    LS_LANGUAGE,
    LS_SUBQUESTION_CODE,
    ls_codes,
    relevance,
    text_to_html,
)
from instruments.schema import BUILTIN_SCALES, POINT_KINDS, Instrument, Item, Scale, Text

QUESTION_COLUMNS = ("qid", "parent_qid", "sid", "gid", "type", "title", "preg", "other", "mandatory", "encrypted",
                    "question_order", "scale_id", "same_default", "relevance", "question_theme_name", "modulename",
                    "same_script")
#: LimeSurvey's question theme of each type written.
THEMES = {"L": "listradio", "M": "multiplechoice", "N": "numerical", "S": "shortfreetext", "T": "longfreetext",
          "Y": "yesno"}
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
        self.values: dict[str, dict[str, str]] = {}  # item code -> option value (as text) -> LimeSurvey code
        self.tables: dict[str, list[dict[str, Any]]] = {name: [] for name in (
            "answers", "answer_l10ns", "groups", "group_l10ns", "questions", "subquestions", "question_l10ns",
            "question_attributes")}
        self.next_id = {"qid": 0, "aid": 0, "l10n": 0}

    def _id(self, kind: str) -> int:
        self.next_id[kind] += 1
        return self.next_id[kind]

    def _codes(self) -> dict[str, str]:
        codes: dict[str, str] = {}
        taken: set[str] = set()
        for item in self.instrument.items:
            base = re.sub(r"[^A-Za-z0-9]", "", item.code) or "Q"
            code, n = base, 2
            while code.lower() in taken:
                code, n = f"{base}{n}", n + 1
            taken.add(code.lower())
            codes[item.code] = code
            if code != item.code:
                self.not_mapped.append(f"{item.code}: its LimeSurvey code is {code} (LimeSurvey codes have only "
                                       "letters and digits); the import restores it")
        return codes

    def _l10n(self, table: str, key: str, key_value: int, text: Text | None, column: str,
              extra: dict[str, Text | None] | None = None) -> None:
        for lang, ls_lang in zip(self.langs, self.languages, strict=True):
            row: dict[str, Any] = {"id": self._id("l10n"), key: key_value, "language": ls_lang,
                                   column: text_to_html(text.get(lang)) if text is not None else ""}
            for name, value in (extra or {}).items():
                row[name] = text_to_html(value.get(lang)) if value is not None else ""
            self.tables[table].append(row)

    # -- the document -------------------------------------------------------------------------------------
    def write(self) -> Exported:
        """The .lss file and what of the instrument LimeSurvey does not hold."""
        first = True
        for order, page in enumerate(self.instrument.pages, start=1):
            gid = order
            self.tables["groups"].append({"gid": gid, "sid": self.sid, "group_order": order,
                                          "randomization_group": "", "grelevance": ""})
            self._l10n("group_l10ns", "gid", gid, page.title, "group_name", {"description": None})
            for position, item in enumerate(page.items, start=1):
                self._question(item, gid, position, with_instrument=first)
                first = False
        point_items = [i.code for i in self.instrument.items if self.instrument.scale_of(i).kind in POINT_KINDS]
        if point_items:
            self.not_mapped.append("likert, rating and NPS questions are written as list (radio) questions with one "
                                   f"answer per point ({len(point_items)} questions); the import restores them")
        self.not_mapped.append(f"roles, constructs, paths and scale names are kept in the question attribute "
                               f"{EXTRAS_KEY!r}, which LimeSurvey keeps but does not use")
        return Exported(data=self._document(), suffix=".lss", media_type="application/xml",
                        not_mapped=self.not_mapped)

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
        _table(root, "surveys", ("sid", "gsid", "admin", "active", "anonymized", "format", "template", "language",
                                 "additional_languages", "datestamp", "ipaddr", "refurl", "allowprev", "showwelcome",
                                 "showprogress", "questionindex"),
               [{"sid": self.sid, "gsid": 1, "admin": "", "active": "N", "anonymized": "N", "format": "G",
                 "template": "vanilla", "language": self.languages[0],
                 "additional_languages": " ".join(self.languages[1:]), "datestamp": "N", "ipaddr": "N",
                 "refurl": "N", "allowprev": "Y", "showwelcome": "Y", "showprogress": "Y", "questionindex": 0}])
        settings = []
        for lang, ls_lang in zip(self.langs, self.languages, strict=True):
            description = self.instrument.description
            settings.append({"surveyls_survey_id": self.sid, "surveyls_language": ls_lang,
                             "surveyls_title": text_to_html(self.instrument.title.get(lang)),
                             "surveyls_description": text_to_html(description.get(lang)) if description else "",
                             "surveyls_welcometext": "", "surveyls_endtext": ""})
        _table(root, "surveys_languagesettings", ("surveyls_survey_id", "surveyls_language", "surveyls_title",
                                                  "surveyls_description", "surveyls_welcometext",
                                                  "surveyls_endtext"), settings)
        ET.indent(root, space=" ")
        return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"

    # -- one question -------------------------------------------------------------------------------------
    def _question(self, item: Item, gid: int, position: int, *, with_instrument: bool) -> None:
        scale = self.instrument.scale_of(item)
        kind = self._type(scale)
        qid = self._id("qid")
        row = {"qid": qid, "parent_qid": 0, "sid": self.sid, "gid": gid, "type": kind,
               "title": self.codes[item.code], "preg": "", "other": "N", "mandatory": "Y" if item.required else "N",
               "encrypted": "N", "question_order": position, "scale_id": 0, "same_default": 0,
               "relevance": self._relevance(item), "question_theme_name": THEMES[kind], "modulename": "",
               "same_script": 0}
        self.tables["questions"].append(row)
        self._l10n("question_l10ns", "qid", qid, item.text, "question", {"help": item.help})
        extras: dict[str, Any] = {"item": item_extras(self.instrument, item.code)}
        if with_instrument:
            extras["instrument"] = instrument_extras(self.instrument)
        if kind in ("L", "M"):
            values = [str(v) for v in scale.values()]
            pattern = LS_ANSWER_CODE if kind == "L" else LS_SUBQUESTION_CODE
            codes = ls_codes(values, pattern, "A" if kind == "L" else "SQ")
            self.values[item.code] = dict(zip(values, codes, strict=True))
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
                self._subquestions(row, codes, labels)
        attributes = {EXTRAS_KEY: json.dumps(extras, ensure_ascii=False)}
        if kind == "N":
            attributes["num_value_int_only"] = "1"
            if scale.min is not None:
                attributes["min_num_value_n"] = str(scale.min)
            if scale.max is not None:
                attributes["max_num_value_n"] = str(scale.max)
        if kind in ("S", "T"):
            attributes["maximum_chars"] = str(scale.max_length)
        for name, value in attributes.items():
            self.tables["question_attributes"].append({"qid": qid, "attribute": name, "value": value,
                                                       "language": ""})

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

    def _subquestions(self, parent: dict[str, Any], codes: list[str], labels: list[Text]) -> None:
        for order, (code, label) in enumerate(zip(codes, labels, strict=True), start=1):
            qid = self._id("qid")
            self.tables["subquestions"].append({**parent, "qid": qid, "parent_qid": parent["qid"], "title": code,
                                                "question_order": order, "relevance": "1", "mandatory": ""})
            self._l10n("question_l10ns", "qid", qid, label, "question", {"help": None})

    def _relevance(self, item: Item) -> str:
        if item.show_if is None:
            return "1"
        ref = self.instrument.item(item.show_if.item)
        scale = self.instrument.scale_of(ref)
        kind, code = self._type(scale), self.codes[ref.code]
        if kind == "Y":
            return relevance([(code, "Y" if int(v) == 1 else "N", False) for v in item.show_if.in_])
        if kind == "N":
            return relevance([(code, str(v), True) for v in item.show_if.in_])
        values = self.values[ref.code]
        if kind == "M":
            return relevance([(f"{code}_{values[str(v)]}", "Y", False) for v in item.show_if.in_])
        return relevance([(code, values[str(v)], False) for v in item.show_if.in_])


def export_lss(instrument: Instrument) -> Exported:
    """Write ``instrument`` as a LimeSurvey structure file."""
    return LssWriter(instrument).write()
