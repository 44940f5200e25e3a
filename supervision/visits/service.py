"""Rules of visits: the catalogue and its versions, draft → submit → amend, problems, who sees what, statistics.

Every function that changes state checks the rule, writes the audit entry and leaves the commit to its caller.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

from flask import abort
from sqlalchemy import func, select, update

from .. import audit
from ..accounts.models import Role, User
from ..directory.models import Unit
from ..directory.queries import unit_ids_named
from ..extensions import db
from ..labels import quoted
from ..timeutil import utcnow
from ..uploads import CheckedFile, attachments_for, delete_attachment, store
from . import catalogue_data
from .models import (CheckCatalogue, CheckItem, CheckSubpoint, Disposition, Method, Problem, Rating,
                     Visit, VisitKind, VisitRating, VisitStatus)

PROBLEM_OWNER = "problem"
INSPECTOR_ROLES = (Role.inspector.value, Role.admin.value)

_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 21 → 二十一 (1–99)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


class VisitError(ValueError):
    """A rule was broken; the message is for the user."""


class VisitForbidden(VisitError):
    """The user may not change this visit (not one of its inspectors, not an admin)."""


class VisitInvalid(VisitError):
    """Input that cannot be saved. `errors` maps form field names to messages (key "" for the whole form)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("；".join(errors.values()))


class VisitConflict(VisitError):
    """Someone else saved this visit since the form was opened."""

    def __init__(self, visit: Visit, current_version: int, by: str = "", at=None):
        self.visit = visit
        self.current_version = current_version
        self.by = by
        self.at = at
        from ..timeutil import cn_datetime

        who = f"{by}" if by else "其他人"
        when = f"于{cn_datetime(at)}" if at else ""
        super().__init__(
            f"保存被拒绝：{who}{when}已修改并保存了这份检查记录，您看到的是旧版本。"
            "您填写的内容仍保留在下方；请先打开“查看最新内容”核对对方的修改，确认后再次保存将以您的内容为准。")


# ---------------------------------------------------------------- catalogue


def ensure_default_catalogue() -> CheckCatalogue:
    """Seed the 2021 catalogue from the document if no catalogue exists. Idempotent."""
    existing = db.session.query(CheckCatalogue).order_by(CheckCatalogue.year, CheckCatalogue.version).first()
    if existing is not None:
        return existing
    cat = CheckCatalogue(year=catalogue_data.DEFAULT_YEAR, version=1, title="依法行政监督检查内容",
                         note=f"依据{catalogue_data.SOURCE}")
    for seq, (key, name, criteria, subpoints) in enumerate(catalogue_data.ITEMS, start=1):
        item = CheckItem(seq=seq, key=key, name=name, criteria=criteria)
        for sseq, (sname, scriteria) in enumerate(subpoints, start=1):
            item.subpoints.append(CheckSubpoint(seq=sseq, name=sname, criteria=scriteria))
        cat.items.append(item)
    db.session.add(cat)
    db.session.flush()
    return cat


def catalogues() -> list[CheckCatalogue]:
    return (db.session.query(CheckCatalogue)
            .order_by(CheckCatalogue.year.desc(), CheckCatalogue.version.desc()).all())


def catalogue_for_year(year: int) -> CheckCatalogue:
    """The catalogue in force in `year`: the newest version of the latest year not after it."""
    ensure_default_catalogue()
    q = db.session.query(CheckCatalogue)
    cat = (q.filter(CheckCatalogue.year <= year)
           .order_by(CheckCatalogue.year.desc(), CheckCatalogue.version.desc()).first())
    if cat is None:  # a year before the first catalogue: use the earliest one
        cat = q.order_by(CheckCatalogue.year, CheckCatalogue.version).first()
    return cat


@dataclass
class ItemInput:
    name: str
    criteria: str = ""
    subpoints: list[tuple[str, str]] = field(default_factory=list)
    key: str = ""


def create_catalogue_version(year: int, items: list[ItemInput], user=None, note: str = "",
                             based_on: CheckCatalogue | None = None) -> CheckCatalogue:
    """Save an edited catalogue as a new version for `year`; existing versions and their visits stay unchanged."""
    errors = {}
    if not (2000 <= int(year) <= 2100):
        errors["year"] = "年度应在2000至2100之间。"
    items = [i for i in items if i.name.strip() or i.criteria.strip() or i.subpoints]
    if not items:
        errors[""] = "检查内容至少要有一项。"
    for n, it in enumerate(items, start=1):
        if not it.name.strip():
            errors[f"item-{n}-name"] = f"第{n}项缺少名称。"
        for sname, _ in it.subpoints:
            if not sname.strip():
                errors[f"item-{n}-subpoints"] = f"第{n}项有子项缺少名称（每行写“名称：标准”）。"
    if errors:
        raise VisitInvalid(errors)
    last = db.session.query(func.max(CheckCatalogue.version)).filter(CheckCatalogue.year == year).scalar() or 0
    cat = CheckCatalogue(year=year, version=last + 1, title="依法行政监督检查内容", note=note,
                         based_on_id=based_on.id if based_on else None,
                         created_by_id=user.id if user is not None else None)
    used_keys = set()
    for seq, it in enumerate(items, start=1):
        key = (it.key or "").strip() or f"item{seq}"
        while key in used_keys:
            key += "_"
        used_keys.add(key)
        item = CheckItem(seq=seq, key=key, name=it.name.strip(), criteria=it.criteria.strip())
        for sseq, (sname, scrit) in enumerate(it.subpoints, start=1):
            item.subpoints.append(CheckSubpoint(seq=sseq, name=sname.strip(), criteria=scrit.strip()))
        cat.items.append(item)
    db.session.add(cat)
    audit.record("create", cat, summary=f"新建检查内容目录 {cat.label}",
                 after=catalogue_snapshot(cat), user=user)
    return cat


def catalogue_snapshot(cat: CheckCatalogue) -> dict:
    return {"year": cat.year, "version": cat.version, "items": [
        {"seq": i.seq, "key": i.key, "name": i.name, "criteria": i.criteria,
         "subpoints": [[s.name, s.criteria] for s in i.subpoints]} for i in cat.items]}


# ---------------------------------------------------------------- schedule links


def _slot_model():
    try:
        from ..schedule.models import Slot
    except ImportError:  # the schedule part is built separately
        return None
    return Slot


def plan_exists(year: int) -> bool:
    """Whether the weekly plan (依法行政日常监督分组计划表) of `year` has been entered."""
    Slot = _slot_model()
    if Slot is None:
        return False
    return db.session.query(Slot.id).filter(Slot.year == year).first() is not None


