"""Console views that take a survey to people: QR codes, A4 posters, and the origins that may embed it."""

from __future__ import annotations

import io

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _

from survey_app.admin import bp
from survey_app.admin.forms import UploadForm
from survey_app.admin.messages import explain
from survey_app.admin.routes import audit_change, survey_view
from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.services.embedding import set_frame_origins
from survey_app.services.lifecycle import check_writable
from survey_app.services.posters import POSTER_LANGUAGES, link_for, poster_pdf
from survey_app.services.qr import FORMATS, qr_image
from survey_app.services.units import unit_tree


def _unit_code(survey: Survey) -> str | None:
    """The unit named by ``?unit=`` (None: the survey's open link); 404 for a unit the survey lacks."""
    code = request.args.get("unit")
    if code is not None and code not in {unit.code for unit in survey.units}:
        abort(404)
    return code


@bp.get("/surveys/<slug>/qr.<fmt>")
@survey_view
def qr(survey: Survey, fmt: str):
    """The QR code (PNG or SVG) of the survey's open link, or of a unit's signed link (``?unit=<code>``)."""
    if fmt not in FORMATS:
        abort(404)
    code = _unit_code(survey)
    image = qr_image(link_for(survey, current_app.config["PUBLIC_BASE_URL"], code), fmt)
    name = f"{survey.slug}-qr" + (f"-{code}" if code is not None else "") + f".{fmt}"
    return send_file(io.BytesIO(image), mimetype=FORMATS[fmt], as_attachment=True, download_name=name)


def _pdf(data: bytes, name: str):
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.get("/surveys/<slug>/posters/<lang>.pdf")
@survey_view
def poster(survey: Survey, lang: str):
    """An A4 poster in ``lang`` of the survey's open link, or of a unit's signed link (``?unit=<code>``)."""
    if lang not in POSTER_LANGUAGES:
        abort(404)
    code = _unit_code(survey)
    data = poster_pdf(survey, current_app.config["PUBLIC_BASE_URL"], lang, [code])
    return _pdf(data, f"{survey.slug}-poster" + (f"-{code}" if code is not None else "") + f"-{lang}.pdf")


@bp.get("/surveys/<slug>/posters/<lang>/units.pdf")
@survey_view
def unit_posters(survey: Survey, lang: str):
    """One PDF with an A4 poster in ``lang`` for every unit of the survey, in the hierarchy's order."""
    if lang not in POSTER_LANGUAGES:
        abort(404)
    codes: list[str | None] = [row.code for row in unit_tree(survey)]
    if not codes:
        flash(_("The survey has no units: import the unit hierarchy first."), "error")
        return redirect(url_for("admin.survey", slug=survey.slug))
    return _pdf(poster_pdf(survey, current_app.config["PUBLIC_BASE_URL"], lang, codes),
                f"{survey.slug}-posters-units-{lang}.pdf")


@bp.post("/surveys/<slug>/embedding")
@survey_view
def embedding(survey: Survey):
    """Save the origins whose pages may show the survey in an iframe (none: no page may)."""
    UploadForm().validate()  # CSRF is checked globally; the origins are checked by the service
    try:
        check_writable(survey)
        origins = set_frame_origins(survey, request.form.get("origins", ""))
    except ValueError as exc:
        db.session.rollback()
        flash(_("Embedding not changed: %(reason)s", reason=explain(exc)), "error")
    else:
        audit_change(survey, "embedding", {"origins": len(origins)})
        db.session.commit()
        flash(_("These sites may now show the survey: %(origins)s", origins=", ".join(origins)) if origins

              else _("No site may show the survey in a frame."), "success")
    return redirect(url_for("admin.survey", slug=survey.slug) + "#reach-heading")
