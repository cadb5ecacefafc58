"""From an analysis RESULT dict to the plain context of the report template.

The template never computes: every number arrives here as a pre-formatted string in the report's language,
every sentence is chosen here, and the charts arrive as finished SVG. The context holds only dicts, lists and
strings, so it can be inspected, serialised and tested without rendering anything.

``meta`` carries what the RESULT does not know:

``labels``
    ``{construct or column: display text}`` (a questionnaire's construct labels and item texts in the
    report's language); names without a label are shown as they are.
``organisation``, ``survey``, ``date``
    cover lines (``date`` defaults to today).
``invited``
    how many people were invited; gives the response rate.
``population``
    ``"customers"`` or ``"employees"``; defaults to the model's ``trap.population``. Employees get the
    employee report (facets, eNPS, drivers of intent to stay, heatmap by department, HR wording).
``internal_service``
    constructs or columns that rate the service of other departments (default: a construct named
    ``InternalService`` when the model has one); shown per department in the employee report.
``disclosure``
    ``{anonymous, k, release, held_back}`` from the survey's disclosure gate: an anonymous survey's report says
    in its methods which confidentiality rule it was made under.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reports import charts as chart_module
from reports.errors import ReportError
from reports.messages import LANGUAGES, MESSAGES
from reports.warnings_zh import translate as warning_zh

#: Respondents below which the summary warns that small differences are not reliable.
SMALL_N = 100
#: Rules of thumb for the measurement caveats (Nunnally; Fornell & Larcker 1981; Henseler et al. 2015).
MIN_ALPHA, MIN_AVE, MAX_HTMT = 0.70, 0.50, 0.90
#: Significance level of the group flags.
ALPHA_LEVEL = 0.05
#: Groups per heatmap table: more would not fit the width of an A4 page.
HEATMAP_COLUMNS = 7
#: The construct that holds the internal-service ratings of the employee questionnaire, when meta names none.
INTERNAL_SERVICE = "InternalService"
#: Kaiser's (1974) labels of the KMO measure, lower bounds.
KMO_WORDS = ((0.90, "marvelous"), (0.80, "meritorious"), (0.70, "middling"), (0.60, "mediocre"),
             (0.50, "miserable"), (-math.inf, "unacceptable"))
DASH = "–"
#: The IA cut-offs of the basic / performance / excitement classes (analysis.trap_attributes).
IA_CUT = 0.2
#: Silent share of customers with a problem from which the report advises making complaining easy.
SILENT_SHARE = 0.3
SEGMENTS = ("loyalist", "apostle", "mercenary", "hostage", "defector", "terrorist")
STAGES = ("exploration", "formation", "stability", "decline")
COMPLAINT_GROUPS = ("no_problem", "silent", "complained", "recovered")
#: The trap sub-section of each finding kind (analysis.trap_findings.FINDING_KINDS); other kinds are general.
FINDING_PARTS = {
    "trap_index": "index",
    "zone": "curve", "lift": "curve",
    "segments": "segments",
    "basic_attributes": "attributes", "latent_attributes": "attributes", "kano_agreement": "attributes",
    "deepest_stage": "stages",
    "silent_complaints": "complaints", "recovery_paradox": "complaints", "no_recovery_paradox": "complaints",
    "said_satisfied": "behaviour", "revenue_at_risk": "behaviour",
}
_CUT = re.compile(r"'([^']+)'\s*>=\s*([-\d.]+)")


def build_context(result: Mapping[str, Any], *, lang: str, title: str | None = None,
                  meta: Mapping[str, Any] | None = None, charts: bool = True) -> dict[str, Any]:
    """The template context of the customer report for one analysis RESULT.

    Parameters
    ----------
    result : the RESULT dict of :func:`analysis.engine.run_analysis` (or RESULT.json loaded).
    lang : ``"en"`` or ``"zh"``.
    title : the report title; defaults to "Customer satisfaction report" in the language.
    meta : labels and cover details, see the module docstring.
    charts : draw the charts (SVG strings); without them every chart entry is ``None`` (for callers that
        only need the numbers and sentences, and a second faster).

    Returns
    -------
    dict
        ``lang``, ``html_lang``, ``population``, ``t`` (the static wording, with the HR wording in employee
        reports), ``title``, ``cover``, ``toc`` and one entry per section (``summary``, ``actions``,
        ``employee``, ``drivers``, ``model``, ``nps``, ``groups``, ``trends``, ``trap``, ``appendix``,
        ``methods``); a section the RESULT has nothing for is ``None`` or empty and left out of ``toc``.
    """
    context, pending = build_deferred(result, lang=lang, title=title, meta=meta, charts=charts)
    if not pending:
        return context
    # The charts are drawn together at the end, on several cores when there are (reports.charts.draw_all).
    drawn = chart_module.draw_all([chart.request for chart in pending])
    return _fill_charts(context, dict(zip(map(id, pending), drawn, strict=True)))


def build_deferred(result: Mapping[str, Any], *, lang: str, title: str | None = None,
                   meta: Mapping[str, Any] | None = None,
                   charts: bool = True) -> tuple[dict[str, Any], list[PendingChart]]:
    """The context with a :class:`PendingChart` in place of each chart, and those charts in the order asked
    for (the PDF renderer draws them while WeasyPrint reads the page)."""
    if lang not in LANGUAGES:
        raise ReportError(f"Unknown report language '{lang}'; use one of {', '.join(LANGUAGES)}.")
    builder = _Builder(result, lang, dict(meta or {}), charts)
    return builder.build(title), builder.pending


class PendingChart:
    """A chart the builder asked for: ``index`` in the report's charts and the :mod:`reports.charts` call."""

    __slots__ = ("index", "request")

    def __init__(self, index: int, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.index = index
        self.request = (name, args, kwargs)


def _fill_charts(value: Any, drawn: Mapping[int, str]) -> Any:
    if isinstance(value, PendingChart):
        return drawn[id(value)]
    if isinstance(value, dict):
        return {key: _fill_charts(item, drawn) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_charts(item, drawn) for item in value]
    return value


class _Builder:
    """Holds the language and labels while the sections are built."""

    def __init__(self, result: Mapping[str, Any], lang: str, meta: dict[str, Any], charts: bool) -> None:
        self.result = result
        self.charts = charts
        #: charts asked for, drawn all at once by build_context
        self.pending: list[PendingChart] = []
        self.lang = lang
        self.meta = meta
        self.labels: Mapping[str, str] = meta.get("labels") or {}
        model = result.get("model") or {}
        outcomes = model.get("outcomes") or {}
        self.satisfaction = outcomes.get("satisfaction") or "Satisfaction"
        self.loyalty = outcomes.get("loyalty")
        self.population = str(meta.get("population") or (model.get("trap") or {}).get("population") or "customers")
        self.employee = self.population == "employees"
        # Employee reports word some messages for HR: "<key>_employee" replaces "<key>".
        self.messages = dict(MESSAGES[lang])
        if self.employee:
            self.messages.update({key.removesuffix("_employee"): text for key, text in MESSAGES[lang].items()
                                  if key.endswith("_employee")})
        suppression = (result.get("groups") or {}).get("suppression") or {}
        heatmap = _ok(result.get("heatmap")) or {}
        self.k = suppression.get("k") or heatmap.get("k") or (_ok(result.get("trap")) or {}).get("min_cell")
        #: group -> "small" / "complementary" for groups the report must not show figures of
        self.hidden: dict[str, str] = {str(g): str(r) for g, r in (suppression.get("hidden") or {}).items()}

    # -- helpers -------------------------------------------------------------------------------------------
    def chart(self, name: str, *args: Any, **kwargs: Any) -> PendingChart:
        """A chart of :mod:`reports.charts` to be drawn later, with the others."""
        pending = PendingChart(len(self.pending), name, args, kwargs)
        self.pending.append(pending)
        return pending

    def t(self, key: str, **values: Any) -> str:
        return self.messages[key].format(**values) if values else self.messages[key]

    def label(self, name: str) -> str:
        return str(self.labels.get(name) or name)

    # -- the whole context -----------------------------------------------------------------------------------
    def build(self, title: str | None) -> dict[str, Any]:
        pls = _ok(self.result.get("pls"))
        sections = {
            "summary": self.summary(pls),
            "actions": self.actions(),
            "employee": self.employee_section() if self.employee else None,
            "drivers": self.drivers(),
            "model": self.model(pls),
            "nps": self.nps(),
            "groups": self.groups(),
            "trends": self.trends(),
            "trap": self.trap(),
            "appendix": self.appendix(pls),
            "methods": self.methods(),
        }
        titles = {
            "summary": self.t("sec_summary"),
            "actions": self.t("sec_actions"),
            "employee": self.t("sec_employee"),
            "drivers": self.t("sec_drivers"),
            "model": self.t("sec_model"),
            "nps": self.t("sec_nps"),
            "groups": self.t("sec_groups", by=self.label((self.result.get("groups") or {}).get("by", ""))),
            "trends": self.t("sec_trends"),
            "trap": self.t("sec_trap"),
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

    # -- executive summary ----------------------------------------------------------------------------------
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
            "levers": self.levers(),
            "trap": self.trap_findings()[:1],
            "caveats": self.caveats(pls),
        }

    def csi(self, pls: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The PLS 0-100 index of satisfaction (the ACSI way), else the equal-weight index of its items."""
        value = ((pls or {}).get("index") or {}).get(self.satisfaction)
        interval = ((pls or {}).get("index_ci") or {}).get(self.satisfaction)
        if value is None:
            value = ((self.result.get("constructs") or {}).get(self.satisfaction) or {}).get("index")
            interval = None
        if value is None:
            return None
        return {"value": _num(value, 1), "ci": self.ci_text(interval, 1),
                "sentence": self.t("csi_sentence", value=_num(value, 1))}

    def ci_text(self, interval: Sequence[float | None] | None, digits: int, *, percent: bool = False) -> str:
        if not interval or any(bound is None for bound in interval):
            return self.t("no_ci")
        low, high = interval
        if percent:
            return self.t("ci", low=_pct(low), high=_pct(high))
        return self.t("ci", low=_num(low, digits), high=_num(high, digits))

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
                lines.append(self.t("lever_line", label=self.label(name), outcome=outcome, share=_pct(value),
                                    low=_pct(interval[0]), high=_pct(interval[1])))
            else:
                lines.append(self.t("lever_line_no_ci", label=self.label(name), outcome=outcome,
                                    share=_pct(value)))
        return lines

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

    # -- drivers ------------------------------------------------------------------------------------------
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
            quadrant = entry.get("quadrant")
            ipa_rows.append({
                "label": self.label(entry["predictor"]),
                "importance": _pct(entry.get("importance")),
                "performance": _num(entry.get("performance"), 1),
                "quadrant": self.messages.get(f"quadrant_{quadrant}", quadrant or DASH),
            })
            if entry.get("importance") is not None and entry.get("performance") is not None:
                points.append({"label": self.label(entry["predictor"]),
                               "importance": 100 * entry["importance"],
                               "performance": entry["performance"]})
        r2 = (analysis.get("ols") or {}).get("r2")
        return {
            "title": self.t("driver_of", outcome=outcome),
            "intro": self.t("drivers_intro", outcome=outcome, r2=_pct(r2 if r2 is not None else total)),
            "rows": rows,
            "chart": self.chart("bar_chart", bars, xlabel=self.t("axis_explained")) if self.charts else None,
            "ipa_rows": ipa_rows,
            "ipa_chart": (self.chart("ipa_chart", points, xlabel=self.t("axis_importance"),
                                           ylabel=self.t("axis_performance"))
                          if self.charts and len(points) >= 2 else None),
            "warnings": list(analysis.get("warnings") or []),
        }

    # -- PLS model ----------------------------------------------------------------------------------------
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
        diagram = self.chart("path_diagram", nodes, edges) if self.charts else None
        return {"intro": self.t("model_intro"), "diagram": diagram,
                "paths": path_rows, "constructs": construct_rows}

    # -- NPS ----------------------------------------------------------------------------------------------
    def nps(self) -> dict[str, Any] | None:
        overall = _ok(self.result.get("nps"))
        if not overall or overall.get("score") is None:
            return None
        entries = [(self.t("all_respondents"), overall)]
        groups = self.result.get("groups") or {}
        hidden_rows = []
        for level in groups.get("levels") or []:
            if str(level) in self.hidden:
                hidden_rows.append({"label": self.label(level), "hidden": self.hidden_text(level)})
                continue
            block = _ok(((groups.get("summary") or {}).get(level) or {}).get("nps"))
            if block and block.get("score") is not None:
                entries.append((self.label(level), block))
        rows = [{"label": label, "n": _int(block.get("n")), "score": _num(block["score"], 1),
                 "ci": self.ci_text(block.get("ci"), 1), "promoters": _pct(block.get("promoters")),
                 "passives": _pct(block.get("passives")), "detractors": _pct(block.get("detractors")),
                 "hidden": None}
                for label, block in entries]
        bars = [{"label": label, **{key: block.get(key) for key in ("detractors", "passives", "promoters")}}
                for label, block in entries]
        rows += hidden_rows
        chart = None
        if self.charts:
            chart = self.chart("stacked_shares", bars, series=("detractors", "passives", "promoters"),
                                          names=(self.t("detractors"), self.t("passives"),
                                                 self.t("promoters")))
        return {"intro": self.t("nps_intro"), "rows": rows, "chart": chart,
                "score": rows[0]["score"], "ci": rows[0]["ci"]}

    # -- groups -------------------------------------------------------------------------------------------
    def hidden_text(self, level: Any) -> str:
        """What a suppressed group shows instead of its figures."""
        reason = self.hidden.get(str(level), "small")
        return self.t("suppressed_complementary" if reason == "complementary" else "suppressed_small",
                      k=_int(self.k) if self.k else DASH)

    def cell_hidden(self, entry: Mapping[str, Any] | None) -> str | None:
        """What a suppressed table cell shows in place of its figures (None for a shown cell)."""
        reason = (entry or {}).get("hidden")
        if not reason:
            return None
        return self.t("suppressed_complementary" if reason == "complementary" else "suppressed_small",
                      k=_int(self.k) if self.k else DASH)

    def heatmap_cells(self) -> dict[tuple[str, str], Mapping[str, Any]]:
        """The heatmap's cells by (group, facet); empty without a heatmap."""
        heatmap = _ok(self.result.get("heatmap")) or {}
        return {(str(c.get("group")), str(c.get("facet"))): c for c in heatmap.get("cells") or []}

    @staticmethod
    def rest_flag(cell: Mapping[str, Any] | None) -> str:
        """▲ / ▼ when a heatmap cell is significantly above / below the rest of the organisation (Holm)."""
        if not cell or not cell.get("shown") or not cell.get("significant") or not _finite(cell.get("diff")):
            return ""
        return " ▲" if cell["diff"] > 0 else " ▼"

    def groups(self) -> dict[str, Any] | None:
        """KPIs by unit: n, the 0-100 indices and the NPS per group, flagged, suppressed groups shown as such."""
        groups = _ok(self.result.get("groups"))
        if not groups or not groups.get("levels"):
            return None
        summary = groups.get("summary") or {}
        tests = groups.get("tests") or {}
        first = summary.get(groups["levels"][0]) or {}
        columns = list(first.get("indices") or {})
        # The satisfaction index first: it is the KPI a manager looks for.
        columns.sort(key=lambda c: (c != self.satisfaction, c != self.loyalty))
        if self.employee:  # the facets are in the heatmap, which fits them on the page
            facets = set(self.facets())
            columns = [c for c in columns if c not in facets]
        cells_of = self.heatmap_cells()
        has_nps = any((summary.get(level) or {}).get("nps") for level in groups["levels"])
        header = [self.t("col_group"), self.t("col_n")] + [self.label(c) for c in columns]
        if has_nps:
            header.append(self.t("col_nps"))
        rows = []
        for level in groups["levels"]:
            if str(level) in self.hidden:
                rows.append({"label": self.label(level), "n": "", "cells": [], "hidden": self.hidden_text(level)})
                continue
            entry = summary.get(level) or {}
            cells = []
            for column in columns:
                value = (entry.get("indices") or {}).get(column)
                flag = (self.rest_flag(cells_of.get((str(level), column))) if cells_of
                        else self.flag(tests.get(column), level))
                cells.append(_num(value, 1) + flag)
            if has_nps:
                nps = entry.get("nps") or {}
                cells.append(f"{_num(nps.get('score'), 1)} {_bracket(nps.get('ci'), lambda x: _num(x, 0))}")
            rows.append({"label": self.label(level), "n": _int(entry.get("n")), "cells": cells, "hidden": None})
        p_values = [_p((((tests.get(column) or {}).get("welch_anova")) or {}).get("p")) for column in columns]
        if has_nps:
            recommend = ((self.result.get("model") or {}).get("outcomes") or {}).get("recommend")
            p_values.append(_p((((tests.get(recommend) or {}).get("welch_anova")) or {}).get("p")))
        by = self.label(groups.get("by", ""))
        return {"intro": self.t("kpi_intro" if cells_of else "groups_intro", by=by), "header": header,
                "rows": rows, "p_row": {"label": self.t("welch_p"), "cells": p_values}}

    @staticmethod
    def flag(test: Mapping[str, Any] | None, level: str) -> str:
        """▲ when the group is significantly above another group, ▼ when below (Holm-adjusted)."""
        higher = lower = False
        for pair in (test or {}).get("pairwise") or []:
            p, diff = pair.get("p_holm"), pair.get("diff")
            if p is None or diff is None or p >= ALPHA_LEVEL:
                continue
            if pair.get("a") == level:
                higher, lower = higher or diff > 0, lower or diff < 0
            elif pair.get("b") == level:
                higher, lower = higher or diff < 0, lower or diff > 0
        return (" ▲" if higher else "") + (" ▼" if lower else "")

    # -- employee report -----------------------------------------------------------------------------------
    def facets(self) -> list[str]:
        """The job-satisfaction facets: the constructs that lead to satisfaction, else all but the outcomes."""
        constructs = list(self.result.get("constructs") or {})
        paths = (self.result.get("model") or {}).get("paths") or {}
        facets = [name for name in paths.get(self.satisfaction) or [] if name in constructs]
        internal = set(self.internal_service())
        return facets or [name for name in constructs if name not in (self.satisfaction, self.loyalty)
                          and name not in internal]

    def internal_service(self) -> list[str]:
        named = self.meta.get("internal_service")
        if named:
            return [str(name) for name in ([named] if isinstance(named, str) else named)]
        return [INTERNAL_SERVICE] if INTERNAL_SERVICE in (self.result.get("constructs") or {}) else []

    def employee_section(self) -> dict[str, Any] | None:
        """Facet scores, what keeps people, internal service between departments and the heatmap."""
        constructs = self.result.get("constructs") or {}
        rows, bars = [], []
        for name in self.facets():
            block = constructs.get(name) or {}
            rows.append({"label": self.label(name), "n": _int(block.get("n")), "mean": _num(block.get("mean"), 2),
                         "index": _num(block.get("index"), 1), "alpha": _num(block.get("alpha"), 2)})
            if _finite(block.get("index")):
                bars.append({"label": self.label(name), "value": block["index"]})
        bars.sort(key=lambda bar: -bar["value"])
        stay = [d for d in self.result.get("drivers") or []
                if _ok(d) and d.get("outcome") == self.loyalty and d.get("shapley")]
        section = {
            "intro": self.t("employee_intro"),
            "rows": rows,
            "chart": self.chart("bar_chart", bars, xlabel=self.t("axis_index")) if self.charts and bars else None,
            "stay_levers": self.levers(max(stay, key=lambda d: len(d["predictors"]))) if stay else [],
            "internal": self.internal_section(),
            "heatmap": self.heatmap(),
        }
        return section if rows or section["heatmap"] else None

    def internal_section(self) -> dict[str, Any] | None:
        """The internal-service ratings per department (suppressed departments shown as such)."""
        names = self.internal_service()
        groups = _ok(self.result.get("groups")) or {}
        summary = groups.get("summary") or {}
        names = [name for name in names if any(name in ((summary.get(level) or {}).get("indices") or {})
                                               for level in groups.get("levels") or [])]
        if not names:
            return None
        cells_of = self.heatmap_cells()
        constructs = self.result.get("constructs") or {}
        rows = [{"label": self.t("col_organisation"), "n": _int((constructs.get(names[0]) or {}).get("n")),
                 "cells": [_num((constructs.get(name) or {}).get("index"), 1) for name in names], "hidden": None}]
        for level in groups.get("levels") or []:
            if str(level) in self.hidden:
                rows.append({"label": self.label(level), "n": "", "cells": [], "hidden": self.hidden_text(level)})
                continue
            entry = summary.get(level) or {}
            rows.append({"label": self.label(level), "n": _int(entry.get("n")), "hidden": None,
                         "cells": [_num((entry.get("indices") or {}).get(name), 1)
                                   + self.rest_flag(cells_of.get((str(level), name))) for name in names]})
        return {"intro": self.t("internal_intro"),
                "header": [self.label(groups.get("by", "")), self.t("col_n")] + [self.label(n) for n in names],
                "rows": rows}

    def heatmap(self) -> dict[str, Any] | None:
        """Groups x facets: means flagged against the rest; hidden cells say why and carry no number."""
        heatmap = _ok(self.result.get("heatmap"))
        if not heatmap or not heatmap.get("cells") or not heatmap.get("groups"):
            return None
        cells_of = self.heatmap_cells()
        groups = [str(g) for g in heatmap["groups"]]
        facets = [str(f) for f in heatmap.get("facets") or []]
        organisation = heatmap.get("organisation") or {}
        # analysis.heatmap warns when the organisation's own figure of a facet would reveal a small group
        unsafe = {facet for facet in facets for warning in heatmap.get("warnings") or []
                  if f"organisation figure for {facet!r}" in str(warning)}
        reasons = set()
        tables = []
        for start in range(0, len(groups), HEATMAP_COLUMNS):
            chunk = groups[start:start + HEATMAP_COLUMNS]
            n_row = []
            for group in chunk:
                shown = [c for f in facets if (c := cells_of.get((group, f))) and c.get("shown")]
                n_row.append({"text": _int(max(c["n"] for c in shown)) if shown else "", "cls": ""})
            rows = []
            for facet in facets:
                line = []
                for group in chunk:
                    cell = cells_of.get((group, facet)) or {}
                    if not cell.get("shown"):
                        reason = "complementary" if cell.get("reason") == "complementary" else "small"
                        reasons.add(reason)
                        line.append({"text": self.t(f"hidden_{reason}_cell"), "cls": "hm-hidden"})
                        continue
                    flag = self.rest_flag(cell)
                    line.append({"text": _num(cell.get("mean"), 2) + flag,
                                 "cls": "hm-up" if "▲" in flag else ("hm-down" if "▼" in flag else "")})
                org = organisation.get(facet) or {}
                rows.append({"label": self.label(facet), "cells": line,
                             "organisation": DASH if facet in unsafe else _num(org.get("mean"), 2)})
            tables.append({"header": [self.label(g) for g in chunk], "n_row": n_row, "rows": rows})
        k = _int(heatmap.get("k"))
        legend = [self.t(f"hidden_{reason}", k=k) for reason in ("small", "complementary") if reason in reasons]
        return {"title": self.t("heatmap_title", by=self.label(heatmap.get("by", ""))),
                "intro": self.t("heatmap_intro", by=self.label(heatmap.get("by", "")), k=k),
                "tables": tables, "legend": legend}

    # -- trends -------------------------------------------------------------------------------------------
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

    # -- satisfaction trap --------------------------------------------------------------------------------
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

    def labels_list(self, names: Sequence[str]) -> str:
        shown = [self.label(name) for name in names]
        if len(shown) <= 1:
            return "".join(shown)
        return self.t("list_sep").join(shown[:-1]) + self.t("list_and") + shown[-1]

    def cut(self, definition: Any) -> str:
        """"'CUSA1' >= 9 (top 2 boxes of 1-10)" as "<label> at least 9" in the report's language."""
        match = _CUT.search(str(definition or ""))
        if not match:
            return DASH
        return self.t("cut_line", label=self.label(match.group(1)), cut=match.group(2))

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
            cls = entry.get("class")
            cls_name = self.messages.get(f"class_{cls}", str(cls or DASH))
            if cls and entry.get("class_confident") is False:
                cls_name = self.t("class_unsure", name=cls_name)
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
            spread = [v for d in dots for v in (d["value"], d["low"], d["high"]) if v is not None]
            limits = (min(-1.0, min(spread) - 0.05), max(1.0, max(spread) + 0.05))
            ia_chart = self.chart("interval_dots",
                dots, xlabel=self.t("axis_ia"), limits=limits,
                bands=[(-math.inf, -IA_CUT, self.t("class_basic")), (-IA_CUT, IA_CUT, self.t("class_performance")),
                       (IA_CUT, math.inf, self.t("class_excitement"))])
        if self.charts and len(points) >= 2:
            range_chart = self.chart("class_scatter",
                points, classes=[(cls, self.t(f"class_{cls}")) for cls in ("basic", "performance", "excitement")],
                xlabel=self.t("axis_mean_performance"), ylabel=self.t("axis_impact_range"))
        unsure = any(attributes[name].get("class_confident") is False for name in ordered)
        return {"rows": rows, "ia_chart": ia_chart, "range_chart": range_chart, "findings": findings,
                "note": self.t("class_unsure_note") if unsure else None}

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
            paradox_line = (self.t("paradox_line", diff=_signed(sat.get("difference"), 2),
                                   low=_num(sat.get("ci_low"), 2), high=_num(sat.get("ci_high"), 2),
                                   ldiff=_signed(_scaled(loyal.get("difference")), 1),
                                   llow=_num(_scaled(loyal.get("ci_low")), 1),
                                   lhigh=_num(_scaled(loyal.get("ci_high")), 1), n=_int(paradox["n_recovered"]))
                            + " " + self.t("paradox_holds" if paradox.get("holds") else "paradox_not"))
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

    # -- recommended actions --------------------------------------------------------------------------------
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
                out.append({"action": self.t(key, labels=self.labels_list(names)), "why": self.t(f"{key}_why")})
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

    def methods(self) -> list[str]:
        """The methods in brief, with the confidentiality rule an anonymous survey's report was made under."""
        lines = self.t("methods").split("|")
        disclosure = self.meta.get("disclosure") or {}
        if disclosure.get("anonymous"):
            lines.append(self.t("methods_disclosure", k=_int(disclosure.get("k")),
                                release=_int(disclosure.get("release"))))
            if disclosure.get("held_back"):
                lines.append(self.t("methods_held_back", n=_int(disclosure["held_back"])))
        return lines

    # -- appendix -----------------------------------------------------------------------------------------
    def appendix(self, pls: Mapping[str, Any] | None) -> dict[str, Any]:
        constructs = self.result.get("constructs") or {}
        pls = pls or {}
        rows = [{
            "label": self.label(name),
            "items": str(len(block.get("items") or [])),
            "n": _int(block.get("n")),
            "alpha": _num(block.get("alpha"), 3),
            "omega": _num(block.get("omega"), 3),
            "rho_c": _num((pls.get("rho_c") or {}).get(name), 3),
            "ave": _num((pls.get("ave") or {}).get(name), 3),
        } for name, block in constructs.items()]
        htmt = None
        names = list(pls.get("htmt") or {})
        if len(names) > 1:
            htmt = {"header": [""] + [self.label(name) for name in names[:-1]],
                    "rows": [{"label": self.label(a),
                              "cells": [_num(pls["htmt"][a].get(b), 2) if j < i else "" for j, b in
                                        enumerate(names[:-1])]}
                             for i, a in enumerate(names) if i > 0]}
        return {"intro": self.t("measurement_intro"), "constructs": rows, "htmt": htmt, "efa": self.efa(),
                "data": self.data_line(), "warnings": self.warnings(self.result.get("warnings") or [])}

    def warnings(self, sentences: Sequence[str]) -> list[str]:
        """The analysis's warnings (English sentences) in the report's language.

        Warnings that name a suppressed group ("Group 'IT' has only 3 answers") would give away its size, so
        they are left out.
        """
        if self.hidden:
            names = [(f"'{group}'", f", {group})", f"({group})") for group in self.hidden]
            sentences = [s for s in sentences if not any(mark in str(s) for marks in names for mark in marks)]
        if self.lang == "zh":
            return [warning_zh(sentence) for sentence in sentences]
        return [str(sentence) for sentence in sentences]

    def efa(self) -> str | None:
        efa = _ok((self.result.get("efa") or {}).get("all_items"))
        if not efa:
            return None
        kmo = efa.get("kmo")
        word = next(label for bound, label in KMO_WORDS if kmo is None or kmo >= bound)
        return self.t("efa_line", n_items=len(efa.get("items") or []), n=_int(efa.get("n")), kmo=_num(kmo, 2),
                      kmo_word=self.t(f"kmo_{word}") if kmo is not None else DASH,
                      factors=efa.get("n_factors", DASH), method=efa.get("method", DASH),
                      rotation=efa.get("rotation", DASH))

    def data_line(self) -> str:
        missing = self.result.get("missing") or {}
        method = missing.get("method") or "listwise"
        return self.t("data_line", n=_int(self.result.get("n")), n_used=_int(self.result.get("n_used")),
                      method=self.messages.get(f"method_{method}", method),
                      dropped=_int(missing.get("rows_dropped") or 0),
                      cells=_int(missing.get("cells_missing") or 0))


def _g(value: Any) -> str:
    """A level as the analysis prints it (9.0 -> "9")."""
    return f"{value:g}" if _finite(value) else DASH


def _scaled(share: Any) -> float | None:
    """A share in percent, or ``None``."""
    return 100 * share if _finite(share) else None


def _signed(value: Any, digits: int) -> str:
    return ("+" if _finite(value) and value > 0 else "") + _num(value, digits)


def _sort_value(value: Any) -> float:
    return value if _finite(value) else math.inf


def _ok(block: Any) -> Any:
    """The block, or ``None`` when it is missing or failed (``"error"`` in it)."""
    if not block or (isinstance(block, Mapping) and block.get("error")):
        return None
    return block


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _num(value: Any, digits: int) -> str:
    """A number with fixed decimals and an ASCII minus (so it can be searched for in the PDF text)."""
    if not _finite(value):
        return DASH
    text = f"{value:,.{digits}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def _int(value: Any) -> str:
    return f"{int(value):,}" if _finite(value) else DASH


def _pct(share: Any, digits: int = 1) -> str:
    return f"{_num(100 * share, digits)}%" if _finite(share) else DASH


def _p(value: Any) -> str:
    if not _finite(value):
        return DASH
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _bracket(interval: Sequence[Any] | None, show: Callable[[Any], str]) -> str:
    if not interval or any(not _finite(bound) for bound in interval):
        return DASH
    return f"[{show(interval[0])}, {show(interval[1])}]"