def find_slot_for(unit: Unit, visit_date: date):
    """The plan slot of `unit` in the visit's year: the one containing the date, else the nearest."""
    Slot = _slot_model()
    if Slot is None:
        return None
    slots = [s for s in db.session.query(Slot).filter(Slot.year == visit_date.year).all()
             if any(u.id == unit.id for u in s.units)]
    if not slots:
        return None

    def distance(s):
        if s.start_date <= visit_date <= s.end_date:
            return 0
        return min(abs((s.start_date - visit_date).days), abs((s.end_date - visit_date).days))

    return min(slots, key=distance)


def open_visit_for_slot(slot_id: int, unit_id: int) -> Visit | None:
    return (db.session.query(Visit)
            .filter(Visit.slot_id == slot_id, Visit.unit_id == unit_id, Visit.kind == VisitKind.routine.value)
            .order_by(Visit.id).first())


# ---------------------------------------------------------------- visits


def eligible_inspectors() -> list[User]:
    return (db.session.query(User).filter(User.role.in_(INSPECTOR_ROLES), User.active.is_(True))
            .order_by(User.role.desc(), User.id).all())


CONFIRM_DATE_LABEL = "日期无误，仍然保存"


def date_warning(visit_date: date | None, slot=None) -> str:
    """"" or why a visit's date looks like a clerk's slip: outside its week of the plan, or on a rest day
    (weekend or holiday, by the working calendar; a year the calendar does not know is checked for the week only).
    A warning, not a refusal: the person confirms to keep the date."""
    if visit_date is None:
        return ""
    from .. import workcal
    from ..timeutil import cn_date

    found = []
    if slot is not None and not slot.start_date <= visit_date <= slot.end_date:
        end = slot.end_date
        found.append(f"不在所属检查周（{slot.title}，{cn_date(slot.start_date)}—{end.month}月{end.day}日）内")
    try:
        info = workcal.day_info(visit_date)
    except workcal.UnknownYear:
        info = None
    if info is not None and not info.workday:
        found.append(f"是休息日（{info.reason}）")
    if not found:
        return ""
    return (f"检查日期{cn_date(visit_date)}" + "，且".join(found) + "，可能填错了。请核对日期；"
            f"如确实如此，请勾选“{CONFIRM_DATE_LABEL}”后再保存。")


def create_visit(*, kind: str | VisitKind, unit: Unit | None, visit_date: date | None, user=None, slot=None,
                 inspectors: list[User] | None = None, subject: str = "", follow_up_of: Problem | None = None,
                 enforce_plan: bool = True, check_date: bool = False) -> Visit:
    """Start a draft visit. A 日常监督 comes from the unit's slot in the weekly plan (found if not given).

    check_date: refuse (VisitInvalid, key date_warning) a date outside the slot's week or on a rest day, for the
    person to confirm (the new-visit form passes it until its 「仍然保存」 box is ticked)."""
    errors = {}
    try:
        kind = VisitKind(kind)
    except ValueError:
        errors["kind"] = "请选择检查类型。"
        kind = None
    if unit is None:
        errors["unit_id"] = "请选择受监督单位。"
    elif not unit.active:
        errors["unit_id"] = f"“{unit.name}”已停用，不能对其新建检查记录。如该单位恢复，请先在“受监督单位”中启用。"
    if visit_date is None:
        errors["visit_date"] = "请填写检查日期。"
    elif enforce_plan and not plan_exists(visit_date.year):
        errors["visit_date"] = (f"{visit_date.year}年还没有录入监督计划，检查日期可能填错了。"
                                f"请核对日期，或先由监督室录入{visit_date.year}年计划。")
    if slot is not None and unit is not None and not any(u.id == unit.id for u in slot.units):
        errors["unit_id"] = f"“{unit.name}”不在所选检查周的计划内。"
    if kind is VisitKind.routine and not errors and slot is None and enforce_plan:
        slot = find_slot_for(unit, visit_date)
        if slot is None:
            errors["kind"] = (f"“{unit.name}”不在{visit_date.year}年日常监督计划内。"
                              "计划外的检查请选择集中监督、重点监督或回头看。")
    if kind is not None and kind is not VisitKind.routine:
        slot = None
    if follow_up_of is not None and kind is not VisitKind.follow_up:
        errors["kind"] = "复查某一问题的检查应为“回头看”。"
    if follow_up_of is not None and unit is not None and follow_up_of.visit.unit_id != unit.id:
        errors["unit_id"] = "回头看的单位应与原问题所属单位一致。"
    if check_date and not errors:
        warning = date_warning(visit_date, slot)
        if warning:
            errors["date_warning"] = warning
    if errors:
        raise VisitInvalid(errors)
    if slot is not None:
        existing = open_visit_for_slot(slot.id, unit.id)
        if existing is not None:
            raise VisitError(f"该检查周已有{unit.name}的检查记录（{existing.status_label}），请直接打开它。")
    if inspectors is None:
        inspectors = list(getattr(slot, "inspectors", None) or [])
        if user is not None and user.role == Role.inspector.value and all(u.id != user.id for u in inspectors):
            inspectors.append(user)  # the one who records the visit takes part in it (and so may edit it)
        if not inspectors and user is not None and user.role in INSPECTOR_ROLES:
            inspectors = [user]
    visit = Visit(kind=kind.value, status=VisitStatus.draft.value, unit_id=unit.id, visit_date=visit_date,
                  slot_id=slot.id if slot is not None else None, subject=subject.strip(),
                  catalogue_id=catalogue_for_year(visit_date.year).id,
                  follow_up_of_problem_id=follow_up_of.id if follow_up_of is not None else None,
                  created_by_id=user.id if user is not None else None, version=1)
    visit.inspectors = list(inspectors)
    if follow_up_of is not None:
        visit.methods = ",".join([Method.written_review.value, Method.site_check.value])
    db.session.add(visit)
    db.session.flush()
    for item in visit.catalogue.items:
        visit.ratings.append(VisitRating(item=item, rating="", note=""))
    audit.record("create", visit, summary=f"新建{kind.label}检查记录：{unit.name} {visit_date.isoformat()}",
                 after=visit_snapshot(visit), user=user)
    return visit


@dataclass
class ProblemInput:
    """One problem row of the visit form. `key` is the form's row key (existing id or "n1", "n2", …)."""

    key: str
    id: int | None = None
    item_id: int | None = None
    subpoint_id: int | None = None
    description: str = ""
    evidence: str = ""
    case_file: str = ""
    disposition: str = ""
    fix_action: str = ""
    remove: bool = False
    files: list[CheckedFile] = field(default_factory=list)
    delete_attachment_ids: list[int] = field(default_factory=list)

    def is_blank(self) -> bool:
        return self.id is None and not any(
            (self.description.strip(), self.evidence.strip(), self.case_file.strip(), self.fix_action.strip(),
             self.files))


