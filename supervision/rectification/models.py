"""Rectification facts: submissions (报送), replies per problem and their review, extensions (延期), 自查.

The facts are stored here — who wrote what, when, and what the office decided. Where a letter or a
problem stands (待签收, 整改中, 已报送待审, 退回修改, 待实地查验, 已办结, 逾期) is decided from these facts in
one place, queries.py (`derive`). For the office's lists and counts over ten years, derive's output for the open
letters is kept too (OpenLetter, OpenProblem, with the closed letters' sums per year: standing.py rewrites them
from derive after every change and checks them against it); nothing else decides a state.

A *round*: the unit drafts a reply to each open problem, then submits them together with its overall
report (a Submission). The office decides on each reply (通过 / 退回 / 实地查验). A returned or reopened
problem gets a new reply in the next round; every round is kept.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..letters import models as _letters_models  # noqa: F401  (Letter and LetterProblem mapped first)
from ..timeutil import utcnow
from ..uploads import Attachment  # noqa: F401
from ..visits import models as _visits_models  # noqa: F401  (Visit mapped first)

DRAFT = "draft"
SUBMITTED = "submitted"

# Attachment owner types (supervision.uploads.Attachment.owner_type).
REPLY_OWNER = "rect_reply"
SUBMISSION_OWNER = "rect_submission"
SELF_OWNER = "rect_self"


class Decision:
    """The office's decision on one reply."""

    ACCEPTED = "accepted"
    RETURNED = "returned"
    SITE_CHECK = "site_check"
    LABELS = {ACCEPTED: "通过", RETURNED: "退回", SITE_CHECK: "实地查验"}


class SiteResult:
    PASSED = "passed"
    FAILED = "failed"
    LABELS = {PASSED: "查验通过", FAILED: "查验未通过"}


