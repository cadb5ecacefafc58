"""Identifying content in free-text comments (Chinese and English): find it, and replace it by a token.

What is screened, in order of precedence when two findings overlap:

- ``email``: addresses.
- ``id_number``: resident identity numbers, 18 digits with the ISO 7064 MOD 11-2 check digit and a valid birth date
  (python-stdnum ``cn.ric``), and the 15-digit first-generation form (area code and a valid birth date).
- ``bank_card``: 16-19 digits passing the Luhn check (python-stdnum ``luhn``).
- ``passport``, ``staff_number``, ``wechat``, ``qq``: the value after a label ("护照号 E12345678", "工号12345",
  "staff no. A1234", "微信号 abc_123", "QQ 12345678"); unlabelled they look like any code and are left.
- ``phone``: any number Google's libphonenumber (the ``phonenumbers`` package, metadata shipped in the package)
  finds valid in China or, with a leading +, anywhere: mobiles, landlines with area codes, +86, international;
  and 11 digits of the shape of a mainland mobile (1[3-9] and 9 digits), assigned or not.
- ``name``: names the survey knows (invitees, unit owners, accounts: passed in), Chinese names before a title
  ("王经理", "李明老师", "陈先生") or after a role ("经理张伟"), 小X/老X with a common surname, English names after
  Mr/Ms/Mrs/Dr and after "my manager" / "our supervisor" ..., and after "我叫" / "name:".

Numbers labelled as an order, invoice or tracking number are left as written, and digits inside a longer run of
letters and digits never match. Full-width digits and letters count as their ASCII forms; spaces and hyphens may
separate the digits of a number.

Redaction is a screen, not a guarantee: a name without a title, a nickname or a description ("the only
woman in the night shift") passes. Replacement tokens name the kind in the survey's language (``TOKENS``).

Example
-------
>>> redact("请联系王经理, 电话 138-1234-5678")
'请联系[姓名]经理, 电话 [电话]'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import phonenumbers
from stdnum import luhn
from stdnum.cn import ric

#: Kinds in order of precedence: where two findings overlap, the earlier kind wins (then the longer span).
KINDS = ("email", "id_number", "bank_card", "passport", "staff_number", "wechat", "qq", "phone", "name")

#: Replacement tokens by language; a language not listed gets the neutral token.
TOKENS = {
    "zh": {"email": "[邮箱]", "id_number": "[身份证号]", "bank_card": "[银行卡号]", "passport": "[护照号]",
           "staff_number": "[工号]", "wechat": "[微信号]", "qq": "[QQ号]", "phone": "[电话]", "name": "[姓名]"},
    "en": {"email": "[email]", "id_number": "[ID number]", "bank_card": "[card number]", "passport": "[passport]",
           "staff_number": "[staff number]", "wechat": "[WeChat ID]", "qq": "[QQ number]", "phone": "[phone]",
           "name": "[name]"},
}
NEUTRAL_TOKEN = "[…]"

# Full-width ASCII (U+FF01-FF5E) and the ideographic space map one-to-one onto ASCII, so spans found in the
# normalised text are spans of the original.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

# The most common Chinese surnames (about 85 % of the population). Those that also start everyday words
# (方便, 应该, 常常, 任何, 万元, 时间 ...) are only trusted right before a title.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "司徒", "东方", "慕容", "令狐", "皇甫", "尉迟", "长孙")
_AMBIGUOUS = set("于何高方白万文常向成任安石金龙田史江温康施武严段雷钱明平")
_SAFE_SURNAMES = "".join(c for c in SURNAMES if c not in _AMBIGUOUS)

TITLES_AFTER = ("经理", "主管", "老师", "先生", "女士", "小姐", "总监", "主任", "组长", "科长", "处长", "部长",
                "院长", "校长", "医生", "大夫", "护士", "师傅", "班长", "队长", "店长", "老板", "教授", "律师", "阿姨")
ROLES_BEFORE = ("经理", "主管", "领导", "上司", "总监", "主任", "组长", "店长", "老师", "同事", "班长", "队长")
# A character that follows a title or a role and ends a name instead of continuing it.
_STOP = "的了是说和与跟对在不也都很太总就还又把被给让向从为有没会要能好坏们个位这那些"
# Two characters ending in a surname that are words of their own ("语文老师", "班主任" ...).
_BLOCK_BIGRAMS = {"语文", "中文", "英文", "人文", "天文", "值班", "上班", "下班", "加班", "主任", "信任", "责任",
                  "部门", "大堂", "前台", "客户", "销售", "服务", "物业", "保安", "保洁"}
_NOT_NAMES = {"小时", "小于", "小白", "小组", "小区", "小程", "老是", "老实", "老板", "老师", "老公", "老婆",
              "小姐", "小孩", "老人", "小心", "小说", "老家", "老旧", "小方", "老化"}

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
_GIVEN = f"(?:(?![{_STOP}])[{_HAN}])"
_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + f"|[{SURNAMES}])"
_SAFE_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + f"|[{_SAFE_SURNAMES}])"
_TITLE = "(?:" + "|".join(TITLES_AFTER) + "|总(?![是结体共的部之算计额数量而归会能要有在]))"

_ZH_NAME_BEFORE_TITLE = re.compile(f"(?P<v>{_SURNAME}{_GIVEN}{{0,2}}?){_TITLE}")
_ZH_NAME_AFTER_ROLE = re.compile(
    "(?:" + "|".join(ROLES_BEFORE) + f")(?:是|叫|[ :：,，])?(?P<v>{_SAFE_SURNAME}{_GIVEN}{{1,2}})"
)
_ZH_NICKNAME = re.compile(f"(?P<v>[小老][{_SAFE_SURNAMES}])")
_ZH_SELF = re.compile(f"(?:我叫|名叫|姓名[是为:：]?|名字[是叫:：]?)\\s*(?P<v>{_SURNAME}{_GIVEN}{{1,2}})")

_EN_WORD = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_EN_NAME = f"{_EN_WORD}(?:\\s+{_EN_WORD})?"
_EN_NOT_NAMES = {"The", "He", "She", "They", "It", "Is", "Was", "And", "But", "If", "When", "I", "We", "You", "This",
                 "That", "Always", "Never", "Often", "Also", "Just", "Very", "Not", "Has", "Had", "Does", "Did"}
_EN_HONORIFIC = re.compile(f"\\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\\.?\\s+(?P<v>{_EN_NAME})")
_EN_ROLE = re.compile(
    r"\b(?i:my|our)\s+(?i:line\s+manager|manager|boss|supervisor|team\s+lead(?:er)?|lead|director|colleague|"
    r"co-?worker|teacher|foreman|head\s+of\s+department)(?:,|\s+is|\s+called|\s+named)?\s+"
    f"(?P<v>{_EN_NAME})"
)
_EN_SELF = re.compile(f"\\b(?i:my\\s+name\\s+is|i\\s+am\\s+called|name\\s*:)\\s*(?P<v>{_EN_NAME})")

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_SEP = r"[ \-]?"
_LABEL_END = r"(?:号码|号|码)?\s*(?i:no\.|no\b|number\b|id\b|#)?\s*(?:[:：#]|是|为)?\s*"
_LATIN_START = r"(?<![A-Za-z])"
_LABELLED = {
    "passport": re.compile(
        _LATIN_START + r"(?i:护照|passport)" + _LABEL_END + r"(?P<v>[A-Za-z]{1,2}\d{6,9})(?![0-9A-Za-z])"
    ),
    "staff_number": re.compile(
        _LATIN_START + r"(?i:工号|员工号|员工编号|职工号|工作证号|staff|employee|emp\.?|badge|personnel)" + _LABEL_END
        + r"(?P<v>[A-Za-z]{0,3}-?\d{3,12})(?![0-9A-Za-z])"
    ),
    "wechat": re.compile(
        _LATIN_START + r"(?i:微信|wechat|weixin|vx|wx)" + _LABEL_END
        + r"(?P<v>[A-Za-z][-_A-Za-z0-9]{5,19}|\d{6,15})(?![\w-])"
    ),
    "qq": re.compile(_LATIN_START + r"(?i:qq)" + _LABEL_END + r"(?P<v>[1-9]\d{4,11})(?!\d)"),
}
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])\d(?:" + _SEP + r"\d){12,18}(?:" + _SEP + r"[Xx])?(?![0-9A-Za-z])")
_MOBILE_SHAPE = re.compile(r"(?<![0-9A-Za-z+])1[3-9]\d(?:[ \-]?\d){8}(?![0-9A-Za-z])")
_ORDER_LABEL = re.compile(r"(?i:订单|单号|发票|快递|运单|物流|流水|order|invoice|tracking|ref(?:erence)?)\D{0,6}$")


@dataclass(frozen=True)
class Finding:
    """One stretch of identifying content: its kind (one of ``KINDS``) and its span in the text."""

    kind: str
    start: int
    end: int
    text: str


def _old_id(digits: str) -> bool:
    """A first-generation 15-digit resident number: area code and a valid 19YY birth date."""
    if len(digits) != 15 or not digits.isdigit() or digits[0] not in "12345678":
        return False
    try:
        date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))
    except ValueError:
        return False
    return True


def _number_findings(text: str) -> list[Finding]:
    out = []
    for m in _DIGIT_RUN.finditer(text):
        if _ORDER_LABEL.search(text, max(0, m.start() - 16), m.start()):
            continue
        digits = re.sub(r"[ \-]", "", m.group()).upper()
        if (len(digits) == 18 and ric.is_valid(digits)) or _old_id(digits):
            out.append(Finding("id_number", m.start(), m.end(), m.group()))
        elif 16 <= len(digits) <= 19 and digits.isdigit() and luhn.is_valid(digits):
            out.append(Finding("bank_card", m.start(), m.end(), m.group()))
    return out


def _phone_findings(text: str, region: str) -> list[Finding]:
    # the shape of a mainland mobile number too: libphonenumber leaves out prefixes not (yet) assigned, but a
    # number in an unassigned range (or mistyped) identifies its writer just the same
    out = [Finding("phone", m.start(), m.end(), m.group()) for m in _MOBILE_SHAPE.finditer(text)
           if not _ORDER_LABEL.search(text, max(0, m.start() - 16), m.start())]
    for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        before = text[max(0, m.start - 16):m.start]
        if _ORDER_LABEL.search(before):
            continue
        out.append(Finding("phone", m.start, m.end, m.raw_string))
    return out


def _name_findings(text: str, known: NameIndex | None) -> list[Finding]:
    out = _known_findings(text, known) if known is not None else []
    for m in _ZH_NAME_BEFORE_TITLE.finditer(text):
        s = m.start("v")
        if text[max(0, s - 1):s + 1] in _BLOCK_BIGRAMS or text[s:s + 2] in _NOT_NAMES:
            continue
        out.append(Finding("name", s, m.end("v"), m.group("v")))
    for pattern in (_ZH_NAME_AFTER_ROLE, _ZH_SELF):
        out += [Finding("name", m.start("v"), m.end("v"), m.group("v")) for m in pattern.finditer(text)]
    for m in _ZH_NICKNAME.finditer(text):
        s = m.start("v")
        if text[s:s + 2] in _NOT_NAMES or text[s:s + 3] in {"小程序", "老百姓"}:
            continue
        out.append(Finding("name", s, m.end("v"), m.group("v")))
    for pattern in (_EN_HONORIFIC, _EN_ROLE, _EN_SELF):
        for m in pattern.finditer(text):
            words = m.group("v").split()
            if words[0] in _EN_NOT_NAMES:
                continue
            value = words[0] if len(words) > 1 and words[1] in _EN_NOT_NAMES else m.group("v")
            out.append(Finding("name", m.start("v"), m.start("v") + len(value), value))
    return out


@dataclass(frozen=True)
class NameIndex:
    """Names the survey knows, as sets for lookups in time linear in the comment (a survey may know 100,000);
    made once by :func:`index_names` and passed as ``names`` to redact many comments."""

    #: Han names as written
    han: frozenset[str]
    #: Latin names as their case-folded words joined by one space ("li.na" and "Li  Na" are both "li na")
    latin: frozenset[str]
    han_lengths: tuple[int, ...]
    most_words: int


_LATIN_WORDS = re.compile(r"[A-Za-z]+")
_WORD_GAP = re.compile(r"[\s._-]+")


def index_names(names: Iterable[str]) -> NameIndex | None:
    """The index of ``names`` (None when none can be found: fewer than 2 characters, or not a name's letters)."""
    han, latin = set(), set()
    for name in names:
        name = name.strip().translate(_WIDTH)
        if len(name) < 2:
            continue
        if re.search(f"[{_HAN}]", name):
            han.add(name)
        elif _LATIN_WORDS.fullmatch(_WORD_GAP.sub("", name) or "-"):
            latin.add(" ".join(_WORD_GAP.split(name.casefold())).strip())
    if not han and not latin:
        return None
    return NameIndex(frozenset(han), frozenset(latin), tuple(sorted({len(n) for n in han}, reverse=True)),
                       max((n.count(" ") + 1 for n in latin), default=0))


def _known_findings(text: str, known: NameIndex) -> list[Finding]:
    """Where ``text`` writes a known name: Han names as substrings, Latin names as whole words in any case."""
    out = []
    if known.han:
        for i, char in enumerate(text):
            if "\u3400" <= char <= "\u9fff":
                length = next((n for n in known.han_lengths if text[i:i + n] in known.han), 0)
                if length:
                    out.append(Finding("name", i, i + length, text[i:i + length]))
    if known.latin:
        words = list(_LATIN_WORDS.finditer(text))
        for i in range(len(words)):
            for n in range(min(known.most_words, len(words) - i), 0, -1):
                run = words[i:i + n]
                if all(_WORD_GAP.fullmatch(text[a.end():b.start()]) for a, b in zip(run, run[1:], strict=False)) \
                        and " ".join(w.group().casefold() for w in run) in known.latin:
                    out.append(Finding("name", run[0].start(), run[-1].end(), text[run[0].start():run[-1].end()]))
                    break
    return out


@lru_cache(maxsize=16)
def _cached_index(names: tuple[str, ...]) -> NameIndex | None:
    return index_names(names)


def _resolve(findings: list[Finding]) -> list[Finding]:
    """Non-overlapping findings: by precedence of kind, then the longer span; sorted by position."""
    rank = {kind: i for i, kind in enumerate(KINDS)}
    kept: list[Finding] = []
    for f in sorted(findings, key=lambda f: (rank[f.kind], f.start - f.end, f.start)):
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def find_identifying(text: str, *, names: Iterable[str] | NameIndex | None = (),
                     region: str = "CN") -> list[Finding]:
    """The identifying content of ``text``: non-overlapping findings in order of position.

    ``names`` are names the survey knows (invitees, unit owners, accounts), or their :func:`index_names` when many
    comments are screened; ``region`` is the country whose numbering plan applies to phone numbers written
    without +.
    """
    if not text:
        return []
    norm = text.translate(_WIDTH)
    findings = [Finding("email", m.start(), m.end(), text[m.start():m.end()]) for m in _EMAIL.finditer(norm)]
    digits = sum(c.isdigit() for c in norm)
    for kind, pattern in _LABELLED.items():
        if digits >= 3 or kind == "wechat":
            findings += [Finding(kind, m.start("v"), m.end("v"), "") for m in pattern.finditer(norm)]
    if digits >= 7:  # the shortest number screened (a local landline) has 7 digits
        findings += _number_findings(norm) + _phone_findings(norm, region)
    index = names if isinstance(names, NameIndex) or names is None else _cached_index(tuple(names))
    findings += _name_findings(norm, index)
    return [Finding(f.kind, f.start, f.end, text[f.start:f.end]) for f in _resolve(findings)]


def token(kind: str, language: str = "zh") -> str:
    """The replacement token of ``kind`` in ``language`` (``NEUTRAL_TOKEN`` for a language without tokens)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    return TOKENS.get((language or "").split("-")[0].split("_")[0].lower(), {}).get(kind, NEUTRAL_TOKEN)


def redact(text: str, *, names: Iterable[str] | NameIndex | None = (), language: str = "zh",
           region: str = "CN") -> str:
    """``text`` with each identifying stretch (``find_identifying``) replaced by the token of its kind."""
    if not isinstance(text, str) or not text:
        return text
    pieces, at = [], 0
    for f in find_identifying(text, names=names, region=region):
        pieces += [text[at:f.start], token(f.kind, language)]
        at = f.end
    return "".join(pieces) + text[at:] if pieces else text
