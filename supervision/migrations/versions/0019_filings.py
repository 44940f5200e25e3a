"""备案审查: the registers of 重大行政处罚备案 and 规范性文件备案, their history and settings (issue 17)

Revision ID: 0019_filings
Revises: 0017_search_speed
Create Date: 2026-12-01 11:30:00

Four new tables. The indexes serve the register (decision date newest first, per unit or all), the yearly
on-time statistics per unit (decision date range), the reminders (status, submitted_at) and, on PostgreSQL, the
register's search by 决定书文号 and 当事人 (trigram GIN, as 0011). The settings row is created with the defaults
(15 and 30 days).
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_filings'
down_revision = '0017_search_speed'
branch_labels = None
depends_on = None

TRIGRAMS = (('ix_penalty_filing_party_trgm', 'penalty_filing', 'party_name'),
            ('ix_penalty_filing_number_trgm', 'penalty_filing', 'decision_number'))


def upgrade():
    op.create_table(
        'filing_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('penalty_days', sa.Integer(), nullable=False),
        sa.Column('normative_days', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'penalty_filing',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('decision_number', sa.String(length=100), nullable=False),
        sa.Column('party_kind', sa.String(length=20), nullable=False),
        sa.Column('party_name', sa.String(length=200), nullable=False),
        sa.Column('party_id_masked', sa.String(length=40), nullable=False),
        sa.Column('cause', sa.String(length=300), nullable=False),
        sa.Column('penalty', sa.String(length=300), nullable=False),
        sa.Column('decision_date', sa.Date(), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('seq', sa.Integer(), nullable=True),
        sa.Column('number', sa.String(length=60), nullable=True),
        sa.Column('legality_note', sa.Text(), nullable=False),
        sa.Column('appropriateness_note', sa.Text(), nullable=False),
        sa.Column('decision_reason', sa.Text(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=True),
        sa.Column('letter_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['visit_id'], ['visit.id']),
        sa.ForeignKeyConstraint(['letter_id'], ['letter.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit_id', 'decision_number', name='uq_penalty_filing_unit_decision'),
        sa.UniqueConstraint('year', 'seq', name='uq_penalty_filing_year_seq'),
    )
    op.create_index('ix_penalty_filing_decision_date', 'penalty_filing', ['decision_date', 'unit_id'])
    op.create_index('ix_penalty_filing_unit_date', 'penalty_filing', ['unit_id', 'decision_date'])
    op.create_index('ix_penalty_filing_status', 'penalty_filing', ['status', 'submitted_at'])
    op.create_table(
        'normative_filing',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('doc_number', sa.String(length=100), nullable=False),
        sa.Column('published_on', sa.Date(), nullable=False),
        sa.Column('effective_on', sa.Date(), nullable=True),
        sa.Column('filed_on', sa.Date(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('seq', sa.Integer(), nullable=True),
        sa.Column('number', sa.String(length=60), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('validity', sa.String(length=20), nullable=False),
        sa.Column('validity_on', sa.Date(), nullable=True),
        sa.Column('validity_year', sa.Integer(), nullable=True),
        sa.Column('validity_note', sa.Text(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=True),
        sa.Column('letter_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['visit_id'], ['visit.id']),
        sa.ForeignKeyConstraint(['letter_id'], ['letter.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit_id', 'doc_number', name='uq_normative_filing_unit_doc'),
        sa.UniqueConstraint('year', 'seq', name='uq_normative_filing_year_seq'),
    )
    op.create_index('ix_normative_filing_published', 'normative_filing', ['published_on', 'unit_id'])
    op.create_index('ix_normative_filing_unit_published', 'normative_filing', ['unit_id', 'published_on'])
    op.create_table(
        'filing_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('filing_kind', sa.String(length=20), nullable=False),
        sa.Column('filing_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_filing_event_filing', 'filing_event', ['filing_kind', 'filing_id'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for name, table, column in TRIGRAMS:
            op.create_index(name, table, [column], unique=False, postgresql_using='gin',
                            postgresql_ops={column: 'gin_trgm_ops'})
    settings = sa.table('filing_settings', sa.column('penalty_days', sa.Integer),
                        sa.column('normative_days', sa.Integer), sa.column('updated_at', sa.DateTime))
    op.execute(settings.insert().values(penalty_days=15, normative_days=30, updated_at=sa.func.current_timestamp()))


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name, table, _column in TRIGRAMS:
            op.drop_index(name, table_name=table)
    op.drop_index('ix_filing_event_filing', table_name='filing_event')
    op.drop_table('filing_event')
    op.drop_index('ix_normative_filing_unit_published', table_name='normative_filing')
    op.drop_index('ix_normative_filing_published', table_name='normative_filing')
    op.drop_table('normative_filing')
    op.drop_index('ix_penalty_filing_status', table_name='penalty_filing')
    op.drop_index('ix_penalty_filing_unit_date', table_name='penalty_filing')
    op.drop_index('ix_penalty_filing_decision_date', table_name='penalty_filing')
    op.drop_table('penalty_filing')
    op.drop_table('filing_settings')
