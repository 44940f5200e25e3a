"""整改状态索引: the stored states of the open letters (rect_open_letter, rect_open_item) and the closed
letters' sums per year (rect_closed_year, rect_closed_year_item)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 01:00:00

The province-scale benchmark (issue 8) found the office dashboards, 整改统计 and the ledger's status filter
deriving every open letter (about 1,600 at ten years of a province) on every request. These tables keep
service.derive's output for the open letters (supervision/rectification/standing.py keeps them after every
change); filled here by deriving every issued letter without a recorded closure, with the app's own derive —
the one authority on a letter's state — against the schema as it stands at this revision. 整改统计 summed every
closure of ten years per request; closures are final, so their sums per year of issue are kept too, summed
again for a year when one of its letters closes (or a closed one is voided). Filled here from rect_closure.

Also letter.problem_count (set at issue; filled here) with an index on (year, status, problem_count): the
years that have letters, sought once per year instead of a DISTINCT over every letter, and the 整改台账's row
count for a year as a sum over the index; and letter_problem (letter_id, live) for the counts that filter by
check item.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rect_open_letter',
        sa.Column('letter_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=True),
        sa.Column('replied_on_time', sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_rect_open_letter_letter_id_letter'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('letter_id', name=op.f('pk_rect_open_letter')),
    )
    with op.batch_alter_table('rect_open_letter', schema=None) as batch_op:
        batch_op.create_index('ix_rect_open_letter_state', ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_rect_open_letter_deadline'), ['deadline'], unique=False)
    op.create_table(
        'rect_open_item',
        sa.Column('letter_problem_id', sa.Integer(), nullable=False),
        sa.Column('letter_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['letter_id'], ['rect_open_letter.letter_id'],
                                name=op.f('fk_rect_open_item_letter_id_rect_open_letter'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['letter_problem_id'], ['letter_problem.id'],
                                name=op.f('fk_rect_open_item_letter_problem_id_letter_problem'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('letter_problem_id', name=op.f('pk_rect_open_item')),
    )
    with op.batch_alter_table('rect_open_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rect_open_item_letter_id'), ['letter_id'], unique=False)

    op.create_table(
        'rect_closed_year',
        sa.Column('issue_year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('closed', sa.Integer(), nullable=False),
        sa.Column('close_days_sum', sa.Integer(), nullable=False),
        sa.Column('close_days_n', sa.Integer(), nullable=False),
        sa.Column('reported', sa.Integer(), nullable=False),
        sa.Column('on_time', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('issue_year', name=op.f('pk_rect_closed_year')),
    )
    op.create_table(
        'rect_closed_year_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issue_year', sa.Integer(), nullable=False),
        sa.Column('check_item_id', sa.Integer(), nullable=True),
        sa.Column('problems', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['check_item_id'], ['check_item.id'],
                                name=op.f('fk_rect_closed_year_item_check_item_id_check_item')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rect_closed_year_item')),
    )
    with op.batch_alter_table('rect_closed_year_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rect_closed_year_item_issue_year'), ['issue_year'], unique=False)
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('problem_count', sa.Integer(), nullable=True))
    fill_problem_counts(op.get_bind())
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_index('ix_letter_year_status_problems', ['year', 'status', 'problem_count'], unique=False)
    with op.batch_alter_table('letter_problem', schema=None) as batch_op:
        batch_op.create_index('ix_letter_problem_letter_live', ['letter_id', 'live'], unique=False)

    from supervision.rectification import standing

    standing.rebuild(op.get_bind())


def fill_problem_counts(conn):
    """problem_count of every issued or voided letter, from its problems."""
    conn.execute(sa.text("UPDATE letter SET problem_count = (SELECT count(*) FROM letter_problem "
                         "WHERE letter_problem.letter_id = letter.id) WHERE status <> 'draft'"))


def downgrade():
    with op.batch_alter_table('rect_closed_year_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rect_closed_year_item_issue_year'))
    op.drop_table('rect_closed_year_item')
    op.drop_table('rect_closed_year')
    with op.batch_alter_table('letter_problem', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_problem_letter_live')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_year_status_problems')
        batch_op.drop_column('problem_count')
    with op.batch_alter_table('rect_open_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rect_open_item_letter_id'))
    op.drop_table('rect_open_item')
    with op.batch_alter_table('rect_open_letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rect_open_letter_deadline'))
        batch_op.drop_index('ix_rect_open_letter_state')
    op.drop_table('rect_open_letter')
