"""A Chinese report is Chinese and an English one English: no item code, model key or English sentence in the zh
report (only the abbreviations and method names below), no Chinese in the en report; employees are never called
customers, and groups of colleagues get neutral names."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.services.analysis import survey_report
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import create_survey
from survey_app.services.synthetic import add_synthetic_responses

#: Latin-script words a Chinese report may contain: abbreviations and the names of methods and their authors
ALLOWED = {"NPS", "eNPS", "CSI", "PLS", "ACSI", "ECSI", "AVE", "HTMT", "KMO", "IA", "LMG", "Shapley", "Cronbach",
           "McDonald", "alpha", "omega", "Alpha", "Omega", "Welch", "Holm", "Wald", "Wilson", "Martilla", "James",
           "minres", "oblimin", "MICOM", "Henseler", "Ringle", "Sarstedt",
           # the comments' methods line names its tools: the segmenter, the weighting and the two lexicons
           "jieba", "TF", "IDF", "pysenti", "VADER"}
#: the customer words that must not describe employees, and the pejorative segment names
NOT_FOR_EMPLOYEES = {"en": ("customer", "Customer", "Mercenar", "Hostage", "Terrorist", "Apostle", "Defector"),
                     "zh": ("客户", "唯利是图", "人质", "恐怖分子", "传道者", "背离者")}


def _text(document: str) -> list[str]:
    """The report's visible lines: no styles, no charts (their labels are checked with the charts), no tags, and
    not the respondents' own words (comment themes and quotes, marked translate="no"): they are in the language
    each respondent wrote in."""
    document = re.sub(r"<style.*?</style>|<svg.*?</svg>", "", document, flags=re.S)
    document = re.sub(r'<(span|li)[^>]*translate="no"[^>]*>.*?</\1>', "", document, flags=re.S)
    return [line.strip() for line in html.unescape(re.sub(r"<[^>]+>", "\n", document)).split("\n") if line.strip()]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[str]]:
    """The HTML reports of a customer survey and an anonymous employee survey, in zh and en, as text lines.

    Built once for the module on SQLite: the wording does not depend on the database.
    """
    out = {}
    database = tmp_path_factory.mktemp("report-language") / "test.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SECRET_KEY", "test-secret-key")
        patch.delenv("DATABASE_URL", raising=False)
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        upgrade()
        sync_instruments()
        for slug, key, anonymous in (("cx-wave", "customer_satisfaction", False),
                                     ("hr-poll", "employee_satisfaction", True)):
            create_survey(slug=slug, instrument_keys=[key], anonymous=anonymous)
            add_synthetic_responses(db.session.scalar(sa.select(Survey).filter_by(slug=slug)), 240, seed=7)
            db.session.commit()
        for slug in ("cx-wave", "hr-poll"):
            for lang in ("zh", "en"):
                survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
                out[(slug, lang)] = _text(survey_report(survey, lang=lang, fmt="html"))
        db.engine.dispose()
    return out


def test_a_chinese_report_holds_no_code_key_or_english_sentence(reports):
    for slug in ("cx-wave", "hr-poll"):
        # single letters are symbols (R², R + |P|, ρ_C)
        foreign = [line for line in reports[(slug, "zh")]
                   if set(re.findall(r"[A-Za-z][A-Za-z_.]+", line)) - ALLOWED]
        assert not foreign, f"{slug}: " + "\n".join(foreign[:10])


def test_an_english_report_holds_no_chinese(reports):
    for slug in ("cx-wave", "hr-poll"):
        chinese = [line for line in reports[(slug, "en")] if re.search("[\u4e00-\u9fff]", line)]
        assert not chinese, f"{slug}: " + "\n".join(chinese[:10])


def test_employees_are_never_called_customers_nor_given_pejorative_names(reports):
    # (a department's name, "Customer service", is the organisation's own word)
    for lang, words in NOT_FOR_EMPLOYEES.items():
        wrong = [line for line in reports[("hr-poll", lang)]
                 if any(word in line.replace("Customer service", "").replace("客户服务", "") for word in words)]
        assert not wrong, "\n".join(wrong[:10])
    assert any("Satisfied but leaving" in line for line in reports[("hr-poll", "en")])
    assert any("满意但想离开" in line for line in reports[("hr-poll", "zh")])
    # the customer report keeps its own words
    assert any("Mercenaries" in line for line in reports[("cx-wave", "en")])


def test_the_appendix_gives_one_line_per_kind_of_caveat(reports):
    for key, lines in reports.items():
        caveats = [line for line in lines if "rough" in line or "较粗略" in line]
        # a kind: the line without its quoted names and numbers
        shapes = [re.sub(r"(“[^”]+”|'[^']+')(([、,] ?)(“[^”]+”|'[^']+'))*|\d+(–\d+)?", "#", line) for line in caveats]
        assert len(shapes) == len(set(shapes)), (key, caveats)


def test_a_customer_report_compares_its_stores(app):
    """Customers answered for several stores: the report has KPIs by store, flagged against the rest."""
    from survey_app.services.analysis import analyze_survey

    with app.app_context():
        sync_instruments()
        survey = create_survey(slug="stores", instrument_keys=["customer_satisfaction"])
        add_synthetic_responses(survey, 600, seed=2, contrasts=True)
        db.session.commit()
        result = analyze_survey(db.session.scalar(sa.select(Survey).filter_by(slug="stores")))
        page = _text(survey_report(db.session.scalar(sa.select(Survey).filter_by(slug="stores")), lang="en",
                                   fmt="html"))
    assert result["groups"]["by"] == "unit" and len(result["groups"]["levels"]) >= 5
    pairs = result["groups"]["tests"]["Satisfaction"]["pairwise"]
    assert any(pair["p_holm"] < 0.05 for pair in pairs)  # the planted weaker store is found
    assert "Results by unit" in page and any("▼" in line for line in page)


def test_an_action_names_a_construct_not_a_statement_and_chinese_sentences_end_in_chinese(reports):
    """"确保就我所做的工作而言，我的薪酬是公平的。稳定可靠." glued a statement into a sentence and ended it in
    English."""
    from reports.context import build_context

    result = {"model": {"constructs": {"Pay": ["PAY1", "PAY2"]}}, "trap": {"attributes": {
        "PAY1": {"class": "basic", "class_confident": True}, "PAY2": {"class": "basic", "class_confident": True}}}}
    labels = {"Pay": "薪酬", "PAY1": "就我所做的工作而言，我的薪酬是公平的。", "PAY2": "我的薪酬与市场相当。"}
    actions = build_context(result, lang="zh", charts=False, meta={"labels": labels})["actions"]
    assert actions[0]["action"] == "确保薪酬稳定可靠"
    for slug in ("cx-wave", "hr-poll"):
        assert not [line for line in reports[(slug, "zh")] if re.search("[\u4e00-\u9fff）][.] ", line)]