@dataclass
class VisitInput:
    """Everything the visit form posts, already split into fields (see forms.parse_visit_form)."""

    visit_date: date | None = None
    visit_date_raw: str = ""
    confirm_date: bool = False  # the 「仍然保存」 box: keep a date outside the week or on a rest day
    subject: str = ""
    inspector_ids: list[int] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    case_files: str = ""
    test_takers: str = ""
    test_average: str = ""
    test_lowest: str = ""
    summary: str = ""
    ratings: dict[int, tuple[str, str]] = field(default_factory=dict)  # item_id → (rating, note)
    problems: list[ProblemInput] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # found while parsing (e.g. a refused upload)


def _parse_int(raw: str, name: str, label: str, errors: dict, lo: int = 0, hi: int = 100000):
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        errors[name] = f"{label}应为整数。"
        return None
    if not lo <= value <= hi:
        errors[name] = f"{label}应在{lo}至{hi}之间。"
        return None
    return value


def _parse_score(raw: str, name: str, label: str, errors: dict):
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = round(float(raw), 1)
    except ValueError:
        errors[name] = f"{label}应为数字，例如 86.5。"
        return None
    if value != value or not 0 <= value <= 100:
        errors[name] = f"{label}应在0至100分之间（满分100分）。"
        return None
    return value


def _validate(visit: Visit, data: VisitInput) -> dict:
    """Check a posted form against the visit; returns cleaned values or raises VisitInvalid."""
    errors = dict(data.errors)
    clean = {}
    if data.visit_date is None:
        errors["visit_date"] = "检查日期无效，应写成 2021-04-09 这样。" if data.visit_date_raw else "请填写检查日期。"
    elif data.visit_date.year != visit.visit_date.year:
        if not plan_exists(data.visit_date.year):
            errors["visit_date"] = f"{data.visit_date.year}年还没有录入监督计划，检查日期可能填错了。"
        elif visit.slot_id is not None or catalogue_for_year(data.visit_date.year).id != visit.catalogue_id:
            errors["visit_date"] = ("检查日期不能改到另一年度（本记录属于"
                                    f"{visit.visit_date.year}年的计划和检查内容目录）。如确属另一年度，请新建检查记录。")
    if "visit_date" not in errors and data.visit_date != visit.visit_date and not data.confirm_date:
        warning = date_warning(data.visit_date, visit.slot)
        if warning:
            errors["date_warning"] = warning
    clean["visit_date"] = data.visit_date
    clean["subject"] = data.subject.strip()[:200]
    if visit.kind in (VisitKind.focused.value, VisitKind.concentrated.value) and not clean["subject"] \
            and "subject" not in errors:
        errors["subject"] = "请写明本次检查的重点事项。"
    eligible = {u.id: u for u in eligible_inspectors()}
    keep = {u.id: u for u in visit.inspectors}  # someone deactivated later stays on an old record
    chosen = []
    for uid in data.inspector_ids:
        u = eligible.get(uid) or keep.get(uid)
        if u is None:
            errors["inspector_ids"] = "所选检查人员无效。"
        elif u not in chosen:
            chosen.append(u)
    clean["inspectors"] = chosen
    methods = []
    for m in data.methods:
        try:
            methods.append(Method(m).value)
        except ValueError:
            errors["methods"] = "检查方式无效。"
    clean["methods"] = [m.value for m in Method if m.value in methods]
    clean["case_files"] = "\n".join(line.strip() for line in data.case_files.splitlines() if line.strip())
    clean["test_takers"] = _parse_int(data.test_takers, "test_takers", "参考人数", errors, 0, 10000)
    clean["test_average"] = _parse_score(data.test_average, "test_average", "平均分", errors)
    clean["test_lowest"] = _parse_score(data.test_lowest, "test_lowest", "最低分", errors)
    if clean["test_average"] is not None and clean["test_lowest"] is not None \
            and clean["test_lowest"] > clean["test_average"]:
        errors["test_lowest"] = "最低分不能高于平均分。"
    clean["summary"] = data.summary.strip()

    items = {i.id: i for i in visit.catalogue.items}
    ratings = {}
    for item_id, (rating, note) in data.ratings.items():
        if item_id not in items:
            errors[""] = "检查项目与本记录的目录版本不符，请刷新页面。"
            continue
        if rating and rating not in {r.value for r in Rating}:
            errors[f"rating-{item_id}"] = "评定等次无效。"
            rating = ""
        ratings[item_id] = (rating, note.strip())
    clean["ratings"] = ratings

    existing = {p.id: p for p in visit.problems}
    problems = []
    for n, p in enumerate(data.problems, start=1):
        if p.is_blank():
            continue
        if p.id is not None and p.id not in existing:
            errors[""] = "有问题记录已不存在（可能被他人删除），请刷新页面。"
            continue
        prefix = f"problem-{p.key}"
        in_letter = p.id is not None and _letter_of(existing[p.id])
        if p.remove:
            if in_letter:
                errors[f"{prefix}-description"] = "该问题已纳入意见书，不能删除；请先在意见书中移出。"
            problems.append(p)
            continue
        if in_letter and p.disposition != Disposition.letter.value:
            errors[f"{prefix}-disposition"] = "该问题已纳入意见书，不能改为立行立改；请先在意见书中移出。"
        item = items.get(p.item_id)
        if item is None:
            errors[f"{prefix}-item_id"] = "请选择问题所属的检查项目。"
        if p.subpoint_id is not None and (item is None or p.subpoint_id not in {s.id for s in item.subpoints}):
            errors[f"{prefix}-subpoint_id"] = "所选子项不属于该检查项目。"
        if not p.description.strip():
            errors[f"{prefix}-description"] = "请填写问题描述（写清存在什么问题）。"
        if p.disposition not in {d.value for d in Disposition}:
            errors[f"{prefix}-disposition"] = "请选择处理方式：立行立改 或 需下达意见书。"
        if len(p.case_file.strip()) > 200:
            errors[f"{prefix}-case_file"] = "案卷号过长（不超过200字）。"
        problems.append(p)
    clean["problems"] = problems
    if errors:
        raise VisitInvalid(errors)
    return clean


def completeness_errors(visit: Visit) -> dict[str, str]:
    """What keeps a saved visit from being submitted (empty when it is complete)."""
    errors = {}
    unrated = [r.item for r in sorted(visit.ratings, key=lambda r: r.item.seq) if not r.rating]
    for item in unrated:
        errors[f"rating-{item.id}"] = f"请评定{quoted(item.name)}（优/良/中/差，或不适用）。"
    if unrated:
        errors[""] = "还有检查项目未评定：" + "、".join(i.name for i in unrated) + "。每一项都要评定等次或选“不适用”后才能提交。"
    if not visit.inspectors:
        errors["inspector_ids"] = "请至少选择一名检查人员。"
    if not visit.method_codes:
        errors["methods"] = "请至少选择一种检查方式。"
    if Method.law_test.value in visit.method_codes and visit.test_takers is None:
        errors["test_takers"] = "选择了公共法律知识考核，请填写参考人数、平均分和最低分。"
    if not visit.unit.active:
        errors["unit_id"] = f"“{visit.unit.name}”已停用，不能提交其检查记录。"
    for p in visit.problems:
        if p.disposition == Disposition.fixed.value and not p.fix_action.strip():
            errors[f"problem-{p.id}-fix_action"] = f"问题“{p.description[:20]}”标为立行立改，请写明现场如何整改。"
    return errors


