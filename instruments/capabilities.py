"""Which analyses a questionnaire supports, and what to add for each one it does not.

Read from the instrument's analysis model (:meth:`instruments.schema.Instrument.model_spec`), the same spec the
analysis engine runs, so that the editor's promise and the report agree. Pure: no Flask, no database; every text in
Chinese and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from instruments.schema import Instrument

#: items a construct needs for Cronbach's alpha (a correlation needs two)
MIN_RELIABILITY_ITEMS = 2
#: items a factor needs to be identified in EFA/CFA and for omega (analysis.engine.MIN_EFA_ITEMS)
MIN_FACTOR_ITEMS = 3


@dataclass(frozen=True)
class Capability:
    """One analysis: whether the questionnaire supports it, and in each language its name and what to add."""

    key: str
    name: dict[str, str]
    supported: bool
    #: what the analysis will use when supported, what to add when not: {"zh": ..., "en": ...}
    note: dict[str, str]


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def capabilities(instrument: Instrument) -> list[Capability]:
    """Every analysis of the engine, in report order, for ``instrument``.

    Examples
    --------
    >>> from instruments.registry import get_instrument
    >>> [c.key for c in capabilities(get_instrument("kano")) if c.supported]
    ['kano']
    """
    spec = instrument.model_spec()
    return [check(instrument, spec) for check in _CHECKS]


def _reliability(instrument: Instrument, spec: dict[str, Any]) -> Capability:
    ready = [name for name, codes in spec["constructs"].items() if len(codes) >= MIN_RELIABILITY_ITEMS]
    name = _t("信度（克隆巴赫 α 系数）", "Reliability (Cronbach's alpha)")
    if ready:
        return Capability("reliability", name, True, _t(f"构念：{'、'.join(ready)}", f"constructs: {', '.join(ready)}"))
    return Capability("reliability", name, False, _t(
        "把至少两道量表题归入同一个构念（在题目中选择或新建构念）",
        "put at least two scale questions into one construct (choose or create it on each question)"))


def _factors(instrument: Instrument, spec: dict[str, Any]) -> Capability:
    ready = [name for name, codes in spec["constructs"].items() if len(codes) >= MIN_FACTOR_ITEMS]
    name = _t("因子分析（探索性与验证性）", "Factor analysis (EFA/CFA)")
    if ready:
        return Capability("factors", name, True, _t(f"构念：{'、'.join(ready)}", f"constructs: {', '.join(ready)}"))
    return Capability("factors", name, False, _t(
        f"让一个构念至少包含 {MIN_FACTOR_ITEMS} 道量表题",
        f"give a construct at least {MIN_FACTOR_ITEMS} scale questions"))


def _pls(instrument: Instrument, spec: dict[str, Any]) -> Capability:
    name = _t("路径模型（PLS）", "Path model (PLS)")
    if spec["paths"]:
        arrows = [f"{' + '.join(sources)} -> {target}" for target, sources in spec["paths"].items()]
        return Capability("pls", name, True, _t("；".join(arrows), "; ".join(arrows)))
    return Capability("pls", name, False, _t(
        "需要至少两个构念以及它们之间的路径（路径写在 YAML 文件中，可在此导入）",
        "needs at least two constructs and the paths between them (written in a YAML file, imported here)"))


def _drivers(instrument: Instrument, spec: dict[str, Any]) -> Capability:
    name = _t("驱动因素分析", "Key driver analysis")
    if spec["drivers"]:
        outcomes = ", ".join(driver["outcome"] for driver in spec["drivers"])
        return Capability("drivers", name, True, _t(f"结果：{outcomes}", f"outcome: {outcomes}"))
    if "satisfaction" not in spec["outcomes"]:
        return Capability("drivers", name, False, _t(
            "添加一道角色为“满意度”的题目，以及至少两道角色为“属性”的量表题",
            "add a question with the role satisfaction and at least two scale questions with the role attribute"))
    return Capability("drivers", name, False, _t(
        "添加至少两道角色为“属性”的量表题（最多 12 道）",
        "add at least two scale questions with the role attribute (at most 12)"))


def _nps(instrument: Instrument, spec: dict[str, Any]) -> Capability:
    employees = spec.get("trap", {}).get("population") == "employees"
    name = _t("员工净推荐值（eNPS）", "Employee Net Promoter Score (eNPS)") if employees else _t(
        "净推荐值（NPS）", "Net Promoter Score (NPS)")
    if "recommend" in spec["outcomes"]:
        code = spec["outcomes"]["recommend"]
        return Capability("nps", name, True, _t(f"题目 {code}", f"question {code}"))
    return Capability("nps", name, False, _t(
        "添加一道 0-10 推荐题（NPS 题型，角色为“推荐”）",
        "add a 0-10 recommendation question (NPS kind, role recommend)"))


def _trap(instrument: Instrument, spec: dict[str, Any]) -> Capability:
    name = _t("满意度陷阱", "Satisfaction trap")
    outcomes = spec["outcomes"]
    if "satisfaction" in outcomes and "loyalty" in outcomes:
        return Capability("trap", name, True, _t(f"满意度 {outcomes['satisfaction']}，忠诚度 {outcomes['loyalty']}",
                                                 f"satisfaction {outcomes['satisfaction']}, loyalty "
                                                 f"{outcomes['loyalty']}"))
    missing = [part for part in ("satisfaction", "loyalty") if part not in outcomes]
    words = {"satisfaction": ("满意度", "satisfaction"), "loyalty": ("忠诚度", "loyalty")}
    return Capability("trap", name, False, _t(
        "添加" + "和".join(f"一道{words[m][0]}题" for m in missing) + "即可进行满意度陷阱分析",
        "add " + " and ".join(f"a {words[m][1]} question" for m in missing) + " to get the satisfaction trap"))


def _kano(instrument: Instrument, spec: dict[str, Any]) -> Capability:
    return _paired(spec, "kano", _t("卡诺分类", "Kano categories"),
                   _t("添加一组卡诺题对（正向题和反向题）",
                      "add a Kano pair (a functional and a dysfunctional question)"))


def _servqual(instrument: Instrument, spec: dict[str, Any]) -> Capability:
    return _paired(spec, "servqual", _t("SERVQUAL 差距", "SERVQUAL gaps"),
                   _t("添加一组 SERVQUAL 题对（期望题和感知题）",
                      "add a SERVQUAL pair (an expectation and a perception question)"))


def _paired(spec: dict[str, Any], key: str, name: dict[str, str], missing: dict[str, str]) -> Capability:
    """An analysis of question pairs joined by attribute (Kano, SERVQUAL): the attributes it has, or what to add."""
    if spec.get(key):
        attributes = [pair["attribute"] for pair in spec[key]]
        return Capability(key, name, True, _t(f"属性：{'、'.join(attributes)}", f"attributes: {', '.join(attributes)}"))
    return Capability(key, name, False, missing)


def _recovery(instrument: Instrument, spec: dict[str, Any]) -> Capability:
    name = _t("服务补救", "Service recovery")
    trap = spec.get("trap", {})
    if trap.get("problem") and trap.get("complained"):
        justice = ", ".join(trap.get("justice", {}).values())
        return Capability("recovery", name, True, _t(
            f"问题 {trap['problem']}，投诉 {trap['complained']}" + (f"，公平感 {justice}" if justice else ""),
            f"problem {trap['problem']}, complaint {trap['complained']}" + (f", justice {justice}" if justice else "")))
    return Capability("recovery", name, False, _t(
        "添加两道“是/否”题：一道角色为“遇到问题”，一道角色为“投诉”",
        "add two yes/no questions: one with the role problem, one with the role complaint"))


def _units(instrument: Instrument, spec: dict[str, Any]) -> Capability:
    name = _t("按单元比较", "Comparison by unit")
    unit = instrument.items_by_role("unit")
    if unit:
        return Capability("units", name, True, _t(f"题目 {unit[0].code}", f"question {unit[0].code}"))
    return Capability("units", name, False, _t(
        "在调查页面导入单元并发送个人链接，或添加一道角色为“单元”的单选题",
        "import units on the survey page and send personal links, or add a single-choice question with the role "
        "unit"))


_CHECKS = (_reliability, _factors, _pls, _drivers, _nps, _trap, _kano, _servqual, _recovery, _units)
