"""The wording of the report's PLS importance-performance map and total effects (reports.context.drivers and
reports.context.model), merged into reports.messages.MESSAGES; the two languages keep the same keys and
placeholders."""

from __future__ import annotations

PLS_EFFECTS: dict[str, dict[str, str]] = {
    "en": {
        "ipma_title": "Where to act first: importance and performance",
        "ipma_intro": ("From the PLS path model (importance-performance map). Importance: how many points the "
                       "0-100 index of {target} moves when a factor's index rises by one point, counting every "
                       "path in between. Performance: the factor's 0-100 index. Bars are 95% intervals; the lines "
                       "cross at the averages."),
        "ipma_axis_importance": "Importance (points of {target} per point)",
        "ipma_col_importance": "Importance (95% CI)",
        "ipma_col_performance": "Performance (95% CI)",
        "ipma_col_class": "Recommendation",
        "ipma_class_concentrate here": "Improve this first",
        "ipma_class_keep up": "Keep up the good work",
        "ipma_class_low priority": "Low priority",
        "ipma_class_possible overkill": "Possible overkill",
        "ipma_class_none": "no clear position",
        "ipma_rule": ("A factor is marked “improve this first” only when its importance interval lies wholly above "
                      "the average importance and its performance interval wholly below the average performance; "
                      "the other labels follow the same rule. Without a label the factor's position is within "
                      "the noise of these data and no advice follows from it."),
        "effects_title": "Total effects on {target}",
        "effects_intro": ("A factor's total effect is its direct arrow plus every route via the factors in "
                          "between. The first figure is in standard deviations; the second reads: if the factor's "
                          "0-100 index rises by one point, the index of {target} moves by this many points."),
        "effects_col_total": "Total effect (95% CI)",
        "effects_col_points": "Points per point (95% CI)",
        "effects_lead": ("If {factor} rises by one point, {target} moves by {points} points ({ci}), counting "
                         "everything in between."),
        "methods_ipma": ("Total effects add up every route of the path model, with intervals from the same "
                         "bootstrap resamples as the paths. The importance-performance map (Ringle & Sarstedt "
                         "2016) rescales every item to 0-100, weights it by its unstandardised outer weight and "
                         "takes importance as the unstandardised total effect on the target's 0-100 score; a "
                         "recommendation is given only where both intervals clear the average lines."),
        "methods_weights": ("Sampling weights ({column}) weight the path model, the drivers and the NPS; intervals "
                            "use the effective sample size of {n_eff} respondents (Kish)."),
    },
    "zh": {
        "ipma_title": "优先改进之处：重要性与表现",
        "ipma_intro": ("依据 PLS 路径模型（重要性—表现图）。重要性：某因素的 0-100 指数每提高 1 分，{target}的 "
                       "0-100 指数经由其间所有路径变化多少分。表现：该因素的 0-100 指数。误差线为 95% 区间；"
                       "两条线在平均值处相交。"),
        "ipma_axis_importance": "重要性（每 1 分带动{target}的分数）",
        "ipma_col_importance": "重要性（95% 置信区间）",
        "ipma_col_performance": "表现（95% 置信区间）",
        "ipma_col_class": "建议",
        "ipma_class_concentrate here": "优先改进",
        "ipma_class_keep up": "继续保持",
        "ipma_class_low priority": "次要",
        "ipma_class_possible overkill": "可能过度投入",
        "ipma_class_none": "位置不明确",
        "ipma_rule": ("只有当某因素的重要性区间整体高于平均重要性、且表现区间整体低于平均表现时，才标为“优先改进”；"
                      "其他标签按同一规则给出。没有标签表示该因素的位置在这些数据的误差范围之内，不据此给出建议。"),
        "effects_title": "对{target}的总效应",
        "effects_intro": ("某因素的总效应等于其直接路径加上经由中间因素的所有路径。第一个数字以标准差为单位；"
                          "第二个数字表示：该因素的 0-100 指数每提高 1 分，{target}的指数变化多少分。"),
        "effects_col_total": "总效应（95% 置信区间）",
        "effects_col_points": "每 1 分带动的分数（95% 置信区间）",
        "effects_lead": "{factor}每提高 1 分，{target}经由其间所有环节变化 {points} 分（{ci}）。",
        "methods_ipma": ("总效应把路径模型的所有路径相加，区间来自与路径系数相同的自助法样本。"
                         "重要性—表现图把每道题换算为 0-100 分，按非标准化外部权重加权，"
                         "重要性为对目标 0-100 分的非标准化总效应；只有两个区间都明确越过平均线时才给出建议。"),
        "methods_weights": "抽样权重（{column}）用于路径模型、驱动因素和 NPS；区间使用有效样本量 {n_eff}。",
    },
}
