"""Attacks on an anonymous employee survey (SCIENCE §7): each tries to single out one person and must fail.

The organisation: region ``north-region`` with departments ``north`` (6 answers) and ``south`` (2 answers), and a
stand-alone department ``east`` (7 answers); k = 5. A manager who knows who works where tries every release the
service makes: the dashboard, the API, exports, reports per unit, a second wave, invitation bookkeeping.
"""

from __future__ import annotations

import copy
import csv
import io
import re
from collections import Counter
from datetime import UTC, datetime

import openpyxl
import pyreadstat
import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey
from survey_app.services.analysis import hidden_units
from survey_app.services.api_tokens import create_api_token
from survey_app.services.invitations import create_invitations
from survey_app.services.responses import save_page, start_response, submit, write_response
from survey_app.services.surveys import instrument_of
from survey_app.services.units import import_units
from survey_app.services.users import create_user
from tests.conftest import FLOW_INSTRUMENT

PASSWORD = "correct horse battery"
SLUG = "staff-2026"
EMPLOYEE = copy.deepcopy(FLOW_INSTRUMENT)
EMPLOYEE["id"] = "staff_pulse"
EMPLOYEE["scales"]["branch"]["options"].append({"value": "east", "label": {"zh": "东区", "en": "East"}})
HIERARCHY = b"unit,parent,kind,name\nnorth-region,,region,North region\nnorth,north-region,department,North\n" \
            b"south,north-region,department,South\neast,,department,East\n"
#: department -> satisfaction answers; the two people in south answered 1 and 2, everybody else 9 or 10
ANSWERS = {"north": [9, 10, 9, 10, 9, 10], "south": [1, 2], "east": [9, 10, 9, 10, 9, 10, 9]}


def add_answers(app, slug: str, answers: dict[str, list[int]]) -> None:
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        instrument = instrument_of(survey)
        for unit, values in answers.items():
            for i, sat in enumerate(values):
                connection = db.session.connection()
                response, _ = start_response(survey, submission_key=f"{slug}-{unit}-{i}", language="en")
                save_page(connection, response, survey, instrument, 0, {"SAT": sat, "PROBLEM": 0}, language="en")
                save_page(connection, response, survey, instrument, 1, {"BRANCH": unit}, language="en")
                save_page(connection, response, survey, instrument, 2, {"NPS": sat, "COMMENT": f"{unit} person {i}"},
                          language="en")
                submit(connection, response, survey, None)
                write_response(connection, response)
        db.session.commit()


