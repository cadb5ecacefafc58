"""Hostile and broken files: refused with a message naming the file, the element and the line."""

from __future__ import annotations

import json

import pytest

from instruments.interchange import InterchangeError, import_questionnaire
from instruments.interchange.base import MAX_IMPORT_BYTES

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE document [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<document><LimeSurveyDocType>&lol3;</LimeSurveyDocType></document>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<document><DBVersion>495</DBVersion><surveys><rows><row><sid>&secret;</sid></row></rows></surveys></document>
"""


@pytest.mark.parametrize(("data", "message"), [
    (BILLION_LAUGHS, r"^bomb\.lss: line 2: a DOCTYPE or entity declaration is not allowed$"),
    (EXTERNAL_ENTITY, r"^bomb\.lss: line 2: a DOCTYPE or entity declaration is not allowed$"),
    (b"<document>\n<DBVersion>495</DBVersion>\n<groups><rows></groups>\n</document>",
     r"^bomb\.lss: line 3: malformed XML: mismatched tag$"),
    (b"<document><DBVersion>495</DBVersion>&nbsp;</document>", r"^bomb\.lss: line 1: malformed XML: undefined entity"),
    (b"<document>" + b"<a>" * 100 + b"</a>" * 100 + b"</document>", r"nested more than 32 deep"),
    (b"<survey/>", r"^bomb\.lss: <survey>: not a LimeSurvey structure file"),
    (b"<document><LimeSurveyDocType>Question</LimeSurveyDocType><DBVersion>495</DBVersion></document>",
     r"a LimeSurvey Question file, not a survey structure"),
    (b"<document><LimeSurveyDocType>Survey</LimeSurveyDocType></document>", r"<DBVersion>: missing"),
    (b"<document><DBVersion>495</DBVersion><languages><language>de</language></languages></document>",
     r"the survey is in de; only Chinese \(zh-Hans\) and English \(en\) can be imported"),
    (b"<document><DBVersion>495</DBVersion><languages><language>en</language></languages></document>",
     r"no question in the file could be imported"),
])
def test_bad_xml_is_refused_with_the_line(data, message):
    with pytest.raises(InterchangeError, match=message):
        import_questionnaire("bomb.lss", data)


@pytest.mark.parametrize(("data", "message"), [
    (b"[" * 100_000 + b"]" * 100_000, r"^bomb\.json: JSON nested too deeply"),
    (b'{"pages": [}', r"^bomb\.json: line 1, column 12: invalid JSON"),
    (b"[1, 2]", r"a SurveyJS survey is a JSON object with pages, not a list"),
    (b'{"pages": []}', r"pages: a SurveyJS survey needs a non-empty list of pages"),
    (b'{"pages": [{"elements": "x"}]}', r"page page1: elements must be a list"),
    (b'\xff\xfe{"pages": 1}', r"not UTF-8"),
])
def test_bad_json_is_refused(data, message):
    with pytest.raises(InterchangeError, match=message):
        import_questionnaire("bomb.json", data)


def test_panels_nested_without_end_are_refused():
    element = {"type": "text", "name": "deep"}
    for n in range(30):
        element = {"type": "panel", "name": f"p{n}", "elements": [element]}
    data = json.dumps({"pages": [{"name": "p", "elements": [element]}]}).encode()
    with pytest.raises(InterchangeError, match=r"panels nested more than 8 deep"):
        import_questionnaire("deep.json", data)


@pytest.mark.parametrize("name", ["huge.lss", "huge.json", "huge.yaml"])
def test_huge_files_are_refused_before_parsing(name):
    with pytest.raises(InterchangeError, match=rf"^{name}: the file is 5\.0 MB; questionnaires up to 5 MB"):
        import_questionnaire(name, b" " * (MAX_IMPORT_BYTES + 1))


def test_yaml_alias_bomb_is_refused():
    bomb = b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
           b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nid: x\n"
    with pytest.raises(InterchangeError, match=r"^bomb\.yaml: "):
        import_questionnaire("bomb.yaml", bomb)


def test_custom_data_that_is_not_json_is_ignored_and_listed():
    data = b"""<document><DBVersion>495</DBVersion><languages><language>en</language></languages>
<groups><rows><row><gid>1</gid><group_order>1</group_order></row></rows></groups>
<group_l10ns><rows><row><gid>1</gid><group_name>G</group_name><language>en</language></row></rows></group_l10ns>
<questions><rows><row><qid>5</qid><parent_qid>0</parent_qid><gid>1</gid><type>S</type><title>NAME</title>
<relevance>1</relevance></row></rows></questions>
<question_l10ns><rows><row><qid>5</qid><question>Name?</question><language>en</language></row></rows></question_l10ns>
<question_attributes><rows><row><qid>5</qid><attribute>manyi</attribute><value>{not json</value></row></rows>
</question_attributes></document>"""
    imported = import_questionnaire("odd.lss", data)
    assert imported.instrument.item("NAME").role == "other"
    assert "question 5: its manyi attribute is not valid JSON; ignored" in imported.not_mapped


@pytest.mark.parametrize("expression", ["(" * 5000 + "{q} = 1" + ")" * 5000, "!" * 5000 + "{q} = 1",
                                        "{q} anyof " + "[" * 5000 + "]" * 5000, "f(" * 5000 + ")" * 5000,
                                        "{q} = 1 and " * 3000 + "{q} = 1"])
def test_deep_or_long_conditions_are_listed_not_crashing(expression):
    model = {"pages": [{"name": "p", "elements": [{"type": "radiogroup", "name": "q", "choices": [1, 2]},
                                                  {"type": "text", "name": "r", "visibleIf": expression}]}]}
    imported = import_questionnaire("deep.json", json.dumps(model).encode())
    assert imported.instrument.item("r").show_if is None
    assert any(note.startswith("r: condition `") and note.endswith(")") for note in imported.not_mapped)
