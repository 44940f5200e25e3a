"""Visits (监督检查), the check-item catalogue they are recorded against, ratings and problems (问题).

A catalogue is versioned: editing it creates a new version and every visit keeps the version it was recorded
under, so an old visit reads the same after the catalogue changes.
"""
from datetime import date, datetime

from sqlalchemy import (Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text,
                        UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..search import fts_index, need_trigrams, trigram_index
from ..schedule import models as _schedule_models  # noqa: F401  (Visit.slot needs Slot mapped first)
from ..labels import LabelledEnum
from ..timeutil import utcnow
from ..uploads import Attachment  # noqa: F401  (the attachment table is known wherever visits are)


_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 21 → 二十一 (1–99)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")



class ProblemState(LabelledEnum):
    """Where a problem stands, derived (queries.problem_state), never stored. Letters and rectification refine it."""

    draft = ("draft", "检查未提交", "secondary")
    fixed = ("fixed", "已立行立改", "success")
    awaiting_letter = ("awaiting_letter", "待下达意见书", "danger")
    in_letter = ("in_letter", "已纳入意见书", "primary")


class VisitKind(LabelledEnum):
    routine = ("routine", "日常监督", "primary")
    concentrated = ("concentrated", "集中监督", "info")
    focused = ("focused", "重点监督", "warning")
    follow_up = ("follow_up", "回头看", "success")
    case_review = ("case_review", "案卷评查", "dark")  # made by casereview from a campaign's results
    filing_review = ("filing_review", "备案审查", "secondary")  # made by the filings part for a 纠正意见


class VisitStatus(LabelledEnum):
    draft = ("draft", "草稿", "secondary")
    submitted = ("submitted", "已提交", "success")


class Method(LabelledEnum):
    """检查方式: 四、(二) lists the first five; 四、(四) adds the two used for 回头看."""

    report = ("report", "听取汇报")
    documents = ("documents", "查阅资料")
    case_files = ("case_files", "调阅案卷")
    inquiry = ("inquiry", "现场询问")
    law_test = ("law_test", "公共法律知识考核")
    written_review = ("written_review", "书面审阅")
    site_check = ("site_check", "实地查验")


class Rating(LabelledEnum):
    """The county's assessment scale (鲁法政办〔2021〕1号): 优 100%, 良 80%, 中 60%, 差 0 — or 不适用."""

    excellent = ("excellent", "优", "success")
    good = ("good", "良", "primary")
    fair = ("fair", "中", "warning")
    poor = ("poor", "差", "danger")
    na = ("na", "不适用", "secondary")


class Disposition(LabelledEnum):
    """The stored value is the Chinese term itself, as the letters and rectification parts query it."""

    fixed = ("立行立改", "立行立改", "success")
    letter = ("需下达意见书", "需下达意见书", "danger")


class CheckCatalogue(db.Model):
    """One version of the check-item catalogue, valid from `year` until a later year's version exists."""

    __tablename__ = "check_catalogue"
    __table_args__ = (UniqueConstraint("year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("check_catalogue.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    items: Mapped[list["CheckItem"]] = relationship(
        back_populates="catalogue", order_by="CheckItem.seq", cascade="all, delete-orphan")
    created_by = relationship("User")

    @property
    def label(self) -> str:
        return f"{self.year}年 第{self.version}版"


class CheckItem(db.Model):
    __tablename__ = "check_item"
    __table_args__ = (UniqueConstraint("catalogue_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("check_catalogue.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1..9 → （一）..（九）
    key: Mapped[str] = mapped_column(String(40))  # stable across versions, for statistics
    name: Mapped[str] = mapped_column(String(100))
    criteria: Mapped[str] = mapped_column(Text, default="")

    catalogue: Mapped[CheckCatalogue] = relationship(back_populates="items")
    subpoints: Mapped[list["CheckSubpoint"]] = relationship(
        back_populates="item", order_by="CheckSubpoint.seq", cascade="all, delete-orphan")

    @property
    def numbered_name(self) -> str:
        return f"（{cn_number(self.seq)}）{self.name}"


class CheckSubpoint(db.Model):
    __tablename__ = "check_subpoint"
    __table_args__ = (UniqueConstraint("item_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("check_item.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    criteria: Mapped[str] = mapped_column(Text, default="")

    item: Mapped[CheckItem] = relationship(back_populates="subpoints")


visit_inspector = Table(
    "visit_inspector",
    db.metadata,
    Column("visit_id", ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True),
)


class Visit(db.Model):
    """One inspection of one unit on one day."""

    __tablename__ = "visit"
    __table_args__ = (
        # "Recently submitted visits" on the admin and leader dashboards: the newest 8 from the index, no sort.
        Index("ix_visit_status_submitted_at", "status", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=VisitKind.routine.value)
    status: Mapped[str] = mapped_column(String(20), default=VisitStatus.draft.value, index=True)
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("schedule_slot.id"), nullable=True, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("check_catalogue.id"))
    visit_date: Mapped[date] = mapped_column(Date, index=True)
    # 重点监督 / 集中监督: the matter checked; free text otherwise.
    subject: Mapped[str] = mapped_column(String(200), default="")
    methods: Mapped[str] = mapped_column(String(200), default="")  # comma-separated Method codes
    case_files: Mapped[str] = mapped_column(Text, default="")  # one per line, e.g. 鲁×罚决字〔2021〕第×号
    test_takers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    test_average: Mapped[float | None] = mapped_column(Float, nullable=True)  # 满分100, one decimal
    test_lowest: Mapped[float | None] = mapped_column(Float, nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    # A 回头看 visit may check one earlier problem (set by rectification's on-site check).
    follow_up_of_problem_id: Mapped[int | None] = mapped_column(
        ForeignKey("problem.id", use_alter=True), nullable=True)
    # Bumped on every save: a form posted with an older number is a concurrent edit and is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    unit = relationship("Unit")
    slot = relationship("Slot")
    catalogue: Mapped[CheckCatalogue] = relationship()
    inspectors = relationship("User", secondary=visit_inspector, order_by="User.id")
    created_by = relationship("User", foreign_keys=[created_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    ratings: Mapped[list["VisitRating"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitRating.item_id")
    problems: Mapped[list["Problem"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", foreign_keys="Problem.visit_id",
        order_by="Problem.seq")
    follow_up_of = relationship("Problem", foreign_keys=[follow_up_of_problem_id], post_update=True)

    @property
    def kind_enum(self) -> VisitKind:
        return VisitKind(self.kind)

    @property
    def kind_label(self) -> str:
        return VisitKind.label_of(self.kind)

    @property
    def status_enum(self) -> VisitStatus:
        return VisitStatus(self.status)

    @property
    def status_label(self) -> str:
        return VisitStatus.label_of(self.status)

    @property
    def is_draft(self) -> bool:
        return self.status == VisitStatus.draft.value

    @property
    def is_submitted(self) -> bool:
        return self.status == VisitStatus.submitted.value

    @property
    def method_codes(self) -> list[str]:
        return [m for m in (self.methods or "").split(",") if m]

    @property
    def method_labels(self) -> list[str]:
        return [Method.label_of(m) for m in self.method_codes]

    @property
    def case_file_list(self) -> list[str]:
        return [line.strip() for line in (self.case_files or "").splitlines() if line.strip()]

    def rating_for(self, item_id: int):
        for r in self.ratings:
            if r.item_id == item_id:
                return r
        return None

    def problems_for(self, item_id: int) -> list["Problem"]:
        return [p for p in self.problems if p.item_id == item_id]


class VisitRating(db.Model):
    __tablename__ = "visit_rating"
    __table_args__ = (UniqueConstraint("visit_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("check_item.id"))
    rating: Mapped[str] = mapped_column(String(20), default="")  # Rating code; "" = not rated yet
    note: Mapped[str] = mapped_column(Text, default="")

    visit: Mapped[Visit] = relationship(back_populates="ratings")
    item: Mapped[CheckItem] = relationship()

    @property
    def rating_label(self) -> str:
        return Rating.label_of(self.rating)

    @property
    def rating_css(self) -> str:
        return Rating(self.rating).css if self.rating else "light"


need_trigrams(db.metadata)  # the pg_trgm extension before Problem's (and the letters') trigram indexes


class Problem(db.Model):
    """A problem found on a visit: fixed on the spot (立行立改) or waiting for a letter (需下达意见书)."""

    __tablename__ = "problem"
    __table_args__ = (
        # The problems of submitted visits awaiting a letter, read per visit from the index alone.
        Index("ix_problem_visit_disposition", "visit_id", "disposition"),
        # "Awaiting a letter" (not in a live letter, 需下达意见书): an index seek to the few hundred of them,
        # not an anti-join over every problem of ten years.
        Index("ix_problem_awaiting_letter", "in_letter", "disposition", "visit_id"),
        # The problems list's count for a check item, with a disposition or state: from the index alone, not a
        # row lookup for each of the item's tens of thousands of problems.
        Index("ix_problem_item_state", "item_id", "disposition", "in_letter"),
        # The problems list in visit order (visit date, visit, seq): the page's rows and the ones an OFFSET skips
        # come from this index without a row lookup or a sort per visit (page 3,000 of ten years: ~100 → ~10 ms).
        Index("ix_problem_visit_seq", "visit_id", "seq"),
        # The lists' keyword search on a problem's text (PostgreSQL only: supervision/search.py).
        trigram_index("ix_problem_description_trgm", "description"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=1)  # order within the visit
    item_id: Mapped[int] = mapped_column(ForeignKey("check_item.id"), index=True)
    subpoint_id: Mapped[int | None] = mapped_column(ForeignKey("check_subpoint.id"), nullable=True)
    description: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")  # what was seen: 案卷页码, 询问记录, …
    case_file: Mapped[str] = mapped_column(String(200), default="")  # 鲁×罚决字〔2021〕第×号
    disposition: Mapped[str] = mapped_column(String(20), index=True)
    # True while a live (draft or issued) letter carries the problem. Not set here: the letters part keeps it
    # equal to "a live letter_problem row exists" whenever its rows change (letters.models, after every flush),
    # so the problems awaiting a letter are found from an index. letter_problem stays the record.
    in_letter: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    fix_action: Mapped[str] = mapped_column(Text, default="")  # 立行立改: what was done on the spot
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="problems", foreign_keys=[visit_id])
    item: Mapped[CheckItem] = relationship()
    subpoint = relationship("CheckSubpoint")

    @property
    def disposition_label(self) -> str:
        return Disposition.label_of(self.disposition)

    @property
    def disposition_css(self) -> str:
        try:
            return Disposition(self.disposition).css
        except ValueError:
            return "secondary"

    @property
    def needs_letter(self) -> bool:
        return self.disposition == Disposition.letter.value

    @property
    def unit_id(self) -> int:
        return self.visit.unit_id


fts_index(Problem.__table__, "description")  # the keyword search's trigram index on SQLite (search.py)
