"""Console views of alerts: a survey's alert rules, its units' owners, its cases and one case."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from instruments.schema import CHOICE_KINDS, Instrument
from survey_app.admin import bp
from survey_app.admin import conditions as builder_rows
from survey_app.admin.followup_views import apply_change, assignable_accounts, unit_labels, when
from survey_app.admin.messages import explain
from survey_app.admin.routes import MAX_ID, _lang, _survey_row, audit_change, of_survey_or_404, survey_view
from survey_app.extensions import db
from survey_app.models import AlertCase, AlertRule, Invitation, Response, Survey, User
from survey_app.models.alerts import CASE_STATUSES, PRIORITIES
from survey_app.models.types import utcnow
from survey_app.services import cases as case_service
from survey_app.services.alerts import parse_keywords, remove_rule, rules_of, save_rule, trap_rule
from survey_app.services.disclosure import open_gate
from survey_app.services.owners import set_unit_owners
from survey_app.services.surveys import instrument_of
from survey_app.services.units import unit_tree

#: the prefix of the rule form's condition builder fields
PREFIX = "a_"
PRIORITY_LABELS = {"urgent": _l("urgent"), "high": _l("high"), "normal": _l("normal"), "low": _l("low")}
CASE_STATUS_LABELS = {"new": _l("new"), "in_progress": _l("in progress"), "waiting": _l("waiting"),
                      "resolved": _l("resolved")}
EVENT_LABELS = {"opened": _l("Opened by the rule"), "assigned": _l("Assigned"), "status": _l("Status changed"),
                "note": _l("Note"), "overdue": _l("Overdue notice sent"), "mail_failed": _l("Mail refused"),
                "followup": _l("Follow-up survey sent")}
SORT_LABELS = {"priority": _l("priority"), "due": _l("due time")}
TIER_LABELS = {"platinum": _l("platinum"), "gold": _l("gold"), "silver": _l("silver"), "bronze": _l("bronze")}




# -- rules ----------------------------------------------------------------------------------------------------
@bp.route("/surveys/<slug>/alerts", methods=["GET", "POST"])
@survey_view
def alert_rules(survey: Survey):
    """The survey's alert rules and a form for a new one (identified surveys only)."""
    lang = _lang()
    instrument = instrument_of(survey)
    codes = [item.code for item in instrument.items if builder_rows.operators(instrument.scale_of(item))[:-2]]
    form = builder_rows.rows_of(None, PREFIX)
    errors: dict[str, str] = {}
    if request.method == "POST" and not survey.anonymous:
        form = MultiDict(request.form.items(multi=True))
        if form.get("action") == "more":
            form[f"{PREFIX}rows"] = str(builder_rows.row_count(form, PREFIX) + 1)
        elif form.get("action") == "save":
            built = builder_rows.build(form, PREFIX, instrument, codes)
            errors = built.errors
            if not errors:
                try:
                    save_rule(survey, name=form.get("name", ""), condition=built.condition,
                              satisfied_not_loyal=bool(form.get("trap")),
                              keywords=parse_keywords(form.get("keywords", "")),
                              priority=form.get("priority", "normal"), sla_hours=_hours(form.get("sla_hours")),
                              created_by_id=current_user.id)
                except ValueError as exc:
                    db.session.rollback()
                    errors = {"_general": explain(exc)}
                else:
                    audit_change(survey, "alert_rules")
                    db.session.commit()
                    flash(_("Alert rule saved."), "success")
                    return redirect(url_for("admin.alert_rules", slug=survey.slug))
    rules = [_rule_row(rule, instrument, lang) for rule in rules_of(survey)]
    return render_template(
        "admin/alert_rules.html", survey=_survey_row(survey), rules=rules, errors=errors, form=form,
        builder=builder_rows.builder(form, PREFIX, instrument, codes, lang, errors),
        priorities=[(p, str(PRIORITY_LABELS[p])) for p in PRIORITIES], has_trap=trap_rule(instrument) is not None,
    ), 422 if errors else 200


def _hours(text: str | None) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        return 0


def _rule_row(rule: AlertRule, instrument: Instrument, lang: str) -> dict[str, Any]:
    parts = []
    if rule.condition:
        try:
            parts.append(builder_rows.in_words(rule.condition, instrument, lang))
        except (KeyError, StopIteration):
            parts.append(_("(a condition on questions no longer asked)"))
    if rule.satisfied_not_loyal:
        parts.append(_("the respondent is satisfied but not loyal"))
    if rule.keywords:
        parts.append(_("a comment contains %(words)s", words=", ".join(rule.keywords)))
    return {"id": rule.id, "name": rule.name, "when": _(" and ").join(parts), "active": rule.active,
            "priority": str(PRIORITY_LABELS.get(rule.priority, rule.priority)), "sla_hours": rule.sla_hours}


