"""Rules of letters: drafting from a visit's problems, issuing with a number, voiding, delivery.

Every function checks its rule, changes state, writes the audit entry and leaves the commit to its
caller — except issue_letter, which runs its own transaction so a clash over a number can be retried.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime

from flask import abort
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, timeutil, workcal
from ..accounts.models import Role, User
from ..extensions import db
from ..fonts import FontError, font_set
from . import masthead
from .content import LetterContent
from .deadline import compute_deadline, deadline_text, pending_label, pending_note
from .models import RECEIPT_KINDS, Letter, LetterFile, LetterProblem, LetterStatus, LetterType
from .papertext import normalise
from .text import (REGULATION_IN_FORCE, case_sentence, cn_number, contact_line, letter_number, request_paragraph,
                   suggested_authority)

DEFAULT_TYPE_NAME = "行政执法监督意见书"
LETTER_DISPOSITION = "需下达意见书"
ISSUE_ATTEMPTS = 8


class LetterError(ValueError):
    """A rule of letters was broken; the message is for the user."""


class LetterConflict(LetterError):
    """Someone else changed this draft since the form was opened: the message says who, when and what."""

    def __init__(self, letter: "Letter", changes: list[str], by: str = "", at=None):
        self.letter = letter
        self.current_version = letter.version
        self.changes = changes
        self.by = by
        self.at = at
        who = by or "其他人"
        when = f"于{timeutil.cn_datetime(at)}" if at else ""
        what = "对方的修改：" + "；".join(changes) + "。" if changes else ""
        super().__init__(f"保存被拒绝：{who}{when}已修改了这份草稿，您看到的是旧版本。{what}"
                         "您填写的内容仍保留在下方；核对后再次保存将以您的内容为准。")


# --- letter types ---------------------------------------------------------------------------------

def ensure_default_type() -> LetterType:
    """行政执法监督意见书 (prefix and period from the profile), created once."""
    lt = db.session.query(LetterType).filter_by(is_default=True).order_by(LetterType.id).first()
    if lt is None:
        lt = db.session.query(LetterType).filter_by(name=DEFAULT_TYPE_NAME).first()
        if lt is None:
            lt = LetterType(name=DEFAULT_TYPE_NAME, prefix="", reply_period_days=None, is_default=True,
                            active=True, sort_order=0)
            db.session.add(lt)
        lt.is_default = True
        db.session.flush()
    return lt


def letter_types(active_only: bool = True) -> list[LetterType]:
    ensure_default_type()
    q = db.session.query(LetterType)
    if active_only:
        q = q.filter_by(active=True)
    return q.order_by(LetterType.sort_order, LetterType.id).all()


TYPE_FIELDS = ("name", "prefix", "reply_period_days", "request_template", "issuing_authority", "active",
               "sort_order") + masthead.FIELDS


def letter_years() -> list[int]:
    """The years that have letters, newest first: a recursive query that seeks the next year in the index on
    letter.year, once per year — not a DISTINCT over every letter of ten years."""
    from sqlalchemy import text

    rows = db.session.execute(text(
        "WITH RECURSIVE years(y) AS (SELECT min(year) FROM letter UNION ALL "
        "SELECT (SELECT min(year) FROM letter WHERE year > years.y) FROM years WHERE years.y IS NOT NULL) "
        "SELECT y FROM years WHERE y IS NOT NULL ORDER BY y DESC"))
    return [y for (y,) in rows]


def _check_type(data: dict, existing: LetterType | None = None) -> None:
    name = (data.get("name") or "").strip()
    if not name:
        raise LetterError("文书名称不能为空。")
    clash = db.session.query(LetterType).filter_by(name=name).first()
    if clash is not None and clash is not existing:
        raise LetterError(f"已有名为“{name}”的文书类型。")
    days = data.get("reply_period_days")
    if days is not None and not (1 <= int(days) <= 365):
        raise LetterError("整改期限应在1至365日之间。")
    check_type_template(data.get("request_template") or "")
    masthead.check(data, LetterError, existing)


def check_type_template(tpl: str) -> None:
    """The request paragraph's placeholders are the three known ones, braces in pairs."""
    if tpl:
        try:
            tpl.format(days=30, place="某室", name="意见书")
        except (KeyError, IndexError, ValueError):
            raise LetterError("要求段落中只能使用 {days}（期限天数）、{place}（报送地点）和 {name}（文书名称）"
                              "三个占位符，花括号须成对。") from None


def _clean_type(data: dict) -> dict:
    """The type's name and request paragraph go on paper: cleaned like every other text there."""
    data = dict(data)
    for f in ("name", "prefix", "request_template", "issuing_authority"):
        if isinstance(data.get(f), str):
            data[f] = normalise(data[f]) if f != "request_template" else normalise(data[f]).replace("\n", "")
    return masthead.clean(data)


def create_type(data: dict) -> LetterType:
    data = _clean_type(data)
    _check_type(data)
    lt = LetterType(**{f: data[f] for f in TYPE_FIELDS if f in data})
    lt.name = lt.name.strip()
    lt.prefix = (lt.prefix or "").strip()
    db.session.add(lt)
    audit.record("create", lt, summary=f"新增文书类型 {lt.name}", after=audit.snapshot(lt, TYPE_FIELDS))
    return lt


def update_type(lt: LetterType, data: dict) -> LetterType:
    data = _clean_type(data)
    _check_type(data, existing=lt)
    if lt.is_default and data.get("active") is False:
        raise LetterError("默认文书类型不能停用。")
    before = audit.snapshot(lt, TYPE_FIELDS)
    for f in TYPE_FIELDS:
        if f in data:
            setattr(lt, f, data[f].strip() if isinstance(data[f], str) and f != "request_template" else data[f])
    audit.record("update", lt, summary=f"修改文书类型 {lt.name}", before=before, after=audit.snapshot(lt, TYPE_FIELDS))
    return lt


