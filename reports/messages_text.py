"""The wording of the report's comments section (reports.context.text), merged into reports.messages.MESSAGES; the
two languages keep the same keys and placeholders."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "text_section": "What people write",
        "text_intro": ("The answers to the open questions, grouped into themes by the words they share, with the tone "
                       "of each comment and how satisfied and loyal the people who wrote about each theme are."),
        "text_question": "“{question}”: {n} comments ({zh} in Chinese, {en} in English)",
        "text_sentiment_line": "Tone of all comments: {positive} positive, {neutral} neutral, {negative} negative.",
        "text_col_theme": "Theme (top words)",
        "text_col_share": "Share",
        "text_col_tone": "Positive / negative",
        "text_col_satisfaction": "Satisfaction (95% CI)",
        "text_col_loyalty": "Loyalty (95% CI)",
        "text_quotes": "Typical comments on theme {theme}",
        "text_hidden": "{n} smaller theme(s) are not shown: fewer than {k} people wrote about them, or showing them "
                       "would give such a theme away.",
        "text_too_few": "Fewer than {k} comments: nothing about them is shown.",
        "text_no_themes": "Too few comments with words to find themes.",
        "text_segment_title": "What the satisfied but not loyal write about",
        "text_segment_line": "{group}: most often {themes} ({n} comments; all respondents: {overall}).",
        "text_segment_none": "Fewer than {k} {group} wrote a comment, so what they write is not shown.",
        "text_theme_share": "theme {theme} ({share})",
        "text_methods": ("Comments: Chinese is segmented by jieba with the questionnaire's words kept whole, "
                         "traditional characters read as simplified ones; themes are TF-IDF weighted words split by "
                         "non-negative matrix factorisation, their number the most stable one on random subsets; "
                         "tone from shipped lexicons (pysenti and HowNet for Chinese, with the nouns of what is rated "
                         "counting as neutral and complaints such as 'too few' as negative; VADER for English). "
                         "A theme, unit or "
                         "group is shown only when at least {k} people wrote in it, and the next-smallest are hidden "
                         "with a small one; quotes are shown with names, numbers and addresses removed."),
    },
    "zh": {
        "text_section": "评论",
        "text_intro": "开放题的回答按共同的用词归为主题，并给出每条评论的情感倾向，以及谈及各主题者的满意度与忠诚度。",
        "text_question": "“{question}”：{n} 条评论（中文 {zh} 条，英文 {en} 条）",
        "text_sentiment_line": "全部评论的情感：正面 {positive}，中性 {neutral}，负面 {negative}。",
        "text_col_theme": "主题（关键词）",
        "text_col_share": "占比",
        "text_col_tone": "正面 / 负面",
        "text_col_satisfaction": "满意度（95% 置信区间）",
        "text_col_loyalty": "忠诚度（95% 置信区间）",
        "text_quotes": "主题 {theme} 的典型评论",
        "text_hidden": "另有 {n} 个较小的主题未显示：谈及者少于 {k} 人，或显示后可推算出这样的主题。",
        "text_too_few": "评论少于 {k} 条，不予显示。",
        "text_no_themes": "有效评论太少，无法归纳主题。",
        "text_segment_title": "满意但不忠诚者在说什么",
        "text_segment_line": "{group}：最常谈及 {themes}（{n} 条评论；全体：{overall}）。",
        "text_segment_none": "写评论的{group}少于 {k} 人，其内容不予显示。",
        "text_theme_share": "主题 {theme}（{share}）",
        "text_methods": ("评论：中文以 jieba 分词，问卷自身的用词保持完整，繁体字按简体处理；"
                         "主题为 TF-IDF 加权词语的非负矩阵分解，主题数取在随机子样本上最稳定者；"
                         "情感来自随附的词典（中文 pysenti 与知网词表，价格、服务等评价对象不计褒贬，"
                         "“太少”“偏高”等抱怨计为负面；英文 VADER）。主题、单位或群体仅在至少 {k} 人"
                         "写了评论时显示，并连同最小的其他组一起隐藏较小的组；引用的评论已去除姓名、号码与地址。"),
    },
}
