"""Editing a questionnaire's logic: display conditions, skip rules, matrices, shuffled orders, welcome and end.

Like :mod:`survey_app.services.editor`, each operation takes the instrument data and returns changed data; the
caller validates the whole instrument (:func:`survey_app.services.editor.validated`) before storing it, so a
condition on a later question or a skip backwards is refused with the key path of the field concerned.
"""

from __future__ import annotations

import copy
from typing import Any

from instruments.schema import BUILTIN_SCALES, MATRIX_KINDS
from survey_app.messages import N_, Quoted, TranslatableError
from survey_app.services.editor import QuestionnaireInvalid, find_item, find_page, new_id


def _filled(text: dict[str, str] | None) -> dict[str, str] | None:
    """A text in both languages, or None when both are blank."""
    if not text or not any((v or "").strip() for v in text.values()):
        return None
    return {lang: (value or "").strip() for lang, value in text.items()}


# -- conditions and skip rules ---------------------------------------------------------------------------------
def set_item_condition(data: dict[str, Any], code: str, condition: dict[str, Any] | None) -> dict[str, Any]:
    """``data`` with question ``code`` shown only when ``condition`` holds (None: always shown)."""
    data = copy.deepcopy(data)
    p, i = find_item(data, code)
    data["pages"][p]["items"][i]["show_if"] = condition
    return data


def set_page_condition(data: dict[str, Any], page_id: str, condition: dict[str, Any] | None) -> dict[str, Any]:
    """``data`` with page ``page_id`` shown only when ``condition`` holds (None: always shown)."""
    data = copy.deepcopy(data)
    data["pages"][find_page(data, page_id)]["show_if"] = condition
    return data


def set_skip_rules(data: dict[str, Any], page_id: str, rules: list[tuple[dict[str, Any], str]]) -> dict[str, Any]:
    """``data`` with the skip rules of page ``page_id`` replaced by ``rules``: (condition, a later page's id or
    ``end``), the first that holds wins."""
    data = copy.deepcopy(data)
    data["pages"][find_page(data, page_id)]["skip_to"] = [{"if": condition, "to": to} for condition, to in rules]
    return data


# -- shuffled orders -------------------------------------------------------------------------------------------
def set_page_randomize(data: dict[str, Any], page_id: str, randomize: bool) -> dict[str, Any]:
    """``data`` with the questions of page ``page_id`` in an order of their own per respondent, or not."""
    data = copy.deepcopy(data)
    data["pages"][find_page(data, page_id)]["randomize"] = randomize
    return data


# -- matrices --------------------------------------------------------------------------------------------------
def make_matrix(data: dict[str, Any], page_id: str, codes: list[str], *, text: dict[str, str],
                help: dict[str, str] | None = None) -> tuple[dict[str, Any], str]:
    """``data`` with the questions ``codes`` of page ``page_id`` (consecutive, on one scale) made the rows of a new
    matrix asking ``text``; returns the data and the matrix's id."""
    data = copy.deepcopy(data)
    p = find_page(data, page_id)
    page = data["pages"][p]
    positions = sorted(i for i, item in enumerate(page["items"]) if item["code"] in set(codes))
    where = ("pages", p, "matrices")
    if len(positions) < 2:
        raise QuestionnaireInvalid((*where, "rows"), TranslatableError(
            N_("choose at least two questions of this page for the rows of the matrix")))
    if positions != list(range(positions[0], positions[-1] + 1)):
        raise QuestionnaireInvalid((*where, "rows"), TranslatableError(
            N_("the rows of a matrix follow each other: choose questions with no other question between them")))
    rows = [page["items"][i] for i in positions]
    taken = [row for row in rows if row.get("matrix")]
    if taken:
        raise QuestionnaireInvalid((*where, "rows"), TranslatableError(
            N_("question %(code)s is already a row of a matrix"), code=Quoted(taken[0]["code"])))
    scales = {row["scale"] for row in rows}
    if len(scales) > 1:
        raise QuestionnaireInvalid((*where, "rows"), TranslatableError(
            N_("the rows of a matrix share one scale; these questions use %(n)s different scales"), n=len(scales)))
    kind = _scale_kind(data, rows[0]["scale"])
    if kind not in MATRIX_KINDS:
        raise QuestionnaireInvalid((*where, "rows"), TranslatableError(
            N_("a matrix row takes one answer from a list: agreement, rating, recommendation or single choice")))
    name = new_id(list(page.get("matrices") or {}), "M")
    page.setdefault("matrices", {})[name] = {"text": dict(text), "help": _filled(help)}
    for row in rows:
        row["matrix"] = name
    return data, name


