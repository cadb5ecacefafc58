"""Answer blocks: a survey's complete answers kept a second time as typed columns, a block of responses at a time.

A large survey's documents cost most of a report's reading time: every answer of every response is JSON text to
parse. A block holds ``analysis.answer_blocks.BLOCK_ROWS`` complete responses (consecutive ids of one survey) as
column arrays (one byte per answer on a 0-10 scale), built by :func:`analysis.answer_blocks.build_blocks` and read
by :func:`analysis.frames.responses_frame`. The database keeps them honest: a trigger on ``response`` deletes the
block whose id range an inserted, changed or deleted response falls in (migration 0026), so a block never
outlives a change of the answers it copies (an erasure or a retention run removes its copy with it), and
deleting a survey deletes its blocks.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models.types import utcnow


class AnswerBlock(db.Model):
    __tablename__ = "answer_block"
    __table_args__ = (sa.UniqueConstraint("survey_id", "first_id", name="uq_answer_block_survey_first"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"))
    #: the ids of the block's first and last response: every response of the survey in between is in the block,
    #: but for those not complete (or made in a preview) when it was built
    first_id: Mapped[int] = mapped_column(sa.Integer)
    last_id: Mapped[int] = mapped_column(sa.Integer)
    rows: Mapped[int] = mapped_column(sa.Integer)
    #: the column arrays in one payload (a table of contents and the arrays' bytes): analysis.answer_blocks
    payload: Mapped[bytes] = mapped_column(sa.LargeBinary)
    built_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
