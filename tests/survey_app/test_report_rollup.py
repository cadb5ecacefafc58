"""Reports roll units up the survey's hierarchy, name units in the reader's language, and let the gate decide."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Survey, Unit
from survey_app.services.analysis import analyze_survey, survey_report
from survey_app.services.disclosure import open_gate
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import create_survey
from survey_app.services.synthetic import add_synthetic_responses
from survey_app.services.units import import_units, unit_names
from survey_app.services.users import create_user

PASSWORD = "correct horse battery"
#: two divisions: front (two regions of departments) and back (IT alone)
HIERARCHY = ("unit,parent,kind,name_zh,name_en\n"
             "front,,division,前台,Front office\nback,,division,后台,Back office\n"
             "r1,front,region,一区,Region one\nr2,front,region,二区,Region two\n"
             "sales,r1,department\nservice,r1,department\noperations,r2,department\nfinance,r2,department\n"
             "hr_admin,r2,department\nit,back,department\n")


def _survey(app, *, anonymous: bool, it_answers: int | None = None) -> None:
    with app.app_context():
        sync_instruments()
        survey = create_survey(slug="staff", instrument_keys=["employee_satisfaction"], anonymous=anonymous,
                               languages=["zh", "en"], status="open")
        import_units(survey, HIERARCHY.encode())
        add_synthetic_responses(survey, 240, seed=4, contrasts=True)
        if it_answers is not None:  # IT keeps only a few answers
            it = db.session.scalar(sa.select(Unit.id).filter_by(survey_id=survey.id, code="it"))
            ids = db.session.scalars(sa.select(Response.id).filter_by(unit_id=it).order_by(Response.id)).all()
            db.session.execute(sa.delete(Response).where(Response.id.in_(ids[it_answers:])))
        survey.status = "closed"
        db.session.commit()


def test_units_are_named_in_the_readers_language_in_reports_and_console(app, client) -> None:
    _survey(app, anonymous=False)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="staff"))
        assert unit_names(survey, "en")["r1"] == "Region one" and unit_names(survey, "zh")["r1"] == "一区"
        # units the questionnaire's unit question made are named by its options in each language
        assert unit_names(survey, "en")["it"] == "IT" and unit_names(survey, "zh")["it"] == "信息技术"
        english = survey_report(survey, lang="en", fmt="html")
        chinese = survey_report(survey, lang="zh", fmt="html")
        user, _ = create_user("hr@example.com", PASSWORD, role="admin")
        db.session.commit()
    for name in ("Front office", "Region one", "Region two", "Back office", "Operations"):
        assert name in english and name not in chinese
    for name in ("前台", "一区", "二区", "运营"):
        assert name in chinese
    assert "Welch ANOVA p (region level)" in english and "事业部层级的 Welch 方差分析 p 值" in chinese
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/admin/login", data={"email": "hr@example.com", "password": PASSWORD})
    page = client.get("/admin/surveys/staff?lang=en").text
    board = page[page.index('id="units-table"'):page.index("</table>", page.index('id="units-table"'))]
    assert "Region one" in board and "一区" not in board
    chinese_page = client.get("/admin/surveys/staff?lang=zh").text
    assert "一区" in chinese_page[chinese_page.index('id="units-table"'):]
    # the list of the imported units names each in both languages, whatever the console's language
    units = page[page.index('id="unit-tree"'):]
    assert "Region one" in units and "一区" in units


def test_a_new_upload_with_one_name_replaces_the_names_in_every_language(app) -> None:
    with app.app_context():
        sync_instruments()
        survey = create_survey(slug="shop", instrument_keys=["customer_satisfaction"], languages=["zh", "en"])
        import_units(survey, "unit,name_zh,name_en\nnorth,北一店,North one\n".encode())
        assert unit_names(survey, "en")["north"] == "North one"
        import_units(survey, b"unit,name\nnorth,Harbour store\n")
        assert unit_names(survey, "en")["north"] == unit_names(survey, "zh")["north"] == "Harbour store"
        # a unit the question made keeps its names when an upload only sets its kind
        import_units(survey, b"unit,kind\nsouth,store\n")
        assert unit_names(survey, "en")["south"] == "South branch" and unit_names(survey, "zh")["south"] == "南区门店"


def test_the_gate_decides_which_rolled_up_units_a_report_shows(app, monkeypatch) -> None:
    """IT's three answers are held back (no release may show them), so the back office has none and the front
    office is everyone: neither is a row of its own. A region the gate hides is hidden in the report too."""
    _survey(app, anonymous=True, it_answers=3)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="staff"))
        gate = open_gate(survey)
        assert gate.held_back == 3 and {"it", "back"} <= gate.hidden_units().keys()
        groups = analyze_survey(survey, gate=gate)["groups"]
        assert groups["total"]["n"] == gate.total
        assert [tier["levels"] for tier in groups["rollup"]["tiers"]] == [["前台"], ["一区", "二区"]]
        report = survey_report(survey, lang="en", fmt="html", gate=gate)
        assert ">Back office<" not in report and ">Front office<" not in report and ">IT<" not in report
        # the gate's verdict on a subtree reaches the rolled-up rows
        monkeypatch.setattr(type(gate), "hidden_subtree_names", lambda self: {"二区"})
        tiers = analyze_survey(survey, gate=gate)["groups"]["rollup"]["tiers"]
        assert tiers[1]["suppression"]["shown"] == ["一区"] and tiers[1]["suppression"]["hidden"] == {
            "二区": "complementary"}
        report = survey_report(survey, lang="en", fmt="html", gate=gate)
        row = report[report.index(">Region two<"):].split("</tr>")[0]
        assert "hidden: would reveal another group" in row and str(tiers[1]["summary"]["二区"]["n"]) not in row


def test_a_unit_report_rolls_up_within_its_subtree(app) -> None:
    _survey(app, anonymous=False)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="staff"))
        groups = analyze_survey(survey, unit="front")["groups"]
        tiers = {tier["depth"]: tier for tier in groups["rollup"]["tiers"]}
        assert tiers[0]["levels"] == ["前台"] and tiers[0]["summary"]["前台"]["n"] == groups["total"]["n"]
        assert tiers[1]["levels"] == ["一区", "二区"]
        html = survey_report(survey, lang="en", unit="front", fmt="html")
        assert html.count(">Front office<") == 0  # the whole of the report is its first row, not repeated
        assert ">Region one<" in html and ">Region two<" in html


def test_a_unit_the_gate_hides_is_not_compared_in_the_pls_multi_group_analysis(app, monkeypatch) -> None:
    _survey(app, anonymous=False)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="staff"))
        gate = open_gate(survey)
        compared = sorted(analyze_survey(survey, gate=gate)["pls"]["micom"]["groups"])
        assert len(compared) >= 3, compared
        monkeypatch.setattr(type(gate), "hidden_names", lambda self: {compared[0]})
        pls = analyze_survey(survey, gate=gate)["pls"]
        assert sorted(pls["micom"]["groups"]) == compared[1:] and pls["mga"]["tests"]
        assert compared[0] not in repr(pls["mga"]) + repr(pls["micom"])
