"""Writes of letters: letter types, drafting from a visit's problems, editing drafts, issuing with a number,
voiding and correcting, delivery. Each checks its rule (access.py), changes state, writes the audit entry and
flushes; the request (or the command) commits once. What happened is announced in signals.py for the parts above.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, derived, timeutil, workcal
from ..accounts.models import User
from ..directory.operations import get_profile
from ..extensions import db
from ..policy import can
from . import access as _access  # noqa: F401  (the rules asked below)
from . import masthead, signals
from .deadline import compute_deadline, pending_label, pending_note
from .errors import LetterConflict, LetterError
from .models import RECEIPT_KINDS, Letter, LetterFile, LetterProblem, LetterStatus, LetterType
from .papertext import normalise
from .queries import (DEFAULT_TYPE_NAME, LETTER_DISPOSITION, _render_pdf, build_content, default_type,
                      live_letter_for_visit, live_letter_of, pending_deadline_letters, sha256, type_period, type_prefix,
                      unassigned_problems, unsaved_default_type)
from .text import cn_number, letter_number

# --- letter types -----------------------------------------------------------------------------------------------------

def ensure_default_type() -> LetterType:
    """行政执法监督意见书 (prefix and period from the profile), created once: by the first draft that needs it, the
    demo or a test — never by a page that is only read (queries.letter_types shows it unsaved until then)."""
    lt = db.session.query(LetterType).filter_by(is_default=True).order_by(LetterType.id).first()
    if lt is None:
        lt = db.session.query(LetterType).filter_by(name=DEFAULT_TYPE_NAME).first()
        if lt is None:
            lt = unsaved_default_type()
            db.session.add(lt)
        lt.is_default = True
        db.session.flush()
    return lt


TYPE_FIELDS = ("name", "prefix", "reply_period_days", "request_template", "issuing_authority", "active",
               "sort_order") + masthead.FIELDS


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
    if lt.name == DEFAULT_TYPE_NAME and default_type() is None:
        lt.is_default = True  # the default type, shown unsaved on the list, saved from there (as ensure_default_type)
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


# --- drafting ---------------------------------------------------------------------------------------------------------

def _require_edit(user: User, letter: Letter) -> None:
    if not letter.is_draft:
        raise LetterError(f"{letter.display_name} 已签发或作废，不能再修改。")
    if not can("letters.edit", letter, user=user):
        raise LetterError("只有监督室管理员或参加该次检查的检查组成员可以修改这份草稿。")


def draft_letter(visit, user: User, letter_type: LetterType | None = None, replaces: Letter | None = None) -> Letter:
    """A draft letter to the visit's unit carrying its 需下达意见书 problems as 一是、二是……"""
    if not can("letters.draft", user=user):
        raise LetterError("只有监督室管理员或检查组成员可以起草意见书。")
    if visit.status != "submitted":
        raise LetterError("检查记录提交后才能起草意见书。")
    if not can("letters.draft", visit, user=user):
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
    with derived.bulk_write("standing", "letter.problem_count", keys=()):  # the version is no fact of either
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


# --- issuing ----------------------------------------------------------------------------------------------------------

ISSUE_ATTEMPTS = 8


def next_seq(letter_type_id: int, year: int) -> int:
    """The next number of this type and year: voided letters keep theirs, so numbers are never reused."""
    current = db.session.execute(
        select(func.max(Letter.seq)).where(Letter.letter_type_id == letter_type_id, Letter.year == year)
    ).scalar()
    return (current or 0) + 1


def issue_letter(letter_id: int, user: User, issue_date: date | None = None) -> Letter:
    """Give the draft its number, freeze its text, store its PDF, tell the unit (signals.letter_issued); flush —
    the caller commits. Each attempt runs in a savepoint: a clash over a number undoes only that attempt, which
    counts again.

    Raises LetterError (no problems, already issued, not allowed) or fonts.FontError (a character the font
    lacks): the attempt's savepoint is rolled back, so no number is consumed and nothing is half-written.
    """
    if not can("letters.issue", user=user):
        raise LetterError("只有监督室管理员可以签发意见书。")
    for _attempt in range(ISSUE_ATTEMPTS):
        try:
            with db.session.begin_nested():
                return _issue_once(letter_id, user, issue_date)
        except IntegrityError:
            continue  # another admin took this number a moment ago: its savepoint is undone, count again
    raise LetterError("多人同时签发，文号分配多次冲突，请稍后重试。")


