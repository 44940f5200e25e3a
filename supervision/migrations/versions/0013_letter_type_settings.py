"""Letter type settings: the 发文机关署名 per letter type

Revision ID: 0013_letter_type_settings
Revises: 0009_letters_layout
Create Date: 2026-12-01 05:00:00

Issue 16: under 《行政执法监督条例》 (国务院令第825号, in force 2026-02-01) 第六条 the county 司法行政部门 is the
行政执法监督机构, so the 署名 is a setting of the letter type (empty = the organisation profile's 发文机关).
Existing types start empty: their letters keep signing as before. Issued letters are frozen and never change.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_letter_type_settings'
down_revision = '0011_search'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter_type', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuing_authority', sa.String(length=100), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('letter_type', schema=None) as batch_op:
        batch_op.drop_column('issuing_authority')
