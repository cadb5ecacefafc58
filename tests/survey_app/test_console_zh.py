"""The console speaks one language: in Chinese, no page and no refusal shows English words (beyond the
abbreviations in ``ALLOWED`` and the user's own data), and in English none shows Chinese.

Each test walks the console as a manager would - the survey list, the new-survey form, an identified customer
survey and an anonymous employee survey with their dashboards, accounts, the password form, report-job pages - and
sets off the common refusals on the way: bad uploads, a link name taken, a report refused.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from survey_app.admin.messages import READ_BACK, explain
from survey_app.extensions import db
from survey_app.messages import TranslatableError
from survey_app.models import ReportJob, Response, Survey, Unit
from survey_app.services import report_jobs
from survey_app.services.disclosure import open_gate
from survey_app.services.mail.account_mail import last_console_message
from survey_app.services.surveys import instrument_of
from survey_app.services.units import KIND_ALIASES, UNIT_KINDS, import_units
from survey_app.services.uploads import COLUMNS
from survey_app.services.users import create_user
from tests.conftest import csrf_token

APP = Path(__file__).resolve().parents[2] / "survey_app"
PASSWORD = "correct horse battery"

#: Latin-script words a Chinese page may show: abbreviations Chinese managers use as they are, names of file
#: formats and encodings (Excel's "CSV UTF-8" save option), the time zone of the date fields, and the product name
ALLOWED = frozenset({
    "NPS", "eNPS", "CSI", "PLS", "SERVQUAL",  # figures and methods by their own names (净推荐值（NPS）...)
    "CSV", "Excel", "SPSS", "PDF", "HTML", "API", "UTF", "GBK", "PNG", "SVG",  # file formats and encodings
    "YAML", "JSON", "LimeSurvey", "SurveyJS", "lss",  # the questionnaire files the editor reads and writes
    "UTC",  # the time zone of the opening and closing times
    "Webhook",  # the integration's own name, as WeCom and DingTalk write it in their Chinese consoles
    "Manyi",  # the product (满意 Manyi)
})
#: Chinese an English page may show: the product's name beside its Latin spelling
ALLOWED_CHINESE = frozenset({"满意"})
#: a Latin-script word (a code such as customer_satisfaction reads as two)
LATIN_WORD = re.compile(r"[A-Za-z]+")
CHINESE = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+")
URL = re.compile(r"https?://\S+")
#: attributes whose values people see or hear (tooltips, screen readers), or that the page's scripts show
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-hidden-prefix", "data-done-text",
                    "data-working-text")

#: the refusal of a unit of an unknown kind, which the issue saw in English on the Chinese console
UNKNOWN_KIND_ZH = "第 3 行：类型“shop”无效，应为以下之一：单元、部门、门店、网点、地区、团队、事业部、公司。"
#: the organisation the walk uploads, with a file saved in Chinese (column names and kinds in Chinese)
UNITS_CSV = "单元,上级单元,类型,名称\nhq,,公司,总部\nnorth,hq,区域,北区\nsouth,north,门店,南区门店\n"
UPLOADED_NAMES = ("总部", "北区", "南区门店")
#: the user's own data the walk creates: slugs, emails, unit codes and names, file names, what was typed
USER_DATA = (
    "demo-customer", "demo-employee", "fresh-survey", "admin@example.com", "hr@example.com", "new@example.com",
    "nobody@example.com", "not-an-email", "colleague@example.com", "units.csv", "people.csv", "hq", "north", "south",
    "tiny", "Tiny", "shop", "atlantis", "NOPE", "Bad Slug", "accounts",
)


class VisibleText(HTMLParser):
    """The text a page shows: no scripts or styles, no attribute values but those in SHOWN_ATTRIBUTES, not the
    language switch (each language is named in itself there: 中文, English), nor data marked with its own
    ``lang`` or with ``translate="no"``."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                      "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            self.skipping += tag not in self.VOID
            return
        values = dict(attrs)
        # an element marked as being in a language of its own (a unit's English name beside its Chinese one), or as
        # never to be translated (a unit's code), is the user's data
        if tag in ("script", "style") or (tag == "nav" and "lang-switch" in (values.get("class") or "")) \
                or (tag != "html" and values.get("lang")) or values.get("translate") == "no":
            self.skipping = 1
            return
        self.parts += [values[name] or "" for name in SHOWN_ATTRIBUTES if name in values]
        if values.get("data-reasons"):
            self.parts += json.loads(values["data-reasons"]).values()

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag not in self.VOID:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def without_user_data(text: str, data: Iterable[str] = ()) -> str:
    text = URL.sub(" ", text)
    for value in sorted({*USER_DATA, *data}, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


def foreign_words(text: str, lang: str, data: Iterable[str] = ()) -> list[str]:
    """Words of the other language in ``text`` (the user's own data and the allowed words aside)."""
    text = without_user_data(text, data)
    if lang == "zh":
        return [word for word in LATIN_WORD.findall(text) if word not in ALLOWED]
    return [word for word in CHINESE.findall(text) if word not in ALLOWED_CHINESE]


def check(pages: list[tuple[str, str]], lang: str, data: Iterable[str] = ()) -> None:
    data = list(data)
    problems = []
    for name, html in pages:
        text = visible_text(html)
        words = foreign_words(text, lang, data)
        if words:
            problems.append(f"{name}: {sorted(set(words))} in {text!r}")
    assert not problems, "\n".join(problems)


# -- the walk ------------------------------------------------------------------------------------------------------

@pytest.fixture
def console(app: Flask, runner, tmp_path: Path) -> Flask:
    """The two demo surveys (an identified customer survey and an anonymous employee survey, 40 responses each), an
    admin and an HR account; the console's messages go to an outbox of the test's."""
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"))
    with app.app_context():
        create_user("admin@example.com", PASSWORD, role="admin")
        create_user("hr@example.com", PASSWORD, role="hr")
        db.session.commit()
    result = runner.invoke(args=["demo", "--responses", "40"])
    assert result.exit_code == 0, result.output
    return app


def upload(client: FlaskClient, slug: str, kind: str, data: bytes, filename: str, token: str):
    return client.post(f"/admin/surveys/{slug}/{kind}", data={"csrf_token": token, "file": (io.BytesIO(data),
                       filename)}, content_type="multipart/form-data", follow_redirects=True)


def refused(reply, *, field: bool = False) -> str:
    """The page of a refusal, after checking it says one (a flash message, or an error under a field)."""
    assert reply.status_code == 200
    assert ('class="error"' if field else "flash-error") in reply.text, reply.text
    return reply.text


def walk(app: Flask, client: FlaskClient, lang: str) -> Iterator[tuple[str, str]]:
    """Every console page, and the common refusals, in ``lang``: (what, html) pairs."""
    login = client.get(f"/admin/login?lang={lang}")
    yield "sign-in page", login.text
    wrong = client.post("/admin/login", data={"csrf_token": csrf_token(login.text), "email": "admin@example.com",
                                              "password": "wrong password"})
    yield "wrong password", refused(wrong)
    client.post("/admin/login", data={"csrf_token": csrf_token(login.text), "email": "admin@example.com",
                                      "password": PASSWORD})
    listing = client.get("/admin/")
    token = csrf_token(listing.text)
    yield "survey list", listing.text

    form = client.get("/admin/surveys/new")
    yield "new survey form", form.text
    new = {"csrf_token": token, "instruments": ["customer_satisfaction"], "languages": ["zh", "en"]}
    yield "link name taken", refused(client.post("/admin/surveys/new", data={**new, "slug": "demo-customer"}),
                                     field=True)
    yield "link name reserved", refused(client.post("/admin/surveys/new", data={**new, "slug": "accounts"}),
                                        field=True)
    yield "link name malformed", refused(client.post("/admin/surveys/new", data={**new, "slug": "Bad Slug"}),
                                         field=True)
    yield "nothing chosen", refused(client.post("/admin/surveys/new", data={"csrf_token": token}), field=True)
    yield "modules that ask the same item", refused(client.post("/admin/surveys/new", data={
        **new, "slug": "fresh-survey", "instruments": ["customer_satisfaction", "employee_satisfaction"]}), field=True)
    yield "unknown item left out", refused(client.post("/admin/surveys/new", data={
        **new, "slug": "fresh-survey", "leave_out": "NOPE"}), field=True)
    made = client.post("/admin/surveys/new", data={**new, "slug": "fresh-survey"})
    assert made.status_code == 302
    yield from walk_editor(client, token)

    # an identified customer survey without answers yet: units and invitations
    imported = upload(client, "fresh-survey", "units", UNITS_CSV.encode(), "units.csv", token)
    assert "flash-success" in imported.text
    yield "units imported", imported.text
    yield "unit of an unknown kind", refused(upload(client, "fresh-survey", "units",
                                                    b"unit,kind\nnorth,region\nsouth,shop\n", "units.csv", token))
    yield "units without their column", refused(upload(client, "fresh-survey", "units", b"code,name\nx,y\n",
                                                       "units.csv", token))
    yield "unit without its parent", refused(upload(client, "fresh-survey", "units", b"unit,parent\nsouth,atlantis\n",
                                                    "units.csv", token))
    yield "not a text file", refused(upload(client, "fresh-survey", "units", b"\x89PNG\r\n\x1a\n\x00\x00" * 8,
                                            "units.csv", token))
    yield "invitation to an unknown unit", refused(upload(client, "fresh-survey", "invitations",
                                                          b"ref,unit\nnew@example.com,atlantis\n", "people.csv",
                                                          token))
    yield "invitations without their column", refused(upload(client, "fresh-survey", "invitations",
                                                             b"email\nnew@example.com\n", "people.csv", token))
    yield "no report yet", refused(client.get("/admin/surveys/fresh-survey/report.html", follow_redirects=True))
    yield "a survey without answers", client.get("/admin/surveys/fresh-survey").text

    # the identified customer survey with answers
    yield "units frozen", refused(upload(client, "demo-customer", "units", b"unit\nnorth\n", "units.csv", token))
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="demo-customer"))
        db.session.add(Unit(survey_id=survey.id, code="tiny", name="Tiny", kind="store"))
        db.session.commit()
    yield "empty unit report refused", refused(client.get("/admin/surveys/demo-customer/report.html?unit=tiny",
                                                          follow_redirects=True))
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="demo-customer"))
        small = next(code for code, why in open_gate(survey).hidden_units().items() if why == "small")
    yield "small unit report refused", refused(client.get(f"/admin/surveys/demo-customer/report.html?unit={small}",
                                                          follow_redirects=True))
    yield "next wave link name taken", refused(client.post("/admin/surveys/demo-customer/next-wave", data={
        "csrf_token": token, "slug": "fresh-survey"}, follow_redirects=True))
    yield "share with nobody", refused(client.post("/admin/surveys/demo-customer/share", data={
        "csrf_token": token, "email": "nobody@example.com"}, follow_redirects=True))
    shared = client.post("/admin/surveys/demo-customer/share", data={"csrf_token": token, "email": "hr@example.com"},
                         follow_redirects=True)
    yield "shared", shared.text
    closed = client.post("/admin/surveys/demo-customer/status/close", data={"csrf_token": token},
                         follow_redirects=True)
    yield "customer survey, closed", closed.text

    # the anonymous employee survey
    yield "employee survey", client.get("/admin/surveys/demo-employee").text
    yield "customer comments", client.get("/admin/surveys/demo-customer/comments").text
    yield "employee comments, redacted in groups", client.get("/admin/surveys/demo-employee/comments").text
    yield "no reminders for an anonymous survey", refused(client.get("/admin/surveys/demo-employee/reminders.csv",
                                                                     follow_redirects=True))

    # reports made in the background: waiting, refused, the worker gone
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="demo-customer"))
        with pytest.raises(ValueError) as refusal:
            open_gate(survey).unit_report(small)
        jobs = [ReportJob(survey_id=survey.id, language=lang, unit=None, cache_key="waiting", state="queued",
                          progress=30),
                ReportJob(survey_id=survey.id, language=lang, unit=small, cache_key="refused", state="failed",
                          progress=10, error=str(refusal.value)),
                ReportJob(survey_id=survey.id, language=lang, unit=None, cache_key="gone", state="failed",
                          progress=40, error=report_jobs.WORKER_GONE)]
        db.session.add_all(jobs)
        db.session.commit()
        ids = [job.id for job in jobs]
    for job_id in ids:
        yield f"report job {job_id}", client.get(f"/admin/surveys/demo-customer/report-jobs/{job_id}").text
        status = client.get(f"/admin/surveys/demo-customer/report-jobs/{job_id}.json").get_json()
        yield f"report job {job_id} status", f"<p>{status['error'] or ''}</p>"

    # accounts and the password
    accounts = client.get("/admin/accounts")
    yield "accounts", accounts.text
    created = client.post("/admin/accounts", data={"csrf_token": token, "email": "new@example.com", "role": "hr"})
    yield "account created", created.text
    yield "account exists", refused(client.post("/admin/accounts", data={
        "csrf_token": token, "email": "new@example.com", "role": "hr"}), field=True)
    yield "not an email", refused(client.post("/admin/accounts", data={
        "csrf_token": token, "email": "not-an-email", "role": "hr"}), field=True)
    yield from walk_account_links(app, client, lang, token)
    yield "password form", client.get("/admin/password").text
    yield "current password wrong", refused(client.post("/admin/password", data={
        "csrf_token": token, "current": "wrong password", "new": "a new long password",
        "repeat": "a new long password"}), field=True)
    yield "new password too short", refused(client.post("/admin/password", data={
        "csrf_token": token, "current": PASSWORD, "new": "short", "repeat": "short"}), field=True)
    yield "new passwords differ", refused(client.post("/admin/password", data={
        "csrf_token": token, "current": PASSWORD, "new": "a new long password", "repeat": "another long one"}),
        field=True)
    yield "survey list at the end", client.get("/admin/").text


