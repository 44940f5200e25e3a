"""Login throttling per account and per address (login_throttle replaces login_failure); calendar feed tokens
stored as their SHA-256 only

Revision ID: 0007_login_and_feed_tokens
Revises: 0005
Create Date: 2026-12-01 04:00:00

login_failure held one row per failed login and was deleted on success; login_throttle keeps one counter per
account name and per client address (issue 13). The old rows are only a 15-minute memory: not carried over.

schedule_feed_token.token held the secret of each .ics address in clear; token_hash holds its SHA-256 (hex).
The existing tokens are hashed here, so the addresses in use keep working. Downgrade cannot recover a secret
from its hash: it deletes the feed tokens (each inspector makes a new address).
"""
import hashlib

from alembic import op
import sqlalchemy as sa


revision = '0007_login_and_feed_tokens'
down_revision = '0005'
branch_labels = None
depends_on = None


def _sha256(token: str) -> str:
    """Frozen copy of supervision.schedule.queries.feed_token_hash."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def upgrade():
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_username'))
        batch_op.drop_index(batch_op.f('ix_login_failure_at'))
        batch_op.drop_index(batch_op.f('ix_login_failure_address'))
    op.drop_table('login_failure')

    with op.batch_alter_table('schedule_feed_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_hash', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    feed = sa.table('schedule_feed_token', sa.column('id', sa.Integer), sa.column('token', sa.String),
                    sa.column('token_hash', sa.String))
    for row_id, token in conn.execute(sa.select(feed.c.id, feed.c.token)).all():
        conn.execute(feed.update().where(feed.c.id == row_id).values(token_hash=_sha256(token)))
    with op.batch_alter_table('schedule_feed_token', schema=None) as batch_op:
        batch_op.alter_column('token_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_schedule_feed_token_token'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_schedule_feed_token_token_hash'), ['token_hash'])
        batch_op.drop_column('token')


def downgrade():
    op.execute("DELETE FROM schedule_feed_token")
    with op.batch_alter_table('schedule_feed_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=64), nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_schedule_feed_token_token_hash'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_schedule_feed_token_token'), ['token'])
        batch_op.drop_column('token_hash')

    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=50), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_username'), ['username'], unique=False)
    op.drop_table('login_throttle')
