"""A letter draft's version, for the draft form's check that nobody else saved in between

Revision ID: 0009_letters_layout
Revises: 0005
Create Date: 2026-12-01 04:00:00

Issue 16: the letter draft form posts the version it was opened at; a save over someone else's newer save is
refused and shows their change (like the visit form). Existing letters start at version 1.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_letters_layout'
down_revision = '0007_login_and_feed_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False))


def downgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_column('version')
