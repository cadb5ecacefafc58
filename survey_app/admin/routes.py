"""Console views: short - validate, call a service, render or redirect."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import UTC
from functools import wraps
from typing import IO, TypeVar

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms.fields.choices import SelectChoice

from analysis.frames import ATTRIBUTE_PREFIX
from survey_app.admin import bp
from survey_app.admin.forms import (
    ROLE_LABELS,
    AccountForm,
    InviteForm,
    LoginForm,
    PasswordChangeForm,
    SurveyForm,
    UploadForm,
)
from survey_app.admin.messages import explain
from survey_app.admin.reach_panel import reach_panel
from survey_app.extensions import db
from survey_app.messages import Listing, Term
from survey_app.models import InstrumentRecord, ReportJob, Survey, User
from survey_app.respond.routes import PREVIEW_KEY, SESSION_KEY
from survey_app.services import audit, report_jobs
from survey_app.services.account_invitations import INVITATION_LIFETIME, pending_invitations
from survey_app.services.accounts import authenticate, may_manage, may_see, share_survey, visible_surveys_query
from survey_app.services.analysis import survey_report
from survey_app.services.breakdowns import attribute_names, check_breakdown
from survey_app.services.console_sessions import (
    SESSION_TOKEN,
    change_password,
    end_all_sessions,
    end_session,
    start_session,
)
from survey_app.services.dashboard import comment_themes, dashboard_data
from survey_app.services.deletion import owned_counts
from survey_app.services.editor import blank_questionnaire
from survey_app.services.exports import (
    FORMATS,
    MIME,
    attribute_column,
    csv_chunks,
    neutralise,
    write_sav,
    write_xlsx,
)
from survey_app.services.invitations import invitations_from_csv, personal_links, reminder_list
from survey_app.services.lifecycle import actions, check_writable, delete_draft, display_status
from survey_app.services.lifecycle import change_status as apply_action
from survey_app.services.mail.account_mail import outbox_folder_path
from survey_app.services.participation import DELETABLE, delete_responses, invited_count, invitees, partials
from survey_app.services.surveys import (
    LANGUAGE_NAMES,
    SLUG_PATTERN,
    check_slug,
    create_next_wave,
    create_survey,
    get_survey,
    instrument_of,
)
from survey_app.services.units import UNIT_KINDS, import_units, unit_names, unit_tree
from survey_app.services.users import create_user

#: a survey's status (models.survey.SURVEY_STATUSES, and "scheduled": services.lifecycle.display_status) as the
#: console says it
STATUS_LABELS = {"draft": _l("draft"), "open": _l("open"), "closed": _l("closed"), "archived": _l("archived"),
                 "scheduled": _l("scheduled")}
#: the lifecycle actions (services.lifecycle.TRANSITIONS) as the console's buttons say them
ACTION_LABELS = {"launch": _l("Launch"), "reopen": _l("Open again"), "close": _l("Close"), "archive": _l("Archive")}
#: an invitee's progress (services.participation.Invitee.status)
INVITEE_LABELS = {"invited": _l("invited"), "started": _l("started"), "completed": _l("completed")}
#: the responses the console deletes, by kind (services.participation.DELETABLE)
DELETE_LABELS = {"test": _l("Delete the test responses"), "partial": _l("Delete the partial responses")}
#: the downloads of the responses, by format (services.exports.FORMATS)
FORMAT_LABELS = {"csv": _l("Responses as a CSV file"), "xlsx": _l("Responses as an Excel workbook"),
                 "sav": _l("Responses as an SPSS data file")}
#: the dashboard's two figures, named as the survey's population knows them (the reports name them alike)
KPI_LABELS = {
    "customers": {"csi": _l("Customer satisfaction index (CSI)"), "nps": _l("Net Promoter Score (NPS)")},
    "employees": {"csi": _l("Overall satisfaction index"), "nps": _l("Employee Net Promoter Score (eNPS)")},
}
#: the dashboard's row of the responses without a unit (services.dashboard names it so)
NO_UNIT_ROW = "(none)"
#: the largest id a URL may name (the databases' integer keys): a larger one is 404, never an overflow
MAX_ID = 2**31 - 1
#: a model whose rows belong to a survey (``survey_id``)
T = TypeVar("T")
#: why the dashboard hides a unit (the reasons of analysis.confidentiality.HierarchyVerdict, and "own" for the
#: responses without a unit), in the console's language
HIDDEN_REASONS = {
    "small": _l("fewer than %(k)s responses"),
    "complementary": _l("it would let a smaller group be worked out by subtraction"),
    "inside": _l("a unit above it is hidden"),
    "pooled": _l("its few answers were released together with other small units', as one hidden group"),
    "not_released": _l("fewer than %(k)s of its answers have been released so far"),
    "own": _l("fewer than %(k)s responses, or it would let a smaller group be worked out by subtraction"),
}


def survey_view(view):
    """Load the survey named in the URL; 404 when it does not exist or the account may not see it."""

    @wraps(view)
    @login_required
    def wrapper(slug: str, *args, **kwargs):
        survey = get_survey(slug)
        if survey is None or not may_see(current_user, survey):
            abort(404)
        return view(survey, *args, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in; the same message for a wrong password, an unknown account and a locked one."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        db.session.commit()
        if user is not None:
            _sign_in(user)
            audit.record("account.signed_in", account=user)
            db.session.commit()
            return redirect(_next_page() or url_for("admin.surveys"))
        flash(_("Wrong email or password, or the account is locked for 15 minutes after 5 failed attempts."),
              "error")
    return render_template("admin/login.html", form=form)


def _next_page() -> str | None:
    """The console page the sign-in was asked for (a link in an alert email), when it is one of ours."""
    target = request.args.get("next") or ""
    if target.startswith("/admin/") and "\\" not in target and len(target) < 500 and target.isprintable():
        return target
    return None


def _sign_in(user: User) -> None:
    """A new session: nothing of the signed-out visitor's session (its CSRF secret included) carries over."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[SESSION_TOKEN] = start_session(user)
    login_user(user)


