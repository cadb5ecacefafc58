"""The wording of the reports in each language: one flat table per language, keyed by message id.

Messages with ``{placeholders}`` are filled with :meth:`str.format` by :mod:`reports.context`; numbers are
formatted before they get here. Keep the two tables in step: a test checks they have the same keys and the
same placeholders.
"""

from __future__ import annotations

#: Languages a report can be written in.
LANGUAGES = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "html_lang": "en",
        "default_title": "Customer satisfaction report",
        "report_kind": "Customer report",
        "prepared": "Prepared {date}",
        "respondents": "{n} respondents",
        "toc": "Contents",
        "page": "Page",
        # section titles
        "sec_summary": "Executive summary",
        "sec_drivers": "What drives satisfaction",
        "sec_model": "The satisfaction model",
        "sec_nps": "Net Promoter Score",
        "sec_groups": "Results by {by}",
        "sec_trap": "The satisfaction trap",
        "sec_employee": "Employee results",
        "sec_appendix": "Appendix: measurement quality",
        "sec_methods": "Appendix: methods in brief",
        # executive summary
        "csi": "Customer satisfaction index (0-100)",
        "nps": "Net Promoter Score (-100 to 100)",
        "n_used": "Respondents analysed",
        "response_rate": "Response rate",
        "ci": "95% CI {low} to {high}",
        "no_ci": "no interval available",
        "not_available": "not available",
        "levers": "The three biggest levers",
        "lever_line": "{label}: explains {share} of the variation in {outcome} (95% CI {low} to {high})",
        "lever_line_no_ci": "{label}: explains {share} of the variation in {outcome}",
        "levers_none": "No driver analysis of satisfaction is available.",
        "csi_sentence": "On a scale from 0 to 100, customers rate their overall satisfaction at {value}.",
        "nps_sentence": ("{promoters} of customers are promoters (9-10) and {detractors} are detractors "
                         "(0-6): an NPS of {score}."),
        "caveats": "Read with care",
        "caveats_none": "No measurement problems were found.",
        "caveat_alpha": "The scale '{label}' is not very consistent (alpha {value}, below 0.70).",
        "caveat_ave": "The items of '{label}' share less than half of their variance (AVE {value}).",
        "caveat_htmt": "'{a}' and '{b}' are hard to tell apart (HTMT {value}, above 0.90).",
        "caveat_small_n": "Only {n} respondents were analysed; small differences are not reliable.",
        "caveat_pls": "The PLS model did not converge; its coefficients are not reliable.",
        "caveat_dropped": "{n} respondents were left out because of missing answers.",
        # drivers
        "drivers_intro": ("Each bar shows how much of the variation in {outcome} a factor explains (Shapley "
                          "value, the share of R² it brings on average over all orders). Whiskers are 95% "
                          "bootstrap intervals. Together the factors explain {r2} of the variation."),
        "driver_of": "Drivers of {outcome}",
        "col_driver": "Factor",
        "col_importance": "Variance explained",
        "col_ci": "95% CI",
        "col_share": "Share of explained",
        "col_performance": "Performance (0-100)",
        "col_quadrant": "Quadrant",
        "ipa_title": "Importance and performance",
        "ipa_intro": ("Factors to the right matter more; factors higher up already perform well. The lines "
                      "cross at the averages. Focus on important factors with low performance."),
        "axis_importance": "Importance (% of explained variance)",
        "axis_performance": "Performance (0-100)",
        "axis_explained": "Variance explained (%)",
        "quadrant_concentrate here": "Concentrate here",
        "quadrant_keep up": "Keep up the good work",
        "quadrant_low priority": "Low priority",
        "quadrant_possible overkill": "Possible overkill",
        # model
        "model_intro": ("Arrows show the standardised path coefficients of the PLS path model; thicker "
                        "arrows are stronger effects, dashed arrows are not significant (95% interval "
                        "includes zero). R² is the share of variation of a construct explained by the arrows "
                        "pointing at it."),
        "col_path": "Path",
        "col_coef": "Coefficient",
        "col_construct": "Construct",
        "col_r2": "R²",
        "col_index": "Index (0-100)",
        # nps
        "nps_intro": ("Promoters answer 9 or 10 to the recommendation question, detractors 0 to 6. The NPS "
                      "is the share of promoters minus the share of detractors; the interval is the "
                      "adjusted Wald interval."),
        "col_group": "Group",
        "col_n": "n",
        "col_nps": "NPS",
        "promoters": "Promoters",
        "passives": "Passives",
        "detractors": "Detractors",
        "all_respondents": "All respondents",
        # groups
        "groups_intro": ("0-100 indices per {by}. ▲ marks a group significantly higher than at least one "
                         "other group, ▼ significantly lower (Welch t-tests, Holm-adjusted, 5% level). The "
                         "last row gives the p-value of Welch's ANOVA."),
        "welch_p": "Welch ANOVA p",
        # trap
        "trap_intro": "Findings of the satisfaction-trap analysis.",
        "col_finding": "Finding",
        "col_value": "Value",
        # appendix
        "measurement_intro": ("Reliability and validity of each construct. Rules of thumb: alpha, omega and "
                              "composite reliability at least 0.70; AVE at least 0.50; HTMT below 0.90."),
        "col_items": "Items",
        "col_alpha": "Alpha",
        "col_omega": "Omega",
        "col_rho_c": "ρ_C",
        "col_ave": "AVE",
        "htmt_title": "Discriminant validity (HTMT)",
        "efa_title": "Exploratory factor analysis (all items)",
        "efa_line": ("{n_items} items, n = {n}. KMO {kmo} ({kmo_word}). Parallel analysis suggests {factors} "
                     "factor(s); extraction {method}, rotation {rotation}."),
        "kmo_marvelous": "marvelous",
        "kmo_meritorious": "meritorious",
        "kmo_middling": "middling",
        "kmo_mediocre": "mediocre",
        "kmo_miserable": "miserable",
        "kmo_unacceptable": "unacceptable",
        "data_title": "Sample and missing data",
        "data_line": ("{n} rows read, {n_used} analysed. Missing answers: {method}; {dropped} rows dropped, "
                      "{cells} missing cells."),
        "method_listwise": "listwise deletion",
        "method_pairwise": "pairwise deletion",
        "method_mean": "item-mean replacement",
        "warnings_title": "Notes from the analysis",
        "methods": (
            "Construct scores are the means of their items. Reliability: Cronbach's alpha and McDonald's "
            "omega (one factor).|"
            "The satisfaction model is a PLS path model (Mode A, path weighting, standardised indicators); "
            "intervals come from a bootstrap of the respondents. The 0-100 index weights the items by the "
            "model's outer weights, as in the ACSI and ECSI.|"
            "Drivers: Shapley values (LMG) split R² of a linear regression fairly among the factors; "
            "bootstrap intervals. Importance-performance analysis after Martilla and James (1977).|"
            "NPS: share of promoters (9-10) minus share of detractors (0-6), adjusted Wald interval.|"
            "Group comparisons: Welch's ANOVA, pairwise Welch t-tests with Holm's correction."
        ),
    },
    "zh": {
        "html_lang": "zh-CN",
        "default_title": "客户满意度报告",
        "report_kind": "客户报告",
        "prepared": "编制日期：{date}",
        "respondents": "{n} 位受访者",
        "toc": "目录",
        "page": "页",
        "sec_summary": "摘要",
        "sec_drivers": "满意度的驱动因素",
        "sec_model": "满意度模型",
        "sec_nps": "净推荐值（NPS）",
        "sec_groups": "按{by}分组的结果",
        "sec_trap": "客户满意陷阱",
        "sec_employee": "员工调查结果",
        "sec_appendix": "附录：测量质量",
        "sec_methods": "附录：方法简介",
        "csi": "客户满意度指数（0-100）",
        "nps": "净推荐值（-100 至 100）",
        "n_used": "分析的受访者",
        "response_rate": "回复率",
        "ci": "95% 置信区间 {low} 至 {high}",
        "no_ci": "无置信区间",
        "not_available": "无法计算",
        "levers": "三个最重要的改进杠杆",
        "lever_line": "{label}：解释了{outcome}变化的 {share}（95% 置信区间 {low} 至 {high}）",
        "lever_line_no_ci": "{label}：解释了{outcome}变化的 {share}",
        "levers_none": "没有关于满意度的驱动因素分析。",
        "csi_sentence": "在 0 到 100 的量表上，客户的总体满意度为 {value}。",
        "nps_sentence": ("{promoters} 的客户是推荐者（9-10 分），{detractors} 是贬损者（0-6 分）："
                         "净推荐值为 {score}。"),
        "caveats": "解读时请注意",
        "caveats_none": "未发现测量问题。",
        "caveat_alpha": "量表“{label}”的内部一致性不高（alpha {value}，低于 0.70）。",
        "caveat_ave": "“{label}”的题目共同解释的方差不到一半（AVE {value}）。",
        "caveat_htmt": "“{a}”与“{b}”难以区分（HTMT {value}，高于 0.90）。",
        "caveat_small_n": "仅分析了 {n} 位受访者，细小的差异并不可靠。",
        "caveat_pls": "PLS 模型没有收敛，其系数不可靠。",
        "caveat_dropped": "有 {n} 位受访者因缺答而未纳入分析。",
        "drivers_intro": ("每个条形表示一个因素解释了{outcome}变化的多少（Shapley 值：在所有顺序下平均带来的 "
                          "R² 份额）。误差线为 95% 自助法置信区间。这些因素共解释了 {r2} 的变化。"),
        "driver_of": "{outcome}的驱动因素",
        "col_driver": "因素",
        "col_importance": "解释的方差",
        "col_ci": "95% 置信区间",
        "col_share": "占已解释部分",
        "col_performance": "表现（0-100）",
        "col_quadrant": "象限",
        "ipa_title": "重要性与表现",
        "ipa_intro": ("越靠右的因素越重要；越靠上的因素表现越好。两条线在平均值处相交。"
                      "应优先改进重要但表现较差的因素。"),
        "axis_importance": "重要性（占已解释方差的 %）",
        "axis_performance": "表现（0-100）",
        "axis_explained": "解释的方差（%）",
        "quadrant_concentrate here": "重点改进",
        "quadrant_keep up": "继续保持",
        "quadrant_low priority": "次要",
        "quadrant_possible overkill": "可能过度投入",
        "model_intro": ("箭头上是 PLS 路径模型的标准化路径系数；箭头越粗，影响越强；"
                        "虚线表示不显著（95% 区间包含零）。"
                        "R² 是指向某一构念的箭头所解释的该构念变化的比例。"),
        "col_path": "路径",
        "col_coef": "系数",
        "col_construct": "构念",
        "col_r2": "R²",
        "col_index": "指数（0-100）",
        "nps_intro": ("推荐者是在推荐意愿题上打 9 或 10 分的客户，贬损者打 0 到 6 分。"
                      "净推荐值等于推荐者比例减去贬损者比例；区间为调整 Wald 区间。"),
        "col_group": "组别",
        "col_n": "人数",
        "col_nps": "净推荐值",
        "promoters": "推荐者",
        "passives": "被动者",
        "detractors": "贬损者",
        "all_respondents": "全部受访者",
        "groups_intro": ("按{by}分组的 0-100 指数。▲ 表示该组显著高于至少一个其他组，▼ 表示显著低于"
                         "（Welch t 检验，Holm 校正，5% 水平）。最后一行是 Welch 方差分析的 p 值。"),
        "welch_p": "Welch 方差分析 p 值",
        "trap_intro": "客户满意陷阱分析的结果。",
        "col_finding": "发现",
        "col_value": "数值",
        "measurement_intro": ("各构念的信度与效度。经验标准：alpha、omega 与组合信度不低于 0.70；"
                              "AVE 不低于 0.50；HTMT 低于 0.90。"),
        "col_items": "题数",
        "col_alpha": "Alpha",
        "col_omega": "Omega",
        "col_rho_c": "ρ_C",
        "col_ave": "AVE",
        "htmt_title": "区分效度（HTMT）",
        "efa_title": "探索性因子分析（全部题目）",
        "efa_line": ("{n_items} 道题，n = {n}。KMO {kmo}（{kmo_word}）。平行分析建议 {factors} 个因子；"
                     "提取方法 {method}，旋转 {rotation}。"),
        "kmo_marvelous": "极好",
        "kmo_meritorious": "很好",
        "kmo_middling": "中等",
        "kmo_mediocre": "一般",
        "kmo_miserable": "差",
        "kmo_unacceptable": "不可接受",
        "data_title": "样本与缺失数据",
        "data_line": ("读取 {n} 行，分析 {n_used} 行。缺失处理方式：{method}；"
                      "删除 {dropped} 行，缺失单元格 {cells} 个。"),
        "method_listwise": "整行删除",
        "method_pairwise": "成对删除",
        "method_mean": "均值替代",
        "warnings_title": "分析说明",
        "methods": (
            "构念得分为其题目的平均值。信度：Cronbach's alpha 与 McDonald's omega（单因子）。|"
            "满意度模型为 PLS 路径模型（模式 A，路径加权，标准化指标）；区间来自对受访者的自助法抽样。"
            "0-100 指数按模型的外部权重对题目加权，与 ACSI 和 ECSI 相同。|"
            "驱动因素：Shapley 值（LMG）把线性回归的 R² 公平地分配给各因素；自助法区间。"
            "重要性-表现分析依据 Martilla 与 James（1977）。|"
            "净推荐值：推荐者（9-10 分）比例减去贬损者（0-6 分）比例，调整 Wald 区间。|"
            "分组比较：Welch 方差分析，两两 Welch t 检验并做 Holm 校正。"
        ),
    },
}
