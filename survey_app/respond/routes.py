"""Respondent views: answer a survey page by page, resume later, finish."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from flask import abort, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from instruments import piping
from instruments.flow import walk
from instruments.schema import LANGUAGES, Instrument, Welcome
from survey_app.database import request_connection
from survey_app.extensions import csrf
from survey_app.i18n import request_language
from survey_app.models.types import utcnow
from survey_app.respond import bp
from survey_app.respond.forms import PageForm
from survey_app.respond.page_cache import render_page
from survey_app.respond.page_tokens import check_page_token, page_token
from survey_app.respond.submitted import forget_open_link, mark_submitted, submitted_here
from survey_app.security import allow_framing
from survey_app.services.alerts import queue_alert_check
from survey_app.services.answers import check_items
from survey_app.services.invitations import (
    InvitationRow,
    find_invitation,
    has_invitations,
    invitation_attributes,
    mark_opened,
)
from survey_app.services.ordering import page_order
from survey_app.services.privacy import consent_wording, decline, needs_consent, notice_in
from survey_app.services.responses import (
    ResponseState,
    discard_response,
    find_by_submission_key,
    find_open_for_invitation,
    find_survey_and_response,
    is_submission_key,
    save_draft,
    save_page,
    start_response,
    submit,
    unit_name,
    write_response,
)
from survey_app.services.surveys import (
    SurveyRow,
    SurveyUnavailable,
    check_open,
    get_survey_with_instrument,
)
from survey_app.services.unit_links import PARAM, signed_unit, unit_id_by_code

UNAVAILABLE_STATUS = {"not_found": 404, "bad_link": 404, "closed": 410, "not_open_yet": 403,
                      "invitation_only": 403}
#: the language buttons of a survey page post the page with nav=lang-<code>
LANGUAGE_NAV = "lang-"
SESSION_KEY = "responses"
#: the unit each survey's signed unit link (a poster's QR code) named in this browser, by slug
POSTER_KEY = "poster_units"
#: the session's surveys in preview (set by the console's preview link, for its signed-in session only)
PREVIEW_KEY = "preview"
#: the privacy notices this browser accepted: slug -> [notice version, language of the consent agreed to]
PRIVACY_KEY = "privacy"


def previewing(slug: str) -> bool:
    """Whether this browser previews survey ``slug``: its owner opened the preview from a console session that is
    still signed in. A preview shows a draft too, and its responses are test responses."""
    return slug in session.get(PREVIEW_KEY, ()) and current_user.is_authenticated


def _preview_banner(slug: str) -> str | None:
    """The console page to go back to, shown in the preview banner; None outside a preview."""
    return url_for("admin.survey", slug=slug) if previewing(slug) else None


def _unavailable(reason: str, survey: SurveyRow | None = None):
    return render_template("respond/unavailable.html", reason=reason, survey=survey), UNAVAILABLE_STATUS[reason]


def _already_submitted(connection: sa.Connection, survey: SurveyRow, token: str | None, *, link_used: bool = False):
    """The "already submitted" page: 409 for a link that cannot be used again, 200 for this browser's own Back.

    The open link offers a new response (the next person on a shared device), unless the survey takes answers
    through personal links only.
    """
    again = token is None and not link_used and not (survey.anonymous and has_invitations(connection, survey.id))
    lang = _language(survey)
    return render_template(
        "respond/submitted.html", survey_title=survey.title_in(lang), survey_languages=survey.languages, lang=lang,
        link_used=link_used, again_url=url_for("respond.again", slug=survey.slug) if again else None,
        page_token=page_token() if again else None,
    ), 409 if link_used else 200


def _remembered(slug: str) -> str | None:
    return session.get(SESSION_KEY, {}).get(slug)


def _remember(slug: str, resume_token: str) -> None:
    session[SESSION_KEY] = {**session.get(SESSION_KEY, {}), slug: resume_token}


def _forget(slug: str) -> None:
    remembered = dict(session.get(SESSION_KEY, {}))
    remembered.pop(slug, None)
    session[SESSION_KEY] = remembered


def _omitted(survey: SurveyRow, instrument: Instrument, invited: bool, unit_given: bool) -> frozenset[str]:
    """Questions an invitee is not asked: the unit question, when the invitation names the unit (it is the
    response's unit), and always on an anonymous survey (an answer could claim any unit and pad a small one)."""
    if not (unit_given or (survey.anonymous and invited)):
        return frozenset()
    return frozenset(item.code for item in instrument.items_by_role("unit"))


def _poster_unit(connection: sa.Connection, survey: SurveyRow) -> int | None:
    """The unit this browser came from by a poster's signed unit link (``?u=``), kept in the session for the
    survey (the next person on a shop's tablet answers for the same shop); None when it has none. A parameter
    that is not signed by us, or names a unit the survey lacks, is ignored: the survey works as the open link."""
    sent = request.args.get(PARAM)
    code = signed_unit(survey.slug, sent) if sent is not None else None
    if code is not None:
        unit_id = unit_id_by_code(connection, survey.id, code)
        if unit_id is not None:
            session[POSTER_KEY] = {**session.get(POSTER_KEY, {}), survey.slug: code}
            return unit_id
    code = session.get(POSTER_KEY, {}).get(survey.slug)
    return None if code is None else unit_id_by_code(connection, survey.id, code)


@bp.context_processor
def _framing() -> dict[str, Any]:
    """The origins allowed to frame this page, for the script that tells them its height."""
    return {"frame_origins": g.get("frame_origins")}


def _language(survey: SurveyRow) -> str:
    lang = request_language()
    return lang if lang in survey.languages else survey.languages[0]


@bp.route("/s/<slug>", methods=["GET", "POST"])
@bp.route("/s/<slug>/<token>", methods=["GET", "POST"])
def respond(slug: str, token: str | None = None):
    """Show and save one page of a survey (anonymous link or personal invitation)."""
    if request.method == "POST":
        check_page_token(request.form.get("csrf_token"))  # before anything is read or stored
    connection = request_connection()
    survey, instrument, response = find_survey_and_response(connection, slug, _remembered(slug))
    preview = previewing(slug)
    if (refused := _refused_unless_preview(survey, preview)) is not None:
        return refused
    if response is not None and response.is_test and not preview:
        response = None  # a test response left behind by a preview is not continued as a real one
    if survey is None or instrument is None:  # a survey deleted between its row and its snapshot (PostgreSQL)
        return _unavailable("not_found")
    allow_framing(survey.frame_origins)
    lang = _language(survey)
    if response is None and request.method == "GET" and submitted_here(slug, token):
        # Back after the thank-you page, or a link this browser finished: never a page of the questionnaire again
        return _already_submitted(connection, survey, token)

    if response is None and request.method == "POST":
        # a page re-sent after the session forgot the response (double post, a second tab): same response
        response = find_by_submission_key(connection, survey, request.form.get("submission_key"))
    if response is not None and response.status == "complete":
        if submitted_here(slug, token):  # a page of this browser's finished response, posted again after Back
            return redirect(_page_url(slug, token, 0))
        return redirect(url_for("respond.thanks", slug=slug))
    invitation: InvitationRow | None = None
    if token is not None:
        invitation = find_invitation(connection, survey, token)
        if invitation is None:
            return _unavailable("bad_link", survey)
        if request.method == "GET" and not preview and mark_opened(connection, survey, invitation):
            connection.commit()  # the one write of a GET: the link's first opening (identified surveys only)
        # An anonymous survey's used link looks like an unused one until the survey closes (a second response
        # through it is not counted): the owner, who holds every link, must not learn who has answered.
        if invitation.used_at is not None and not survey.anonymous:
            return _already_submitted(connection, survey, token, link_used=True)
        response = response or find_open_for_invitation(connection, survey, invitation)
    elif response is None and survey.anonymous and not preview and has_invitations(connection, survey.id):
        # answered through personal links only: an open link would let anybody (the owner too) add group members
        return _unavailable("invitation_only", survey)
    invited = invitation is not None or (response is not None and response.invitation_id is not None)
    # a poster's unit counts for a response started after the poster's link was followed (or continued with it)
    poster = _poster_unit(connection, survey) if not invited else None
    if poster is not None and response is not None and response.unit_id != poster:
        poster = None
    if response is None and survey.privacy_notice and not _agreed(survey):
        # the privacy notice (and on an identified survey the consent) comes first, once a poster's unit is kept
        # in the session; a page posted without it is not stored (a session that forgot the agreement sees the
        # notice again)
        if request.method == "POST":
            return redirect(url_for("respond.respond", slug=slug, token=token))
        return _notice(survey, lang, token)
    unit_given = (invitation.unit_id if invitation is not None
                  else response.unit_id if response is not None and response.invitation_id is not None else poster)
    omit = _omitted(survey, instrument, invited, unit_given is not None)

    answers = dict(response.answers) if response else {}
    way = walk(instrument, answers, omit)
    furthest = response.furthest_page if response else 0
    requested = request.args.get("page", type=int)
    poster_name = unit_name(connection, poster, lang) if poster is not None else None
    if requested is None and response is None and instrument.welcome is not None and request.method == "GET":
        return _welcome(survey, instrument.welcome, lang, invited, _page_url(slug, token, 0), poster_name)
    # a page the answers now skip shows the last page before it that is still on the way
    page_index = way.nearest(furthest if requested is None else max(0, min(requested - 1, furthest)))
    posted = request.form.get("submission_key")
    key = response.submission_key if response else (posted if is_submission_key(posted) else secrets.token_hex(16))
    order = page_order(instrument, page_index, key, response.display_order if response else None)
    personal = {"earlier": way.answers, "order": order,
                "unit": _unit_name(connection, response, lang) if _pipes_unit(instrument, page_index) else "",
                "attributes": _attributes(connection, invitation, response)
                if _pipes(piping.pipes_attributes, instrument, page_index) else {}}

    if request.method == "POST":
        form = PageForm(instrument, page_index, lang, formdata=request.form, omit=omit, **personal)
        switch_to = form.nav.removeprefix(LANGUAGE_NAV) if form.nav.startswith(LANGUAGE_NAV) else None
        if form.nav == "back" or switch_to is not None:
            if switch_to is not None:
                lang = switch_to if switch_to in survey.languages else lang
            response = _store_draft(connection, response, survey, instrument, page_index, form, lang, omit,
                                    invitation, way.answers, order, unit_id=poster, is_test=preview)
            if switch_to is not None:
                # the same page in the other language, with the answers given so far
                return redirect(_page_url(slug, token, page_index, lang=lang))
            if response is not None:
                way = walk(instrument, response.answers, omit)
            previous = way.before(page_index)
            return redirect(_page_url(slug, token, 0 if previous is None else previous))
        if form.check(way.answers):
            resume_token = None
            if response is None:
                response, resume_token = start_response(survey, submission_key=_form_key(form), language=lang,
                                                        invitation=invitation, unit_id=poster, is_test=preview,
                                                        consent=_consent(survey))
            try:
                following = _store_page(connection, response, survey, instrument, page_index, form, lang, omit)
            except IntegrityError:
                # the same first page posted twice at the same moment: the other post stored the response
                connection.rollback()
                response = find_by_submission_key(connection, survey, response.submission_key)
                if response is None:
                    raise
                if response.status == "complete":
                    mark_submitted(slug, token)
                    return redirect(url_for("respond.thanks", slug=slug))
                resume_token = None
                following = _store_page(connection, response, survey, instrument, page_index, form, lang, omit)
            if resume_token is not None:
                _remember(slug, resume_token)
            if following is None:
                _forget(slug)
                mark_submitted(slug, token)
                end = instrument.end
                return redirect(end.redirect if end is not None and end.redirect else url_for("respond.thanks",
                                                                                                slug=slug))
            return redirect(_page_url(slug, token, following))
    else:
        form = PageForm(instrument, page_index, lang, answers=answers, submission_key=key, omit=omit, **personal)

    visible_pages = way.pages
    position = visible_pages.index(page_index) + 1 if page_index in visible_pages else page_index + 1
    resume_token = _remembered(slug)
    first_page = way.before(page_index) is None
    return render_page(
        form,
        survey_languages=survey.languages,
        survey_title=survey.title_in(lang),
        page_title=form.title,
        page_number=position,
        page_count=max(len(visible_pages), position),
        first_page=first_page,
        lang=lang,
        # the anonymity statement on the first page, unless the welcome page showed it (and what a personal
        # link's second use does)
        anonymity=(survey.min_group_size, invited)
        if survey.anonymous and first_page and instrument.welcome is None else None,
        # the unit the poster named, said on the first page (the unit question is not asked)
        poster_unit=poster_name if first_page else None,
        frame_origins=tuple(survey.frame_origins or ()),
        omitted=tuple(sorted(omit)),
        action=_page_url(slug, token, page_index),
        resume_url=url_for("respond.resume", slug=slug, resume_token=resume_token, _external=True)
        if resume_token and token is None else None,
        preview=_preview_banner(slug),
    )


# its posts carry the survey pages' own token (page_tokens), checked first thing in the view
csrf.exempt(respond)


def _page_url(slug: str, token: str | None, page_index: int, **args: str) -> str:
    return url_for("respond.respond", slug=slug, token=token, page=page_index + 1, **args)


def _refused_unless_preview(survey: SurveyRow | None, preview: bool):
    """The page saying why the survey takes no answers (not open, closed, unknown), or None when it does; the
    owner's preview reaches a survey that is not open yet (never an unknown one)."""
    try:
        check_open(survey)
    except SurveyUnavailable as exc:
        if not preview or exc.reason == "not_found":
            return _unavailable(exc.reason, survey)
    return None


def _form_key(form: PageForm) -> str:
    """The first page's submission key as posted, or a new one when it is missing or not one of ours."""
    key = form.submission_key
    return key if is_submission_key(key) else secrets.token_hex(16)


def _welcome(survey: SurveyRow, welcome: Welcome, lang: str, invited: bool, start_url: str,
             poster_unit: str | None = None):
    """The welcome page: the instrument's text, estimated time and privacy notice (with the anonymity statement
    on anonymous surveys, and the unit a poster's link named)."""
    return render_template(
        "respond/welcome.html", survey_languages=survey.languages, survey_title=survey.title_in(lang), lang=lang,
        welcome={"text": welcome.text.get(lang), "minutes": welcome.minutes,
                 "privacy": welcome.privacy.get(lang) if welcome.privacy else ""},
        anonymity=(survey.min_group_size, invited) if survey.anonymous else None, start_url=start_url,
        poster_unit=poster_unit, preview=_preview_banner(survey.slug))


def _agreed(survey: SurveyRow) -> bool:
    """Whether this browser accepted the survey's current privacy notice (and consent)."""
    agreed = session.get(PRIVACY_KEY, {}).get(survey.slug)
    return bool(agreed) and agreed[0] == survey.privacy_version


def _consent(survey: SurveyRow) -> tuple[int, str] | None:
    """The notice's version and the consent wording this browser agreed to, for a new response of an identified
    survey; None on an anonymous survey (which stores no consent) or one without a notice."""
    agreed = session.get(PRIVACY_KEY, {}).get(survey.slug)
    wording = consent_wording(survey, agreed[1]) if agreed else None
    return None if wording is None else (survey.privacy_version, wording)


def _notice(survey: SurveyRow, lang: str, token: str | None, *, missing: bool = False):
    """The survey's first page when it has a privacy notice: the notice, and the consent box on identified
    surveys."""
    return render_template(
        "respond/privacy.html", survey_languages=survey.languages, survey_title=survey.title_in(lang), lang=lang,
        notice=notice_in(survey, lang), consent=consent_wording(survey, lang), missing=missing,
        anonymity=(survey.min_group_size, token is not None) if survey.anonymous else None,
        action=url_for("respond.privacy", slug=survey.slug, token=token), page_token=page_token(),
        preview=_preview_banner(survey.slug)), 400 if missing else 200


@bp.post("/s/<slug>/privacy")
@bp.post("/s/<slug>/privacy/<token>")
def privacy(slug: str, token: str | None = None):
    """Accept the privacy notice (with the consent on an identified survey), or refuse the consent: then nothing
    is stored, and a personal link gets no further mail."""
    check_page_token(request.form.get("csrf_token"))
    connection = request_connection()
    survey, _ = get_survey_with_instrument(connection, slug)
    preview = previewing(slug)
    if (refused := _refused_unless_preview(survey, preview)) is not None:
        return refused
    invitation = find_invitation(connection, survey, token) if token is not None else None
    if token is not None and invitation is None:
        return _unavailable("bad_link", survey)
    lang = _language(survey)
    if needs_consent(survey) and request.form.get("choice") == "decline":
        if invitation is not None and not preview:
            decline(connection, invitation.id, utcnow())
            connection.commit()
        return render_template("respond/declined.html", survey_languages=survey.languages,
                               survey_title=survey.title_in(lang), lang=lang)
    if needs_consent(survey) and request.form.get("consent") != "yes":
        return _notice(survey, lang, token, missing=True)
    session[PRIVACY_KEY] = {**session.get(PRIVACY_KEY, {}), slug: [survey.privacy_version, lang]}
    return redirect(url_for("respond.respond", slug=slug, token=token))


# posted from the notice with the survey pages' own token, checked first thing in the view
csrf.exempt(privacy)


def _pipes_unit(instrument: Instrument, page_index: int) -> bool:
    """Whether a text of the page shows the unit's name (worth a look-up)."""
    return _pipes(piping.pipes_unit, instrument, page_index)


def _pipes(test: Callable[[Iterable[Any], Iterable[str]], bool], instrument: Instrument, page_index: int) -> bool:
    """Whether a text of the page has a placeholder ``test`` (a function of ``instruments.piping``) looks for."""
    page = instrument.pages[page_index]
    texts = [page.title, page.intro, *(m.text for m in page.matrices.values()),
             *(m.help for m in page.matrices.values()), *(i.text for i in page.items), *(i.help for i in page.items)]
    return test(texts, LANGUAGES)


def _attributes(connection: sa.Connection, invitation: InvitationRow | None,
                response: ResponseState | None) -> dict[str, str]:
    """The invitee's attributes for the page's texts: of the personal link opened, or of the invitation an
    identified survey's response keeps (an anonymous one keeps none once submitted; nothing stores them with it)."""
    invitation_id = invitation.id if invitation is not None else response.invitation_id if response else None
    return {} if invitation_id is None else invitation_attributes(connection, invitation_id)


def _unit_name(connection: sa.Connection, response: ResponseState | None, lang: str) -> str:
    return "" if response is None or response.unit_id is None else unit_name(connection, response.unit_id, lang)


def _store_draft(connection: sa.Connection, response: ResponseState | None, survey: SurveyRow,
                 instrument: Instrument, page_index: int, form: PageForm, lang: str, omit: frozenset[str],
                 invitation: InvitationRow | None, earlier: dict[str, Any],
                 order: dict[str, list[str]] | None, *, unit_id: int | None, is_test: bool) -> ResponseState | None:
    """Keep the page's answers that pass the rules, the missing ones not asked for (Back, a language switch);
    returns the response (None while nothing is answered).

    A respondent with no stored response yet gets one once they have answered something.
    """
    values, errors = check_items(instrument, [item for item in form.page.items if item.code not in omit],
                                 form.raw(), earlier)
    kept = {code: value for code, value in values.items() if code not in errors}
    resume_token = None
    if response is None:
        if not kept:
            return None
        response, resume_token = start_response(survey, submission_key=_form_key(form), language=lang,
                                                invitation=invitation, unit_id=unit_id, is_test=is_test,
                                                consent=_consent(survey))
    save_draft(connection, response, survey, instrument, page_index, kept, language=lang, omit=omit,
               shown_order=order)
    try:
        write_response(connection, response)
    except IntegrityError:
        # the same first page posted twice at once: the other post stored the response, and its answers
        connection.rollback()
        return None
    connection.commit()
    if resume_token is not None:
        _remember(survey.slug, resume_token)
    return response


def _store_page(connection: sa.Connection, response: ResponseState, survey: SurveyRow, instrument: Instrument,
                page_index: int, form: PageForm, lang: str, omit: frozenset[str]) -> int | None:
    """Store the checked page in one statement and commit; returns the next page, None once submitted.

    For a new response the statement is its INSERT, whose unique submission key decides between two posts of
    the same first page racing past the route's look-up (IntegrityError for the second). A response through an
    invitation another response used first is discarded, and the respondent thanked all the same.
    """
    save_page(connection, response, survey, instrument, page_index, form.values, language=lang, omit=omit,
              shown_order=form.order)
    following = walk(instrument, response.answers, omit).after(page_index)
    if following is None:
        if not submit(connection, response, survey):
            discard_response(connection, response)
            connection.commit()
            return None
    else:
        response.furthest_page = max(response.furthest_page, following)
    write_response(connection, response)
    if following is None:  # complete: the alert rules are evaluated by the scheduler (services.alerts)
        queue_alert_check(connection, survey, response.id, is_test=response.is_test, now=utcnow())
    connection.commit()
    return following


@bp.route("/s/<slug>/resume/<resume_token>")
def resume(slug: str, resume_token: str):
    """Continue a saved response on this or another device."""
    survey, _, response = find_survey_and_response(request_connection(), slug, resume_token)
    if survey is None:
        return _unavailable("not_found")
    if response is None:
        return _unavailable("bad_link", survey)
    if response.status == "complete":
        return _already_submitted(request_connection(), survey, None, link_used=True)
    _remember(slug, resume_token)
    session["lang"] = response.language  # continue in the language the respondent chose
    return redirect(url_for("respond.respond", slug=slug))


@bp.route("/s/<slug>/thanks")
def thanks(slug: str):
    """Thank-you page."""
    survey, instrument = get_survey_with_instrument(request_connection(), slug)
    if survey is None:
        abort(404)
    allow_framing(survey.frame_origins)
    lang = _language(survey)
    end = instrument.end if instrument is not None else None
    return render_template("respond/thanks.html", survey=survey, lang=lang,
                           end_text=end.text.get(lang) if end is not None and end.text else "",
                           redirect_url=end.redirect if end is not None else None, preview=_preview_banner(slug))


@bp.post("/s/<slug>/again")
def again(slug: str):
    """Answer the open link again from a browser that has submitted it (a shared device)."""
    check_page_token(request.form.get("csrf_token"))
    forget_open_link(slug)
    return redirect(url_for("respond.respond", slug=slug))


# posted from the "already submitted" page with the survey pages' own token, checked first thing in the view
csrf.exempt(again)


@bp.after_request
def _not_stored(response):
    """Survey pages are never kept by the browser: Back after the thank-you page asks the server again (which
    answers "already submitted"), and a shared device keeps no page with somebody's answers."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response