@pytest.fixture
def staff(app, client, make_survey):
    """The anonymous survey with its answers, an HR manager signed in, and an API token for them."""
    make_survey(slug=SLUG, definition=EMPLOYEE, anonymous=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        import_units(survey, HIERARCHY)
        user, _ = create_user("hr@example.com", PASSWORD, role="admin")
        _, token = create_api_token(user, "hr analytics")
        db.session.commit()
    add_answers(app, SLUG, ANSWERS)
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/admin/login", data={"email": "hr@example.com", "password": PASSWORD}).status_code == 302
    return token


def report_refusal(client, unit: str, slug: str = SLUG) -> str | None:
    """The reason a unit report is refused, or None when it is made."""
    reply = client.get(f"/admin/surveys/{slug}/report.html?unit={unit}&lang=en")
    if reply.status_code == 200:
        return None
    assert reply.status_code == 302
    page = client.get(reply.headers["Location"]).text
    match = re.search(r"No report: ([^<]+)", page)
    assert match, "a refused report says why"
    return match.group(1)


def _export_rows(client) -> list[dict[str, str]]:
    reply = client.get(f"/admin/surveys/{SLUG}/export.csv")
    return list(csv.DictReader(io.StringIO(reply.data.decode("utf-8-sig"))))


def _set_facts(app, keys: list[str], **values) -> None:
    with app.app_context():
        db.session.execute(sa.update(Response).where(Response.submission_key.in_(keys)).values(**values))
        db.session.commit()


def test_exports_never_single_out_a_rare_language_channel_or_day_within_a_unit(app, staff, client):
    east = [f"{SLUG}-east-{i}" for i in range(7)]
    # everybody in East answered in English on the web on the same day: those facts stay in the file
    rows = [row for row in _export_rows(client) if row["unit"] == "east"]
    assert {(row["language"], row["channel"]) for row in rows} == {("en", "web")}
    # one of them answers in Chinese: "the only Chinese answer in East" would name a person, so East's rows give
    # up the language - all of them, not just the rare one, which a lone blank would point at just the same
    _set_facts(app, east[:1], language="zh")
    rows = [row for row in _export_rows(client) if row["unit"] == "east"]
    assert len(rows) == 7 and {row["language"] for row in rows} == {""}
    assert {row["channel"] for row in rows} == {""}  # the channel goes first, before the language
    # five Chinese and two English answers: every language group of East still has to reach k = 5
    _set_facts(app, east[:5], language="zh")
    assert {row["language"] for row in _export_rows(client) if row["unit"] == "east"} == {""}
    _set_facts(app, east, language="zh")
    assert {row["language"] for row in _export_rows(client) if row["unit"] == "east"} == {"zh"}
    # one of them on another day of the same month: the day becomes the month for the whole unit
    with app.app_context():
        day = db.session.scalar(sa.select(Response.submitted_at).where(Response.submission_key == east[0]))
    other_day = day.replace(day=2 if day.day != 2 else 3)
    _set_facts(app, east[:1], submitted_at=other_day)
    rows = [row for row in _export_rows(client) if row["unit"] == "east"]
    assert {row["submitted_on"] for row in rows} == {day.strftime("%Y-%m")}
    assert {row["language"] for row in rows} == {""}  # language and channel went before the day did
    # and every combination of the facts a row shows is shared by at least k rows of its unit
    for unit in {row["unit"] for row in _export_rows(client)}:
        combos = Counter((row["submitted_on"], row["language"], row["channel"])
                         for row in _export_rows(client) if row["unit"] == unit)
        assert unit == "" or min(combos.values()) >= 5


#: the employee survey with an age band (a demographic question) and a staff number (an identifier)
EMPLOYEE_PROFILED = copy.deepcopy(EMPLOYEE)
EMPLOYEE_PROFILED["id"] = "staff_pulse_profiled"
EMPLOYEE_PROFILED["scales"]["age"] = {"kind": "single", "options": [
    {"value": band, "label": {"zh": band, "en": band}} for band in ("under-30", "30-49", "50-plus")]}
EMPLOYEE_PROFILED["pages"][1]["items"] += [
    {"code": "AGE", "text": {"zh": "您的年龄段？", "en": "Your age band?"}, "scale": "age", "role": "demographic",
     "required": False},
    {"code": "STAFF_NO", "text": {"zh": "工号", "en": "Staff number"}, "scale": "text", "role": "customer_id",
     "required": False},
]


def _profile(app, slug: str, ages: dict[str, list[str]]) -> None:
    """Give each unit's respondents (in order) these age bands and a staff number each."""
    with app.app_context():
        for unit, bands in ages.items():
            for i, band in enumerate(bands):
                response = db.session.scalar(sa.select(Response).filter_by(submission_key=f"{slug}-{unit}-{i}"))
                response.answers = {**response.answers, "AGE": band, "STAFF_NO": f"E{unit}{i:03d}"}
        db.session.commit()


def test_exports_never_single_out_a_rare_demographic_answer_or_carry_identifiers(app, staff, client, make_survey):
    slug = "staff-profiled"
    make_survey(slug=slug, definition=EMPLOYEE_PROFILED, anonymous=True)
    with app.app_context():
        import_units(db.session.scalar(sa.select(Survey).filter_by(slug=slug)), HIERARCHY)
        db.session.commit()
    add_answers(app, slug, {"north": [9] * 6, "east": [9] * 7})

    def east_rows() -> list[dict[str, str]]:
        reply = client.get(f"/admin/surveys/{slug}/export.csv")
        return [row for row in csv.DictReader(io.StringIO(reply.data.decode("utf-8-sig"))) if row["unit"] == "east"]

    # the one person over 50 in East: East's age answers go, all of them; nothing else had to
    _profile(app, slug, {"north": ["30-49"] * 6, "east": ["30-49"] * 6 + ["50-plus"]})
    rows = east_rows()
    assert len(rows) == 7 and {row["AGE"] for row in rows} == {""}
    assert {(row["language"], row["channel"]) for row in rows} == {("en", "web")}
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["submitted_on"]) for row in rows)
    # two of them are still fewer than k = 5
    _profile(app, slug, {"east": ["30-49"] * 5 + ["50-plus"] * 2})
    assert {row["AGE"] for row in east_rows()} == {""}
    # everybody in one band: the band is no secret and stays
    _profile(app, slug, {"east": ["30-49"] * 7})
    assert {row["AGE"] for row in east_rows()} == {"30-49"}
    # the age band is kept, but a language only two people used would split it: the language goes
    _set_facts(app, [f"{slug}-east-0", f"{slug}-east-1"], language="zh")
    rows = east_rows()
    assert {row["AGE"] for row in rows} == {"30-49"} and {row["language"] for row in rows} == {""}
    reply = client.get(f"/admin/surveys/{slug}/export.csv")
    everyone = list(csv.DictReader(io.StringIO(reply.data.decode("utf-8-sig"))))
    # no staff number ever leaves an anonymous survey, whatever the group size
    assert len(everyone) == 13 and {row["STAFF_NO"] for row in everyone} == {""}
    for unit in {row["unit"] for row in everyone}:
        combos = Counter((row["submitted_on"], row["language"], row["channel"], row["AGE"])
                         for row in everyone if row["unit"] == unit)
        assert min(combos.values()) >= 5


