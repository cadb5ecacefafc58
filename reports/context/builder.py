"""The report context's builder: every section, in the order the report reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reports.context.actions import ActionsSection
from reports.context.appendix import AppendixSection
from reports.context.drivers import DriversSection
from reports.context.employee import EmployeeSection
from reports.context.followup import FollowUpSection
from reports.context.format import (
    _int,
    _ok,
)
from reports.context.model import ModelSection
from reports.context.model_groups import ModelGroupsSection
from reports.context.nps import NpsSection
from reports.context.recovery import RecoverySection
from reports.context.summary import SummarySection
from reports.context.text import TextSection
from reports.context.trap import TrapSection
from reports.context.trends import TrendsSection
from reports.context.units import UnitsSection


class Builder(SummarySection, ActionsSection, DriversSection, ModelSection, ModelGroupsSection, NpsSection,
              UnitsSection, EmployeeSection, TrendsSection, TrapSection, RecoverySection, TextSection, AppendixSection,
              FollowUpSection):
    """All sections; ``build`` makes the whole context."""

    def build(self, title: str | None) -> dict[str, Any]:
        pls = _ok(self.result.get("pls"))
        sections = {
            "summary": self.summary(pls),
            "actions": self.actions(),
            "followup": self.followup(),
            "employee": self.employee_section() if self.employee else None,
            "drivers": self.drivers(),
            "model": self.model(pls),
            "model_groups": self.model_groups(pls),
            "nps": self.nps(),
            "groups": self.groups(),
            "trends": self.trends(),
            "trap": self.trap(),
            "recovery": self.recovery(),
            "text": self.text(),
            "appendix": self.appendix(pls),
            "methods": self.methods() + ([self.t("methods_followup")] if self.result.get("action_followup")
                                         else []),
        }
        titles = {
            "summary": self.t("sec_summary"),
            "actions": self.t("sec_actions"),
            "followup": self.t("sec_followup"),
            "employee": self.t("sec_employee"),
            "drivers": self.t("sec_drivers"),
            "model": self.t("sec_model"),
            "model_groups": self.t("sec_model_groups"),
            "nps": self.t("sec_nps"),
            "groups": self.t("sec_groups", by=self.label((self.result.get("groups") or {}).get("by", ""))),
            "trends": self.t("sec_trends"),
            "trap": self.t("sec_trap"),
            "recovery": self.t("sec_recovery"),
            "text": self.t("text_section"),
            "appendix": self.t("sec_appendix"),
            "methods": self.t("sec_methods"),
        }
        report_title = title or self.t("default_title")
        date = str(self.meta.get("date") or dt.date.today().isoformat())
        return {
            "lang": self.lang,
            "html_lang": self.t("html_lang"),
            "population": self.population,
            "t": dict(self.messages),
            "title": report_title,
            "cover": {
                "title": report_title,
                "kind": self.t("report_kind"),
                "organisation": str(self.meta.get("organisation") or ""),
                "survey": str(self.meta.get("survey") or ""),
                "date": self.t("prepared", date=date),
                "respondents": self.t("respondents", n=_int(self.result.get("n_used"))),
            },
            "section_titles": titles,
            "toc": [{"id": key, "title": titles[key]} for key, value in sections.items() if value],
            **sections,
        }
