"""整改状态索引: the stored states of the open letters (rect_open_letter, rect_open_item) and the closed
letters' sums per year (rect_closed_year, rect_closed_year_item)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 01:00:00

The province-scale benchmark (issue 8) found the office dashboards, 整改统计 and the ledger's status filter
deriving every open letter (about 1,600 at ten years of a province) on every request. These tables keep
service.derive's output for the open letters (supervision/rectification/standing.py keeps them after every
change); filled here by deriving every issued letter without a recorded closure with this file's own frozen copy
of derive and standing.rebuild as they stood at this revision (commit 0849fd7), against the schema as it stands
here — never the live app code, which reads the columns of later revisions. 整改统计 summed every
closure of ten years per request; closures are final, so their sums per year of issue are kept too, summed
again for a year when one of its letters closes (or a closed one is voided). Filled here from rect_closure.

Also letter.problem_count (set at issue; filled here) with an index on (year, status, problem_count): the
years that have letters, sought once per year instead of a DISTINCT over every letter, and the 整改台账's row
count for a year as a sum over the index; and letter_problem (letter_id, live) for the counts that filter by
check item.
"""
from collections import defaultdict
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

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

    fill_standing(op.get_bind())


def fill_problem_counts(conn):
    """problem_count of every issued or voided letter, from its problems."""
    conn.execute(sa.text("UPDATE letter SET problem_count = (SELECT count(*) FROM letter_problem "
                         "WHERE letter_problem.letter_id = letter.id) WHERE status <> 'draft'"))


# --- frozen copy of service.derive / standing.rebuild at this revision (0849fd7) -------------------------------
# The tables as they stand at 0004, with the columns these functions read (typed, so dates come back as dates
# on SQLite too).

_letter = sa.table("letter", sa.column("id", sa.Integer), sa.column("status", sa.String),
                   sa.column("issue_date", sa.Date), sa.column("receipt_date", sa.Date), sa.column("deadline", sa.Date))
_item = sa.table("letter_problem", sa.column("id", sa.Integer), sa.column("letter_id", sa.Integer),
                 sa.column("position", sa.Integer))
_reply = sa.table("rect_reply", sa.column("id", sa.Integer), sa.column("letter_id", sa.Integer),
                  sa.column("letter_problem_id", sa.Integer), sa.column("round", sa.Integer),
                  sa.column("status", sa.String), sa.column("decision", sa.String), sa.column("site_result", sa.String),
                  sa.column("decided_at", sa.DateTime), sa.column("decided_by_id", sa.Integer),
                  sa.column("site_result_at", sa.DateTime), sa.column("site_result_by_id", sa.Integer))
_submission = sa.table("rect_submission", sa.column("letter_id", sa.Integer), sa.column("round", sa.Integer),
                       sa.column("status", sa.String), sa.column("submitted_on", sa.Date),
                       sa.column("deadline_then", sa.Date))
_extension = sa.table("rect_extension", sa.column("id", sa.Integer), sa.column("letter_id", sa.Integer),
                      sa.column("status", sa.String), sa.column("new_deadline", sa.Date),
                      sa.column("decided_at", sa.DateTime))
_closure = sa.table("rect_closure", sa.column("letter_id", sa.Integer), sa.column("closed_at", sa.DateTime),
                    sa.column("closed_on", sa.Date), sa.column("closed_by_id", sa.Integer),
                    sa.column("issue_year", sa.Integer), sa.column("days_to_close", sa.Integer),
                    sa.column("replied_on_time", sa.Boolean))
_open_letter = sa.table("rect_open_letter", sa.column("letter_id", sa.Integer), sa.column("state", sa.String),
                        sa.column("deadline", sa.Date), sa.column("replied_on_time", sa.Boolean))
_open_item = sa.table("rect_open_item", sa.column("letter_problem_id", sa.Integer),
                      sa.column("letter_id", sa.Integer), sa.column("state", sa.String))
_BEIJING = ZoneInfo("Asia/Shanghai")


def _problem_state(rounds):
    """service.problem_state at 0004: a problem's state from its submitted replies, oldest first."""
    if not rounds:
        return "open"
    last = rounds[-1]
    if not last.decision:
        return "pending"
    if last.decision == "accepted":
        return "accepted"
    if last.decision == "returned":
        return "returned"
    if last.site_result == "passed":
        return "accepted"
    if last.site_result == "failed":
        return "reopened"
    return "site_check"


def _accepted(r):
    """(accepted_at, accepted_by_id) of an accepted reply (Reply.accepted_at / accepted_by_id at 0004)."""
    if r.decision == "accepted":
        return r.decided_at, r.decided_by_id
    if r.decision == "site_check" and r.site_result == "passed":
        return r.site_result_at, r.site_result_by_id
    return None, None


