"""The appendix: methods in brief (with the confidentiality rule), data, measurement, caveats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reports.context.base import BuilderBase
from reports.context.format import (
    _int,
    _num,
    _ok,
)
from reports.context.rules import (
    DASH,
    KMO_WORDS,
)
from reports.warnings_zh import translate as warning_zh


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
        htmt = None
        names = list(pls.get("htmt") or {})
        if len(names) > 1:
            htmt = {"header": [""] + [self.label(name) for name in names[:-1]],
                    "rows": [{"label": self.label(a),
                              "cells": [_num(pls["htmt"][a].get(b), 2) if j < i else "" for j, b in
                                        enumerate(names[:-1])]}
                             for i, a in enumerate(names) if i > 0]}
        return {"intro": self.t("measurement_intro"), "constructs": rows, "htmt": htmt, "efa": self.efa(),
                "data": self.data_line(), "warnings": self.warnings(self.result.get("warnings") or [])}

    def warnings(self, sentences: Sequence[str]) -> list[str]:
        """The analysis's warnings (English sentences) in the report's language.

        Warnings that name a suppressed group ("Group 'IT' has only 3 answers") would give away its size, so
        they are left out.
        """
        if self.hidden:
            names = [(f"'{group}'", f", {group})", f"({group})") for group in self.hidden]
            sentences = [s for s in sentences if not any(mark in str(s) for marks in names for mark in marks)]
        if self.lang == "zh":
            return [warning_zh(sentence) for sentence in sentences]
        return [str(sentence) for sentence in sentences]

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
