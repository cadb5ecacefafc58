"""The PLS path model: paths, quality of the measurement, the 0-100 indices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports.charts import dot_program
from reports.context.base import BuilderBase
from reports.context.format import (
    _bracket,
    _num,
    _ok,
    with_interval,
)
from reports.context.rules import DASH


class ModelSection(BuilderBase):
    """The PLS path model (a part of the report context's builder)."""

    def model(self, pls: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if not pls or not pls.get("paths"):
            return None
        r2 = pls.get("r2") or {}
        intervals = pls.get("ci") or {}
        nodes = [{"name": name, "label": self.label(name),
                  "r2": _num(r2.get(name), 2) if r2.get(name) is not None else ""}
                 for name in pls.get("constructs") or []]
        edges, path_rows = [], []
        for key, coef in pls["paths"].items():
            source, target = key.split("->", 1)
            interval = intervals.get(key)
            significant = (interval is None or None in interval) or not (interval[0] <= 0 <= interval[1])
            edges.append({"source": source, "target": target, "coef": _num(coef, 2),
                          "weight": abs(coef or 0.0), "significant": significant})
            path_rows.append({"path": f"{self.label(source)} → {self.label(target)}", "coef": _num(coef, 3),
                              "ci": _bracket(interval, lambda x: _num(x, 3))})
        index = pls.get("index") or {}
        construct_rows = [{"label": self.label(name), "r2": _num(r2.get(name), 3),
                           "index": _num(index.get(name), 1)} for name in pls.get("constructs") or []]
        diagram = None
        if self.charts:
            # Graphviz lays the diagram out; without it the report stops here with the package to install,
            # before the PDF renderer would leave the chart out with a mere warning.
            dot_program()
            diagram = self.chart("path_diagram", nodes, edges)
        return {"intro": self.t("model_intro"), "diagram": diagram,
                "paths": path_rows, "constructs": construct_rows, "effects": self.total_effects(pls)}

    def total_effects(self, pls: Mapping[str, Any]) -> dict[str, Any] | None:
        """Total effects on loyalty, standardised and in index points (the IPMA importance), with intervals."""
        target = self.loyalty
        effects = {key.split("->", 1)[0]: value for key, value in (pls.get("total_effects") or {}).items()
                   if key.split("->", 1)[1] == target}
        if not target or not effects:
            return None
        ipma = _ok((self.result.get("ipma") or {}).get(target)) or {}
        points = {entry["name"]: entry for entry in ipma.get("constructs") or []}
        rows = []
        for source, effect in sorted(effects.items(), key=lambda item: -abs(item[1].get("estimate") or 0.0)):
            point = points.get(source) or {}
            rows.append({"label": self.label(source),
                         "total": with_interval(effect.get("estimate"), effect.get("ci"), 2),
                         "points": (with_interval(point.get("importance"), point.get("importance_ci"), 2)
                                    if point else DASH)})
        lead = None
        if points:
            top = max(points.values(), key=lambda entry: entry.get("importance") or 0.0)
            lead = self.t("effects_lead", factor=self.label(top["name"]), target=self.label(target),
                          points=_num(top.get("importance"), 2),
                          ci=self.ci_text(top.get("importance_ci"), 2))
        return {"title": self.t("effects_title", target=self.label(target)),
                "intro": self.t("effects_intro", target=self.label(target)), "lead": lead, "rows": rows}