def walk_account_links(app: Flask, client: FlaskClient, lang: str, token: str) -> Iterator[tuple[str, str]]:
    """A colleague invited by email, and a forgotten password: the pages of the links the messages carry."""
    from tests.survey_app.test_account_links import LINK, wait_for_mail

    def link_to(address: str) -> str:
        wait_for_mail()
        message = last_console_message(Path(app.config["MAIL_OUTBOX"]), to=address)
        return LINK.search(message.get_body(("plain",)).get_content()).group(1)

    invite = {"csrf_token": token, "invite-role": "hr", "invite-language": lang}
    invited = client.post("/admin/accounts/invitations", data={**invite, "invite-email": "colleague@example.com"},
                          follow_redirects=True)
    assert "flash-success" in invited.text, invited.text
    yield "colleague invited", invited.text
    yield "invitation to an address with an account", refused(client.post("/admin/accounts/invitations", data={
        **invite, "invite-email": "hr@example.com"}), field=True)
    colleague = app.test_client()
    invitation = colleague.get(link_to("colleague@example.com"))
    yield "invitation form", invitation.text
    yield "invitation passwords differ", refused(colleague.post(link_to("colleague@example.com"), data={
        "csrf_token": csrf_token(invitation.text), "new": "a new long password", "repeat": "another long one"}),
        field=True)
    yield "invitation link not valid", colleague.get("/admin/invitation/nope").text

    visitor = app.test_client()
    forgot = visitor.get(f"/admin/forgot-password?lang={lang}")
    yield "forgotten password form", forgot.text
    yield "forgotten password, not an email", refused(visitor.post("/admin/forgot-password", data={
        "csrf_token": csrf_token(forgot.text), "email": "not-an-email"}), field=True)
    yield "reset link asked", visitor.post("/admin/forgot-password", data={
        "csrf_token": csrf_token(forgot.text), "email": "hr@example.com"}, follow_redirects=True).text
    reset = visitor.get(link_to("hr@example.com"))
    yield "reset form", reset.text
    yield "reset password too short", refused(visitor.post(link_to("hr@example.com"), data={
        "csrf_token": csrf_token(reset.text), "new": "short", "repeat": "short"}), field=True)
    yield "reset link not valid", visitor.get("/admin/reset-password/nope").text


