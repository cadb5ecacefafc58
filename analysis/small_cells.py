"""No table or chart cell of the satisfaction-trap diagnosis stands for fewer than k people.

The diagnosis splits respondents into cells: satisfaction levels (the loyalty curve, also within each relationship
stage), segments (loyalists, mercenaries, hostages, defectors, and apostles and terrorists within them), stages,
complaint groups and the recovered among complainers, good and poor recovery justice, Kano answer categories,
customer-value tiers. In an anonymous survey "Complained: n 1, mean satisfaction 1.00" is one person's answers.
So each partition gets the minimum group size with complementary suppression
(:func:`analysis.confidentiality.suppress_groups`: the cells are parts of a total that is shown), a sub-group
(apostles among loyalists) is hidden when it or the rest of its group is small, and every figure computed from a
hidden cell (a step of the curve, the lift, a justice difference, the recovery paradox) goes with it. A hidden
cell keeps its label and says why: ``"hidden": "small"`` or ``"complementary"``, every figure None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from analysis.confidentiality import suppress_groups

#: what a hidden cell keeps: what it is, never how many or what they answered
LABEL_KEYS = ("level", "label", "column", "programme", "hidden")
#: the partitions of the segments and the sub-groups inside two of them
SEGMENT_PARTS = ("loyalist", "mercenary", "hostage", "defector")
SEGMENT_SUBGROUPS = {"apostle": "loyalist", "terrorist": "defector"}
COMPLAINT_PARTS = ("no_problem", "silent", "complained")


def hide(cell: dict[str, Any], reason: str) -> None:
    """Blank every figure of ``cell`` and say why."""
    for key in cell:
        if key not in LABEL_KEYS:
            cell[key] = None
    cell["hidden"] = reason


def _count(cell: Mapping[str, Any] | None) -> int:
    n = (cell or {}).get("n")
    return int(n) if isinstance(n, int | float) and n == n else 0


def suppress_cells(cells: Mapping[str, dict[str, Any]], k: int) -> dict[str, str]:
    """Minimum group size with complementary suppression over cells that together make a shown total."""
    hidden = suppress_groups({name: _count(cell) for name, cell in cells.items()}, k=k).hidden
    for name, reason in hidden.items():
        hide(cells[name], reason)
    return hidden


def _subgroup(part: dict[str, Any], whole: Mapping[str, Any], k: int) -> bool:
    """Hide ``part`` (a sub-group of ``whole``) when it or the rest of ``whole`` is small; True when hidden."""
    if whole.get("hidden"):
        hide(part, "complementary")
        return True
    n, rest = _count(part), _count(whole) - _count(part)
    if 0 < n < k or 0 < rest < k:
        hide(part, "small" if 0 < n < k else "complementary")
        return True
    return False


def _levels(block: dict[str, Any], k: int) -> set[float]:
    """Suppress the satisfaction levels of a loyalty curve; return the hidden levels and blank what used them."""
    levels = block.get("levels") or []
    hidden = suppress_cells({str(i): level for i, level in enumerate(levels)}, k)
    gone = {levels[int(i)]["level"] for i in hidden}
    if not gone:
        return gone
    for step in block.get("steps") or []:
        if step.get("from_level") in gone or step.get("to_level") in gone:
            hide(step, "complementary")
    jump = block.get("jump")
    if isinstance(jump, dict) and (jump.get("from_level") in gone or jump.get("to_level") in gone):
        block["jump"] = None
    filled = [level for level in levels if _count(level) or level.get("hidden")]
    if any(level.get("hidden") for level in filled[-2:]):  # the lift compares the top two filled levels
        block["lift"] = None
        block["lift_difference"] = None
    return gone


def _segments(segments: dict[str, Any] | None, k: int) -> None:
    shares = (segments or {}).get("shares") or {}
    if not shares:
        return
    suppress_cells({name: shares[name] for name in SEGMENT_PARTS if name in shares}, k)
    for part, whole in SEGMENT_SUBGROUPS.items():
        if part in shares and whole in shares:
            _subgroup(shares[part], shares[whole], k)
    by_stage = segments.get("stage") or {}
    for name, row in by_stage.items():
        entry = shares.get(name) or {}
        if entry.get("hidden") or not isinstance(row, dict):
            by_stage[name] = None
            continue
        counts = {stage: {"n": round(share * _count(entry))} for stage, share in row.items()
                  if isinstance(share, int | float)}
        for stage in suppress_cells(counts, k):
            row[stage] = None
    mercenary = shares.get("mercenary") or {}
    if mercenary.get("hidden"):
        segments["mercenary_profile"] = []
        segments["bonds"] = {name: rows for name, rows in (segments.get("bonds") or {}).items()
                             if not (shares.get(name) or {}).get("hidden")}


def _stages(stages: dict[str, Any] | None, k: int) -> None:
    if not stages:
        return
    suppress_cells({name: entry for name, entry in stages.items() if isinstance(entry, dict)}, k)
    for entry in stages.values():
        if isinstance(entry, dict) and not entry.get("hidden"):
            _levels(entry, k)


def _complaints(complaints: dict[str, Any] | None, k: int) -> None:
    groups = (complaints or {}).get("groups") or {}
    if not groups:
        return
    suppress_cells({name: groups[name] for name in COMPLAINT_PARTS if name in groups}, k)
    # the rates are these cells' counts over the whole: a hidden cell hides the rates made from it
    if (groups.get("no_problem") or {}).get("hidden"):
        complaints["problem_rate"] = complaints["problem_rate_ci"] = None
    if any((groups.get(name) or {}).get("hidden") for name in ("silent", "complained")):
        for key in ("complaint_rate", "complained_among_problems", "complained_among_problems_ci", "silent_share"):
            if key in complaints:
                complaints[key] = None
    recovered = groups.get("recovered")
    if recovered is not None and _subgroup(recovered, groups.get("complained") or {}, k):
        paradox = complaints.get("recovery_paradox")
        if isinstance(paradox, dict):
            hide(paradox, recovered["hidden"])
    complained_hidden = bool((groups.get("complained") or {}).get("hidden"))
    for entry in (complaints.get("by_justice") or {}).values():
        if not isinstance(entry, dict):
            continue
        if complained_hidden:  # parts of a hidden group: any of them could be the whole group
            for part in ("good", "poor", "difference"):
                if isinstance(entry.get(part), dict):
                    hide(entry[part], "complementary")
            continue
        if suppress_cells({part: entry[part] for part in ("good", "poor") if isinstance(entry.get(part), dict)}, k):
            if isinstance(entry.get("difference"), dict):
                hide(entry["difference"], "complementary")


def _kano(kano: dict[str, Any] | None, k: int) -> None:
    for entry in (kano or {}).values():
        counts = entry.get("counts") if isinstance(entry, dict) else None
        if not isinstance(counts, dict):
            continue
        for category in suppress_groups({c: int(n) for c, n in counts.items()}, k=k).hidden:
            counts[category] = None
            if isinstance(entry.get("shares"), dict):
                entry["shares"][category] = None


def _tiers(tiers: Iterable[dict[str, Any]] | None, k: int) -> None:
    cells = {str(i): tier for i, tier in enumerate(tiers or []) if isinstance(tier, dict)}
    suppress_cells(cells, k)


def hide_small_cells(trap: Any, k: int) -> None:
    """Suppress every cell under ``k`` people in a :class:`analysis.trap_analysis.TrapResult`, in place.

    Call it before the findings are written, so that no sentence quotes a hidden cell.
    """
    if k < 2:
        raise ValueError(f"the minimum group size must be at least 2, got {k}")
    _levels(trap.curve, k)
    trap.lift = trap.curve.get("lift")
    _segments(trap.segments, k)
    mercenaries = ((trap.segments or {}).get("shares") or {}).get("mercenary") or {}
    if mercenaries.get("hidden") and isinstance(trap.trap_index, dict):
        hide(trap.trap_index, mercenaries["hidden"])  # the satisfied who are not loyal, as a share: the same cell
    _stages(trap.stages, k)
    _complaints(trap.complaints, k)
    _kano(trap.kano, k)
    if trap.behaviour:
        by_tier = trap.behaviour.get("trap_index_by_tier")
        if isinstance(by_tier, dict):
            _tiers(by_tier.values(), k)
        tiers = (trap.behaviour.get("value") or {}).get("tiers")
        if isinstance(tiers, dict):
            _tiers(tiers.values(), k)
