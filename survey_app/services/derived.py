"""What the app derived from a survey's answers and invitees outside their own tables, and removing it.

The places (docs/privacy.md): the report jobs (``report_job``: the finished PDF is the report cache, kept in the
row), the survey's folder of the local mail outbox (``.<slug>``: invitations and reminders with names, addresses
and personal links) and its case-mail folder (``.cases-<slug>``: alerts quoting answers). Exports are built in
memory for each download (the SPSS file in a temporary folder removed before the response is sent), and the
survey page cache holds the questionnaire only, so neither keeps anything to remove.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.models import ReportJob, Survey


@dataclass(frozen=True)
class DerivedCounts:
    """What :func:`purge_derived` removed: report jobs (with their PDFs) and files of the mail outbox."""

    report_jobs: int
    outbox_files: int


def outbox_folders(survey: Survey) -> list[Path]:
    """The survey's folders in the local mail outbox (survey_app.services.mail.transport.outbox_folder)."""
    root = Path(current_app.config["MAIL_OUTBOX"])
    return [root / f".{survey.slug}", root / f".cases-{survey.slug}"]


def _files(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file() and path.name != "maildirfolder")


def purge_derived(survey: Survey) -> DerivedCounts:
    """Remove the survey's report jobs (cached PDFs included) and its folders of the mail outbox. Flushes only;
    the files go at once (a rolled-back transaction does not bring them back). Running it again removes nothing."""
    jobs = db.session.execute(sa.delete(ReportJob).where(ReportJob.survey_id == survey.id)).rowcount
    files = 0
    for folder in outbox_folders(survey):
        if folder.is_dir():
            files += _files(folder)
            shutil.rmtree(folder)
    db.session.flush()
    return DerivedCounts(report_jobs=jobs, outbox_files=files)
