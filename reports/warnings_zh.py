"""The analysis warnings in Chinese, for the appendix of the zh report.

The analysis writes its caveats as English sentences built from templates (numbers and column names filled
in), often behind the name of the part that raised them ("Drivers (Satisfaction): Only 40 respondents ...").
:func:`translate` recognises a sentence by its template, keeps the filled-in values and puts them into the
Chinese template; a part name in front is translated on its own. A sentence no template matches (a new
warning, or an error message of a failed part) stays in English behind a note saying so, rather than vanish.

``tests/reports/test_warnings_zh.py`` reads every warning template out of ``analysis/`` and fails when one has
no translation here, so a new warning cannot slip into the zh report untranslated unnoticed.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Shown after an English sentence that has no translation yet.
UNTRANSLATED = "（原文为英文，暂无中文翻译）"

#: English warning template (``{}`` where a value is filled in) -> Chinese template (``{}`` in the same order,
#: or ``{0}``, ``{1}``, ... where Chinese wants another order).
TEMPLATES: dict[str, str] = {
    # analysis.engine (comments)
    "Text: no trap segments ({})": "评论：无法按满意陷阱细分（{}）",
    # analysis.clv
    "{} customer(s) lack retained, revenue or cost and are left out.":
        "{} 位客户缺少留存、收入或成本数据，未纳入分析。",
    "No customer churned, so the expected lifetime is unbounded; lifetime profit is not given.":
        "没有客户流失，预期生命周期无上限，因此不给出生命周期利润。",
    # analysis.micom, analysis.pls_mga, analysis.pls_predict
    "Groups '{}' and '{}': the model cannot be estimated the same way in both (MICOM step 1 fails), so they are "
    "not compared.":
        "分组“{}”与“{}”：模型无法在两组中以相同方式估计（MICOM 第 1 步不成立），因此不作比较。",
    "Groups '{}' and '{}': {} of {} permutations could not be estimated and were left out.":
        "分组“{}”与“{}”：{} 次置换（共 {} 次）无法估计，已剔除。",
    "Rows left out for want of the group or of an item: {}.":
        "因缺少分组或题目作答而未纳入的行数：{}。",
    "Groups left out of the PLS group comparison (too few respondents): {}.":
        "以下分组人数过少，未纳入 PLS 分组比较：{}。",
    "Pairs of groups not compared because their composites are not invariant (MICOM steps 1-2): {}; path "
    "coefficients of such groups do not measure the same thing.":
        "因构念合成分数不具测量不变性（MICOM 第 1-2 步）而未作比较的分组对：{} 对；这些分组的路径系数含义不同。",
    "Only {} respondents for a linear benchmark on {} exogenous items; its out-of-sample errors are unstable.":
        "以 {1} 个外生题目建立线性基准模型，却只有 {0} 名受访者；其样本外误差不稳定。",
    "PLSpredict estimates the model on all folds but one, {} rows here; it needs at least {} (one per outer "
    "weight and path coefficient). Use fewer folds.":
        "PLS 预测在除一折外的所有折上估计模型，此处只有 {} 行；至少需要 {} 行（每个外部权重和路径系数各一行）。"
        "请减少折数。",
    "Groups of '{}' with {} or more respondents: {}; the PLS multi-group analysis compares at most {} (every "
    "pair under {} permutations), so compare a coarser grouping.":
        "“{0}”中有 {2} 个分组至少有 {1} 名受访者；PLS 多组分析最多比较 {3} 个分组（每对分组各置换 {4} 次），"
        "请改用更粗的分组。",
    # analysis.data
    "'scales' names {}, which are neither constructs nor columns of the data; ignored.":
        "“scales”中的 {} 既不是构念，也不是数据中的列，已忽略。",
    "{} row(s) without any answer to the analysed items were dropped.":
        "{} 行对所分析的题目没有任何作答，已删除。",
    "The model names no constructs, so every numeric column is analysed; the text column(s) {}{} were left out.":
        "模型未指定构念，因此分析所有数值列；文本列 {}{} 未纳入。",
    "Column(s) {} have no answers and were left out.":
        "列 {} 没有任何作答，未纳入。",
    "{} respondent(s) without a value in '{}' are left out of the group comparison.":
        "{0} 名受访者在“{1}”中没有取值，未纳入分组比较。",
    "Reverse-keyed item '{}' is not used by any analysis.":
        "反向计分题“{}”没有被任何分析使用。",
    "{} respondent(s) with at least one missing answer were left out (missing: listwise).":
        "{} 名受访者至少有一题未作答，已整行剔除（缺失处理：列表删除）。",
    "Item '{}' is constant (every answer is {}); statistics that need its variance (alpha, correlations, "
    "regressions) are undefined for it.":
        "题目“{}”的作答全部相同（均为 {}）；需要方差的统计量（α、相关、回归）对它无定义。",
    "{} missing answer(s) were replaced by the item mean (missing: mean); this shrinks variances and "
    "correlations.":
        "{} 个缺失作答已用题目均值替代（缺失处理：均值替代）；这会使方差和相关系数偏小。",
    # analysis.drivers
    "No answer range is known for {}, so performance in the importance-performance table is the raw mean for "
    "every driver (not 0-100); compare only drivers on the same scale.":
        "{} 的作答范围未知，因此重要性—表现表中的表现一律为原始均值（而非 0–100）；只能比较同一量表上的驱动因素。",
    "The HC3 robust standard errors could not be computed (a respondent has leverage 1, e.g. the only one with "
    "some answer); use the classical standard errors.":
        "无法计算 HC3 稳健标准误（某位受访者的杠杆值为 1，例如唯一给出某个作答的人）；请使用经典标准误。",
    "The predictors explain {} perfectly (R² = 1): it is probably computed from them (a total or an index), so "
    "a driver analysis says nothing about it.":
        "预测变量完全解释了 {}（R² = 1）：它很可能就是由这些变量计算得出的（总分或指数），驱动因素分析对它没有意义。",
    "Only {} respondents for {} predictors (fewer than {} per predictor): the importances are unstable; read "
    "them as indicative and check the bootstrap intervals.":
        "{1} 个预测变量只有 {0} 名受访者（每个预测变量不足 {2} 人）：重要性不稳定，仅供参考，请查看自助法区间。",
    "Strong multicollinearity, VIF above {}: {}. Their OLS coefficients are unreliable; rank drivers by the "
    "Shapley importances instead.":
        "存在严重多重共线性，VIF 高于 {}：{}。它们的 OLS 系数不可靠；请改用 Shapley 重要性排序驱动因素。",
    "{} of {} bootstrap resamples had a constant or perfectly collinear column and were left out of the "
    "confidence intervals.":
        "{1} 次自助重抽样中有 {0} 次含有常数列或完全共线的列，未用于置信区间。",
    "Only {} bootstrap resamples: the 95% intervals are rough; use {} or more for reporting.":
        "只有 {} 次自助重抽样：95% 区间较粗略；正式报告请至少使用 {} 次。",
    "Suppression: {} correlates {} with {} (r = {}) but its OLS coefficient is {} ({}, p = {}) once the other "
    "predictors are held constant; its Shapley and relative weights are non-negative by construction and do "
    "not show this.":
        "抑制效应：{0} 与 {2} 呈{1}相关（r = {3}），但在控制其他预测变量后其 OLS 系数为{4}（{5}，p = {6}）；"
        "Shapley 值和相对权重按定义非负，无法反映这一点。",
    # analysis.efa
    "{} respondents skipped some items: correlations use pairwise-complete answers (as psych::fa), the "
    "smallest pair having {} respondents.":
        "{} 名受访者跳过了部分题目：相关系数使用成对完整的作答（与 psych::fa 相同），最小的一对只有 {} 名受访者。",
    "KMO is {} ({}): these items share too little for a factor analysis.":
        "KMO 为 {}（{}）：这些题目的共同变异太少，不适合做因子分析。",
    "Correlated with no other item, so their sampling adequacy is undefined: {}. Leave them out of the factor "
    "analysis.":
        "与其他任何题目都不相关，因此抽样适当性无法定义：{}。请将这些题目排除在因子分析之外。",
    "{} factors for {} items leave negative degrees of freedom ({}): the model is not identified; use fewer "
    "factors.":
        "{1} 个题目提取 {0} 个因子，自由度为负（{2}）：模型不可识别，请减少因子数。",
    "Heywood case: {} have communality near 1; try fewer factors or drop the items.":
        "海伍德（Heywood）情形：{} 的共同度接近 1；请减少因子数或删除这些题目。",
    "The {} extraction did not converge ({}); the loadings are doubtful.":
        "{} 因子提取未收敛（{}）；载荷值存疑。",
    "Parallel analysis kept no factor (the first eigenvalue is within random noise); 1 factor is shown anyway.":
        "平行分析未保留任何因子（第一个特征值处于随机噪声范围内）；仍显示 1 个因子。",
    # analysis.engine
    "with {} respondents each bootstrap resample draws {} rows (bootstrap_subsample, an m-out-of-n bootstrap "
    "whose spread is rescaled to the full sample); the estimates themselves use every respondent.":
        "共有 {} 名受访者，每次自助重抽样抽取 {} 行（bootstrap_subsample，即 m-out-of-n 自助法，其离散程度按全样本"
        "换算）；估计值本身使用全部受访者。",
    "with {} complete respondents the folds were formed on a random sample of {} of them (the prediction errors "
    "are averages, which that many rows estimate to within about 1 %).":
        "共有 {} 名作答完整的受访者，交叉验证的折在其中随机抽取的 {} 名上划分（预测误差是平均值，"
        "这么多行的估计误差约在 1% 以内）。",
    "the model gives no answer scale ('scale:' or 'scales:'), so answers are not range-checked and no 0-100 "
    "indices are computed.":
        "模型未给出作答量表（“scale:”或“scales:”），因此不检查作答范围，也不计算 0–100 指数。",
    "no bootstrap was asked for (pls.bootstrap: 0), so the paths have no standard errors or confidence "
    "intervals.":
        "未要求自助法（pls.bootstrap: 0），因此路径系数没有标准误和置信区间。",
    "no bootstrap was asked for (bootstrap: 0), so the importances have no confidence intervals.":
        "未要求自助法（bootstrap: 0），因此重要性没有置信区间。",
    "With waves, each unit contributes one pair per wave; pairs of the same unit are not independent, so the "
    "intervals are somewhat too narrow.":
        "有多期数据时，每个单位每期贡献一对数值；同一单位的各对数值并不独立，因此区间略窄。",
    "its items have different scales, so no 0-100 index is given.":
        "其题目使用不同的量表，因此不给出 0–100 指数。",
    "constant item(s) {} left out.":
        "作答全部相同的题目 {} 未纳入。",
    "The {} correlation rests on {} units (fewer than {}); it is very uncertain.":
        "{0}相关只基于 {1} 个单位（少于 {2} 个），非常不确定。",
    "No {} correlation: {}":
        "无法计算{}相关：{}",
    "needs at least {} items, has {}; skipped.":
        "至少需要 {} 个题目，实际只有 {} 个；已跳过。",
    # analysis.groups
    "{} rows without '{}' or '{}' were left out.":
        "{0} 行缺少“{1}”或“{2}”，未纳入。",
    "Groups with fewer than {} answers were left out: {}.":
        "作答少于 {} 份的组未纳入：{}。",
    "Groups with no spread in '{}' ({}) make Welch's tests undefined; see the Kruskal-Wallis test instead.":
        "“{}”在某些组内没有差异（{}），Welch 检验无定义；请参看 Kruskal-Wallis 检验。",
    "Every answer of '{}' is the same, so there is nothing to compare.":
        "“{}”的所有作答都相同，没有可比较的差异。",
    "Group '{}' has only {} answers; its mean is rough.":
        "组“{}”只有 {} 份作答；其均值较粗略。",
    # analysis.heatmap
    "Shrinkage needs at least two groups with two answers and some spread; it is missing for facets without "
    "them.":
        "收缩估计至少需要两个各有两份作答且有差异的组；不满足条件的维度没有收缩估计。",
    "Only one group in {}; there is nothing to compare it with.":
        "{} 中只有一个组，没有可比较的对象。",
    "The organisation figure for {} would reveal a group of fewer than {}; do not show it.":
        "{} 的全组织数值会暴露一个少于 {} 人的组；请勿显示。",
    # analysis.kano
    "Kano pair '{}' has no complete answers; skipped.":
        "卡诺题对“{}”没有完整作答；已跳过。",
    "Kano '{}': {} and {} are not clearly apart (Fong's test); treat the category as mixed.":
        "卡诺“{}”：{} 与 {} 没有明显区别（Fong 检验）；应视为混合类别。",
    "Kano '{}': {}% of answer pairs are questionable or reverse; check the wording of its two questions.":
        "卡诺“{}”：{}% 的作答对属于可疑或反向类别；请检查这两道题的措辞。",
    # analysis.linkage
    "The multilevel model needs several customers in each of at least three units; it was not fitted.":
        "多层模型要求至少三个单位、且每个单位有多位客户；未拟合该模型。",
    "The multilevel model did not converge with any optimiser; it is not reported.":
        "多层模型在所有优化器下都未收敛；不予报告。",
    "Units hardly differ in employee satisfaction (ICC(1) = {}, F test p = {}); unit means mostly reflect who "
    "answered.":
        "各单位的员工满意度几乎没有差别（ICC(1) = {}，F 检验 p = {}）；单位均值主要反映的是谁作答了。",
    "Unit means of employee satisfaction are not very reliable (ICC(2) = {}, below 0.70): units need more "
    "respondents.":
        "员工满意度的单位均值不太可靠（ICC(2) = {}，低于 0.70）：各单位需要更多受访者。",
    "Employees within units agree only weakly (median r_wg = {}, below 0.70).":
        "单位内员工的看法一致性较弱（r_wg 中位数 = {}，低于 0.70）。",
    "{} unit(s) have only employee or only customer answers and are left out of the linkage.":
        "{} 个单位只有员工作答或只有客户作答，未纳入关联分析。",
    "Only {} units link employees and customers; with fewer than {} the correlation is very uncertain.":
        "只有 {} 个单位同时有员工和客户数据；少于 {} 个时相关系数非常不确定。",
    "Customers come as one row per unit; the multilevel model needs customer-level answers.":
        "客户数据为每个单位一行；多层模型需要客户层面的作答。",
    # analysis.measurement
    "The one-factor model behind omega has a Heywood case (an item communality near 1).":
        "ω 所依据的单因子模型出现海伍德（Heywood）情形（某题共同度接近 1）。",
    "Item '{}' has no variance (every respondent gave the same answer); it is left out of alpha, omega and the "
    "item-total correlations.":
        "题目“{}”没有方差（所有受访者作答相同）；未纳入 α、ω 和题总相关。",
    "Fewer than 2 items vary, so alpha and omega cannot be computed.":
        "有变化的题目少于 2 个，无法计算 α 和 ω。",
    "Only {} respondents: alpha and omega are unstable below {}.":
        "只有 {} 名受访者：少于 {} 人时 α 和 ω 不稳定。",
    "Alpha is negative: the items do not measure one thing in the same direction.":
        "α 为负：这些题目并未以同一方向测量同一事物。",
    "Alpha is undefined: the items cancel out, so their sum does not vary.":
        "α 无法定义：这些题目相互抵消，总分没有变化。",
    "Omega needs at least 3 items (a one-factor model of 2 items is not identified).":
        "ω 至少需要 3 个题目（2 个题目的单因子模型不可识别）。",
    "Item '{}' correlates negatively with the rest of the construct; check whether it should be reverse keyed.":
        "题目“{}”与构念其余题目负相关；请检查它是否应反向计分。",
    # analysis.nps
    "Only {} answers: the NPS can move a long way with a few more respondents.":
        "只有 {} 份作答：再多几位受访者，NPS 就可能大幅变动。",
    # analysis.data (sampling weights)
    "{} respondent(s) without a sampling weight ('{}') were left out.":
        "{0} 名受访者没有抽样权重（“{1}”），未纳入分析。",
    # analysis.ipma
    "{} bootstrap resamples gave a construct weights that do not sum to a positive number and were left out of "
    "the importance intervals.":
        "{} 个自助法样本中某构念的权重之和不为正，未纳入重要性区间。",
    "No bootstrap was run, so importances have no intervals and no construct is placed in a quadrant.":
        "未进行自助法，因此重要性没有区间，也不把任何构念归入象限。",
    # analysis.pls
    "The PLS algorithm did not converge within {} iterations (last change in the outer weights {}, tolerance "
    "{}); treat the estimates with caution.":
        "PLS 算法在 {} 次迭代内未收敛（外部权重最后一次变化 {}，容差 {}）；请谨慎对待估计值。",
    "Only {} respondents for a construct with {} incoming paths; PLS rules of thumb ask for at least {} (ten per "
    "path), so estimates may be unstable.":
        "一个有 {1} 条输入路径的构念只有 {0} 名受访者；PLS 经验法则要求至少 {2} 人（每条路径十人），估计可能不稳定。",
    "{} of {} bootstrap resamples could not be estimated (constant item or no convergence in the resample) and "
    "were left out.":
        "{1} 次自助重抽样中有 {0} 次无法估计（重抽样中有常数题目或未收敛），已剔除。",
    "Fewer than two bootstrap resamples could be estimated; no standard errors given.":
        "可估计的自助重抽样少于两次；不给出标准误。",
    "Construct '{}' has negative outer weights ({}); its index is not a weighted mean of its items, and these "
    "items may need reverse coding.":
        "构念“{}”有负的外部权重（{}）；其指数不是题目的加权平均，这些题目可能需要反向计分。",
    "The outer weights of '{}' do not sum to a positive number; no index is given.":
        "“{}”的外部权重之和不为正；不给出指数。",
    # analysis.servqual
    "Only some attributes ask adequate and desired levels; the zone of tolerance is shown for those only.":
        "只有部分属性询问了适当水平和理想水平；容忍区只对这些属性显示。",
    "{} of {} respondents lack a score on some dimension and are left out of the overall gap.":
        "{1} 名受访者中有 {0} 名在某些维度上没有得分，未纳入总体差距。",
    "Only {} respondents have every dimension; the confidence intervals are wide.":
        "只有 {} 名受访者在所有维度上都有得分；置信区间较宽。",
    "The adequate level lies above the desired level on average for {}; check that the two columns are not "
    "swapped.":
        "{} 的适当水平平均高于理想水平；请检查这两列是否颠倒。",
    # analysis.trap
    "'{}' has too many distinct values for a curve by answer; it was cut into {} bands ({}, ..., {}).":
        "“{}”的取值太多，无法按每个作答画曲线；已分成 {} 段（{}，…，{}）。",
    "No respondent chose {} on '{}'; {} left out of the tests.":
        "没有受访者在“{1}”上选择 {0}；{2} 未纳入检验。",
    "Fewer than {} respondents at {}: their loyal shares are rough (see the intervals).":
        "{1} 处的受访者少于 {0} 名：其忠诚比例较粗略（见区间）。",
    "Loyalty does not rise significantly between any two adjacent satisfaction levels, so there is no jump and "
    "no zone of indifference.":
        "任何两个相邻满意度水平之间，忠诚度都没有显著上升，因此没有跃升，也没有质量不敏感区。",
    "Only {} satisfied respondents: the trap index is rough.":
        "只有 {} 名满意的受访者：满意陷阱指数较粗略。",
    "'{}' holds averages; each was rounded to the nearest answer point.":
        "“{}”是平均值；已四舍五入到最近的作答点。",
    # analysis.trap_analysis
    "{} respondent id(s) are not in the customer file and are left out of the behaviour analysis.":
        "{} 个受访者编号不在客户档案中，未纳入行为分析。",
    "no customer id column in the survey, so the file was not joined.":
        "调查数据中没有客户编号列，因此未关联客户档案。",
    "only {} respondents, so its curve and classes are rough.":
        "只有 {} 名受访者，其曲线和属性分类较粗略。",
    "outcomes.{} names the construct '{}'; its first item '{}' is used as the overall question.":
        "模型的{}结果指向构念“{}”；以其第一个题目“{}”作为总体问题。",
    "trap: column '{}' is not in the data; that part is left out.":
        "trap：列“{}”不在数据中；该部分未做分析。",
    # analysis.engine (a part that failed on a computation, with the technical cause)
    "the computation broke down on this data ({}).":
        "这部分的计算在本数据上无法完成（技术原因：{}）。",
    # analysis.trap_attributes
    "Each bootstrap resample drew {} of {} rows; the spread was rescaled to the full sample.":
        "每次自助重抽样从 {1} 行中抽取 {0} 行；离散程度已按全样本换算。",
    "'{}' has the same answer ({}) from everyone; it is left out.":
        "所有人对“{}”的作答都相同（{}）；未纳入。",
    "'{}': the {} has the wrong sign; it does not act on satisfaction as the method assumes, so read its class "
    "with care.":
        "“{}”：{}的符号与预期相反；它对满意度的作用不符合方法的假设，请谨慎解读其分类。",
    "Nobody rated '{}' in its {} boxes; its {} cannot be estimated.":
        "没有人给“{}”打出{}档评分；无法估计其{}。",
    "Only {} respondents rated '{}' in its {} boxes; its {} is rough.":
        "只有 {} 名受访者给“{}”打出{}档评分；其{}较粗略。",
    # analysis.trap_segments
    "Only {} {}s: comparisons involving them are rough.":
        "只有 {} 名{}：涉及他们的比较较粗略。",
    "'{}' has the same answer from everyone, so it cannot separate segments.":
        "所有人对“{}”的作答都相同，无法区分细分群体。",
    # analysis.trends
    "{} was not asked in full in wave(s) {}; it is compared only between waves that asked all its items.":
        "{} 在第 {} 期没有完整询问；只在询问了其全部题目的各期之间比较。",
    "{}: fewer than two answers in {} or {}; no change test.":
        "{}：{} 或 {} 期的作答少于两份；不做变化检验。",
    # analysis.recovery
    "the survey does not ask whether the customer had a problem: every customer without a case counts as never "
    "having had one":
        "问卷没有询问客户是否遇到过问题：凡是没有个案的客户都算作从未遇到问题。",
    "a justice dimension has the same answer in every follow-up: no drivers":
        "某一公平维度在所有回访中的答案都相同：不分析驱动因素。",
}

#: Names of the parts of an analysis run that stand before a warning ("PLS: ..."), as patterns like
#: :data:`TEMPLATES`; tried in this order (compound names first), and the values of a compound name are
#: part names themselves.
PREFIXES: dict[str, str] = {
    "{}, wave {}": "{}，第 {} 期",
    "Stage '{}' penalty-reward": "阶段“{}”惩罚—奖励分析",
    "Data": "数据",
    "Bootstrap": "自助法",
    "PLS": "PLS 模型",
    "Trap": "满意陷阱",
    "Heatmap": "热力图",
    "SERVQUAL": "SERVQUAL",
    "Trends": "趋势",
    "Linkage": "服务利润链关联",
    "Curve": "满意—忠诚曲线",
    "Trap index": "满意陷阱指数",
    "Segments": "客户细分",
    "Penalty-reward": "惩罚—奖励分析",
    "Kano": "卡诺",
    "Complaints": "投诉",
    "Customer file": "客户档案",
    "Multilevel model": "多层模型",
    "factor_analyzer": "factor_analyzer",
    "Suppression": "抑制效应",
    "Construct '{}'": "构念“{}”",
    "Drivers ({})": "驱动因素（{}）",
    "Groups ({})": "分组比较（{}）",
    "Groups (NPS, {})": "分组比较（NPS，{}）",
    "EFA (all items)": "探索性因子分析（全部题目）",
    "EFA ({})": "探索性因子分析（{}）",
    "PLSpredict": "PLS 预测",
    "PLS groups": "PLS 分组比较",
    "MICOM": "MICOM 测量不变性",
    "Trends (drivers of {})": "趋势（{} 的驱动因素）",
    "Stage '{}'": "阶段“{}”",
    "IPMA ({})": "重要性—表现分析（{}）",
    "Text": "评论",
    "Text '{}'": "评论“{}”",
}

#: English words the analysis fills into a template, in Chinese (others, such as column names, stay).
WORDS = {"positively": "正", "negatively": "负", "positive": "正", "negative": "负", "penalty": "惩罚",
         "reward": "奖励", "low": "低", "high": "高", "penalty and reward": "惩罚和奖励",
         "same wave": "同期", "next wave": "下一期", "mercenary": "唯利是图者", "loyalist": "忠诚者",
         # the model's outcome roles (outcomes.satisfaction, ...)
         "satisfaction": "满意度", "loyalty": "忠诚度", "recommend": "推荐意愿"}


def _pattern(template: str) -> re.Pattern[str]:
    parts = template.split("{}")
    return re.compile("(.+?)".join(re.escape(part) for part in parts), re.DOTALL)


@lru_cache(maxsize=1)
def _compiled() -> tuple[list[tuple[re.Pattern[str], str]], list[tuple[re.Pattern[str], str]]]:
    # Longer templates first, so that a general one ("No {} correlation: {}") never hides a specific one.
    ordered = sorted(TEMPLATES.items(), key=lambda item: -len(item[0]))
    return [(_pattern(en), zh) for en, zh in ordered], [(_pattern(en), zh) for en, zh in PREFIXES.items()]


def _fill(match: re.Match[str], zh: str) -> str:
    return zh.format(*(WORDS.get(value, value) for value in match.groups()))


def _part(name: str) -> str:
    """A part name in Chinese; an unknown one (a wave label, a column) as it is."""
    for pattern, zh in _compiled()[1]:
        match = pattern.fullmatch(name)
        if match:
            return zh.format(*(_part(value) for value in match.groups()))
    return name


def _sentence(text: str) -> str | None:
    """The Chinese of one warning, or ``None`` when no template (with or without part names) matches it."""
    for pattern, zh in _compiled()[0]:
        match = pattern.fullmatch(text)
        if match:
            return _fill(match, zh)
    # "<part>: <warning>": split at each ": " in turn; a part name we do not know (a wave label) stays as it is.
    start = 0
    while (cut := text.find(": ", start)) != -1:
        rest = _sentence(text[cut + 2:])
        if rest is not None:
            return f"{_part(text[:cut])}：{rest}"
        start = cut + 2
    return None


def translate(sentence: str) -> str:
    """A warning of the analysis in Chinese; an unknown one in English followed by :data:`UNTRANSLATED`.

    Examples
    --------
    >>> translate("Drivers (Satisfaction): Only 40 bootstrap resamples: the 95% intervals are rough; use 50 or "
    ...           "more for reporting.")
    '驱动因素（Satisfaction）：只有 40 次自助重抽样：95% 区间较粗略；正式报告请至少使用 50 次。'
    """
    text = str(sentence).strip()
    translated = _sentence(text)
    return translated if translated is not None else f"{text}{UNTRANSLATED}"


def covers(template: str) -> bool:
    """Whether a warning template of the analysis (``{}`` for values) has a translation."""
    filled = template.replace("{}", "\x00")
    return _sentence(filled) is not None