def type_prefix(lt: LetterType, profile=None) -> str:
    from ..directory.service import get_profile

    return lt.prefix or (profile or get_profile()).letter_prefix


def type_authority(lt: LetterType, profile=None) -> str:
    """The 署名 letters of this type carry: the type's own setting, else the organisation profile's 发文机关."""
    from ..directory.service import get_profile

    return normalise(lt.issuing_authority or "").strip() or normalise((profile or get_profile()).issuing_authority)


def authority_hint(authority: str, day: date | None) -> str:
    """A word of advice (not a rule) when a letter dated `day` would sign as another body than 《行政执法监督条例》
    suggests for that date; the 署名 itself stays a setting of the letter type."""
    if day is None:
        return ""
    wanted = suggested_authority(day)
    if authority == wanted:
        return ""
    if day >= REGULATION_IN_FORCE:
        return (f"成文日期为{timeutil.cn_date(day)}：《行政执法监督条例》（国务院令第825号）自2026年2月1日起施行，"
                f"第六条规定县级司法行政部门为行政执法监督机构，建议署名为“{wanted}”（当前为“{authority}”）。"
                "可在“文书类型”中设置本类文书的发文机关署名。")
    return (f"成文日期为{timeutil.cn_date(day)}，早于《行政执法监督条例》施行之日（2026年2月1日），"
            f"按2021年的文书通常署名为“{wanted}”（当前为“{authority}”）。")


def request_preview(template: str, lt: LetterType | None = None, name: str = "", profile=None,
                    period: int | None = None) -> str:
    """The request paragraph as it will read on a letter of this type (its period, the profile's reply place)."""
    from ..directory.service import get_profile

    profile = profile or get_profile()
    days = period or (lt.reply_period_days if lt is not None else None) or profile.reply_period_days or 30
    try:
        return request_paragraph(days, normalise(profile.reply_place),
                                 normalise(template or "").replace("\n", "") or None,
                                 name=normalise(name).strip() or (lt.name if lt is not None else DEFAULT_TYPE_NAME))
    except (KeyError, IndexError, ValueError):
        return ""


def type_period(lt: LetterType, profile=None) -> int:
    from ..directory.service import get_profile

    return lt.reply_period_days or (profile or get_profile()).reply_period_days or 30


# --- access ---------------------------------------------------------------------------------------

def get_letter_for(user: User, letter_id: int) -> Letter:
    """The letter, or 404: unit users see only their own unit's issued (or voided) letters."""
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        abort(404)
    if user.role == Role.unit.value and (letter.unit_id != user.unit_id or letter.is_draft):
        abort(404)
    return letter


def can_edit(user: User, letter: Letter) -> bool:
    """Admins edit any draft; an inspector the drafts of visits they were on, or drafted themselves."""
    if not letter.is_draft:
        return False
    if user.role == Role.admin.value:
        return True
    if user.role != Role.inspector.value:
        return False
    if letter.created_by_id == user.id:
        return True
    return letter.visit is not None and any(u.id == user.id for u in letter.visit.inspectors)


def _require_edit(user: User, letter: Letter) -> None:
    if not letter.is_draft:
        raise LetterError(f"{letter.display_name} 已签发或作废，不能再修改。")
    if not can_edit(user, letter):
        raise LetterError("只有监督室管理员或参加该次检查的检查组成员可以修改这份草稿。")


# --- drafting -------------------------------------------------------------------------------------

def _problem_model():
    from ..visits.models import Problem

    return Problem


def live_letter_of(problem_id: int) -> Letter | None:
    row = db.session.query(LetterProblem).filter_by(problem_id=problem_id, live=True).first()
    return row.letter if row else None


def _unassigned_query():
    from ..visits.models import Visit

    Problem = _problem_model()
    # NOT EXISTS on letter_problem (problem_id, live): an index-only probe per problem, where NOT IN built the
    # set of every live letter problem of ten years first.
    taken = select(LetterProblem.id).where(LetterProblem.problem_id == Problem.id, LetterProblem.live.is_(True))
    return (db.session.query(Problem).join(Visit, Problem.visit_id == Visit.id)
            .filter(Problem.disposition == LETTER_DISPOSITION, Visit.status == "submitted",
                    ~taken.exists()))


def unassigned_problems(visit=None, unit_id: int | None = None) -> list:
    """需下达意见书 problems of a submitted visit (or of a unit) not yet in a live letter."""
    from ..visits.models import Visit

    Problem = _problem_model()
    q = _unassigned_query()
    if visit is not None:
        q = q.filter(Problem.visit_id == visit.id)
    if unit_id is not None:
        q = q.filter(Visit.unit_id == unit_id)
    return q.order_by(Visit.visit_date, Problem.visit_id, Problem.seq, Problem.id).all()


def visits_awaiting_letter() -> list:
    """Submitted visits that have problems waiting for a letter and no live letter yet, with their units and
    problems: the visits part's seek to the problems awaiting a letter (problem.in_letter, a few hundred at
    province scale) — not an anti-join over every problem of ten years — then the visits by id."""
    from sqlalchemy.orm import selectinload

    from ..visits.models import Visit
    from ..visits.service import awaiting_letter_keys

    ids = sorted({visit_id for _, visit_id in awaiting_letter_keys()})
    if not ids:
        return []
    return (db.session.query(Visit).filter(Visit.id.in_(ids)).order_by(Visit.id)
            .options(selectinload(Visit.unit), selectinload(Visit.problems)).all())