class Submission(db.Model):
    """One 报送 of a letter's rectification: the overall report (text + signed scan) and that round's replies."""

    __tablename__ = "rect_submission"
    __table_args__ = (UniqueConstraint("letter_id", "round", name="uq_rect_submission_letter_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    report_text: Mapped[str] = mapped_column(Text, default="")
    # A paper reply received by post, recorded by the office on the unit's behalf.
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    # The day the reply counts as arrived (today, or the postmark/receipt day of a paper reply) and the
    # deadline in force that day: together they say whether, and by how much, it was late.
    submitted_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    deadline_then: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    letter = relationship("Letter")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    replies: Mapped[list[Reply]] = relationship(back_populates="submission", order_by="Reply.id")

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT

    @property
    def days_late(self) -> int:
        if self.submitted_on is None or self.deadline_then is None:
            return 0
        return max(0, (self.submitted_on - self.deadline_then).days)

    @property
    def late(self) -> bool:
        return self.days_late > 0


class Reply(db.Model):
    """A unit's reply to one problem of a letter in one round, and the office's decision on it."""

    __tablename__ = "rect_reply"
    __table_args__ = (
        UniqueConstraint("letter_problem_id", "round", name="uq_rect_reply_problem_round"),
        # On-site checks still open (decision site_check, no result): the dashboard's list, found without
        # reading every reply of ten years.
        Index("ix_rect_reply_decision_site_result", "decision", "site_result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), index=True)
    letter_problem_id: Mapped[int] = mapped_column(ForeignKey("letter_problem.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("rect_submission.id"), nullable=True, index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    text: Mapped[str] = mapped_column(Text, default="")  # what was done
    measures: Mapped[str] = mapped_column(Text, default="")  # measures and rules adopted
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Review (书面审阅): accepted / returned / site_check.
    decision: Mapped[str] = mapped_column(String(20), default="")
    decision_note: Mapped[str] = mapped_column(Text, default="")  # the reason of a return, shown to the unit
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    # 实地查验: the 回头看 visit, and its result (passed accepts the problem, failed reopens it).
    site_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), nullable=True, index=True)
    site_result: Mapped[str] = mapped_column(String(10), default="")
    site_note: Mapped[str] = mapped_column(Text, default="")
    site_result_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    site_result_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    letter = relationship("Letter")
    problem = relationship("LetterProblem")
    submission: Mapped[Submission | None] = relationship(back_populates="replies")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    site_visit = relationship("Visit")
    site_result_by = relationship("User", foreign_keys=[site_result_by_id])

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT

    @property
    def decision_label(self) -> str:
        if self.decision == Decision.SITE_CHECK and self.site_result:
            return SiteResult.LABELS[self.site_result]
        return Decision.LABELS.get(self.decision, "待审核" if not self.is_draft else "草稿")

    @property
    def accepted(self) -> bool:
        return self.decision == Decision.ACCEPTED or (
            self.decision == Decision.SITE_CHECK and self.site_result == SiteResult.PASSED)

    @property
    def accepted_at(self) -> datetime | None:
        if self.decision == Decision.ACCEPTED:
            return self.decided_at
        if self.accepted:
            return self.site_result_at
        return None

    @property
    def accepted_by_id(self) -> int | None:
        if self.decision == Decision.ACCEPTED:
            return self.decided_by_id
        if self.accepted:
            return self.site_result_by_id
        return None


class ExtensionStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    LABELS = {PENDING: "待审批", APPROVED: "已同意", REFUSED: "不同意"}
    CSS = {PENDING: "warning", APPROVED: "success", REFUSED: "secondary"}


class Extension(db.Model):
    """延期: the unit asks for a later deadline with a reason; the admin approves (with the date) or refuses."""

    __tablename__ = "rect_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_date: Mapped[date] = mapped_column(Date)
    deadline_before: Mapped[date | None] = mapped_column(Date, nullable=True)  # in force when asked
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default=ExtensionStatus.PENDING, index=True)
    new_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)  # set when approved
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    letter = relationship("Letter")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return ExtensionStatus.LABELS[self.status]

    @property
    def status_css(self) -> str:
        return ExtensionStatus.CSS[self.status]


class SelfInspection(db.Model):
    """自查 (四、(一)): by the end of March each unit uploads its self-inspection report and its plan for the year."""

    __tablename__ = "rect_self_inspection"
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_rect_self_inspection_unit_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    report_text: Mapped[str] = mapped_column(Text, default="")  # problems found or likely (自查报告)
    plan_text: Mapped[str] = mapped_column(Text, default="")  # the year's work plan (计划表)
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    submitted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    unit = relationship("Unit")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT

    @property
    def due(self) -> date:
        return date(self.year, 3, 31)

    @property
    def days_late(self) -> int:
        if self.submitted_on is None:
            return 0
        return max(0, (self.submitted_on - self.due).days)


class Closure(db.Model):
    """已办结, recorded when a letter's last problem is accepted (operations._close_if_done), in that transaction.

    queries.derive stays the one authority on a letter's state. Closing is final — a closed letter takes no
    more replies, decisions or extensions — so this row lets the dashboard, the statistics, the ledger's status
    filter and the reminder sweep skip the letters that are certainly closed instead of deriving the states of
    every letter of ten years. standing.refresh records it too for a letter derive finds 已办结 without one, so
    every issued letter has either this row or a stored open state.
    """

    __tablename__ = "rect_closure"
    __table_args__ = (
        # 整改统计's figures per year of issue, summed from the index alone.
        Index("ix_rect_closure_year_figures", "issue_year", "days_to_close", "replied_on_time"),
    )

    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(DateTime)  # naive UTC, as derive() gives it
    closed_on: Mapped[date] = mapped_column(Date, index=True)  # its Asia/Shanghai day
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    # Facts of the closed case, final like the closure itself, so 整改统计's figures per year read this narrow
    # table instead of every letter and submission of ten years (queries.closure_facts):
    issue_year: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the letter's year of issue
    days_to_close: Mapped[int | None] = mapped_column(Integer, nullable=True)  # receipt → closure, in days
    # Whether the first report came in by the deadline then in force; None when there was no report.
    replied_on_time: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class OpenLetter(db.Model):
    """整改状态索引: where an issued letter that is not 已办结 stands, as queries.derive says — kept so that the
    office's counts, the ledger's status filter, 整改统计 and the reminder sweep ask the database instead of
    deriving every open letter on every request.

    derive stays the one authority: these rows are its output for the letter's facts, rewritten by
    standing.refresh after every flush that touches a letter's facts or writes a letter's audit entry (every
    state change does), and by standing.rebuild (the upgrade, the benchmark generator, `flask ledger standing
    --rebuild`). `flask ledger standing` compares them with derive. A page showing one letter derives it.
    Only date-free facts are kept: 逾期 is `deadline < today`, asked on the day. A letter leaves this table when
    it is 已办结 (its Closure is recorded), voided, or deleted.
    """

    __tablename__ = "rect_open_letter"
    __table_args__ = (Index("ix_rect_open_letter_state", "state"),)

    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # queries.LetterState code; never "closed"
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)  # in force, after extensions
    # Whether the first report came in by the deadline then in force; None while there is none (as Closure).
    replied_on_time: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class OpenProblem(db.Model):
    """Where each problem of an open letter stands (queries.ProblemState code), kept with its OpenLetter."""

    __tablename__ = "rect_open_item"  # the table keeps its name: migration 0004 rebuilds it with standing.py itself

    letter_problem_id: Mapped[int] = mapped_column(ForeignKey("letter_problem.id", ondelete="CASCADE"),
                                                   primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("rect_open_letter.letter_id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16))


class ClosedYear(db.Model):
    """The closures of one year of issue, summed (整改统计's figures per year): kept by standing.refresh_years
    from rect_closure whenever a letter of that year closes or a closed one is voided — closures are final, so
    the sums change only then. Only issued letters count, as everywhere."""

    __tablename__ = "rect_closed_year"

    issue_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    close_days_sum: Mapped[int] = mapped_column(Integer, default=0)  # receipt → closure, summed
    close_days_n: Mapped[int] = mapped_column(Integer, default=0)  # letters with both dates
    reported: Mapped[int] = mapped_column(Integer, default=0)  # closed letters that had a report
    on_time: Mapped[int] = mapped_column(Integer, default=0)  # ... whose first report came by the deadline


class ClosedYearItem(db.Model):
    """The problems of the closed letters of one year of issue, counted by check item (None: a problem
    without one), kept with ClosedYear."""

    __tablename__ = "rect_closed_year_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_year: Mapped[int] = mapped_column(Integer, index=True)
    check_item_id: Mapped[int | None] = mapped_column(ForeignKey("check_item.id"), nullable=True)
    problems: Mapped[int] = mapped_column(Integer, default=0)


from . import standing  # noqa: E402,F401  (registers the flush hook that keeps OpenLetter and OpenProblem)
