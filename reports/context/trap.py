"""The satisfaction trap: index, loyalty curve, segments, attribute classes, stages, complaints, behaviour."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from reports.context.base import BuilderBase
from reports.context.format import (
    _bracket,
    _finite,
    _g,
    _int,
    _num,
    _ok,
    _pct,
    _scaled,
    _signed,
    _sort_value,
)
from reports.context.rules import (
    COMPLAINT_GROUPS,
    DASH,
    FINDING_PARTS,
    IA_CUT,
    SEGMENTS,
    STAGES,
)


class TrapSection(BuilderBase):
    """The satisfaction trap (a part of the report context's builder)."""

    def trap_findings(self) -> list[str]:
        """The trap analysis's own sentences (``trap.findings``: ``[{en, zh}]``) in the report's language."""
        findings = (_ok(self.result.get("trap")) or {}).get("findings") or []
        return [str(f.get(self.lang) or f.get("en")) for f in findings if isinstance(f, Mapping)]

    def findings_by_part(self) -> dict[str, list[str]]:
        """The trap findings sorted to the sub-section they speak about (``general`` when none fits)."""
        findings = (_ok(self.result.get("trap")) or {}).get("findings") or []
        parts: dict[str, list[str]] = {}
        for finding in findings:
            if not isinstance(finding, Mapping):
                continue
            part = FINDING_PARTS.get(str(finding.get("kind")), "general")
            parts.setdefault(part, []).append(str(finding.get(self.lang) or finding.get("en")))
        return parts

    def trap(self) -> dict[str, Any] | None:
        trap = _ok(self.result.get("trap"))
        if not trap:
            return None
        found = self.findings_by_part()
        return {
            "intro": self.t("trap_intro"),
            "general": found.get("general", []),
            "index": self.trap_index(trap, found.get("index", [])),
            "curve": self.trap_curve(trap, found.get("curve", [])),
            "segments": self.trap_segments(trap, found.get("segments", [])),
            "attributes": self.trap_attributes(trap, found.get("attributes", [])),
            "stages": self.trap_stages(trap, found.get("stages", [])),
            "complaints": self.trap_complaints(trap, found.get("complaints", [])),
            "behaviour": self.trap_behaviour(trap, found.get("behaviour", [])),
        }

    def trap_index(self, trap: Mapping[str, Any], findings: list[str]) -> dict[str, Any] | None:
        index = _ok(trap.get("trap_index"))
        if not index or index.get("trap_index") is None:
            return None
        thresholds = (_ok(trap.get("segments")) or {}).get("thresholds") or {}
        return {"value": _pct(index["trap_index"], 0),
                "ci": self.ci_text([index.get("ci_low"), index.get("ci_high")], 0, percent=True),
                "line": self.t("trap_index_line", value=_pct(index["trap_index"]), n=_int(index.get("n_satisfied")),
                               low=_pct(index.get("ci_low")), high=_pct(index.get("ci_high")),
                               satisfied=self.cut(index.get("satisfied_definition") or thresholds.get("satisfied")),
                               loyal=self.cut(thresholds.get("loyal")
                                              or (trap.get("curve") or {}).get("loyal_definition"))),
                "findings": findings}

    def trap_curve(self, trap: Mapping[str, Any], findings: list[str]) -> dict[str, Any] | None:
        curve = _ok(trap.get("curve"))
        if not curve or not curve.get("levels"):
            return None
        levels = curve["levels"]
        by_level = {level["level"]: str(level["label"]) for level in levels}
        zone = trap.get("zone_of_indifference") or curve.get("zone_of_indifference")
        zone_labels = [by_level.get(zone[0], _g(zone[0])), by_level.get(zone[1], _g(zone[1]))] if zone else None
        jump = curve.get("jump")
        jump_labels = ([by_level.get(jump["from_level"], _g(jump["from_level"])),
                        by_level.get(jump["to_level"], _g(jump["to_level"]))] if jump else None)
        lines = [self.t("zone_line", low=zone_labels[0], high=zone_labels[1]) if zone_labels
                 else self.t("zone_none"),
                 self.t("jump_line", a=jump_labels[0], b=jump_labels[1], diff=_num(100 * jump["difference"], 1))
                 if jump_labels and _finite(jump.get("difference")) else self.t("jump_none")]
        filled = [level for level in levels if level.get("n")]
        lift, difference = curve.get("lift", trap.get("lift")), curve.get("lift_difference") or {}
        if _finite(lift) and len(filled) >= 2:
            lines.append(self.t("lift_line", top=filled[-1]["label"], second=filled[-2]["label"],
                                top_share=_pct(filled[-1].get("loyal_share")),
                                second_share=_pct(filled[-2].get("loyal_share")), lift=_num(lift, 1),
                                low=_num(100 * difference["ci_low"], 1) if _finite(difference.get("ci_low")) else DASH,
                                high=(_num(100 * difference["ci_high"], 1)
                                      if _finite(difference.get("ci_high")) else DASH)))
        # a narrow column per level: a hidden one shows a marker, explained under the table
        rows = [{"level": str(level["label"]),
                 "n": self.t(f"hidden_{level['hidden']}_cell") if level.get("hidden") else _int(level.get("n")),
                 "share": "" if level.get("hidden") else _pct(level.get("loyal_share")),
                 "ci": "" if level.get("hidden") else _bracket([level.get("ci_low"), level.get("ci_high")], _pct)}
                for level in levels]
        reasons = {str(level["hidden"]) for level in levels if level.get("hidden")}
        legend = [self.t(f"hidden_{reason}", k=_int(self.k) if self.k else DASH)
                  for reason in ("small", "complementary") if reason in reasons]
        chart = None
        if self.charts:
            points = [{"label": level["label"], "share": _scaled(level.get("loyal_share")),
                       "low": _scaled(level.get("ci_low")), "high": _scaled(level.get("ci_high"))}
                      for level in levels]
            chart = self.chart("loyalty_curve",
                points, zone=zone_labels, jump=jump_labels,
                xlabel=self.label(str(trap.get("satisfaction") or curve.get("satisfaction") or "")),
                ylabel=self.t("axis_loyal_share"), zone_label=self.t("zone_label"),
                jump_label=self.t("jump_label", diff=_num(100 * jump["difference"], 0)) if jump else "")
        return {"chart": chart, "lines": lines, "rows": rows, "findings": findings, "legend": legend}

    def trap_segments(self, trap: Mapping[str, Any], findings: list[str]) -> dict[str, Any] | None:
        segments = _ok(trap.get("segments"))
        shares = (segments or {}).get("shares") or {}
        if not shares:
            return None
        rows, bars = [], []
        for name in SEGMENTS:
            entry = shares.get(name)
            if not entry:
                continue
            hidden = self.cell_hidden(entry)
            rows.append({"name": self.t(f"seg_{name}"), "definition": self.t(f"segdef_{name}"), "hidden": hidden,
                         "n": _int(entry.get("n")), "share": _pct(entry.get("share")),
                         "ci": _bracket([entry.get("ci_low"), entry.get("ci_high")], _pct)})
            if hidden:
                continue  # no bar: a hidden cell drawn at 0 would be a figure
            bars.append({"label": self.t(f"seg_{name}"), "value": _scaled(entry.get("share")) or 0.0,
                         "low": _scaled(entry.get("ci_low")), "high": _scaled(entry.get("ci_high"))})
        thresholds = segments.get("thresholds") or {}
        return {"rows": rows, "findings": findings,
                "thresholds": [f"{self.t('seg_loyalist')}: {self.cut(thresholds.get('satisfied'))}; "
                               f"{self.cut(thresholds.get('loyal'))}"],
                "chart": self.chart("bar_chart", bars, xlabel=self.t("axis_share")) if self.charts else None}

    def trap_attributes(self, trap: Mapping[str, Any], findings: list[str]) -> dict[str, Any] | None:
        attributes = _ok(trap.get("attributes"))
        if not attributes:
            return None
        ordered = sorted(attributes, key=lambda name: _sort_value(attributes[name].get("impact_asymmetry")))
        rows, dots, points = [], [], []
        for name in ordered:
            entry = attributes[name]
            # a class counts only where its whole interval lies in the class's range; else it is not determined
            cls = entry.get("class") if entry.get("class_confident") else "undetermined"
            cls_name = self.t(f"class_{cls}")
            rows.append({"label": self.label(name), "class": cls_name, "penalty": _num(entry.get("penalty"), 2),
                         "reward": _num(entry.get("reward"), 2), "ia": _num(entry.get("impact_asymmetry"), 2),
                         "ia_ci": _bracket(entry.get("ia_ci"), lambda x: _num(x, 2)),
                         "range": _num(entry.get("impact_range"), 2),
                         "mean": _num(entry.get("mean_performance"), 2)})
            interval = entry.get("ia_ci") or [None, None]
            if _finite(entry.get("impact_asymmetry")):
                dots.append({"label": self.label(name), "value": entry["impact_asymmetry"],
                             "low": interval[0] if _finite(interval[0]) else None,
                             "high": interval[1] if _finite(interval[1]) else None})
            if _finite(entry.get("impact_range")) and _finite(entry.get("mean_performance")):
                points.append({"label": self.label(name), "x": entry["mean_performance"],
                               "y": entry["impact_range"], "cls": cls})
        ia_chart = range_chart = None
        if self.charts and dots:
            limits = (-1.05, 1.05)  # the IA and its interval lie in [-1, 1] (analysis.trap_attributes)
            ia_chart = self.chart("interval_dots",
                dots, xlabel=self.t("axis_ia"), limits=limits,
                bands=[(-math.inf, -IA_CUT, self.t("class_basic")), (-IA_CUT, IA_CUT, self.t("class_performance")),
                       (IA_CUT, math.inf, self.t("class_excitement"))])
        if self.charts and len(points) >= 2:
            range_chart = self.chart("class_scatter",
                points, classes=[(cls, self.t(f"class_{cls}"))
                                 for cls in ("basic", "performance", "excitement", "undetermined")],
                xlabel=self.t("axis_mean_performance"), ylabel=self.t("axis_impact_range"))
        unsure = any(not attributes[name].get("class_confident") for name in ordered)
        return {"rows": rows, "ia_chart": ia_chart, "range_chart": range_chart, "findings": findings,
                "note": self.t("class_undetermined_note") if unsure else None}

    def stage_name(self, stage: str) -> str:
        return self.messages.get(f"stage_{stage.lower()}", stage)

    def trap_stages(self, trap: Mapping[str, Any], findings: list[str]) -> dict[str, Any] | None:
        stages = _ok(trap.get("stages"))
        if not stages:
            return None
        scored = {name: v for name, v in stages.items() if _finite((v or {}).get("trap_index"))}
        deepest = max(scored, key=lambda name: scored[name]["trap_index"], default=None)
        order = sorted(stages, key=lambda name: STAGES.index(name.lower()) if name.lower() in STAGES else len(STAGES))
        rows = []
        for name in order:
            entry = stages[name] or {}
            zone = entry.get("zone_of_indifference")
            programme = entry.get("programme") or ""
            if self.lang != "en":
                programme = self.messages.get(f"programme_{name.lower()}", programme)
            shown = self.stage_name(name)
            hidden = self.cell_hidden(entry)
            if hidden:
                rows.append({"stage": shown, "hidden": hidden, "programme": programme or DASH, "basic": DASH,
                             "latent": DASH})
                continue
            rows.append({"stage": self.t("deepest", stage=shown) if name == deepest else shown, "hidden": None,
                         "n": _int(entry.get("n")), "trap_index": _pct(entry.get("trap_index"), 0),
                         "ci": _bracket(entry.get("trap_index_ci"), lambda x: _pct(x, 0)),
                         "zone": f"{_g(zone[0])}–{_g(zone[1])}" if zone else DASH,
                         "basic": self.labels_list(entry.get("basic") or []) or DASH,
                         "latent": self.labels_list(entry.get("latent") or []) or DASH,
                         "programme": programme or DASH})
        return {"rows": rows, "findings": findings}

    def trap_complaints(self, trap: Mapping[str, Any], findings: list[str]) -> dict[str, Any] | None:
        complaints = _ok(trap.get("complaints"))
        if not complaints or (complaints.get("problem_rate") is None and not complaints.get("groups")):
            return None
        kpis = [{"name": self.t("problem_kpi"), "value": _pct(complaints.get("problem_rate"), 0),
                 "ci": self.ci_text(complaints.get("problem_rate_ci"), 0, percent=True)},
                {"name": self.t("complained_kpi"), "value": _pct(complaints.get("complained_among_problems"), 0),
                 "ci": self.ci_text(complaints.get("complained_among_problems_ci"), 0, percent=True)},
                {"name": self.t("silent_kpi"), "value": _pct(complaints.get("silent_share"), 0), "ci": ""}]
        groups = complaints.get("groups") or {}
        rows, bars = [], []
        for name in COMPLAINT_GROUPS:
            entry = groups.get(name)
            if not entry:
                continue
            interval = entry.get("loyal_ci") or [None, None]
            hidden = self.cell_hidden(entry)
            if hidden:
                rows.append({"label": self.t(f"group_{name}"), "hidden": hidden})
                continue
            rows.append({"label": self.t(f"group_{name}"), "hidden": None, "n": _int(entry.get("n")),
                         "mean": _num(entry.get("mean_satisfaction"), 2), "loyal": _pct(entry.get("loyal_share")),
                         "ci": _bracket(interval, _pct)})
            bars.append({"label": self.t(f"group_{name}"), "value": _scaled(entry.get("loyal_share")) or 0.0,
                         "low": _scaled(interval[0]), "high": _scaled(interval[1])})
        paradox = complaints.get("recovery_paradox") or {}
        paradox_line = None
        if paradox.get("n_recovered"):
            sat = paradox.get("satisfaction_difference") or {}
            loyal = paradox.get("loyalty_difference") or {}
            paradox_line = self.sentences(
                self.t("paradox_line", diff=_signed(sat.get("difference"), 2), low=_num(sat.get("ci_low"), 2),
                       high=_num(sat.get("ci_high"), 2), ldiff=_signed(_scaled(loyal.get("difference")), 1),
                       llow=_num(_scaled(loyal.get("ci_low")), 1), lhigh=_num(_scaled(loyal.get("ci_high")), 1),
                       n=_int(paradox["n_recovered"])),
                self.t("paradox_holds" if paradox.get("holds") else "paradox_not"))
        justice = []
        for name, entry in (complaints.get("by_justice") or {}).items():
            difference = (entry or {}).get("difference") or {}
            interval = _bracket([difference.get("ci_low"), difference.get("ci_high")], lambda x: _num(x, 2))
            good, poor = (entry or {}).get("good") or {}, (entry or {}).get("poor") or {}
            justice.append({"label": self.messages.get(f"justice_{name}", name),
                            "good": self.cell_hidden(good) or _num(good.get("mean_satisfaction"), 2),
                            "poor": self.cell_hidden(poor) or _num(poor.get("mean_satisfaction"), 2),
                            "difference": "" if difference.get("hidden")
                            else f"{_signed(difference.get('difference'), 2)} {interval}"})
        return {"kpis": kpis, "rows": rows, "paradox": paradox_line, "justice": justice, "findings": findings,
                "chart": (self.chart("bar_chart", bars, xlabel=self.t("axis_loyal_share"))
                          if self.charts and bars else None)}

    def trap_behaviour(self, trap: Mapping[str, Any], findings: list[str]) -> dict[str, Any] | None:
        behaviour = _ok(trap.get("behaviour"))
        if not behaviour:
            return None
        lines = []
        risk = behaviour.get("revenue_at_risk") or {}
        if risk.get("share_of_revenue") is not None:
            lines.append(self.t("risk_line", customers=_pct(risk.get("mercenary_share_of_customers")),
                                share=_pct(risk.get("share_of_revenue")), revenue=_int(risk.get("mercenary_revenue")),
                                clv=_int(risk.get("mercenary_clv"))))
        said = behaviour.get("defectors_who_said_satisfied") or {}
        if said.get("share") is not None:
            interval = said.get("ci") or [None, None]
            lines.append(self.t("said_line", share=_pct(said["share"]), n=_int(said.get("n_churned")),
                                low=_pct(interval[0]), high=_pct(interval[1])))
        actual = behaviour.get("trap_index_actual") or {}
        if actual.get("share_churned") is not None:
            interval = actual.get("ci") or [None, None]
            lines.append(self.t("actual_line", share=_pct(actual["share_churned"]), n=_int(actual.get("n_satisfied")),
                                low=_pct(interval[0]), high=_pct(interval[1])))
        tiers = ((behaviour.get("value") or {}).get("tiers")) or {}
        by_tier = behaviour.get("trap_index_by_tier") or {}
        rows = [{"tier": self.messages.get(f"tier_{name}", name), "n": self.cell_hidden(entry) or _int(entry.get("n")),
                 "share": _pct(entry.get("share")), "revenue": _int(entry.get("revenue")),
                 "profit": _int(entry.get("profit")), "profit_share": _pct(entry.get("profit_share")),
                 "clv": _int(entry.get("mean_clv")), "retention": _pct(entry.get("retention")),
                 "trap_index": self.cell_hidden(by_tier.get(name)) or _pct((by_tier.get(name) or {}).get("trap_index"))}
                for name, entry in tiers.items() if entry]
        return {"intro": self.t("behaviour_intro", n=_int(behaviour.get("n_matched"))), "lines": lines,
                "rows": rows, "findings": findings}
