"""Opinion letters (行政执法监督意见书 and other types), the problems they carry, their stored PDFs.

A letter is a draft until the 监督室 issues it; only then does it get its number, unique per
(type, year) by a database constraint. At issue the text is frozen (content_json) and the PDF is
produced once and stored with its SHA-256 (letter_file); from then on that file is what is served.
A mistaken letter is voided with a reason, its number never reused; a corrected letter points at the
voided one through replaces_id.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint, event, false, text)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import db
from ..search import fts_index, trigram_index
from ..labels import LabelledEnum
from ..timeutil import utcnow
from ..visits.models import Problem


class LetterStatus(LabelledEnum):
    draft = ("draft", "草稿", "secondary")
    issued = ("issued", "已签发", "primary")
    voided = ("voided", "已作废", "dark")


RECEIPT_KINDS = {"sign": "签收", "paper": "送达"}


class LetterType(db.Model):
    """A kind of letter: its title, number prefix and reply period. 行政执法监督意见书 is the default."""

    __tablename__ = "letter_type"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)  # printed as the title
    # Number prefix (鲁政行监字); empty = the organisation profile's letter_prefix.
    prefix: Mapped[str] = mapped_column(String(30), default="")
    # Reply period in days; None = the profile's reply_period_days.
    reply_period_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The request paragraph; {days} and {place} are filled in. Empty = 附件三's wording.
    request_template: Mapped[str] = mapped_column(Text, default="")
    # The 发文机关署名 of this type; empty = the organisation profile's issuing_authority. Read when a letter is
    # issued and frozen into its content: changing it never alters an issued letter.
    issuing_authority: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # Optional 版头 and 版记 (GB/T 9704-2012 7.2, 7.4), off by default: 附件三's format has neither. Read at issue
    # and frozen into the letter's content like the 署名 (see masthead.py).
    masthead_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    masthead_text: Mapped[str] = mapped_column(String(100), default="", server_default="")  # 发文机关标志
    colophon_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    copy_to: Mapped[str] = mapped_column(String(500), default="", server_default="")  # 抄送机关
    printer: Mapped[str] = mapped_column(String(100), default="", server_default="")  # 印发机关; empty = the 署名
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<LetterType {self.name}>"


class Letter(db.Model):
    __tablename__ = "letter"
    __table_args__ = (
        # The number: one per (type, year, seq). Two admins issuing at the same second cannot both win.
        UniqueConstraint("letter_type_id", "year", "seq", name="uq_letter_type_year_seq"),
        # The dashboards' "issued, not yet signed for" count, from the index alone.
        Index("ix_letter_status_receipt_date", "status", "receipt_date"),
        # Issued letters by id from the index alone (PostgreSQL's index-only scan needs the id in it): the
        # anti-join finding the letters without a recorded closure.
        Index("ix_letter_status_id", "status", "id"),
        # The years that have letters (service.letter_years: one index seek per year), and the ledger's row
        # count for a year — the sum of its issued letters' problem_count — from the index alone.
        Index("ix_letter_year_status_problems", "year", "status", "problem_count"),
        # The 整改台账's order (rectification/ledger.py): a searched ledger walks it and stops after the page.
        Index("ix_letter_ledger_order", "year", "letter_type_id", "seq", "id"),
        # The lists' keyword search on a letter's number (PostgreSQL only: supervision/search.py).
        trigram_index("ix_letter_number_trgm", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_type_id: Mapped[int] = mapped_column(ForeignKey("letter_type.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(10), default=LetterStatus.draft.value)
    # Optional case reference of 附件三: 你单位××××案（鲁×罚决字〔××〕第×号）经审查后发现：
    case_name: Mapped[str] = mapped_column(String(200), default="")
    case_number: Mapped[str] = mapped_column(String(100), default="")
    period_days: Mapped[int] = mapped_column(Integer, default=30)
    # Number, set at issue only.
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    number: Mapped[str] = mapped_column(String(60), default="", index=True)
    issue_date: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)  # 成文日期
    issued_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    content_json: Mapped[str] = mapped_column(Text, default="")  # the LetterContent frozen at issue
    # How many problems the letter carries, set at issue (an issued letter's problems never change): the
    # 整改台账 has one row per problem, and counts a year's rows by summing this.
    problem_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Delivery (送达): the unit signs in the app, or the admin records a paper delivery date.
    receipt_kind: Mapped[str] = mapped_column(String(10), default="")  # sign / paper
    receipt_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # when recorded
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    # Computed once at receipt from the working calendar (see deadline.py), with how it was reached.
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    deadline_note: Mapped[str] = mapped_column(String(200), default="")
    unit_seen_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # first opened by the unit
    # Void (作废).
    voided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    void_reason: Mapped[str] = mapped_column(String(500), default="")
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # The draft's version, raised by every change of its wording or problems: the draft form posts the version it
    # was opened at, so a second person's save never silently overwrites the first's (service.update_draft).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    letter_type: Mapped[LetterType] = relationship()
    unit = relationship("Unit")
    visit = relationship("Visit")
    items: Mapped[list["LetterProblem"]] = relationship(
        back_populates="letter", order_by="LetterProblem.position", cascade="all, delete-orphan")
    replaces = relationship("Letter", remote_side=[id], foreign_keys=[replaces_id])
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    received_by = relationship("User", foreign_keys=[received_by_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def status_enum(self) -> LetterStatus:
        return LetterStatus(self.status)

    @property
    def status_label(self) -> str:
        return self.status_enum.label

    @property
    def status_css(self) -> str:
        return self.status_enum.css

    @property
    def is_draft(self) -> bool:
        return self.status == LetterStatus.draft.value

    @property
    def is_issued(self) -> bool:
        return self.status == LetterStatus.issued.value

    @property
    def is_voided(self) -> bool:
        return self.status == LetterStatus.voided.value

    @property
    def received(self) -> bool:
        return self.receipt_date is not None

    @property
    def deadline_pending(self) -> bool:
        """Received, but the deadline waits for a year's working calendar (see service.resolve_pending_deadlines)."""
        return self.receipt_date is not None and self.deadline is None and self.is_issued

    @property
    def deadline_text(self) -> str:
        """整改期限 as shown: 2027年1月4日, 待定（2027年工作日历未录入）, or '' before receipt."""
        from .deadline import deadline_text

        return deadline_text(self.deadline, self.receipt_date if self.deadline_pending else None)

    @property
    def receipt_label(self) -> str:
        return RECEIPT_KINDS.get(self.receipt_kind, "")

    @property
    def title(self) -> str:
        return self.letter_type.name if self.letter_type else ""

    @property
    def display_name(self) -> str:
        return self.number or f"草稿 #{self.id}"

    @property
    def replaced_by(self) -> "Letter | None":
        return db.session.query(Letter).filter_by(replaces_id=self.id).order_by(Letter.id.desc()).first()

    def __repr__(self) -> str:
        return f"<Letter {self.id} {self.number or self.status}>"


