"""Figures by unit: KPIs flagged against the rest, and the heatmap of the employee report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports.context.base import BuilderBase
from reports.context.format import (
    _bracket,
    _finite,
    _int,
    _num,
    _ok,
    _p,
)
from reports.context.rules import (
    DASH,
    HEATMAP_COLUMNS,
)


class UnitsSection(BuilderBase):
    """Figures by unit (a part of the report context's builder)."""

    def heatmap_cells(self) -> dict[tuple[str, str], Mapping[str, Any]]:
        """The heatmap's cells by (group, facet); empty without a heatmap."""
        heatmap = _ok(self.result.get("heatmap")) or {}
        return {(str(c.get("group")), str(c.get("facet"))): c for c in heatmap.get("cells") or []}

    @staticmethod
    def rest_flag(cell: Mapping[str, Any] | None) -> str:
        """▲ / ▼ when a heatmap cell is significantly above / below the rest of the organisation (Holm)."""
        if not cell or not cell.get("shown") or not cell.get("significant") or not _finite(cell.get("diff")):
            return ""
        return " ▲" if cell["diff"] > 0 else " ▼"

    def groups(self) -> dict[str, Any] | None:
        """KPIs by unit: n, the 0-100 indices and the NPS per group, flagged, suppressed groups shown as such."""
        groups = _ok(self.result.get("groups"))
        if not groups or not groups.get("levels"):
            return None
        summary = groups.get("summary") or {}
        tests = groups.get("tests") or {}
        first = summary.get(groups["levels"][0]) or {}
        columns = list(first.get("indices") or {})
        # The satisfaction index first: it is the KPI a manager looks for.
        columns.sort(key=lambda c: (c != self.satisfaction, c != self.loyalty))
        if self.employee:  # the facets are in the heatmap, which fits them on the page
            facets = set(self.facets())
            columns = [c for c in columns if c not in facets]
        cells_of = self.heatmap_cells()
        has_nps = any((summary.get(level) or {}).get("nps") for level in groups["levels"])
        header = [self.t("col_group"), self.t("col_n")] + [self.label(c) for c in columns]
        if has_nps:
            header.append(self.t("col_nps"))
        rows = []
        for level in groups["levels"]:
            if str(level) in self.hidden:
                rows.append({"label": self.label(level), "n": "", "cells": [], "hidden": self.hidden_text(level)})
                continue
            entry = summary.get(level) or {}
            cells = []
            for column in columns:
                value = (entry.get("indices") or {}).get(column)
                flag = (self.rest_flag(cells_of.get((str(level), column))) if cells_of
                        else self.flag(tests.get(column), level))
                cells.append(_num(value, 1) + flag)
            if has_nps:
                nps = entry.get("nps") or {}
                cells.append(f"{_num(nps.get('score'), 1)} {_bracket(nps.get('ci'), lambda x: _num(x, 0))}")
            rows.append({"label": self.label(level), "n": _int(entry.get("n")), "cells": cells, "hidden": None})
        p_values = [_p((((tests.get(column) or {}).get("welch_anova")) or {}).get("p")) for column in columns]
        if has_nps:
            recommend = ((self.result.get("model") or {}).get("outcomes") or {}).get("recommend")
            p_values.append(_p((((tests.get(recommend) or {}).get("welch_anova")) or {}).get("p")))
        by = self.label(groups.get("by", ""))
        return {"intro": self.t("kpi_intro" if cells_of else "groups_intro", by=by), "header": header,
                "rows": rows, "p_row": {"label": self.t("welch_p"), "cells": p_values}}

    def heatmap(self) -> dict[str, Any] | None:
        """Groups x facets: means flagged against the rest; hidden cells say why and carry no number."""
        heatmap = _ok(self.result.get("heatmap"))
        if not heatmap or not heatmap.get("cells") or not heatmap.get("groups"):
            return None
        cells_of = self.heatmap_cells()
        groups = [str(g) for g in heatmap["groups"]]
        facets = [str(f) for f in heatmap.get("facets") or []]
        organisation = heatmap.get("organisation") or {}
        # analysis.heatmap warns when the organisation's own figure of a facet would reveal a small group
        unsafe = {facet for facet in facets for warning in heatmap.get("warnings") or []
                  if f"organisation figure for {facet!r}" in str(warning)}
        reasons = set()
        tables = []
        for start in range(0, len(groups), HEATMAP_COLUMNS):
            chunk = groups[start:start + HEATMAP_COLUMNS]
            n_row = []
            for group in chunk:
                shown = [c for f in facets if (c := cells_of.get((group, f))) and c.get("shown")]
                n_row.append({"text": _int(max(c["n"] for c in shown)) if shown else "", "cls": ""})
            rows = []
            for facet in facets:
                line = []
                for group in chunk:
                    cell = cells_of.get((group, facet)) or {}
                    if not cell.get("shown"):
                        reason = "complementary" if cell.get("reason") == "complementary" else "small"
                        reasons.add(reason)
                        line.append({"text": self.t(f"hidden_{reason}_cell"), "cls": "hm-hidden"})
                        continue
                    flag = self.rest_flag(cell)
                    line.append({"text": _num(cell.get("mean"), 2) + flag,
                                 "cls": "hm-up" if "▲" in flag else ("hm-down" if "▼" in flag else "")})
                org = organisation.get(facet) or {}
                rows.append({"label": self.label(facet), "cells": line,
                             "organisation": DASH if facet in unsafe else _num(org.get("mean"), 2)})
            tables.append({"header": [self.label(g) for g in chunk], "n_row": n_row, "rows": rows})
        k = _int(heatmap.get("k"))
        legend = [self.t(f"hidden_{reason}", k=k) for reason in ("small", "complementary") if reason in reasons]
        return {"title": self.t("heatmap_title", by=self.label(heatmap.get("by", ""))),
                "intro": self.t("heatmap_intro", by=self.label(heatmap.get("by", "")), k=k),
                "tables": tables, "legend": legend}
