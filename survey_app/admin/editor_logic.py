"""The questionnaire editor's logic screens: display conditions of questions and pages, skip rules, matrices,
and the welcome and end pages.

Like the rest of the editor, plain forms posted back: buttons that only change the form (another row, the answers
of the question chosen) re-render it with what was typed; "Save" validates the whole questionnaire and shows a
problem beside the field it concerns.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from instruments.schema import CODE_PATTERN, END, Instrument
from survey_app.admin import bp
from survey_app.admin import conditions as builder_rows
from survey_app.admin.editor import (
    _field_errors,
    _int,
    _pair,
    _refused,
    _store,
    _text_fields,
    placeholders,
    scale_label,
)
from survey_app.admin.messages import explain
from survey_app.admin.routes import _lang, survey_view
from survey_app.extensions import db
from survey_app.messages import N_, TranslatableError
from survey_app.models import Survey
from survey_app.services import editor, editor_logic
from survey_app.services.editor import QuestionnaireInvalid
from survey_app.services.surveys import instrument_of

LANGS = ("zh", "en")
#: the prefix of the display condition's builder fields
PREFIX = "c_"
#: skip rules a page's form offers at most
MAX_RULES = 20
MIN_MINUTES, MAX_MINUTES = 1, 600
#: a field of a skip rule's form: r<k>_...
RULE_FIELD = re.compile(r"r\d+_")


def _survey(survey: Survey) -> dict[str, str]:
    return {"slug": survey.slug, "title": survey.title_in(_lang())}


def _back(survey: Survey, anchor: str) -> Any:
    return redirect(url_for("admin.questionnaire", slug=survey.slug) + anchor)


def _saved(survey: Survey, anchor: str) -> Any:
    db.session.commit()
    flash(_("Saved."), "success")
    return _back(survey, anchor)


def codes_before(instrument: Instrument, *, page: int, item: int | None = None) -> list[str]:
    """The questions asked before item ``item`` of page ``page`` (before the page itself when ``item`` is None)."""
    codes = [i.code for p in instrument.pages[:page] for i in p.items]
    if item is not None:
        codes += [i.code for i in instrument.pages[page].items[:item]]
    return codes


def _with_referenced(codes: list[str], condition: dict[str, Any] | None, instrument: Instrument) -> list[str]:
    """``codes`` and the questions ``condition`` tests already (so that a condition now on a later question can
    still be shown, and corrected)."""
    known = {item.code for item in instrument.items}
    extra = []
    for row_code in _tested(condition):
        if row_code in known and row_code not in codes and row_code not in extra:
            extra.append(row_code)
    return codes + extra


def _tested(condition: Any) -> list[str]:
    if not isinstance(condition, dict):
        return []
    found = [condition["item"]] if condition.get("item") else []
    for key in ("all", "any"):
        for part in condition.get(key) or []:
            found += _tested(part)
    return found + _tested(condition.get("not"))


def _posted() -> MultiDict:
    """The posted form, to change (another row) before showing it again."""
    return MultiDict(request.form.items(multi=True))


def _more_rows(form: MultiDict, prefix: str) -> None:
    form[f"{prefix}rows"] = str(builder_rows.row_count(form, prefix) + 1)


# -- display conditions ------------------------------------------------------------------------------------------
@bp.route("/surveys/<slug>/questionnaire/<any(questions, pages):what>/<key>/condition", methods=["GET", "POST"])
@survey_view
def questionnaire_condition(survey: Survey, what: str, key: str):
    """When a question or a page is shown: tests on earlier answers, all or any of them, perhaps negated."""
    data, instrument, lang = editor.questionnaire_data(survey), instrument_of(survey), _lang()
    try:
        if what == "questions":
            p, i = editor.find_item(data, key)
            current = data["pages"][p]["items"][i].get("show_if")
            base: tuple[str | int, ...] = ("pages", p, "items", i, "show_if")
            codes, heading = codes_before(instrument, page=p, item=i), _("Display condition of question %(code)s",
                                                                       code=key)
            anchor = f"#q-{key}"
        else:
            p = editor.find_page(data, key)
            current = data["pages"][p].get("show_if")
            base = ("pages", p, "show_if")
            codes, heading = codes_before(instrument, page=p), _("Display condition of page %(n)s", n=p + 1)
            anchor = f"#page-{key}"
    except KeyError:
        abort(404)
    codes = _with_referenced(codes, current, instrument)
    stored_rows = builder_rows.rows_of(current, PREFIX)
    readonly = builder_rows.in_words(current, instrument, lang) if current and stored_rows is None else None
    form = stored_rows or builder_rows.rows_of(None, PREFIX)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form, action = _posted(), request.form.get("action", "save")
        if action == "more":
            _more_rows(form, PREFIX)
        elif action in ("save", "remove"):
            built = builder_rows.build(form, PREFIX, instrument, codes)
            errors = built.errors
            if not errors:
                condition = None if action == "remove" else built.condition
                if condition is None and readonly and action == "save":
                    condition = current  # nothing built: the imported condition stays
                try:
                    changed = (editor_logic.set_item_condition(data, key, condition) if what == "questions"
                               else editor_logic.set_page_condition(data, key, condition))
                    _store(survey, changed)
                except QuestionnaireInvalid as exc:
                    db.session.rollback()
                    errors = _condition_errors(exc, base, built.places)
                except editor.TranslatableError as exc:
                    return _refused(survey, exc)
                else:
                    return _saved(survey, anchor)
    return render_template(
        "admin/editor/condition.html", survey=_survey(survey), revision=survey.questionnaire_revision,
        heading=heading, general=errors.get("_general"), errors=errors, has_condition=current is not None,
        intro=_("Shown only when the condition holds; a test on a question that was not answered does not hold.")
        if what == "questions" else _("The page is shown only when the condition holds; otherwise it is passed "
                                      "over."),
        builder=builder_rows.builder(form, PREFIX, instrument, codes, lang, errors, readonly=readonly),
        no_questions=not codes), 422 if errors else 200


def _condition_errors(exc: QuestionnaireInvalid, base: tuple[str | int, ...],
                      places: dict[tuple[str | int, ...], str]) -> dict[str, str]:
    """The problem beside the row of the builder it concerns (else at the top of the form)."""
    if tuple(exc.path[:len(base)]) == base:
        name = builder_rows.row_errors(tuple(exc.path[len(base):]), places)
        if name is not None:
            return {name: explain(exc.problem)}
    return {"_general": explain(exc.problem)}


# -- skip rules --------------------------------------------------------------------------------------------------
def _rule_prefix(k: int) -> str:
    return f"r{k}_"


def _rule_count(form: MultiDict) -> int:
    return max(0, min(_int(form.get("rules")) or 0, MAX_RULES))


def _reordered(form: MultiDict, order: list[int]) -> MultiDict:
    """The form with its rules in ``order`` (old indexes, in their new places); rules not listed are dropped."""
    kept = MultiDict([(k, v) for k, v in form.items(multi=True) if not RULE_FIELD.match(k)])
    for new, old in enumerate(order):
        for name, value in form.items(multi=True):
            if name.startswith(_rule_prefix(old)):
                kept.add(_rule_prefix(new) + name[len(_rule_prefix(old)):], value)
    kept["rules"] = str(len(order))
    return kept


@bp.route("/surveys/<slug>/questionnaire/pages/<page_id>/skips", methods=["GET", "POST"])
@survey_view
def questionnaire_skips(survey: Survey, page_id: str):
    """Where to go after a page: rules in order, each a condition and a later page or the end of the survey."""
    data, instrument, lang = editor.questionnaire_data(survey), instrument_of(survey), _lang()
    try:
        p = editor.find_page(data, page_id)
    except KeyError:
        abort(404)
    stored = data["pages"][p].get("skip_to") or []
    codes = codes_before(instrument, page=p + 1)
    for rule in stored:
        codes = _with_referenced(codes, rule.get("if"), instrument)
    targets = [(page.id, _("Page %(n)s: %(title)s", n=n + 1, title=page.title.get(lang)))
               for n, page in enumerate(instrument.pages) if n > p]
    targets.append((END, _("The end of the survey")))
    form = MultiDict({"rules": str(len(stored) or 1)})
    for k, rule in enumerate(stored):
        rows = builder_rows.rows_of(rule.get("if"), _rule_prefix(k))
        form.update(rows or MultiDict({f"{_rule_prefix(k)}orig": str(k)}))
        form[f"{_rule_prefix(k)}to"] = rule.get("to", "")
    if not stored:
        form.update(builder_rows.rows_of(None, _rule_prefix(0)))
    errors: dict[str, str] = {}
    if request.method == "POST":
        form, action = _posted(), request.form.get("action", "save")
        count = _rule_count(form)
        if action == "more_rules" and count < MAX_RULES:
            form.update(builder_rows.rows_of(None, _rule_prefix(count)))
            form["rules"] = str(count + 1)
        elif action.startswith(("more_", "delete_", "up_")):
            verb, _sep, index = action.partition("_")
            k = _int(index)
            if k is None or not 0 <= k < count:
                abort(400)
            if verb == "more":
                _more_rows(form, _rule_prefix(k))
            elif verb == "delete":
                form = _reordered(form, [j for j in range(count) if j != k])
            elif k > 0:
                order = list(range(count))
                order[k - 1], order[k] = order[k], order[k - 1]
                form = _reordered(form, order)
        elif action == "save":
            rules, places, errors = _rules(form, count, stored, instrument, codes, [t for t, _l in targets])
            if not errors:
                try:
                    _store(survey, editor_logic.set_skip_rules(data, page_id, [(c, to) for c, to in rules]))
                except QuestionnaireInvalid as exc:
                    db.session.rollback()
                    errors = _rule_errors(exc, p, places)
                except editor.TranslatableError as exc:
                    return _refused(survey, exc)
                else:
                    return _saved(survey, f"#page-{page_id}")
    rules_shown = []
    for k in range(_rule_count(form)):
        prefix = _rule_prefix(k)
        orig = _int(form.get(f"{prefix}orig"))
        readonly = (builder_rows.in_words(stored[orig]["if"], instrument, lang)
                    if orig is not None and 0 <= orig < len(stored) else None)
        rules_shown.append({"n": k + 1, "index": k, "prefix": prefix, "to": form.get(f"{prefix}to", ""),
                            "orig": orig if readonly else None, "to_error": errors.get(f"{prefix}to"),
                            "builder": builder_rows.builder(form, prefix, instrument, codes, lang, errors,
                                                            readonly=readonly, orig=orig if readonly else None)})
    return render_template(
        "admin/editor/skips.html", survey=_survey(survey), revision=survey.questionnaire_revision,
        page_n=p + 1, page_title=instrument.pages[p].title.get(lang), rules=rules_shown, rule_count=len(rules_shown),
        targets=targets, errors=errors, general=errors.get("_general"), last_page=p + 1 == len(instrument.pages)), \
        422 if errors else 200


def _rules(form: MultiDict, count: int, stored: list[dict[str, Any]], instrument: Instrument, codes: list[str],
           targets: list[str]) -> tuple[list[tuple[dict[str, Any], str]], dict[int, tuple[int, dict]], dict[str, str]]:
    """The rules the form describes (a rule without a test is left out), where each stored rule came from (its
    index -> (form rule, builder places)), and problems the form itself shows."""
    rules: list[tuple[dict[str, Any], str]] = []
    places: dict[int, tuple[int, dict]] = {}
    errors: dict[str, str] = {}
    for k in range(count):
        prefix = _rule_prefix(k)
        orig = _int(form.get(f"{prefix}orig"))
        if orig is not None and 0 <= orig < len(stored):
            condition, where = stored[orig]["if"], {}
        else:
            built = builder_rows.build(form, prefix, instrument, codes)
            errors.update(built.errors)
            condition, where = built.condition, built.places
        to = form.get(f"{prefix}to", "")
        if condition is None:
            continue
        if to not in targets:
            errors[f"{prefix}to"] = _("Choose where to go.")
            continue
        places[len(rules)] = (k, where)
        rules.append((condition, to))
    return rules, places, errors


def _rule_errors(exc: QuestionnaireInvalid, p: int, places: dict[int, tuple[int, dict]]) -> dict[str, str]:
    base = ("pages", p, "skip_to")
    path = tuple(exc.path)
    if path[:len(base)] == base and len(path) > len(base) + 1 and path[len(base)] in places:
        k, where = places[path[len(base)]]
        if path[len(base) + 1] == "to":
            return {f"{_rule_prefix(k)}to": explain(exc.problem)}
        name = builder_rows.row_errors(path[len(base) + 2:], where)
        if name is not None:
            return {name: explain(exc.problem)}
    return {"_general": explain(exc.problem)}


# -- matrices ----------------------------------------------------------------------------------------------------
@bp.route("/surveys/<slug>/questionnaire/pages/<page_id>/matrix", methods=["GET", "POST"])
@survey_view
def questionnaire_matrix_new(survey: Survey, page_id: str):
    """Make consecutive questions of a page, on one scale, the rows of a matrix with a question of its own."""
    data, instrument, lang = editor.questionnaire_data(survey), instrument_of(survey), _lang()
    try:
        p = editor.find_page(data, page_id)
    except KeyError:
        abort(404)
    offered = list(data.get("languages") or LANGS)
    form = request.form if request.method == "POST" else MultiDict()
    errors: dict[str, str] = {}
    if request.method == "POST":
        name = None
        try:
            changed, name = editor_logic.make_matrix(data, page_id, form.getlist("rows"), text=_pair(form, "text"),
                                                     help=_pair(form, "help"))
            _store(survey, changed)
        except QuestionnaireInvalid as exc:
            db.session.rollback()
            where = ("pages", p, "matrices")
            errors = _field_errors(exc, {(*where, "rows"): "rows", ("pages", p, "items"): "rows",
                                         **({(*where, name, "text"): "text", (*where, name, "help"): "help"}
                                            if name else {})})
        except editor.TranslatableError as exc:
            return _refused(survey, exc)
        else:
            return _saved(survey, f"#page-{page_id}")
    chosen = set(form.getlist("rows"))
    page = instrument.pages[p]
    questions = [{"code": item.code, "text": item.text.get(lang), "checked": item.code in chosen,
                  "scale": scale_label(item.scale), "in_matrix": item.matrix is not None} for item in page.items]
    return render_template(
        "admin/editor/matrix_new.html", survey=_survey(survey), revision=survey.questionnaire_revision,
        page_n=p + 1, questions=questions, errors=errors, general=errors.get("_general"),
        text=_text_fields("text", _pair(form, "text"), offered, errors, _("The matrix's question")),
        help=_text_fields("help", _pair(form, "help"), None, errors, _("Help text (optional)")),
        placeholders=placeholders(instrument, p, lang)), 422 if errors else 200


@bp.route("/surveys/<slug>/questionnaire/pages/<page_id>/matrices/<name>", methods=["GET", "POST"])
@survey_view
def questionnaire_matrix(survey: Survey, page_id: str, name: str):
    """A matrix: its question and help, its rows, a new row, or the matrix undone."""
    data, lang = editor.questionnaire_data(survey), _lang()
    try:
        p = editor.find_page(data, page_id)
        matrix = data["pages"][p]["matrices"][name]
    except KeyError:
        abort(404)
    offered = list(data.get("languages") or LANGS)
    rows = editor_logic.matrix_rows(data, page_id, name)
    form = request.form if request.method == "POST" else MultiDict({
        **{f"text_{lang_}": matrix["text"].get(lang_, "") for lang_ in LANGS},
        **{f"help_{lang_}": (matrix.get("help") or {}).get(lang_, "") for lang_ in LANGS},
        "row_code": _free_code(data)})
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = form.get("action", "save")
        changed = data
        try:
            if action == "dissolve":
                changed = editor_logic.dissolve_matrix(data, page_id, name)
            elif action == "add_row":
                code = (form.get("row_code") or "").strip()
                if not CODE_PATTERN.match(code):
                    raise QuestionnaireInvalid(("row_code",), TranslatableError(N_(
                        "a code starts with a letter and has only letters, digits and _")))
                changed = editor_logic.add_matrix_row(data, page_id, name, code=code, text=_pair(form, "row_text"))
            else:
                changed = editor_logic.save_matrix(data, page_id, name, text=_pair(form, "text"),
                                                   help=_pair(form, "help"))
            _store(survey, changed)
        except QuestionnaireInvalid as exc:
            db.session.rollback()
            prefixes: dict[tuple[str | int, ...], str] = {
                ("row_code",): "row_code", ("pages", p, "matrices", name, "text"): "text",
                ("pages", p, "matrices", name, "help"): "help"}
            if action == "add_row":
                new_place = ("pages", p, "items", editor.find_item(data, rows[-1])[1] + 1)
                prefixes.update({(*new_place, "code"): "row_code", (*new_place, "text"): "row_text"})
            errors = _field_errors(exc, prefixes)
        except editor.TranslatableError as exc:
            return _refused(survey, exc)
        else:
            if action == "add_row":
                db.session.commit()
                flash(_("Row added."), "success")
                return redirect(url_for("admin.questionnaire_matrix", slug=survey.slug, page_id=page_id, name=name))
            return _saved(survey, f"#page-{page_id}")
    instrument = instrument_of(survey)
    return render_template(
        "admin/editor/matrix.html", survey=_survey(survey), revision=survey.questionnaire_revision, name=name,
        page_n=p + 1, page_id=page_id, errors=errors, general=errors.get("_general"),
        rows=[{"code": code, "text": instrument.item(code).text.get(lang)} for code in rows],
        scale=scale_label(instrument.item(rows[0]).scale) if rows else "",
        text=_text_fields("text", _pair(form, "text"), offered, errors, _("The matrix's question")),
        help=_text_fields("help", _pair(form, "help"), None, errors, _("Help text (optional)")),
        row_code=form.get("row_code", ""),
        row_text=_text_fields("row_text", _pair(form, "row_text"), offered, errors, _("Text of the new row")),
        placeholders=placeholders(instrument, p, lang)), 422 if errors else 200


def _free_code(data: dict[str, Any]) -> str:
    taken = {item["code"] for page in data["pages"] for item in page["items"]}
    return editor.new_id(list(taken), "Q")


# -- welcome and end -----------------------------------------------------------------------------------------------
@bp.route("/surveys/<slug>/questionnaire/welcome", methods=["GET", "POST"])
@survey_view
def questionnaire_welcome(survey: Survey):
    """The welcome page (text, estimated minutes, privacy notice) and the end page (text, an address to go to)."""
    data = editor.questionnaire_data(survey)
    welcome, end = data.get("welcome") or {}, data.get("end") or {}
    form = request.form if request.method == "POST" else MultiDict({
        **{f"welcome_{lang}": (welcome.get("text") or {}).get(lang, "") for lang in LANGS},
        **{f"privacy_{lang}": (welcome.get("privacy") or {}).get(lang, "") for lang in LANGS},
        **{f"end_{lang}": (end.get("text") or {}).get(lang, "") for lang in LANGS},
        "minutes": welcome.get("minutes") or "", "redirect": end.get("redirect") or ""})
    errors: dict[str, str] = {}
    if request.method == "POST":
        raw = (form.get("minutes") or "").strip()
        minutes = _int(raw) if raw else None
        if raw and (minutes is None or not MIN_MINUTES <= minutes <= MAX_MINUTES):
            errors["minutes"] = _("Give the minutes as a whole number from %(low)s to %(high)s.", low=MIN_MINUTES,
                                  high=MAX_MINUTES)
        if not errors:
            try:
                _store(survey, editor_logic.save_welcome_and_end(
                    data, welcome=_pair(form, "welcome"), minutes=minutes, privacy=_pair(form, "privacy"),
                    end=_pair(form, "end"), redirect=form.get("redirect")))
            except QuestionnaireInvalid as exc:
                db.session.rollback()
                errors = _field_errors(exc, {("welcome", "text"): "welcome", ("welcome", "privacy"): "privacy",
                                             ("welcome", "minutes"): "minutes", ("end", "text"): "end",
                                             ("end", "redirect"): "redirect", ("welcome",): "welcome",
                                             ("end",): "end"})
            except editor.TranslatableError as exc:
                return _refused(survey, exc)
            else:
                return _saved(survey, "#welcome")
    return render_template(
        "admin/editor/welcome.html", survey=_survey(survey), revision=survey.questionnaire_revision, errors=errors,
        general=errors.get("_general"), anonymous=survey.anonymous,
        welcome=_text_fields("welcome", _pair(form, "welcome"), None, errors, _("Welcome text")),
        privacy=_text_fields("privacy", _pair(form, "privacy"), None, errors, _("Privacy notice (optional)")),
        end=_text_fields("end", _pair(form, "end"), None, errors, _("Text after the last page (optional)")),
        minutes=form.get("minutes", ""), redirect_to=form.get("redirect", "")), 422 if errors else 200
