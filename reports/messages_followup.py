"""The wording of the report's "Actions since the last wave" section (merged into reports.messages.MESSAGES)."""

from __future__ import annotations

FOLLOWUP: dict[str, dict[str, str]] = {
    "en": {
        "sec_followup": "Actions since the last wave",
        "fu_intro": ("Actions planned from wave {earlier}'s report, and how their driver moved in the action's unit "
                     "from wave {earlier} to wave {later}: the mean (0-100 index where the scale allows, else the "
                     "answer scale) in each wave, the change with its 95% interval (Welch; respondents differ "
                     "between waves). A change is called an improvement or a decline only when its interval "
                     "excludes 0. Units with fewer than {k} respondents in a wave show nothing."),
        "fu_col_action": "Action",
        "fu_col_driver": "Driver",
        "fu_col_unit": "Unit",
        "fu_col_owner": "Owner",
        "fu_col_status": "Status",
        "fu_col_before": "Before",
        "fu_col_after": "After",
        "fu_col_change": "Change",
        "fu_col_n": "n before / after",
        "fu_whole_survey": "Whole survey",
        "fu_status_planned": "planned",
        "fu_status_in_progress": "in progress",
        "fu_status_done": "done",
        "fu_status_dropped": "dropped",
        "fu_improved": "improved",
        "fu_declined": "declined",
        "fu_unclear": "no clear change",
        "fu_reason_hidden": "not shown (the unit is hidden to protect small groups)",
        "fu_reason_small": "not shown (fewer than {k} respondents in a wave)",
        "fu_reason_not_asked": "not asked in both waves",
        "fu_reason_gate": "not shown (it would reveal a group of fewer than {k} respondents)",
        "fu_reason_no_control": "no unit without an action to compare with",
        "fu_reason_no_treated": "no respondents in the units with actions",
        "fu_did_title": "Units with and without actions (difference in differences)",
        "fu_did_line": ("{driver}: units with an action changed by {did} more than units without ({ci}, p = {p}; "
                        "{treated} units with, {control} without; {se}) - {verdict}."),
        "fu_did_missing": "{driver}: {why}.",
        "fu_did_improved": "units with actions improved more",
        "fu_did_declined": "units with actions did worse",
        "fu_did_unclear": "no clear difference",
        "fu_did_None": "no verdict",
        "fu_se_cluster": "standard error clustered by unit, {clusters} units",
        "fu_se_hc1": "only {clusters} units: robust (HC1) standard error treating respondents as independent",
        "fu_survey_wide": "{driver}: an action on the whole survey also reached the units without their own.",
        "fu_caveats_title": "Read with care",
        "fu_caveat_not_randomised": ("Units chose their actions; they were not assigned at random, so units with "
                                     "and without actions may differ in ways that also move their scores."),
        "fu_caveat_regression_to_mean": ("Units picked for low scores tend to score higher next time even without "
                                         "an action (regression to the mean); part of a change may be that."),
        "fu_caveat_independent_samples": ("Respondents differ between waves; each change compares two "
                                          "groups."),
        "fu_caveat_few_units": ("With few units the intervals are wide, and the standard error does not allow for "
                                "conditions that respondents of one unit share: it is likely too small."),
        "methods_followup": ("Actions since the last wave: per action, Welch's interval of the change in its unit's "
                             "mean; per driver, the difference in differences is the wave x action interaction of "
                             "an OLS of respondents' scores (statsmodels), with standard errors clustered by unit "
                             "from 20 units on (Cameron & Miller 2015), HC1 below. It describes; it does not "
                             "prove that an action caused a change."),
    },
    "zh": {
        "sec_followup": "上期以来的改进措施",
        "fu_intro": ("根据第 {earlier} 期报告制定的改进措施，以及其驱动因素在措施所在单位从第 {earlier} 期到第 {later} "
                     "期的变化：各期均值（量表允许时为 0-100 指数，否则为原量表）、变化及其 95% 区间（Welch 检验；"
                     "两期受访者不同）。仅当区间不含 0 时才称为改善或下降。"
                     "某期受访者少于 {k} 人的单位不显示任何数字。"),
        "fu_col_action": "措施",
        "fu_col_driver": "驱动因素",
        "fu_col_unit": "单位",
        "fu_col_owner": "负责人",
        "fu_col_status": "状态",
        "fu_col_before": "之前",
        "fu_col_after": "之后",
        "fu_col_change": "变化",
        "fu_col_n": "前 / 后人数",
        "fu_whole_survey": "整个调查",
        "fu_status_planned": "已计划",
        "fu_status_in_progress": "进行中",
        "fu_status_done": "已完成",
        "fu_status_dropped": "已放弃",
        "fu_improved": "改善",
        "fu_declined": "下降",
        "fu_unclear": "无明显变化",
        "fu_reason_hidden": "不显示（为保护小群体，该单位被隐藏）",
        "fu_reason_small": "不显示（某期受访者少于 {k} 人）",
        "fu_reason_not_asked": "两期未都询问",
        "fu_reason_gate": "不显示（会暴露少于 {k} 人的群体）",
        "fu_reason_no_control": "没有未采取措施的单位可供比较",
        "fu_reason_no_treated": "采取措施的单位没有受访者",
        "fu_did_title": "有措施与无措施单位的比较（双重差分）",
        "fu_did_line": ("{driver}：有措施的单位比无措施的单位多变化 {did}（{ci}，p = {p}；有措施 {treated} 个单位，"
                        "无措施 {control} 个；{se}）——{verdict}。"),
        "fu_did_missing": "{driver}：{why}。",
        "fu_did_improved": "有措施的单位改善更多",
        "fu_did_declined": "有措施的单位表现更差",
        "fu_did_unclear": "无明显差异",
        "fu_did_None": "无结论",
        "fu_se_cluster": "按单位聚类的标准误，{clusters} 个单位",
        "fu_se_hc1": "仅 {clusters} 个单位：稳健（HC1）标准误，视受访者相互独立",
        "fu_survey_wide": "{driver}：针对整个调查的措施也覆盖了没有自身措施的单位。",
        "fu_caveats_title": "解读须谨慎",
        "fu_caveat_not_randomised": ("各单位自行选择措施，并非随机分配；有无措施的单位可能在其他方面也不同，"
                                     "这些差异同样会影响得分。"),
        "fu_caveat_regression_to_mean": ("因得分低而被选中的单位，即使不采取措施，下次得分也往往会升高"
                                         "（均值回归）；部分变化可能源于此。"),
        "fu_caveat_independent_samples": "两期受访者不同；每个变化比较的是两组不同的人。",
        "fu_caveat_few_units": ("单位较少时区间很宽，且标准误未考虑同一单位受访者共享的条件，"
                                "可能偏小。"),
        "methods_followup": ("上期以来的改进措施：每项措施的单位均值变化用 Welch 区间；"
                             "每个驱动因素的双重差分为受访者得分 "
                             "OLS 回归（statsmodels）中期次×措施交互项，20 个单位及以上时标准误按单位聚类"
                             "（Cameron & Miller 2015），以下用 HC1。它只描述变化，不能证明措施导致了变化。"),
    },
}
