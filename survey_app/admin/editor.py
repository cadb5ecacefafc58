"""The questionnaire editor of the console: pages and questions, their texts in both languages, their analysis
roles, the analyses the questionnaire supports, and YAML import and export.

Forms are plain HTML posted back (CSRF is checked globally); each save validates the whole questionnaire and a
problem is shown beside the field it concerns, with what the user typed kept.
"""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from instruments.capabilities import capabilities
from instruments.interchange import FORMATS, export_questionnaire, import_questionnaire
from instruments.logic import Condition
from instruments.schema import BUILTIN_SCALES, CODE_PATTERN, END, POINT_KINDS, Instrument
from survey_app.admin import bp
from survey_app.admin.conditions import in_words
from survey_app.admin.messages import explain
from survey_app.admin.routes import _lang, audit_change, survey_view
from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.services import editor
from survey_app.services.editor import NEW_PAGE, OWN_SCALE, QuestionEdit, QuestionnaireInvalid, ScaleEdit
from survey_app.services.surveys import instrument_of

LANGS = ("zh", "en")
#: each kind of question as the editor names it
KIND_LABELS = {
    "likert": _l("Agreement scale (Likert)"), "rating": _l("Rating scale"), "nps": _l("Recommendation 0-10 (NPS)"),
    "single": _l("Single choice"), "multiple": _l("Multiple choice"), "numeric": _l("Number"),
    "text": _l("Free text"), "kano": _l("Kano pair"), "servqual": _l("SERVQUAL pair"),
}
#: the analysis roles (instruments.schema.Role), as the editor names them
ROLE_LABELS = {
    "attribute": _l("Attribute (a driver of satisfaction)"), "satisfaction": _l("Satisfaction"),
    "loyalty": _l("Loyalty"), "repurchase": _l("Repurchase intention"), "recommend": _l("Recommendation"),
    "price_tolerance": _l("Price tolerance"), "switching": _l("Switching intention"),
    "share_of_wallet": _l("Share of wallet"), "intent_to_stay": _l("Intent to stay (employees)"),
    "enps": _l("Employee recommendation (eNPS)"), "internal_service": _l("Internal service"),
    "image": _l("Image"), "expectation": _l("Expectation"), "quality": _l("Perceived quality"),
    "value": _l("Perceived value"), "cost": _l("Cost"), "stage": _l("Relationship stage"),
    "bond": _l("Bond"), "complaint": _l("Complaint (yes/no)"), "problem": _l("Problem experienced (yes/no)"),
    "recovery_outcome": _l("Recovery: outcome justice"), "recovery_procedure": _l("Recovery: procedural justice"),
    "recovery_interaction": _l("Recovery: interactional justice"), "unit": _l("Unit (store, department)"),
    "customer_id": _l("Customer id"), "demographic": _l("Demographic"), "open_text": _l("Open comment"),
    "kano_functional": _l("Kano: functional"), "kano_dysfunctional": _l("Kano: dysfunctional"),
    "servqual_expectation": _l("SERVQUAL: expectation"), "servqual_perception": _l("SERVQUAL: perception"),
    "servqual_adequate": _l("SERVQUAL: adequate level"), "servqual_desired": _l("SERVQUAL: desired level"),
    "other": _l("Other"),
}
SCALE_KIND_LABELS = {kind: KIND_LABELS[kind] for kind in ("likert", "rating", "nps", "single", "multiple",
                                                            "numeric", "text")}
LANGUAGE_LABELS = {"zh": _l("Chinese"), "en": _l("English")}
#: the built-in scales (instruments.schema.BUILTIN_SCALES) as the editor names them; a scale of the questionnaire's
#: own is named by the name it was given
BUILTIN_SCALE_LABELS = {
    "likert5": _l("agreement, 5 points"), "likert7": _l("agreement, 7 points"), "rating10": _l("rating, 1 to 10"),
    "nps11": _l("recommendation, 0 to 10"), "yesno": _l("yes or no"), "text": _l("free text"),
    "numeric": _l("a number"), "kano5": _l("the five Kano answers"),
}
#: anchors are offered for every point of a scale of at most this many points, else for its ends
MAX_ANCHOR_ROWS = 11
#: blank option rows offered below the options, and added by "More option rows"
BLANK_OPTION_ROWS = 2
MAX_OPTION_ROWS = 200
FORMAT_LABELS = {"yaml": "YAML", "lss": "LimeSurvey (.lss)", "surveyjs": "SurveyJS (JSON)"}


def scale_label(name: str) -> str:
    """A scale's name in the console: a built-in scale's in words, another's as it was named."""
    return str(BUILTIN_SCALE_LABELS[name]) if name in BUILTIN_SCALE_LABELS else name


