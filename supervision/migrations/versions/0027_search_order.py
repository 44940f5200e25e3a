"""The 整改台账's order as an index: a searched ledger walks its rows in order and stops after the page

Revision ID: 0027_search_order
Revises: 0025_assessment_daily
Create Date: 2026-12-01 11:30:00

The 整改台账 lists its rows by letter year, type, number and id (rectification/ledger.py). No index had that order:
both databases read a whole year's letters and sorted them before the first row, and a common search term (「执法」,
40% of the rows, supervision/search.py) paid that for every page. With (year, letter_type_id, seq, id) the ledger is
read in order and the search stops after the page.
"""
from alembic import op


revision = '0027_search_order'
down_revision = '0025_assessment_daily'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_letter_ledger_order', 'letter', ['year', 'letter_type_id', 'seq', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_letter_ledger_order', table_name='letter')
