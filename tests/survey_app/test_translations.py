"""Every interface string of the app has its Chinese translation, with the same placeholders; pages come in the
language the respondent chose or the browser prefers.

The strings are extracted the way ``pybabel extract`` would (Python sources and Jinja templates), so a new
``_('...')`` without a zh entry in ``translations/zh/LC_MESSAGES/messages.po`` fails here instead of showing
English to a Chinese respondent or manager.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from survey_app.i18n import _preferred

APP = Path(__file__).resolve().parents[2] / "survey_app"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def interface_strings() -> dict[str, str]:
    """msgid -> the file it was found in."""
    found: dict[str, str] = {}
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    for filename, _line, message, _comments, _context in extract_from_dir(str(APP), method_map):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, filename)
    return found


def test_the_extraction_finds_the_app_strings() -> None:
    strings = interface_strings()
    # guards against an extractor that silently finds nothing (and so passes the test below vacuously)
    assert len(strings) > 50
    assert "Download the PDF" in strings and "Create account" in strings


def test_every_interface_string_has_a_chinese_translation_with_the_same_placeholders() -> None:
    with (APP / "translations/zh/LC_MESSAGES/messages.po").open("rb") as po_file:
        catalog = read_po(po_file)
    missing, mismatched = [], []
    for msgid, filename in sorted(interface_strings().items()):
        entry = catalog.get(msgid)
        # plural entries (ngettext) carry a tuple of forms; Chinese has one
        forms = (entry.string if isinstance(entry.string, tuple) else (entry.string,)) if entry else ()
        if not forms or not all(forms):
            missing.append(f"{filename}: {msgid!r}")
        elif any(set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(form)) for form in forms):
            mismatched.append(f"{filename}: {msgid!r} -> {entry.string!r}")
    assert not missing, "no zh translation in messages.po for:\n" + "\n".join(missing)
    assert not mismatched, "placeholders differ in:\n" + "\n".join(mismatched)


@pytest.mark.parametrize(("header", "expected"), [
    ("en", "en"),
    ("en-GB,en;q=0.9", "en"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    ("zh;q=0.4, en;q=0.9", "en"),  # the browser's weights, not the order
    ("fr-FR,fr;q=0.9", "zh"),  # nothing we offer: the default
    ("", "zh"),
    (";;q=abc,,", "zh"),  # a malformed header is no error
])
def test_browser_language_preference_chooses_the_page_language(client, make_survey, header, expected) -> None:
    make_survey()
    page = client.get("/s/flow", headers={"Accept-Language": header} if header else {})
    assert page.status_code == 200
    assert ("总体而言，您有多满意？" if expected == "zh" else "Overall, how satisfied are you?") in page.text


def test_a_chosen_language_outlasts_the_browser_preference(client, make_survey) -> None:
    make_survey()
    assert "Overall, how satisfied are you?" in client.get("/s/flow?lang=en", headers={"Accept-Language": "zh"}).text
    # remembered in the session for the following pages
    assert "Overall, how satisfied are you?" in client.get("/s/flow", headers={"Accept-Language": "zh"}).text
    assert _preferred.cache_info().maxsize == 512


def _compile_into(target: str) -> None:
    from survey_app.i18n import compile_translations

    for _ in range(20):
        for mo in Path(target).rglob("*.mo"):
            mo.unlink(missing_ok=True)  # stale again: every round compiles
        compile_translations(Path(target))


def test_workers_compiling_the_catalogues_at_once_do_not_trip_over_each_other(tmp_path: Path) -> None:
    # gunicorn's workers and the test processes start together on a fresh checkout: each compiles the .po files
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_compile_into, args=(str(tmp_path),)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert (tmp_path / "zh/LC_MESSAGES/messages.mo").stat().st_size > 10_000
    assert not list(tmp_path.rglob("*.tmp"))
