"""The wording of the report's complaint recovery section (reports.context.recovery), merged into
reports.messages.MESSAGES; the two languages keep the same keys and placeholders."""

from __future__ import annotations

RECOVERY: dict[str, dict[str, str]] = {
    "en": {
        "sec_recovery": "Complaint recovery",
        "recovery_intro": ("Cases opened by the alert rules, how fast they were resolved, and how loyal customers are "
                           "after the recovery, asked in a short follow-up survey sent on resolving the case."),
        "recovery_cases": "Cases",
        "recovery_resolved": "Resolved",
        "recovery_hours": "Time to resolve (hours)",
        "recovery_hours_value": "median {median} (IQR {q1} to {q3})",
        "recovery_rate": "Follow-ups answered",
        "recovery_rate_value": "{answered} of {invited} ({share}; 95% CI {low} to {high})",
        "recovery_none_sent": "no follow-up sent yet",
        "recovery_groups_title": "Loyalty after the recovery (likelihood to recommend, 0-10)",
        "recovery_col_group": "Customers",
        "recovery_col_mean": "Mean (95% CI)",
        "col_promoters": "Promoters 9-10 (95% CI)",
        "recovery_group_recovered": "Complained, recovered",
        "recovery_group_never_problem": "Never had a problem",
        "recovery_group_not_recovered": "Complained, not recovered",
        "recovery_paradox_supported": ("Recovery paradox: recovered customers are more likely to recommend than those "
                                       "who never had a problem (difference {diff}, 95% CI {low} to {high})."),
        "recovery_paradox_contradicted": ("No recovery paradox: recovered customers are less likely to recommend "
                                          "than those who never had a problem (difference {diff}, 95% CI {low} to "
                                          "{high})."),
        "recovery_paradox_no_difference": ("Recovered customers recommend about as often as those who never had a "
                                           "problem (difference {diff}, 95% CI {low} to {high}): no clear recovery "
                                           "paradox."),
        "recovery_paradox_not_enough": ("Not enough cases to judge the recovery paradox: each group needs at least "
                                        "{k} answers."),
        "recovery_drivers_title": "Which kind of fairness drives the intention to recommend",
        "col_dimension": "Justice dimension",
        "col_r": "Correlation r",
        "col_beta": "Weight β (95% CI)",
        "recovery_justice_outcome": "Outcome (distributive)",
        "recovery_justice_procedure": "Procedure",
        "recovery_justice_interaction": "Interaction",
        "recovery_top_driver": "{dimension} matters most for the intention to recommend after a recovery.",
        "recovery_no_top_driver": "No single justice dimension stands out.",
        "recovery_drivers_not_enough": ("Not enough cases to compare the justice dimensions: {n} answered follow-ups, "
                                        "at least {k} are needed."),
        "methods_recovery": ("Complaint recovery: time to resolve from the alert to the resolution (median and "
                             "interquartile range). A customer counts as recovered when, in the follow-up, their "
                             "satisfaction with the handling or their agreement that the outcome was fair is in the "
                             "top two boxes (4 or 5 of 5). Their likelihood to recommend after the recovery is "
                             "compared with that of customers without a case who said they had no problem, and of "
                             "complainants not recovered; means with t intervals, shares with Wilson intervals, the "
                             "difference by Welch's t. A verdict needs at least {k} answers per group. The justice "
                             "dimensions (Tax, Brown & Chandrashekaran 1998) are compared by a standardised regression"
                             " of the intention to recommend on all three, from {m} answered follow-ups on."),
    },
    "zh": {
        "sec_recovery": "投诉补救",
        "recovery_intro": ("预警规则开启的个案、解决所用的时间，以及补救之后客户的忠诚度"
                           "（个案解决时发送的简短回访问卷）。"),
        "recovery_cases": "个案",
        "recovery_resolved": "已解决",
        "recovery_hours": "解决用时（小时）",
        "recovery_hours_value": "中位数 {median}（四分位距 {q1} 至 {q3}）",
        "recovery_rate": "回访作答",
        "recovery_rate_value": "{invited} 份中 {answered} 份（{share}；95% 置信区间 {low} 至 {high}）",
        "recovery_none_sent": "尚未发送回访",
        "recovery_groups_title": "补救之后的忠诚度（推荐可能性，0-10）",
        "recovery_col_group": "客户",
        "recovery_col_mean": "平均值（95% 置信区间）",
        "col_promoters": "推荐者 9-10（95% 置信区间）",
        "recovery_group_recovered": "投诉后补救成功",
        "recovery_group_never_problem": "从未遇到问题",
        "recovery_group_not_recovered": "投诉后补救未成功",
        "recovery_paradox_supported": ("补救悖论成立：补救成功的客户比从未遇到问题的客户更愿意推荐"
                                       "（差值 {diff}，95% 置信区间 {low} 至 {high}）。"),
        "recovery_paradox_contradicted": ("补救悖论不成立：补救成功的客户比从未遇到问题的客户更不愿意推荐"
                                          "（差值 {diff}，95% 置信区间 {low} 至 {high}）。"),
        "recovery_paradox_no_difference": ("补救成功的客户与从未遇到问题的客户推荐意愿相近（差值 {diff}，"
                                           "95% 置信区间 {low} 至 {high}）：没有明显的补救悖论。"),
        "recovery_paradox_not_enough": "个案不足，无法判断补救悖论：每组至少需要 {k} 份作答。",
        "recovery_drivers_title": "哪一种公平感驱动推荐意愿",
        "col_dimension": "公平维度",
        "col_r": "相关系数 r",
        "col_beta": "权重 β（95% 置信区间）",
        "recovery_justice_outcome": "结果公平",
        "recovery_justice_procedure": "程序公平",
        "recovery_justice_interaction": "互动公平",
        "recovery_top_driver": "补救之后，{dimension}对推荐意愿的影响最大。",
        "recovery_no_top_driver": "没有哪一个公平维度特别突出。",
        "recovery_drivers_not_enough": "个案不足，无法比较各公平维度：已有 {n} 份回访作答，至少需要 {k} 份。",
        "methods_recovery": ("投诉补救：解决用时从预警到解决计算（中位数与四分位距）。回访中对处理的满意度或对"
                             "“结果公平”的认同落在最高两档（5 分制的 4 或 5）的客户计为补救成功。其补救后的推荐可能性"
                             "与没有个案且表示未遇到问题的客户、以及补救未成功的投诉者相比较；平均值用 t 区间，"
                             "比例用 Wilson 区间，差值用 Welch t 检验。每组至少 {k} 份作答才下结论。三个公平维度"
                             "（Tax、Brown 与 Chandrashekaran 1998）用推荐意愿对三者的标准化回归比较，"
                             "至少需要 {m} 份回访作答。"),
    },
}
