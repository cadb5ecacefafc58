"""Plain-language findings of the satisfaction-trap diagnosis, in English and Chinese.

Each finding is ``{"kind": ..., "en": ..., "zh": ...}``: one sentence or two a manager can act on, with the
numbers rounded for reading (the exact values and intervals stay in the result), and a stable machine ``kind``
(one of :data:`FINDING_KINDS`) by which reports place it without reading the wording. Only results that exist
and are backed by a test or an interval are turned into sentences.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: The ``kind`` of each finding, in the order they are produced; a new kind needs a place in the reports
#: (``reports.context.rules.FINDING_PARTS``).
FINDING_KINDS = ("trap_index", "zone", "lift", "segments", "basic_attributes", "latent_attributes",
                 "kano_agreement", "silent_complaints", "recovery_paradox", "no_recovery_paradox", "deepest_stage",
                 "said_satisfied", "revenue_at_risk")
#: Segment names in Chinese.
ZH_SEGMENTS = {"loyalist": "忠诚者", "apostle": "传道者", "mercenary": "唯利是图者", "hostage": "人质",
               "defector": "背离者", "terrorist": "恐怖分子"}
#: Stage names in Chinese (SCIENCE.md §1).
ZH_STAGES = {"exploration": "考察期", "formation": "形成期", "stability": "稳定期", "decline": "衰退期"}
ZH_PROGRAMMES = {
    "exploration": "有形利益与关怀：常客计划和情感计划",
    "formation": "对正在建立关系的客户给予特殊待遇",
    "stability": "归属感：客户社区计划",
    "decline": "挽回：在客户离开之前找出并解决问题",
}


def _pct(value: float | None) -> str:
    return "?" if value is None or not math.isfinite(value) else f"{100 * value:.0f}"


def _list(names: list[str], zh: bool = False) -> str:
    if zh:
        return "、".join(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


#: Who the respondents are, in each language (the sentences are written for customers).
POPULATION_WORDS = {
    "customers": {"en": [], "zh": []},
    "employees": {"en": [("Mercenaries (satisfied but not loyal)", "Employees who are satisfied but leaving"),
                         ("hostages (loyal but not satisfied)", "those staying though dissatisfied"),
                         ("loyalists", "engaged employees"), ("defectors", "those dissatisfied and leaving"),
                         ("Customers", "Employees"), ("customers", "employees"), ("customer", "employee")],
                  "zh": [("唯利是图者（满意但不忠诚）", "满意但想离开的员工"),
                         ("人质（忠诚但不满意）", "不满意但留下的员工"), ("忠诚者", "投入的员工"),
                         ("背离者", "不满意且想离开的员工"), ("客户", "员工")]},
}


def findings(result: Any, *, labels: Mapping[str, Any] | None = None,
             population: str = "customers") -> list[dict[str, str]]:
    """Sentences for a :class:`analysis.trap_analysis.TrapResult`.

    ``labels`` maps columns to what a manager calls them (``{code: {"en": ..., "zh": ...}}`` or ``{code: text}``);
    ``population`` is ``customers`` or ``employees``.
    """
    if population not in POPULATION_WORDS:
        raise ValueError(f"population must be one of {tuple(POPULATION_WORDS)}, not {population!r}")
    sentences = _findings(result, labels or {})
    for sentence in sentences:
        for lang in ("en", "zh"):  # the kind stays as it is
            for old, new in POPULATION_WORDS[population][lang]:
                sentence[lang] = sentence[lang].replace(old, new)
    return sentences


def _named(codes: list[str], labels: Mapping[str, Any], lang: str) -> list[str]:
    out = []
    for code in codes:
        label = labels.get(code)
        if isinstance(label, Mapping):
            label = label.get(lang) or label.get("en")
        out.append(f"“{label}”" if lang == "zh" and label else (f"'{label}'" if label else code))
    return out


def _findings(result: Any, labels: Mapping[str, Any]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    index = result.trap_index
    profile = [row["column"] for row in result.segments["mercenary_profile"] if row["lower"]][:3]
    if index.get("trap_index") is not None:  # None: too few satisfied but disloyal people to show (small_cells)
        en = (f"{_pct(index['trap_index'])}% of satisfied customers (95% CI {_pct(index['ci_low'])}% to "
              f"{_pct(index['ci_high'])}%) are not loyal: they are satisfied, yet do not intend to stay.")
        zh = (f"{_pct(index['trap_index'])}% 的满意客户并不忠诚（95% 置信区间 {_pct(index['ci_low'])}% 至 "
              f"{_pct(index['ci_high'])}%）：他们满意，却不打算留下。")
        if profile:
            en += (f" They differ from loyal customers mostly on {_list(_named(profile, labels, 'en'))}, which "
                   "they rate lower.")
            zh += f"与忠诚客户相比，他们主要在{_list(_named(profile, labels, 'zh'), zh=True)}方面评价更低。"
        out.append({"kind": "trap_index", "en": en, "zh": zh})
    curve = result.curve
    zone = result.zone_of_indifference
    if zone is not None and curve.get("jump"):
        jump = curve["jump"]
        out.append({
            "kind": "zone",
            "en": (f"Loyalty hardly changes between satisfaction {zone[0]:g} and {zone[1]:g} (the zone of "
                   f"indifference); it jumps between {jump['from_level']:g} and {jump['to_level']:g}. Moving "
                   "customers within the zone will not make them more loyal."),
            "zh": (f"满意度在 {zone[0]:g} 到 {zone[1]:g} 之间时，忠诚度几乎不变（质量不敏感区）；在 "
                   f"{jump['from_level']:g} 到 {jump['to_level']:g} 之间才明显跃升。只在不敏感区内提高满意度，"
                   "不会让客户更忠诚。"),
        })
    if result.lift is not None and math.isfinite(result.lift):
        levels = [lv for lv in curve["levels"] if (lv["n"] or 0) > 0]
        top, second = levels[-1], levels[-2]
        out.append({
            "kind": "lift",
            "en": (f"Customers at the top of the satisfaction scale ({top['label']}) are {result.lift:.1f} times "
                   f"as likely to be loyal as those one step below ({second['label']}): "
                   f"{_pct(top['loyal_share'])}% against {_pct(second['loyal_share'])}%."),
            "zh": (f"满意度最高（{top['label']}）的客户成为忠诚客户的可能性是低一级（{second['label']}）的 "
                   f"{result.lift:.1f} 倍：{_pct(top['loyal_share'])}% 对 {_pct(second['loyal_share'])}%。"),
        })
    shares = result.segments["shares"]
    if all(shares[name].get("share") is not None for name in ("mercenary", "hostage", "loyalist", "defector")):
        out.append({
            "kind": "segments",
            "en": (f"Mercenaries (satisfied but not loyal) are {_pct(shares['mercenary']['share'])}% of "
                   f"respondents, hostages (loyal but not satisfied) {_pct(shares['hostage']['share'])}%, loyalists "
                   f"{_pct(shares['loyalist']['share'])}% and defectors {_pct(shares['defector']['share'])}%."),
            "zh": (f"唯利是图者（满意但不忠诚）占受访者的 {_pct(shares['mercenary']['share'])}%，"
                   f"人质（忠诚但不满意）占 {_pct(shares['hostage']['share'])}%，忠诚者占 "
                   f"{_pct(shares['loyalist']['share'])}%，背离者占 {_pct(shares['defector']['share'])}%。"),
        })
    if result.attributes:
        basic = [c for c, v in result.attributes.items() if v["class"] == "basic" and v.get("class_confident")]
        latent = [c for c, v in result.attributes.items() if v["class"] == "excitement" and v.get("class_confident")]
        if basic:
            basic_en, basic_zh = _list(_named(basic, labels, "en")), _list(_named(basic, labels, "zh"), zh=True)
            out.append({
                "kind": "basic_attributes",
                "en": (f"{basic_en}: basic expectation{'s' if len(basic) > 1 else ''} - falling short costs "
                       "much satisfaction, doing better earns little. Keep them reliable rather than spend on them."),
                "zh": (f"{basic_zh}是基本期望：做不到会大幅降低满意度，做得更好却收效甚微。"
                       "应确保稳定可靠，而非加大投入。"),
            })
        if latent:
            latent_en, latent_zh = _list(_named(latent, labels, "en")), _list(_named(latent, labels, "zh"), zh=True)
            out.append({
                "kind": "latent_attributes",
                "en": (f"{latent_en}: latent expectation{'s' if len(latent) > 1 else ''} - doing well lifts "
                       "satisfaction to the top box, where loyalty is; this is where to invest."),
                "zh": (f"{latent_zh}是潜在期望：做得好能把满意度推到最高档，而忠诚正在那里产生；"
                       "这是值得投入的地方。"),
            })
    if result.kano_agreement:
        judged = [v for v in result.kano_agreement.values() if v["agree"] is not None]
        if judged:
            agree = sum(v["agree"] for v in judged)
            out.append({"en": f"The Kano survey and the penalty-reward analysis agree on {agree} of {len(judged)} "
                              "attributes.",
                        "zh": f"卡诺问卷与惩罚—奖励分析在 {len(judged)} 个属性中的 {agree} 个上结论一致。",
                        "kind": "kano_agreement"})
    complaints = result.complaints
    if complaints and complaints.get("silent_share") is not None and complaints.get("problem_rate") is not None:
        out.append({
            "kind": "silent_complaints",
            "en": (f"{_pct(complaints['problem_rate'])}% had a problem in the period, but "
                   f"{_pct(complaints['silent_share'])}% of them never complained: the complaint count "
                   "under-states dissatisfaction."),
            "zh": (f"{_pct(complaints['problem_rate'])}% 的客户遇到过问题，但其中 {_pct(complaints['silent_share'])}% "
                   "从未投诉：投诉数量低估了不满。"),
        })
        paradox = complaints.get("recovery_paradox")
        if paradox and (paradox["n_recovered"] or 0) > 0:
            if paradox["holds"]:
                out.append({"en": "Complainers whose problem was put right end up more satisfied than customers "
                                  "who never had a problem (the recovery paradox holds here).",
                            "zh": "投诉得到妥善解决的客户，最终比从未遇到问题的客户更满意（服务补救悖论在此成立）。",
                            "kind": "recovery_paradox"})
            else:
                out.append({"en": "Well-handled complainers are not clearly more satisfied than customers who never "
                                  "had a problem (no recovery paradox here): preventing problems beats fixing them.",
                            "zh": "投诉处理得好的客户，并不比从未遇到问题的客户明显更满意（此处不存在服务补救悖论）："
                                  "预防问题胜过事后补救。", "kind": "no_recovery_paradox"})
    stages = result.stages
    if stages:
        scored = {k: v for k, v in stages.items() if v.get("trap_index") is not None}
        if scored:
            worst = max(scored, key=lambda k: scored[k]["trap_index"])
            programme = scored[worst].get("programme")
            en = (f"The trap is deepest in the '{worst}' stage: {_pct(scored[worst]['trap_index'])}% of its "
                  "satisfied customers are not loyal.")
            zh = (f"满意陷阱在“{ZH_STAGES.get(worst.lower(), worst)}”阶段最深：该阶段 "
                  f"{_pct(scored[worst]['trap_index'])}% 的满意客户并不忠诚。")
            if programme:
                en += f" What this stage calls for: {programme}."
                zh += f"该阶段需要：{ZH_PROGRAMMES[worst.lower()]}。"
            out.append({"kind": "deepest_stage", "en": en, "zh": zh})
    behaviour = result.behaviour
    if behaviour:
        said = behaviour["defectors_who_said_satisfied"]
        if said["share"] is not None:
            out.append({"en": f"{_pct(said['share'])}% of the customers who actually left had said they were "
                              "satisfied.",
                        "zh": f"实际流失的客户中，有 {_pct(said['share'])}% 曾表示满意。", "kind": "said_satisfied"})
        risk = behaviour["revenue_at_risk"]
        if risk["share_of_revenue"] is not None:
            out.append({"en": f"Mercenaries bring {_pct(risk['share_of_revenue'])}% of revenue: that is the revenue "
                              "at risk from satisfied customers who are not loyal.",
                        "zh": (f"唯利是图者贡献了 {_pct(risk['share_of_revenue'])}% 的收入："
                               "这是满意却不忠诚的客户带来的风险收入。"), "kind": "revenue_at_risk"})
    return out