def _claim_version(visit: Visit, expected_version: int | None) -> None:
    """Bump the version only if nobody saved since `expected_version` was read (atomic compare-and-set)."""
    if expected_version is None:
        expected_version = visit.version
    if visit.version != expected_version:
        raise _conflict(visit)
    result = db.session.execute(
        update(Visit).where(Visit.id == visit.id, Visit.version == expected_version)
        .values(version=expected_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.expire(visit, ["version", "updated_at"])
        raise _conflict(visit)
    visit.version = expected_version + 1
    visit.updated_at = utcnow()


def _conflict(visit: Visit) -> VisitConflict:
    last = (db.session.query(audit.AuditEntry)
            .filter_by(record_type="visit", record_id=visit.id)
            .order_by(audit.AuditEntry.id.desc()).first())
    return VisitConflict(visit, visit.version, by=last.username if last else "", at=last.at if last else None)


def _apply(visit: Visit, clean: dict, user) -> None:
    visit.visit_date = clean["visit_date"]
    visit.subject = clean["subject"]
    visit.inspectors = clean["inspectors"]
    visit.methods = ",".join(clean["methods"])
    visit.case_files = clean["case_files"]
    visit.test_takers = clean["test_takers"]
    visit.test_average = clean["test_average"]
    visit.test_lowest = clean["test_lowest"]
    visit.summary = clean["summary"]
    by_item = {r.item_id: r for r in visit.ratings}
    for item_id, (rating, note) in clean["ratings"].items():
        r = by_item.get(item_id)
        if r is None:
            r = VisitRating(item=db.session.get(CheckItem, item_id))
            visit.ratings.append(r)
        r.rating, r.note = rating, note
    existing = {p.id: p for p in visit.problems}
    seq = 0
    for p in clean["problems"]:
        if p.remove:
            prob = existing[p.id]
            for att in attachments_for(PROBLEM_OWNER, prob.id):
                delete_attachment(att)
            visit.problems.remove(prob)
            continue
        seq += 1
        prob = existing.get(p.id) if p.id is not None else None
        if prob is None:
            prob = Problem()
            visit.problems.append(prob)
        prob.seq = seq
        prob.item_id = p.item_id
        prob.subpoint_id = p.subpoint_id
        prob.description = p.description.strip()
        prob.evidence = p.evidence.strip()
        prob.case_file = p.case_file.strip()
        prob.disposition = p.disposition
        prob.fix_action = p.fix_action.strip()
        db.session.flush()
        if p.delete_attachment_ids:
            for att in attachments_for(PROBLEM_OWNER, prob.id):
                if att.id in p.delete_attachment_ids:
                    delete_attachment(att)
        for checked in p.files:
            store(checked, PROBLEM_OWNER, prob.id, user=user)
    db.session.flush()


def save_draft(visit: Visit, data: VisitInput, user, expected_version: int | None = None) -> Visit:
    """Save the form into a draft. Raises VisitInvalid (nothing changed) or VisitConflict (someone saved first)."""
    require_inspector(user, visit)
    if not visit.is_draft:
        raise VisitError("检查记录已提交，只能通过“修改已提交记录”并说明理由来更改。")
    clean = _validate(visit, data)
    before = visit_snapshot(visit)
    _claim_version(visit, expected_version)
    _apply(visit, clean, user)
    db.session.refresh(visit)
    audit.record("save", visit, summary=f"保存检查记录草稿：{visit.unit.name}", before=before,
                 after=visit_snapshot(visit), user=user)
    return visit


def submit_visit(visit: Visit, user, expected_version: int | None = None) -> Visit:
    """Submit a saved draft. Every check item must be rated (or 不适用); afterwards it is read-only."""
    require_inspector(user, visit)
    if not visit.is_draft:
        raise VisitError("这份检查记录已经提交过了。")
    errors = completeness_errors(visit)
    if errors:
        raise VisitInvalid(errors)
    _claim_version(visit, expected_version)
    visit.status = VisitStatus.submitted.value
    visit.submitted_at = utcnow()
    visit.submitted_by_id = user.id if user is not None else None
    db.session.flush()
    audit.record("submit", visit, summary=f"提交检查记录：{visit.unit.name} {visit.visit_date.isoformat()}",
                 before={"status": VisitStatus.draft.value}, after=visit_snapshot(visit), user=user)
    return visit


def amend_visit(visit: Visit, data: VisitInput, user, reason: str, expected_version: int | None = None) -> Visit:
    """Change a submitted visit. Needs a reason; the audit log keeps the values before and after."""
    require_inspector(user, visit)
    if not visit.is_submitted:
        raise VisitError("草稿可以直接保存，不需要走修改流程。")
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "请说明修改理由（将记入审计日志）。"
    try:
        clean = _validate(visit, data)
    except VisitInvalid as exc:
        errors.update(exc.errors)
    if errors:
        raise VisitInvalid(errors)
    before = visit_snapshot(visit)
    _claim_version(visit, expected_version)
    _apply(visit, clean, user)
    db.session.refresh(visit)
    problems = completeness_errors(visit)
    if problems:
        raise VisitInvalid(problems)
    after = visit_snapshot(visit)
    audit.record("amend", visit, summary=f"修改已提交的检查记录：{visit.unit.name}。理由：{reason}",
                 before=before, after=dict(after, amend_reason=reason), user=user)
    return visit


def add_problem(visit: Visit, *, item: CheckItem, description: str, disposition: str | Disposition,
                subpoint: CheckSubpoint | None = None, case_file: str = "", evidence: str = "",
                fix_action: str = "", user=None) -> Problem:
    """Add one problem to a draft visit (the form does the same through save_draft)."""
    require_inspector(user, visit)
    if not visit.is_draft:
        raise VisitError("检查记录已提交，只能通过“修改已提交记录”增加问题。")
    errors = {}
    if item.catalogue_id != visit.catalogue_id:
        errors["item_id"] = "检查项目与本记录的目录版本不符。"
    if subpoint is not None and subpoint.item_id != item.id:
        errors["subpoint_id"] = "所选子项不属于该检查项目。"
    if not (description or "").strip():
        errors["description"] = "请填写问题描述。"
    disposition = disposition.value if isinstance(disposition, Disposition) else disposition
    if disposition not in {d.value for d in Disposition}:
        errors["disposition"] = "请选择处理方式：立行立改 或 需下达意见书。"
    if errors:
        raise VisitInvalid(errors)
    seq = max((p.seq for p in visit.problems), default=0) + 1
    prob = Problem(seq=seq, item=item, subpoint=subpoint,
                   description=description.strip(), case_file=case_file.strip(), evidence=evidence.strip(),
                   disposition=disposition, fix_action=fix_action.strip())
    visit.problems.append(prob)
    db.session.flush()
    visit.version += 1
    audit.record("add_problem", prob, summary=f"记录问题：{visit.unit.name} — {prob.description[:60]}",
                 after=problem_snapshot(prob), user=user)
    return prob


def rate_item(visit: Visit, item: CheckItem, rating: str | Rating, note: str = "", user=None) -> VisitRating:
    """Set one item's rating on a draft (used by demo and tests; the form goes through save_draft)."""
    require_inspector(user, visit)
    if not visit.is_draft:
        raise VisitError("检查记录已提交，不能直接评定。")
    rating = rating.value if isinstance(rating, Rating) else rating
    if rating not in {r.value for r in Rating}:
        raise VisitInvalid({f"rating-{item.id}": "评定等次无效。"})
    r = visit.rating_for(item.id)
    if r is None:
        r = VisitRating(item=item)
        visit.ratings.append(r)
    before = r.rating
    r.rating, r.note = rating, note
    db.session.flush()
    audit.record("rate", visit, summary=f"评定 {item.name}：{Rating(rating).label}",
                 before={"item": item.name, "rating": before}, after={"item": item.name, "rating": rating},
                 user=user)
    return r


def delete_draft(visit: Visit, user) -> None:
    if not visit.is_draft:
        raise VisitError("已提交的检查记录不能删除。")
    before = visit_snapshot(visit)
    for p in visit.problems:
        for att in attachments_for(PROBLEM_OWNER, p.id):
            delete_attachment(att)
    audit.record("delete", visit, summary=f"删除检查记录草稿：{visit.unit.name}", before=before, user=user)
    db.session.delete(visit)


def problem_snapshot(p: Problem) -> dict:
    return {"id": p.id, "item": p.item.name if p.item else p.item_id,
            "subpoint": p.subpoint.name if p.subpoint else "", "description": p.description,
            "evidence": p.evidence, "case_file": p.case_file, "disposition": p.disposition,
            "fix_action": p.fix_action,
            "attachments": [a.original_name for a in attachments_for(PROBLEM_OWNER, p.id)] if p.id else []}


def visit_snapshot(visit: Visit) -> dict:
    """All a visit records, in plain values, for the audit log's before/after."""
    return {
        "kind": visit.kind,
        "status": visit.status,
        "unit": visit.unit.name if visit.unit else visit.unit_id,
        "visit_date": visit.visit_date.isoformat() if visit.visit_date else None,
        "slot_id": visit.slot_id,
        "catalogue": visit.catalogue.label if visit.catalogue else visit.catalogue_id,
        "subject": visit.subject,
        "inspectors": [u.name for u in visit.inspectors],
        "methods": visit.method_labels,
        "case_files": visit.case_file_list,
        "test": {"takers": visit.test_takers, "average": visit.test_average, "lowest": visit.test_lowest},
        "summary": visit.summary,
        "ratings": {r.item.name: {"rating": Rating.label_of(r.rating), "note": r.note}
                    for r in sorted(visit.ratings, key=lambda r: r.item.seq)},
        "problems": [problem_snapshot(p) for p in visit.problems],
    }


def visit_history(visit: Visit) -> list:
    return (db.session.query(audit.AuditEntry)
            .filter_by(record_type="visit", record_id=visit.id)
            .order_by(audit.AuditEntry.id).all())


# ---------------------------------------------------------------- access


def may_change(user, visit: Visit) -> bool:
    """Who may change a visit's record, its problems and their evidence: an admin, or an inspector of the visit."""
    if user.role == Role.admin.value:
        return True
    return user.role == Role.inspector.value and any(u.id == user.id for u in visit.inspectors)


def require_inspector(user, visit: Visit) -> None:
    """VisitForbidden unless `user` may change the visit. user=None is the system (demo data, commands)."""
    if user is not None and not may_change(user, visit):
        raise VisitForbidden("只有本次检查的检查人员或管理员可以修改这份检查记录（包括其中的问题和佐证材料）。")


def can_edit(user, visit: Visit) -> bool:
    return visit.is_draft and may_change(user, visit)


def can_amend(user, visit: Visit) -> bool:
    return visit.is_submitted and may_change(user, visit)


def _reach(user) -> list:
    """Conditions on Visit: staff see all, a leader the submitted ones, a unit user its own unit's submitted."""
    if user.role == Role.unit.value:
        return [Visit.unit_id == user.unit_id, Visit.status == VisitStatus.submitted.value]
    if user.role == Role.leader.value:
        return [Visit.status == VisitStatus.submitted.value]
    return []


def visible_visits(user):
    """A query of the visits `user` may see: staff all, a unit user its own unit's submitted ones."""
    return db.session.query(Visit).filter(*_reach(user))


@dataclass
class VisitFilter:
    year: int | None = None
    unit_id: int | None = None
    kind: str = ""
    status: str = ""
    q: str = ""  # keyword: the unit's name or a problem's text (search.py)


def visit_search_condition(term: str):
    """The visits whose unit's name, or one of whose problems' text, contains `term`."""
    from .. import search

    return search.any_of(Visit.id, select(Visit.id).where(Visit.unit_id.in_(unit_ids_named(term))),
                         select(Problem.visit_id).where(search.contains(Problem.description, term)))


def _listed(q):
    """Load a listed visit's unit and inspectors with the page (one statement each, not one per row)."""
    from sqlalchemy.orm import selectinload

    return q.options(selectinload(Visit.unit), selectinload(Visit.inspectors))


def visits_select(user, flt: VisitFilter):
    """The SELECT of the visits `user` may see that meet `flt`, newest first, for db.paginate."""
    q = select(Visit).where(*_reach(user))
    if flt.year:
        q = q.where(Visit.visit_date >= date(flt.year, 1, 1), Visit.visit_date <= date(flt.year, 12, 31))
    if flt.unit_id:
        q = q.where(Visit.unit_id == flt.unit_id)
    if flt.kind in {k.value for k in VisitKind}:
        q = q.where(Visit.kind == flt.kind)
    if flt.status in {s.value for s in VisitStatus}:
        q = q.where(Visit.status == flt.status)
    if flt.q:
        q = q.where(visit_search_condition(flt.q))
    return _listed(q).order_by(Visit.visit_date.desc(), Visit.id.desc())


def unit_visits(user, unit_id: int) -> list[Visit]:
    """Every visit of one unit that `user` may see, newest first (a unit has a few a year), with what the
    visit table shows loaded in a fixed number of statements."""
    q = visits_select(user, VisitFilter(unit_id=unit_id))
    return list(db.session.scalars(q))


def drafts_of(user) -> list[Visit]:
    """The drafts `user` created or is an inspector of, oldest first. Drafts are few at any scale: their keys
    are sought by status, then only those visits are loaded (ordering by date in SQL would let SQLite walk ten
    years of visits by date, as the dashboard notes)."""
    from sqlalchemy import or_

    if user.role not in INSPECTOR_ROLES:
        return []
    ids = db.session.scalars(select(Visit.id).where(
        Visit.status == VisitStatus.draft.value,
        or_(Visit.created_by_id == user.id, Visit.inspectors.any(User.id == user.id)))).all()
    if not ids:
        return []
    return list(db.session.scalars(_listed(select(Visit).where(Visit.id.in_(ids)))
                                   .order_by(Visit.visit_date, Visit.id)))


def problem_counts(visit_ids) -> dict[int, tuple[int, int]]:
    """{visit id: (problems, of which 需下达意见书)} for the listed visits, counted by the database."""
    from sqlalchemy import case

    ids = list(visit_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Problem.visit_id, func.count(),
               func.sum(case((Problem.disposition == Disposition.letter.value, 1), else_=0)))
        .where(Problem.visit_id.in_(ids)).group_by(Problem.visit_id))
    return {vid: (n, int(letter or 0)) for vid, n, letter in rows}


def get_visit_for(user, visit_id: int) -> Visit:
    """Load a visit or 404 — including when it belongs to another unit or is a draft a unit may not see."""
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        abort(404)
    if user.role == Role.unit.value and (visit.unit_id != user.unit_id or not visit.is_submitted):
        abort(404)
    if user.role == Role.leader.value and not visit.is_submitted:
        abort(404)
    return visit


# ---------------------------------------------------------------- problems list and statistics


class ProblemState:
    """Where a problem stands, derived here only. Letters and rectification refine it later."""

    DRAFT = ("draft", "检查未提交", "secondary")
    FIXED = ("fixed", "已立行立改", "success")
    AWAITING = ("awaiting_letter", "待下达意见书", "danger")
    IN_LETTER = ("in_letter", "已纳入意见书", "primary")
    ALL = (DRAFT, FIXED, AWAITING, IN_LETTER)

    @classmethod
    def label(cls, code: str) -> str:
        return {c: lbl for c, lbl, _ in cls.ALL}.get(code, code)


def _letter_of(problem: Problem):
    """The letter a problem was put in, if the letters part has linked one (duck-typed, it adds the link)."""
    for attr in ("letter", "letters"):
        value = getattr(problem, attr, None)
        if value:
            return value
    return None


def problem_state(problem: Problem) -> tuple[str, str, str]:
    """A problem's state for display. `problem_state_condition` below says the same rule in SQL for the
    problems list's status filter; change both together (tests/visits/test_lists.py checks they agree)."""
    if not problem.visit.is_submitted:
        return ProblemState.DRAFT
    if problem.disposition == Disposition.fixed.value:
        return ProblemState.FIXED
    if _letter_of(problem):
        return ProblemState.IN_LETTER
    return ProblemState.AWAITING


def _state_parts(code: str) -> tuple[bool | None, list]:
    """The rule of `problem_state` in SQL, in two parts: whether the problem's visit must be submitted (True),
    must not be (False) or either (None), and the conditions on the problem itself ([false()] for an unknown
    code: nothing has it).

    "A live letter carries it" is Problem.in_letter, which the letters part keeps equal to "a live
    letter_problem row exists" after every flush (letters.models._keep_in_letter; before the letters part
    exists nothing sets it and every such problem is awaiting, as problem_state says). "Not fixed" is written
    as 需下达意见书: a problem's disposition is always one of the two (add_problem and the visit form refuse
    anything else), and the equality lets the index (in_letter, disposition, visit_id) find the few problems
    awaiting a letter instead of reading every problem of ten years.
    """
    from sqlalchemy import false, true

    if code == ProblemState.DRAFT[0]:
        return False, []
    if code == ProblemState.FIXED[0]:
        return True, [Problem.disposition == Disposition.fixed.value]
    if code == ProblemState.IN_LETTER[0]:
        return True, [Problem.disposition == Disposition.letter.value, Problem.in_letter == true()]
    if code == ProblemState.AWAITING[0]:
        return True, [Problem.disposition == Disposition.letter.value, Problem.in_letter == false()]
    return None, [false()]


def _submitted(required: bool):
    return Visit.status == VisitStatus.submitted.value if required else Visit.status != VisitStatus.submitted.value


def problem_state_condition(code: str):
    """The SQL version of `problem_state` (the same rule, see _state_parts): the problems whose state is `code`,
    as a condition on a statement that joins Problem to its Visit. tests/visits/test_lists.py checks that the
    two agree for every state; change them together."""
    from sqlalchemy import and_

    submitted, conditions = _state_parts(code)
    return and_(*([] if submitted is None else [_submitted(submitted)]), *conditions)


@dataclass
class ProblemFilter:
    year: int | None = None
    unit_id: int | None = None
    item_key: str = ""
    disposition: str = ""
    status: str = ""
    q: str = ""  # keyword: the unit's name or the problem's text (search.py)


def _problem_conditions(user, flt: ProblemFilter) -> tuple[bool | None, list, list]:
    """What `flt` and the user's reach ask, split as the count needs it: (whether the visit must be submitted,
    other conditions on the visit, conditions on the problem)."""
    from sqlalchemy import false

    submitted, on_problem = _state_parts(flt.status) if flt.status else (None, [])
    on_problem = list(on_problem)
    on_visit = []
    if user.role in (Role.unit.value, Role.leader.value):
        if submitted is False:
            on_problem.append(false())  # a draft's problems, which they may not see
        submitted = True
    if user.role == Role.unit.value:
        on_visit.append(Visit.unit_id == user.unit_id)
    if flt.year:
        on_visit += [Visit.visit_date >= date(flt.year, 1, 1), Visit.visit_date <= date(flt.year, 12, 31)]
    if flt.unit_id:
        on_visit.append(Visit.unit_id == flt.unit_id)
    if flt.item_key:
        on_problem.append(Problem.item_id.in_(select(CheckItem.id).where(CheckItem.key == flt.item_key)))
    if flt.disposition:
        on_problem.append(Problem.disposition == flt.disposition)
    if flt.q:
        on_problem.append(problem_search_condition(flt.q))
    return submitted, on_visit, on_problem


def problem_search_condition(term: str):
    """The problems whose visit's unit's name or own text contains `term` (a condition on Problem alone)."""
    from .. import search

    return search.any_of(Problem.id, select(Problem.id).where(search.contains(Problem.description, term)),
                         select(Problem.id).join(Visit, Problem.visit_id == Visit.id)
                         .where(Visit.unit_id.in_(unit_ids_named(term))))


def visible_problems(user, flt: ProblemFilter):
    """The SELECT of the problems `user` may see that meet `flt`, newest visit first, for one page at a time
    (db.paginate): every filter, the state one included, is a condition in SQL, and a page comes with its
    visit (from the same join), unit, check item, subpoint and live letters in a fixed number of statements."""
    from sqlalchemy.orm import contains_eager, selectinload

    submitted, on_visit, on_problem = _problem_conditions(user, flt)
    q = select(Problem).join(Visit, Problem.visit_id == Visit.id).where(*on_visit, *on_problem)
    if submitted is not None:
        q = q.where(_submitted(submitted))
    options = [contains_eager(Problem.visit).selectinload(Visit.unit), selectinload(Problem.item),
               selectinload(Problem.subpoint)]
    letters = getattr(Problem, "letters", None)  # added by the letters part; problem_state reads it
    if letters is not None:
        options.append(selectinload(letters))
    return q.options(*options).order_by(Visit.visit_date.desc(), Visit.id.desc(), Problem.seq, Problem.id)


def count_visible_problems(user, flt: ProblemFilter) -> int:
    """How many problems visible_problems(user, flt) lists, counted the cheap way.

    With a year or unit the database finds those visits first and counts their problems. Without, it counts
    the problems from their own indexes (every problem of ten years is one index count, the few awaiting a
    letter one seek) and, when the visit must be submitted, takes away those of draft visits — drafts are few
    at any scale. Counting through the join to the visit instead read every problem's visit (~25 ms for the
    leader's unfiltered list at province scale, ~1 ms this way).
    """
    submitted, on_visit, on_problem = _problem_conditions(user, flt)

    def count(q) -> int:
        return db.session.scalar(q.where(*on_problem)) or 0

    problems = select(func.count()).select_from(Problem)
    if on_visit:
        joined = problems.join(Visit, Problem.visit_id == Visit.id)
        return count(joined.where(*on_visit, *([] if submitted is None else [_submitted(submitted)])))
    # The drafts' problems: the (few) draft visits' ids as a list the problem indexes are sought with; written
    # as a join, SQLite (whose statistics see a visit status as two values of equal weight) read the problems
    # of the condition first and looked up each one's visit.
    of_drafts = problems.where(Problem.visit_id.in_(select(Visit.id).where(_submitted(False))))
    if submitted is False:
        return count(of_drafts)
    everything = count(problems)
    if submitted is None:
        return everything
    return everything - count(of_drafts)


def _awaiting_letter_ids():
    """SELECT of the ids of 需下达意见书 problems of submitted visits that no live letter carries.

    Problem.in_letter (kept by the letters part from letter_problem) makes it an index seek to the few hundred
    such problems; the visit's status and the NOT EXISTS on letter_problem (problem_id, live) are then checked
    for just those rows. The problem table is the statement's only FROM on purpose: joined with visit, SQLite's
    planner (whose statistics see in_letter as two values of equal weight) walked every visit of ten years
    by date and probed the index per visit (~35 ms at province scale, 0.5 ms this way). Without the flag this
    was an anti-join over every problem of ten years. Before the letters part exists every such problem is
    awaiting.
    """
    from sqlalchemy import false  # `= false`, which PostgreSQL can seek an index for (`IS false` it cannot)

    submitted = select(Visit.id).where(Visit.id == Problem.visit_id, Visit.status == VisitStatus.submitted.value)
    q = select(Problem.id).where(Problem.in_letter == false(), Problem.disposition == Disposition.letter.value,
                                 submitted.exists())
    if getattr(Problem, "letters", None) is not None:
        from sqlalchemy import true

        from ..letters.models import LetterProblem

        q = q.where(~select(LetterProblem.id).where(LetterProblem.problem_id == Problem.id,
                                                    LetterProblem.live == true()).exists())
    return q


def awaiting_letter_keys() -> list[tuple[int, int]]:
    """(problem id, visit id) of every problem awaiting a letter, in visit order: one pass of the index seek.

    Kept for the rest of the request in flask.g (the dashboard's letters and visits panels both need it); a
    request that changes letters or problems after asking would have to call it again — only the dashboard
    (a GET) asks.
    """
    from flask import g, has_request_context

    if has_request_context() and "awaiting_letter_keys" in g:
        return g.awaiting_letter_keys
    visit_date = select(Visit.visit_date).where(Visit.id == Problem.visit_id).scalar_subquery()
    rows = db.session.execute(_awaiting_letter_ids().add_columns(Problem.visit_id, Problem.seq, visit_date)).all()
    keys = [(pid, vid) for pid, vid, _, _ in sorted(rows, key=lambda r: (r[3], r[1], r[2]))]
    if has_request_context():
        g.awaiting_letter_keys = keys
    return keys


def awaiting_letter_panel(limit: int = 10) -> tuple[list[Problem], int]:
    """The first `limit` problems awaiting a letter (in visit order) and how many there are, from ONE pass of
    the seek: it reads the (few) awaiting rows' keys, then loads only the shown problems."""
    keys = awaiting_letter_keys()
    shown = [pid for pid, _ in keys[:limit]]
    if not shown:
        return [], len(keys)
    return _problems_in_visit_order(Problem.id.in_(shown)), len(keys)


def _problems_in_visit_order(condition, limit: int | None = None) -> list[Problem]:
    """Problems meeting `condition` with their visit, its unit and the check item, in visit order."""
    from sqlalchemy.orm import contains_eager, selectinload

    q = (db.session.query(Problem).join(Visit, Problem.visit_id == Visit.id).filter(condition)
         .options(contains_eager(Problem.visit).selectinload(Visit.unit), selectinload(Problem.item))
         .order_by(Visit.visit_date, Problem.visit_id, Problem.seq))
    return (q if limit is None else q.limit(limit)).all()


def problems_awaiting_letter(limit: int | None = None) -> list[Problem]:
    """需下达意见书 problems of submitted visits not yet in a letter (the letters part's drafting input).

    The filtering is done by the database and the visit, its unit and the check item come in the same few
    queries, so the dashboard does not load every problem of ten years to show ten of them.
    """
    return _problems_in_visit_order(Problem.id.in_(_awaiting_letter_ids().correlate(None)), limit)


def count_problems_awaiting_letter() -> int:
    return db.session.scalar(select(func.count()).select_from(_awaiting_letter_ids().subquery())) or 0


def _catalogue_items():
    """(catalogue id, item id, key, name, seq) of every check item of every catalogue version, oldest version
    first and in catalogue order: one small query (a few versions of nine items)."""
    return db.session.execute(
        select(CheckItem.catalogue_id, CheckItem.id, CheckItem.key, CheckItem.name, CheckItem.seq)
        .join(CheckCatalogue, CheckItem.catalogue_id == CheckCatalogue.id)
        .order_by(CheckCatalogue.year, CheckCatalogue.version, CheckItem.seq)).all()


def _latest_names(rows) -> OrderedDict:
    out: OrderedDict[str, str] = OrderedDict()
    for _cat, _id, key, name, _seq in rows:
        out[key] = name
    return out


def item_keys() -> list[tuple[str, str]]:
    """(key, latest name) of every check item in any catalogue version, in catalogue order."""
    return list(_latest_names(_catalogue_items()).items())


def visit_years() -> list[int]:
    """The years from the latest visit's back to the first visit's, newest first: two index seeks (min and
    max of the visit date, each its own subquery: SQLite seeks for a lone min() or max() but scans the index for
    both in one SELECT), not a scan of every visit's date. A year between them with no visit is listed too."""
    first, last = db.session.execute(select(select(func.min(Visit.visit_date)).scalar_subquery(),
                                            select(func.max(Visit.visit_date)).scalar_subquery())).one()
    if first is None:
        return []
    return list(range(last.year, first.year - 1, -1))


@dataclass
class ItemStats:
    key: str
    name: str
    seq: int
    problems: int = 0
    fixed: int = 0
    letter: int = 0
    ratings: dict[str, int] = field(default_factory=lambda: {r.value: 0 for r in Rating})

    @property
    def rated(self) -> int:
        return sum(v for k, v in self.ratings.items() if k != Rating.na.value)


def year_statistics(year: int) -> dict:
    """Problems per check item and ratings per item across units, from the submitted visits of `year`.

    Counted by the database (GROUP BY), not by loading the year's visits: a fixed handful of statements
    whatever the number of visits, problems and ratings.
    """
    from sqlalchemy import case, distinct

    in_year = (Visit.status == VisitStatus.submitted.value,
               Visit.visit_date >= date(year, 1, 1), Visit.visit_date <= date(year, 12, 31))
    kinds = list(VisitKind)
    head = db.session.execute(
        select(func.count(), func.count(distinct(Visit.unit_id)),
               *[func.sum(case((Visit.kind == k.value, 1), else_=0)) for k in kinds]).where(*in_year)).one()
    used = set(db.session.scalars(select(Visit.catalogue_id).where(*in_year).distinct()))
    all_items = _catalogue_items()
    names = _latest_names(all_items)
    key_of = {item_id: key for _cat, item_id, key, _name, _seq in all_items}
    rows: OrderedDict[str, ItemStats] = OrderedDict()
    for cat_id, _id, key, name, seq in all_items:  # the catalogues the year's visits used, oldest first
        if cat_id in used:
            rows.setdefault(key, ItemStats(key=key, name=names.get(key, name), seq=seq))

    def row(item_id: int) -> ItemStats:
        key = key_of.get(item_id, str(item_id))
        return rows.setdefault(key, ItemStats(key=key, name=names.get(key, key), seq=99))

    ratings = db.session.execute(
        select(VisitRating.item_id, VisitRating.rating, func.count())
        .join(Visit, VisitRating.visit_id == Visit.id)
        .where(*in_year, VisitRating.rating != "")
        .group_by(VisitRating.item_id, VisitRating.rating))
    for item_id, rating, n in ratings:
        st = row(item_id)
        st.ratings[rating] = st.ratings.get(rating, 0) + n
    problems = db.session.execute(
        select(Problem.item_id, Problem.disposition, func.count())
        .join(Visit, Problem.visit_id == Visit.id)
        .where(*in_year)
        .group_by(Problem.item_id, Problem.disposition))
    for item_id, disposition, n in problems:
        st = row(item_id)
        st.problems += n
        if disposition == Disposition.fixed.value:
            st.fixed += n
        else:
            st.letter += n
    items = sorted(rows.values(), key=lambda s: s.seq)
    return {
        "year": year,
        "visits": head[0],
        "units": head[1],
        "items": items,
        "problems": sum(s.problems for s in items),
        "fixed": sum(s.fixed for s in items),
        "letter": sum(s.letter for s in items),
        "by_kind": {k.label: int(n or 0) for k, n in zip(kinds, head[2:], strict=True)},
    }


def bar_chart(stats: dict, width: int = 720) -> dict:
    """Geometry of a horizontal bar chart (problems per item, split by disposition) for a server-side SVG."""
    items = stats["items"]
    label_w, bar_h, gap, top = 170, 22, 10, 30
    plot_w = width - label_w - 60
    peak = max((s.problems for s in items), default=0) or 1
    bars = []
    for i, s in enumerate(items):
        y = top + i * (bar_h + gap)
        fixed_w = round(plot_w * s.fixed / peak, 1)
        letter_w = round(plot_w * s.letter / peak, 1)
        bars.append({"label": s.name, "y": y, "text_y": y + bar_h * 0.7, "fixed_w": fixed_w,
                     "letter_x": label_w + fixed_w, "letter_w": letter_w, "total": s.problems,
                     "total_x": label_w + fixed_w + letter_w + 6, "fixed": s.fixed, "letter": s.letter})
    height = top + len(items) * (bar_h + gap) + 10
    ticks = []
    step = max(1, -(-peak // 5))
    for t in range(0, peak + 1, step):
        ticks.append({"x": round(label_w + plot_w * t / peak, 1), "value": t})
    return {"width": width, "height": height, "label_w": label_w, "bar_h": bar_h, "bars": bars,
            "ticks": ticks, "top": top, "bottom": height - 10}


def rating_chart(stats: dict, width: int = 720) -> dict:
    """Geometry of stacked bars: for each item, how many visits rated it 优/良/中/差/不适用."""
    items = stats["items"]
    label_w, bar_h, gap, top = 170, 22, 10, 30
    plot_w = width - label_w - 20
    peak = max((sum(s.ratings.values()) for s in items), default=0) or 1
    colours = {"excellent": "#198754", "good": "#0d6efd", "fair": "#ffc107", "poor": "#dc3545", "na": "#adb5bd"}
    rows = []
    for i, s in enumerate(items):
        y = top + i * (bar_h + gap)
        x = label_w
        segs = []
        for r in Rating:
            n = s.ratings[r.value]
            w = round(plot_w * n / peak, 1)
            if n:
                segs.append({"x": x, "w": w, "fill": colours[r.value], "n": n, "label": r.label,
                             "text_x": x + w / 2})
            x += w
        rows.append({"label": s.name, "y": y, "text_y": y + bar_h * 0.7, "segs": segs})
    legend = [{"x": label_w + i * 90, "fill": colours[r.value], "label": r.label} for i, r in enumerate(Rating)]
    return {"width": width, "height": top + len(items) * (bar_h + gap) + 10, "bar_h": bar_h, "rows": rows,
            "legend": legend, "label_w": label_w}