def _revision() -> int:
    try:
        return int(request.form.get("revision", ""))
    except ValueError:
        abort(400)


def _store(survey: Survey, data: dict[str, Any]) -> None:
    """Validate and store ``data`` (an audited change); QuestionnaireInvalid or a refusal (conflict, answers)
    propagates."""
    editor.store_questionnaire(survey, editor.validated(data), revision=_revision())
    audit_change(survey, "questionnaire")


# -- piping --------------------------------------------------------------------------------------------------------
def placeholders(instrument: Instrument, page: int, lang: str) -> list[dict[str, str]]:
    """What a text of page ``page`` may insert: the answers of questions on earlier pages, the unit's name and the
    invitee's attributes."""
    found = [{"placeholder": "{{answer:" + item.code + "}}",
              "label": _("the answer to %(code)s: %(text)s", code=item.code, text=item.text.get(lang))}
             for p in instrument.pages[:page] for item in p.items]
    found.append({"placeholder": "{{unit}}", "label": _("the name of the respondent's unit (store, department)")})
    found.append({"placeholder": "{{attribute:team}}",
                  "label": _("a column of the participants list (here team; any column name), for people who came "
                             "by their personal link; empty for others")})
    return found


# -- the overview --------------------------------------------------------------------------------------------------
@bp.get("/surveys/<slug>/questionnaire")
@survey_view
def questionnaire(survey: Survey):
    """The questionnaire: its pages and questions, with buttons to change them, and the analyses it supports."""
    return _overview(survey)


def _overview(survey: Survey, *, title_errors: dict[str, str] | None = None, status: int = 200,
              not_mapped: list[str] | None = None):
    instrument, lang = instrument_of(survey), _lang()
    offered = list(instrument.languages)
    pages = []
    titles = {page.id: _("page %(n)s", n=n + 1) for n, page in enumerate(instrument.pages)}
    for page in instrument.pages:
        questions, seen = [], set()
        for item in page.items:
            matrix = page.matrices.get(item.matrix) if item.matrix else None
            questions.append({
                "code": item.code, "texts": _texts(item.text.model_dump(), offered),
                "kind": str(KIND_LABELS[instrument.scale_of(item).kind]),
                "role": str(ROLE_LABELS.get(item.role, item.role)),
                "construct": instrument.constructs[item.construct].label.get(lang) if item.construct else None,
                "required": item.required, "reverse": item.reverse, "attribute": item.attribute,
                "condition": _words(item.show_if, instrument, lang), "shuffled": item.randomize_options,
                "matrix": item.matrix,
                "matrix_start": {"name": item.matrix, "text": matrix.text.get(lang)}
                if matrix is not None and item.matrix not in seen else None})
            seen.add(item.matrix)
        pages.append({"id": page.id, "texts": _texts(page.title.model_dump(), offered),
                      "intro": _texts(page.intro.model_dump(), offered) if page.intro else None,
                      "questions": questions, "condition": _words(page.show_if, instrument, lang),
                      "randomize": page.randomize, "can_group": len(page.items) > 1,
                      "skips": [{"condition": _words(rule.if_, instrument, lang),
                                 "to": _("the end of the survey") if rule.to == END else titles[rule.to]}
                                for rule in page.skip_to]})
    found = [{"name": c.name[lang], "supported": c.supported, "note": c.note[lang]}
             for c in capabilities(instrument)]
    welcome, end = instrument.welcome, instrument.end
    return render_template(
        "admin/editor/index.html", survey={"slug": survey.slug, "title": survey.title_in(lang)},
        revision=survey.questionnaire_revision, pages=pages, analyses=found, not_mapped=not_mapped or [],
        welcome={"text": welcome.text.get(lang) if welcome else None, "minutes": welcome.minutes if welcome else None,
                 "privacy": bool(welcome and welcome.privacy), "end": end.text.get(lang) if end and end.text else None,
                 "redirect": end.redirect if end else None},
        title=_text_fields("title", instrument.title.model_dump(), offered, title_errors or {},
                           str(_l("Title of the questionnaire"))),
        locked=editor.has_responses(survey), kinds=[(k, str(v)) for k, v in KIND_LABELS.items()],
        formats=[(fmt, FORMAT_LABELS.get(fmt, fmt)) for fmt in FORMATS],
        format_names=", ".join(FORMAT_LABELS.get(fmt, fmt) for fmt in FORMATS),
        languages=[str(LANGUAGE_LABELS[lang]) for lang in offered]), status