def _field_refused(reply) -> str:
    """The form shown again with a problem beside a field."""
    assert reply.status_code == 422 and 'class="error"' in reply.text, reply.text
    return reply.text


def walk_editor(client: FlaskClient, token: str) -> Iterator[tuple[str, str]]:
    """The questionnaire editor of the fresh draft (the customer module): its screens and the common refusals."""
    url = "/admin/surveys/fresh-survey/questionnaire"

    def post(path: str, fields: dict, *, read: str | None = None):
        page = client.get(read or f"{url}/{path}")
        revision = re.search(r'name="revision" value="(\d+)"', page.text)[1]
        return client.post(f"{url}/{path}", data={"csrf_token": token, "revision": revision, **fields})

    yield "questionnaire editor", client.get(url).text
    yield "question form", client.get(f"{url}/questions/IMAG1").text
    yield "new single choice", client.get(f"{url}/new?kind=single&page=about").text
    yield "new Kano pair on a new page", client.get(f"{url}/new?kind=kano&page=").text
    yield "page form", client.get(f"{url}/pages/quality").text
    yield "condition form", client.get(f"{url}/questions/IMAG2/condition").text
    yield "condition row shown", post("questions/IMAG2/condition", {"action": "refresh", "c_rows": "1",
                                                                     "c_0_item": "STAGE"}).text
    yield "condition test not fitting", _field_refused(post("questions/IMAG2/condition", {
        "action": "save", "c_rows": "1", "c_0_item": "IMAG1", "c_0_op": "contains", "c_0_values": "1"}))
    yield "condition value outside the scale", _field_refused(post("questions/IMAG2/condition", {
        "action": "save", "c_rows": "1", "c_0_item": "IMAG1", "c_0_op": "ge", "c_0_number": "12"}))
    saved = post("questions/IMAG2/condition", {"action": "save", "c_rows": "2", "c_join": "any", "c_0_item": "IMAG1",
                                               "c_0_op": "ge", "c_0_number": "7", "c_1_item": "STAGE",
                                               "c_1_op": "unanswered", "c_1_not": "y"})
    assert saved.status_code == 302
    moved = post("questions/IMAG2/up", {}, read=url)
    yield "move that breaks a condition", refused(client.get(moved.headers["Location"]))
    yield "page condition form", client.get(f"{url}/pages/quality/condition").text
    yield "skip rules form", post("pages/about/skips", {"action": "refresh", "rules": "1", "r0_rows": "1",
                                                        "r0_0_item": "IMAG1"}).text
    yield "skip without a target", _field_refused(post("pages/about/skips", {
        "action": "save", "rules": "1", "r0_rows": "1", "r0_0_item": "IMAG1", "r0_0_op": "ge", "r0_0_number": "9",
        "r0_to": ""}))
    yield "new matrix form", client.get(f"{url}/pages/about/matrix").text
    yield "matrix rows apart", _field_refused(post("pages/about/matrix", {"rows": ["IMAG3", "IMAG5"],
                                                                          "text_zh": "形象", "text_en": "Image"}))
    made = post("pages/about/matrix", {"rows": ["IMAG3", "IMAG4"], "text_zh": "形象", "text_en": "Image"})
    assert made.status_code == 302
    yield "matrix form", client.get(f"{url}/pages/about/matrices/M1").text
    yield "welcome form", client.get(f"{url}/welcome").text
    yield "welcome minutes not a number", _field_refused(post("welcome", {"welcome_zh": "欢迎", "welcome_en": "Hi",
                                                                          "minutes": "ten"}))
    yield "questionnaire editor at the end", client.get(url).text


