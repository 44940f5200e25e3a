"""年度依法行政考核 (issue #18): the year's scheme, materials, ratings, 加减分, results, 异议 and 更正

Revision ID: 0023_assessment
Revises: 0021_casereview
Create Date: 2026-12-01 11:08:39

New tables only (assess_*); nothing existing changes, so nothing is filled and no app code runs here.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_assessment'
down_revision = '0021_casereview'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assess_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('full_score', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('scheme_version', sa.Integer(), nullable=False),
    sa.Column('bonus_min', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('bonus_max', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('bonus_cap', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('penalty_per_case', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('penalty_cap', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('objection_days', sa.Integer(), nullable=False),
    sa.Column('grading', sa.JSON(), nullable=False),
    sa.Column('materials_deadline', sa.Date(), nullable=True),
    sa.Column('feedback_until', sa.Date(), nullable=True),
    sa.Column('computed_at', sa.DateTime(), nullable=True),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('confirmed_on', sa.Date(), nullable=True),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('indicator_stats', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assess_year')),
    sa.UniqueConstraint('year', name=op.f('uq_assess_year_year'))
    )
    op.create_table('assess_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('daily_percent', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('materials', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('daily', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('internal', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('bonus', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('penalty', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('total', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('barred', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_assess_unit_unit_id_unit')),
    sa.ForeignKeyConstraint(['year_id'], ['assess_year.id'], name=op.f('fk_assess_unit_year_id_assess_year'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assess_unit')),
    sa.UniqueConstraint('year_id', 'unit_id', name='uq_assess_unit')
    )
    with op.batch_alter_table('assess_unit', schema=None) as batch_op:
        batch_op.create_index('ix_assess_unit_rank', ['year_id', 'category', 'rank'], unique=False)
        batch_op.create_index(batch_op.f('ix_assess_unit_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assess_unit_year_id'), ['year_id'], unique=False)

    op.create_table('assess_adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('bars_excellent', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_assess_adjustment_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_assess_adjustment_unit_id_unit')),
    sa.ForeignKeyConstraint(['year_id'], ['assess_year.id'], name=op.f('fk_assess_adjustment_year_id_assess_year'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assess_adjustment'))
    )
    with op.batch_alter_table('assess_adjustment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assess_adjustment_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assess_adjustment_year_id'), ['year_id'], unique=False)

    op.create_table('assess_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_assess_correction_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_assess_correction_unit_id_unit')),
    sa.ForeignKeyConstraint(['year_id'], ['assess_year.id'], name=op.f('fk_assess_correction_year_id_assess_year'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assess_correction'))
    )
    with op.batch_alter_table('assess_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assess_correction_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assess_correction_year_id'), ['year_id'], unique=False)

    op.create_table('assess_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('level1', sa.String(length=200), nullable=False),
    sa.Column('level2', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('points', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.Column('categories', sa.String(length=40), nullable=False),
    sa.Column('component', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_assess_indicator_office_id_office')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_assess_indicator_reviewer_id_user_account')),
    sa.ForeignKeyConstraint(['year_id'], ['assess_year.id'], name=op.f('fk_assess_indicator_year_id_assess_year'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assess_indicator')),
    sa.UniqueConstraint('year_id', 'code', name='uq_assess_indicator_code')
    )
    with op.batch_alter_table('assess_indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assess_indicator_year_id'), ['year_id'], unique=False)

    op.create_table('assess_material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['assess_indicator.id'], name=op.f('fk_assess_material_indicator_id_assess_indicator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_assess_material_submitted_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_assess_material_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assess_material'))
    )
    with op.batch_alter_table('assess_material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assess_material_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assess_material_unit_id'), ['unit_id'], unique=False)

    op.create_table('assess_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_assess_objection_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name=op.f('fk_assess_objection_filed_by_id_user_account')),
    sa.ForeignKeyConstraint(['indicator_id'], ['assess_indicator.id'], name=op.f('fk_assess_objection_indicator_id_assess_indicator'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_assess_objection_unit_id_unit')),
    sa.ForeignKeyConstraint(['year_id'], ['assess_year.id'], name=op.f('fk_assess_objection_year_id_assess_year'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assess_objection'))
    )
    with op.batch_alter_table('assess_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assess_objection_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assess_objection_year_id'), ['year_id'], unique=False)

    op.create_table('assess_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.String(length=20), nullable=False),
    sa.Column('percent', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('rated_by_id', sa.Integer(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['assess_indicator.id'], name=op.f('fk_assess_rating_indicator_id_assess_indicator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rated_by_id'], ['user_account.id'], name=op.f('fk_assess_rating_rated_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_assess_rating_unit_id_unit')),
    sa.ForeignKeyConstraint(['year_id'], ['assess_year.id'], name=op.f('fk_assess_rating_year_id_assess_year'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assess_rating')),
    sa.UniqueConstraint('indicator_id', 'unit_id', name='uq_assess_rating')
    )
    with op.batch_alter_table('assess_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assess_rating_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assess_rating_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assess_rating_year_id'), ['year_id'], unique=False)

    op.create_table('assess_rating_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.String(length=20), nullable=False),
    sa.Column('percent', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_assess_rating_history_by_id_user_account')),
    sa.ForeignKeyConstraint(['rating_id'], ['assess_rating.id'], name=op.f('fk_assess_rating_history_rating_id_assess_rating'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assess_rating_history'))
    )
    with op.batch_alter_table('assess_rating_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assess_rating_history_rating_id'), ['rating_id'], unique=False)



def downgrade():
    with op.batch_alter_table('assess_rating_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assess_rating_history_rating_id'))

    op.drop_table('assess_rating_history')
    with op.batch_alter_table('assess_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assess_rating_year_id'))
        batch_op.drop_index(batch_op.f('ix_assess_rating_unit_id'))
        batch_op.drop_index(batch_op.f('ix_assess_rating_indicator_id'))

    op.drop_table('assess_rating')
    with op.batch_alter_table('assess_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assess_objection_year_id'))
        batch_op.drop_index(batch_op.f('ix_assess_objection_unit_id'))

    op.drop_table('assess_objection')
    with op.batch_alter_table('assess_material', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assess_material_unit_id'))
        batch_op.drop_index(batch_op.f('ix_assess_material_indicator_id'))

    op.drop_table('assess_material')
    with op.batch_alter_table('assess_indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assess_indicator_year_id'))

    op.drop_table('assess_indicator')
    with op.batch_alter_table('assess_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assess_correction_year_id'))
        batch_op.drop_index(batch_op.f('ix_assess_correction_unit_id'))

    op.drop_table('assess_correction')
    with op.batch_alter_table('assess_adjustment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assess_adjustment_year_id'))
        batch_op.drop_index(batch_op.f('ix_assess_adjustment_unit_id'))

    op.drop_table('assess_adjustment')
    with op.batch_alter_table('assess_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assess_unit_year_id'))
        batch_op.drop_index(batch_op.f('ix_assess_unit_unit_id'))
        batch_op.drop_index('ix_assess_unit_rank')

    op.drop_table('assess_unit')
    op.drop_table('assess_year')
