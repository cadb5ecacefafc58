"""The model across groups: the path differences between groups that pass MICOM and the Holm-adjusted
permutation tests (analysis.pls_mga); nothing else of the groups' models is shown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports.context.base import BuilderBase
from reports.context.format import _int, _num, _ok, _signed


class ModelGroupsSection(BuilderBase):
    """Path differences between groups (a part of the report context's builder)."""

    def model_groups(self, pls: Mapping[str, Any] | None) -> dict[str, Any] | None:
        mga = _ok((pls or {}).get("mga"))
        if not mga or not mga.get("tests"):
            return None
        # A group the report may not show (too small, or revealing a small one) is not named here either.
        shown = [t for t in mga.get("significant") or []
                 if str(t["a"]) not in self.hidden_anywhere and str(t["b"]) not in self.hidden_anywhere]
        rows = [{"path": " → ".join(self.label(name) for name in t["path"].split("->", 1)),
                 "groups": self.t("mg_pair", a=self.label(str(t["a"])), b=self.label(str(t["b"]))),
                 "a": _num(t["path_a"], 2), "b": _num(t["path_b"], 2), "diff": _signed(t["diff"], 2)}
                for t in shown]
        not_compared = len(mga.get("not_tested") or [])
        return {
            "intro": self.t("mg_intro", by=self.label(str(mga.get("by", ""))), k=_int(mga.get("min_group_size")),
                            tests=_int(len(mga["tests"]))),
            "rows": rows,
            "none": None if rows else self.t("mg_none"),
            "not_compared": self.t("mg_not_compared", n=_int(not_compared)) if not_compared else None,
        }

    def model_groups_methods(self) -> str | None:
        """The rule of the section for the methods appendix (when the section has anything to say)."""
        mga = _ok((_ok(self.result.get("pls")) or {}).get("mga"))
        if not mga or not mga.get("tests"):
            return None
        text = self.t("methods_model_groups", k=_int(mga.get("min_group_size")),
                      permutations=_int(mga.get("permutations")))
        sampled = mga.get("sampled") or {}
        if sampled:
            text += " " + self.t("methods_model_groups_sample", rows=_int(max(sampled.values())))
        return text