class LetterProblem(db.Model):
    """A problem in a letter, at a position, with the wording the letter uses (editable in a draft).

    A problem belongs to at most one live (draft or issued) letter: the partial unique index below;
    voiding a letter sets `live` to False on its rows, so the problem can go into a corrected letter.
    """

    __tablename__ = "letter_problem"
    __table_args__ = (
        Index("uq_letter_problem_live_problem", "problem_id", unique=True,
              sqlite_where=text("live"), postgresql_where=text("live")),
        # "Is this problem in a live letter?" — the anti-join of the problems awaiting a letter — answered from
        # the index alone (the partial index above is not used by SQLite for `live IS 1`).
        Index("ix_letter_problem_problem_live", "problem_id", "live"),
        # A letter's live items from the index alone: the ledger's count of rows for a year or a unit.
        Index("ix_letter_problem_letter_live", "letter_id", "live"),
        # The lists' keyword search on a problem's wording in the letter (PostgreSQL only: supervision/search.py).
        trigram_index("ix_letter_problem_text_trgm", "text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), index=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text, default="")
    live: Mapped[bool] = mapped_column(Boolean, default=True)

    letter: Mapped[Letter] = relationship(back_populates="items")
    problem = relationship("Problem")


fts_index(Letter.__table__, "number")  # the keyword search's trigram indexes on SQLite (search.py)
fts_index(LetterProblem.__table__, "text")


class LetterFile(db.Model):
    """The PDF produced at issue, kept byte for byte with its SHA-256. Written once, never updated."""

    __tablename__ = "letter_file"
    __table_args__ = (UniqueConstraint("letter_id", "kind", name="uq_letter_file_letter_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="pdf")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    font_family: Mapped[str] = mapped_column(String(100), default="")  # the body font it was set in
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    letter: Mapped[Letter] = relationship()


def _link_problems() -> None:
    """Give Problem a read-only `letters` list: the live letters it is in (visits reads it duck-typed)."""
    from sqlalchemy import and_, true
    from sqlalchemy.orm import relationship as rel

    if "letters" in Problem.__dict__:  # (asking the mapper would configure every mapper too early)
        return
    lp = LetterProblem.__table__
    Problem.letters = rel(
        Letter, secondary=lp, viewonly=True,
        primaryjoin=and_(Problem.id == lp.c.problem_id, lp.c.live == true()),
        secondaryjoin=lp.c.letter_id == Letter.id,
    )


_link_problems()


def mirror_in_letter(problem_ids, connection) -> None:
    """Set problem.in_letter of `problem_ids` to whether a live letter_problem row carries them (the record)."""
    from sqlalchemy import exists, select, update

    ids = sorted({i for i in problem_ids if i is not None})
    lp = LetterProblem.__table__
    carried = exists(select(lp.c.id).where(lp.c.problem_id == Problem.__table__.c.id, lp.c.live.is_(True)))
    for start in range(0, len(ids), 500):
        connection.execute(update(Problem.__table__).where(Problem.__table__.c.id.in_(ids[start:start + 500]))
                           .values(in_letter=carried))


@event.listens_for(Session, "after_flush")
def _keep_in_letter(session, _context) -> None:
    """After a flush that added, changed or deleted letter_problem rows, mirror them into problem.in_letter —
    whichever service function did it (drafting, adding, moving, removing, voiding, deleting a draft)."""
    touched = [obj.problem_id for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, LetterProblem)]
    if touched:
        mirror_in_letter(touched, session.connection())


# --- stored derived values of this part (supervision/derived.py) ----------------------------------------------

def carried_problems(problem_ids, connection) -> dict[int, bool]:
    """What problem.in_letter should be for `problem_ids`: whether a live letter_problem row carries each."""
    from sqlalchemy import select

    ids = sorted({int(i) for i in problem_ids if i is not None})
    lp = LetterProblem.__table__
    out = dict.fromkeys(ids, False)
    for start in range(0, len(ids), 500):
        out.update((pid, True) for pid in connection.scalars(
            select(lp.c.problem_id).where(lp.c.problem_id.in_(ids[start:start + 500]), lp.c.live.is_(True))))
    return out


def in_letter_differences(connection) -> list[str]:
    """The problems whose in_letter disagrees with the letter_problem rows, in words."""
    rows = connection.execute(text(
        "SELECT p.id, p.visit_id, p.in_letter, EXISTS (SELECT 1 FROM letter_problem lp WHERE lp.problem_id = p.id "
        "AND lp.live) FROM problem p WHERE p.in_letter IS DISTINCT FROM EXISTS (SELECT 1 FROM letter_problem lp "
        "WHERE lp.problem_id = p.id AND lp.live) ORDER BY p.id")).all()
    said = {True: "已纳入意见书", False: "未纳入意见书"}
    return [f"问题 id {pid}（检查记录 id {vid}）：记为{said[bool(have)]}，按意见书应为{said[bool(want)]}"
            for pid, vid, have, want in rows]


def rebuild_in_letter(connection) -> int:
    """Set every problem's in_letter from the letter_problem rows; returns how many problems are in a letter."""
    connection.execute(text("UPDATE problem SET in_letter = EXISTS (SELECT 1 FROM letter_problem lp "
                            "WHERE lp.problem_id = problem.id AND lp.live)"))
    return connection.scalar(text("SELECT count(*) FROM problem WHERE in_letter")) or 0


def counted_problems(letter_ids, connection) -> dict[int, int | None]:
    """What letter.problem_count should be for `letter_ids`: the number of its problems (None for a draft)."""
    from sqlalchemy import func, select

    ids = sorted({int(i) for i in letter_ids if i is not None})
    lp = LetterProblem.__table__
    out = {}
    for start in range(0, len(ids), 500):
        n = (select(func.count()).where(lp.c.letter_id == Letter.id).scalar_subquery())
        out.update(connection.execute(select(Letter.id, n).where(Letter.id.in_(ids[start:start + 500]),
                                                                 Letter.status != LetterStatus.draft.value)).all())
    return {i: out.get(i) for i in ids}


_STORE_PROBLEM_COUNT = ("UPDATE letter SET problem_count = (SELECT count(*) FROM letter_problem "
                        "WHERE letter_problem.letter_id = letter.id) WHERE status <> 'draft'")


def store_problem_count(letter_ids, connection) -> None:
    """The one writer of letter.problem_count: the number of its problems, for the issued (or voided) letters
    among `letter_ids` (issuing calls it; an issued letter's problems never change after)."""
    from sqlalchemy import bindparam

    ids = sorted({int(i) for i in letter_ids if i is not None})
    for start in range(0, len(ids), 500):
        connection.execute(text(_STORE_PROBLEM_COUNT + " AND id IN :ids")
                           .bindparams(bindparam("ids", ids[start:start + 500], expanding=True)))


def problem_count_differences(connection) -> list[str]:
    """The issued or voided letters whose problem_count is not the number of their problems, in words."""
    rows = connection.execute(text(
        "SELECT id, number, problem_count, (SELECT count(*) FROM letter_problem WHERE letter_id = letter.id) "
        "FROM letter WHERE status <> 'draft' AND problem_count IS DISTINCT FROM "
        "(SELECT count(*) FROM letter_problem WHERE letter_id = letter.id) ORDER BY id")).all()
    return [f"意见书 {number or '（无文号）'}（id {lid}）：{'未记问题数' if have is None else f'记为 {have} 个问题'}，"
            f"实有 {want} 个" for lid, number, have, want in rows]


def rebuild_problem_count(connection) -> None:
    connection.execute(text(_STORE_PROBLEM_COUNT))


def _register_derived() -> None:
    from .. import derived

    derived.register(
        "problem.in_letter", label="问题的“已纳入意见书”标记", key="problem", facts=("letter_problem",),
        compute=carried_problems, store=mirror_in_letter, check=in_letter_differences, rebuild=rebuild_in_letter)
    derived.register(
        "letter.problem_count", label="意见书的问题数", key="letter", facts=("letter", "letter_problem"),
        compute=counted_problems, store=store_problem_count, check=problem_count_differences,
        rebuild=rebuild_problem_count)


_register_derived()