def test_identified_exports_keep_demographic_answers_and_identifiers(app, staff, client, make_survey):
    slug = "staff-named"
    make_survey(slug=slug, definition=EMPLOYEE_PROFILED, anonymous=False)
    add_answers(app, slug, {"north": [9, 8]})
    _profile(app, slug, {"north": ["30-49", "50-plus"]})
    reply = client.get(f"/admin/surveys/{slug}/export.csv")
    rows = list(csv.DictReader(io.StringIO(reply.data.decode("utf-8-sig"))))
    assert sorted((row["AGE"], row["STAFF_NO"]) for row in rows) == [("30-49", "Enorth000"), ("50-plus", "Enorth001")]


def test_small_department_report_is_refused(staff, client):
    assert "fewer than 5 responses" in report_refusal(client, "south")


def test_parent_minus_child_cannot_reveal_the_small_department(staff, client):
    # north-region (8) minus north (6) would be the 2 people of south: north's report is refused instead
    assert report_refusal(client, "north-region") is None
    refusal = report_refusal(client, "north")
    assert refusal is not None and "subtracted" in refusal


def test_whole_survey_minus_top_level_units_reveals_nobody(app, staff, client):
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        hidden = hidden_units(survey)
    assert set(hidden) == {"north", "south"}
    # whole (15) - east (7) = north-region (8): both big enough, so east's report is made
    assert report_refusal(client, "east") is None


def test_three_way_a_lone_answer_for_the_region_itself_is_not_left_over_by_region_minus_both_children(
        app, make_survey, client, staff):
    make_survey(slug="staff-3way", definition=EMPLOYEE, anonymous=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="staff-3way"))
        import_units(survey, HIERARCHY)
        db.session.commit()
    add_answers(app, "staff-3way", {"north": [9] * 6, "south": [8] * 6, "east": [9] * 5})
    add_answers(app, "staff-3way", {"lone": [1]})  # then assigned to the region itself (a regional manager)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="staff-3way"))
        region = next(u for u in survey.units if u.code == "north-region")
        lone = db.session.scalar(sa.select(Response).filter_by(survey_id=survey.id, submission_key="staff-3way-lone-0"))
        lone.unit_id = region.id
        db.session.commit()
    # region (13) - north (6) - south (6) = the lone answer: one of the two departments is refused
    assert report_refusal(client, "north-region", slug="staff-3way") is None
    refused = [unit for unit in ("north", "south") if report_refusal(client, unit, slug="staff-3way")]
    assert len(refused) == 1
    # and at the top: whole (18) - region (13) = east (5) is fine, so east is reported
    assert report_refusal(client, "east", slug="staff-3way") is None


def test_extra_filter_parameters_cannot_narrow_a_report_or_the_dashboard(staff, client):
    for query in ("unit=south&by=NPS", "unit=north&unit=south", "unit=north&filter=BRANCH:south"):
        reply = client.get(f"/admin/surveys/{SLUG}/report.html?{query}&lang=en")
        assert reply.status_code == 302, query
    plain = client.get(f"/admin/surveys/{SLUG}/dashboard.json").get_json()
    filtered = client.get(f"/admin/surveys/{SLUG}/dashboard.json?unit=south&BRANCH=south").get_json()
    assert plain == filtered


