"""Letter type settings: optional 版头 (发文机关标志) and 版记 (抄送机关, 印发机关) per letter type

Revision ID: 0015_letter_masthead
Revises: 0013_letter_type_settings
Create Date: 2026-12-01 08:30:00

Issue 16: a letter type may print the 版头 (the red 发文机关标志 and rule) and the 版记 (抄送, 印发机关 and 印发日期
with their rules) of GB/T 9704-2012. Both are off for every existing type, so their letters keep 附件三's format;
issued letters keep the content frozen at issue and never change.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_letter_masthead'
down_revision = '0013_letter_type_settings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter_type', schema=None) as batch_op:
        batch_op.add_column(sa.Column('masthead_enabled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('masthead_text', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('colophon_enabled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('copy_to', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('printer', sa.String(length=100), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('letter_type', schema=None) as batch_op:
        batch_op.drop_column('printer')
        batch_op.drop_column('copy_to')
        batch_op.drop_column('colophon_enabled')
        batch_op.drop_column('masthead_text')
        batch_op.drop_column('masthead_enabled')