def count_visits_awaiting_letter() -> int:
    """How many visits visits_awaiting_letter() would list, counted by the database."""
    q = _unassigned_query().with_entities(_problem_model().visit_id).distinct().subquery()
    return db.session.scalar(select(func.count()).select_from(q)) or 0


def live_letter_for_visit(visit_id: int) -> Letter | None:
    return (db.session.query(Letter)
            .filter(Letter.visit_id == visit_id, Letter.status != LetterStatus.voided.value)
            .order_by(Letter.id).first())


def draft_letter(visit, user: User, letter_type: LetterType | None = None, replaces: Letter | None = None) -> Letter:
    """A draft letter to the visit's unit carrying its 需下达意见书 problems as 一是、二是……"""
    if user.role not in (Role.admin.value, Role.inspector.value):
        raise LetterError("只有监督室管理员或检查组成员可以起草意见书。")
    if visit.status != "submitted":
        raise LetterError("检查记录提交后才能起草意见书。")
    if user.role == Role.inspector.value and not any(u.id == user.id for u in visit.inspectors):
        raise LetterError("只有参加该次检查的检查组成员可以起草这份意见书。")
    existing = live_letter_for_visit(visit.id)
    if existing is not None:
        raise LetterError(f"这次检查已有意见书（{existing.display_name}），每次检查每个单位只出一份；"
                          "如需调整问题，请在该草稿中修改或在同一单位的草稿之间移动问题。")
    problems = unassigned_problems(visit)
    if not problems:
        raise LetterError("这次检查没有待下达意见书的问题（处理方式为“需下达意见书”且尚未写入意见书）。")
    lt = letter_type or ensure_default_type()
    # The case reference is left for the reviewer: a visit's case files need not be what every problem is about.
    letter = Letter(letter_type=lt, unit_id=visit.unit_id, visit_id=visit.id, status=LetterStatus.draft.value,
                    period_days=type_period(lt),
                    created_by_id=user.id, replaces_id=replaces.id if replaces else None)
    db.session.add(letter)
    for pos, p in enumerate(problems, start=1):
        letter.items.append(LetterProblem(problem_id=p.id, position=pos, text=normalise(p.description), live=True))
    db.session.flush()
    audit.record("draft", letter, summary=f"起草{lt.name}（{visit.unit.name}，{len(problems)}个问题）",
                 after={"problems": [p.id for p in problems]}, user=user)
    return letter


def _renumber(letter: Letter) -> None:
    for pos, item in enumerate(sorted(letter.items, key=lambda i: (i.position, i.id or 0)), start=1):
        item.position = pos


DRAFT_FIELD_LABELS = {"letter_type_id": "文书类型", "case_name": "案件名称", "case_number": "处罚决定书文号",
                      "period_days": "整改期限"}