def test_dashboard_hides_the_small_department_and_its_complement(staff, client):
    data = client.get(f"/admin/surveys/{SLUG}/dashboard.json").get_json()
    by_unit = {u["unit"]: u for u in data["units"]}
    assert by_unit["south"]["responses"] is None and by_unit["south"]["suppressed"]
    # with south alone hidden, total - north - east = south: north is hidden as well
    assert by_unit["north"]["responses"] is None and by_unit["north"]["suppressed"]
    assert by_unit["east"]["responses"] == 7 and data["responses"] == 15
    shown = sum(u["responses"] or 0 for u in data["units"])
    assert data["responses"] - shown == 8  # the hidden remainder is at least k


def test_api_results_suppress_the_same_way(staff, client):
    body = client.get(f"/api/v1/surveys/{SLUG}/results", headers={"Authorization": f"Bearer {staff}"}).get_json()
    rows = {row["code"]: row for row in body["units"]}
    assert rows["south"]["n"] is None and rows["north"]["n"] is None
    assert rows["east"]["n"] == 7 and body["n"] == 15
    assert all(not item["suppressed"] for item in body["items"] if item["code"] == "SAT")


def test_exports_carry_no_ids_no_times_finer_than_a_day_and_no_small_units(app, staff, client):
    reply = client.get(f"/admin/surveys/{SLUG}/export.csv")
    rows = list(csv.DictReader(io.StringIO(reply.data.decode("utf-8-sig"))))
    assert len(rows) == 15
    assert not {"response_id", "invitation_ref", "submitted_at", "id"} & set(rows[0])
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["submitted_on"]) for row in rows)
    # the two south answers (SAT 1 and 2) are in the file, but nothing ties them to south - or to north,
    # whose label would give south away by subtraction from the region
    low = [row for row in rows if row["SAT"] in ("1", "2")]
    assert len(low) == 2 and all(row["unit"] == "" and row["BRANCH"] == "" for row in low)
    assert {row["unit"] for row in rows} == {"", "east"}
    assert sum(row["unit"] == "east" for row in rows) == 7

    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/admin/surveys/{SLUG}/export.xlsx").data)).active
    header = [cell.value for cell in sheet[1]]
    units = {row[header.index("unit")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert units <= {None, "", "east"} and "submitted_at" not in header

    path = app.instance_path + "/attack.sav"
    with open(path, "wb") as handle:
        handle.write(client.get(f"/admin/surveys/{SLUG}/export.sav").data)
    frame, _ = pyreadstat.read_sav(path)
    assert set(frame["unit"]) == {"", "east"} and "submitted_at" not in frame.columns


def test_export_order_is_shuffled_so_it_cannot_be_matched_to_the_order_of_answering(staff, client):
    orders = set()
    for _ in range(4):
        rows = list(csv.DictReader(io.StringIO(client.get(f"/admin/surveys/{SLUG}/export.csv").data
                                               .decode("utf-8-sig"))))
        orders.add(tuple(row["COMMENT"] for row in rows))
    # 15! orders: four identical draws would mean no shuffling (chance about 1e-36)
    assert len(orders) > 1


def test_nothing_stored_can_link_an_invitation_to_its_answers(app, make_survey, client):
    make_survey(slug="invited-staff", definition=EMPLOYEE, anonymous=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="invited-staff"))
        survey.created_at = datetime(2020, 1, 6, 9, 30, tzinfo=UTC)  # long before anybody answers
        [(invitation, token)] = create_invitations(survey, ["anna@example.com"], unit_code="east")
        db.session.commit()
        invitation_id = invitation.id
    page = client.get(f"/s/invited-staff/{token}?lang=en")
    assert page.status_code == 200
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="invited-staff"))
        invitation = db.session.get(Invitation, invitation_id)
        connection = db.session.connection()
        response, _ = start_response(survey, submission_key="anna", language="en", invitation=invitation)
        submit(connection, response, survey, invitation)
        write_response(connection, response)
        db.session.commit()
        stored = db.session.scalar(sa.select(Response).filter_by(survey_id=survey.id))
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation.external_ref is None and stored.invitation_id is None
        # the response's day is today; the invitation says only "used", with the survey's creation date
        assert invitation.used_at is not None
        used = invitation.used_at if invitation.used_at.tzinfo else invitation.used_at.replace(tzinfo=UTC)
        assert used.date().isoformat() == "2020-01-06"
        submitted = stored.submitted_at
        assert (submitted.hour, submitted.minute, submitted.second, submitted.microsecond) == (0, 0, 0, 0)
        assert (stored.started_at.hour, stored.started_at.minute) == (0, 0)
    # the used link cannot be used again
    assert client.get(f"/s/invited-staff/{token}").status_code == 409


