"""What every section of the report context shares: the language, the labels, the charts asked for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from reports.context.format import (
    _finite,
    _int,
    _num,
    _ok,
    _pct,
)
from reports.context.rules import (
    _CUT,
    ALPHA_LEVEL,
    DASH,
)
from reports.messages import MESSAGES

T = TypeVar("T")


def column_chunks(columns: Sequence[T], size: int) -> list[list[T]]:
    """``columns`` split into as few tables as hold at most ``size`` columns each, of near-equal widths (50
    columns by 7: two tables of 7 and six of 6, not seven of 7 and one of 1)."""
    if size < 1:
        raise ValueError(f"a table needs room for at least one column, not {size}")
    tables = -(-len(columns) // size)
    if not tables:
        return []
    width, wider = divmod(len(columns), tables)
    chunks, start = [], 0
    for index in range(tables):
        end = start + width + (index < wider)
        chunks.append(list(columns[start:end]))
        start = end
    return chunks


class PendingChart:
    """A chart the builder asked for: ``index`` in the report's charts and the :mod:`reports.charts` call."""

    __slots__ = ("index", "request")

    def __init__(self, index: int, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.index = index
        self.request = (name, args, kwargs)


class BuilderBase:
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
        #: those and the rolled-up units (regions) the report must not show figures of
        self.hidden_anywhere = set(self.hidden) | {
            str(node) for tier in ((result.get("groups") or {}).get("rollup") or {}).get("tiers") or []
            for node in ((tier.get("suppression") or {}).get("hidden") or {})}

    def chart(self, name: str, *args: Any, **kwargs: Any) -> PendingChart:
        """A chart of :mod:`reports.charts` to be drawn later, with the others."""
        pending = PendingChart(len(self.pending), name, args, kwargs)
        self.pending.append(pending)
        return pending

    def t(self, key: str, **values: Any) -> str:
        return self.messages[key].format(**values) if values else self.messages[key]

    def sentences(self, *parts: str) -> str:
        """Whole sentences one after the other, spaced as the report's language spaces them."""
        return self.t("sentence_gap").join(part for part in parts if part)

    def label(self, name: str) -> str:
        return str(self.labels.get(name) or name)

    def unit_kind(self, name: str) -> str:
        """What the unit ``name`` is (store, region, ...) as meta's ``unit_kinds`` says, else a neutral word."""
        return str((self.meta.get("unit_kinds") or {}).get(name) or self.t("unit_word"))

    def ci_text(self, interval: Sequence[float | None] | None, digits: int, *, percent: bool = False) -> str:
        if not interval or any(bound is None for bound in interval):
            return self.t("no_ci")
        low, high = interval
        if percent:
            return self.t("ci", low=_pct(low), high=_pct(high))
        return self.t("ci", low=_num(low, digits), high=_num(high, digits))

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

    def short_names(self, items: Sequence[str]) -> list[str]:
        """Items named by their construct where they have one (an action reads "keep Pay reliable", not a whole
        statement glued into a sentence), once each; items without a construct keep their own label."""
        constructs = (self.result.get("model") or {}).get("constructs") or {}
        # (a construct the questionnaire gives no label keeps its items' labels)
        owner = {item: name for name, members in constructs.items() for item in members or []
                 if name in self.labels}
        return list(dict.fromkeys(owner.get(item, item) for item in items))

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

    def unit_flag(self, level: str, column: str) -> str:
        """A unit's flag in one column of the KPIs by unit, and the executive summary's: against the rest of the
        organisation when the heatmap tested it so, else against each other unit (Holm-adjusted either way)."""
        cells_of = self.heatmap_cells()
        if cells_of:
            return self.rest_flag(cells_of.get((str(level), column)))
        return self.flag(((self.result.get("groups") or {}).get("tests") or {}).get(column), str(level))

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
