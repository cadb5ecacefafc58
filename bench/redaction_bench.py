"""Redaction of comments (:mod:`analysis.redaction`): recall and precision on planted comments, and its speed.

The comments are made here from Chinese and English templates (a fixed seed): some carry identifying content of a
known kind at a known span (names after titles and roles, known names, phones in several writings, emails,
resident ID numbers with their check digit, Luhn card numbers, labelled staff, passport, WeChat and QQ numbers),
the others only what must stay (prices, dates, times, scores, order numbers, words that start with a surname).
The templates are written apart from the unit tests' cases, and a few carry what the redaction is known to miss
(a bare name without a title, a nickname), so that the recall is not 100 % by construction.

A planted span counts as found when a finding overlaps it (whatever kind it is given); a finding counts as right
when it overlaps a planted span. Speed: comments redacted per second, against a baseline measured in the same
run, one regular-expression pass for email addresses over the same comments (``ratio`` = redaction / baseline).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any

SMALL = 10_000
LARGE = 100_000
SEED = 20261205
KNOWN = ("孙丽华", "Chen Jie")


def _mobile(rng: random.Random) -> str:
    digits = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    style = rng.randrange(4)
    if style == 0:
        return digits
    if style == 1:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if style == 2:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return "+86 " + digits


def _landline(rng: random.Random) -> str:
    area, number = rng.choice([("010", 8), ("021", 8), ("0755", 8), ("0571", 8)])
    return f"{area}-{rng.randrange(2, 10)}{rng.randrange(10 ** (number - 1)):0{number - 1}d}"


def _id_number(rng: random.Random) -> str:
    from stdnum.cn import ric

    body = f"110105{rng.randrange(1960, 2004)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}" \
           f"{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def _card(rng: random.Random) -> str:
    from stdnum import luhn

    body = "6222" + "".join(str(rng.randrange(10)) for _ in range(14))
    number = body + luhn.calc_check_digit(body)
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
EN_NAMES = ("Smith", "Brown", "Wang", "Li", "Taylor", "Zhang", "Johnson", "Chen")
EN_FIRST = ("John", "Mary", "David", "Linda", "Wei", "Lei", "Anna", "Tom")


def _zh_name(rng: random.Random, given: int) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(given))


def _clean(rng: random.Random) -> list[str]:
    r = rng.randrange
    return [f"价格{r(100, 5000)}元，性价比一般", f"{r(2015, 2027)}年{r(1, 13)}月入住，打{r(1, 11)}分",
            f"订单号 {r(10**15, 10**16)} 还没发货", f"Order {r(10**11, 10**12)} was late",
            f"Room {r(100, 2000)}, {r(1, 9)} nights, {r(1, 11)}/10", "经理说会改进，但是没有下文",
            "老板很好，小程序也好用", "语文老师和班主任都很负责", "The manager was helpful", f"排队等了{r(2, 60)}分钟",
            "方便总是好的，服务员很热情", f"{r(1, 12)}:{r(60):02d} 到店"]


#: what each template plants (templates 15 and above are clean)
TEMPLATES = ("zh name before a title", "zh name after a role", "小X/老X", "mobile (zh)", "mobile (en)", "landline",
             "email", "resident ID", "bank card", "staff number", "WeChat", "en honorific", "my manager X",
             "known name", "bare name or nickname (known miss)")


def planted(rng: random.Random) -> tuple[str, list[tuple[int, int]], int]:
    """One comment, the spans of its identifying content (empty for a clean comment) and its template."""
    kind = rng.randrange(22)
    parts: list[tuple[str, bool]]  # (text, identifying)
    if kind == 0:
        parts = [("前台", False), (_zh_name(rng, rng.randrange(0, 3)), True),
                 (rng.choice(["经理", "主管", "老师", "女士", "先生"]), False), ("态度不好，等了很久", False)]
    elif kind == 1:
        parts = [("我们的主管", False), (_zh_name(rng, 2), True), ("经常让我们加班", False)]
    elif kind == 2:
        parts = [("有事找", False), (rng.choice(["小", "老"]) + rng.choice("王李张刘陈杨黄赵吴周"), True),
                 ("就行，他很负责", False)]
    elif kind == 3:
        parts = [("请回电 ", False), (_mobile(rng), True), ("，谢谢", False)]
    elif kind == 4:
        parts = [("Please call me on ", False), (_mobile(rng), True), (" about the refund", False)]
    elif kind == 5:
        parts = [("办公室电话 ", False), (_landline(rng), True), (" 没人接", False)]
    elif kind == 6:
        parts = [("邮箱 ", False), (f"user{rng.randrange(10**5)}@example.com", True), (" 可以联系我", False)]
    elif kind == 7:
        parts = [("身份证号 ", False), (_id_number(rng), True), (" 登记错了", False)]
    elif kind == 8:
        parts = [("退款请打到 ", False), (_card(rng), True), (" 这张卡", False)]
    elif kind == 9:
        parts = [("我的工号是", False), (str(rng.randrange(10**4, 10**6)), True), ("，排班有问题", False)]
    elif kind == 10:
        parts = [("加微信 ", False), (f"wx_{rng.randrange(10**6)}", True), (" 细聊", False)]
    elif kind == 11:
        parts = [(f"{rng.choice(['Mr', 'Ms', 'Mrs'])}. ", False), (rng.choice(EN_NAMES), True),
                 (" at the front desk was very rude", False)]
    elif kind == 12:
        parts = [("My manager ", False), (f"{rng.choice(EN_FIRST)} {rng.choice(EN_NAMES)}", True),
                 (" never listens", False)]
    elif kind == 13:
        parts = [(rng.choice(KNOWN), True), (" helped me a lot" if rng.random() < 0.5 else " 帮了我很多", False)]
    elif kind == 14:  # known misses: a bare name, a nickname
        parts = [(rng.choice(["张伟", "Lily", "阿强"]), True), (rng.choice(["总是迟到", " is always late"]), False)]
    else:  # clean comments: numbers and words that identify nobody
        parts = [(rng.choice(_clean(rng)), False)]
    text, spans, at = "", [], 0
    for piece, identifying in parts:
        if identifying:
            spans.append((at, at + len(piece)))
        text += piece
        at += len(piece)
    return text, spans, kind


def corpus(n: int, seed: int = SEED) -> list[tuple[str, list[tuple[int, int]], int]]:
    rng = random.Random(seed)
    return [planted(rng) for _ in range(n)]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def measure(n: int) -> dict[str, Any]:
    """Recall, precision and speed of the redaction on ``n`` planted comments."""
    import re

    from analysis.redaction import find_identifying, redact

    comments = corpus(n)
    planted_spans = found_spans = hits = right = 0
    by_template: dict[str, list[int]] = {name: [0, 0] for name in TEMPLATES}
    for text, spans, kind in comments:
        findings = [(f.start, f.end) for f in find_identifying(text, names=KNOWN)]
        found = sum(any(_overlaps(s, f) for f in findings) for s in spans)
        planted_spans += len(spans)
        found_spans += len(findings)
        hits += found
        right += sum(any(_overlaps(f, s) for s in spans) for f in findings)
        if kind < len(TEMPLATES):
            by_template[TEMPLATES[kind]][0] += found
            by_template[TEMPLATES[kind]][1] += len(spans)
    texts = [text for text, _, _ in comments]
    email = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
    start = time.perf_counter()
    for text in texts:
        email.sub("[email]", text)
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    for text in texts:
        redact(text, names=KNOWN)
    seconds = time.perf_counter() - start
    return {"comments": n, "planted": planted_spans, "findings": found_spans,
            "recall": round(hits / planted_spans, 4), "precision": round(right / found_spans, 4),
            "redact_s": round(seconds, 2), "per_second": round(n / seconds), "baseline_s": round(baseline, 3),
            "ratio": round(seconds / baseline, 1),
            "recall_by_template": {name: round(found / total, 3) for name, (found, total) in by_template.items()
                                   if total}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench redaction", description=__doc__)
    parser.add_argument("--large", action="store_true", help=f"{LARGE:,} comments (default {SMALL:,})")
    args = parser.parse_args(argv)
    print(json.dumps(measure(LARGE if args.large else SMALL), ensure_ascii=False))
    return 0
