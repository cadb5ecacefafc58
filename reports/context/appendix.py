"""The appendix: methods in brief (with the confidentiality rule), data, measurement, caveats."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from reports.context.base import BuilderBase, column_chunks
from reports.context.format import (
    _int,
    _num,
    _ok,
)
from reports.context.rules import (
    DASH,
    KMO_WORDS,
    TABLE_COLUMNS,
)
from reports.warnings_zh import translate as warning_zh

#: a quoted name in a warning: 'PAY1' in English, “PAY1” in Chinese
QUOTED = re.compile(r"(['“])([^'“”]{1,200})(['”])")
#: a Chinese character (a name stored in Chinese, shown in an English report under its English label)
CJK = re.compile("[\u4e00-\u9fff]")
#: a number in a warning (counts, thresholds)
NUMBER = re.compile(r"\d+(?:\.\d+)?")
#: words of the warnings (written for customers) that name groups of employees otherwise
EMPLOYEE_WORDS = {
    "en": [("mercenaries", "employees satisfied but leaving"), ("mercenary", "employee satisfied but leaving"),
           ("loyalists", "engaged employees"), ("loyalist", "engaged employee"), ("Segments", "Groups"),
           ("customers", "employees"), ("customer", "employee")],
    "zh": [("唯利是图者", "满意但想离开的员工"), ("忠诚者", "投入的员工"), ("客户细分", "员工分组"), ("客户", "员工")],
}


def grouped(lines: list[str], lang: str) -> list[str]:
    """One line per kind of caveat: warnings that differ only in the one name they quote (and in one number)
    become one line naming them all, in the first one's place: "Only 22 respondents rated 'A', 'B' and 'C' in
    their low boxes ...", "Stage 'x', 'y': only 29-79 respondents ..."."""
    kinds: dict[str, list[tuple[str, str | None]]] = {}
    for line in lines:
        quoted = QUOTED.findall(line)
        if len(quoted) != 1:
            kinds.setdefault("\x01" + line, []).append((line, None))
            continue
        key = QUOTED.sub("\x00", line, count=1)
        numbers = NUMBER.findall(key)
        number = numbers[0] if len(numbers) == 1 else None
        if number is not None:
            key = NUMBER.sub("\x02", key, count=1)
        kinds.setdefault(key, []).append((quoted[0][1], number))
    out = []
    for key, members in kinds.items():
        if key.startswith("\x01"):
            out.append(key[1:])
            continue
        names = [_quote(name, lang) for name, _ in members]
        line = key.replace("\x00", ("、" if lang == "zh" else ", ").join(names))
        values = sorted({float(number) for _, number in members if number is not None})
        if "\x02" in line:
            shown = [_plain(v) for v in values]
            line = line.replace("\x02", shown[0] if len(shown) == 1 else f"{shown[0]}–{shown[-1]}")
        out.append(line)
    return out


def _plain(value: float) -> str:
    return f"{value:g}"


def _quote(name: str, lang: str) -> str:
    return f"“{name}”" if lang == "zh" else f"'{name}'"


