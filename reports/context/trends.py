"""Trends: each measure per wave, tested changes, what cannot be compared."""

from __future__ import annotations

from typing import Any

from reports.context.base import BuilderBase
from reports.context.format import (
    _bracket,
    _finite,
    _int,
    _num,
    _ok,
    _p,
    _signed,
)
from reports.context.rules import (
    ALPHA_LEVEL,
    DASH,
)


class TrendsSection(BuilderBase):
    """Trends (a part of the report context's builder)."""

    def trends(self) -> dict[str, Any] | None:
        """Index and NPS per wave with intervals, tested changes, and what could not be compared."""
        trends = _ok(self.result.get("trends"))
        if not trends or len(trends.get("waves") or []) < 2:
            return None
        waves = [str(w) for w in trends["waves"]]
        levels = trends.get("levels") or []
        measures = list(dict.fromkeys(str(level["measure"]) for level in levels))
        measures.sort(key=lambda m: (m != self.satisfaction, m != self.loyalty))
        by_key = {(str(level["measure"]), str(level["wave"])): level for level in levels}
        rows = []
        for measure in measures:
            cells = []
            for wave in waves:
                level = by_key.get((measure, wave))
                if level is None:
                    cells.append(DASH)
                elif _finite(level.get("index")):
                    cells.append(_num(level["index"], 1))
                else:
                    cells.append(_num(level.get("mean"), 2))
            rows.append({"label": self.label(measure), "cells": cells})
        nps_rows = trends.get("nps") or []
        if nps_rows:
            by_wave = {str(row["wave"]): row for row in nps_rows}
            rows.append({"label": self.t("col_nps"),
                         "cells": [_num((by_wave.get(w) or {}).get("score"), 1) if w in by_wave else DASH
                                   for w in waves]})
        changes = []
        for change in trends.get("changes") or []:
            measure = str(change.get("measure"))
            is_nps = measure.startswith("NPS (")
            p, diff = change.get("p"), change.get("change")
            significant = _finite(p) and p < ALPHA_LEVEL and _finite(diff) and diff != 0
            digits = 1 if is_nps else 2
            changes.append({
                "label": self.t("col_nps") if is_nps else self.label(measure),
                "waves": f"{change.get('wave_from')} → {change.get('wave_to')}",
                "change": _signed(diff, digits) + ((" ▲" if diff > 0 else " ▼") if significant else ""),
                "ci": _bracket([change.get("ci_low"), change.get("ci_high")], lambda x, d=digits: _num(x, d)),
                "p": _p(p),
                "verdict": self.t(("significant_up" if diff > 0 else "significant_down") if significant
                                  else "not_significant"),
            })
        not_comparable = [self.t("not_comparable_line", label=self.label(name), waves=", ".join(map(str, ws)))
                          for source in ("not_comparable", "items_not_comparable")
                          for name, ws in (trends.get(source) or {}).items() if ws]
        chart = nps_chart = None
        if self.charts:
            keys = [m for m in measures if m in (self.satisfaction, self.loyalty)] or measures[:3]
            series = [{"label": self.label(m), "points": [
                {"wave": w, "value": by_key[(m, w)].get("index"), "low": by_key[(m, w)].get("index_ci_low"),
                 "high": by_key[(m, w)].get("index_ci_high")} for w in waves if (m, w) in by_key]} for m in keys]
            if any(p["value"] is not None for line in series for p in line["points"]):
                chart = self.chart("trend_chart", series, waves=waves, ylabel=self.t("axis_index"))
            if nps_rows:
                nps_chart = self.chart("trend_chart",
                    [{"label": self.t("col_nps"), "points": [
                        {"wave": str(r["wave"]), "value": r.get("score"), "low": r.get("ci_low"),
                         "high": r.get("ci_high")} for r in nps_rows]}],
                    waves=waves, ylabel=self.t("col_nps"))
        counts = trends.get("n") or {}
        return {"intro": self.t("trends_intro"), "waves": waves, "rows": rows, "changes": changes,
                "not_comparable": not_comparable, "chart": chart, "nps_chart": nps_chart,
                "sizes": [self.t("wave_n", wave=w, n=_int(counts.get(w))) for w in waves if w in counts]}
