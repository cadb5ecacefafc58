"""Anonymity: answers released in batches, channel tokens for API answers, console sessions kept on the server

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('survey_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('born', JSON, nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_release_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_release')),
    sa.UniqueConstraint('survey_id', 'number', name='uq_survey_release_survey_number')
    )
    with op.batch_alter_table('survey_release', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_release_survey_id'), ['survey_id'], unique=False)

    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_no', sa.Integer(), nullable=True))
        batch_op.create_index('ix_response_survey_release', ['survey_id', 'release_no'], unique=False)

    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_token_survey_id'), ['survey_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_token_survey_id_survey'), 'survey', ['survey_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_token_survey_id_survey'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_token_survey_id'))
        batch_op.drop_column('channel')
        batch_op.drop_column('survey_id')

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_survey_release')
        batch_op.drop_column('release_no')

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')

    with op.batch_alter_table('survey_release', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_release_survey_id'))
    op.drop_table('survey_release')
