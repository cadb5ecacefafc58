"""Answer blocks: a large survey's complete answers as typed columns, deleted by the database when a response in
their range changes

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 10:00:00.000000

The triggers are the blocks' only invalidation: whatever inserts, changes or deletes a response (a submission, a
release, an erasure, a retention run, a manual fix in the database) deletes the block whose id range it falls in,
in the same transaction.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

_EVENTS = {"insert": ("INSERT", ["NEW"]), "update": ("UPDATE", ["OLD", "NEW"]), "delete": ("DELETE", ["OLD"])}


def _condition(row: str) -> str:
    return f"(survey_id = {row}.survey_id AND {row}.id BETWEEN first_id AND last_id)"


def upgrade():
    op.create_table(
        'answer_block',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('first_id', sa.Integer(), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('payload', sa.LargeBinary(), nullable=False),
        sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_answer_block_survey_id_survey'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_block')),
        sa.UniqueConstraint('survey_id', 'first_id', name='uq_answer_block_survey_first'),
    )
    if op.get_bind().dialect.name == 'postgresql':
        for name, (event, rows) in _EVENTS.items():
            returned = "OLD" if event == "DELETE" else "NEW"
            op.execute(f"""
                CREATE FUNCTION answer_block_forget_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    DELETE FROM answer_block WHERE {' OR '.join(_condition(row) for row in rows)};
                    RETURN {returned};
                END $$""")
            op.execute(f"CREATE TRIGGER answer_block_forget_{name} AFTER {event} ON response "
                       f"FOR EACH ROW EXECUTE FUNCTION answer_block_forget_{name}()")
    else:
        for name, (event, rows) in _EVENTS.items():
            op.execute(f"CREATE TRIGGER answer_block_forget_{name} AFTER {event} ON response FOR EACH ROW "
                       f"BEGIN DELETE FROM answer_block WHERE {' OR '.join(_condition(row) for row in rows)}; END")


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for name in _EVENTS:
        op.execute(f"DROP TRIGGER answer_block_forget_{name}" + (" ON response" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION answer_block_forget_{name}()")
    op.drop_table('answer_block')
