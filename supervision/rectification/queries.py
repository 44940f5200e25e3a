"""Reading rectification: the one place where a letter's state is derived (`derive`), the states of many letters
at once (states_for, light_states), the unit's and the office's lists, a letter's history, 自查 overviews.

Reads only: nothing here changes a row (operations.py does).
"""
from __future__ import annotations

import json
from collections import defaultdict, namedtuple
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import any_, bindparam, func, literal_column, null, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import selectinload
from sqlalchemy.types import Integer

from .. import audit, timeutil
from ..accounts.models import User
from ..directory.models import Unit
from ..extensions import db
from ..labels import LabelledEnum
from ..letters.models import Letter, LetterProblem, LetterStatus
from ..policy import can
from ..visits.models import CheckItem, Problem, Visit
from . import access  # noqa: F401  (declares the rules asked here)
from .models import (DRAFT, REPLY_OWNER, SUBMISSION_OWNER, SUBMITTED, Closure, Decision, Extension, ExtensionStatus,
                     Reply, SelfInspection, SiteResult, Submission)

SELF_INSPECTION_DUE_MONTH_DAY = (3, 31)  # 四、(一): 每年3月底之前


# --- states ---------------------------------------------------------------------------------------

class LetterState(LabelledEnum):
    """Where a letter's rectification stands. Decided by `derive` alone (standing keeps its output for open
    letters)."""

    unsigned = ("unsigned", "待签收", "warning")
    in_progress = ("in_progress", "整改中", "primary")
    submitted = ("submitted", "已报送待审", "info")
    returned = ("returned", "退回修改", "danger")
    site_check = ("site_check", "待实地查验", "dark")
    closed = ("closed", "已办结", "success")


class ProblemState(LabelledEnum):
    """Where one problem of a letter stands, from its latest submitted reply."""

    open = ("open", "待答复", "secondary")
    pending = ("pending", "待审核", "info")
    returned = ("returned", "退回修改", "danger")
    site_check = ("site_check", "待实地查验", "dark")
    reopened = ("reopened", "查验未通过", "danger")
    accepted = ("accepted", "已通过", "success")

    @property
    def needs_reply(self) -> bool:
        return self in (ProblemState.open, ProblemState.returned, ProblemState.reopened)

    @property
    def under_review(self) -> bool:
        return self in (ProblemState.pending, ProblemState.site_check)


@dataclass
class ProblemStatus:
    problem: LetterProblem
    state: ProblemState
    rounds: list[Reply]  # submitted replies, oldest first
    draft: Reply | None

    @property
    def latest(self) -> Reply | None:
        return self.rounds[-1] if self.rounds else None


@dataclass
class Status:
    """A letter's derived rectification status at `today`."""

    state: LetterState
    today: date
    original_deadline: date | None
    deadline: date | None  # current: after any approved extension
    overdue_days: int
    closed_at: datetime | None
    closed_by_id: int | None
    problems: list[ProblemStatus] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)  # submitted, oldest first
    extensions: list[Extension] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.state.value

    @property
    def label(self) -> str:
        return self.state.label

    @property
    def css(self) -> str:
        return self.state.css

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0

    @property
    def closed(self) -> bool:
        return self.state is LetterState.closed

    @property
    def days_left(self) -> int | None:
        if self.deadline is None or self.closed:
            return None
        return (self.deadline - self.today).days

    @property
    def extended(self) -> bool:
        return self.deadline != self.original_deadline

    @property
    def closed_on(self) -> date | None:
        return timeutil.to_local(self.closed_at).date() if self.closed_at else None

    @property
    def first_submitted_on(self) -> date | None:
        return self.submissions[0].submitted_on if self.submissions else None

    @property
    def replied_on_time(self) -> bool | None:
        """Whether the first report came in by the deadline then in force; None while there is none."""
        return (not self.submissions[0].late) if self.submissions else None

    @property
    def late_submissions(self) -> list[Submission]:
        return [s for s in self.submissions if s.late]

    @property
    def pending_extension(self) -> Extension | None:
        return next((e for e in self.extensions if e.status == ExtensionStatus.PENDING), None)

    @property
    def under_review(self) -> bool:
        return any(p.state.under_review for p in self.problems)

    def problem(self, problem_id: int) -> ProblemStatus | None:
        return next((p for p in self.problems if p.problem.id == problem_id), None)


