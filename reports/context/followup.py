"""Actions since the last wave: each action's driver change in its unit, and the difference in differences."""

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
from reports.context.rules import DASH

#: the action statuses a report names (survey_app.models.actions.ACTION_STATUSES)
STATUSES = ("planned", "in_progress", "done", "dropped")


class FollowUpSection(BuilderBase):
    """Actions since the last wave (a part of the report context's builder)."""

    def followup(self) -> dict[str, Any] | None:
        """Per action: driver, unit, owner, status, change with interval and its label; the DiD per driver."""
        block = _ok(self.result.get("action_followup"))
        if not block or not block.get("actions"):
            return None
        changes, did = block.get("changes") or {}, block.get("did") or {}
        names = block.get("unit_names") or {}
        rows = []
        for action in block["actions"]:
            change = changes.get(str(action["id"])) or {}
            unit = action.get("unit")
            shown = change.get("reason") == "shown"
            digits = self._digits(change)
            rows.append({
                "title": action.get("title") or "",
                "driver": self.label(str(action.get("driver"))),
                "unit": self.label(names.get(unit, unit)) if unit else self.t("fu_whole_survey"),
                "owner": action.get("owner") or DASH,
                "status": self.t(f"fu_status_{action.get('status')}") if action.get("status") in STATUSES
                else DASH,
                "before": self._level(change, "mean_before") if shown else DASH,
                "after": self._level(change, "mean_after") if shown else DASH,
                "change": _signed(change.get("change"), digits) if shown else DASH,
                "ci": _bracket([change.get("ci_low"), change.get("ci_high")],
                               lambda x, d=digits: _num(x, d)) if shown else DASH,
                "n": f"{_int(change.get('n_before'))} / {_int(change.get('n_after'))}" if shown else DASH,
                "verdict": self.t(f"fu_{change.get('verdict')}") if shown and change.get("verdict")
                else self.t(f"fu_reason_{change.get('reason') or 'not_asked'}", k=_int(block.get("min_group_size"))),
            })
        lines = []
        for driver, entry in did.items():
            if entry.get("reason") != "shown":
                why = self.t(f"fu_reason_{entry.get('reason')}", k=_int(block.get("min_group_size")))
                lines.append(self.t("fu_did_missing", driver=self.label(driver), why=why))
                continue
            digits = 1 if entry.get("scale") == "index" else 2
            lines.append(self.t(
                "fu_did_line", driver=self.label(driver), did=_signed(entry.get("did"), digits),
                ci=_bracket([entry.get("ci_low"), entry.get("ci_high")], lambda x, d=digits: _num(x, d)),
                p=_p(entry.get("p")), treated=_int(entry.get("treated_units")),
                control=_int(entry.get("control_units")),
                se=self.t("fu_se_cluster" if entry.get("se_kind") == "cluster" else "fu_se_hc1",
                          clusters=_int(entry.get("clusters"))),
                verdict=self.t(f"fu_did_{entry.get('verdict')}")))
            if entry.get("survey_wide"):
                lines.append(self.t("fu_survey_wide", driver=self.label(driver)))
        return {"intro": self.t("fu_intro", earlier=str(block.get("earlier")), later=str(block.get("later")),
                                k=_int(block.get("min_group_size"))),
                "rows": rows, "did": lines, "caveats": [self.t(f"fu_caveat_{c}") for c in block.get("caveats") or []]}

    @staticmethod
    def _digits(change: dict[str, Any]) -> int:
        return 1 if change.get("scale") == "index" else 2

    def _level(self, change: dict[str, Any], key: str) -> str:
        value = change.get(key)
        return _num(value, self._digits(change)) if _finite(value) else DASH