def questionnaire_codes(app: Flask, slug: str = "fresh-survey") -> list[str]:
    """What the questionnaire itself holds and the editor shows as it is: codes of questions, pages, scales,
    constructs, matrices and attributes, its texts in both languages, and the placeholders a text may hold (the
    syntax a manager types into a text: ``{{answer:CODE}}``, ``{{unit}}``, ``{{attribute:team}}``)."""
    with app.app_context():
        instrument = instrument_of(db.session.scalar(sa.select(Survey).filter_by(slug=slug)))
    found = [*instrument.scales, *instrument.constructs, "{{unit}}", "{{attribute:team}}"]
    texts = [instrument.title, *(c.label for c in instrument.constructs.values())]
    for page in instrument.pages:
        found += [page.id, *page.matrices]
        texts += [page.title, page.intro, *(m.text for m in page.matrices.values())]
        for item in page.items:
            found += [item.code, "{{answer:" + item.code + "}}", item.attribute or ""]
            texts += [item.text, item.help]
    for scale in instrument.scales.values():
        texts += [*scale.anchors.values(), *(o.label for o in scale.options)]
        found += [str(o.value) for o in scale.options]
    return [value for value in found if value] + [t for text in texts if text for t in (text.zh, text.en)]


def written_comments(app: Flask) -> list[str]:
    """What the demo's respondents wrote (their data, in whichever language they wrote it): whole comments, and
    the words around a redaction token of an anonymous survey's comment."""
    with app.app_context():
        answers = db.session.scalars(sa.select(Response.answers)).all()
    texts = [value for document in answers for value in document.values() if isinstance(value, str)]
    return texts + [part.strip() for text in texts for part in re.split(r"\[[^\]]*\]", text) if part.strip()]