def _issue_once(letter_id: int, user: User, issue_date: date | None) -> Letter:
    """One attempt of issue_letter, inside its savepoint."""
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
    # Issuing is a fact of the stored states and of problem_count: stored again (problem_count by its one
    # writer) for this letter when the block ends.
    with derived.bulk_write("standing", "letter.problem_count", keys=[letter_id]):
        result = db.session.execute(
            update(Letter)
            .where(Letter.id == letter_id, Letter.status == LetterStatus.draft.value)
            .values(status=LetterStatus.issued.value, year=day.year, seq=seq, number=number,
                    issue_date=day, issued_at=now, issued_by_id=user.id, content_json=content.to_json(),
                    updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise LetterError("这份意见书刚刚已被签发（可能是重复点击或在另一个窗口中签发），不会重复编号。")
    digest = sha256(pdf)
    db.session.add(LetterFile(letter_id=letter_id, kind="pdf", data=pdf, sha256=digest, size=len(pdf),
                              font_family=family))
    db.session.flush()
    db.session.refresh(letter)
    notified = sum(n or 0 for _, n in signals.letter_issued.send(letter))
    audit.record("issue", record_type="letter", record_id=letter_id,
                 summary=f"签发{content.title} {number}（{content.addressee}）",
                 before={"status": "draft"},
                 after={"status": "issued", "number": number, "sha256": digest, "notified": notified},
                 user=user)
    return letter


# --- voiding and correcting -------------------------------------------------------------------------------------------

def void_letter(letter: Letter, reason: str, user: User) -> Letter:
    """作废: the number stays used; the problems are free for a corrected letter."""
    if not can("letters.void", letter, user=user):
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
    if not can("letters.correct", voided, user=user):
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


# --- delivery ---------------------------------------------------------------------------------------------------------

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


def resolve_pending_deadlines(year: int | None = None) -> list[Letter]:
    """Compute every pending deadline the calendar now knows (the rule of compute_deadline, from the receipt
    date), store it with its explanation, audit it per letter and announce it (signals.deadline_resolved: the
    reminders part tells the unit's users). Runs in the caller's
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
        signals.deadline_resolved.send(letter, deadline=dl)
        done.append(letter)
    if done:
        db.session.flush()
    return done


def _on_calendar_year_entered(year, **_kw) -> str:
    done = resolve_pending_deadlines(year)
    return f"{len(done)}份意见书的整改期限已随之计算，并已通知受文单位。" if done else ""


workcal.calendar_year_entered.connect(_on_calendar_year_entered)


def record_receipt(letter: Letter, user: User, when: datetime | None = None) -> Letter:
    """签收 by the unit's own user: today (Asia/Shanghai) is the day of receipt."""
    if not can("letters.receive", letter, user=user):
        raise LetterError("只有受文单位的用户可以签收。")
    local = timeutil.to_local(when) if when else timeutil.now()
    return _set_receipt(letter, local.date(), "sign", user)


def record_delivery(letter: Letter, day: date, user: User) -> Letter:
    """The admin records the day a paper letter was delivered (送达回证)."""
    if not can("letters.deliver", letter, user=user):
        raise LetterError("只有监督室管理员可以登记纸质送达。")
    return _set_receipt(letter, day, "paper", user)


def mark_seen(letter: Letter, user: User) -> bool:
    """The unit opened its letter: no longer 'new' in its inbox. Returns True when this changed it.

    Opening a letter is a read (GET), and a read never writes in the request's transaction (web refuses it):
    this one fact of reading is stored at once in a short transaction of its own, on another connection, and the
    letter object is told the value it now has in the database."""
    if letter.is_draft or letter.unit_seen_at is not None or not can("letters.receive", letter, user=user):
        return False
    at = timeutil.utcnow()
    table = Letter.__table__
    with db.engine.begin() as conn:
        changed = conn.execute(update(table).where(table.c.id == letter.id, table.c.unit_seen_at.is_(None))
                               .values(unit_seen_at=at)).rowcount
    set_committed_value(letter, "unit_seen_at", at)
    return changed == 1
