"""The PLS path model: paths, quality of the measurement, the 0-100 indices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports.charts import dot_program
from reports.context.base import BuilderBase
from reports.context.format import (
    _bracket,
    _num,
)


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
                "paths": path_rows, "constructs": construct_rows}