@bp.post(f"/surveys/<slug>/alerts/<int(max={MAX_ID}):rule_id>/delete")
@survey_view
def alert_rule_delete(survey: Survey, rule_id: int):
    """Delete a rule (switched off instead when it opened cases)."""
    rule = of_survey_or_404(AlertRule, rule_id, survey)
    deleted = remove_rule(rule)
    audit_change(survey, "alert_rules", {"change": "deleted" if deleted else "switched_off"})
    db.session.commit()
    flash(_("Rule deleted.") if deleted else _("The rule opened cases: it is switched off and kept."), "success")
    return redirect(url_for("admin.alert_rules", slug=survey.slug))


# -- unit owners -----------------------------------------------------------------------------------------------
@bp.route("/surveys/<slug>/units/owners", methods=["GET", "POST"])
@survey_view
def unit_owners(survey: Survey):
    """Who is responsible for each unit: email addresses separated by ";"."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        for unit in survey.units:
            field = f"owners-{unit.code}"
            if field in request.form:
                try:
                    set_unit_owners(survey, unit.code, request.form[field])
                except ValueError as exc:
                    errors[unit.code] = explain(exc)
        if errors:
            db.session.rollback()
        else:
            audit_change(survey, "unit_owners")
            db.session.commit()
            flash(_("Owners saved."), "success")

            return redirect(url_for("admin.survey", slug=survey.slug) + "#units-heading")
    rows = [{"code": row.code, "name": row.names.get(_lang()) or row.code, "depth": row.depth,
             "owners": request.form.get(f"owners-{row.code}", row.owners), "error": errors.get(row.code)}
            for row in unit_tree(survey)]
    return render_template("admin/unit_owners.html", survey=_survey_row(survey), units=rows), 422 if errors else 200


# -- cases ------------------------------------------------------------------------------------------------------
def _case(survey: Survey, case_id: int) -> AlertCase:
    if survey.anonymous:  # an anonymous survey has no cases: never tell whether an id exists
        abort(404)
    return of_survey_or_404(AlertCase, case_id, survey)




def _case_row(case: AlertCase, names: dict[int, str], emails: dict[int, str], now) -> dict[str, Any]:
    return {"id": case.id, "rule": case.rule_name, "unit": names.get(case.unit_id, "—"),
            "assignee": emails.get(case.assignee_id, "—"), "status": case.status,
            "status_label": str(CASE_STATUS_LABELS[case.status]), "priority": case.priority,
            "priority_label": str(PRIORITY_LABELS.get(case.priority, case.priority)),
            "tier": str(TIER_LABELS.get(case.tier, case.tier or "")), "value": case.value,
            "created": when(case.created_at), "due": when(case.due_at),
            "overdue": case_service.is_overdue(case, now)}




@bp.get("/surveys/<slug>/cases")
@survey_view
def cases(survey: Survey):
    """The survey's cases, filtered by status, unit, assignee or overdue, sorted by priority or due time."""
    open_gate(survey)  # the cases are made from answers: an output like any other (services.disclosure)
    now = utcnow()
    args = request.args
    assignee = args.get("assignee", "")
    chosen = case_service.CaseFilter(
        status=args.get("status") if args.get("status") in CASE_STATUSES else None,
        unit=args.get("unit") or None, assignee_id=int(assignee) if assignee.isdigit() and len(assignee) < 10
        else None, overdue=args.get("overdue") == "1",
        sort=args.get("sort") if args.get("sort") in case_service.SORTS else "priority")
    people = assignable_accounts(survey)
    emails = {user.id: user.email for user in people}
    names = unit_labels(survey)
    found = case_service.list_cases(survey, chosen, now) if not survey.anonymous else []
    emails.update({u.id: u.email for u in db.session.scalars(sa.select(User).where(
        User.id.in_({c.assignee_id for c in found if c.assignee_id})))})
    return render_template(
        "admin/cases.html", survey=_survey_row(survey), cases=[_case_row(c, names, emails, now) for c in found],
        chosen=chosen, statuses=[(s, str(CASE_STATUS_LABELS[s])) for s in CASE_STATUSES],
        units=[(unit.code, names[unit.id]) for unit in sorted(survey.units, key=lambda u: u.code)],
        people=[(user.id, user.email) for user in people], sorts=[(k, str(v)) for k, v in SORT_LABELS.items()])


