"""The wording of the report's "The model across groups" section (reports.context.model_groups), merged into
reports.messages.MESSAGES; the two languages keep the same keys and placeholders."""

from __future__ import annotations

MODEL_GROUPS: dict[str, dict[str, str]] = {
    "en": {
        "sec_model_groups": "The model across groups",
        "mg_intro": ("The satisfaction model was estimated separately in each group by '{by}' with at least {k} "
                     "respondents, and each pair of groups compared. Only differences in the strength of a path "
                     "that hold after allowing for the {tests} comparisons made are listed."),
        "mg_col_path": "Path",
        "mg_col_groups": "Groups compared",
        "mg_col_a": "Coefficient in the first",
        "mg_col_b": "Coefficient in the second",
        "mg_col_diff": "Difference",
        "mg_pair": "{a} vs {b}",
        "mg_none": "No path differs between the groups by more than chance would explain.",
        "mg_not_compared": ("{n} pair(s) of groups were not compared: their answers do not form the model's "
                            "constructs the same way, so their paths do not measure the same thing."),
        "methods_model_groups": (
            "The model across groups: the model is estimated in each group of at least {k} respondents "
            "(smaller groups are not estimated). Two groups are compared only when their constructs are "
            "formed alike (MICOM steps 1-2, Henseler, Ringle and Sarstedt 2016; each construct tested at 0.05 "
            "divided by the number of constructs, since the pair needs all of them). Each path difference is tested "
            "against {permutations} random reassignments of the two groups' respondents (permutation test), "
            "and the p-values of all paths and pairs are corrected together (Holm); only differences with a "
            "corrected p below 0.05 are reported."),
        "methods_model_groups_sample": (
            "A group of more than {rows} respondents is compared on a random sample of {rows} of them, the same "
            "in each of its comparisons; observed and reassigned differences come from the same sample, so the "
            "test keeps its error rate."),
    },
    "zh": {
        "sec_model_groups": "各组之间的模型比较",
        "mg_intro": ("满意度模型在“{by}”中每个至少有 {k} 名受访者的分组内分别估计，并两两比较。"
                     "只列出在考虑了全部 {tests} 次比较之后仍然成立的路径强度差异。"),
        "mg_col_path": "路径",
        "mg_col_groups": "比较的分组",
        "mg_col_a": "前一组的系数",
        "mg_col_b": "后一组的系数",
        "mg_col_diff": "差异",
        "mg_pair": "{a} 对比 {b}",
        "mg_none": "各组之间没有超出偶然范围的路径差异。",
        "mg_not_compared": "{n} 对分组未作比较：其作答构成模型构念的方式不同，路径的含义因此不同。",
        "methods_model_groups": (
            "各组之间的模型比较：模型在每个至少有 {k} 名受访者的分组内分别估计（更小的分组不估计）。"
            "只有构念构成方式一致的两组才作比较（MICOM 第 1-2 步，Henseler、Ringle 与 Sarstedt 2016；"
            "由于两组须在全部构念上一致，每个构念的检验水平为 0.05 除以构念数）。"
            "每条路径的差异与两组受访者随机重新分组 {permutations} 次的结果比较（置换检验），"
            "所有路径和分组对的 p 值一并校正（Holm 法）；只报告校正后 p 小于 0.05 的差异。"),
        "methods_model_groups_sample": (
            "受访者超过 {rows} 名的分组，以其中随机抽取的 {rows} 名参与比较，该组的每次比较使用同一样本；"
            "观测差异与重新分组后的差异来自同一样本，因此检验的错误率不变。"),
    },
}
