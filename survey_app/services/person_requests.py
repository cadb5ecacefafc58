"""A person's request (PIPL art. 45 and 47, GDPR art. 15 and 17): every record of one identifier - an email address,
a customer id, an invitee's reference - across all surveys: found, exported, erased (docs/audit.md).

What is searched: invitations and participants (reference, email, name, attributes) of every survey; the responses
of identified surveys made with those invitations, and their answers that mention the identifier; the messages
sent to those invitations; the alert cases of those responses, and case and action-plan notes that mention it;
webhook deliveries whose payload holds it; console accounts, their emailed links and unit owners' lists.
The responses of an anonymous survey are never searched: nothing ties them to a person, and looking through their
answers for a name would be the very re-identification the survey promises not to do.

Erasing deletes the person's own records (their invitations with their messages, their responses of identified
surveys with the cases those opened, deliveries that carried them, their account and its links) and cuts the
identifier out of other people's text that mentions it ("[erased]"); then every survey touched loses what was
derived from it (services.derived.purge_derived: cached reports, report jobs, its outbox folders) and the console's
outbox loses the messages to that address. The histories of cases and actions are append-only for the console; an
erasure is the one writer that may redact them.

The audit log keeps, for each request, a keyed digest of the identifier (:func:`digest`), never the identifier.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.messages import N_, TranslatableError
from survey_app.models import (
    AccountLink,
    Action,
    ActionEvent,
    AlertCase,
    CaseEvent,
    Invitation,
    MailMessage,
    Response,
    Survey,
    Unit,
    User,
    WebhookDelivery,
)
from survey_app.services.derived import purge_derived
from survey_app.services.mail.account_mail import outbox_folder_path

#: what each found record is; the console names them (admin.person_requests.KIND_LABELS)
KINDS = ("account", "account_link", "invitation", "response", "mail", "case", "case_note", "action",
         "action_note", "webhook_delivery", "unit_owner")
#: an identifier shorter than this would match half the database
MIN_LENGTH, MAX_LENGTH = 3, 320
#: what replaces the identifier in text that mentions it
ERASED = "[erased]"


@dataclass(frozen=True)
class Found:
    """One record of the person: ``own`` (theirs: erasing deletes it) or a mention in someone else's text (erasing
    cuts the identifier out)."""

    kind: str
    record_id: int
    survey: str | None
    own: bool
    #: the record's fields as the export gives them (plain values)
    data: dict[str, Any] = field(default_factory=dict)


def normalised(identifier: str) -> str:
    """The identifier as searched: trimmed; ValueError when it is too short or too long to search safely."""
    value = (identifier or "").strip()
    if not MIN_LENGTH <= len(value) <= MAX_LENGTH:
        raise TranslatableError(N_("an identifier has %(min)s to %(max)s characters"), min=MIN_LENGTH,
                                max=MAX_LENGTH)
    return value


def digest(identifier: str) -> str:
    """A keyed digest of the identifier (HMAC-SHA256 under the secret key, lower-cased, 32 hex digits): the audit
    log can show a given person's request was served, to whoever knows the identifier and the key, without holding
    the identifier."""
    key = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) else current_app.secret_key
    return hmac.new(key, normalised(identifier).lower().encode(), hashlib.sha256).hexdigest()[:32]


def _mentions(column: Any, value: str) -> sa.ColumnElement[bool]:
    """``column`` (text or JSON) contains ``value``, ignoring case: as stored (PostgreSQL's JSON text) or as JSON
    escapes it (SQLite stores non-ASCII as \\uXXXX)."""
    text = sa.func.lower(sa.cast(column, sa.Text))
    forms = {value.lower(), json.dumps(value.lower())[1:-1]}
    return sa.or_(*(text.like("%" + re.sub(r"([\\%_])", r"\\\1", form) + "%", escape="\\") for form in forms))


def _contains(value: Any, needle: str) -> bool:
    """Whether a stored value (text, or JSON made of dicts, lists and scalars) holds ``needle``, ignoring case."""
    if isinstance(value, str):
        return needle.lower() in value.lower()
    if isinstance(value, dict):
        return any(_contains(v, needle) or _contains(k, needle) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains(v, needle) for v in value)
    return False


def _redact(value: Any, needle: str) -> Any:
    """``value`` with every occurrence of ``needle`` (any case) replaced by ``[erased]``, JSON walked through."""
    if isinstance(value, str):
        return re.sub(re.escape(needle), ERASED, value, flags=re.IGNORECASE)
    if isinstance(value, dict):
        return {_redact(k, needle): _redact(v, needle) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, needle) for v in value]
    return value


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def find(identifier: str) -> list[Found]:
    """Every record of ``identifier`` across all surveys (anonymous surveys' responses excepted, by design)."""
    value = normalised(identifier)
    slugs = dict(db.session.execute(sa.select(Survey.id, Survey.slug)).all())
    anonymous = set(db.session.scalars(sa.select(Survey.id).where(Survey.anonymous.is_(True))))
    found: list[Found] = []
    for user in db.session.scalars(sa.select(User).where(sa.func.lower(User.email) == value.lower())):
        found.append(Found("account", user.id, None, True, {"email": user.email, "role": user.role,
                                                             "created_at": _iso(user.created_at)}))
    for link in db.session.scalars(sa.select(AccountLink).where(sa.func.lower(AccountLink.email) == value.lower())):
        found.append(Found("account_link", link.id, None, True, {"email": link.email, "kind": link.kind,
                                                                 "created_at": _iso(link.created_at)}))
    invitations = [i for i in db.session.scalars(sa.select(Invitation).where(sa.or_(
        Invitation.external_ref == value, sa.func.lower(Invitation.email) == value.lower(),
        _mentions(Invitation.name, value), _mentions(Invitation.attributes, value))).order_by(Invitation.id))
        if i.external_ref == value or (i.email or "").lower() == value.lower() or _contains(i.name, value)
        or _contains(i.attributes, value)]
    for invitation in invitations:
        found.append(Found("invitation", invitation.id, slugs[invitation.survey_id], True, {
            "ref": invitation.external_ref, "email": invitation.email, "name": invitation.name,
            "language": invitation.language, "attributes": invitation.attributes,
            "created_at": _iso(invitation.created_at), "used_at": _iso(invitation.used_at),
            "opened_at": _iso(invitation.opened_at), "unsubscribed_at": _iso(invitation.unsubscribed_at)}))
    invitation_ids = [i.id for i in invitations]
    for message in db.session.scalars(sa.select(MailMessage).where(MailMessage.invitation_id.in_(invitation_ids))
                                      .order_by(MailMessage.id)):
        found.append(Found("mail", message.id, slugs[message.survey_id], True, {
            "kind": message.kind, "step": message.step, "channel": message.channel, "status": message.status,
            "created_at": _iso(message.created_at), "sent_at": _iso(message.sent_at)}))
    identified = sa.not_(Response.survey_id.in_(anonymous)) if anonymous else sa.true()
    responses = db.session.scalars(sa.select(Response).where(identified, sa.or_(
        Response.invitation_id.in_(invitation_ids), _mentions(Response.answers, value))).order_by(Response.id)).all()
    own_responses = set()
    for response in responses:
        own = response.invitation_id in invitation_ids
        if not own and not _contains(response.answers, value):
            continue
        own_responses.update([response.id] if own else [])
        found.append(Found("response", response.id, slugs[response.survey_id], own, {
            "answers": response.answers, "language": response.language, "status": response.status,
            "channel": response.channel, "started_at": _iso(response.started_at),
            "submitted_at": _iso(response.submitted_at)}))
    found.extend(_cases(value, own_responses, slugs))
    found.extend(_actions(value, slugs))
    for delivery in db.session.scalars(sa.select(WebhookDelivery).where(_mentions(WebhookDelivery.payload, value))):
        if _contains(delivery.payload, value):
            found.append(Found("webhook_delivery", delivery.id, slugs[delivery.survey_id], True, {
                "event": delivery.event, "payload": delivery.payload, "created_at": _iso(delivery.created_at)}))
    for unit in db.session.scalars(sa.select(Unit).where(_mentions(Unit.owners, value))):
        if _contains(unit.owners, value):
            found.append(Found("unit_owner", unit.id, slugs[unit.survey_id], False, {"unit": unit.code}))
    return found


def _cases(value: str, own_responses: set[int], slugs: dict[int, str]) -> Iterator[Found]:
    """The cases the person's responses opened (theirs), cases that notified them, and case notes naming them."""
    cases = db.session.scalars(sa.select(AlertCase).where(sa.or_(
        AlertCase.response_id.in_(own_responses), _mentions(AlertCase.notified, value))).order_by(AlertCase.id))
    for case in cases:
        own = case.response_id in own_responses
        if own or _contains(case.notified, value):
            yield Found("case", case.id, slugs[case.survey_id], own, {
                "rule": case.rule_name, "status": case.status, "created_at": _iso(case.created_at)})
    events = db.session.execute(sa.select(CaseEvent, AlertCase.survey_id).join(AlertCase).where(
        AlertCase.response_id.not_in(own_responses) if own_responses else sa.true(),
        sa.or_(_mentions(CaseEvent.note, value), _mentions(CaseEvent.old, value), _mentions(CaseEvent.new, value)))
        .order_by(CaseEvent.id)).all()
    for event, survey_id in events:
        if any(_contains(text, value) for text in (event.note, event.old, event.new)):
            yield Found("case_note", event.id, slugs[survey_id], False, {
                "case": event.case_id, "kind": event.kind, "note": event.note, "at": _iso(event.at)})


def _actions(value: str, slugs: dict[int, str]) -> Iterator[Found]:
    """Actions of action plans, and entries of their history, whose text names the person."""
    for action in db.session.scalars(sa.select(Action).where(sa.or_(
            _mentions(Action.title, value), _mentions(Action.notes, value))).order_by(Action.id)):
        if _contains(action.title, value) or _contains(action.notes, value):
            yield Found("action", action.id, slugs[action.survey_id], False, {"title": action.title,
                                                                               "notes": action.notes})
    events = db.session.execute(sa.select(ActionEvent, Action.survey_id).join(Action).where(sa.or_(
        _mentions(ActionEvent.note, value), _mentions(ActionEvent.old, value), _mentions(ActionEvent.new, value)))
        .order_by(ActionEvent.id)).all()
    for event, survey_id in events:
        if any(_contains(text, value) for text in (event.note, event.old, event.new)):
            yield Found("action_note", event.id, slugs[survey_id], False, {
                "action": event.action_id, "kind": event.kind, "note": event.note, "at": _iso(event.at)})


def counts(found: Iterable[Found]) -> dict[str, int]:
    """How many records of each kind (the audit entry's detail)."""
    return dict(sorted(Counter(f.kind for f in found).items()))


def as_json(found: list[Found]) -> dict[str, Any]:
    """The export: every record with its survey and fields, grouped by kind."""
    present = [kind for kind in KINDS if any(f.kind == kind for f in found)]
    return {"records": {kind: [{"id": f.record_id, "survey": f.survey, "own": f.own, **f.data}
                               for f in found if f.kind == kind] for kind in present}}



def as_rows(found: list[Found]) -> list[dict[str, Any]]:
    """The export as rows of a table: one per field (kind, record, survey, field, value)."""
    rows = []
    for f in found:
        for name, value in f.data.items():
            text = value if isinstance(value, str) or value is None else json.dumps(value, ensure_ascii=False)
            rows.append({"kind": f.kind, "record": f.record_id, "survey": f.survey or "", "field": name,
                         "value": text or ""})
    return rows


def erase(identifier: str, *, by: User) -> dict[str, int]:
    """Delete the person's own records and cut their identifier out of everybody else's text; purge what the
    surveys touched derived. Flushes only (files go at once). Returns counts by kind; refuses to erase ``by``."""
    value = normalised(identifier)
    found = find(value)
    if any(f.kind == "account" and f.record_id == by.id for f in found):
        raise TranslatableError(N_("an account cannot erase itself: ask another administrator"))
    survey_ids = set(db.session.scalars(sa.select(Survey.id).where(Survey.slug.in_(
        {f.survey for f in found if f.survey}))))
    own = {kind: [f.record_id for f in found if f.kind == kind and f.own] for kind in KINDS}
    mentions = {kind: [f.record_id for f in found if f.kind == kind and not f.own] for kind in KINDS}
    for model, kind in ((Response, "response"), (WebhookDelivery, "webhook_delivery"), (Invitation, "invitation"),
                        (AccountLink, "account_link"), (User, "account")):
        if own[kind]:  # cases of the responses, messages of the invitations go with them (ON DELETE CASCADE)
            db.session.execute(sa.delete(model).where(model.id.in_(own[kind])))
    _redact_rows(Response, mentions["response"], ("answers",), value)
    _redact_rows(AlertCase, mentions["case"], ("notified",), value)
    _redact_rows(CaseEvent, mentions["case_note"], ("note", "old", "new"), value)
    _redact_rows(Action, mentions["action"], ("title", "notes"), value)
    _redact_rows(ActionEvent, mentions["action_note"], ("note", "old", "new"), value)
    _redact_rows(Unit, mentions["unit_owner"], ("owners",), value, separator=";")
    db.session.flush()
    db.session.expire_all()
    for survey in db.session.scalars(sa.select(Survey).where(Survey.id.in_(survey_ids))):
        purge_derived(survey)
    _erase_console_mail(value)
    return counts(found)


def _redact_rows(model: type, ids: list[int], columns: tuple[str, ...], value: str, *,
                 separator: str | None = None) -> None:
    """Cut ``value`` out of ``columns`` of the rows ``ids`` (a ``separator``-separated list loses the entry).

    Core statements, not the ORM: the append-only histories refuse ORM changes, and an erasure must reach them."""
    table = model.__table__
    for row in db.session.execute(sa.select(table).where(table.c.id.in_(ids))).mappings():
        changed = {}
        for name in columns:
            stored = row[name]
            if separator is not None and isinstance(stored, str):
                changed[name] = separator.join(p for p in stored.split(separator)
                                               if p.strip().lower() != value.lower())
            elif _contains(stored, value):
                changed[name] = _redact(stored, value)
        if changed:
            db.session.execute(sa.update(table).where(table.c.id == row["id"]).values(**changed))


def _erase_console_mail(value: str) -> int:
    """Delete the console's outbox messages (account invitations, password resets) to or about ``value``."""
    folder: Path = outbox_folder_path()
    removed = 0
    if not folder.is_dir():
        return 0
    needle = value.lower().encode()
    for path in folder.rglob("*"):
        if path.is_file() and path.name != "maildirfolder" and needle in path.read_bytes().lower():
            path.unlink()
            removed += 1
    return removed