def _words(condition: Condition | None, instrument: Instrument, lang: str) -> str | None:
    """A condition in the console's words, or None when there is none."""
    if condition is None:
        return None
    return in_words(condition.model_dump(mode="json", by_alias=True), instrument, lang)


def _texts(text: dict[str, str], offered: list[str]) -> list[dict[str, Any]]:
    """A text in each language for a template: the text, its language's name, whether it is missing."""
    return [{"lang": lang, "language": str(LANGUAGE_LABELS[lang]), "text": text.get(lang, ""),
             "missing": lang in offered and not text.get(lang, "").strip()} for lang in LANGS]


def _text_fields(name: str, values: dict[str, str], offered: list[str] | None, errors: dict[str, str],
                 label: str | None = None) -> dict[str, Any]:
    """Two inputs side by side, ``<name>_zh`` and ``<name>_en``, for the text macro; ``offered`` None for an
    optional text (no language is missing)."""
    return {"name": name, "label": label, "fields": [{
        "id": f"{name}_{lang}", "lang": lang, "language": str(LANGUAGE_LABELS[lang]), "value": values.get(lang, ""),
        "missing": offered is not None and lang in offered and not (values.get(lang) or "").strip(),
        "not_offered": offered is not None and lang not in offered,
        "error": errors.get(f"{name}_{lang}")} for lang in LANGS]}


@bp.post("/surveys/<slug>/questionnaire/title")
@survey_view
def questionnaire_title(survey: Survey):
    """Change the questionnaire's title."""
    title = _pair(request.form, "title")
    try:
        _store(survey, editor.save_title(editor.questionnaire_data(survey), title))
    except QuestionnaireInvalid as exc:
        db.session.rollback()
        return _overview(survey, title_errors=_field_errors(exc, {("title",): "title"}), status=422)
    except editor.TranslatableError as exc:
        return _refused(survey, exc)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("admin.questionnaire", slug=survey.slug))


def _refused(survey: Survey, exc: Exception):
    """Back to the overview with the refusal (a conflict, or a survey with answers)."""
    db.session.rollback()
    flash(explain(exc), "error")
    return redirect(url_for("admin.questionnaire", slug=survey.slug))


# -- moving and deleting -------------------------------------------------------------------------------------------
@bp.post("/surveys/<slug>/questionnaire/<any(questions, pages):what>/<key>/<any(up, down, delete):action>")
@survey_view
def questionnaire_change(survey: Survey, what: str, key: str, action: str):
    """Move a question or page up or down, or delete it."""
    data = editor.questionnaire_data(survey)
    try:
        if what == "questions":
            changed = (editor.delete_question(data, key) if action == "delete"
                       else editor.move_question(data, key, -1 if action == "up" else 1))
        else:
            changed = (editor.delete_page(data, key) if action == "delete"
                       else editor.move_page(data, key, -1 if action == "up" else 1))
        _store(survey, changed)
    except KeyError:
        abort(404)
    except (QuestionnaireInvalid, editor.TranslatableError) as exc:
        return _refused(survey, exc.problem if isinstance(exc, QuestionnaireInvalid) else exc)
    db.session.commit()
    if action == "delete":
        flash(_("Deleted."), "success")
    anchor = f"#{'q' if what == 'questions' else 'page'}-{key}" if action != "delete" else ""
    return redirect(url_for("admin.questionnaire", slug=survey.slug) + anchor)


