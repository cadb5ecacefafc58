"""Identifying content in comments: each kind found in Chinese and English, and what must be left as written.

Identity and card numbers are valid by construction: the resident numbers carry the ISO 7064 MOD 11-2 check
digit (python-stdnum's ``cn.ric`` confirms each), the card numbers the Luhn
digit; phone numbers are in the ranges the numbering plans assign (ITU-T E.164, libphonenumber's metadata).
"""

from __future__ import annotations

import pytest

from analysis.redaction import KINDS, NEUTRAL_TOKEN, TOKENS, find_identifying, redact, token

# (comment, [(kind, the text that must be found)]): every finding listed, none other.
IDENTIFYING = [
    # phones: mainland mobile with separators, landlines with area codes, +86, international, full-width
    ("请打我电话13812345678", [("phone", "13812345678")]),
    ("电话 138-1234-5678 随时联系", [("phone", "138-1234-5678")]),
    ("手机：138 1234 5678。", [("phone", "138 1234 5678")]),
    ("号码是１３９１２３４５６７８", [("phone", "１３９１２３４５６７８")]),
    ("新号 144-1234-5678 还没登记", [("phone", "144-1234-5678")]),  # a range not assigned yet: its shape
    ("座机 010-88886666 转 8", [("phone", "010-88886666")]),
    ("请拨 (0755) 8888 6666", [("phone", "(0755) 8888 6666")]),
    ("+86 186 0000 1234 是我的", [("phone", "+86 186 0000 1234")]),
    ("Call me on +44 20 7946 0958 please", [("phone", "+44 20 7946 0958")]),
    ("My cell is 139.1234.5678", [("phone", "139.1234.5678")]),
    # email
    ("有问题发邮件到 zhang.wei@example.com 谢谢", [("email", "zhang.wei@example.com")]),
    ("Email me: John.Doe+hr@mail.example.co.uk", [("email", "John.Doe+hr@mail.example.co.uk")]),
    # resident identity numbers: 18 digits (X check digit, spaces inside, full-width), 15-digit old form
    ("我的身份证号11010519491231002X", [("id_number", "11010519491231002X")]),
    ("身份证：110105 19491231 002X", [("id_number", "110105 19491231 002X")]),
    ("id card 110101199003074477 attached", [("id_number", "110101199003074477")]),
    ("ID ４４０３０１１９８５０３１５１２３２ lost", [("id_number", "４４０３０１１９８５０３１５１２３２")]),
    ("老身份证 110105491231002 还能用吗", [("id_number", "110105491231002")]),
    # bank cards (Luhn)
    ("工资卡 6222 0212 3456 7890 128 没到账", [("bank_card", "6222 0212 3456 7890 128")]),
    ("card 6217-0000-1234-5670 was charged twice", [("bank_card", "6217-0000-1234-5670")]),
    # labelled codes
    ("护照号：E12345678", [("passport", "E12345678")]),
    ("passport no. G87654321 expired", [("passport", "G87654321")]),
    ("我的工号12345，查一下", [("staff_number", "12345")]),
    ("工号：ＳＨ-0088", [("staff_number", "ＳＨ-0088")]),
    ("staff no. A1234 here", [("staff_number", "A1234")]),
    ("Employee ID: 778899", [("staff_number", "778899")]),
    ("加我微信号 zhangwei_88", [("wechat", "zhangwei_88")]),
    ("WeChat: wxid_abc123 any time", [("wechat", "wxid_abc123")]),
    ("QQ：12345678", [("qq", "12345678")]),
    ("my qq 987654321", [("qq", "987654321")]),
    # names: before a title, after a role, 小X/老X, self-named, English honorifics and roles
    ("王经理态度很差", [("name", "王")]),
    ("李明老师讲得好", [("name", "李明")]),
    ("陈先生和刘女士都很耐心", [("name", "陈"), ("name", "刘")]),
    ("欧阳娜娜主管经常加班", [("name", "欧阳娜娜")]),
    ("我的经理张伟说不行", [("name", "张伟")]),
    ("主管是赵丽，她很好", [("name", "赵丽")]),
    ("小王和老李都不错", [("name", "小王"), ("name", "老李")]),
    ("我叫刘洋，希望改进", [("name", "刘洋")]),
    ("My manager John Smith is rude", [("name", "John Smith")]),
    ("Mr. Brown and Ms Lee helped", [("name", "Brown"), ("name", "Lee")]),
    ("our supervisor, Anna, never listens", [("name", "Anna")]),
    ("Dr Chen explained everything", [("name", "Chen")]),
    # several kinds in one comment
    ("找周主管，电话13912345678，邮箱 zhou@corp.cn",
     [("name", "周"), ("phone", "13912345678"), ("email", "zhou@corp.cn")]),
]

# Nothing in these may be redacted: prices, dates, times, scores, years, order and invoice numbers, and words
# that begin with a surname or end in a title.
CLEAN = [
    "价格1380元，太贵了",
    "¥1,380.50 for two nights",
    "2024年5月12日入住，打了9分",
    "2024-05-12 10:30 check-in",
    "评分 9分，满分10分",
    "2023年以来服务越来越好",
    "订单号 202405120001234567 还没发货",
    "Order 4111111111111111 never arrived",
    "invoice no. 20240512000123",
    "发票 6222021234567890128 开错了",
    "房间 1208，楼层 12",
    "等了3小时，每小时都有人催",
    "语文老师和班主任都很负责",
    "客户经理服务好，大堂经理也好",
    "老板很好，小程序很好用",
    "方便总是好的，老师们辛苦了",
    "经理说会改进",
    "The manager was helpful",
    "I think The Service is great",
    "Room 305, 2 nights, 8/10",
    "version 3.14.159 of the app",
    "temp 1234 in the lobby, kwx 5566778",
]


def _found(text: str, names: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in find_identifying(text, names=names)]


@pytest.mark.parametrize(("text", "expected"), IDENTIFYING)
def test_each_kind_is_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize("text", CLEAN)
def test_numbers_and_words_that_identify_nobody_are_left(text: str) -> None:
    assert find_identifying(text) == []
    assert redact(text) == text


def test_spans_are_spans_of_the_original_text() -> None:
    text = "电话１３８ １２３４ ５６７８，找王经理"
    for f in find_identifying(text):
        assert text[f.start:f.end] == f.text


def test_tokens_say_what_was_removed_in_the_surveys_language() -> None:
    text = "王经理 13812345678 wang@example.com"
    assert redact(text) == "[姓名]经理 [电话] [邮箱]"
    assert redact(text, language="en") == "[name]经理 [phone] [email]"
    assert redact(text, language="fr") == f"{NEUTRAL_TOKEN}经理 {NEUTRAL_TOKEN} {NEUTRAL_TOKEN}"
    assert set(TOKENS["zh"]) == set(TOKENS["en"]) == set(KINDS)
    with pytest.raises(ValueError, match="kind must be one of"):
        token("address")


def test_names_the_survey_knows_are_found_without_a_title() -> None:
    names = ("张伟", "Li Na", "Bob")
    assert _found("张伟总是迟到，li na 人很好", names) == [("name", "张伟"), ("name", "li na")]
    assert redact("Bob helped; Bobby did not", names=names, language="en") == "[name] helped; Bobby did not"
    assert _found("张伟总是迟到") == []  # no title, not known: a name alone passes (a screen, not a guarantee)


def test_empty_and_non_text_values_pass_through() -> None:
    assert redact("") == ""
    assert redact(None) is None  # type: ignore[arg-type]
    assert find_identifying("") == []