def save_matrix(data: dict[str, Any], page_id: str, name: str, *, text: dict[str, str],
                help: dict[str, str] | None) -> dict[str, Any]:
    """``data`` with the text and help of matrix ``name`` changed."""
    data = copy.deepcopy(data)
    page = data["pages"][find_page(data, page_id)]
    if name not in (page.get("matrices") or {}):
        raise KeyError(name)
    page["matrices"][name] = {"text": dict(text), "help": _filled(help)}
    return data


def dissolve_matrix(data: dict[str, Any], page_id: str, name: str) -> dict[str, Any]:
    """``data`` without matrix ``name``: its rows become separate questions again."""
    data = copy.deepcopy(data)
    page = data["pages"][find_page(data, page_id)]
    if name not in (page.get("matrices") or {}):
        raise KeyError(name)
    del page["matrices"][name]
    for item in page["items"]:
        if item.get("matrix") == name:
            item["matrix"] = None
    return data


def add_matrix_row(data: dict[str, Any], page_id: str, name: str, *, code: str,
                   text: dict[str, str]) -> dict[str, Any]:
    """``data`` with a question ``code`` added after the last row of matrix ``name``, on its scale, with the role
    and construct of that row."""
    data = copy.deepcopy(data)
    page = data["pages"][find_page(data, page_id)]
    rows = [i for i, item in enumerate(page["items"]) if item.get("matrix") == name]
    if not rows:
        raise KeyError(name)
    last = page["items"][rows[-1]]
    row = {"code": code, "text": dict(text), "scale": last["scale"], "role": last.get("role", "attribute"),
           "construct": last.get("construct"), "required": last.get("required", True), "matrix": name}
    page["items"].insert(rows[-1] + 1, row)
    return data


def matrix_rows(data: dict[str, Any], page_id: str, name: str) -> list[str]:
    """The codes of the rows of matrix ``name``, in order."""
    page = data["pages"][find_page(data, page_id)]
    return [item["code"] for item in page["items"] if item.get("matrix") == name]


def _scale_kind(data: dict[str, Any], name: str) -> str:
    scale = (data.get("scales") or {}).get(name)
    return scale["kind"] if scale else BUILTIN_SCALES[name].kind


# -- welcome and end -------------------------------------------------------------------------------------------
def save_welcome_and_end(data: dict[str, Any], *, welcome: dict[str, str] | None, minutes: int | None,
                         privacy: dict[str, str] | None, end: dict[str, str] | None,
                         redirect: str | None) -> dict[str, Any]:
    """``data`` with its welcome page (text, estimated minutes, privacy notice) and end page (text, an address
    to send the respondent to); a welcome page without text is none, nor is an end page without text or address."""
    data = copy.deepcopy(data)
    welcome, privacy, end = _filled(welcome), _filled(privacy), _filled(end)
    redirect = (redirect or "").strip() or None
    if welcome is None and (minutes is not None or privacy is not None):
        raise QuestionnaireInvalid(("welcome", "text"), TranslatableError(
            N_("write the welcome text: the estimated time and the privacy notice are shown with it")))
    data["welcome"] = None if welcome is None else {"text": welcome, "minutes": minutes, "privacy": privacy}
    data["end"] = None if end is None and redirect is None else {"text": end, "redirect": redirect}
    return data
