"""Console views of the account messages: a forgotten password, inviting a colleague, and the links they carry."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.admin import bp
from survey_app.admin.forms import ROLE_LABELS, ForgotPasswordForm, InviteForm, NewPasswordForm
from survey_app.admin.messages import explain
from survey_app.admin.routes import MAX_ID, _lang, _sign_in, accounts_page, admin_only
from survey_app.extensions import db
from survey_app.services import account_invitations, audit
from survey_app.services.account_links import EXPIRED, INVALID, USED, LinkRefused
from survey_app.services.mail.account_mail import console_url, invitation_message, send_now
from survey_app.services.mail.transport import DeliveryError
from survey_app.services.password_reset import RESET_LIFETIME, ask_for_reset, complete_reset, reset_link

#: minutes a reset link works, and days an invitation does, as the pages and messages say it
RESET_MINUTES = int(RESET_LIFETIME.total_seconds() // 60)
INVITATION_DAYS = account_invitations.INVITATION_LIFETIME.days
#: what a link that cannot be used says, by kind of link and reason (services.account_links)
REFUSALS = {
    "reset": {
        INVALID: _l("This link is not valid: it may have been cut short when it was copied. Ask for a new one."),
        EXPIRED: _l("This link has expired: a link to set a new password works for %(minutes)s minutes. Ask for a "
                    "new one."),
        USED: _l("This link has been used already, or the password has been changed since it was sent. Ask for a "
                 "new one if you still need it."),
    },
    "invitation": {
        INVALID: _l("This invitation link is not valid: it may have been cut short when it was copied, or the "
                    "invitation was withdrawn or replaced by a newer one. Ask the administrator who invited you."),
        EXPIRED: _l("This invitation has expired: an invitation works for %(days)s days. Ask the administrator who "
                    "invited you for a new one."),
        USED: _l("This invitation has been accepted already: sign in with the password chosen then."),
    },
}
#: the status of the page refusing a link: unknown (a wrong link, counted by the rate limit) or gone
REFUSED_STATUS = {INVALID: 404, EXPIRED: 410, USED: 410}


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Ask for a link to set a new password; the same answer, in the same time, whether the address has an account
    or not (everything else happens in another thread: services.password_reset)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        ask_for_reset(current_app._get_current_object(), form.email.data, lang=_lang())
        flash(_("If an account exists for %(email)s, a message with a link to set a new password is on its way. "
                "The link works for %(minutes)s minutes.", email=form.email.data.strip().lower(),
                minutes=RESET_MINUTES), "success")
        return redirect(url_for("admin.login"))
    return render_template("admin/forgot_password.html", form=form, minutes=RESET_MINUTES)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password through the emailed link; signs in, and every other session of the account ends."""
    try:
        user = reset_link(token)[1]
    except LinkRefused as exc:
        return _refused("reset", exc)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = complete_reset(token, form.new.data)
        except LinkRefused as exc:
            db.session.rollback()
            return _refused("reset", exc)
        except ValueError as exc:
            db.session.rollback()
            form.new.errors = [*form.new.errors, explain(exc)]
        else:
            _sign_in(user)
            db.session.commit()
            flash(_("Your new password is set. Every other session of this account has ended."), "success")
            return redirect(url_for("admin.surveys"))
    return render_template("admin/set_password.html", form=form, kind="reset", email=user.email)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Accept an invitation: choose a password, and the account is made and signed in."""
    try:
        link = account_invitations.invitation_link(token)
    except LinkRefused as exc:
        return _refused("invitation", exc)
    email, role = link.email, str(ROLE_LABELS.get(link.role or "", link.role or ""))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = account_invitations.accept_invitation(token, form.new.data)
        except LinkRefused as exc:
            db.session.rollback()
            return _refused("invitation", exc)
        except ValueError as exc:
            db.session.rollback()
            form.new.errors = [*form.new.errors, explain(exc)]
        else:
            _sign_in(user)
            audit.record("account.changed", account=user, target=f"account:{user.id}",
                         detail={"change": "invitation_accepted", "role": user.role})
            db.session.commit()
            flash(_("Welcome: your account %(email)s is ready.", email=user.email), "success")
            return redirect(url_for("admin.surveys"))
    return render_template("admin/set_password.html", form=form, kind="invitation", email=email, role=role)


@bp.post("/accounts/invitations")
@admin_only
def invite_account():
    """Invite a colleague by email; the invitation is kept only once its message is sent."""
    form = InviteForm(prefix="invite")
    if not form.validate_on_submit():
        return accounts_page(invite=form)
    try:
        link, token = account_invitations.invite(form.email.data, form.role.data, invited_by=current_user)
    except ValueError as exc:
        db.session.rollback()
        form.email.errors = [*form.email.errors, explain(exc)]
        return accounts_page(invite=form)
    lang = form.language.data
    message = invitation_message(to=link.email, link=console_url("admin.accept_invitation", token=token, lang=lang),
                                 lang=lang, role=link.role or "", inviter=current_user.email, expires=link.expires_at)
    # kept while the message goes out (a mail server may take seconds), without holding the database meanwhile
    db.session.commit()
    try:
        send_now(message)
    except (DeliveryError, OSError, ValueError) as exc:
        account_invitations.revoke_invitation(link.id)
        db.session.commit()
        flash(_("The invitation to %(email)s could not be sent, so it was not kept: %(reason)s", email=link.email,
                reason=explain(exc)), "error")
        return redirect(url_for("admin.accounts"))
    account_invitations.replace_earlier(link)
    audit.record("account.changed", account=current_user, target=f"invitation:{link.id}",
                 detail={"change": "invited", "role": link.role})
    db.session.commit()
    flash(_("Invitation sent to %(email)s; its link works for %(days)s days.", email=link.email,
            days=INVITATION_DAYS), "success")
    return redirect(url_for("admin.accounts"))


@bp.post(f"/accounts/invitations/<int(max={MAX_ID}):link_id>/revoke")
@admin_only
def revoke_invitation(link_id: int):
    """Withdraw an invitation not accepted yet: its link stops working."""
    if not account_invitations.revoke_invitation(link_id):
        abort(404)
    audit.record("account.changed", account=current_user, target=f"invitation:{link_id}",
                 detail={"change": "invitation_revoked"})
    db.session.commit()

    flash(_("Invitation withdrawn: its link no longer works."), "success")
    return redirect(url_for("admin.accounts"))


def _refused(kind: str, refusal: LinkRefused):
    """The page saying why a link cannot be used, and what to do instead."""
    text = REFUSALS[kind][refusal.reason] % {"minutes": RESET_MINUTES, "days": INVITATION_DAYS}
    return render_template("admin/link_refused.html", kind=kind, text=text), REFUSED_STATUS[refusal.reason]
