"""Key drivers: what moves the outcomes, with relative importance and importance-performance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports.context.base import BuilderBase
from reports.context.format import (
    _bracket,
    _finite,
    _num,
    _ok,
    _pct,
    with_interval,
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
        ipa = {"ipa_title": self.t("ipa_title"), "ipa_intro": self.t("ipa_intro"),
               "ipa_importance": self.t("axis_importance"), "ipa_class": self.t("col_quadrant"),
               "ipa_performance": self.t("col_performance"),
               "ipa_rows": ipa_rows, "ipa_note": self.t("ipa_rule"),
               "ipa_chart": (self.chart("ipa_chart", points, xlabel=self.t("axis_importance"),
                                        ylabel=self.t("axis_performance"))
                             if self.charts and len(points) >= 2 else None)}
        # Where the PLS model maps this outcome, its importance-performance map replaces the quadrant chart.
        ipma = _ok((self.result.get("ipma") or {}).get(analysis["outcome"]))
        if ipma and ipma.get("constructs"):
            ipa = self.ipma_map(ipma)
        return {
            "title": self.t("driver_of", outcome=outcome),
            "intro": self.t("drivers_intro", outcome=outcome, r2=_pct(r2 if r2 is not None else total)),
            "rows": rows,
            "chart": self.chart("bar_chart", bars, xlabel=self.t("axis_explained")) if self.charts else None,
            **ipa,
            "warnings": list(analysis.get("warnings") or []),
        }

    def ipma_map(self, ipma: Mapping[str, Any]) -> dict[str, Any]:
        """The PLS importance-performance map of one target: rows, chart with intervals, the rule."""
        target = self.label(ipma["target"])
        rows, points = [], []
        for entry in ipma["constructs"]:
            quadrant = entry.get("quadrant")
            rows.append({
                "label": self.label(entry["name"]),
                "importance": with_interval(entry.get("importance"), entry.get("importance_ci"), 2),
                "performance": with_interval(entry.get("performance"), entry.get("performance_ci"), 1),
                "quadrant": self.t(f"ipma_class_{quadrant}") if quadrant else self.t("ipma_class_none"),
            })
            if _finite(entry.get("importance")) and _finite(entry.get("performance")):
                points.append({"label": self.label(entry["name"]), "importance": entry["importance"],
                               "performance": entry["performance"],
                               "importance_ci": entry.get("importance_ci"),
                               "performance_ci": entry.get("performance_ci")})
        axis = self.t("ipma_axis_importance", target=target)
        return {
            "ipa_title": self.t("ipma_title"), "ipa_intro": self.t("ipma_intro", target=target),
            "ipa_importance": self.t("ipma_col_importance"), "ipa_class": self.t("ipma_col_class"),
            "ipa_performance": self.t("ipma_col_performance"),
            "ipa_rows": rows, "ipa_note": self.t("ipma_rule"),
            "ipa_chart": (self.chart("ipa_chart", points, xlabel=axis, ylabel=self.t("axis_performance"))
                          if self.charts and len(points) >= 2 else None),
        }

