"""The complaint recovery section: time to resolve, loyalty after the recovery in three groups, the justice drivers
(from analysis.recovery; shown only when the survey has cases)."""

from __future__ import annotations

from typing import Any

from analysis.recovery import MIN_DRIVER_CASES, MIN_GROUP
from reports.context.base import BuilderBase
from reports.context.format import _int, _num, _pct, _signed


class RecoverySection(BuilderBase):
    """Complaint recovery on real cases (a part of the report context's builder)."""

    def recovery(self) -> dict[str, Any] | None:
        block = self.result.get("recovery")
        if not isinstance(block, dict) or not block.get("cases"):
            return None
        facts = [(self.t("recovery_cases"), _int(block["cases"])),
                 (self.t("recovery_resolved"), _int(block.get("resolved")))]
        if block.get("hours_median") is not None:
            facts.append((self.t("recovery_hours"), self.t(
                "recovery_hours_value", median=_num(block["hours_median"], 1), q1=_num(block["hours_q1"], 1),
                q3=_num(block["hours_q3"], 1))))
        if block.get("invited"):
            low, high = block.get("response_rate_ci") or (None, None)
            facts.append((self.t("recovery_rate"), self.t(
                "recovery_rate_value", answered=_int(block.get("answered")), invited=_int(block["invited"]),
                share=_pct(block.get("response_rate")), low=_pct(low), high=_pct(high))))
        else:
            facts.append((self.t("recovery_rate"), self.t("recovery_none_sent")))
        groups = [{"key": group["group"], "label": self.t(f"recovery_group_{group['group']}"), "n": _int(group["n"]),
                   "mean": _num(group.get("mean"), 1) if group["n"] else "—",
                   "mean_ci": self.ci_text(group.get("mean_ci"), 1) if group["n"] else "",
                   "promoters": _pct(group.get("promoters")) if group["n"] else "—",
                   "promoters_ci": self.ci_text(group.get("promoters_ci"), 1, percent=True) if group["n"] else ""}
                  for group in block.get("groups") or []]
        return {"intro": self.t("recovery_intro"), "facts": facts, "groups": groups,
                "paradox": self._paradox(block), "drivers": self._drivers(block)}

    def _paradox(self, block: dict[str, Any]) -> str:
        verdict = block.get("paradox")
        if verdict not in ("supported", "contradicted", "no_difference"):
            return self.t("recovery_paradox_not_enough", k=MIN_GROUP)
        low, high = block["paradox_ci"]
        return self.t(f"recovery_paradox_{verdict}", diff=_signed(block["paradox_difference"], 1),
                      low=_signed(low, 1), high=_signed(high, 1))

    def _drivers(self, block: dict[str, Any]) -> dict[str, Any]:
        drivers = block.get("drivers") or []
        if not drivers:
            return {"rows": [], "line": self.t("recovery_drivers_not_enough", n=_int(block.get("drivers_n")),
                                               k=MIN_DRIVER_CASES)}
        rows = [{"label": self.t(f"recovery_justice_{d['dimension']}"), "r": _num(d["r"], 2),
                 "beta": _num(d["beta"], 2), "beta_ci": self.ci_text(d["beta_ci"], 2)} for d in drivers]
        top = block.get("top_driver")
        line = (self.t("recovery_top_driver", dimension=self.t(f"recovery_justice_{top}")) if top
                else self.t("recovery_no_top_driver"))
        return {"rows": rows, "line": line}

    def recovery_methods(self) -> str | None:
        """The methods paragraph of the recovery section, when the report has one."""
        if not isinstance(self.result.get("recovery"), dict) or not self.result["recovery"].get("cases"):
            return None
        return self.t("methods_recovery", k=MIN_GROUP, m=MIN_DRIVER_CASES)
