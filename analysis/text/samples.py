"""Comments with known themes and tones (Chinese, English, traditional characters, mixed), composed from phrase
banks: the planted data of the tests and the bench, and the comments of the demo survey."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: theme -> tone -> phrases. Each theme has its own nouns, so that a theme model can find it again.
ZH_THEMES: dict[str, dict[str, list[str]]] = {
    "canteen": {
        "positive": ["食堂的饭菜很好吃", "食堂菜品丰富，价格实惠", "食堂的早餐品种多，很满意",
                     "食堂环境干净，饭菜可口"],
        "negative": ["食堂饭菜太难吃了", "食堂价格太贵，菜品单调", "食堂排队太久，饭菜也凉了",
                     "食堂卫生很差，饭菜油腻"],
    },
    "pay": {
        "positive": ["工资按时发放，奖金也很公平", "薪资有竞争力，福利很好", "今年涨薪了，奖金满意"],
        "negative": ["工资太低，奖金也不公平", "薪资多年没有涨，福利很差", "绩效奖金发放拖延，工资不透明"],
    },
    "workload": {
        "positive": ["加班很少，工作量合理", "排班合理，休息时间充足"],
        "negative": ["加班太多，工作量太大，很累", "经常周末加班，排班混乱", "人手不足，每天加班到很晚，压力大"],
    },
    "growth": {
        "positive": ["培训机会很多，晋升通道清晰", "公司提供很好的培训课程，成长很快", "晋升公平，培训有用"],
        "negative": ["培训机会太少，晋升不透明", "没有培训课程，职业发展很差", "晋升标准不公平，培训形式主义"],
    },
    "manager": {
        "positive": ["主管很支持我们，沟通顺畅", "领导尊重员工，经常沟通反馈", "主管耐心，团队氛围很好"],
        "negative": ["主管不尊重员工，沟通很差", "领导从不反馈，态度粗暴", "主管偏心，团队沟通混乱"],
    },
}
EN_THEMES: dict[str, dict[str, list[str]]] = {
    "canteen": {
        "positive": ["The canteen food is delicious and cheap", "Great canteen, tasty meals and good choice",
                     "I love the canteen breakfast"],
        "negative": ["The canteen food is awful and cold", "Canteen meals are too expensive and bland",
                     "Terrible canteen queues, the food is poor"],
    },
    "pay": {
        "positive": ["Salary is fair and the bonus is generous", "Good pay and excellent benefits",
                     "Happy with my salary raise and bonus"],
        "negative": ["Salary is too low and the bonus is unfair", "Pay has not risen for years, poor benefits",
                     "Bonus payments are late and the salary is unfair"],
    },
    "workload": {
        "positive": ["Overtime is rare and the workload is reasonable", "Shifts are well planned, workload is fine"],
        "negative": ["Too much overtime, the workload is exhausting", "Constant weekend overtime and chaotic shifts",
                     "We are understaffed and overtime is terrible"],
    },
    "growth": {
        "positive": ["Great training courses and clear promotion paths", "Excellent training, I grow fast",
                     "Promotion is fair and training is useful"],
        "negative": ["No training and promotion is unfair", "Training courses are useless, career growth is poor",
                     "Promotion criteria are unclear and training is bad"],
    },
    "manager": {
        "positive": ["My manager is supportive and communication is great", "Managers respect us and give feedback",
                     "Great manager, a friendly and helpful team lead"],
        "negative": ["My manager is rude and communication is terrible", "Managers never give feedback, awful attitude",
                     "The manager plays favourites, poor communication"],
    },
}
#: Customer comments, as the employee ones above (the demo's customer survey).
ZH_CUSTOMER: dict[str, dict[str, list[str]]] = {
    "staff": {
        "positive": ["店员很热情，服务专业", "客服耐心解答问题，态度很好", "工作人员礼貌周到，服务贴心"],
        "negative": ["店员态度冷淡，服务很差", "客服敷衍了事，态度恶劣", "工作人员不专业，服务粗鲁"],
    },
    "waiting": {
        "positive": ["排队很快，办理效率高", "等待时间短，流程顺畅"],
        "negative": ["排队时间太长，效率太低", "等了一个小时，窗口太少", "排队太久，流程混乱"],
    },
    "price": {
        "positive": ["价格实惠，性价比很高", "价格合理，优惠活动多"],
        "negative": ["价格太贵，性价比低", "收费不透明，价格偏高", "优惠太少，价格不合理"],
    },
    "app": {
        "positive": ["手机应用好用，下单方便", "网站界面清晰，操作简单"],
        "negative": ["手机应用经常闪退，很难用", "网站操作复杂，登录失败", "应用界面混乱，下单麻烦"],
    },
}
EN_CUSTOMER: dict[str, dict[str, list[str]]] = {
    "staff": {
        "positive": ["Friendly and helpful staff", "The staff were polite and professional"],
        "negative": ["Rude staff and poor service", "The staff were unhelpful and impolite"],
    },
    "waiting": {
        "positive": ["Short queue and quick service", "No waiting, very efficient"],
        "negative": ["Waiting times are far too long", "The queue was terrible, too few counters"],
    },
    "price": {
        "positive": ["Great value, fair prices", "Good prices and nice discounts"],
        "negative": ["Prices are too high", "Expensive and poor value"],
    },
    "app": {
        "positive": ["The app is easy to use", "Great website, ordering is simple"],
        "negative": ["The app keeps crashing", "The website is confusing and login fails"],
    },
}
#: English words that people mix into Chinese comments, by theme (keeps the theme's meaning).
MIXED_WORDS = {"canteen": "canteen", "pay": "salary", "workload": "OT", "growth": "training", "manager": "manager",
               "staff": "service", "waiting": "queue", "price": "price", "app": "app"}
ZH_ENDINGS = ["", "。", "！", "，希望改进。", "，谢谢。"]
EN_ENDINGS = ["", ".", "!", ". Please fix it.", ". Thanks."]


@dataclass
class Planted:
    """Planted comments with their theme, tone, language and form (simplified, traditional, mixed, english)."""

    texts: list[str]
    themes: list[str]
    tones: list[str]
    forms: list[str]


@lru_cache(maxsize=1)
def _to_traditional():
    from opencc import OpenCC

    return OpenCC("s2t")


def compose(rng: np.random.Generator, theme: str, tone: str, form: str) -> str:
    """One comment of ``theme`` and ``tone`` in ``form``: "zh", "traditional", "mixed" or "en"."""
    if form == "en":
        phrases = {**EN_THEMES, **EN_CUSTOMER}[theme][tone]
        return str(phrases[rng.integers(len(phrases))]) + EN_ENDINGS[rng.integers(len(EN_ENDINGS))]
    phrases = {**ZH_THEMES, **ZH_CUSTOMER}[theme][tone]
    text = str(phrases[rng.integers(len(phrases))]) + ZH_ENDINGS[rng.integers(len(ZH_ENDINGS))]
    if form == "traditional":
        return _to_traditional().convert(text)
    if form == "mixed":
        return f"{MIXED_WORDS[theme]}: {text}"
    return text


def planted_comments(n: int, *, seed: int = 0, forms: dict[str, float] | None = None,
                     themes: tuple[str, ...] = tuple(ZH_THEMES)) -> Planted:
    """``n`` comments, themes drawn uniformly, tones half positive half negative, forms in the given shares
    (default: 60 % simplified Chinese, 10 % traditional, 10 % mixed, 20 % English)."""
    rng = np.random.default_rng(seed)
    forms = forms or {"zh": 0.6, "traditional": 0.1, "mixed": 0.1, "en": 0.2}
    names, shares = list(forms), np.array(list(forms.values()), dtype=float)
    out = Planted([], [], [], [])
    for _ in range(n):
        theme = themes[rng.integers(len(themes))]
        tone = ("positive", "negative")[rng.integers(2)]
        form = names[rng.choice(len(names), p=shares / shares.sum())]
        out.texts.append(compose(rng, theme, tone, form))
        out.themes.append(theme)
        out.tones.append(tone)
        out.forms.append(form)
    return out


def demo_comment(rng: np.random.Generator, tone: str, population: str) -> str:
    """A plausible comment of ``tone`` ("positive" or "negative") by an employee or a customer (``population``),
    mostly in Chinese, a fifth in English, a few traditional or mixed."""
    themes = list(ZH_THEMES if population == "employee" else ZH_CUSTOMER)
    forms = ("zh", "traditional", "mixed", "en")
    form = forms[rng.choice(len(forms), p=[0.7, 0.05, 0.05, 0.2])]
    return compose(rng, themes[rng.integers(len(themes))], tone, form)