def problem_state(rounds: list[Reply]) -> ProblemState:
    """The state of one problem from its submitted replies (oldest first)."""
    if not rounds:
        return ProblemState.open
    last = rounds[-1]
    if not last.decision:
        return ProblemState.pending
    if last.decision == Decision.ACCEPTED:
        return ProblemState.accepted
    if last.decision == Decision.RETURNED:
        return ProblemState.returned
    if last.site_result == SiteResult.PASSED:
        return ProblemState.accepted
    if last.site_result == SiteResult.FAILED:
        return ProblemState.reopened
    return ProblemState.site_check


def _current_deadline(letter: Letter, extensions: Iterable[Extension]) -> date | None:
    approved = [e for e in extensions if e.status == ExtensionStatus.APPROVED and e.new_deadline]
    if approved:
        return max(approved, key=lambda e: (e.decided_at or datetime.min, e.id)).new_deadline
    return letter.deadline


def derive(letter: Letter, replies: Iterable[Reply], submissions: Iterable[Submission],
           extensions: Iterable[Extension], today: date | None = None, letter_problems=None) -> Status:
    """The one function that decides a letter's state, from its facts. Pure: no queries of its own
    beyond the letter's problems (letter.items).

    待签收 until received; 已办结 when every problem is accepted; otherwise the office's turn comes first
    (已报送待审 while a reply awaits a decision, 待实地查验 while an on-site check is open), then the unit's
    (退回修改 when a problem was returned or reopened, else 整改中). 逾期: past the current deadline and
    not 已办结, by (today − deadline) days.

    `letter_problems` (default letter.items), replies, submissions and extensions may be ORM objects or the light fact
    rows of light_states: derive reads only their fact columns.
    """
    today = today or timeutil.today()
    extensions = sorted(extensions, key=lambda e: e.id)
    deadline = _current_deadline(letter, extensions)
    by_problem: dict[int, list[Reply]] = defaultdict(list)
    for r in replies:
        by_problem[r.letter_problem_id].append(r)
    problems = []
    for problem in sorted(letter.items if letter_problems is None else letter_problems, key=lambda i: i.position):
        rs = sorted(by_problem.get(problem.id, []), key=lambda r: r.round)
        rounds = [r for r in rs if r.status == SUBMITTED]
        draft = next((r for r in rs if r.status == DRAFT), None)
        problems.append(ProblemStatus(problem=problem, state=problem_state(rounds), rounds=rounds, draft=draft))
    states = {p.state for p in problems}
    closed_at = closed_by = None
    if not letter.received:
        state = LetterState.unsigned
    elif problems and states == {ProblemState.accepted}:
        state = LetterState.closed
        last = max((p.latest for p in problems), key=lambda r: (r.accepted_at or datetime.min, r.id))
        closed_at, closed_by = last.accepted_at, last.accepted_by_id
    elif ProblemState.pending in states:
        state = LetterState.submitted
    elif ProblemState.site_check in states:
        state = LetterState.site_check
    elif states & {ProblemState.returned, ProblemState.reopened}:
        state = LetterState.returned
    else:
        state = LetterState.in_progress
    overdue = 0
    if state is not LetterState.closed and deadline is not None and today > deadline:
        overdue = (today - deadline).days
    subs = sorted((s for s in submissions if s.status == SUBMITTED), key=lambda s: s.round)
    return Status(state=state, today=today, original_deadline=letter.deadline, deadline=deadline,
                  overdue_days=overdue, closed_at=closed_at, closed_by_id=closed_by, problems=problems,
                  submissions=subs, extensions=extensions)


def letter_state(letter: Letter, today: date | None = None) -> Status:
    """The derived status of one issued letter."""
    return states_for([letter], today)[letter.id]