def _derive(letter, items, replies, submissions, extensions):
    """service.derive at 0004, reduced to what the stored states and a closure keep: (state, deadline in force,
    first report on time, [(item id, problem state)], closure columns or None)."""
    approved = [e for e in sorted(extensions, key=lambda e: e.id) if e.status == "approved" and e.new_deadline]
    deadline = (max(approved, key=lambda e: (e.decided_at or datetime.min, e.id)).new_deadline if approved
                else letter.deadline)
    by_item = defaultdict(list)
    for r in replies:
        by_item[r.letter_problem_id].append(r)
    problems = []
    for item in sorted(items, key=lambda i: i.position):
        rounds = [r for r in sorted(by_item.get(item.id, []), key=lambda r: r.round) if r.status == "submitted"]
        problems.append((item.id, _problem_state(rounds), rounds))
    states = {p[1] for p in problems}
    subs = sorted((s for s in submissions if s.status == "submitted"), key=lambda s: s.round)
    first = subs[0] if subs else None
    on_time = None
    if first is not None:
        late = (first.submitted_on is not None and first.deadline_then is not None
                and (first.submitted_on - first.deadline_then).days > 0)
        on_time = not late
    closure = None
    if letter.receipt_date is None:
        state = "unsigned"
    elif problems and states == {"accepted"}:
        state = "closed"
        last = max((p[2][-1] for p in problems), key=lambda r: (_accepted(r)[0] or datetime.min, r.id))
        closed_at, closed_by = _accepted(last)
        closed_on = None
        if closed_at is not None:
            at = closed_at if closed_at.tzinfo is not None else closed_at.replace(tzinfo=timezone.utc)
            closed_on = at.astimezone(_BEIJING).date()
        days = (closed_on - letter.receipt_date).days if closed_on and letter.receipt_date else None
        closure = {"letter_id": letter.id, "closed_at": closed_at, "closed_on": closed_on, "closed_by_id": closed_by,
                   "issue_year": letter.issue_date.year if letter.issue_date else None, "days_to_close": days,
                   "replied_on_time": on_time}
    elif "pending" in states:
        state = "submitted"
    elif "site_check" in states:
        state = "site_check"
    elif states & {"returned", "reopened"}:
        state = "returned"
    else:
        state = "in_progress"
    return state, deadline, on_time, [(i, s) for i, s, _ in problems], closure


def _by_letter(conn, table, ids):
    out = defaultdict(list)
    for row in conn.execute(sa.select(table).where(table.c.letter_id.in_(ids))):
        out[row.letter_id].append(row)
    return out


def fill_standing(conn):
    """standing.rebuild at 0004: the stored states of every issued letter without a recorded closure (recording
    the closure of one derived 已办结), then the closed letters' sums per year of issue."""
    conn.execute(_open_item.delete())
    conn.execute(_open_letter.delete())
    closed = sa.select(_closure.c.letter_id).where(_closure.c.letter_id == _letter.c.id).exists()
    ids = list(conn.scalars(sa.select(_letter.c.id).where(_letter.c.status == "issued", ~closed)
                            .order_by(_letter.c.id)))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        letters = conn.execute(sa.select(_letter).where(_letter.c.id.in_(chunk)).order_by(_letter.c.id)).all()
        items, replies = _by_letter(conn, _item, chunk), _by_letter(conn, _reply, chunk)
        subs, exts = _by_letter(conn, _submission, chunk), _by_letter(conn, _extension, chunk)
        rows, item_rows, closures = [], [], []
        for x in letters:
            state, deadline, on_time, problems, closure = _derive(x, items[x.id], replies[x.id], subs[x.id],
                                                                  exts[x.id])
            if closure is not None:
                closures.append(closure)
                continue
            rows.append({"letter_id": x.id, "state": state, "deadline": deadline, "replied_on_time": on_time})
            item_rows += [{"letter_problem_id": i, "letter_id": x.id, "state": s} for i, s in problems]
        if rows:
            conn.execute(_open_letter.insert(), rows)
        if item_rows:
            conn.execute(_open_item.insert(), item_rows)
        if closures:
            conn.execute(_closure.insert(), closures)
    conn.execute(sa.text("DELETE FROM rect_closed_year_item"))
    conn.execute(sa.text("DELETE FROM rect_closed_year"))
    conn.execute(sa.text(
        "INSERT INTO rect_closed_year (issue_year, closed, close_days_sum, close_days_n, reported, on_time) "
        "SELECT issue_year, count(*), coalesce(sum(days_to_close), 0), count(days_to_close), count(replied_on_time), "
        "count(CASE WHEN replied_on_time THEN 1 END) FROM rect_closure WHERE issue_year IS NOT NULL "
        "AND letter_id NOT IN (SELECT id FROM letter WHERE status = 'voided') GROUP BY issue_year"))
    conn.execute(sa.text(
        "INSERT INTO rect_closed_year_item (issue_year, check_item_id, problems) "
        "SELECT c.issue_year, p.item_id, count(*) FROM letter_problem lp "
        "JOIN rect_closure c ON c.letter_id = lp.letter_id JOIN letter l ON l.id = lp.letter_id "
        "LEFT JOIN problem p ON p.id = lp.problem_id "
        "WHERE l.status = 'issued' AND c.issue_year IS NOT NULL GROUP BY c.issue_year, p.item_id"))


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
