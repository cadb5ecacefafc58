"""Analysis warnings in Chinese: every template the analysis code can emit has a translation."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from reports.context import build_context
from reports.warnings_zh import PREFIXES, UNTRANSLATED, covers, translate

ANALYSIS = Path(__file__).resolve().parents[2] / "analysis"


def _template(node: ast.AST) -> str | None:
    """The English template of a string expression (``{}`` for each filled-in value), else ``None``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        return None if left is None or right is None else left + right
    return None


def _sources() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(warning templates, part names) with the file each comes from, read from the analysis source.

    Warnings are the strings appended to a list called ``*warn*``/``*note*``, the sentences of the engine's
    ``_note`` and ``note = ...`` assignments; part names are the first argument of the engine's ``collect``,
    ``fail`` and ``_note`` and ``part = ...`` assignments.
    """
    sentences, parts = set(), set()
    for path in sorted(ANALYSIS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target = node.targets[0].id
                found = _template(node.value)
                if found is not None and target.endswith("note"):
                    sentences.add((path.name, found))
                elif found is not None and target == "part":
                    parts.add((path.name, found))
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name, owner = node.func.attr, ast.unparse(node.func.value).lower()
            if name in ("collect", "fail", "_note") and node.args and path.name == "engine.py":
                found = _template(node.args[0])
                if found is not None:
                    parts.add((path.name, found))
                if name == "_note" and len(node.args) == 3 and _template(node.args[2]) is not None:
                    sentences.add((path.name, _template(node.args[2])))
            elif name in ("append", "extend") and ("warn" in owner or "note" in owner):
                for arg in node.args:
                    element = arg.elt if isinstance(arg, ast.GeneratorExp) else arg
                    found = _template(element)
                    if found is not None:
                        sentences.add((path.name, found))
    return sentences, parts


SENTENCES, PARTS = _sources()


def test_the_scan_finds_the_warnings_of_every_analysis_module() -> None:
    # The scan itself must not silently find nothing (a renamed list would make the test below vacuous).
    files = {name for name, _ in SENTENCES}
    assert {"data.py", "drivers.py", "measurement.py", "pls.py", "trap.py", "groups.py", "linkage.py",
            "heatmap.py", "trends.py", "servqual.py"} <= files
    assert len(SENTENCES) >= 80
    assert ("nps.py", "Only {} answers: the NPS can move a long way with a few more respondents.") in SENTENCES


def _is_wrapper(template: str) -> str | None:
    """The part name of a wrapper such as ``"Kano: {}"`` (the warning itself comes from elsewhere)."""
    return template[:-len(": {}")] if template.endswith(": {}") else None


@pytest.mark.parametrize("source, template", sorted(SENTENCES))
def test_every_warning_template_has_a_translation(source: str, template: str) -> None:
    head = _is_wrapper(template)
    if covers(template):
        return
    assert head is not None, f"{source}: no Chinese for the warning {template!r}; add it to reports/warnings_zh.py"
    if head == "{}":  # "{part}: {warning}": both halves are checked on their own
        return
    assert covers(f"{head}: Only {{}} answers: the NPS can move a long way with a few more respondents."), (
        f"{source}: no Chinese for the part name {head!r} of {template!r}; add it to PREFIXES")


@pytest.mark.parametrize("source, part", sorted(PARTS))
def test_every_part_name_has_a_translation(source: str, part: str) -> None:
    sentence = f"{part}: Only 7 answers: the NPS can move a long way with a few more respondents."
    translated = translate(sentence.replace("{}", "Q1"))
    assert not translated.endswith(UNTRANSLATED)
    assert translated.endswith("：只有 7 份作答：再多几位受访者，NPS 就可能大幅变动。"), (source, part, translated)
    assert translated.startswith(PREFIXES[part].replace("{}", "Q1") + "：") if part in PREFIXES else \
        not translated.startswith(part.split(" ")[0]), translated


@pytest.mark.parametrize("source, template", sorted(SENTENCES))
def test_translations_keep_every_filled_in_value(source: str, template: str) -> None:
    if not covers(template) or template.endswith(": {}"):
        return
    values = [f"<{i}{chr(65 + i)}>" for i in range(template.count("{}"))]
    translated = translate(template.format(*values))
    assert not translated.endswith(UNTRANSLATED)
    joined = "".join(values)
    for value in values:
        # Adjacent placeholders ("{}{}") may split differently, but the values stay in the output in order.
        assert value in translated or joined in translated, (template, translated)


def test_known_sentences_in_chinese_with_their_numbers() -> None:
    assert translate("Only 12 respondents: alpha and omega are unstable below 100.") == \
        "只有 12 名受访者：少于 100 人时 α 和 ω 不稳定。"
    # the part name and a value reordered by the Chinese template
    assert translate("Drivers (Loyalty): Only 40 respondents for 5 predictors (fewer than 10 per predictor): "
                     "the importances are unstable; read them as indicative and check the bootstrap "
                     "intervals.") == \
        ("驱动因素（Loyalty）：5 个预测变量只有 40 名受访者（每个预测变量不足 10 人）："
         "重要性不稳定，仅供参考，请查看自助法区间。")
    # nested parts, an unknown part name (a wave label) kept as it is, and an English word filled in
    assert translate("Trends (drivers of Satisfaction), wave 2025: 'CUSA1': the penalty has the wrong sign; it "
                     "does not act on satisfaction as the method assumes, so read its class with care.") == \
        ("趋势（Satisfaction 的驱动因素），第 2025 期：“CUSA1”：惩罚的符号与预期相反；"
         "它对满意度的作用不符合方法的假设，请谨慎解读其分类。")
    assert translate("2024: Only 9 answers: the NPS can move a long way with a few more respondents.") == \
        "2024：只有 9 份作答：再多几位受访者，NPS 就可能大幅变动。"


def test_unknown_sentences_stay_in_english_with_a_note() -> None:
    assert translate("PLS: something new happened.") == "PLS: something new happened." + UNTRANSLATED


def test_zh_appendix_shows_the_warnings_of_a_real_run_in_chinese(result: dict[str, Any]) -> None:
    english = result["warnings"]
    assert english, "the fixture RESULT should carry warnings"
    zh = build_context(result, lang="zh", charts=False)["appendix"]["warnings"]
    en = build_context(result, lang="en", charts=False)["appendix"]["warnings"]
    # one line per kind of caveat: warnings differing only in the one name they quote share a line
    assert len(zh) == len(en) <= len(english)
    for sentence in english:
        # (a stage's name as the report writes it: 'decline' -> 'Decline')
        assert sentence in en or any(name.lower() in line.lower() for line in en
                                     for name in re.findall(r"'([^']+)'", sentence)), sentence
    assert all(not line.endswith(UNTRANSLATED) for line in zh), [w for w in zh if w.endswith(UNTRANSLATED)]
    # no English sentence survives: every line is mostly Chinese
    for line in zh:
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in line) >= 5, line