def generated_passwords(pages: list[tuple[str, str]]) -> list[str]:
    """The passwords the accounts page showed once (random letters: the user's data, not the interface's)."""
    return [match for _, html in pages for match in re.findall(r"(?:password|密码) ([\w-]{12,})", html)]


def test_the_chinese_console_shows_no_english(console, client) -> None:
    pages = list(walk(console, client, "zh"))
    check(pages, "zh", [*generated_passwords(pages), *questionnaire_codes(console), *written_comments(console)])
    text = {name: visible_text(html) for name, html in pages}
    # the messages the issue named, in Chinese
    assert UNKNOWN_KIND_ZH in text["unit of an unknown kind"]
    assert "链接名称为“demo-customer”的问卷已存在。" in text["link name taken"]
    assert "的回答少于 5 份；不为这么小的群体生成报告。" in text["small unit report refused"]
    assert "无法生成报告：没有数据：没有可分析的受访者。" in text["empty unit report refused"]  # the analysis's
    # statuses, the download links, and the figures named for the survey's population
    survey = text["customer survey, closed"]
    assert re.search(r"状态：\s*已结束", survey) and "回答数据（CSV 文件）" in survey and "回答数 (CSV)" not in survey
    assert "客户满意度指数（CSI）" in survey and "净推荐值（NPS）" in survey
    staff = text["employee survey"]
    assert "总体满意度指数" in staff and "员工净推荐值（eNPS）" in staff
    assert "CSI" not in staff and "（NPS）" not in staff


