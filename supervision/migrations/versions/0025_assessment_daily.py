"""日常工作情况评价: the daily rules' settings per year (weight, on/off, parameters)

Revision ID: 0025_assessment_daily
Revises: 0023_assessment
Create Date: 2026-12-01 11:30:00

Issue 18: the daily part of the 考核 is computed from the app's records by rules; the admin sets each rule's weight
and parameters per year. A year without rows uses the defaults, so nothing is filled here.
"""
from alembic import op
import sqlalchemy as sa


revision = '0025_assessment_daily'
down_revision = '0023_assessment'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'assessment_daily_setting',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('weight', sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column('params_json', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                                name=op.f('fk_assessment_daily_setting_updated_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_daily_setting')),
        sa.UniqueConstraint('year', 'code', name=op.f('uq_assessment_daily_setting_year_code')),
    )
    with op.batch_alter_table('assessment_daily_setting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_daily_setting_year'), ['year'], unique=False)


def downgrade():
    with op.batch_alter_table('assessment_daily_setting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_daily_setting_year'))
    op.drop_table('assessment_daily_setting')