def states_for(letters: list[Letter], today: date | None = None) -> dict[int, Status]:
    """Derived statuses of many letters with a fixed number of queries (no N+1)."""
    ids = [x.id for x in letters]
    replies: dict[int, list[Reply]] = defaultdict(list)
    subs: dict[int, list[Submission]] = defaultdict(list)
    exts: dict[int, list[Extension]] = defaultdict(list)
    for chunk in _chunks(ids, 900):
        for r in db.session.scalars(select(Reply).where(Reply.letter_id.in_(chunk))):
            replies[r.letter_id].append(r)
        for s in db.session.scalars(select(Submission).where(Submission.letter_id.in_(chunk))):
            subs[s.letter_id].append(s)
        for e in db.session.scalars(select(Extension).where(Extension.letter_id.in_(chunk))):
            exts[e.letter_id].append(e)
    return {x.id: derive(x, replies[x.id], subs[x.id], exts[x.id], today) for x in letters}


def not_recorded_closed(dialect: str | None = None):
    """SQL condition on Letter: no closure recorded. Every letter that may still be open meets it.

    On SQLite `id NOT IN (closures)`: one pass building the closures' id set, ~3× faster there than the
    correlated NOT EXISTS over ten years of letters. PostgreSQL plans NOT EXISTS as a hash anti-join, while its
    NOT IN over a set larger than work_mem would probe the subquery once per letter.
    """
    if (dialect or db.engine.dialect.name) == "sqlite":
        return Letter.id.not_in(select(Closure.letter_id))
    return ~select(Closure.letter_id).where(Closure.letter_id == Letter.id).exists()


def recorded_closed():
    """SQL condition on Letter: its closure is recorded (it is 已办结, for good)."""
    return select(Closure.letter_id).where(Closure.letter_id == Letter.id).exists()


def id_set(column, ids: list[int], dialect: str | None = None):
    """SQL condition `column IN ids` with the ids as ONE bound parameter, whatever their number: a JSON array
    read by json_each on SQLite, an array (= ANY) on PostgreSQL. No parameter limit, one statement."""
    if (dialect or db.engine.dialect.name) == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(Integer)))
    return column.in_(select(literal_column("value")).select_from(func.json_each(bindparam("ids", json.dumps(ids)))))


# Light rows: namedtuples of the columns derive and the figures read, carrying the models' own rules (received,
# accepted_at, days_late…) — not ORM objects: for thousands of letters, or the 260,000 rows of the ledger export,
# those cost more than the queries, and a namedtuple costs a third of a SimpleNamespace.

def _light(name: str, cols, model=None, rules=(), **more):
    """A namedtuple of `cols` with the properties `rules` of `model` and the attributes `more`."""
    props = {r: model.__dict__[r] for r in rules}
    return type(name, (namedtuple(name, cols),), {"__slots__": (), **props, **more})


_LetterRow = _light("_LetterRow", ("id", "unit_id", "number", "issue_date", "receipt_date", "deadline", "unit_name"),
                    Letter, ("received",))
_ProblemRow = _light("_ProblemRow", ("id", "letter_id", "position", "text", "item_name", "item_seq"))
_ReplyRow = _light("_ReplyRow", ("id", "letter_id", "letter_problem_id", "submission_id", "round", "status",
                                 "decision", "decision_note", "site_result", "decided_at", "decided_by_id",
                                 "site_result_at", "site_result_by_id"),
                   Reply, ("is_draft", "accepted", "accepted_at", "accepted_by_id", "decision_label"))
_SubmissionRow = _light("_SubmissionRow", ("id", "letter_id", "round", "status", "submitted_on", "deadline_then"),
                        Submission, ("is_draft", "days_late", "late"))
_ExtensionRow = _light("_ExtensionRow", ("id", "letter_id", "status", "new_deadline", "decided_at"))


def _by_letter(row_type, query, conn) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for row in conn.execute(query):
        f = row_type._make(row)
        out[f.letter_id].append(f)
    return out


def _facts(row_type, model, ids: list[int], conn) -> dict[int, list]:
    return _by_letter(row_type, select(*(getattr(model, c) for c in row_type._fields))
                      .where(id_set(model.letter_id, ids, conn.dialect.name)), conn)


