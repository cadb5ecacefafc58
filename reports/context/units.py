"""Figures by unit: KPIs flagged against the rest, and the heatmap of the employee report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from analysis.rollup import chains
from reports.context.base import BuilderBase, column_chunks
from reports.context.format import (
    _bracket,
    _int,
    _natural,
    _num,
    _ok,
    _p,
)
from reports.context.rules import (
    DASH,
    HEATMAP_COLUMNS,
    TABLE_COLUMNS,
)


class UnitsSection(BuilderBase):
    """Figures by unit (a part of the report context's builder)."""

    def groups(self) -> dict[str, Any] | None:
        """KPIs by unit: n, the 0-100 indices and the NPS per group, flagged, suppressed groups shown as such; with
        a hierarchy the units' parents (regions) above them, and everyone first. Wide tables come in column chunks."""
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

        def figures(entry: Mapping[str, Any], flag: Callable[[str], str]) -> list[str]:
            cells = [_num((entry.get("indices") or {}).get(column), 1) + flag(column) for column in columns]
            if has_nps:
                nps = entry.get("nps") or {}
                cells.append(f"{_num(nps.get('score'), 1)} {_bracket(nps.get('ci'), lambda x: _num(x, 0))}")
            return cells

        def group_flag(level: str) -> Callable[[str], str]:
            return lambda column: self.unit_flag(level, column)

        rows = []
        total = groups.get("total") or {}
        if total.get("n"):
            rows.append({"label": self.t("all_respondents"), "n": _int(total["n"]), "depth": 0, "total": True,
                         "cells": figures(total, lambda column: ""), "hidden": None})
        for node, tier in self._tree(groups):
            if tier is None:  # a unit's own respondents
                label = self.label(node) if node not in self._rolled_up(groups) else self.t("unit_own",
                                                                                           name=self.label(node))
                if node in self.hidden:
                    rows.append({"label": label, "depth": self._depth(groups, node), "hidden": self.hidden_text(node)})
                    continue
                entry = summary.get(node) or {}
                rows.append({"label": label, "n": _int(entry.get("n")), "depth": self._depth(groups, node),
                             "cells": figures(entry, group_flag(node)), "hidden": None})
                continue
            entry = (tier.get("summary") or {}).get(node) or {}
            if total.get("n") and entry.get("n") == total["n"]:
                continue  # the whole of the answers: the first row says it
            hidden = (tier.get("suppression") or {}).get("hidden") or {}
            depth = self._depth(groups, node)
            if node in hidden:
                rows.append({"label": self.label(node), "depth": depth, "parent": True,
                             "hidden": self.t("suppressed_complementary" if hidden[node] == "complementary"
                                              else "suppressed_small", k=_int(self.k) if self.k else DASH)})
                continue
            rows.append({"label": self.label(node), "n": _int(entry.get("n")), "depth": depth, "parent": True,
                         "cells": figures(entry, self.tier_flag(tier.get("tests") or {}, node)), "hidden": None})
        rows = [{"total": False, "parent": False, "depth": 0, "n": "", "cells": [], **row} for row in rows]
        recommend = ((self.result.get("model") or {}).get("outcomes") or {}).get("recommend")
        tested = columns + ([recommend] if has_nps else [])

        def p_row(label: str, tests_of: Mapping[str, Any]) -> dict[str, Any]:
            return {"label": label, "cells": [_p((((tests_of.get(c) or {}).get("welch_anova")) or {}).get("p"))
                                              for c in tested]}

        by = self.label(groups.get("by", ""))
        p_rows = [p_row(self.t("welch_p"), tests)]
        tiers = (groups.get("rollup") or {}).get("tiers") or []
        if tiers:  # one test per level of the tree, named after what it compares
            p_rows = [p_row(self.t("welch_p_among", among=by), tests)]
            for tier in tiers:
                kinds = [self.unit_kind(node) for node in tier.get("levels") or []]
                if len(kinds) >= 2 and tier.get("tests"):
                    p_rows.append(p_row(self.t("welch_p_among", among=max(set(kinds), key=kinds.count)),
                                        tier["tests"]))
        header = [self.label(c) for c in columns] + ([self.t("col_nps")] if has_nps else [])
        tables = []
        # the unit and n take the room of one more figure column
        for chunk in column_chunks(range(len(header)), TABLE_COLUMNS - 1) or [[]]:
            def part(cells: list[str], chunk: list[int] = chunk) -> list[str]:
                return [cells[i] for i in chunk]
            tables.append({"header": [self.t("col_group"), self.t("col_n"), *part(header)],
                           "rows": [{**row, "cells": part(row["cells"]) if row["cells"] else []} for row in rows],
                           "p_rows": [{**row, "cells": part(row["cells"])} for row in p_rows]})
        intro = self.t("kpi_intro" if cells_of else "groups_intro", by=by)
        if groups.get("rollup"):
            intro = self.sentences(intro, self.t("rollup_intro"))
        return {"intro": intro, "tables": tables}

    def tier_flag(self, tests: Mapping[str, Any], node: str) -> Callable[[str], str]:
        """A rolled-up unit's flag in each column: above / below another unit at its level (Holm)."""
        return lambda column: self.flag(tests.get(column), node)

    def _tree(self, groups: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any] | None]]:
        """The table's rows in tree order: (name, its tier) for a rolled-up parent, (name, None) for a group."""
        rollup = groups.get("rollup") or {}
        entries: list[tuple[str, Mapping[str, Any] | None]] = [
            (node, tier) for tier in rollup.get("tiers") or [] for node in tier.get("levels") or []]
        entries += [(str(level), None) for level in groups["levels"]]
        paths = chains({**{name: None for name, _ in entries}, **(rollup.get("parents") or {})})
        # a parent before its own respondents' row, which comes before its children's rows; siblings by name
        return sorted(entries, key=lambda e: ([_natural(self.label(node)) for node in paths[e[0]]],
                                              e[1] is None and e[0] in self._rolled_up(groups)))

    @staticmethod
    def _rolled_up(groups: Mapping[str, Any]) -> set[str]:
        return {node for tier in (groups.get("rollup") or {}).get("tiers") or [] for node in tier.get("levels") or []}

    @staticmethod
    def _depth(groups: Mapping[str, Any], node: str) -> int:
        parents = (groups.get("rollup") or {}).get("parents") or {}
        return len(chains({node: None, **parents})[node]) - 1

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
        for chunk in column_chunks(groups, HEATMAP_COLUMNS):
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
