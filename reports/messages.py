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
        # what ends a sentence before the next one on the same line (Chinese uses its own full stop, no space)
        "sentence_end": ". ",
        # between two whole sentences (Chinese sentences follow each other without a space)
        "sentence_gap": " ",
        "lever_gain": ("One point more here goes with {gain} points more {outcome} (95% CI {low} to {high}), the "
                       "others held equal."),
        "trend_up": "Satisfaction rose by {change} points since wave {wave} (95% CI {low} to {high}).",
        "trend_down": "Satisfaction fell by {change} points since wave {wave} (95% CI {low} to {high}).",
        "trend_flat": ("Satisfaction has not changed measurably since wave {wave} ({change} points, 95% CI {low} "
                       "to {high})."),
        "units_above": "Above others on satisfaction (by {by}): {names}.",
        "units_below": "Below others on satisfaction (by {by}): {names}.",
        "units_none": "No {by} differs measurably from the others on satisfaction.",
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
        "quadrant_none": "no clear position",
        "ipa_rule": ("A quadrant is named only when the driver's importance (its bootstrap interval) and its "
                     "performance (the 95% interval of its mean) both lie clearly on one side of the crosshairs "
                     "at the average importance and performance; otherwise its position is not clear from these "
                     "data and no advice follows from it."),
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
        "trap_intro": ("Satisfied customers are not always loyal. This section shows where satisfaction starts "
                       "to buy loyalty, who is satisfied but not loyal, which attributes only prevent "
                       "dissatisfaction and which create delight, and what the trap costs."),
        "trap_index_title": "How deep the trap is",
        "trap_index_kpi": "Satisfied but not loyal",
        "trap_index_line": ("{value} of the {n} satisfied respondents are not loyal (95% CI {low} to {high}). "
                            "Satisfied: {satisfied}. Loyal: {loyal}."),
        "cut_line": "{label} at least {cut}",
        "curve_title": "Satisfaction and loyalty",
        "curve_intro": ("Share of loyal respondents at each level of overall satisfaction, with 95% Wilson "
                        "intervals. The shaded band is the zone of indifference, where more satisfaction buys "
                        "no loyalty; the arrow marks the largest significant rise."),
        "axis_loyal_share": "Loyal (%)",
        "zone_label": "Zone of indifference",
        "jump_label": "Jump +{diff} points",
        "zone_line": "Zone of indifference: satisfaction {low} to {high}.",
        "zone_none": "No zone of indifference was found.",
        "jump_line": "Largest significant rise in loyalty: from {a} to {b}, +{diff} percentage points.",
        "jump_none": "No significant rise between adjacent levels.",
        "lift_line": ("At the top level ({top}) {top_share} are loyal, at {second} {second_share}: {lift} times as "
                      "many (difference 95% CI {low} to {high} points)."),
        "col_level": "Satisfaction",
        "col_loyal_share": "Loyal",
        "seg_title": "Segments",
        "seg_intro": "Every respondent falls into one segment by satisfaction and loyalty; bars show 95% intervals.",
        "axis_share": "Share of respondents (%)",
        "col_segment": "Segment",
        "col_definition": "Who",
        "col_share_resp": "Share",
        "seg_loyalist": "Loyalists",
        "seg_apostle": "Apostles",
        "seg_mercenary": "Mercenaries",
        "seg_hostage": "Hostages",
        "seg_defector": "Defectors",
        "seg_terrorist": "Terrorists",
        "segdef_loyalist": "satisfied and loyal",
        "segdef_apostle": "loyalists at the top box of both",
        "segdef_mercenary": "satisfied, not loyal",
        "segdef_hostage": "loyal, not satisfied",
        "segdef_defector": "neither satisfied nor loyal",
        "segdef_terrorist": "defectors who would warn others",
        "attr_title": "Basic and latent attributes",
        "attr_intro": ("Penalty-reward analysis: how much satisfaction drops when an attribute is rated low "
                       "(penalty) and rises when it is rated high (reward). Impact asymmetry IA = (reward - "
                       "|penalty|) / impact range: below -0.2 a basic attribute (keep it reliable), above 0.2 "
                       "an excitement (latent) attribute (invest). Dots carry 95% bootstrap intervals."),
        "axis_ia": "Impact asymmetry (IA)",
        "range_title": "Impact range and performance",
        "range_intro": ("Attributes high up move satisfaction most (impact range R + |P|); attributes to the left "
                        "perform worst."),
        "axis_mean_performance": "Mean performance",
        "axis_impact_range": "Impact range (R + |P|)",
        "class_basic": "Basic",
        "class_performance": "Performance",
        "class_excitement": "Excitement (latent)",
        "col_attribute": "Attribute",
        "col_class": "Class",
        "col_penalty": "Penalty",
        "col_reward": "Reward",
        "col_ia": "IA",
        "col_range": "R + |P|",
        "col_mean": "Mean",
        "class_undetermined": "not determined",
        "class_undetermined_note": ("Not determined: the 95% interval of IA reaches beyond one class's range, or "
                                    "the attribute's effect cannot be told apart from none. Such an attribute is "
                                    "given no class and no advice."),
        "stage_title": "By relationship stage",
        "stage_intro": ("The trap per stage of the relationship, and the loyalty programme each stage calls for. "
                        "Basic and latent attributes are those of the stage's own penalty-reward analysis."),
        "stage_exploration": "Exploration",
        "stage_formation": "Formation",
        "stage_stability": "Stability",
        "stage_decline": "Decline",
        "programme_exploration": "tangible benefit and care: frequent-customer and affection programmes",
        "programme_formation": "special treatment for customers who are building the relationship",
        "programme_stability": "a sense of belonging: a community programme",
        "programme_decline": "win-back: find and fix what went wrong before the customer leaves",
        "col_stage": "Stage",
        "col_trap_index": "Satisfied not loyal",
        "col_zone": "Zone of indifference",
        "col_basic": "Basic",
        "col_latent": "Latent",
        "col_programme": "Programme",
        "deepest": "{stage} (deepest)",
        "complaints_title": "Complaints and recovery",
        "complaints_intro": ("Most dissatisfied customers never complain. Loyal shares with 95% intervals for "
                             "customers without a problem, silent ones, complainers and recovered complainers."),
        "problem_kpi": "Had a problem",
        "complained_kpi": "Of them complained",
        "silent_kpi": "Stayed silent",
        "group_no_problem": "No problem",
        "group_silent": "Problem, did not complain",
        "group_complained": "Complained",
        "group_recovered": "Complained, put right",
        "col_mean_satisfaction": "Mean satisfaction",
        "paradox_line": ("Recovered complainers against customers without a problem: satisfaction {diff} "
                         "(95% CI {low} to {high}), loyal share {ldiff} points (95% CI {llow} to {lhigh}); "
                         "{n} recovered complainers."),
        "paradox_holds": "The recovery paradox holds.",
        "paradox_not": "No recovery paradox.",
        "justice_title": "What makes a recovery work",
        "justice_outcome": "Outcome (what was done)",
        "justice_procedure": "Procedure (how fast and easy)",
        "justice_interaction": "Interaction (how people were treated)",
        "col_justice": "Recovery justice",
        "col_good": "Good: mean satisfaction",
        "col_poor": "Poor: mean satisfaction",
        "col_difference": "Difference [95% CI]",
        "behaviour_title": "Revenue at risk",
        "behaviour_intro": "The survey joined to the customer file: {n} respondents matched.",
        "risk_line": ("Mercenaries are {customers} of customers and bring {share} of revenue ({revenue}); "
                      "their lifetime value totals {clv}."),
        "said_line": ("{share} of the {n} customers who left had said they were satisfied "
                      "(95% CI {low} to {high})."),
        "actual_line": "{share} of the {n} satisfied respondents actually left (95% CI {low} to {high}).",
        "tiers_title": "Customer tiers by profit",
        "tier_platinum": "Platinum",
        "tier_gold": "Gold",
        "tier_iron": "Iron",
        "tier_lead": "Lead",
        "col_tier": "Tier",
        "col_revenue": "Revenue",
        "col_profit": "Profit",
        "col_profit_share": "Share of profit",
        "col_clv": "Mean CLV",
        "col_retention": "Retention",
        # recommended actions
        "sec_actions": "Recommended actions",
        "actions_intro": "Each action follows from a finding of this report.",
        "actions_none": "The results point to no specific action.",
        "act_improve": "Improve {labels}",
        "act_improve_why": "They matter for {outcome} and perform below average.",
        "act_basic": "Keep {labels} reliable",
        "act_basic_why": "Basic expectations: falling short costs much satisfaction, doing better earns little.",
        "act_excite": "Invest in {labels}",
        "act_excite_why": "Latent expectations: doing well lifts satisfaction to the top box, where loyalty is.",
        "act_top_box": "Aim for the top box, not the average",
        "act_top_box_why": ("Loyalty does not change between satisfaction {low} and {high}; it jumps between {a} "
                            "and {b}."),
        "act_stage": "{stage} stage: {programme}",
        "act_stage_why": "The trap is deepest here: {share} of its satisfied customers are not loyal.",
        "act_complain": "Make complaining easy",
        "act_complain_why": "{share} of customers with a problem never complained, so the problems go unseen.",
        "act_recover": "Put problems right quickly and well",
        "act_recover_why": "Recovered complainers end up more satisfied than customers who never had a problem.",
        "act_prevent": "Prevent problems rather than count on fixing them",
        "act_prevent_why": "Recovered complainers are not clearly more satisfied than those without a problem.",
        "act_protect": "Win over the mercenaries",
        "act_protect_why": "Satisfied but not loyal customers bring {share} of revenue.",
        "list_and": " and ",
        "list_sep": ", ",
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
        "methods_disclosure": (
            "Confidentiality (anonymous survey): no figure, table cell or chart point stands for fewer than {k} "
            "people, and any group that would let a hidden one be worked out by subtraction is hidden too. Answers "
            "are released in batches (this report shows release {release}): a unit's figures change only when at "
            "least {k} new answers can be added to them, so comparing two reports tells nothing about one person."
        ),
        "methods_held_back": (
            "{n} answers that arrived after the last release in their group, or in groups too small to show even "
            "pooled with others, are held back for good: they are in no figure of this report."
        ),
        "methods_bootstrap_sample": (
            "With {n} respondents, each bootstrap resample draws {rows} of them and its spread is rescaled to the "
            "full sample (an m-out-of-n bootstrap): the intervals are as wide as a bootstrap of every respondent "
            "would make them; the estimates themselves use everyone."
        ),
        # employee report (keys ending in _employee replace their customer wording in employee reports)
        "default_title_employee": "Employee satisfaction report",
        "report_kind_employee": "Employee report (for HR)",
        "csi_employee": "Overall satisfaction index (0-100)",
        "csi_sentence_employee": "On a scale from 0 to 100, employees rate their overall satisfaction at {value}.",
        "nps_employee": "Employee Net Promoter Score (eNPS, -100 to 100)",
        "nps_sentence_employee": ("{promoters} of employees would recommend the company as a place to work "
                                  "(9-10) and {detractors} would not (0-6): an eNPS of {score}."),
        "sec_nps_employee": "Employee Net Promoter Score (eNPS)",
        "col_nps_employee": "eNPS",
        "nps_intro_employee": ("Promoters answer 9 or 10 to \"would you recommend this company as a place to "
                               "work\", detractors 0 to 6. The eNPS is the share of promoters minus the share of "
                               "detractors; the interval is the adjusted Wald interval."),
        "sec_trap_employee": "Satisfied but leaving",
        # neutral names for groups of employees (the customer names - mercenaries, hostages, terrorists - are not
        # words for colleagues)
        "seg_title_employee": "Groups by satisfaction and intent to stay",
        "seg_intro_employee": ("Every respondent falls into one group by satisfaction and intent to stay; bars show "
                               "95% intervals."),
        "seg_loyalist_employee": "Engaged",
        "seg_apostle_employee": "Advocates",
        "seg_mercenary_employee": "Satisfied but leaving",
        "seg_hostage_employee": "Staying though dissatisfied",
        "seg_defector_employee": "Dissatisfied and leaving",
        "seg_terrorist_employee": "Strongly dissatisfied",
        "segdef_loyalist_employee": "satisfied and intending to stay",
        "segdef_apostle_employee": "engaged, at the top of both scales",
        "segdef_mercenary_employee": "satisfied, not intending to stay",
        "segdef_hostage_employee": "intending to stay, not satisfied",
        "segdef_defector_employee": "neither satisfied nor intending to stay",
        "segdef_terrorist_employee": "dissatisfied and leaving, and would not recommend working here",
        "trap_intro_employee": ("Satisfied employees do not always intend to stay. This section shows where "
                                "satisfaction starts to keep people, who is satisfied but thinking of leaving, "
                                "and which aspects of the job only prevent dissatisfaction."),
        "sec_drivers_employee": "What drives satisfaction and intent to stay",
        "sec_employee": "Job satisfaction facets",
        "employee_intro": ("Each facet is the mean of its statements, shown as a 0-100 index (0 = everyone at the "
                           "bottom of the scale, 100 = everyone at the top)."),
        "col_facet": "Facet",
        "axis_index": "Index (0-100)",
        "stay_levers": "What keeps people: the biggest drivers of intent to stay",
        "internal_title": "Internal service between departments",
        "internal_intro": ("How each department rates the support and service it receives from the other "
                           "departments (0-100 index)."),
        "heatmap_title": "Facets by {by}",
        "heatmap_intro": ("Mean per {by} and facet. ▲ / ▼: significantly above / below the rest of the "
                          "organisation (Welch t-test, Holm-adjusted over all cells, 5% level). Figures for groups "
                          "of fewer than {k} people are never shown."),
        "col_organisation": "Whole organisation",
        "hidden_small_cell": "hidden ¹",
        "hidden_complementary_cell": "hidden ²",
        "hidden_small": "¹ hidden: fewer than {k} answers",
        "hidden_complementary": "² hidden: would reveal another group",
        # trends
        "sec_trends": "Trend against earlier waves",
        "trends_intro": ("Each measure per wave with its 95% interval. Changes are tested between consecutive "
                         "waves (Welch t-test; for the NPS a z-test); ▲ / ▼ mark a significant rise / fall at the "
                         "5% level."),
        "col_measure": "Measure",
        "col_change": "Change",
        "col_p": "p",
        "col_waves": "Waves",
        "wave_n": "{wave}: {n} respondents",
        "not_comparable_title": "Not comparable between all waves",
        "not_comparable_line": "{label}: not asked in full in wave(s) {waves}",
        "significant_up": "▲ significant rise",
        "significant_down": "▼ significant fall",
        "not_significant": "no significant change",
        # KPIs by unit
        "kpi_intro": ("n, satisfaction index and NPS per {by}. ▲ / ▼: significantly above / below the rest "
                      "(Welch t-test against everyone else, Holm-adjusted, 5% level)."),
        "rollup_intro": ("Indented rows are the units within the row above them, whose figures hold all of "
                         "their answers; parents are compared with the others at their level."),
        "unit_own": "{name} (own answers)",
        "unit_word": "unit",
        "methods_rollup": ("Units rolled up: a parent unit's figures are those of every answer in the units below "
                           "it; parents are compared with the other parents at their level of the hierarchy, "
                           "with the same tests and the same minimum group size as the units."),
        "welch_p_among": "Welch ANOVA p ({among} level)",
        "suppressed_small": "hidden: fewer than {k} answers",
        "suppressed_complementary": "hidden: would reveal another group",
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
        "sentence_end": "。",
        "sentence_gap": "",
        "lever_gain": ("在其他因素不变时，这里每提高 1 分，{outcome}平均提高 {gain} 分"
                       "（95% 置信区间 {low} 至 {high}）。"),
        "trend_up": "与第 {wave} 期相比，满意度上升了 {change} 分（95% 置信区间 {low} 至 {high}）。",
        "trend_down": "与第 {wave} 期相比，满意度下降了 {change} 分（95% 置信区间 {low} 至 {high}）。",
        "trend_flat": "与第 {wave} 期相比，满意度没有可测的变化（{change} 分，95% 置信区间 {low} 至 {high}）。",
        "units_above": "满意度明显高于其他{by}的：{names}。",
        "units_below": "满意度明显低于其他{by}的：{names}。",
        "units_none": "没有哪个{by}的满意度与其他{by}有可测的差异。",
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
        "quadrant_none": "位置不明确",
        "ipa_rule": ("只有当驱动因素的重要性（自助法区间）和表现（均值的 95% 置信区间）都明确位于平均重要性和平均表现"
                     "两条分界线的同一侧时，才标出其象限；否则这些数据无法确定它的位置，也不据此给出建议。"),
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
        "trap_intro": ("满意的客户不一定忠诚。本节说明满意度从哪里开始带来忠诚、谁满意却不忠诚、"
                       "哪些属性只能防止不满、哪些能带来惊喜，以及满意陷阱的代价。"),
        "trap_index_title": "满意陷阱有多深",
        "trap_index_kpi": "满意但不忠诚",
        "trap_index_line": ("{n} 位满意的受访者中有 {value} 并不忠诚（95% 置信区间 {low} 至 {high}）。"
                            "满意：{satisfied}。忠诚：{loyal}。"),
        "cut_line": "{label}不低于 {cut}",
        "curve_title": "满意度与忠诚度",
        "curve_intro": ("总体满意度每一档中忠诚受访者的比例，附 95% Wilson 置信区间。阴影带是质量不敏感区，"
                        "在此区间内提高满意度并不带来忠诚；箭头标出最大的显著跃升。"),
        "axis_loyal_share": "忠诚（%）",
        "zone_label": "质量不敏感区",
        "jump_label": "跃升 +{diff} 个百分点",
        "zone_line": "质量不敏感区：满意度 {low} 至 {high}。",
        "zone_none": "未发现质量不敏感区。",
        "jump_line": "忠诚度最大的显著跃升：从 {a} 到 {b}，增加 {diff} 个百分点。",
        "jump_none": "相邻两档之间没有显著的跃升。",
        "lift_line": ("最高档（{top}）有 {top_share} 忠诚，{second} 档为 {second_share}：是其 {lift} 倍"
                      "（差值的 95% 置信区间 {low} 至 {high} 个百分点）。"),
        "col_level": "满意度",
        "col_loyal_share": "忠诚",
        "seg_title": "客户细分",
        "seg_intro": "按满意度与忠诚度，每位受访者归入一个细分；误差线为 95% 置信区间。",
        "axis_share": "占受访者的比例（%）",
        "col_segment": "细分",
        "col_definition": "定义",
        "col_share_resp": "比例",
        "seg_loyalist": "忠诚者",
        "seg_apostle": "传道者",
        "seg_mercenary": "唯利是图者",
        "seg_hostage": "人质",
        "seg_defector": "背离者",
        "seg_terrorist": "恐怖分子",
        "segdef_loyalist": "满意且忠诚",
        "segdef_apostle": "两项都给最高分的忠诚者",
        "segdef_mercenary": "满意但不忠诚",
        "segdef_hostage": "忠诚但不满意",
        "segdef_defector": "既不满意也不忠诚",
        "segdef_terrorist": "会劝阻他人的背离者",
        "attr_title": "基本属性与潜在属性",
        "attr_intro": ("惩罚—奖励分析：某属性评价低时满意度下降多少（惩罚），评价高时上升多少（奖励）。"
                       "影响不对称性 IA =（奖励 - |惩罚|）/ 影响范围：低于 -0.2 为基本属性（确保稳定可靠），"
                       "高于 0.2 为兴奋（潜在）属性（值得投入）。各点附 95% 自助法置信区间。"),
        "axis_ia": "影响不对称性（IA）",
        "range_title": "影响范围与表现",
        "range_intro": "越靠上的属性对满意度影响越大（影响范围 R + |P|）；越靠左的属性表现越差。",
        "axis_mean_performance": "平均表现",
        "axis_impact_range": "影响范围（R + |P|）",
        "class_basic": "基本属性",
        "class_performance": "绩效属性",
        "class_excitement": "兴奋（潜在）属性",
        "col_attribute": "属性",
        "col_class": "类别",
        "col_penalty": "惩罚",
        "col_reward": "奖励",
        "col_ia": "IA",
        "col_range": "R + |P|",
        "col_mean": "均值",
        "class_undetermined": "未确定",
        "class_undetermined_note": "未确定：IA 的 95% 置信区间跨出某一类别的范围，或该属性的作用与零无法区分。"
                                   "这样的属性不归类，也不给出建议。",
        "stage_title": "按关系阶段",
        "stage_intro": ("各关系阶段的满意陷阱，以及每个阶段需要的忠诚计划。"
                        "基本与潜在属性来自该阶段自己的惩罚—奖励分析。"),
        "stage_exploration": "考察期",
        "stage_formation": "形成期",
        "stage_stability": "稳定期",
        "stage_decline": "衰退期",
        "programme_exploration": "有形利益与关怀：常客计划和情感计划",
        "programme_formation": "对正在建立关系的客户给予特殊待遇",
        "programme_stability": "归属感：客户社区计划",
        "programme_decline": "挽回：在客户离开之前找出并解决问题",
        "col_stage": "阶段",
        "col_trap_index": "满意但不忠诚",
        "col_zone": "质量不敏感区",
        "col_basic": "基本属性",
        "col_latent": "潜在属性",
        "col_programme": "忠诚计划",
        "deepest": "{stage}（最深）",
        "complaints_title": "投诉与服务补救",
        "complaints_intro": ("大多数不满的客户从不投诉。下图为未遇到问题、沉默、投诉以及问题得到解决的客户中"
                             "忠诚者的比例，附 95% 置信区间。"),
        "problem_kpi": "遇到过问题",
        "complained_kpi": "其中投诉",
        "silent_kpi": "保持沉默",
        "group_no_problem": "未遇到问题",
        "group_silent": "遇到问题但未投诉",
        "group_complained": "投诉过",
        "group_recovered": "投诉且问题得到解决",
        "col_mean_satisfaction": "平均满意度",
        "paradox_line": ("问题得到解决的投诉者与未遇到问题的客户相比：满意度差 {diff}（95% 置信区间 {low} 至 "
                         "{high}），忠诚比例差 {ldiff} 个百分点（95% 置信区间 {llow} 至 {lhigh}）；"
                         "问题得到解决的投诉者 {n} 位。"),
        "paradox_holds": "服务补救悖论成立。",
        "paradox_not": "不存在服务补救悖论。",
        "justice_title": "怎样的补救才有效",
        "justice_outcome": "结果（做了什么）",
        "justice_procedure": "程序（是否快捷方便）",
        "justice_interaction": "互动（对待客户的态度）",
        "col_justice": "补救公正",
        "col_good": "好：平均满意度",
        "col_poor": "差：平均满意度",
        "col_difference": "差值 [95% 置信区间]",
        "behaviour_title": "风险收入",
        "behaviour_intro": "调查与客户档案关联：匹配 {n} 位受访者。",
        "risk_line": ("唯利是图者占客户的 {customers}，贡献了 {share} 的收入（{revenue}）；"
                      "其客户终身价值合计 {clv}。"),
        "said_line": "在 {n} 位流失客户中，有 {share} 曾表示满意（95% 置信区间 {low} 至 {high}）。",
        "actual_line": "在 {n} 位满意的受访者中，有 {share} 实际流失（95% 置信区间 {low} 至 {high}）。",
        "tiers_title": "按利润划分的客户层级",
        "tier_platinum": "白金",
        "tier_gold": "黄金",
        "tier_iron": "铁",
        "tier_lead": "铅",
        "col_tier": "层级",
        "col_revenue": "收入",
        "col_profit": "利润",
        "col_profit_share": "占利润",
        "col_clv": "平均终身价值",
        "col_retention": "保留率",
        "sec_actions": "建议措施",
        "actions_intro": "每项措施都来自本报告的一项发现。",
        "actions_none": "结果未指向具体措施。",
        "act_improve": "改进{labels}",
        "act_improve_why": "这些因素对{outcome}很重要，但表现低于平均水平。",
        "act_basic": "确保{labels}稳定可靠",
        "act_basic_why": "这是基本期望：做不到会大幅降低满意度，做得更好却收效甚微。",
        "act_excite": "投入于{labels}",
        "act_excite_why": "这是潜在期望：做得好能把满意度推到最高档，而忠诚正在那里产生。",
        "act_top_box": "以最高档为目标，而不是平均分",
        "act_top_box_why": "满意度在 {low} 到 {high} 之间时忠诚度不变；在 {a} 到 {b} 之间才跃升。",
        "act_stage": "{stage}：{programme}",
        "act_stage_why": "满意陷阱在此最深：该阶段 {share} 的满意客户并不忠诚。",
        "act_complain": "让投诉变得容易",
        "act_complain_why": "遇到问题的客户中有 {share} 从未投诉，问题因此无人知晓。",
        "act_recover": "快速、妥善地解决问题",
        "act_recover_why": "问题得到解决的投诉者最终比从未遇到问题的客户更满意。",
        "act_prevent": "预防问题，而不是指望事后补救",
        "act_prevent_why": "问题得到解决的投诉者并不比从未遇到问题的客户明显更满意。",
        "act_protect": "争取唯利是图者",
        "act_protect_why": "满意却不忠诚的客户贡献了 {share} 的收入。",
        "list_and": "和",
        "list_sep": "、",
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
        "methods_disclosure": (
            "保密规则（匿名问卷）：任何数字、表格单元或图表中的点都不代表少于 {k} 人；"
            "凡是能通过相减推算出被隐藏群体的群体也一并隐藏。回答分批公布（本报告为第 {release} 批）："
            "只有当某个部门新增至少 {k} 份回答时，它的数字才会变化，因此比较两份报告也无法得知任何一个人的回答。"
        ),
        "methods_held_back": ("有 {n} 份回答在所属群体最后一次公布之后才提交，或所属群体即使合并也太小，"
                              "因此永久不予公布：本报告的任何数字都不包含它们。"),
        "methods_bootstrap_sample": (
            "共有 {n} 名受访者，自助法每次重抽样抽取其中 {rows} 名，其离散程度按全样本换算（m-out-of-n 自助法）："
            "区间宽度与对全部受访者做自助法时相同；估计值本身使用全部受访者。"
        ),
        # 员工报告
        "default_title_employee": "员工满意度报告",
        "report_kind_employee": "员工报告（供人力资源部门使用）",
        "csi_employee": "总体满意度指数（0-100）",
        "csi_sentence_employee": "在 0 到 100 的量表上，员工的总体满意度为 {value}。",
        "nps_employee": "员工净推荐值（eNPS，-100 至 100）",
        "nps_sentence_employee": ("{promoters} 的员工愿意推荐公司为工作场所（9-10 分），{detractors} 不愿意"
                                  "（0-6 分）：eNPS 为 {score}。"),
        "sec_nps_employee": "员工净推荐值（eNPS）",
        "col_nps_employee": "eNPS",
        "nps_intro_employee": ("推荐者是在“是否会推荐朋友来这里工作”一题上打 9 或 10 分的员工，贬损者打 0 到 6 分。"
                               "eNPS 为推荐者比例减去贬损者比例；区间为调整 Wald 区间。"),
        "sec_trap_employee": "满意却想离开",
        "seg_title_employee": "按满意度与留任意愿分组",
        "seg_intro_employee": "按满意度与留任意愿，每位受访者归入一个组；误差线为 95% 置信区间。",
        "seg_loyalist_employee": "投入的员工",
        "seg_apostle_employee": "拥护者",
        "seg_mercenary_employee": "满意但想离开",
        "seg_hostage_employee": "不满意但留下",
        "seg_defector_employee": "不满意且想离开",
        "seg_terrorist_employee": "强烈不满",
        "segdef_loyalist_employee": "满意且打算留下",
        "segdef_apostle_employee": "两项都给最高分的投入员工",
        "segdef_mercenary_employee": "满意但不打算留下",
        "segdef_hostage_employee": "打算留下但不满意",
        "segdef_defector_employee": "既不满意也不打算留下",
        "segdef_terrorist_employee": "不满意、想离开，也不会推荐来这里工作",
        "trap_intro_employee": ("满意的员工不一定打算留下。本节说明满意度从哪里开始留住人、谁满意却在考虑离开，"
                                "以及工作的哪些方面只能防止不满。"),
        "sec_drivers_employee": "满意度与留任意愿的驱动因素",
        "sec_employee": "工作满意度各维度",
        "employee_intro": ("每个维度为其题目的平均值，并换算为 0-100 指数"
                           "（0 = 所有人选最低分，100 = 所有人选最高分）。"),
        "col_facet": "维度",
        "axis_index": "指数（0-100）",
        "stay_levers": "留住员工的关键：留任意愿的最大驱动因素",
        "internal_title": "部门之间的内部服务",
        "internal_intro": "各部门对其他部门提供的支持与服务的评价（0-100 指数）。",
        "heatmap_title": "按{by}的各维度结果",
        "heatmap_intro": ("各{by}在各维度上的均值。▲ / ▼：显著高于 / 低于组织其余部分（Welch t 检验，"
                          "对所有单元格做 Holm 校正，5% 水平）。少于 {k} 人的组从不显示数值。"),
        "col_organisation": "全组织",
        "hidden_small_cell": "隐藏 ¹",
        "hidden_complementary_cell": "隐藏 ²",
        "hidden_small": "¹ 隐藏：作答少于 {k} 份",
        "hidden_complementary": "² 隐藏：显示会暴露另一个组",
        # 趋势
        "sec_trends": "与往期比较的趋势",
        "trends_intro": ("各期的各项指标及其 95% 区间。相邻两期之间的变化做了检验（Welch t 检验；NPS 用 z 检验）；"
                         "▲ / ▼ 表示在 5% 水平上显著上升 / 下降。"),
        "col_measure": "指标",
        "col_change": "变化",
        "col_p": "p 值",
        "col_waves": "期次",
        "wave_n": "{wave}：{n} 名受访者",
        "not_comparable_title": "无法在所有期次之间比较",
        "not_comparable_line": "{label}：在第 {waves} 期没有完整询问",
        "significant_up": "▲ 显著上升",
        "significant_down": "▼ 显著下降",
        "not_significant": "无显著变化",
        # 按单位的关键指标
        "kpi_intro": ("各{by}的样本量、满意度指数和 NPS。▲ / ▼：显著高于 / 低于其余部分"
                      "（与其余所有人做 Welch t 检验，Holm 校正，5% 水平）。"),
        "rollup_intro": ("缩进的行是其上一行所含的下级单位；上级的数字包含其全部下级的作答，"
                         "并与同一层级的其他上级比较。"),
        "unit_own": "{name}（本级作答）",
        "unit_word": "单位",
        "methods_rollup": "单位逐级汇总：上级单位的数字包含其下所有单位的全部作答；上级与同一层级的其他上级比较，"
                          "检验方法和最小组规模与各单位相同。",
        "welch_p_among": "{among}层级的 Welch 方差分析 p 值",
        "suppressed_small": "隐藏：作答少于 {k} 份",
        "suppressed_complementary": "隐藏：显示会暴露另一个组",
    },
}


def _merge_sections() -> None:
    """Add the wording that sections keep in their own modules (one module per section). A section may not reuse
    a key: its word would replace the shared one in every report (a recovery table's "Customers" once headed the
    HR report's group columns)."""
    from reports.messages_followup import FOLLOWUP
    from reports.messages_model_groups import MODEL_GROUPS
    from reports.messages_pls import PLS_EFFECTS
    from reports.messages_recovery import RECOVERY
    from reports.messages_text import TEXT

    for lang in LANGUAGES:
        for section in (RECOVERY, FOLLOWUP, MODEL_GROUPS, PLS_EFFECTS, TEXT):
            clash = sorted(MESSAGES[lang].keys() & section[lang].keys())
            if clash:
                raise RuntimeError(f"report section wording reuses the keys {clash} ({lang}): prefix them")
            MESSAGES[lang].update(section[lang])


_merge_sections()