def test_next_wave_stays_anonymous_and_a_department_small_in_wave_two_is_refused(app, staff, client):
    reply = client.post(f"/admin/surveys/{SLUG}/next-wave", data={"slug": "staff-2027"})
    assert reply.status_code == 302
    with app.app_context():
        wave2 = db.session.scalar(sa.select(Survey).filter_by(slug="staff-2027"))
        first = db.session.scalar(sa.select(Survey).filter_by(slug=SLUG))
        assert wave2.anonymous and wave2.min_group_size == first.min_group_size and wave2.wave == 2
        parents = {u.code: u.parent_id for u in wave2.units}
        assert parents["north"] is not None and parents["east"] is None
    # in wave 2 east shrank to 3 (4 people left): big enough in wave 1 is no excuse
    add_answers(app, "staff-2027", {"north": [8] * 6, "south": [7] * 6, "east": [5, 6, 7]})
    assert "fewer than 5" in report_refusal(client, "east", slug="staff-2027")
    # north-region (12) is then hidden so that whole - north-region cannot give east's 3; north + south would
    # add up to north-region again, so they are refused too
    assert "subtracted" in report_refusal(client, "north", slug="staff-2027")
    dashboard = client.get("/admin/surveys/staff-2027/dashboard.json").get_json()
    assert {u["unit"]: u["responses"] for u in dashboard["units"]}["east"] is None


def test_a_later_wave_report_does_not_carry_a_unit_figure_that_was_too_small_in_an_earlier_wave(app, staff, client):
    from survey_app.services.analysis import analyze_survey

    assert client.post(f"/admin/surveys/{SLUG}/next-wave", data={"slug": "staff-2027"}).status_code == 302
    add_answers(app, "staff-2027", {"north": [8] * 6, "south": [7, 8, 7, 8, 7, 8], "east": [6] * 6})
    with app.app_context():
        wave2 = db.session.scalar(sa.select(Survey).filter_by(slug="staff-2027"))
        result = analyze_survey(wave2, unit="south")
        whole = analyze_survey(wave2)
    # south had 2 people in wave 1: its wave-1 figures must not appear as a trend in wave 2's south report
    trends = result.get("trends") or {}
    assert all(n >= 5 for n in (trends.get("n") or {}).values()), trends.get("n")
    assert 1 not in [int(w) for w in (trends.get("waves") or [])]
    # the whole survey had 15 in wave 1: its trend is kept
    assert whole["trends"]["n"] and min(whole["trends"]["n"].values()) >= 5 and len(whole["trends"]["waves"]) == 2


def test_the_heatmap_in_the_whole_report_does_not_show_a_department_a_unit_report_would_subtract(app, make_survey):
    """region-b (14) is reported; were Operations (12) a heatmap cell, region-b minus it would be Finance's 2."""
    from pathlib import Path

    import yaml

    from survey_app.models import Unit
    from survey_app.services.analysis import analyze_survey
    from survey_app.services.synthetic import add_synthetic_responses

    definition = yaml.safe_load((Path(__file__).parents[2] / "instruments" / "employee_satisfaction.yaml")
                                .read_text(encoding="utf-8"))
    make_survey(slug="staff-heat", definition=definition, anonymous=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="staff-heat"))
        import_units(survey, b"unit,parent,kind\nregion-a,,region\nregion-b,,region\nsales,region-a,department\n"
                             b"service,region-a,department\noperations,region-b,department\n"
                             b"finance,region-b,department\n")
        add_synthetic_responses(survey, 38, seed=3)
        ids = dict(db.session.execute(sa.select(Unit.code, Unit.id).filter_by(survey_id=survey.id)).all())
        responses = db.session.scalars(sa.select(Response).filter_by(survey_id=survey.id).order_by(Response.id)).all()
        plan = ["sales"] * 12 + ["service"] * 12 + ["operations"] * 12 + ["finance"] * 2
        for response, code in zip(responses, plan, strict=True):
            response.unit_id = ids[code]
            response.answers = {**response.answers, "UNIT": code}
        db.session.commit()
        assert set(hidden_units(survey)) == {"operations", "finance"}
        result = analyze_survey(survey)
    cells = result["heatmap"]["cells"]
    shown = {cell["group"] for cell in cells if cell["shown"]}
    # the units took their names from the question's options, in the survey's first language
    assert shown and shown <= {"销售", "客户服务"}, shown
    assert all(cell["mean"] is None for cell in cells if cell["group"] in ("运营", "财务"))
    assert not {"运营", "财务"} & set(result["groups"]["suppression"]["shown"])
