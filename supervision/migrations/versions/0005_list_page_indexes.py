"""Indexes for the office's lists at province scale: the inbox, the deliveries, the problems list

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 02:00:00

The province-scale benchmark (issue 8) timed every list page. These indexes let the inbox page and count unread
messages by seeks (the unread ones in a partial index, which replaces (recipient_id, read_at)), the deliveries
page walk the latest first overall and per status, and the problems list page in visit order and count a check
item's problems by disposition and state from the index alone.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_recipient_read')
        batch_op.create_index('ix_notification_recipient_created', ['recipient_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_notification_unread', ['recipient_id', 'created_at', 'id', 'read_at'], unique=False,
                              sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_notification_delivery_updated', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_notification_delivery_status_updated', ['status', 'updated_at', 'id'], unique=False)
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.create_index('ix_problem_item_state', ['item_id', 'disposition', 'in_letter'], unique=False)
        batch_op.create_index('ix_problem_visit_seq', ['visit_id', 'seq'], unique=False)
    # Fresh statistics for the planners (SQLite keeps none until ANALYZE; PostgreSQL's autovacuum would catch up).
    for table in ('notification', 'notification_delivery', 'problem'):
        op.execute(f"ANALYZE {table}")


def downgrade():
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.drop_index('ix_problem_visit_seq')
        batch_op.drop_index('ix_problem_item_state')
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_delivery_status_updated')
        batch_op.drop_index('ix_notification_delivery_updated')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_unread')
        batch_op.drop_index('ix_notification_recipient_created')
        batch_op.create_index('ix_notification_recipient_read', ['recipient_id', 'read_at'], unique=False)