class AppendixSection(BuilderBase):
    """The appendix (a part of the report context's builder)."""

    def methods(self) -> list[str]:
        """The methods in brief, with the confidentiality rule an anonymous survey's report was made under."""
        lines = self.t("methods").split("|")
        disclosure = self.meta.get("disclosure") or {}
        if disclosure.get("anonymous"):
            lines.append(self.t("methods_disclosure", k=_int(disclosure.get("k")),
                                release=_int(disclosure.get("release"))))
            if disclosure.get("held_back"):
                lines.append(self.t("methods_held_back", n=_int(disclosure["held_back"])))
        if (self.result.get("groups") or {}).get("rollup"):
            lines.append(self.t("methods_rollup"))
        if self.result.get("bootstrap_subsample"):
            lines.append(self.t("methods_bootstrap_sample", n=_int(self.result.get("n_used")),
                                rows=_int(self.result["bootstrap_subsample"])))
        if (_ok(self.result.get("pls")) or {}).get("total_effects"):
            lines.append(self.t("methods_ipma"))
        weights = self.result.get("weights")
        if weights:
            lines.append(self.t("methods_weights", column=self.label(weights["column"]),
                                n_eff=_num(weights.get("n_eff"), 0)))
        model_groups = self.model_groups_methods()
        if model_groups:
            lines.append(model_groups)
        recovery = self.recovery_methods()
        if recovery:
            lines.append(recovery)
        comments = self.text_methods()
        if comments:
            lines.append(comments)
        return lines

    def appendix(self, pls: Mapping[str, Any] | None) -> dict[str, Any]:
        constructs = self.result.get("constructs") or {}
        pls = pls or {}
        rows = [{
            "label": self.label(name),
            "items": str(len(block.get("items") or [])),
            "n": _int(block.get("n")),
            "alpha": _num(block.get("alpha"), 3),
            "omega": _num(block.get("omega"), 3),
            "rho_c": _num((pls.get("rho_c") or {}).get(name), 3),
            "ave": _num((pls.get("ave") or {}).get(name), 3),
        } for name, block in constructs.items()]
        return {"intro": self.t("measurement_intro"), "constructs": rows, "htmt": self.htmt(pls.get("htmt") or {}),
                "efa": self.efa(), "data": self.data_line(),
                "warnings": self.warnings(self.result.get("warnings") or [])}

    def htmt(self, htmt: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
        """The lower triangle of the HTMT matrix, in tables of at most TABLE_COLUMNS columns that fit the page;
        each table has the rows below its first column's diagonal."""
        names = list(htmt)
        if len(names) < 2:
            return None
        order = {name: index for index, name in enumerate(names)}
        tables = []
        for chunk in column_chunks(names[:-1], TABLE_COLUMNS):
            rows = [{"label": self.label(a),
                     "cells": [_num(htmt[a].get(b), 2) if order[b] < order[a] else "" for b in chunk]}
                    for a in names[order[chunk[0]] + 1:]]
            tables.append({"header": [self.label(b) for b in chunk], "rows": rows})
        return {"tables": tables}

    def warnings(self, sentences: Sequence[str]) -> list[str]:
        """The analysis's warnings (English sentences) in the report's language.

        Warnings that name a suppressed group ("Group 'IT' has only 3 answers") would give away its size, so
        they are left out.
        """
        if self.hidden_anywhere:
            names = [(f"'{group}'", f", {group})", f"({group})") for group in self.hidden_anywhere]
            sentences = [s for s in sentences if not any(mark in str(s) for marks in names for mark in marks)]
        lines = [warning_zh(s) if self.lang == "zh" else str(s) for s in sentences]
        lines = [self.named(line) for line in lines]
        # names stored in another language (units take the survey's first language) as the report names them
        for name, label in self.labels.items():
            if name != label and CJK.search(name) and self.lang != "zh":
                lines = [line.replace(name, str(label)) for line in lines]
        if self.employee:
            for old, new in EMPLOYEE_WORDS[self.lang]:
                lines = [line.replace(old, new) for line in lines]
        return grouped(lines, self.lang)

    def named(self, line: str) -> str:
        """A warning with each quoted item code, construct or relationship stage named as the report names it."""
        def label(match: re.Match[str]) -> str:
            code = match.group(2)
            if code in self.labels:  # a statement quoted mid-sentence keeps its words, not its full stop
                return f"{match.group(1)}{self.label(code).rstrip('.。')}{match.group(3)}"
            stage = self.messages.get(f"stage_{code.lower()}")
            return f"{match.group(1)}{stage}{match.group(3)}" if stage else match.group(0)

        return QUOTED.sub(label, line)

    def efa(self) -> str | None:
        efa = _ok((self.result.get("efa") or {}).get("all_items"))
        if not efa:
            return None
        kmo = efa.get("kmo")
        word = next(label for bound, label in KMO_WORDS if kmo is None or kmo >= bound)
        return self.t("efa_line", n_items=len(efa.get("items") or []), n=_int(efa.get("n")), kmo=_num(kmo, 2),
                      kmo_word=self.t(f"kmo_{word}") if kmo is not None else DASH,
                      factors=efa.get("n_factors", DASH), method=efa.get("method", DASH),
                      rotation=efa.get("rotation", DASH))

    def data_line(self) -> str:
        missing = self.result.get("missing") or {}
        method = missing.get("method") or "listwise"
        return self.t("data_line", n=_int(self.result.get("n")), n_used=_int(self.result.get("n_used")),
                      method=self.messages.get(f"method_{method}", method),
                      dropped=_int(missing.get("rows_dropped") or 0),
                      cells=_int(missing.get("cells_missing") or 0))
