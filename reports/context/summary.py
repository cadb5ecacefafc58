"""The executive summary: the index, NPS, the levers and the caveats a manager reads first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports.context.base import BuilderBase
from reports.context.format import (
    _finite,
    _int,
    _num,
    _ok,
    _pct,
    _signed,
)
from reports.context.rules import (
    ALPHA_LEVEL,
    MAX_HTMT,
    MIN_ALPHA,
    MIN_AVE,
    SMALL_N,
    Z95,
)


class SummarySection(BuilderBase):
    """The executive summary (a part of the report context's builder)."""

    def summary(self, pls: Mapping[str, Any] | None) -> dict[str, Any]:
        csi = self.csi(pls)
        nps = _ok(self.result.get("nps"))
        nps_block = None
        if nps and nps.get("score") is not None:
            nps_block = {
                "value": _num(nps["score"], 1),
                "ci": self.ci_text(nps.get("ci"), 1),
                "sentence": self.t("nps_sentence", promoters=_pct(nps.get("promoters")),
                                   detractors=_pct(nps.get("detractors")), score=_num(nps["score"], 1)),
            }
        invited = self.meta.get("invited")
        n_used = self.result.get("n_used")
        rate = _pct(n_used / invited) if invited and n_used is not None else None
        return {
            "csi": csi,
            "nps": nps_block,
            "n": _int(n_used),
            "response_rate": rate,
            "trend": self.trend_line(),
            "levers": self.levers(),
            "trap": self.trap_findings()[:1],
            "units": self.flagged_units(),
            "caveats": self.caveats(pls),
        }

    def trend_line(self) -> str | None:
        """Satisfaction against the previous wave: the change with its interval, said to be a change only when
        the test says so (trends.changes, Welch)."""
        trends = _ok(self.result.get("trends")) or {}
        rows = [row for row in trends.get("changes") or [] if row.get("measure") == self.satisfaction]
        if not rows or not _finite(rows[-1].get("change")):
            return None
        row = rows[-1]
        key = "trend_up" if (row.get("p") or 1) < ALPHA_LEVEL and row["change"] > 0 else \
            "trend_down" if (row.get("p") or 1) < ALPHA_LEVEL else "trend_flat"
        return self.t(key, wave=row.get("wave_from"), change=_signed(row["change"], 2),
                      low=_num(row.get("ci_low"), 2), high=_num(row.get("ci_high"), 2))

    def flagged_units(self) -> str | None:
        """The units significantly above or below the others on satisfaction, flagged as in the unit table (Holm);
        hidden units are never named."""
        groups = self.result.get("groups") or {}
        test = (groups.get("tests") or {}).get(self.satisfaction)
        if not groups.get("levels") or not (test or self.heatmap_cells()):
            return None
        above, below = [], []
        for level in groups["levels"]:
            if str(level) in self.hidden:
                continue
            flag = self.unit_flag(str(level), self.satisfaction)
            if "▲" in flag:
                above.append(self.label(level))
            if "▼" in flag:
                below.append(self.label(level))
        by = self.label(groups.get("by", ""))
        if not above and not below:
            return self.t("units_none", by=by)
        join = "、" if self.lang == "zh" else ", "
        parts = []
        if above:
            parts.append(self.t("units_above", names=join.join(above), by=by))
        if below:
            parts.append(self.t("units_below", names=join.join(below), by=by))
        return self.sentences(*parts)

    def csi(self, pls: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The PLS 0-100 index of satisfaction (the ACSI way), else the equal-weight index of its items."""
        value = ((pls or {}).get("index") or {}).get(self.satisfaction)
        interval = ((pls or {}).get("index_ci") or {}).get(self.satisfaction)
        if value is None:
            block = (self.result.get("constructs") or {}).get(self.satisfaction) or {}
            value, interval = block.get("index"), block.get("index_ci")
        if value is None:
            return None
        return {"value": _num(value, 1), "ci": self.ci_text(interval, 1),
                "sentence": self.t("csi_sentence", value=_num(value, 1))}

    def lever_analysis(self) -> Mapping[str, Any] | None:
        """The driver analysis of satisfaction with the most predictors: the most actionable."""
        candidates = [d for d in self.result.get("drivers") or []
                      if _ok(d) and d.get("outcome") == self.satisfaction and d.get("shapley")]
        return max(candidates, key=lambda d: len(d["predictors"]), default=None)

    def levers(self, analysis: Mapping[str, Any] | None = None) -> list[str]:
        """The three largest Shapley importances of ``analysis`` (default: :meth:`lever_analysis`) as lines."""
        analysis = analysis or self.lever_analysis()
        if analysis is None:
            return []
        outcome = self.label(analysis["outcome"])
        ranked = sorted(analysis["shapley"].items(), key=lambda item: -(item[1] or 0.0))[:3]
        lines = []
        for name, value in ranked:
            interval = (analysis.get("shapley_ci") or {}).get(name)
            if interval and None not in interval:
                line = self.t("lever_line", label=self.label(name), outcome=outcome, share=_pct(value),
                              low=_pct(interval[0]), high=_pct(interval[1]))
            else:
                line = self.t("lever_line_no_ci", label=self.label(name), outcome=outcome, share=_pct(value))
            lines.append(line + self.gain(analysis, name, outcome))
        return lines

    def gain(self, analysis: Mapping[str, Any], name: str, outcome: str) -> str:
        """The expected gain of one more point on a lever (its OLS coefficient with the robust HC3 interval),
        said only when the coefficient is clearly positive; else nothing."""
        ols = analysis.get("ols") or {}
        coef, se, p = ((ols.get(key) or {}).get(name) for key in ("coef", "se_hc3", "p_hc3"))
        if not (_finite(coef) and _finite(se) and _finite(p)) or p >= ALPHA_LEVEL or coef <= 0:
            return ""
        return self.t("sentence_end") + self.t("lever_gain", outcome=outcome, gain=_num(coef, 2),
                                               low=_num(coef - Z95 * se, 2), high=_num(coef + Z95 * se, 2))

    def caveats(self, pls: Mapping[str, Any] | None) -> list[str]:
        notes = []
        n_used = self.result.get("n_used") or 0
        if n_used < SMALL_N:
            notes.append(self.t("caveat_small_n", n=_int(n_used)))
        dropped = (self.result.get("missing") or {}).get("rows_dropped") or 0
        if dropped:
            notes.append(self.t("caveat_dropped", n=_int(dropped)))
        for name, construct in (self.result.get("constructs") or {}).items():
            alpha = construct.get("alpha")
            if alpha is not None and len(construct.get("items") or []) > 1 and alpha < MIN_ALPHA:
                notes.append(self.t("caveat_alpha", label=self.label(name), value=_num(alpha, 2)))
        if pls:
            if pls.get("converged") is False:
                notes.append(self.t("caveat_pls"))
            for name, ave in (pls.get("ave") or {}).items():
                if ave is not None and ave < MIN_AVE:
                    notes.append(self.t("caveat_ave", label=self.label(name), value=_num(ave, 2)))
            names = list(pls.get("htmt") or {})
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    value = pls["htmt"][a].get(b)
                    if value is not None and value > MAX_HTMT:
                        notes.append(self.t("caveat_htmt", a=self.label(a), b=self.label(b),
                                            value=_num(value, 2)))
        return notes
