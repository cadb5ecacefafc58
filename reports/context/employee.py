"""The employee report's own sections: facets, overall satisfaction, internal service."""

from __future__ import annotations

from typing import Any

from reports.context.base import BuilderBase
from reports.context.format import (
    _finite,
    _int,
    _num,
    _ok,
)
from reports.context.rules import (
    INTERNAL_SERVICE,
)


class EmployeeSection(BuilderBase):
    """The employee report's own sections (a part of the report context's builder)."""

    def facets(self) -> list[str]:
        """The job-satisfaction facets: the constructs that lead to satisfaction, else all but the outcomes."""
        constructs = list(self.result.get("constructs") or {})
        paths = (self.result.get("model") or {}).get("paths") or {}
        facets = [name for name in paths.get(self.satisfaction) or [] if name in constructs]
        internal = set(self.internal_service())
        return facets or [name for name in constructs if name not in (self.satisfaction, self.loyalty)
                          and name not in internal]

    def internal_service(self) -> list[str]:
        named = self.meta.get("internal_service")
        if named:
            return [str(name) for name in ([named] if isinstance(named, str) else named)]
        return [INTERNAL_SERVICE] if INTERNAL_SERVICE in (self.result.get("constructs") or {}) else []

    def employee_section(self) -> dict[str, Any] | None:
        """Facet scores, what keeps people, internal service between departments and the heatmap."""
        constructs = self.result.get("constructs") or {}
        rows, bars = [], []
        for name in self.facets():
            block = constructs.get(name) or {}
            rows.append({"label": self.label(name), "n": _int(block.get("n")), "mean": _num(block.get("mean"), 2),
                         "index": _num(block.get("index"), 1), "alpha": _num(block.get("alpha"), 2)})
            if _finite(block.get("index")):
                bars.append({"label": self.label(name), "value": block["index"]})
        bars.sort(key=lambda bar: -bar["value"])
        stay = [d for d in self.result.get("drivers") or []
                if _ok(d) and d.get("outcome") == self.loyalty and d.get("shapley")]
        section = {
            "intro": self.t("employee_intro"),
            "rows": rows,
            "chart": self.chart("bar_chart", bars, xlabel=self.t("axis_index")) if self.charts and bars else None,
            "stay_levers": self.levers(max(stay, key=lambda d: len(d["predictors"]))) if stay else [],
            "internal": self.internal_section(),
            "heatmap": self.heatmap(),
        }
        return section if rows or section["heatmap"] else None

    def internal_section(self) -> dict[str, Any] | None:
        """The internal-service ratings per department (suppressed departments shown as such)."""
        names = self.internal_service()
        groups = _ok(self.result.get("groups")) or {}
        summary = groups.get("summary") or {}
        names = [name for name in names if any(name in ((summary.get(level) or {}).get("indices") or {})
                                               for level in groups.get("levels") or [])]
        if not names:
            return None
        cells_of = self.heatmap_cells()
        constructs = self.result.get("constructs") or {}
        rows = [{"label": self.t("col_organisation"), "n": _int((constructs.get(names[0]) or {}).get("n")),
                 "cells": [_num((constructs.get(name) or {}).get("index"), 1) for name in names], "hidden": None}]
        for level in groups.get("levels") or []:
            if str(level) in self.hidden:
                rows.append({"label": self.label(level), "n": "", "cells": [], "hidden": self.hidden_text(level)})
                continue
            entry = summary.get(level) or {}
            rows.append({"label": self.label(level), "n": _int(entry.get("n")), "hidden": None,
                         "cells": [_num((entry.get("indices") or {}).get(name), 1)
                                   + self.rest_flag(cells_of.get((str(level), name))) for name in names]})
        return {"intro": self.t("internal_intro"),
                "header": [self.label(groups.get("by", "")), self.t("col_n")] + [self.label(n) for n in names],
                "rows": rows}