def light_states(ids: list[int], today: date | None = None, item_names: bool = False,
                 connection=None) -> tuple[list[_LetterRow], dict[int, Status]]:
    """The letters `ids` as light rows, in id order, and their derived states, in a fixed number of queries: the
    letters (with their unit's name), their problems, replies, submissions and extensions, each by one id_set.

    The states' problems, rounds and submissions are light rows too — enough for counts, filters, figures and
    the ledger's columns; a page showing one letter's replies uses letter_state. item_names fills each problem's
    check item (problem.item_name, problem.item_seq; None when the problem has none). `connection` defaults to the
    session's (standing.refresh passes the one it runs in: a flush's, or a migration's).
    """
    if not ids:
        return [], {}
    conn = connection if connection is not None else db.session.connection()
    dialect = conn.dialect.name
    letters = [_LetterRow._make(row) for row in conn.execute(
        select(*(getattr(Letter, c) for c in _LetterRow._fields[:-1]), Unit.name).join(Unit, Unit.id == Letter.unit_id)
        .where(id_set(Letter.id, ids, dialect)).order_by(Letter.id))]
    cols = (LetterProblem.id, LetterProblem.letter_id, LetterProblem.position, LetterProblem.text)
    if item_names:
        q = (select(*cols, CheckItem.name, CheckItem.seq)
             .outerjoin(Problem, Problem.id == LetterProblem.problem_id)
             .outerjoin(CheckItem, CheckItem.id == Problem.item_id))
    else:
        q = select(*cols, null(), null())
    problems = _by_letter(_ProblemRow, q.where(id_set(LetterProblem.letter_id, ids, dialect)), conn)
    replies = _facts(_ReplyRow, Reply, ids, conn)
    subs = _facts(_SubmissionRow, Submission, ids, conn)
    exts = _facts(_ExtensionRow, Extension, ids, conn)
    return letters, {x.id: derive(x, replies[x.id], subs[x.id], exts[x.id], today, letter_problems=problems[x.id])
                     for x in letters}


def open_deadlines() -> list[tuple[int, date]]:
    """(letter id, deadline in force) of every open letter that has a deadline, from the stored states
    (standing), in id order: what the reminder sweep chases."""
    from . import standing

    return standing.open_deadlines()


def open_letter_ids(state: str) -> list[int]:
    """Ids of the open letters whose stored state (standing) is `state` (a LetterState code), in id order."""
    from . import standing

    return standing.open_letter_ids(state)


def closure_facts(letter, status: Status) -> dict:
    """The columns of a Closure for `letter`, 已办结 as `status` says: when, by whom, and the case's figures."""
    days = (status.closed_on - letter.receipt_date).days if status.closed_on and letter.receipt_date else None
    return {"letter_id": letter.id, "closed_at": status.closed_at, "closed_on": status.closed_on,
            "closed_by_id": status.closed_by_id,
            "issue_year": letter.issue_date.year if letter.issue_date else None, "days_to_close": days,
            "replied_on_time": status.replied_on_time}



def _chunks(seq, n):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def current_deadline(letter: Letter) -> date | None:
    """The deadline in force: the latest approved extension's date, else the one computed at receipt."""
    exts = db.session.scalars(select(Extension).where(Extension.letter_id == letter.id)).all()
    return _current_deadline(letter, exts)


def draft_submission(letter: Letter) -> Submission | None:
    return db.session.scalars(select(Submission).where(Submission.letter_id == letter.id,
                                                       Submission.status == DRAFT)).first()


def previous_report_text(letter: Letter) -> str:
    """The text of the last report submitted for `letter` ("" when none): what a new round starts from."""
    sub = db.session.scalars(select(Submission).where(Submission.letter_id == letter.id,
                                                      Submission.status == SUBMITTED)
                             .order_by(Submission.round.desc())).first()
    return sub.report_text if sub else ""


def can_record_site_result(user: User, reply: Reply) -> bool:
    """Whether `user` may record the result of the on-site check `reply` waits for now."""
    if reply.decision != Decision.SITE_CHECK or reply.site_result:
        return False
    return can("rectification.record_site_result", reply, user=user)