@bp.get(f"/surveys/<slug>/cases/<int(max={MAX_ID}):case_id>")
@survey_view
def case(survey: Survey, case_id: int):
    """One case: the respondent's answers, who is on it, its status, notes and history."""
    from survey_app.admin.recovery import followup_panel  # it builds on this module

    found = _case(survey, case_id)
    gate = open_gate(survey)
    response = db.session.scalar(sa.select(Response).where(Response.id == found.response_id, *gate.where()))
    instrument, lang, now = instrument_of(survey), _lang(), utcnow()
    people = assignable_accounts(survey)
    emails = {user.id: user.email for user in db.session.scalars(sa.select(User))}
    invitation = db.session.get(Invitation, response.invitation_id) if response and response.invitation_id else None
    events = [{"at": when(e.at), "who": emails.get(e.user_id, _("system")) if e.user_id else _("system"),
               "what": str(EVENT_LABELS.get(e.kind, e.kind)), "old": _event_value(e.kind, e.old),
               "new": _event_value(e.kind, e.new), "note": e.note, "kind": e.kind}
              for e in case_service.history(found)]
    return render_template(
        "admin/case.html", survey=_survey_row(survey), case=_case_row(found, unit_labels(survey), emails, now),
        answers=answer_rows(instrument, gate.shown_answers(instrument, response.answers), lang)
        if response is not None else None,
        respondent={"name": invitation.name, "email": invitation.email, "ref": invitation.external_ref}
        if invitation is not None else None,
        events=events, people=[(user.id, user.email) for user in people],
        assignee_id=found.assignee_id, statuses=[(s, str(CASE_STATUS_LABELS[s])) for s in CASE_STATUSES],
        followup=followup_panel(survey, found, lang))


def _event_value(kind: str, value: str | None) -> str | None:
    if kind == "status" and value in CASE_STATUS_LABELS:
        return str(CASE_STATUS_LABELS[value])
    return value


def answer_rows(instrument: Instrument, answers: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """Each answered question of ``answers``: its text and the answer as the respondent saw it, in ``lang``."""
    rows = []
    for item in instrument.items:
        if item.code not in answers or answers[item.code] in (None, "", []):
            continue
        scale, value = instrument.scale_of(item), answers[item.code]
        if scale.kind in CHOICE_KINDS:
            labels = {str(o.value): o.label.get(lang) for o in scale.options}
            values = value if isinstance(value, list) else [value]
            shown = _(", ").join(labels.get(str(v), str(v)) for v in values)
        elif scale.anchors and value in scale.anchors:
            shown = f"{value} ({scale.anchors[value].get(lang)})"
        else:
            shown = str(value)
        rows.append({"code": item.code, "question": item.text.get(lang), "answer": shown,
                     "text": scale.kind == "text"})
    return rows


def _changed(survey: Survey, case_id: int, change) -> Any:
    return apply_change(_case(survey, case_id), change, done=_("Case updated."),
                        back=url_for("admin.case", slug=survey.slug, case_id=case_id))


@bp.post(f"/surveys/<slug>/cases/<int(max={MAX_ID}):case_id>/assign")
@survey_view
def case_assign(survey: Survey, case_id: int):
    """Assign the case to an account allowed to see the survey (it is told by email)."""
    text = request.form.get("assignee", "")
    assignee = db.session.get(User, int(text)) if text.isdigit() and len(text) < 10 else None
    if assignee is None:
        flash(_("Choose an account from the list."), "error")
        return redirect(url_for("admin.case", slug=survey.slug, case_id=case_id))
    return _changed(survey, case_id, lambda found, by, now: case_service.assign(found, assignee, by, now))


@bp.post(f"/surveys/<slug>/cases/<int(max={MAX_ID}):case_id>/status")
@survey_view
def case_status(survey: Survey, case_id: int):
    """Move the case to another status; on resolving, send the follow-up survey when asked to."""
    from survey_app.admin.recovery import resolve_with_followup  # it builds on this module

    status, asked = request.form.get("status", ""), request.form.get("followup") == "1"
    sent: list[str] = []

    def change(found: AlertCase, by: User, now) -> None:
        address = resolve_with_followup(found, status, by, now, asked)
        if address:
            sent.append(address)

    answer = _changed(survey, case_id, change)
    if sent:
        flash(_("The follow-up survey is on its way to %(email)s.", email=sent[0]), "success")
    return answer


@bp.post(f"/surveys/<slug>/cases/<int(max={MAX_ID}):case_id>/note")
@survey_view
def case_note(survey: Survey, case_id: int):
    """Add a note to the case's history."""
    text = request.form.get("note", "")
    return _changed(survey, case_id, lambda found, by, now: case_service.add_note(found, text, by, now))



