"""The Net Promoter Score (or eNPS) with its interval, and by group."""

from __future__ import annotations

from typing import Any

from reports.context.base import BuilderBase
from reports.context.format import (
    _int,
    _num,
    _ok,
    _pct,
)


class NpsSection(BuilderBase):
    """The Net Promoter Score (or eNPS) with its interval, and by group (a part of the report context's builder)."""

    def nps(self) -> dict[str, Any] | None:
        overall = _ok(self.result.get("nps"))
        if not overall or overall.get("score") is None:
            return None
        entries = [(self.t("all_respondents"), overall)]
        groups = self.result.get("groups") or {}
        hidden_rows = []
        for level in groups.get("levels") or []:
            if str(level) in self.hidden:
                hidden_rows.append({"label": self.label(level), "hidden": self.hidden_text(level)})
                continue
            block = _ok(((groups.get("summary") or {}).get(level) or {}).get("nps"))
            if block and block.get("score") is not None:
                entries.append((self.label(level), block))
        rows = [{"label": label, "n": _int(block.get("n")), "score": _num(block["score"], 1),
                 "ci": self.ci_text(block.get("ci"), 1), "promoters": _pct(block.get("promoters")),
                 "passives": _pct(block.get("passives")), "detractors": _pct(block.get("detractors")),
                 "hidden": None}
                for label, block in entries]
        bars = [{"label": label, **{key: block.get(key) for key in ("detractors", "passives", "promoters")}}
                for label, block in entries]
        rows += hidden_rows
        chart = None
        if self.charts:
            chart = self.chart("stacked_shares", bars, series=("detractors", "passives", "promoters"),
                                          names=(self.t("detractors"), self.t("passives"),
                                                 self.t("promoters")))
        return {"intro": self.t("nps_intro"), "rows": rows, "chart": chart,
                "score": rows[0]["score"], "ci": rows[0]["ci"]}