def test_the_english_console_shows_no_chinese(console, client) -> None:
    pages = list(walk(console, client, "en"))
    check(pages, "en", [*generated_passwords(pages), *UPLOADED_NAMES, *questionnaire_codes(console),
                        *written_comments(console)])
    text = {name: visible_text(html) for name, html in pages}
    assert "line 3: kind 'shop' is not one of unit, department, store, branch, region, team, division, company" \
        in text["unit of an unknown kind"]
    assert "Overall satisfaction index" in text["employee survey"] and "eNPS" in text["employee survey"]
    assert "Responses as a CSV file" in text["customer survey, closed"]


# -- the parts ------------------------------------------------------------------------------------------------------

def test_every_console_string_has_a_chinese_translation_lazy_ones_too() -> None:
    """test_translations reads ``_()`` and ``N_()``; the forms' and the console's lazy ``_l()`` strings too here."""
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = {message if isinstance(message, str) else message[0]: filename for filename, _, message, _, _ in
             extract_from_dir(str(APP), [("**.py", "python"), ("**/templates/**.html", "jinja2")], keywords=keywords)}
    with (APP / "translations/zh/LC_MESSAGES/messages.po").open("rb") as po_file:
        catalog = read_po(po_file)
    assert "Manager / analyst" in found and "Customer satisfaction index (CSI)" in found
    assert all(key in found for key in READ_BACK)
    missing = [f"{filename}: {msgid!r}" for msgid, filename in sorted(found.items())
               if msgid and not (catalog.get(msgid) and catalog.get(msgid).string)]
    assert not missing, "no zh translation in messages.po for:\n" + "\n".join(missing)


