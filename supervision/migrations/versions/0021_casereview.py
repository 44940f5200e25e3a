"""案卷评查 (campaigns, the scored standard, case files, deductions) and the 线索移交 / 过错责任追究 registers

Revision ID: 0021_casereview
Revises: 0019_filings
Create Date: 2026-12-01 11:30:00

New tables only; the 案卷评查 visit kind is a new value of visit.kind (a plain string column, no change). The
default standard is written by the application on first use (casereview.operations.ensure_default_standard),
so nothing here runs application logic.
"""
from alembic import op
import sqlalchemy as sa


revision = '0021_casereview'
down_revision = '0019_filings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_standard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_case_standard_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_standard')),
    sa.UniqueConstraint('version', name=op.f('uq_case_standard_version'))
    )
    op.create_table('referral_clue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('matter', sa.Text(), nullable=False),
    sa.Column('handed_on', sa.Date(), nullable=False),
    sa.Column('recipient', sa.String(length=100), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('replied_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_referral_clue_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_referral_clue_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_clue'))
    )
    op.create_index(op.f('ix_referral_clue_handed_on'), 'referral_clue', ['handed_on'], unique=False)
    op.create_index(op.f('ix_referral_clue_unit_id'), 'referral_clue', ['unit_id'], unique=False)
    op.create_table('referral_fault_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('person', sa.String(length=50), nullable=False),
    sa.Column('matter', sa.Text(), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_referral_fault_case_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_referral_fault_case_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_fault_case'))
    )
    op.create_index(op.f('ix_referral_fault_case_decided_on'), 'referral_fault_case', ['decided_on'], unique=False)
    op.create_index(op.f('ix_referral_fault_case_unit_id'), 'referral_fault_case', ['unit_id'], unique=False)
    op.create_table('case_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('cases_per_unit', sa.Integer(), nullable=False),
    sa.Column('sample_seed', sa.Integer(), nullable=True),
    sa.Column('sample_size', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_case_campaign_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['standard_id'], ['case_standard.id'], name=op.f('fk_case_campaign_standard_id_case_standard')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_campaign'))
    )
    op.create_table('case_standard_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('serious', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['standard_id'], ['case_standard.id'], name=op.f('fk_case_standard_item_standard_id_case_standard')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_standard_item')),
    sa.UniqueConstraint('standard_id', 'seq', name=op.f('uq_case_standard_item_standard_id_seq'))
    )
    op.create_index(op.f('ix_case_standard_item_standard_id'), 'case_standard_item', ['standard_id'], unique=False)
    op.create_table('case_campaign_reviewer',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['case_campaign.id'], name=op.f('fk_case_campaign_reviewer_campaign_id_case_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_case_campaign_reviewer_user_id_user_account')),
    sa.PrimaryKeyConstraint('campaign_id', 'user_id', name=op.f('pk_case_campaign_reviewer'))
    )
    op.create_table('case_campaign_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['case_campaign.id'], name=op.f('fk_case_campaign_unit_campaign_id_case_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_case_campaign_unit_unit_id_unit')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_case_campaign_unit_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_campaign_unit')),
    sa.UniqueConstraint('campaign_id', 'unit_id', name=op.f('uq_case_campaign_unit_campaign_id_unit_id'))
    )
    op.create_index(op.f('ix_case_campaign_unit_campaign_id'), 'case_campaign_unit', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_case_campaign_unit_unit_id'), 'case_campaign_unit', ['unit_id'], unique=False)
    op.create_table('case_dimension_map',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=20), nullable=False),
    sa.Column('item_key', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['case_campaign.id'], name=op.f('fk_case_dimension_map_campaign_id_case_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'dimension', name=op.f('pk_case_dimension_map'))
    )
    op.create_table('case_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=200), nullable=False),
    sa.Column('party', sa.String(length=200), nullable=False),
    sa.Column('cause', sa.String(length=300), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=False),
    sa.Column('major', sa.Boolean(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['case_campaign.id'], name=op.f('fk_case_file_campaign_id_case_campaign')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_case_file_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_case_file_reviewed_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_case_file_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_file')),
    sa.UniqueConstraint('campaign_id', 'unit_id', 'number', name=op.f('uq_case_file_campaign_id_unit_id_number'))
    )
    op.create_index('ix_case_file_campaign_unit', 'case_file', ['campaign_id', 'unit_id', 'id'], unique=False)
    op.create_index('ix_case_file_closed', 'case_file', ['closed_on', 'unit_id'], unique=False)
    op.create_table('case_deduction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('as_problem', sa.Boolean(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_case_deduction_case_id_case_file'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['case_standard_item.id'], name=op.f('fk_case_deduction_item_id_case_standard_item')),
    sa.ForeignKeyConstraint(['problem_id'], ['problem.id'], name=op.f('fk_case_deduction_problem_id_problem')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_deduction')),
    sa.UniqueConstraint('case_id', 'item_id', name=op.f('uq_case_deduction_case_id_item_id'))
    )
    op.create_index(op.f('ix_case_deduction_case_id'), 'case_deduction', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_deduction_item_id'), 'case_deduction', ['item_id'], unique=False)


def downgrade():
    op.drop_index('ix_case_deduction_case_id', table_name='case_deduction')
    op.drop_index('ix_case_deduction_item_id', table_name='case_deduction')
    op.drop_table('case_deduction')
    op.drop_index('ix_case_file_campaign_unit', table_name='case_file')
    op.drop_index('ix_case_file_closed', table_name='case_file')
    op.drop_table('case_file')
    op.drop_table('case_dimension_map')
    op.drop_index('ix_case_campaign_unit_campaign_id', table_name='case_campaign_unit')
    op.drop_index('ix_case_campaign_unit_unit_id', table_name='case_campaign_unit')
    op.drop_table('case_campaign_unit')
    op.drop_table('case_campaign_reviewer')
    op.drop_index('ix_case_standard_item_standard_id', table_name='case_standard_item')
    op.drop_table('case_standard_item')
    op.drop_table('case_campaign')
    op.drop_index('ix_referral_fault_case_decided_on', table_name='referral_fault_case')
    op.drop_index('ix_referral_fault_case_unit_id', table_name='referral_fault_case')
    op.drop_table('referral_fault_case')
    op.drop_index('ix_referral_clue_handed_on', table_name='referral_clue')
    op.drop_index('ix_referral_clue_unit_id', table_name='referral_clue')
    op.drop_table('referral_clue')
    op.drop_table('case_standard')
