"""Respondent views: answer a survey page by page, resume later, finish."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from instruments.schema import Instrument
from survey_app.database import request_connection
from survey_app.extensions import csrf
from survey_app.i18n import request_language
from survey_app.respond import bp
from survey_app.respond.forms import PageForm
from survey_app.respond.page_cache import render_page
from survey_app.respond.page_tokens import check_page_token
from survey_app.services.answers import check_items, is_visible
from survey_app.services.invitations import InvitationRow, find_invitation, has_invitations
from survey_app.services.responses import (
    ResponseState,
    discard_response,
    find_by_submission_key,
    find_open_for_invitation,
    find_survey_and_response,
    save_page,
    start_response,
    submit,
    write_response,
)
from survey_app.services.surveys import (
    SurveyRow,
    SurveyUnavailable,
    check_open,
    get_survey_with_instrument,
)

UNAVAILABLE_STATUS = {"not_found": 404, "bad_link": 404, "closed": 410, "not_open_yet": 403, "used": 409,
                      "invitation_only": 403}
SESSION_KEY = "responses"
#: the session's surveys in preview (set by the console's preview link, for its signed-in session only)
PREVIEW_KEY = "preview"


def previewing(slug: str) -> bool:
    """Whether this browser previews survey ``slug``: its owner opened the preview from a console session that is
    still signed in. A preview shows a draft too, and its responses are test responses."""
    return slug in session.get(PREVIEW_KEY, ()) and current_user.is_authenticated


def _preview_banner(slug: str) -> str | None:
    """The console page to go back to, shown in the preview banner; None outside a preview."""
    return url_for("admin.survey", slug=slug) if previewing(slug) else None


def _unavailable(reason: str, survey: SurveyRow | None = None):
    return render_template("respond/unavailable.html", reason=reason, survey=survey), UNAVAILABLE_STATUS[reason]


def _remembered(slug: str) -> str | None:
    return session.get(SESSION_KEY, {}).get(slug)


def _remember(slug: str, resume_token: str) -> None:
    session[SESSION_KEY] = {**session.get(SESSION_KEY, {}), slug: resume_token}


def _forget(slug: str) -> None:
    remembered = dict(session.get(SESSION_KEY, {}))
    remembered.pop(slug, None)
    session[SESSION_KEY] = remembered


def _page_has_visible_items(instrument: Instrument, index: int, answers: dict[str, Any],
                            omit: frozenset[str] = frozenset()) -> bool:
    return any(is_visible(item, answers) for item in instrument.pages[index].items if item.code not in omit)


def _step(instrument: Instrument, index: int, answers: dict[str, Any], direction: int,
          omit: frozenset[str] = frozenset()) -> int | None:
    """The next page in ``direction`` that shows at least one question; None past either end."""
    index += direction
    while 0 <= index < len(instrument.pages):
        if _page_has_visible_items(instrument, index, answers, omit):
            return index
        index += direction
    return None


def _omitted(survey: SurveyRow, instrument: Instrument, invited: bool, unit_given: bool) -> frozenset[str]:
    """Questions an invitee is not asked: the unit question, when the invitation names the unit (it is the
    response's unit), and always on an anonymous survey (an answer could claim any unit and pad a small one)."""
    if not (unit_given or (survey.anonymous and invited)):
        return frozenset()
    return frozenset(item.code for item in instrument.items_by_role("unit"))


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
    try:
        check_open(survey)
    except SurveyUnavailable as exc:
        if not preview or exc.reason == "not_found":
            return _unavailable(exc.reason, survey)
    if response is not None and response.is_test and not preview:
        response = None  # a test response left behind by a preview is not continued as a real one
    if survey is None or instrument is None:  # a survey deleted between its row and its snapshot (PostgreSQL)
        return _unavailable("not_found")
    lang = _language(survey)

    if response is None and request.method == "POST":
        # a page re-sent after the session forgot the response (double post, a second tab): same response
        response = find_by_submission_key(connection, survey, request.form.get("submission_key"))
    if response is not None and response.status == "complete":
        return redirect(url_for("respond.thanks", slug=slug))
    invitation: InvitationRow | None = None
    if token is not None:
        invitation = find_invitation(connection, survey, token)
        if invitation is None:
            return _unavailable("bad_link", survey)
        # An anonymous survey's used link looks like an unused one until the survey closes (a second response
        # through it is not counted): the owner, who holds every link, must not learn who has answered.
        if invitation.used_at is not None and not survey.anonymous:
            return _unavailable("used", survey)
        response = response or find_open_for_invitation(connection, survey, invitation)
    elif response is None and survey.anonymous and not preview and has_invitations(connection, survey.id):
        # answered through personal links only: an open link would let anybody (the owner too) add group members
        return _unavailable("invitation_only", survey)
    invited = invitation is not None or (response is not None and response.invitation_id is not None)
    unit_given = (invitation.unit_id if invitation is not None
                  else response.unit_id if response is not None and response.invitation_id is not None else None)
    omit = _omitted(survey, instrument, invited, unit_given is not None)

    answers = dict(response.answers) if response else {}
    furthest = response.furthest_page if response else 0
    requested = request.args.get("page", type=int)
    page_index = furthest if requested is None else max(0, min(requested - 1, furthest))

    if request.method == "POST":
        form = PageForm(instrument, page_index, lang, formdata=request.form, omit=omit)
        if form.nav == "back":
            if response is not None:
                values, errors = check_items(instrument, [item for item in form.page.items if item.code not in omit],
                                             form.raw(), answers)
                save_page(connection, response, survey, instrument, page_index,
                          {k: v for k, v in values.items() if k not in errors}, language=lang)
                write_response(connection, response)
                connection.commit()
            previous = _step(instrument, page_index, answers, -1, omit)
            return redirect(_page_url(slug, token, 0 if previous is None else previous))
        if form.check(answers):
            resume_token = None
            if response is None:
                response, resume_token = start_response(survey, submission_key=_form_key(form), language=lang,
                                                        invitation=invitation, is_test=preview)
            try:
                following = _store_page(connection, response, survey, instrument, page_index, form, lang, omit)
            except IntegrityError:
                # the same first page posted twice at the same moment: the other post stored the response
                connection.rollback()
                response = find_by_submission_key(connection, survey, response.submission_key)
                if response is None:
                    raise
                if response.status == "complete":
                    return redirect(url_for("respond.thanks", slug=slug))
                resume_token = None
                following = _store_page(connection, response, survey, instrument, page_index, form, lang, omit)
            if resume_token is not None:
                _remember(slug, resume_token)
            if following is None:
                _forget(slug)
                return redirect(url_for("respond.thanks", slug=slug))
            return redirect(_page_url(slug, token, following))
    else:
        key = response.submission_key if response else secrets.token_hex(16)
        form = PageForm(instrument, page_index, lang, answers=answers, submission_key=key, omit=omit)

    visible_pages = [i for i in range(len(instrument.pages))
                     if _page_has_visible_items(instrument, i, answers, omit)]
    position = visible_pages.index(page_index) + 1 if page_index in visible_pages else page_index + 1
    resume_token = _remembered(slug)
    first_page = _step(instrument, page_index, answers, -1, omit) is None
    return render_page(
        form,
        survey_languages=survey.languages,
        survey_title=survey.title_in(lang),
        page_title=instrument.pages[page_index].title.get(lang),
        page_number=position,
        page_count=max(len(visible_pages), position),
        first_page=first_page,
        lang=lang,
        # the anonymity statement on the first page (and what a personal link's second use does)
        anonymity=(survey.min_group_size, invited) if survey.anonymous and first_page else None,
        omitted=tuple(sorted(omit)),
        action=_page_url(slug, token, page_index),
        resume_url=url_for("respond.resume", slug=slug, resume_token=resume_token, _external=True)
        if resume_token and token is None else None,
        preview=_preview_banner(slug),
    )


# its posts carry the survey pages' own token (page_tokens), checked first thing in the view
csrf.exempt(respond)


def _page_url(slug: str, token: str | None, page_index: int) -> str:
    return url_for("respond.respond", slug=slug, token=token, page=page_index + 1)


def _form_key(form: PageForm) -> str:
    """The first page's submission key as posted, or a new one when it is missing or not one of ours."""
    key = form.submission_key
    return key if key and len(key) <= 64 else secrets.token_hex(16)


def _store_page(connection: sa.Connection, response: ResponseState, survey: SurveyRow, instrument: Instrument,
                page_index: int, form: PageForm, lang: str, omit: frozenset[str]) -> int | None:
    """Store the checked page in one statement and commit; returns the next page, None once submitted.

    For a new response the statement is its INSERT, whose unique submission key decides between two posts of
    the same first page racing past the route's look-up (IntegrityError for the second). A response through an
    invitation another response used first is discarded, and the respondent thanked all the same.
    """
    save_page(connection, response, survey, instrument, page_index, form.values, language=lang)
    following = _step(instrument, page_index, response.answers, +1, omit)
    if following is None:
        if not submit(connection, response, survey):
            discard_response(connection, response)
            connection.commit()
            return None
    else:
        response.furthest_page = max(response.furthest_page, following)
    write_response(connection, response)
    connection.commit()
    return following


@bp.route("/s/<slug>/resume/<resume_token>")
def resume(slug: str, resume_token: str):
    """Continue a saved response on this or another device."""
    survey, _, response = find_survey_and_response(request_connection(), slug, resume_token)
    if survey is None:
        return _unavailable("not_found")
    if response is None or response.status == "complete":
        return _unavailable("bad_link", survey)
    _remember(slug, resume_token)
    session["lang"] = response.language  # continue in the language the respondent chose
    return redirect(url_for("respond.respond", slug=slug))


@bp.route("/s/<slug>/thanks")
def thanks(slug: str):
    """Thank-you page."""
    survey, _ = get_survey_with_instrument(request_connection(), slug)
    if survey is None:
        abort(404)
    return render_template("respond/thanks.html", survey=survey, lang=_language(survey),
                           preview=_preview_banner(slug))