def test_the_chinese_names_the_console_gives_columns_and_kinds_are_accepted_in_files() -> None:
    with (APP / "translations/zh/LC_MESSAGES/messages.po").open("rb") as po_file:
        catalog = read_po(po_file)
    for column, aliases in COLUMNS.items():
        assert catalog.get(column).string == aliases[0], column
    for kind in UNIT_KINDS:
        assert KIND_ALIASES[catalog.get(kind).string] == kind


def test_refusals_stay_english_for_the_command_line_the_logs_and_the_api(app, make_survey) -> None:
    make_survey(slug="plain")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="plain"))
        with pytest.raises(TranslatableError) as refusal:
            import_units(survey, b"unit,kind\nnorth,region\nsouth,shop\n")
    assert str(refusal.value) == ("line 3: kind 'shop' is not one of unit, department, store, branch, region, team, "
                                  "division, company")
    with app.test_request_context("/admin/?lang=zh"):
        assert explain(refusal.value) == UNKNOWN_KIND_ZH
    with app.test_request_context("/admin/?lang=en"):
        assert explain(refusal.value) == str(refusal.value)


def test_english_refusals_from_elsewhere_are_read_back_in_chinese(app) -> None:
    """The analysis, the disclosure gate and the console sessions raise English text: its known shapes are
    translated, codes named by the survey's labels; anything else is shown in English, marked as such."""
    from analysis.data import _too_few_message

    too_few = _too_few_message(2, "pairwise", {"SAT": 3, "NPS": 1})  # the analysis's own wording
    with app.test_request_context("/admin/?lang=zh"):
        assert explain(too_few, {"SAT": "总体满意度"}) == ("只有 2 名受访者的回答可用于分析；分析至少需要 3 名。"
                                                          "缺失回答最多的题目：“总体满意度” (3), “NPS” (1)。")
        assert explain(ValueError("the current password is wrong")) == "当前密码不正确。"
        assert explain(ValueError("survey 'x' has fewer than 5 responses released so far; no report is made for so "
                                  "small a group")) == "问卷“x”目前公布的回答少于 5 份；不为这么小的群体生成报告。"
        assert explain(ValueError("Something nobody foresaw.")) == "（英文原文）Something nobody foresaw."
    with app.test_request_context("/admin/?lang=en"):
        assert explain(too_few) == too_few


@pytest.mark.parametrize("key", READ_BACK)
def test_every_shape_read_back_is_translated_whole(app, key: str) -> None:
    values = {name: "'v'" for name in re.findall(r"%\((\w+)\)s", key)}
    with app.test_request_context("/admin/?lang=zh"):
        translated = explain(key % values)
    assert translated != key % values and not foreign_words(translated.replace("“v”", ""), "zh"), translated
