"""The unsubscribe link of invitation mail: GET asks to confirm, POST (one click, RFC 8058) unsubscribes.

No login and no CSRF token: the link's signature is the proof, and a mail provider's one-click POST carries
nothing else (``List-Unsubscribe=One-Click`` in the body).
"""

from flask import Blueprint, abort, render_template

from survey_app.extensions import csrf, db
from survey_app.services.mail import unsubscribe, valid_unsubscribe

bp = Blueprint("unsubscribe", __name__)
#: the largest id a URL may name (the databases' integer keys)
MAX_ID = 2**31 - 1


@bp.get(f"/unsubscribe/<int(max={MAX_ID}):invitation_id>/<sig>")
def confirm(invitation_id: int, sig: str):
    """Ask the invitee to confirm (a GET must change nothing: mail scanners open links)."""
    if not valid_unsubscribe(invitation_id, sig):
        abort(404)
    return render_template("respond/unsubscribe.html", done=False, invitation_id=invitation_id, sig=sig)


@bp.post(f"/unsubscribe/<int(max={MAX_ID}):invitation_id>/<sig>")
@csrf.exempt
def confirmed(invitation_id: int, sig: str):
    """Unsubscribe: no further mail about this survey."""
    if not valid_unsubscribe(invitation_id, sig) or not unsubscribe(invitation_id):
        abort(404)
    db.session.commit()
    return render_template("respond/unsubscribe.html", done=True)
