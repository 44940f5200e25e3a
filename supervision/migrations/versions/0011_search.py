"""Trigram indexes for the lists' keyword search (PostgreSQL only)

Revision ID: 0011_search
Revises: 0009_letters_layout
Create Date: 2026-12-01 05:00:00

Issue 15: 检查记录, 问题清单, 意见书 and 整改台账 search a keyword with LIKE '%term%' (ILIKE on PostgreSQL). On
PostgreSQL the pg_trgm extension's GIN indexes let the large text columns (a problem's text, ~330,000 rows at
province scale; a letter's problem wording; a letter's number) be searched from the index instead of read in
full. SQLite has no such index: nothing is done there (its LIKE reads the column).
"""
from alembic import op


revision = '0011_search'
down_revision = '0009_letters_layout'
branch_labels = None
depends_on = None

# (index, table, column): frozen here, as the models have them.
INDEXES = (
    ('ix_problem_description_trgm', 'problem', 'description'),
    ('ix_letter_problem_text_trgm', 'letter_problem', 'text'),
    ('ix_letter_number_trgm', 'letter', 'number'),
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False, postgresql_using='gin',
                        postgresql_ops={column: 'gin_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table, postgresql_using='gin')
    # The extension stays: other objects of the database may use it, and it holds no data.
