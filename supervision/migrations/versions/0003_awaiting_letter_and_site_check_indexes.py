"""problem.in_letter, closure figures and indexes for the office dashboards and 整改统计

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 00:40:00

The province-scale benchmark (issue 8) found the dashboards reading every problem and reply of ten years:
- "problems awaiting a letter" was an anti-join over every 需下达意见书 problem; problem.in_letter (true while a
  live letter_problem row carries the problem; the letters part keeps it after every flush) and an index on it
  make that a seek to the few hundred awaiting ones. Filled here from letter_problem.
- "on-site checks still open" read every reply; an index on (decision, site_result) finds them.
- 整改统计's figures per year joined every letter and submission of ten years; a closure now keeps its case's
  figures (issue_year, days_to_close, replied_on_time), final like the closure. Filled here for existing rows.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_letter', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE problem SET in_letter = EXISTS (SELECT 1 FROM letter_problem "
               "WHERE letter_problem.problem_id = problem.id AND letter_problem.live)")
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.create_index('ix_problem_awaiting_letter', ['in_letter', 'disposition', 'visit_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # in_letter and disposition are correlated (立行立改 problems are never in a letter): without this the
        # planner expects tens of thousands of awaiting rows and scans the table instead of the index.
        op.execute("CREATE STATISTICS st_problem_awaiting_letter (mcv) ON in_letter, disposition FROM problem")
        op.execute("ANALYZE problem")
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_status')
        batch_op.create_index('ix_letter_status_id', ['status', 'id'], unique=False)
    with op.batch_alter_table('rect_reply', schema=None) as batch_op:
        batch_op.create_index('ix_rect_reply_decision_site_result', ['decision', 'site_result'], unique=False)
    with op.batch_alter_table('rect_closure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issue_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('days_to_close', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replied_on_time', sa.Boolean(), nullable=True))
    fill_closure_figures(op.get_bind())
    with op.batch_alter_table('rect_closure', schema=None) as batch_op:
        batch_op.create_index('ix_rect_closure_year_figures', ['issue_year', 'days_to_close', 'replied_on_time'],
                              unique=False)


def fill_closure_figures(conn):
    """issue_year, days_to_close and replied_on_time of every closure, from its letter and first report."""
    pg = conn.dialect.name == "postgresql"
    year = "EXTRACT(YEAR FROM letter.issue_date)::int" if pg else "CAST(strftime('%Y', letter.issue_date) AS INTEGER)"
    days = ("rect_closure.closed_on - letter.receipt_date" if pg
            else "CAST(julianday(rect_closure.closed_on) - julianday(letter.receipt_date) AS INTEGER)")
    conn.execute(sa.text(
        f"UPDATE rect_closure SET issue_year = (SELECT {year} FROM letter WHERE letter.id = rect_closure.letter_id), "
        f"days_to_close = (SELECT {days} FROM letter WHERE letter.id = rect_closure.letter_id)"))
    conn.execute(sa.text(
        "UPDATE rect_closure SET replied_on_time = (SELECT s.deadline_then IS NULL OR s.submitted_on <= s.deadline_then "
        "FROM rect_submission s WHERE s.letter_id = rect_closure.letter_id AND s.status = 'submitted' "
        "ORDER BY s.round LIMIT 1)"))


def downgrade():
    with op.batch_alter_table('rect_closure', schema=None) as batch_op:
        batch_op.drop_index('ix_rect_closure_year_figures')
        batch_op.drop_column('replied_on_time')
        batch_op.drop_column('days_to_close')
        batch_op.drop_column('issue_year')
    with op.batch_alter_table('rect_reply', schema=None) as batch_op:
        batch_op.drop_index('ix_rect_reply_decision_site_result')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_status_id')
        batch_op.create_index('ix_letter_status', ['status'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_problem_awaiting_letter")
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.drop_index('ix_problem_awaiting_letter')
        batch_op.drop_column('in_letter')