def self_inspection_due(year: int) -> date:
    return date(year, *SELF_INSPECTION_DUE_MONTH_DAY)


def self_inspection_of(unit_id: int, year: int) -> SelfInspection | None:
    return db.session.scalars(select(SelfInspection).where(SelfInspection.unit_id == unit_id,
                                                           SelfInspection.year == year)).first()


@dataclass
class SelfRow:
    unit: object
    record: SelfInspection | None

    @property
    def state(self) -> tuple[str, str]:
        if self.record is None:
            return "未报送", "danger"
        if self.record.is_draft:
            return "草稿未报送", "warning"
        if self.record.days_late:
            return f"已报送（逾期{self.record.days_late}日）", "info"
        return "已按期报送", "success"

    @property
    def submitted(self) -> bool:
        return self.record is not None and not self.record.is_draft


def self_inspection_overview(year: int) -> list[SelfRow]:
    """Every active unit and its 自查 for the year: who has and who has not."""
    units = db.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.kind, Unit.name)).all()
    records = {s.unit_id: s for s in db.session.scalars(select(SelfInspection).where(SelfInspection.year == year))}
    return [SelfRow(unit=u, record=records.get(u.id)) for u in units]


# --- lists ----------------------------------------------------------------------------------------

def unit_letters(unit_id: int, today: date | None = None) -> list[tuple[Letter, Status]]:
    """The unit's issued letters (newest first) with their status."""
    # derive() reads letter.items: load them with the letters (one query), not one lazy load per letter.
    letters = db.session.scalars(select(Letter).where(Letter.unit_id == unit_id,
                                                      Letter.status == LetterStatus.issued.value)
                                 .order_by(Letter.issue_date.desc(), Letter.id.desc())
                                 .options(selectinload(Letter.items))).all()
    states = states_for(letters, today)
    return [(x, states[x.id]) for x in letters]


# The office's drafting steps (letters.service): never shown to the unit.
DRAFTING_ACTIONS = frozenset({"draft", "update", "move_problem", "remove_problem", "add_problem", "delete"})


def letter_history(letter: Letter, for_unit: bool = False) -> list:
    """The letter's audit entries, oldest first. for_unit: what the unit may see — from 签发 on (签发, 签收 or
    送达, its own and the office's rectification steps), never the office's drafting (起草, 修改意见书草稿, …)."""
    q = select(audit.AuditEntry).where(audit.AuditEntry.record_type == "letter",
                                       audit.AuditEntry.record_id == letter.id)
    if for_unit:
        issued = (select(func.min(audit.AuditEntry.id))
                  .where(audit.AuditEntry.record_type == "letter", audit.AuditEntry.record_id == letter.id,
                         audit.AuditEntry.action == "issue").scalar_subquery())
        q = q.where(audit.AuditEntry.id >= issued, audit.AuditEntry.action.not_in(DRAFTING_ACTIONS))
    return db.session.scalars(q.order_by(audit.AuditEntry.id)).all()


def pending_site_checks(user: User) -> list[Reply]:
    """Replies waiting for an on-site check result that `user` may record.

    The replies first (an index seek to the few open checks), then their letters, units, items and visits by
    id: joined in one statement, PostgreSQL expected thousands of open checks (decision and site_result are
    correlated) and hashed the whole letter, item and visit tables (~30 ms at province scale)."""
    q = (select(Reply).where(Reply.decision == Decision.SITE_CHECK, Reply.site_result == "")
         .options(selectinload(Reply.letter).selectinload(Letter.unit), selectinload(Reply.problem),
                  selectinload(Reply.site_visit).selectinload(Visit.inspectors)))
    rows = db.session.scalars(q.order_by(Reply.decided_at)).all()
    return [r for r in rows if can_record_site_result(user, r)]



def attachment_owner_letter(att) -> Letter | None:
    """The letter a rectification attachment belongs to (None for 自查 attachments)."""
    if att.owner_type == REPLY_OWNER:
        reply = db.session.get(Reply, att.owner_id)
        return reply.letter if reply else None
    if att.owner_type == SUBMISSION_OWNER:
        sub = db.session.get(Submission, att.owner_id)
        return sub.letter if sub else None
    return None
