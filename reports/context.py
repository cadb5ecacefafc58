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
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reports import charts
from reports.errors import ReportError
from reports.messages import LANGUAGES, MESSAGES

#: Respondents below which the summary warns that small differences are not reliable.
SMALL_N = 100
#: Rules of thumb for the measurement caveats (Nunnally; Fornell & Larcker 1981; Henseler et al. 2015).
MIN_ALPHA, MIN_AVE, MAX_HTMT = 0.70, 0.50, 0.90
#: Significance level of the group flags.
ALPHA_LEVEL = 0.05
#: Kaiser's (1974) labels of the KMO measure, lower bounds.
KMO_WORDS = ((0.90, "marvelous"), (0.80, "meritorious"), (0.70, "middling"), (0.60, "mediocre"),
             (0.50, "miserable"), (-math.inf, "unacceptable"))
DASH = "–"


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
        ``lang``, ``html_lang``, ``t`` (the static wording), ``title``, ``cover``, ``toc`` and one entry per
        section (``summary``, ``drivers``, ``model``, ``nps``, ``groups``, ``trap``, ``employee``,
        ``appendix``, ``methods``); a section the RESULT has nothing for is ``None`` or empty.
    """
    if lang not in LANGUAGES:
        raise ReportError(f"Unknown report language '{lang}'; use one of {', '.join(LANGUAGES)}.")
    return _Builder(result, lang, dict(meta or {}), charts).build(title)


class _Builder:
    """Holds the language and labels while the sections are built."""

    def __init__(self, result: Mapping[str, Any], lang: str, meta: dict[str, Any], charts: bool) -> None:
        self.result = result
        self.charts = charts
        self.lang = lang
        self.meta = meta
        self.messages = MESSAGES[lang]
        self.labels: Mapping[str, str] = meta.get("labels") or {}
        outcomes = (result.get("model") or {}).get("outcomes") or {}
        self.satisfaction = outcomes.get("satisfaction") or "Satisfaction"

    # -- helpers -------------------------------------------------------------------------------------------
    def t(self, key: str, **values: Any) -> str:
        return self.messages[key].format(**values) if values else self.messages[key]

    def label(self, name: str) -> str:
        return str(self.labels.get(name) or name)

    # -- the whole context -----------------------------------------------------------------------------------
    def build(self, title: str | None) -> dict[str, Any]:
        pls = _ok(self.result.get("pls"))
        sections = {
            "summary": self.summary(pls),
            "drivers": self.drivers(),
            "model": self.model(pls),
            "nps": self.nps(),
            "groups": self.groups(),
            # Hook: the satisfaction-trap analysis adds result["trap"]; until its own section exists its
            # findings are shown as generic tables.
            "trap": self.trap(),
            # Hook: the employee report (facets, eNPS, confidentiality) will fill this section.
            "employee": None,
            "appendix": self.appendix(pls),
            "methods": self.t("methods").split("|"),
        }
        titles = {
            "summary": self.t("sec_summary"),
            "drivers": self.t("sec_drivers"),
            "model": self.t("sec_model"),
            "nps": self.t("sec_nps"),
            "groups": self.t("sec_groups", by=self.label((self.result.get("groups") or {}).get("by", ""))),
            "trap": self.t("sec_trap"),
            "employee": self.t("sec_employee"),
            "appendix": self.t("sec_appendix"),
            "methods": self.t("sec_methods"),
        }
        report_title = title or self.t("default_title")
        date = str(self.meta.get("date") or dt.date.today().isoformat())
        return {
            "lang": self.lang,
            "html_lang": self.t("html_lang"),
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

    def levers(self) -> list[str]:
        analysis = self.lever_analysis()
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
            "chart": charts.bar_chart(bars, xlabel=self.t("axis_explained")) if self.charts else None,
            "ipa_rows": ipa_rows,
            "ipa_chart": (charts.ipa_chart(points, xlabel=self.t("axis_importance"),
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
        diagram = charts.path_diagram(nodes, edges) if self.charts else None
        return {"intro": self.t("model_intro"), "diagram": diagram,
                "paths": path_rows, "constructs": construct_rows}

    # -- NPS ----------------------------------------------------------------------------------------------
    def nps(self) -> dict[str, Any] | None:
        overall = _ok(self.result.get("nps"))
        if not overall or overall.get("score") is None:
            return None
        entries = [(self.t("all_respondents"), overall)]
        groups = self.result.get("groups") or {}
        for level in groups.get("levels") or []:
            block = _ok(((groups.get("summary") or {}).get(level) or {}).get("nps"))
            if block and block.get("score") is not None:
                entries.append((self.label(level), block))
        rows = [{"label": label, "n": _int(block.get("n")), "score": _num(block["score"], 1),
                 "ci": self.ci_text(block.get("ci"), 1), "promoters": _pct(block.get("promoters")),
                 "passives": _pct(block.get("passives")), "detractors": _pct(block.get("detractors"))}
                for label, block in entries]
        bars = [{"label": label, **{key: block.get(key) for key in ("detractors", "passives", "promoters")}}
                for label, block in entries]
        chart = None
        if self.charts:
            chart = charts.stacked_shares(bars, series=("detractors", "passives", "promoters"),
                                          names=(self.t("detractors"), self.t("passives"),
                                                 self.t("promoters")))
        return {"intro": self.t("nps_intro"), "rows": rows, "chart": chart,
                "score": rows[0]["score"], "ci": rows[0]["ci"]}

    # -- groups -------------------------------------------------------------------------------------------
    def groups(self) -> dict[str, Any] | None:
        groups = _ok(self.result.get("groups"))
        if not groups or not groups.get("levels"):
            return None
        summary = groups.get("summary") or {}
        tests = groups.get("tests") or {}
        first = summary.get(groups["levels"][0]) or {}
        columns = list(first.get("indices") or {})
        has_nps = any((summary.get(level) or {}).get("nps") for level in groups["levels"])
        header = [self.t("col_group"), self.t("col_n")] + [self.label(c) for c in columns]
        if has_nps:
            header.append(self.t("col_nps"))
        rows = []
        for level in groups["levels"]:
            entry = summary.get(level) or {}
            cells = []
            for column in columns:
                value = (entry.get("indices") or {}).get(column)
                cells.append(_num(value, 1) + self.flag(tests.get(column), level))
            if has_nps:
                cells.append(_num(((entry.get("nps") or {}).get("score")), 1))
            rows.append({"label": self.label(level), "n": _int(entry.get("n")), "cells": cells})
        p_values = [_p((((tests.get(column) or {}).get("welch_anova")) or {}).get("p")) for column in columns]
        if has_nps:
            recommend = ((self.result.get("model") or {}).get("outcomes") or {}).get("recommend")
            p_values.append(_p((((tests.get(recommend) or {}).get("welch_anova")) or {}).get("p")))
        return {"intro": self.t("groups_intro", by=self.label(groups.get("by", ""))), "header": header,
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

    # -- satisfaction trap (hook) -------------------------------------------------------------------------
    def trap_findings(self) -> list[str]:
        """The trap analysis's own sentences (``trap.findings``: ``[{en, zh}]``) in the report's language."""
        findings = (_ok(self.result.get("trap")) or {}).get("findings") or []
        return [str(f.get(self.lang) or f.get("en")) for f in findings if isinstance(f, Mapping)]

    def trap(self) -> dict[str, Any] | None:
        trap = _ok(self.result.get("trap"))
        if not trap:
            return None
        # Until the section has its own layout (curve, zone of indifference, segments, basic vs latent
        # attributes), every other finding is shown as a generic table.
        rest = {key: value for key, value in trap.items() if key not in ("findings", "warnings")}
        return {"intro": self.t("trap_intro"), "findings": self.trap_findings(),
                "tables": _generic_tables(rest, self.t("col_finding"), self.t("col_value"))}

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
                "data": self.data_line(), "warnings": list(self.result.get("warnings") or [])}

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


def _flat(value: Any) -> bool:
    """A record: a mapping whose values are scalars or lists of scalars."""
    def scalar(v: Any) -> bool:
        if isinstance(v, list):
            return all(not isinstance(x, Mapping | list) for x in v)
        return not isinstance(v, Mapping)

    return isinstance(value, Mapping) and bool(value) and all(scalar(v) for v in value.values())


def _generic_tables(block: Any, key_title: str, value_title: str) -> list[dict[str, Any]]:
    """Tables for a nested result of unknown shape: scalars as key/value rows, lists of records as tables."""
    tables: list[dict[str, Any]] = []
    scalars: list[list[str]] = []

    def show(value: Any) -> str:
        if isinstance(value, bool):
            return str(value)
        if _finite(value):
            return _num(value, 3) if isinstance(value, float) else _int(value)
        if value is None:
            return DASH
        if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
            return ", ".join(show(v) for v in value)
        return str(value)

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping) and value and all(_flat(v) for v in value.values()):
            # A mapping of records (say, per attribute): one row per key.
            keys = list(dict.fromkeys(k for v in value.values() for k in v))
            tables.append({"caption": path, "header": ["", *keys],
                           "rows": [[str(name), *(show(v.get(k)) for k in keys)]
                                    for name, v in value.items()]})
        elif isinstance(value, Mapping):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            keys = list(dict.fromkeys(k for v in value for k in v))
            tables.append({"caption": path, "header": keys,
                           "rows": [[show(v.get(k)) for k in keys] for v in value]})
        elif path != "warnings":
            scalars.append([path, show(value)])

    walk(block, "")
    if scalars:
        tables.insert(0, {"caption": "", "header": [key_title, value_title], "rows": scalars})
    return tables