@bp.post("/logout")
@login_required
def logout():
    """Sign out (POST with CSRF token, so no link can sign anybody out); the session ends on the server too."""
    end_session(session.get(SESSION_TOKEN))
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("admin.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's password; every other session of the account ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.new.data)
        except ValueError as exc:
            db.session.rollback()
            form.current.errors = [*form.current.errors, explain(exc)]
        else:
            _sign_in(current_user._get_current_object())
            db.session.commit()
            flash(_("Password changed. Every other session of this account has ended."), "success")
            return redirect(url_for("admin.surveys"))
    return render_template("admin/password.html", form=form)


@bp.get("/")
@login_required
def surveys():
    """The surveys this account may see."""
    found = db.session.scalars(visible_surveys_query(current_user)).all()
    titles = _module_titles()
    rows = [_survey_row(s, titles) for s in found]
    return render_template("admin/surveys.html", surveys=[row for row in rows if row["status"] != "archived"],
                           archived=[row for row in rows if row["status"] == "archived"])


def _survey_row(survey: Survey, titles: dict[str, str] | None = None) -> dict:
    titles = _module_titles() if titles is None else titles
    status = display_status(survey)
    return {"slug": survey.slug, "title": survey.title_in(_lang()), "status": status,
            "status_label": str(STATUS_LABELS.get(status, status)), "anonymous": survey.anonymous,
            "modules": " + ".join(titles.get(key, key) for key in survey.instrument_key.split("+")),
            "wave": survey.wave}


def _module_titles() -> dict[str, str]:
    """The title of each questionnaire module (its newest version) in the console's language, by key."""
    lang = _lang()
    records = db.session.execute(sa.select(InstrumentRecord.key, InstrumentRecord.definition["title"])
                                 .order_by(InstrumentRecord.loaded_at, InstrumentRecord.id)).all()
    return {key: (title or {}).get(lang) or key for key, title in records}


def _lang() -> str:
    from flask_babel import get_locale

    return str(get_locale())


def _labels(survey: Survey) -> dict[str, str]:
    """What messages read back from English name by its code - the survey (its link name), its units, items and
    constructs - in the console's language."""
    instrument, lang = instrument_of(survey), _lang()
    labels = {survey.slug: survey.title_in(lang), **unit_names(survey, lang)}
    labels.update({name: construct.label.get(lang) for name, construct in instrument.constructs.items()})
    labels.update({item.code: item.text.get(lang) for item in instrument.items})
    return labels


@bp.route("/surveys/new", methods=["GET", "POST"])
@login_required
def new_survey():
    """Create a draft survey - blank, from questionnaire modules or copying an earlier survey's - and open it in
    the questionnaire editor."""
    if current_user.role not in ("admin", "manager", "hr"):
        abort(403)
    form = SurveyForm()
    titles = _module_titles()
    form.instruments.choices = [SelectChoice(key, titles[key]) for key in sorted(titles)]
    earlier = db.session.scalars(visible_surveys_query(current_user)).all()
    form.copy_from.choices = [SelectChoice("", _("(choose)"))] + [
        SelectChoice(s.slug, f"{s.title_in(_lang())} ({s.slug})") for s in earlier]
    if form.validate_on_submit():
        title = None
        if form.title_zh.data and form.title_en.data:
            title = {"zh": form.title_zh.data, "en": form.title_en.data}
        try:
            survey = _create_draft(form, title, {s.slug: s for s in earlier})
        except (ValueError, LookupError) as exc:
            db.session.rollback()
            form.slug.errors = [*form.slug.errors, explain(exc)]
        else:
            survey.created_by_id = current_user.id
            share_survey(survey, current_user)
            audit.record("survey.created", account=current_user, survey=survey, target=f"start:{form.start.data}")
            db.session.commit()
            return redirect(url_for("admin.questionnaire", slug=survey.slug))
    return render_template("admin/new_survey.html", form=form)


def _create_draft(form: SurveyForm, title: dict[str, str] | None, earlier: dict[str, Survey]) -> Survey:
    """The draft survey the new-survey form asks for."""
    options = {"slug": form.slug.data, "title": title, "anonymous": form.anonymous.data,
               "languages": form.languages.data,
               "opens_at": form.opens_at.data.replace(tzinfo=UTC) if form.opens_at.data else None,
               "closes_at": form.closes_at.data.replace(tzinfo=UTC) if form.closes_at.data else None}
    if form.start.data == "modules":
        return create_survey(instrument_keys=form.instruments.data, status="draft",
                             leave_out=[c.strip() for c in (form.leave_out.data or "").split(",") if c.strip()],
                             **options)
    if form.start.data == "copy":
        source = earlier.get(form.copy_from.data)
        if source is None:
            abort(404)
        instrument = instrument_of(source)
    else:
        check_slug(form.slug.data)
        instrument = blank_questionnaire(form.slug.data, form.languages.data)
    return create_survey(instrument_keys=[instrument.id], instrument=instrument, status="draft", **options)


@bp.get("/surveys/<slug>")
@survey_view
def survey(survey: Survey):
    """One survey: its link, status and lifecycle, live dashboard, responses, units, invitations and downloads."""
    if survey.slug in session.get(PREVIEW_KEY, ()):  # back from a preview: this browser answers for real again
        session[PREVIEW_KEY] = [slug for slug in session[PREVIEW_KEY] if slug != survey.slug]
    board = dashboard_data(survey)
    reasons = {key: str(text) % {"k": board["min_group_size"]} for key, text in HIDDEN_REASONS.items()}
    names = {**unit_names(survey, _lang()), NO_UNIT_ROW: _("Without a unit")}
    units = [{**unit, "name": names.get(unit["unit"], unit["name"])} for unit in board["units"]]
    population = instrument_of(survey).model_spec().get("trap", {}).get("population", "customers")
    audit_view(survey)
    return render_template(
        "admin/survey.html", survey=_survey_row(survey), link=f"{current_app.config['PUBLIC_BASE_URL']}/s/"
        f"{survey.slug}", dashboard=board, units=units, comments=comment_themes(survey, _lang()), reasons=reasons,
        upload=UploadForm(),
        downloads=[(fmt, FORMAT_LABELS[fmt]) for fmt in FORMATS], breakdowns=_breakdowns(survey),
        kpis=KPI_LABELS.get(population, KPI_LABELS["customers"]),
        kinds=Listing.of(map(Term, UNIT_KINDS)).shown(_, _lang()), identified=not survey.anonymous,
        can_share=may_manage(current_user, survey),
        actions=[(action, ACTION_LABELS[action]) for action in actions(survey)],
        previews=[(lang, LANGUAGE_NAMES.get(lang, {}).get(_lang(), lang)) for lang in survey.languages],
        partials=partials(survey, _lang()), unit_tree=unit_tree(survey),
        invitees=[{"ref": i.ref, "unit": i.unit, "status": INVITEE_LABELS[i.status]} for i in invitees(survey)]
        if not survey.anonymous else None, invited=invited_count(survey),
        deletes=[(kind, DELETE_LABELS[kind]) for kind in DELETABLE],
        reach=reach_panel(survey, current_app.config["PUBLIC_BASE_URL"], _lang()))


def _breakdowns(survey: Survey) -> list[tuple[str, str]]:
    """The report's group comparisons: the units (the default), then each attribute of an identified survey's
    participants list (an anonymous survey offers none)."""
    return [("", _("Units (the default)")), *((ATTRIBUTE_PREFIX + name, _("Attribute: %(name)s", name=name))
                                            for name in attribute_names(survey))]


@bp.get("/surveys/<slug>/dashboard.json")
@survey_view
def dashboard(survey: Survey):
    """The dashboard figures, polled by the page so it refreshes without a reload."""
    return jsonify(dashboard_data(survey))


@bp.post("/surveys/<slug>/status/<action>")
@survey_view
def change_status(survey: Survey, action: str):
    """Launch, close, open again or archive a survey."""
    if action not in ACTION_LABELS:
        abort(404)
    UploadForm().validate()  # CSRF is checked globally; nothing else to validate
    try:
        apply_action(survey, action)
    except ValueError as exc:
        db.session.rollback()
        flash(explain(exc), "error")
    else:
        audit_change(survey, f"status:{action}")
        db.session.commit()
    return redirect(url_for("admin.survey", slug=survey.slug))


@bp.post("/surveys/<slug>/delete")
@survey_view
def delete_survey(survey: Survey):
    """Delete a draft, once its deletion is confirmed."""
    if request.form.get("confirm") != survey.slug:
        flash(_("Type the link name of the survey to confirm its deletion."), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    try:
        audit.record("data.deleted", account=current_user, survey=survey, target="survey:draft")
        delete_draft(survey)
    except ValueError as exc:
        db.session.rollback()
        flash(explain(exc), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    db.session.commit()
    flash(_("Draft deleted."), "success")
    return redirect(url_for("admin.surveys"))


@bp.get("/surveys/<slug>/preview/<lang>")
@survey_view
def preview(survey: Survey, lang: str):
    """Answer the survey as a respondent in ``lang``, with a test banner; what is answered is a test response."""
    if lang not in survey.languages:
        abort(404)
    if survey.status == "archived":
        flash(_("An archived survey is read-only: it cannot be previewed."), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    session[PREVIEW_KEY] = [*(slug for slug in session.get(PREVIEW_KEY, ()) if slug != survey.slug), survey.slug]
    # a fresh test response each time: never the continuation of one answered before
    session[SESSION_KEY] = {slug: token for slug, token in session.get(SESSION_KEY, {}).items() if slug != survey.slug}
    session["lang"] = lang
    return redirect(url_for("respond.respond", slug=survey.slug))


@bp.post("/surveys/<slug>/responses/delete/<kind>")
@survey_view
def delete_some_responses(survey: Survey, kind: str):
    """Delete the test responses or the partial responses, once confirmed (complete real ones are never deleted)."""
    if kind not in DELETABLE:
        abort(404)
    if not request.form.get("confirm"):
        flash(_("Tick the box to confirm the deletion."), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    try:
        deleted = delete_responses(survey, kind)
    except ValueError as exc:
        db.session.rollback()
        flash(explain(exc), "error")
    else:
        audit.record("data.deleted", account=current_user, survey=survey, target=f"responses:{kind}",
                     detail={"count": deleted})
        db.session.commit()
        flash(_("%(n)s responses deleted.", n=deleted), "success")
    return redirect(url_for("admin.survey", slug=survey.slug))


@bp.get("/surveys/<slug>/links.csv")
@survey_view
def links(survey: Survey):
    """The personal links of an identified survey again, as a CSV."""
    try:
        rows = personal_links(survey, current_app.config["PUBLIC_BASE_URL"])
    except ValueError as exc:
        flash(explain(exc), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    audit_download(survey, "links.csv", len(rows))
    return _csv_download(rows, ["ref", "unit", "link"], f"{survey.slug}-links.csv")


@bp.post("/surveys/<slug>/units")
@survey_view
def upload_units(survey: Survey):
    """Import the organisation hierarchy (CSV: unit, parent, kind, name or name_zh and name_en)."""
    form = UploadForm()
    if form.validate_on_submit():
        try:
            check_writable(survey)
            units = import_units(survey, form.file.data.read())
        except ValueError as exc:
            db.session.rollback()
            flash(_("Units not imported: %(reason)s", reason=explain(exc)), "error")
        else:
            audit_change(survey, "units", {"count": len(units)})
            db.session.commit()
            flash(_("%(n)s units imported.", n=len(units)), "success")
    return redirect(url_for("admin.survey", slug=survey.slug))


@bp.post("/surveys/<slug>/invitations")
@survey_view
def upload_invitations(survey: Survey):
    """Create personal links from a CSV (ref, unit) and download them as a CSV."""
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("Choose a CSV file with the columns ref and unit."), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    try:
        check_writable(survey)
        rows = invitations_from_csv(survey, form.file.data.read(), current_app.config["PUBLIC_BASE_URL"])
    except ValueError as exc:
        db.session.rollback()
        flash(_("No invitations created: %(reason)s", reason=explain(exc)), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    audit_change(survey, "invitations", {"count": len(rows)})
    db.session.commit()
    return _csv_download(rows, ["ref", "unit", "link"], f"{survey.slug}-links.csv")


def audit_view(survey: Survey, target: str | None = None) -> None:
    """Audit a view of ``survey``'s answers (its dashboard, its comments) by the signed-in account (a GET:
    committed here)."""
    audit.record("dashboard.viewed", account=current_user, survey=survey, target=target)
    db.session.commit()


def audit_change(
survey: Survey, target: str, detail: dict | None = None) -> None:
    """Audit a change of ``survey`` by the signed-in account (committed with the change, rolled back with it)."""
    audit.record("survey.changed", account=current_user, survey=survey, target=target, detail=detail)


def audit_download(survey: Survey, target: str, rows: int | None = None) -> None:

    """Audit a download of ``survey``'s data by the signed-in account (a GET: committed here)."""
    audit.record("export.downloaded", account=current_user, survey=survey, target=target,
                 detail={} if rows is None else {"rows": rows})
    db.session.commit()


def _csv_download(rows: list[dict], fieldnames: list[str], filename: str):
    """A CSV attachment (UTF-8 with BOM for Excel; formula-like cells neutralised)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fieldnames)
    writer.writeheader()
    writer.writerows({k: neutralise(v) for k, v in row.items()} for row in rows)
    return send_file(io.BytesIO(buffer.getvalue().encode("utf-8-sig")), mimetype="text/csv",
                     as_attachment=True, download_name=filename)


@bp.get("/surveys/<slug>/export.<fmt>")
@survey_view
def export(survey: Survey, fmt: str):
    """Download the responses as CSV, Excel or SPSS."""
    if fmt not in FORMATS:
        abort(404)
    name = f"{survey.slug}-responses.{fmt}"
    headers = {"Content-Disposition": f"attachment; filename={name}"}
    if fmt == "csv":  # written as the rows are read: one batch of them in memory, whatever the survey's size
        chunks = csv_chunks(survey, streamed=True)
        audit_download(survey, f"export.{fmt}")
        return Response(chunks, mimetype=MIME[fmt], headers=headers)
    if fmt == "xlsx":  # a row at a time into a file on disk (a workbook is a zip, complete only at its end)
        workbook = tempfile.TemporaryFile()
        write_xlsx(survey, workbook, lang=_lang())
        audit_download(survey, f"export.{fmt}")
        return Response(_file_chunks(workbook), mimetype=MIME[fmt], headers=headers)
    # SPSS: built whole (pyreadstat writes a table at once), into a file on disk, sent from there
    sav = tempfile.TemporaryFile()
    write_sav(survey, sav, lang=_lang())
    audit_download(survey, f"export.{fmt}")
    return Response(_file_chunks(sav), mimetype=MIME[fmt], headers=headers)


def _file_chunks(file: IO[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    """A file's bytes from its start, a chunk at a time; the file closed at the end (or when the client leaves)."""
    with file:
        file.seek(0)
        while chunk := file.read(size):
            yield chunk


@bp.get("/surveys/<slug>/report.<fmt>")
@survey_view
def report(survey: Survey, fmt: str):
    """The report as PDF (download) or HTML (in the browser), per language, optionally per unit and compared by an
    attribute of the participants list (``by=attribute:<name>``, identified surveys)."""
    if fmt not in ("pdf", "html"):
        abort(404)
    lang = request.args.get("lang") if request.args.get("lang") in ("zh", "en") else _lang()
    unit = request.args.get("unit") or None
    try:
        by = check_breakdown(survey, request.args.get("by"))
    except ValueError as exc:  # an anonymous survey, or an attribute the list does not have
        flash(_("No report: %(reason)s", reason=explain(exc, _labels(survey))), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    if fmt == "pdf":
        # the PDF of these very responses was rendered before: serve it; a large survey renders in the background
        cached = report_jobs.cached_pdf(survey, lang=lang, unit=unit, by=by)
        if cached is not None:
            _report_downloaded(survey, "pdf", lang, unit, by)
            return _report_pdf(survey, cached)
        if report_jobs.complete_responses(survey)[0] > report_jobs.inline_max():
            job, new = report_jobs.find_or_create(survey, lang=lang, unit=unit, by=by)
            db.session.commit()
            if new:
                report_jobs.enqueue(job)
            return redirect(url_for("admin.report_job", slug=survey.slug, job_id=job.id))
    try:
        body = survey_report(survey, lang=lang, unit=unit, by=by, fmt=fmt)
    except ValueError as exc:  # too few responses, unknown unit, data the analysis cannot use
        flash(_("No report: %(reason)s", reason=explain(exc, _labels(survey))), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    _report_downloaded(survey, fmt, lang, unit, by)
    if fmt == "html":
        return body
    return send_file(io.BytesIO(body), mimetype="application/pdf", as_attachment=True,
                     download_name=_report_name(survey, lang, unit, by))


def _report_downloaded(survey: Survey, fmt: str, lang: str, unit: str | None, by: str | None) -> None:
    """Audit a report served to the signed-in account: its format, language, unit and comparison (codes)."""
    detail = {"lang": lang, **({"unit": unit} if unit else {}), **({"by": by} if by else {})}
    audit.record("report.downloaded", account=current_user, survey=survey, target=f"report.{fmt}", detail=detail)
    db.session.commit()


def _report_name(survey: Survey, lang: str, unit: str | None, by: str | None) -> str:
    """The PDF's file name: the survey, the unit, the attribute compared (as its export column) and the language."""
    suffix = (f"-{unit}" if unit else "") + (f"-{attribute_column(by.removeprefix(ATTRIBUTE_PREFIX), set())}"
                                             if by else "")
    return f"{survey.slug}{suffix}-report-{lang}.pdf"


def of_survey_or_404(model: type[T], row_id: int, survey: Survey) -> T:
    """The ``model`` row ``row_id`` when it belongs to ``survey``; 404 otherwise (another survey's id tells nothing)."""
    row = db.session.get(model, row_id)
    if row is None or row.survey_id != survey.id:
        abort(404)
    return row


def _report_job(survey: Survey, job_id: int) -> ReportJob:
    return of_survey_or_404(ReportJob, job_id, survey)


def _report_pdf(survey: Survey, job: ReportJob):
    return send_file(io.BytesIO(job.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=_report_name(survey, job.language, job.unit, job.breakdown))


@bp.get(f"/surveys/<slug>/report-jobs/<int(max={MAX_ID}):job_id>")
@survey_view
def report_job(survey: Survey, job_id: int):
    """Progress of a report rendered in the background; the page polls the JSON status."""
    job = _report_job(survey, job_id)
    return render_template(
        "admin/report_job.html", survey=_survey_row(survey), job=_job_status(survey, job),
        status_url=url_for("admin.report_job_status", slug=survey.slug, job_id=job.id),
        download_url=url_for("admin.report_job_pdf", slug=survey.slug, job_id=job.id))


@bp.get(f"/surveys/<slug>/report-jobs/<int(max={MAX_ID}):job_id>.json")
@survey_view
def report_job_status(survey: Survey, job_id: int):
    """State and progress of a report job (any app process can answer: the job lives in the database)."""
    return jsonify(_job_status(survey, _report_job(survey, job_id)))


def _job_status(survey: Survey, job: ReportJob) -> dict:
    """A report job's status, its error (stored in English) in the console's language."""
    status = report_jobs.job_status(job)
    if status["error"]:
        status["error"] = explain(status["error"], _labels(survey))
    return status


@bp.get(f"/surveys/<slug>/report-jobs/<int(max={MAX_ID}):job_id>.pdf")
@survey_view
def report_job_pdf(survey: Survey, job_id: int):
    """The finished PDF of a report job."""
    job = _report_job(survey, job_id)
    if job.state != "done":
        return redirect(url_for("admin.report_job", slug=survey.slug, job_id=job.id))
    _report_downloaded(survey, "pdf", job.language, job.unit, job.breakdown)
    return _report_pdf(survey, job)


@bp.post("/surveys/<slug>/next-wave")
@survey_view
def next_wave(survey: Survey):
    """Repeat the survey as the next wave of its series (reports can then compare waves)."""
    new_slug = (request.form.get("slug") or "").strip()
    if not SLUG_PATTERN.match(new_slug):
        flash(_("Use 3-64 lower-case letters, digits and hyphens."), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    try:
        following = create_next_wave(survey, slug=new_slug)
    except (ValueError, LookupError) as exc:
        db.session.rollback()
        flash(explain(exc), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    share_survey(following, current_user)
    audit.record("survey.created", account=current_user, survey=following, target="start:wave",
                 detail={"from": survey.slug})
    db.session.commit()
    flash(_("Wave %(n)s created.", n=following.wave), "success")
    return redirect(url_for("admin.survey", slug=following.slug))


@bp.get("/surveys/<slug>/reminders.csv")
@survey_view
def reminders(survey: Survey):
    """Who has not answered yet (identified surveys only): a CSV to send reminders from."""
    try:
        rows = reminder_list(survey)
    except ValueError as exc:
        flash(explain(exc), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    audit_download(survey, "reminders.csv", len(rows))
    return _csv_download(rows, ["ref", "unit", "invited_on"], f"{survey.slug}-not-answered.csv")


@bp.post("/surveys/<slug>/share")
@survey_view
def share(survey: Survey):
    """Share the survey with another account (by email); admins and the survey's creator may share."""
    if not may_manage(current_user, survey):
        abort(403)
    email = (request.form.get("email") or "").strip().lower()
    user = db.session.scalar(sa.select(User).filter_by(email=email)) if email else None
    if user is None or not user.active:
        flash(_("No active account with that email."), "error")
    else:
        share_survey(survey, user)
        audit.record("survey.shared", account=current_user, survey=survey, target=f"account:{user.id}")
        db.session.commit()
        flash(_("Shared with %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.survey", slug=survey.slug))


def admin_only(view):
    """Only administrators; everybody else gets 403."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if current_user.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.route("/accounts", methods=["GET", "POST"])
@admin_only
def accounts():
    """List accounts and invitations, and create an account; its password is shown once, to hand over."""
    form = AccountForm()
    created = None
    if form.validate_on_submit():
        try:
            user, password = create_user(form.email.data, role=form.role.data)
        except ValueError as exc:
            db.session.rollback()
            form.email.errors = [*form.email.errors, explain(exc)]
        else:
            audit.record("account.changed", account=current_user, target=f"account:{user.id}",
                         detail={"change": "created", "role": user.role})
            db.session.commit()
            created = {"email": user.email, "password": password, "role": user.role}
            form = AccountForm(formdata=None)
    return accounts_page(form=form, created=created)


def accounts_page(*, form: AccountForm | None = None, invite: InviteForm | None = None, created: dict | None = None):
    """The accounts page: the accounts, the invitations not accepted yet, the invitation and the account forms."""
    users = db.session.scalars(sa.select(User).order_by(User.email)).all()
    owned = owned_counts()
    rows = [{"id": u.id, "email": u.email, "role": str(ROLE_LABELS.get(u.role, u.role)), "active": u.active,
             "me": u.id == current_user.id, "owns": owned.get(u.id, 0)} for u in users]
    invitations = [{**row, "role": str(ROLE_LABELS.get(row["role"], row["role"])),
                    "expires": row["expires_at"].strftime("%Y-%m-%d %H:%M")} for row in pending_invitations()]
    invite = invite or InviteForm(prefix="invite", formdata=None, language=_lang())
    return render_template("admin/accounts.html", form=form or AccountForm(formdata=None), invite=invite,
                           accounts=rows, invitations=invitations, created=created, days=INVITATION_LIFETIME.days,
                           outbox=None if current_app.config["SMTP_URL"] else str(outbox_folder_path()))


@bp.post(f"/accounts/<int(max={MAX_ID}):user_id>/active")
@admin_only
def toggle_account(user_id: int):
    """Deactivate or reactivate an account (never one's own)."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        abort(400)
    user.active = not user.active
    if not user.active:
        end_all_sessions(user)
    audit.record("account.changed", account=current_user, target=f"account:{user.id}",
                 detail={"change": "reactivated" if user.active else "deactivated"})
    db.session.commit()

    return redirect(url_for("admin.accounts"))