# -- pages ---------------------------------------------------------------------------------------------------------
@bp.route("/surveys/<slug>/questionnaire/pages/<page_id>", methods=["GET", "POST"])
@survey_view
def questionnaire_page(survey: Survey, page_id: str):
    """A page's title and introduction."""
    data = editor.questionnaire_data(survey)
    try:
        page = data["pages"][editor.find_page(data, page_id)]
    except KeyError:
        abort(404)
    values = {"title": page["title"], "intro": page.get("intro") or {}}
    randomize = bool(page.get("randomize"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {"title": _pair(request.form, "title"), "intro": _pair(request.form, "intro")}
        randomize = bool(request.form.get("randomize"))
        try:
            _store(survey, editor.save_page(data, page_id, title=values["title"], intro=values["intro"],
                                            randomize=randomize))
        except QuestionnaireInvalid as exc:
            db.session.rollback()
            p = editor.find_page(data, page_id)
            errors = _field_errors(exc, {("pages", p, "title"): "title", ("pages", p, "intro"): "intro",
                                         ("pages", p, "randomize"): "randomize"})
        except editor.TranslatableError as exc:
            return _refused(survey, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.questionnaire", slug=survey.slug) + f"#page-{page_id}")
    offered = list(survey.instrument_snapshot.get("languages") or LANGS)
    return render_template(
        "admin/editor/page.html", survey={"slug": survey.slug, "title": survey.title_in(_lang())},
        revision=survey.questionnaire_revision, page_id=page_id, general=errors.get("_general"),
        randomize=randomize, placeholders=placeholders(instrument_of(survey), editor.find_page(data, page_id), _lang()),
        title=_text_fields("title", values["title"], offered, errors, str(_l("Page title"))),
        intro=_text_fields("intro", values["intro"], None, errors, str(_l("Introduction (optional)")))), \
        422 if errors else 200


# -- questions -----------------------------------------------------------------------------------------------------
@bp.route("/surveys/<slug>/questionnaire/new", methods=["GET", "POST"])
@survey_view
def questionnaire_new(survey: Survey):
    """A new question (or pair) of the kind chosen, at the end of a page or on a new page."""
    kind = request.values.get("kind", "")
    page_id = request.values.get("page", NEW_PAGE)
    data = editor.questionnaire_data(survey)
    if kind not in KIND_LABELS or (page_id != NEW_PAGE and page_id not in [p["id"] for p in data["pages"]]):
        abort(404)
    if kind in editor.PAIR_KINDS:
        return _pair_form(survey, data, kind, page_id)
    return _question_form(survey, data, kind=kind, page_id=page_id, old_code=None)


@bp.route("/surveys/<slug>/questionnaire/questions/<code>", methods=["GET", "POST"])
@survey_view
def questionnaire_question(survey: Survey, code: str):
    """One question: its texts, answer scale and analysis role."""
    data = editor.questionnaire_data(survey)
    try:
        editor.find_item(data, code)
    except KeyError:
        abort(404)
    return _question_form(survey, data, kind=None, page_id=None, old_code=code)


def _question_form(survey: Survey, data: dict[str, Any], *, kind: str | None, page_id: str | None,
                   old_code: str | None):
    offered = list(data.get("languages") or LANGS)
    form = request.form if request.method == "POST" else _question_values(data, old_code, kind)
    errors: dict[str, str] = {}
    if request.method == "POST" and form.get("action") == "save":
        edit, errors = _question_edit(form)
        if not errors:
            page_title = _pair(form, "page_title") if page_id == NEW_PAGE else None
            changed = data
            try:
                changed = editor.save_question(data, edit, old_code=old_code, page_id=page_id or NEW_PAGE,
                                               page_title=page_title)
                _store(survey, changed)
            except QuestionnaireInvalid as exc:
                db.session.rollback()
                errors = _question_errors(exc, changed, edit, old_code, page_id)
            except editor.TranslatableError as exc:
                return _refused(survey, exc)
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("admin.questionnaire", slug=survey.slug) + f"#q-{edit.code}")
    if request.method == "POST" and (form.get("action") == "scale" or form.get("scale") in BUILTIN_SCALES):
        # "Show this scale": the chosen scale's settings, nothing saved; a built-in scale's are never sent
        form = _with_scale_of(form, data)
    return render_template("admin/editor/question.html", **_question_context(survey, data, form, errors, offered,
                                                                            kind, page_id, old_code)), \
        422 if errors else 200


def _question_values(data: dict[str, Any], code: str | None, kind: str | None) -> MultiDict:
    """The form's values for question ``code`` as stored, or for a new question of ``kind``."""
    values: dict[str, Any] = {"required": "y", "role": "attribute"}
    if code is not None:
        p, i = editor.find_item(data, code)
        item = data["pages"][p]["items"][i]
        values = {"code": item["code"], "role": item.get("role", "attribute"), "construct": item.get("construct")
                  or "", "attribute": item.get("attribute") or "", "scale": item["scale"]}
        values.update({f"text_{lang}": item["text"].get(lang, "") for lang in LANGS})
        values.update({f"help_{lang}": (item.get("help") or {}).get(lang, "") for lang in LANGS})
        if item.get("required", True):
            values["required"] = "y"
        if item.get("reverse"):
            values["reverse"] = "y"
        if item.get("randomize_options"):
            values["randomize_options"] = "y"
        scale = data["scales"].get(item["scale"]) or BUILTIN_SCALES[item["scale"]].model_dump(mode="json")
    else:
        taken = {i["code"] for p in data["pages"] for i in p["items"]}
        n = 1
        while f"Q{n}" in taken:
            n += 1
        values["code"] = f"Q{n}"
        values["role"] = {"nps": "recommend", "text": "open_text"}.get(kind or "", "attribute")
        name = editor.STARTING_SCALE.get(kind or "")
        values["scale"] = name or OWN_SCALE
        scale = BUILTIN_SCALES[name].model_dump(mode="json") if name else {
            "kind": kind, "options": [{"value": 1, "label": {}}, {"value": 2, "label": {}}]}
    return MultiDict({**values, **_scale_values(scale)})


def _scale_values(scale: dict[str, Any]) -> dict[str, Any]:
    """A scale's settings as form values."""
    values: dict[str, Any] = {"scale_kind": scale["kind"], "scale_min": "" if scale.get("min") is None else
                              scale["min"], "scale_max": "" if scale.get("max") is None else scale["max"]}
    for point, text in (scale.get("anchors") or {}).items():
        for lang in LANGS:
            values[f"anchor_{point}_{lang}"] = text.get(lang, "")
    options = scale.get("options") or []
    for k, option in enumerate(options):
        values[f"option_{k}_value"] = option["value"]
        for lang in LANGS:
            values[f"option_{k}_{lang}"] = option["label"].get(lang, "")
    values["option_rows"] = len(options) + BLANK_OPTION_ROWS if scale["kind"] in ("single", "multiple") else 0
    return values


def _with_scale_of(form: MultiDict, data: dict[str, Any]) -> MultiDict:
    """The posted form with the settings of the scale it chose (its other fields as typed)."""
    name = form.get("scale", OWN_SCALE)
    scale = data["scales"].get(name) or (BUILTIN_SCALES[name].model_dump(mode="json") if name in BUILTIN_SCALES
                                         else None)
    kept = MultiDict({key: value for key, value in form.items(multi=False)
                      if not key.startswith(("scale_", "anchor_", "option_"))})
    previous = form.get("previous_scale", "")
    if scale is None and "scale_kind" not in form and previous in {*BUILTIN_SCALES, *data["scales"]}:
        # a new scale chosen instead of a built-in one (whose settings were shown, not sent): start from a copy
        scale = data["scales"].get(previous) or BUILTIN_SCALES[previous].model_dump(mode="json")
        kept.update(_scale_values(scale))
        return kept
    if scale is None:  # a new scale: the settings typed so far, one more option row
        kept.update({key: value for key, value in form.items(multi=False)
                     if key.startswith(("scale_", "anchor_", "option_"))})
        kept["option_rows"] = str(min(_int(form.get("option_rows")) or 0, MAX_OPTION_ROWS) + 3)
        return kept
    kept.update(_scale_values(scale))
    return kept


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _pair(form: MultiDict, name: str) -> dict[str, str]:
    return {lang: (form.get(f"{name}_{lang}") or "").strip() for lang in LANGS}


def _question_edit(form: MultiDict) -> tuple[QuestionEdit, dict[str, str]]:
    """The question the form describes, and problems the form itself shows (numbers that are not numbers)."""
    errors: dict[str, str] = {}
    code = (form.get("code") or "").strip()
    if not CODE_PATTERN.match(code):
        errors["code"] = _("A code starts with a letter and has only letters, digits and _.")
    kind = form.get("scale_kind", "")
    if kind not in SCALE_KIND_LABELS:
        kind = "text"
    bounds: dict[str, int | None] = {}
    for end in ("min", "max"):
        raw = (form.get(f"scale_{end}") or "").strip()
        bounds[end] = _int(raw) if raw else None
        if raw and bounds[end] is None:
            errors[f"scale_{end}"] = _("Enter a whole number.")
    anchors: dict[int, dict[str, str]] = {}
    options: list[tuple[str, dict[str, str]]] = []
    if kind in POINT_KINDS:
        for point in _anchor_points(bounds["min"], bounds["max"]):
            text = _pair(form, f"anchor_{point}")
            if any(text.values()):
                anchors[point] = text
    if kind in ("single", "multiple"):
        for k in range(min(_int(form.get("option_rows")) or 0, MAX_OPTION_ROWS)):
            value, label = (form.get(f"option_{k}_value") or "").strip(), _pair(form, f"option_{k}")
            if value or any(label.values()):
                options.append((value, label))
    scale = ScaleEdit(kind=kind, min=bounds["min"] if kind not in ("single", "multiple", "text") else None,
                      max=bounds["max"] if kind not in ("single", "multiple", "text") else None,
                      anchors=anchors, options=options)
    construct = form.get("construct") or None
    new_name = (form.get("new_construct") or "").strip()
    new_construct = None
    if new_name:
        if not CODE_PATTERN.match(new_name):
            errors["new_construct"] = _("A name starts with a letter and has only letters, digits and _.")
        new_construct = (new_name, _pair(form, "new_construct"))
    role = form.get("role", "attribute")
    if role not in ROLE_LABELS:
        errors["role"] = _("Choose a role from the list.")
    edit = QuestionEdit(
        code=code, text=_pair(form, "text"), help=_pair(form, "help"), required=bool(form.get("required")),
        role=role, construct=construct, new_construct=new_construct, reverse=bool(form.get("reverse")),
        attribute=(form.get("attribute") or "").strip() or None, scale=form.get("scale", OWN_SCALE),
        scale_edit=scale, randomize_options=bool(form.get("randomize_options")))
    return edit, errors


def _anchor_points(low: int | None, high: int | None) -> list[int]:
    if low is None or high is None or low >= high:
        return []
    if high - low + 1 <= MAX_ANCHOR_ROWS:
        return list(range(low, high + 1))
    return [low, high]


def _question_errors(exc: QuestionnaireInvalid, data: dict[str, Any], edit: QuestionEdit, old_code: str | None,
                     page_id: str | None) -> dict[str, str]:
    """The problem beside the question form's field it concerns."""
    prefixes: dict[tuple[str | int, ...], str] = {}
    p, i = -1, -1
    try:  # an edited question keeps its place; a new one is the last of its page
        if old_code is not None:
            p, i = editor.find_item(data, edit.code)
            if old_code != edit.code:
                p, i = _place_of(data, edit.code, old_code)
        else:
            p = len(data["pages"]) - 1 if page_id == NEW_PAGE else editor.find_page(data, page_id or "")
            i = len(data["pages"][p]["items"]) - 1
    except (KeyError, IndexError):
        p, i = -1, -1
    for key in ("code", "text", "help", "role", "construct", "attribute", "scale", "randomize_options"):
        prefixes[("pages", p, "items", i, key)] = key
    scale_name = data["pages"][p]["items"][i]["scale"] if p >= 0 else None
    if scale_name is not None:
        base = ("scales", scale_name)
        prefixes.update({(*base, "kind"): "scale_kind", (*base, "min"): "scale_min", (*base, "max"): "scale_max",
                         (*base, "options"): "options"})
        for point in _anchor_points(edit.scale_edit.min if edit.scale_edit else None,
                                    edit.scale_edit.max if edit.scale_edit else None):
            prefixes[(*base, "anchors", point)] = f"anchor_{point}"
        for k in range(len(edit.scale_edit.options) if edit.scale_edit else 0):
            prefixes[(*base, "options", k, "value")] = f"option_{k}_value"
            prefixes[(*base, "options", k, "label")] = f"option_{k}"
            prefixes[(*base, "options", k)] = f"option_{k}_value"
    if page_id == NEW_PAGE and p >= 0:
        prefixes[("pages", p, "title")] = "page_title"
    if edit.new_construct:
        prefixes[("constructs", edit.new_construct[0])] = "new_construct"
    return _field_errors(exc, prefixes)


def _place_of(data: dict[str, Any], code: str, old_code: str) -> tuple[int, int]:
    """Where the question renamed from ``old_code`` to ``code`` is: the one of that code not found before."""
    places = [(p, i) for p, page in enumerate(data["pages"]) for i, item in enumerate(page["items"])
              if item["code"] == code]
    return places[-1] if len(places) > 1 else places[0]


def _field_errors(exc: QuestionnaireInvalid, prefixes: dict[tuple[str | int, ...], str]) -> dict[str, str]:
    """``{field: message}`` for the problem: the longest prefix of its path names the field (a trailing
    language is added: ``text`` + ``zh`` is ``text_zh``); a problem elsewhere goes to ``_general``."""
    message = explain(exc.problem)
    for length in range(len(exc.path), 0, -1):
        name = prefixes.get(tuple(exc.path[:length]))
        if name is not None:
            rest = exc.path[length:]
            if rest and rest[-1] in LANGS and not name.endswith("_value"):
                name = f"{name}_{rest[-1]}"  # a text: the input of its language
            return {name: message}
    return {"_general": message}


def _question_context(survey: Survey, data: dict[str, Any], form: MultiDict, errors: dict[str, str],
                      offered: list[str], kind: str | None, page_id: str | None, old_code: str | None) -> dict:
    """What the question template shows, as plain values."""
    lang = _lang()
    scale_kind = form.get("scale_kind", "text")
    low, high = _int(form.get("scale_min")), _int(form.get("scale_max"))
    scales = [(OWN_SCALE, _("A new scale for this question (settings below)"))]
    for name, scale in {**{n: s.model_dump(mode="json") for n, s in BUILTIN_SCALES.items()},
                        **data.get("scales", {})}.items():
        users = editor.scale_users(data, name)
        note = _("built in, cannot be changed") if name in BUILTIN_SCALES else \
            _("used by %(n)s questions", n=len(users))
        scales.append((name, f"{scale_label(name)} · {KIND_LABELS[scale['kind']]} · {note}"))
    constructs = [("", _("None"))] + [(name, f"{c['label'].get(lang) or name} ({name})")
                                      for name, c in data.get("constructs", {}).items()]
    chosen = form.get("scale", OWN_SCALE)
    anchors = [_text_fields(f"anchor_{point}", _pair(form, f"anchor_{point}"), None, errors,
                            _("Anchor at %(point)s", point=point)) for point in _anchor_points(low, high)]
    options = [{"index": k, "value": form.get(f"option_{k}_value", ""), "value_error": errors.get(
        f"option_{k}_value"), **_text_fields(f"option_{k}", _pair(form, f"option_{k}"), offered, errors,
                                            _("Option %(n)s", n=k + 1))}
               for k in range(min(_int(form.get("option_rows")) or 0, MAX_OPTION_ROWS))]
    if old_code is not None:
        heading = _("Question %(code)s", code=old_code)
        action = url_for("admin.questionnaire_question", slug=survey.slug, code=old_code)
    else:
        heading = _("New question: %(kind)s", kind=KIND_LABELS[kind or "text"])
        action = url_for("admin.questionnaire_new", slug=survey.slug, kind=kind, page=page_id)
    return {
        "survey": {"slug": survey.slug, "title": survey.title_in(lang)}, "revision": survey.questionnaire_revision,
        "heading": heading, "action": action, "errors": errors, "general": errors.get("_general"),
        "new_page": page_id == NEW_PAGE,
        "page_title": _text_fields("page_title", _pair(form, "page_title"), offered, errors,
                                   _("Title of the new page")),
        "code": form.get("code", ""), "text": _text_fields("text", _pair(form, "text"), offered, errors,
                                                          _("Question")),
        "help": _text_fields("help", _pair(form, "help"), None, errors, _("Help text (optional)")),
        "required": bool(form.get("required")), "reverse": bool(form.get("reverse")),
        "role": form.get("role", "attribute"), "roles": [(k, str(v)) for k, v in ROLE_LABELS.items()],
        "construct": form.get("construct", ""), "constructs": constructs,
        "new_construct": form.get("new_construct", ""),
        "new_construct_label": _text_fields("new_construct", _pair(form, "new_construct"), None, errors,
                                            _("Label of the new construct")),
        "attribute": form.get("attribute", ""), "scale": chosen, "scales": scales,
        "builtin": chosen in BUILTIN_SCALES, "scale_kind": scale_kind,
        "scale_kinds": [(k, str(v)) for k, v in SCALE_KIND_LABELS.items()],
        "scale_min": form.get("scale_min", ""), "scale_max": form.get("scale_max", ""),
        "has_range": scale_kind in (*POINT_KINDS, "numeric"), "has_options": scale_kind in ("single", "multiple"),
        "anchors": anchors if scale_kind in POINT_KINDS else [], "options": options,
        "option_rows": len(options), "randomize_options": bool(form.get("randomize_options")),
        "placeholders": placeholders(instrument_of(survey), _page_of(data, old_code, page_id), lang),
    }


def _page_of(data: dict[str, Any], code: str | None, page_id: str | None) -> int:
    """The index of the page a question is (or is to be) on; a new page comes after the last."""
    if code is not None:
        return editor.find_item(data, code)[0]
    return len(data["pages"]) if page_id in (None, NEW_PAGE) else editor.find_page(data, page_id)


def _pair_form(survey: Survey, data: dict[str, Any], kind: str, page_id: str):
    """A Kano or SERVQUAL pair: two questions joined by an attribute name."""
    offered = list(data.get("languages") or LANGS)
    form = request.form if request.method == "POST" else MultiDict({"scale": "likert7"})
    errors: dict[str, str] = {}
    if request.method == "POST":
        attribute = (form.get("attribute") or "").strip()
        edits = []
        for part in ("a", "b"):
            code = (form.get(f"code_{part}") or "").strip()
            if not CODE_PATTERN.match(code):
                errors[f"code_{part}"] = _("A code starts with a letter and has only letters, digits and _.")
            edits.append(QuestionEdit(code=code, text=_pair(form, f"text_{part}"),
                                      construct=form.get("construct") or None))
        if not attribute:
            errors["attribute"] = _("Name the attribute the two questions ask about.")
        if not errors:
            changed = data
            try:
                changed = editor.add_pair(data, kind, page_id=page_id, attribute=attribute, first=edits[0],
                                          second=edits[1], scale=form.get("scale") or None,
                                          page_title=_pair(form, "page_title") if page_id == NEW_PAGE else None)
                _store(survey, changed)
            except QuestionnaireInvalid as exc:
                db.session.rollback()
                errors = _pair_errors(exc, changed, edits)
            except editor.TranslatableError as exc:
                return _refused(survey, exc)
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("admin.questionnaire", slug=survey.slug) + f"#q-{edits[0].code}")
    first, second = ((_("Functional: how do you feel if it is so?"), _("Dysfunctional: how do you feel if it is "
                                                                        "not so?")) if kind == "kano" else
                     (_("Expectation: what an excellent company would do"), _("Perception: what this company "
                                                                               "does")))
    lang = _lang()
    return render_template(
        "admin/editor/pair.html", survey={"slug": survey.slug, "title": survey.title_in(lang)},
        revision=survey.questionnaire_revision, heading=_("New question: %(kind)s", kind=KIND_LABELS[kind]),
        action=url_for("admin.questionnaire_new", slug=survey.slug, kind=kind, page=page_id), kind=kind,
        errors=errors, general=errors.get("_general"), attribute=form.get("attribute", ""),
        codes={part: form.get(f"code_{part}", "") for part in ("a", "b")},
        texts=[_text_fields("text_a", _pair(form, "text_a"), offered, errors, first),
               _text_fields("text_b", _pair(form, "text_b"), offered, errors, second)],
        construct=form.get("construct", ""),
        constructs=[("", _("None"))] + [(n, f"{c['label'].get(lang) or n} ({n})")
                                        for n, c in data.get("constructs", {}).items()],
        scale=form.get("scale", "likert7"),
        scales=[(n, scale_label(n)) for n, s in {**{k: v.model_dump(mode="json") for k, v in BUILTIN_SCALES.items()},
                                    **data.get("scales", {})}.items() if s["kind"] in POINT_KINDS],
        new_page=page_id == NEW_PAGE, page_title=_text_fields("page_title", _pair(form, "page_title"), offered,
                                                              errors, _("Title of the new page"))), \
        422 if errors else 200


def _pair_errors(exc: QuestionnaireInvalid, data: dict[str, Any], edits: list[QuestionEdit]) -> dict[str, str]:
    prefixes: dict[tuple[str | int, ...], str] = {}
    for part, edit in zip(("a", "b"), edits, strict=True):
        try:
            p, i = editor.find_item(data, edit.code)
        except KeyError:
            continue
        prefixes[("pages", p, "items", i, "code")] = f"code_{part}"
        prefixes[("pages", p, "items", i, "text")] = f"text_{part}"
        prefixes[("pages", p, "items", i, "attribute")] = "attribute"
        prefixes[("pages", p, "title")] = "page_title"
    return _field_errors(exc, prefixes)


# -- import and export ---------------------------------------------------------------------------------------------
@bp.get("/surveys/<slug>/questionnaire.<fmt>")
@survey_view
def questionnaire_export(survey: Survey, fmt: str):
    """The questionnaire as a file (YAML, or another interchange format)."""
    if fmt not in FORMATS:
        abort(404)
    exported = export_questionnaire(instrument_of(survey), fmt)
    return send_file(io.BytesIO(exported.data), mimetype=exported.media_type, as_attachment=True,
                     download_name=f"{survey.slug}-questionnaire{exported.suffix}")


@bp.post("/surveys/<slug>/questionnaire/import")
@survey_view
def questionnaire_import(survey: Survey):
    """Replace the questionnaire by one read from a file; what did not map is listed."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a questionnaire file."), "error")
        return redirect(url_for("admin.questionnaire", slug=survey.slug))
    try:
        imported = import_questionnaire(upload.filename, upload.read())
        instrument: Instrument = imported.instrument
        editor.store_questionnaire(survey, instrument, revision=_revision())
        audit_change(survey, "questionnaire:import")
    except editor.TranslatableError as exc:

        return _refused(survey, exc)
    except ValueError as exc:  # the file is not a questionnaire: InstrumentError names file, key path, problem
        db.session.rollback()
        flash(_("Not imported: %(reason)s", reason=explain(exc)), "error")
        return redirect(url_for("admin.questionnaire", slug=survey.slug))
    db.session.commit()
    flash(_("Questionnaire imported."), "success")
    # listed on the page, not flashed: a foreign file can leave dozens of parts, more than a session cookie holds
    return _overview(survey, not_mapped=imported.not_mapped)
