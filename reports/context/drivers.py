"""Key drivers: what moves the outcomes, with relative importance and importance-performance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports.context.base import BuilderBase
from reports.context.format import (
    _bracket,
    _num,
    _ok,
    _pct,
)
from reports.context.rules import (
    DASH,
)


class DriversSection(BuilderBase):
    """Key drivers (a part of the report context's builder)."""

    def drivers(self) -> list[dict[str, Any]]:
        outcomes = (self.result.get("model") or {}).get("outcomes") or {}
        order = [outcomes.get("satisfaction"), outcomes.get("loyalty")]
        analyses = [d for d in self.result.get("drivers") or [] if _ok(d) and d.get("shapley")]
        analyses.sort(key=lambda d: order.index(d["outcome"]) if d["outcome"] in order else len(order))
        return [self.driver(analysis) for analysis in analyses]

    def driver(self, analysis: Mapping[str, Any]) -> dict[str, Any]:
        outcome = self.label(analysis["outcome"])
        shapley = analysis["shapley"]
        intervals = analysis.get("shapley_ci") or {}
        total = sum(value for value in shapley.values() if value is not None)
        ranked = sorted(shapley, key=lambda name: -(shapley[name] or 0.0))
        rows, bars = [], []
        for name in ranked:
            value = shapley[name]
            interval = intervals.get(name)
            rows.append({"label": self.label(name), "importance": _pct(value),
                         "ci": _bracket(interval, _pct),
                         "share": _pct(value / total) if value is not None and total > 0 else DASH})
            has_ci = interval and None not in interval
            bars.append({"label": self.label(name), "value": 100 * (value or 0.0),
                         "low": 100 * interval[0] if has_ci else None,
                         "high": 100 * interval[1] if has_ci else None})
        ipa_rows, points = [], []
        for entry in analysis.get("ipa") or []:
            # a quadrant only where both intervals lie clearly on one side of the crosshairs (analysis.drivers)
            quadrant = entry.get("quadrant")
            ipa_rows.append({
                "label": self.label(entry["predictor"]),
                "importance": _pct(entry.get("importance")),
                "performance": _num(entry.get("performance"), 1),
                "quadrant": self.t(f"quadrant_{quadrant}") if quadrant else self.t("quadrant_none"),
            })
            if entry.get("importance") is not None and entry.get("performance") is not None:
                points.append({"label": self.label(entry["predictor"]),
                               "importance": 100 * entry["importance"],
                               "performance": entry["performance"]})
        r2 = (analysis.get("ols") or {}).get("r2")
        return {
            "title": self.t("driver_of", outcome=outcome),
            "intro": self.t("drivers_intro", outcome=outcome, r2=_pct(r2 if r2 is not None else total)),
            "rows": rows,
            "chart": self.chart("bar_chart", bars, xlabel=self.t("axis_explained")) if self.charts else None,
            "ipa_rows": ipa_rows,
            "ipa_note": self.t("ipa_rule"),
            "ipa_chart": (self.chart("ipa_chart", points, xlabel=self.t("axis_importance"),
                                           ylabel=self.t("axis_performance"))
                          if self.charts and len(points) >= 2 else None),
            "warnings": list(analysis.get("warnings") or []),
        }
