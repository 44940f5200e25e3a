"""Changing visits: the catalogue and its versions, draft → submit → amend, problems and their evidence.

Every function checks its rule, writes the audit entry and flushes at most; the request (or the command) commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, update

from .. import audit
from ..accounts.models import Role, User
from ..directory.models import Unit
from ..extensions import db
from ..labels import quoted
from ..policy import can
from ..timeutil import cn_datetime, utcnow
from ..uploads import CheckedFile, attachments_for, delete_attachment, store
from . import catalogue_data
from .access import INSPECTOR_ROLES
from .models import (CheckCatalogue, CheckItem, CheckSubpoint, Disposition, Method, Problem, Rating,
                     Visit, VisitKind, VisitRating, VisitStatus)
from .queries import _letter_of, date_warning, eligible_inspectors, find_slot_for, open_visit_for_slot, plan_exists

PROBLEM_OWNER = "problem"


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
        who = f"{by}" if by else "其他人"
        when = f"于{cn_datetime(at)}" if at else ""
        super().__init__(
            f"保存被拒绝：{who}{when}已修改并保存了这份检查记录，您看到的是旧版本。"
            "您填写的内容仍保留在下方；请先打开“查看最新内容”核对对方的修改，确认后再次保存将以您的内容为准。")


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


def require_inspector(user, visit: Visit) -> None:
    """VisitForbidden unless `user` may change the visit (the "visits.change" rule). user=None is the system
    (demo data, commands)."""
    if user is not None and not can("visits.change", visit, user=user):
        raise VisitForbidden("只有本次检查的检查人员或管理员可以修改这份检查记录（包括其中的问题和佐证材料）。")