def _claim_version(letter: Letter, expected_version: int | None = None) -> None:
    """Raise the draft's version — only from `expected_version` when given (an atomic compare-and-set: of two
    saves from forms opened at the same version, the second is refused)."""
    if expected_version is None:
        expected_version = letter.version or 1
    elif letter.version != expected_version:
        raise _conflict(letter, expected_version)
    result = db.session.execute(
        update(Letter).where(Letter.id == letter.id, Letter.version == expected_version)
        .values(version=expected_version + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.expire(letter, ["version"])
        raise _conflict(letter, expected_version)
    set_committed_value(letter, "version", expected_version + 1)  # what the UPDATE wrote; nothing left to flush


def _short(text: str, n: int = 30) -> str:
    text = text or ""
    return text if len(text) <= n else text[:n] + "……"


def _describe_change(entry) -> list[str]:
    """One audit entry of a draft in words: the fields and problems it changed."""
    before, after = entry.before_data or {}, entry.after_data or {}
    if entry.action != "update":
        return [entry.summary]
    out = []
    for field, label in DRAFT_FIELD_LABELS.items():
        if before.get(field) != after.get(field):
            out.append(f"{label}由“{_short(str(before.get(field) or ''))}”改为“{_short(str(after.get(field) or ''))}”")
    old_items, new_items = before.get("items") or {}, after.get("items") or {}
    for key, (pos, text) in sorted(new_items.items(), key=lambda kv: kv[1][0]):
        old = old_items.get(key)
        if old is None:
            continue
        if old[1] != text:
            out.append(f"第{cn_number(pos)}个问题改为“{_short(text)}”")
        elif old[0] != pos:
            out.append(f"“{_short(text, 12)}”从第{cn_number(old[0])}个移到第{cn_number(pos)}个")
    return out


def _conflict(letter: Letter, seen_version: int) -> LetterConflict:
    """The refusal, with every change made to the draft after the version the form showed."""
    entries = (db.session.query(audit.AuditEntry).filter_by(record_type="letter", record_id=letter.id)
               .order_by(audit.AuditEntry.id).all())
    later = [e for e in entries if ((e.after_data or {}).get("version") or 0) > seen_version]
    changes = [c for e in later for c in _describe_change(e)]
    last = later[-1] if later else (entries[-1] if entries else None)
    return LetterConflict(letter, changes, by=last.username if last else "", at=last.at if last else None)


def update_draft(letter: Letter, data: dict, user: User, expected_version: int | None = None) -> Letter:
    """Change the type, case reference, period, and each problem's wording and order.

    data: letter_type_id, case_name, case_number, period_days, items: {item_id: (position, text)}.
    expected_version: the version the form was opened at; LetterConflict when someone saved since.
    """
    _require_edit(user, letter)
    _claim_version(letter, expected_version)
    fields = ("letter_type_id", "case_name", "case_number", "period_days")
    before = audit.snapshot(letter, fields)
    before["items"] = {i.id: [i.position, i.text] for i in letter.items}
    if "letter_type_id" in data and data["letter_type_id"] != letter.letter_type_id:
        lt = db.session.get(LetterType, data["letter_type_id"])
        if lt is None or not lt.active:
            raise LetterError("所选文书类型不存在或已停用。")
        letter.letter_type = lt
    for f in ("case_name", "case_number"):
        if f in data:
            setattr(letter, f, normalise(data[f]).replace("\n", ""))
    if "period_days" in data and data["period_days"] is not None:
        days = int(data["period_days"])
        if not 1 <= days <= 365:
            raise LetterError("整改期限应在1至365日之间。")
        letter.period_days = days
    items = data.get("items") or {}
    by_id = {i.id: i for i in letter.items}
    for item_id, (position, text) in items.items():
        item = by_id.get(int(item_id))
        if item is None:
            raise LetterError("问题不属于这份意见书。")
        text = normalise(text)
        if not text:
            raise LetterError(f"第{item.position}个问题的表述不能为空。")
        item.text = text
        item.position = int(position)
    _renumber(letter)
    after = audit.snapshot(letter, fields)
    after["items"] = {i.id: [i.position, i.text] for i in letter.items}
    after["version"] = letter.version
    audit.record("update", letter, summary=f"修改意见书草稿（{letter.unit.name}）", before=before, after=after, user=user)
    return letter


def move_problem(item: LetterProblem, target: Letter, user: User) -> LetterProblem:
    """Move a problem from one draft to another draft of the same unit."""
    source = item.letter
    _require_edit(user, source)
    _require_edit(user, target)
    if source.id == target.id:
        raise LetterError("问题已在这份意见书中。")
    if source.unit_id != target.unit_id:
        raise LetterError("问题只能在同一单位的意见书草稿之间移动。")
    _claim_version(source)
    _claim_version(target)
    item.position = max((i.position for i in target.items), default=0) + 1
    item.letter = target  # re-parented, not orphaned: the row keeps its id
    _renumber(source)
    db.session.flush()
    audit.record("move_problem", target, summary=f"问题 #{item.problem_id} 从草稿 #{source.id} 移入草稿 #{target.id}",
                 before={"letter_id": source.id}, after={"letter_id": target.id, "version": target.version},
                 user=user)
    audit.record("move_problem", source, summary=f"问题“{_short(item.text, 12)}”移入草稿 #{target.id}",
                 before={"letter_id": source.id}, after={"letter_id": target.id, "version": source.version},
                 user=user)
    return item


def remove_problem(item: LetterProblem, user: User) -> None:
    """Take a problem out of a draft; it waits for another letter."""
    letter = item.letter
    _require_edit(user, letter)
    _claim_version(letter)
    letter.items.remove(item)
    db.session.delete(item)
    _renumber(letter)
    audit.record("remove_problem", letter, summary=f"从草稿 #{letter.id} 移出问题“{_short(item.text, 12)}”",
                 before={"problem_id": item.problem_id}, after={"version": letter.version}, user=user)


def add_problem(letter: Letter, problem, user: User) -> LetterProblem:
    """Put a waiting problem of the same unit into a draft."""
    _require_edit(user, letter)
    if problem.visit.unit_id != letter.unit_id:
        raise LetterError("只能加入同一单位的问题。")
    if problem.disposition != LETTER_DISPOSITION:
        raise LetterError("只有处理方式为“需下达意见书”的问题可以写入意见书。")
    other = live_letter_of(problem.id)
    if other is not None:
        raise LetterError(f"该问题已在意见书 {other.display_name} 中。")
    _claim_version(letter)
    item = LetterProblem(problem_id=problem.id, text=normalise(problem.description), live=True,
                         position=max((i.position for i in letter.items), default=0) + 1)
    letter.items.append(item)
    db.session.flush()
    audit.record("add_problem", letter, summary=f"向草稿 #{letter.id} 加入问题“{_short(item.text, 12)}”",
                 after={"problem_id": problem.id, "version": letter.version}, user=user)
    return item


def delete_draft(letter: Letter, user: User) -> None:
    _require_edit(user, letter)
    audit.record("delete", letter, summary=f"删除意见书草稿 #{letter.id}（{letter.unit.name}）",
                 before={"problems": [i.problem_id for i in letter.items]}, user=user)
    db.session.delete(letter)


# --- content and documents ------------------------------------------------------------------------

def build_content(letter: Letter, profile=None, issue_date: date | None = None, number: str = "") -> LetterContent:
    """What the letter says, from the letter, its type and the organisation profile now."""
    from ..directory.service import get_profile

    profile = profile or get_profile()
    lt = letter.letter_type
    return LetterContent(
        title=lt.name,
        number=number,
        addressee=letter.unit.name,
        intro=case_sentence(normalise(letter.case_name), normalise(letter.case_number)),
        problems=[normalise(i.text) for i in sorted(letter.items, key=lambda i: i.position)],
        request=request_paragraph(letter.period_days, normalise(profile.reply_place),
                                  normalise(lt.request_template) or None, name=lt.name),
        authority=type_authority(lt, profile),
        date=issue_date,
        contact=contact_line(normalise(profile.contact_person), normalise(profile.contact_phone)),
        draft=not number,
        **masthead.content_fields(lt, type_authority(lt, profile), issue_date),
    )


def content_of(letter: Letter) -> LetterContent:
    """The frozen content of an issued letter; a draft's content as it would print today."""
    if letter.content_json:
        return LetterContent.from_json(letter.content_json)
    return build_content(letter, issue_date=timeutil.today())


def _render_pdf(content: LetterContent) -> tuple[bytes, str]:
    from .pdf import render_pdf

    fonts = font_set()
    return render_pdf(content, fonts), fonts.body.family


def letter_pdf(letter: Letter) -> bytes:
    """The stored PDF of an issued (or voided) letter; a preview marked 草稿 for a draft."""
    if letter.is_draft:
        return _render_pdf(content_of(letter))[0]
    stored = stored_file(letter)
    if stored is None:
        raise LetterError(f"{letter.display_name} 的存档 PDF 缺失。")
    return stored.data


def letter_docx(letter: Letter) -> bytes:
    from .docx import render_docx

    return render_docx(content_of(letter))


def stored_file(letter: Letter, kind: str = "pdf", with_data: bool = True) -> LetterFile | None:
    """The stored file; with_data=False leaves the PDF bytes unread (loaded on access) — the letter page shows
    only its size and hash."""
    from sqlalchemy.orm import defer

    q = db.session.query(LetterFile).filter_by(letter_id=letter.id, kind=kind)
    if not with_data:
        q = q.options(defer(LetterFile.data))
    return q.first()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rest_day_warning(day: date) -> str:
    """A word of warning (not a refusal) when the 成文日期 falls on a rest day; nothing when the calendar does not
    know the year."""
    try:
        info = workcal.day_info(day)
    except workcal.UnknownYear:
        return ""
    if info.workday:
        return ""
    why = f"星期{'一二三四五六日'[day.weekday()]}" if info.reason == "周末" else info.reason
    return f"成文日期{timeutil.cn_date(day)}是休息日（{why}）。"


# --- issuing --------------------------------------------------------------------------------------

def next_seq(letter_type_id: int, year: int) -> int:
    """The next number of this type and year: voided letters keep theirs, so numbers are never reused."""
    current = db.session.execute(
        select(func.max(Letter.seq)).where(Letter.letter_type_id == letter_type_id, Letter.year == year)
    ).scalar()
    return (current or 0) + 1


def issue_letter(letter_id: int, user: User, issue_date: date | None = None) -> Letter:
    """Give the draft its number, freeze its text, store its PDF; commit. Retries a clash over a number.

    Raises LetterError (no problems, already issued, not allowed) or fonts.FontError (a character the font
    lacks): the transaction is rolled back, so no number is consumed and nothing is half-written.
    """
    if user.role != Role.admin.value:
        raise LetterError("只有监督室管理员可以签发意见书。")
    for _attempt in range(ISSUE_ATTEMPTS):
        try:
            letter = db.session.get(Letter, letter_id, populate_existing=True)
            if letter is None:
                raise LetterError("意见书不存在。")
            if not letter.is_draft:
                raise LetterError(f"这份意见书已于{timeutil.cn_date(letter.issue_date)}签发（{letter.number}），"
                                  "不会重复签发或重复编号。" if letter.is_issued else "已作废的意见书不能签发。")
            if not letter.items:
                raise LetterError("意见书中没有问题，不能签发。")
            if any(not (i.text or "").strip() for i in letter.items):
                raise LetterError("有问题的表述为空，请补充后再签发。")
            day = issue_date or timeutil.today()
            from ..directory.service import get_profile

            profile = get_profile()
            # Queue here for this type's numbers before counting: a no-op UPDATE takes the letter type's row
            # lock (PostgreSQL) or the database write lock (SQLite) until commit. Without it, concurrent
            # issuers all count the same next number, collide, and can run out of retries.
            db.session.execute(update(LetterType).where(LetterType.id == letter.letter_type_id)
                               .values(id=LetterType.id).execution_options(synchronize_session=False))
            seq = next_seq(letter.letter_type_id, day.year)
            number = letter_number(type_prefix(letter.letter_type, profile), day.year, seq)
            content = build_content(letter, profile, day, number)
            pdf, family = _render_pdf(content)  # raises MissingGlyphs before anything is written
            now = timeutil.utcnow()
            result = db.session.execute(
                update(Letter)
                .where(Letter.id == letter_id, Letter.status == LetterStatus.draft.value)
                .values(status=LetterStatus.issued.value, year=day.year, seq=seq, number=number,
                        issue_date=day, issued_at=now, issued_by_id=user.id, content_json=content.to_json(),
                        problem_count=len(letter.items), updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                db.session.rollback()
                raise LetterError("这份意见书刚刚已被签发（可能是重复点击或在另一个窗口中签发），不会重复编号。")
            digest = sha256(pdf)
            db.session.add(LetterFile(letter_id=letter_id, kind="pdf", data=pdf, sha256=digest, size=len(pdf),
                                      font_family=family))
            notified = _notify_unit(letter, number)
            audit.record("issue", record_type="letter", record_id=letter_id,
                         summary=f"签发{content.title} {number}（{content.addressee}）",
                         before={"status": "draft"},
                         after={"status": "issued", "number": number, "sha256": digest, "notified": notified},
                         user=user)
            db.session.commit()
            db.session.refresh(letter)
            return letter
        except IntegrityError:
            db.session.rollback()  # another admin took this number a moment ago: count again
            continue
        except (LetterError, FontError):
            db.session.rollback()
            raise
        except Exception:
            db.session.rollback()
            raise
    raise LetterError("多人同时签发，文号分配多次冲突，请稍后重试。")


def letter_path(letter_id: int) -> str:
    """The letter page's path, also outside a request (CLI, demo)."""
    from flask import has_request_context, url_for

    if has_request_context():
        return url_for("letters.show", letter_id=letter_id)
    return f"/letters/{letter_id}"


def _tell_unit_users(letter: Letter, title: str, body: str, key: str) -> int:
    """Tell every active user of the letter's unit, in the app's inbox (the reminders part), within this
    transaction; `key` (with the user's id in front) makes each message exactly once.

    Without that part the unit still sees the letter marked 新 in 我的意见书 and on its dashboard.
    """
    try:
        from ..reminders.service import notify
    except ImportError:  # pragma: no cover - reminders part absent
        return 0
    users = db.session.query(User).filter_by(role=Role.unit.value, unit_id=letter.unit_id, active=True).all()
    for u in users:
        notify(u, title, body, link=letter_path(letter.id), key=key.format(user=u.id))
    return len(users)


def _notify_unit(letter: Letter, number: str) -> int:
    """Tell the unit its letter was issued."""
    return _tell_unit_users(
        letter, f"收到{letter.letter_type.name} {number}",
        f"监督室已向{letter.unit.name}签发{letter.letter_type.name} {number}。请打开查阅并签收，"
        f"整改期限自签收次日起算{letter.period_days}日。",
        "letter_issued:{user}:letter-" + str(letter.id))


# --- voiding and correcting -----------------------------------------------------------------------

def void_letter(letter: Letter, reason: str, user: User) -> Letter:
    """作废: the number stays used; the problems are free for a corrected letter."""
    if user.role != Role.admin.value:
        raise LetterError("只有监督室管理员可以作废意见书。")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise LetterError("请填写作废原因。")
    if letter.is_draft:
        raise LetterError("草稿还没有文号，直接删除即可，不需要作废。")
    if letter.is_voided:
        raise LetterError(f"{letter.number} 已于{timeutil.cn_datetime(letter.voided_at)}作废。")
    letter.status = LetterStatus.voided.value
    letter.voided_at = timeutil.utcnow()
    letter.voided_by_id = user.id
    letter.void_reason = reason[:500]
    for item in letter.items:
        item.live = False
    audit.record("void", letter, summary=f"作废 {letter.number}：{reason}", before={"status": "issued"},
                 after={"status": "voided", "reason": reason}, user=user)
    return letter


def draft_correction(voided: Letter, user: User) -> Letter:
    """A new draft that replaces a voided letter: same unit, visit, type and wording."""
    if user.role != Role.admin.value:
        raise LetterError("只有监督室管理员可以起草更正的意见书。")
    if not voided.is_voided:
        raise LetterError("只能为已作废的意见书起草更正件。")
    existing = db.session.query(Letter).filter(Letter.replaces_id == voided.id,
                                               Letter.status != LetterStatus.voided.value).first()
    if existing is not None:
        raise LetterError(f"已有替代它的意见书（{existing.display_name}）。")
    if voided.visit_id is not None:
        other = live_letter_for_visit(voided.visit_id)
        if other is not None:
            raise LetterError(f"这次检查已有意见书（{other.display_name}）。")
    letter = Letter(letter_type_id=voided.letter_type_id, unit_id=voided.unit_id, visit_id=voided.visit_id,
                    status=LetterStatus.draft.value, case_name=voided.case_name, case_number=voided.case_number,
                    period_days=voided.period_days, created_by_id=user.id, replaces_id=voided.id)
    db.session.add(letter)
    pos = 0
    for old in sorted(voided.items, key=lambda i: i.position):
        if live_letter_of(old.problem_id) is not None:
            continue
        pos += 1
        letter.items.append(LetterProblem(problem_id=old.problem_id, position=pos, text=old.text, live=True))
    db.session.flush()
    audit.record("draft", letter, summary=f"起草更正件，替代已作废的 {voided.number}",
                 after={"replaces": voided.number}, user=user)
    return letter


# --- delivery -------------------------------------------------------------------------------------

def _set_receipt(letter: Letter, day: date, kind: str, user: User) -> Letter:
    if not letter.is_issued:
        raise LetterError("只有已签发且未作废的意见书可以签收或登记送达。")
    if letter.received:
        raise LetterError(f"这份意见书已于{timeutil.cn_date(letter.receipt_date)}{letter.receipt_label}。")
    if letter.issue_date and day < letter.issue_date:
        raise LetterError("送达日期不能早于成文日期。")
    if day > timeutil.today():
        raise LetterError("送达日期不能晚于今天。")
    verb = RECEIPT_KINDS[kind]
    try:
        dl = compute_deadline(day, letter.period_days, verb=verb)
    except workcal.UnknownYear:
        # A receipt is a fact: it is recorded all the same, and the deadline waits for that year's calendar
        # (computed by resolve_pending_deadlines the moment the admin enters it). Asked again once no entry of a
        # year is under way: one committed meanwhile is seen, one starting later sees this receipt.
        workcal.lock_entries()
        try:
            dl = compute_deadline(day, letter.period_days, verb=verb)
        except workcal.UnknownYear as exc:
            dl, pending = None, exc.year
    letter.receipt_kind = kind
    letter.receipt_date = day
    letter.received_at = timeutil.utcnow()
    letter.received_by_id = user.id
    if dl is not None:
        letter.deadline = dl.due
        letter.deadline_note = dl.explanation
        audit.record("receipt", letter, summary=f"{letter.number} {verb}（{day.isoformat()}），"
                     f"整改期限 {dl.due.isoformat()}", after={"receipt_kind": kind, "receipt_date": day,
                                                           "deadline": dl.due, "explanation": dl.explanation}, user=user)
        return letter
    letter.deadline = None
    letter.deadline_note = pending_note(day, letter.period_days, pending, verb)[:200]
    audit.record("receipt", letter, summary=f"{letter.number} {verb}（{day.isoformat()}），整改期限"
                 f"{pending_label(pending)}", after={"receipt_kind": kind, "receipt_date": day, "deadline": None,
                                                   "deadline_pending_year": pending,
                                                   "explanation": letter.deadline_note}, user=user)
    return letter


def pending_deadline_letters() -> list[Letter]:
    """Issued letters received (签收 / 送达) whose deadline waits for a year's working calendar, in id order."""
    return list(db.session.scalars(select(Letter).where(
        Letter.status == LetterStatus.issued.value, Letter.receipt_date.is_not(None), Letter.deadline.is_(None))
        .order_by(Letter.id)))


def resolve_pending_deadlines(year: int | None = None) -> list[Letter]:
    """Compute every pending deadline the calendar now knows (the rule of compute_deadline, from the receipt
    date), store it with its explanation, audit it per letter and tell the unit's users. Runs in the caller's
    transaction: subscribed to workcal.calendar_year_entered, so the calendar entry and the deadlines it
    settles are committed together. Returns the letters settled; those still waiting (a later year) stay."""
    done = []
    for letter in pending_deadline_letters():
        verb = RECEIPT_KINDS.get(letter.receipt_kind, "签收")
        try:
            dl = compute_deadline(letter.receipt_date, letter.period_days, verb=verb)
        except workcal.UnknownYear:
            continue
        before = {"deadline": None, "explanation": letter.deadline_note}
        letter.deadline = dl.due
        letter.deadline_note = dl.explanation
        audit.record("deadline_computed", letter,
                     summary=f"{letter.number} 录入{year or dl.due.year}年工作日历后计算整改期限 {dl.due.isoformat()}",
                     before=before, after={"deadline": dl.due, "explanation": dl.explanation})
        _notify_deadline(letter, dl)
        done.append(letter)
    if done:
        db.session.flush()
    return done


def _notify_deadline(letter: Letter, dl) -> int:
    """Tell every active user of the unit its deadline, now computed (the inbox, as when the letter was issued)."""
    return _tell_unit_users(
        letter, f"整改期限已确定：{letter.number} 至{timeutil.cn_date(dl.due)}",
        f"你单位{timeutil.cn_date(letter.receipt_date)}{RECEIPT_KINDS.get(letter.receipt_kind, '签收')}的"
        f"{letter.letter_type.name}（{letter.number}），整改期限原因工作日历未录入而待定，现已确定为"
        f"{timeutil.cn_date(dl.due)}。\n期限计算：{dl.explanation}",
        "letter_deadline:{user}:letter-" + f"{letter.id}:{dl.due.isoformat()}")


def _on_calendar_year_entered(year, **_kw) -> str:
    done = resolve_pending_deadlines(year)
    return f"{len(done)}份意见书的整改期限已随之计算，并已通知受文单位。" if done else ""


workcal.calendar_year_entered.connect(_on_calendar_year_entered)


def record_receipt(letter: Letter, user: User, when: datetime | None = None) -> Letter:
    """签收 by the unit's own user: today (Asia/Shanghai) is the day of receipt."""
    if user.role != Role.unit.value or user.unit_id != letter.unit_id:
        raise LetterError("只有受文单位的用户可以签收。")
    local = timeutil.to_local(when) if when else timeutil.now()
    return _set_receipt(letter, local.date(), "sign", user)


def record_delivery(letter: Letter, day: date, user: User) -> Letter:
    """The admin records the day a paper letter was delivered (送达回证)."""
    if user.role != Role.admin.value:
        raise LetterError("只有监督室管理员可以登记纸质送达。")
    return _set_receipt(letter, day, "paper", user)


def mark_seen(letter: Letter, user: User) -> bool:
    """The unit opened its letter: no longer 'new' in its inbox. Returns True when this changed it."""
    if user.role == Role.unit.value and user.unit_id == letter.unit_id and letter.unit_seen_at is None \
            and not letter.is_draft:
        letter.unit_seen_at = timeutil.utcnow()
        return True
    return False


# --- lists, printing, register --------------------------------------------------------------------

def unit_letters(unit_id: int) -> list[Letter]:
    return (db.session.query(Letter)
            .filter(Letter.unit_id == unit_id, Letter.status != LetterStatus.draft.value)
            .order_by(Letter.issue_date.desc(), Letter.id.desc()).all())


def unread_count(unit_id: int) -> int:
    return (db.session.query(func.count(Letter.id))
            .filter(Letter.unit_id == unit_id, Letter.status == LetterStatus.issued.value,
                    Letter.unit_seen_at.is_(None)).scalar() or 0)


def issued_between(start: date, end: date, include_voided: bool = False) -> list[Letter]:
    q = db.session.query(Letter).filter(Letter.issue_date >= start, Letter.issue_date <= end)
    statuses = [LetterStatus.issued.value] + ([LetterStatus.voided.value] if include_voided else [])
    q = q.filter(Letter.status.in_(statuses))
    return q.order_by(Letter.issue_date, Letter.letter_type_id, Letter.seq).all()


PRINT_CHUNK = 50  # stored PDFs read from the database this many at a time while merging


def print_limit() -> int:
    from flask import current_app

    return int(current_app.config.get("LETTERS_PRINT_MAX", 500))


def _issued_ids(start: date, end: date) -> list[int]:
    return db.session.scalars(
        select(Letter.id).where(Letter.issue_date >= start, Letter.issue_date <= end,
                                Letter.status == LetterStatus.issued.value)
        .order_by(Letter.issue_date, Letter.letter_type_id, Letter.seq)).all()


def combined_pdf_file(start: date, end: date):
    """Every letter issued in [start, end] (not voided), stored PDFs in order, merged into a temporary file.

    Returns (open binary file at position 0, count); the caller streams and closes it. At most print_limit()
    letters (LetterError beyond, before anything is read). The stored PDFs are read PRINT_CHUNK at a time and
    dropped once appended: what stays in memory is the merged document's objects (one copy), never a list of
    every stored PDF, the merged bytes and a response body besides."""
    import io
    import tempfile

    from pypdf import PdfWriter

    if end < start:
        raise LetterError("结束日期不能早于开始日期。")
    ids = _issued_ids(start, end)
    if not ids:
        raise LetterError(f"{start.isoformat()} 至 {end.isoformat()} 没有签发的意见书。")
    limit = print_limit()
    if len(ids) > limit:
        raise LetterError(f"{timeutil.cn_date(start)}至{timeutil.cn_date(end)}共签发意见书 {len(ids)} 份，"
                          f"超过一次批量打印的上限 {limit} 份。请缩小日期范围，分几次打印。")
    writer = PdfWriter()
    for i in range(0, len(ids), PRINT_CHUNK):
        chunk = ids[i:i + PRINT_CHUNK]
        files = {f.letter_id: f for f in db.session.scalars(
            select(LetterFile).where(LetterFile.letter_id.in_(chunk), LetterFile.kind == "pdf"))}
        for letter_id in chunk:
            stored = files.get(letter_id)
            if stored is None:
                raise LetterError(f"{db.session.get(Letter, letter_id).display_name} 的存档 PDF 缺失。")
            writer.append(io.BytesIO(stored.data))
        for f in files.values():
            db.session.expunge(f)  # the PDF bytes go with the object
        del files
    out = tempfile.TemporaryFile()
    try:
        writer.write(out)
    except BaseException:
        out.close()
        raise
    finally:
        writer.close()
    out.seek(0)
    return out, len(ids)


def combined_pdf(start: date, end: date) -> tuple[bytes, int]:
    """As combined_pdf_file, as bytes (for callers that need the whole document at once)."""
    out, count = combined_pdf_file(start, end)
    with out:
        return out.read(), count


def letter_search_condition(term: str):
    """The letters whose unit's name, number, or one of whose problems' text contains `term` (search.py)."""
    from .. import search

    return search.any_of(Letter.id, select(Letter.id).where(Letter.unit_id.in_(search.unit_ids(term))),
                         select(Letter.id).where(search.contains(Letter.number, term)),
                         select(LetterProblem.letter_id)
                         .where(LetterProblem.live.is_(True), search.contains(LetterProblem.text, term)))


def _register_filter(q, year: int | None, unit_id: int | None, type_id: int | None, term: str = ""):
    """`q` narrowed to the 发文登记's letters — every numbered one (issued or voided) — of the filter, in number
    order. `term`: the search box's keyword (letter_search_condition)."""
    q = q.where(Letter.status != LetterStatus.draft.value)
    if term:
        q = q.where(letter_search_condition(term))
    if year:
        q = q.where(Letter.year == year)
    if unit_id:
        q = q.where(Letter.unit_id == unit_id)
    if type_id:
        q = q.where(Letter.letter_type_id == type_id)
    return q.order_by(Letter.year, Letter.letter_type_id, Letter.seq)


def register_query(year: int | None = None, unit_id: int | None = None, type_id: int | None = None, term: str = ""):
    """发文登记: a SELECT of its letters with their unit, type and the letter each replaces loaded alongside (for
    a page of them)."""
    from sqlalchemy.orm import selectinload

    return (_register_filter(select(Letter), year, unit_id, type_id, term)
            .options(selectinload(Letter.unit), selectinload(Letter.letter_type), selectinload(Letter.replaces)))


REGISTER_COLUMNS = (("序号", "int", 6), ("文号", "text", 26), ("文书类型", "text", 20), ("受监督单位", "text", 30),
                    ("成文日期", "date", 12), ("送达方式", "text", 9), ("签收/送达日期", "date", 14),
                    ("整改期限", "date", 12), ("状态", "text", 8), ("备注", "wrap", 30))


def register_rows(year: int | None = None, unit_id: int | None = None, type_id: int | None = None, term: str = ""):
    """The 发文登记's rows (the values of REGISTER_COLUMNS), streamed from one query of plain columns: ten years
    of a province are 115,000 letters, too many to load as objects."""
    from sqlalchemy.orm import aliased

    from ..directory.models import Unit

    replaced = aliased(Letter)
    q = (select(Letter.number, LetterType.name, Unit.name, Letter.issue_date, Letter.receipt_kind,
                Letter.receipt_date, Letter.deadline, Letter.status, Letter.void_reason, replaced.number)
         .join(Unit, Unit.id == Letter.unit_id).outerjoin(LetterType, LetterType.id == Letter.letter_type_id)
         .outerjoin(replaced, replaced.id == Letter.replaces_id))
    q = _register_filter(q, year, unit_id, type_id, term)
    # Read before the rows stream (no query while the cursor is open): a received letter whose deadline waits for
    # a year's working calendar shows 待定（2027年工作日历未录入）.
    this_year = timeutil.today().year
    known = workcal.known_years(this_year - 30, this_year + 10)
    rows = db.session.execute(q.execution_options(yield_per=2000))
    for n, (number, type_name, unit, issued, kind, received, deadline, status, reason, replaces) in \
            enumerate(rows, start=1):
        if status == LetterStatus.voided.value:
            note = f"作废：{reason}"
        else:
            note = f"替代 {replaces}" if replaces else ""
        if deadline is None and received is not None and status == LetterStatus.issued.value:
            deadline = deadline_text(None, received, known)
        yield (n, number, type_name or "", unit, issued, RECEIPT_KINDS.get(kind, ""), received, deadline,
               LetterStatus(status).label, note)


def register_xlsx(out, year: int | None = None, unit_id: int | None = None, type_id: int | None = None,
                  title: str = "行政执法监督文书发文登记", term: str = "") -> int:
    """Write the 发文登记 to `out` (a path or binary file) with the streaming writer; returns the rows written."""
    from ..spreadsheet import Column, write_table

    columns = [Column(h, kind, w) for h, kind, w in REGISTER_COLUMNS]
    return write_table(out, "发文登记", columns, register_rows(year, unit_id, type_id, term), title=title, freeze="C3")
