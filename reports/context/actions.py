"""Recommended actions: one per finding that calls for one, every number from the RESULT."""

from __future__ import annotations

from reports.context.base import BuilderBase
from reports.context.format import (
    _finite,
    _g,
    _ok,
    _pct,
)
from reports.context.rules import (
    SILENT_SHARE,
)


class ActionsSection(BuilderBase):
    """Recommended actions (a part of the report context's builder)."""

    def actions(self) -> list[dict[str, str]]:
        """What to do, one action per finding that calls for one; every number comes from the RESULT."""
        out: list[dict[str, str]] = []
        lever = self.lever_analysis()
        if lever:
            weak = [entry["predictor"] for entry in lever.get("ipa") or []
                    if entry.get("quadrant") == "concentrate here"]
            if weak:
                out.append({"action": self.t("act_improve", labels=self.labels_list(weak)),
                            "why": self.t("act_improve_why", outcome=self.label(lever["outcome"]))})
        trap = _ok(self.result.get("trap")) or {}
        attributes = _ok(trap.get("attributes")) or {}
        for cls, key in (("basic", "act_basic"), ("excitement", "act_excite")):
            names = [name for name, entry in attributes.items()
                     if entry.get("class") == cls and entry.get("class_confident")]
            if names:
                out.append({"action": self.t(key, labels=self.labels_list(self.short_names(names))),
                            "why": self.t(f"{key}_why")})
        curve = _ok(trap.get("curve")) or {}
        zone, jump = trap.get("zone_of_indifference"), curve.get("jump")
        if zone and jump:
            out.append({"action": self.t("act_top_box"),
                        "why": self.t("act_top_box_why", low=_g(zone[0]), high=_g(zone[1]),
                                      a=_g(jump["from_level"]), b=_g(jump["to_level"]))})
        stages = {name: v for name, v in (_ok(trap.get("stages")) or {}).items()
                  if _finite((v or {}).get("trap_index"))}
        if stages:
            worst = max(stages, key=lambda name: stages[name]["trap_index"])
            programme = stages[worst].get("programme") or ""
            if self.lang != "en":
                programme = self.messages.get(f"programme_{worst.lower()}", programme)
            if programme:
                out.append({"action": self.t("act_stage", stage=self.stage_name(worst), programme=programme),
                            "why": self.t("act_stage_why", share=_pct(stages[worst]["trap_index"], 0))})
        complaints = _ok(trap.get("complaints")) or {}
        silent = complaints.get("silent_share")
        if _finite(silent) and silent >= SILENT_SHARE:
            out.append({"action": self.t("act_complain"), "why": self.t("act_complain_why", share=_pct(silent, 0))})
        paradox = complaints.get("recovery_paradox") or {}
        if paradox.get("n_recovered"):
            key = "act_recover" if paradox.get("holds") else "act_prevent"
            out.append({"action": self.t(key), "why": self.t(f"{key}_why")})
        risk = ((_ok(trap.get("behaviour")) or {}).get("revenue_at_risk")) or {}
        if _finite(risk.get("share_of_revenue")) and risk["share_of_revenue"] > 0:
            out.append({"action": self.t("act_protect"),
                        "why": self.t("act_protect_why", share=_pct(risk["share_of_revenue"], 0))})
        return out
