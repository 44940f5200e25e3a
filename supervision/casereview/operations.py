"""Changing 案卷评查: the standard and its versions (.xlsx in and out), campaigns and their sampling, the case
files units list, reviews, and the problems recorded as a 案卷评查 visit of the unit.

Every function checks its rule, writes the audit entry and flushes at most; the request (or the command) commits.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, update

from .. import audit
from ..accounts.models import Role, User
from ..directory.models import Unit
from ..extensions import db
from ..policy import can
from ..timeutil import cn_date, cn_datetime, today, utcnow
from ..uploads import CheckedFile, PDF, UploadError, attachments_for, delete_attachment, store
from ..visits import operations as visits
from ..visits.models import Disposition, Method, Rating, VisitKind
from . import access  # noqa: F401  (declares the rules asked below)
from . import standard_data
from .models import (Campaign, CampaignStatus, CampaignUnit, CaseFile, CaseStandard, Deduction, Dimension,
                     DimensionMapping, StandardItem)

CASE_FILE_OWNER = "case_file"
STANDARD_HEADERS = ("序号", "评查方面", "评查内容", "分值", "严重问题")
MAX_POINTS_TOTAL = 100


class CaseReviewError(ValueError):
    """A rule was broken; the message is for the user."""


class CaseReviewInvalid(CaseReviewError):
    """Input that cannot be saved. `errors` maps form field names to messages (key "" for the whole form)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("；".join(errors.values()))


class CaseReviewConflict(CaseReviewError):
    """Another reviewer saved this case's review since the form was opened."""

    def __init__(self, case: CaseFile, by: str = "", at=None):
        self.case = case
        who = by or "其他评查人员"
        when = f"于{cn_datetime(at)}" if at else ""
        super().__init__(f"保存被拒绝：{who}{when}已保存了这本案卷的评查结果，您看到的是旧版本。"
                         "您填写的内容仍保留在下方；请先核对对方的评分，确认后再次保存将以您的内容为准。")


# --- the standard ---------------------------------------------------------------------------------

@dataclass
class StandardRow:
    dimension: str
    name: str
    points: int
    serious: bool


def shipped_standard() -> CaseStandard:
    """The shipped standard as an unsaved version 1 (what the pages show before the first campaign saves it)."""
    std = CaseStandard(version=1, title=standard_data.TITLE, note=f"依据{standard_data.SOURCE}。")
    for seq, (dim, name, points, serious) in enumerate(standard_data.ITEMS, start=1):
        std.items.append(StandardItem(seq=seq, dimension=dim, name=name, points=points, serious=serious))
    return std


def ensure_default_standard() -> CaseStandard:
    """The shipped standard as version 1 when no standard exists. Idempotent."""
    existing = db.session.query(CaseStandard).order_by(CaseStandard.version).first()
    if existing is not None:
        return existing
    std = shipped_standard()
    db.session.add(std)
    db.session.flush()
    return std


def current_standard() -> CaseStandard:
    ensure_default_standard()
    return db.session.query(CaseStandard).order_by(CaseStandard.version.desc()).first()


def standard_xlsx(std: CaseStandard) -> bytes:
    """The standard as an .xlsx that import_standard reads back unchanged."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "评查标准"
    ws.append(list(STANDARD_HEADERS))
    for it in std.items:
        ws.append([it.seq, it.dimension_label, it.name, it.points, "是" if it.serious else "否"])
    for col, width in zip("ABCDE", (6, 12, 50, 6, 10)):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def parse_standard_xlsx(data: bytes) -> list[StandardRow]:
    """Read a standard sheet. Every bad row is named by its row and column; nothing is returned unless all
    rows are good (CaseReviewInvalid otherwise)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file is the same answer for the user
        raise CaseReviewInvalid({"file": "无法读取该文件：请上传由本系统导出或按相同格式填写的 .xlsx 表格。"}) from None
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    if not rows or [str(c or "").strip() for c in rows[0][:5]] != list(STANDARD_HEADERS):
        raise CaseReviewInvalid({"file": "第1行应为表头：" + "、".join(STANDARD_HEADERS) + "。"})
    by_label = {d.label: d.value for d in Dimension}
    errors: list[str] = []
    out: list[StandardRow] = []
    for n, raw in enumerate(rows[1:], start=2):
        cells = list(raw[:5]) + [None] * (5 - len(raw[:5]))
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        _seq, dim, name, points, serious = cells
        dim_s, name_s = str(dim or "").strip(), str(name or "").strip()
        if dim_s not in by_label:
            errors.append(f"第{n}行B列（评查方面）：“{dim_s or '空'}”不是" + "、".join(by_label) + "之一。")
        if not name_s:
            errors.append(f"第{n}行C列（评查内容）：不能为空。")
        elif len(name_s) > 300:
            errors.append(f"第{n}行C列（评查内容）：不超过300字。")
        try:
            pts = int(str(points).strip()) if points is not None and float(str(points).strip()).is_integer() else None
        except ValueError:
            pts = None
        if pts is None or not 1 <= pts <= MAX_POINTS_TOTAL:
            errors.append(f"第{n}行D列（分值）：应为1至100之间的整数。")
        serious_s = str(serious or "").strip()
        if serious_s not in ("是", "否", ""):
            errors.append(f"第{n}行E列（严重问题）：应填“是”或“否”。")
        if not errors:
            out.append(StandardRow(by_label[dim_s], name_s, pts, serious_s == "是"))
    if not errors:
        if not out:
            errors.append("表格中没有评查内容。")
        elif sum(r.points for r in out) != MAX_POINTS_TOTAL:
            errors.append(f"各项分值合计为{sum(r.points for r in out)}分，应为100分。")
    if errors:
        raise CaseReviewInvalid({"file": "；".join(errors[:20]) + ("……" if len(errors) > 20 else "")})
    return out


def import_standard(data: bytes, user, note: str = "") -> CaseStandard:
    """A new version of the standard from an .xlsx; campaigns keep the version they were started with."""
    rows = parse_standard_xlsx(data)
    last = db.session.query(func.max(CaseStandard.version)).scalar() or 0
    std = CaseStandard(version=last + 1, title=standard_data.TITLE, note=(note or "").strip()[:500],
                       created_by_id=user.id if user is not None else None)
    for seq, r in enumerate(rows, start=1):
        std.items.append(StandardItem(seq=seq, dimension=r.dimension, name=r.name, points=r.points,
                                      serious=r.serious))
    db.session.add(std)
    db.session.flush()
    audit.record("create", std, summary=f"导入案卷评查标准 {std.label}（{len(rows)}项）", user=user,
                 after={"version": std.version, "items": [[i.dimension_label, i.name, i.points, i.serious]
                                                          for i in std.items]})
    return std


# --- campaigns ------------------------------------------------------------------------------------

def sample_units(unit_ids, size: int, seed: int) -> list[int]:
    """`size` of `unit_ids` at random, the same ones for the same seed and units (ids sorted first)."""
    pool = sorted(set(unit_ids))
    if size >= len(pool):
        return pool
    return sorted(random.Random(seed).sample(pool, size))


@dataclass
class CampaignInput:
    name: str = ""
    period_start: date | None = None
    period_end: date | None = None
    unit_ids: list[int] | None = None  # chosen units; None with sample_size: random
    sample_size: int | None = None
    sample_seed: int | None = None
    reviewer_ids: list[int] | None = None
    threshold: int = 60
    cases_per_unit: int = 5


def create_campaign(data: CampaignInput, user) -> Campaign:
    errors = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = "请填写评查名称。"
    elif len(name) > 200:
        errors["name"] = "评查名称不超过200字。"
    if data.period_start is None or data.period_end is None:
        errors["period"] = "请填写案卷办结的起止日期。"
    elif data.period_start > data.period_end:
        errors["period"] = "办结日期的起始日不能晚于截止日。"
    if not 0 <= int(data.threshold) <= 100:
        errors["threshold"] = "合格分数线应在0至100之间。"
    if not 1 <= int(data.cases_per_unit) <= 200:
        errors["cases_per_unit"] = "每个单位报送的案卷数应在1至200之间。"
    active = [uid for (uid,) in db.session.query(Unit.id).filter(Unit.active.is_(True))]
    if data.unit_ids:
        unit_ids = sorted(set(data.unit_ids))
        if not set(unit_ids) <= set(active):
            errors["unit_ids"] = "所选单位不存在或已停用。"
        seed = None
    elif data.sample_size:
        if not 1 <= data.sample_size <= len(active):
            errors["sample_size"] = f"随机抽取的单位数应在1至{len(active)}之间。"
        seed = data.sample_seed if data.sample_seed is not None else random.SystemRandom().randrange(1, 10 ** 9)
        unit_ids = sample_units(active, data.sample_size, seed)
    else:
        errors["unit_ids"] = "请选择参加评查的单位，或填写随机抽取的单位数。"
        unit_ids, seed = [], None
    reviewers = []
    if data.reviewer_ids:
        reviewers = db.session.query(User).filter(User.id.in_(data.reviewer_ids), User.active.is_(True),
                                                  User.role.in_((Role.inspector.value, Role.admin.value))).all()
    if not reviewers or len(reviewers) != len(set(data.reviewer_ids or [])):
        errors["reviewer_ids"] = "请选择评查人员（检查人员账号）。"
    if errors:
        raise CaseReviewInvalid(errors)
    camp = Campaign(name=name, period_start=data.period_start, period_end=data.period_end,
                    standard_id=current_standard().id, threshold=int(data.threshold),
                    cases_per_unit=int(data.cases_per_unit), sample_seed=seed,
                    sample_size=data.sample_size if seed is not None else None,
                    status=CampaignStatus.open.value, created_by_id=user.id if user is not None else None)
    camp.reviewers = reviewers
    for uid in unit_ids:
        camp.units.append(CampaignUnit(unit_id=uid))
    for dim, key in standard_data.DEFAULT_MAPPING.items():
        camp.mappings.append(DimensionMapping(dimension=dim, item_key=key))
    db.session.add(camp)
    db.session.flush()
    audit.record("create", camp, summary=f"新建案卷评查：{name}", user=user, after=campaign_snapshot(camp))
    return camp


def campaign_snapshot(camp: Campaign) -> dict:
    return {"name": camp.name, "period_start": camp.period_start, "period_end": camp.period_end,
            "standard": camp.standard.label if camp.standard else camp.standard_id, "threshold": camp.threshold,
            "cases_per_unit": camp.cases_per_unit, "sample_seed": camp.sample_seed, "sample_size": camp.sample_size,
            "units": [cu.unit.name for cu in camp.units], "reviewers": [u.display_name for u in camp.reviewers]}


def set_mapping(camp: Campaign, mapping: dict[str, str], user, items: dict[str, str]) -> None:
    """Which check item (`items`: key → name, the catalogue in force) each dimension's problems go under."""
    bad = [Dimension.label_of(d) for d, k in mapping.items() if d not in {x.value for x in Dimension} or k not in items]
    if bad:
        raise CaseReviewInvalid({"mapping": "、".join(bad) + "：请选择检查项目。"})

    def named(rows):
        return {Dimension.label_of(d): items.get(k, k) for d, k in rows}

    before = named((m.dimension, m.item_key) for m in camp.mappings)
    by_dim = {m.dimension: m for m in camp.mappings}
    for dim, key in mapping.items():
        if dim in by_dim:
            by_dim[dim].item_key = key
        else:
            camp.mappings.append(DimensionMapping(dimension=dim, item_key=key))
    db.session.flush()
    audit.record("case_mapping", camp, summary=f"修改案卷评查问题归入的检查项目：{camp.name}", user=user,
                 before=before, after=named((m.dimension, m.item_key) for m in camp.mappings))


def close_campaign(camp: Campaign, user) -> None:
    if not camp.is_open:
        raise CaseReviewError("这次评查已经结束。")
    camp.status = CampaignStatus.closed.value
    db.session.flush()
    audit.record("case_close", camp, summary=f"结束案卷评查：{camp.name}", user=user,
                 before={"status": CampaignStatus.open.value}, after={"status": camp.status})


# --- case files (by the units) --------------------------------------------------------------------

@dataclass
class CaseInput:
    number: str = ""
    party: str = ""
    cause: str = ""
    closed_on: date | None = None
    closed_on_raw: str = ""
    major: bool = False


def _campaign_unit(camp: Campaign, unit_id: int) -> CampaignUnit | None:
    return next((cu for cu in camp.units if cu.unit_id == unit_id), None)


def add_case(camp: Campaign, unit: Unit, data: CaseInput, user, file: CheckedFile | None = None) -> CaseFile:
    """A unit lists one case file asked for (with its PDF, optionally)."""
    cu = _campaign_unit(camp, unit.id)
    if cu is None:
        raise CaseReviewError(f"“{unit.name}”不在这次评查的抽查单位中。")
    if not camp.is_open:
        raise CaseReviewError("这次评查已经结束，不能再报送案卷。")
    if cu.visit_id is not None:
        raise CaseReviewError("本单位的评查结果已转为检查记录，不能再报送案卷。")
    errors = {}
    number, party, cause = (data.number or "").strip(), (data.party or "").strip(), (data.cause or "").strip()
    if not number:
        errors["number"] = "请填写案号或决定书文号。"
    elif len(number) > 200:
        errors["number"] = "案号不超过200字。"
    elif db.session.query(CaseFile.id).filter_by(campaign_id=camp.id, unit_id=unit.id, number=number).first():
        errors["number"] = f"案号“{number}”本次已经报送过了。"
    if not party:
        errors["party"] = "请填写当事人。"
    elif len(party) > 200:
        errors["party"] = "当事人不超过200字。"
    if not cause:
        errors["cause"] = "请填写案由。"
    elif len(cause) > 300:
        errors["cause"] = "案由不超过300字。"
    if data.closed_on is None:
        errors["closed_on"] = ("办结日期格式不对，请按2021-04-09填写。" if data.closed_on_raw.strip()
                               else "请填写办结日期。")
    elif not camp.period_start <= data.closed_on <= camp.period_end:
        errors["closed_on"] = (f"办结日期应在{cn_date(camp.period_start)}至{cn_date(camp.period_end)}之间"
                               "（本次评查的案卷范围）。")
    if file is not None and file.kind != PDF:
        errors["file"] = f"“{file.original_name}”不是 PDF 文件，案卷请上传 PDF 扫描件。"
    listed = db.session.query(func.count(CaseFile.id)).filter_by(campaign_id=camp.id, unit_id=unit.id).scalar()
    if listed >= camp.cases_per_unit:
        errors[""] = f"本次评查每个单位报送{camp.cases_per_unit}本案卷，已经报满。"
    if errors:
        raise CaseReviewInvalid(errors)
    case = CaseFile(campaign_id=camp.id, unit_id=unit.id, number=number, party=party, cause=cause,
                    closed_on=data.closed_on, major=bool(data.major), created_by_id=user.id if user else None)
    db.session.add(case)
    db.session.flush()
    if file is not None:
        store(file, CASE_FILE_OWNER, case.id, user=user)
    audit.record("create", case, summary=f"报送评查案卷：{unit.name} {number}", user=user, after=case_snapshot(case))
    return case


def case_snapshot(case: CaseFile) -> dict:
    return {"number": case.number, "party": case.party, "cause": case.cause, "closed_on": case.closed_on,
            "major": case.major}


def delete_case(case: CaseFile, user) -> None:
    """A unit takes back a case file not reviewed yet."""
    if case.is_reviewed:
        raise CaseReviewError("这本案卷已经评查，不能撤回。")
    if not case.campaign.is_open:
        raise CaseReviewError("这次评查已经结束。")
    for att in attachments_for(CASE_FILE_OWNER, case.id):
        delete_attachment(att)
    audit.record("delete", case, summary=f"撤回评查案卷：{case.unit.name} {case.number}", user=user,
                 before=case_snapshot(case))
    db.session.delete(case)
    db.session.flush()


# --- reviews --------------------------------------------------------------------------------------

@dataclass
class DeductionInput:
    points: str = ""
    note: str = ""
    as_problem: bool = False


def _claim_version(case: CaseFile, expected_version: int | None) -> None:
    """Bump the version only if nobody saved since `expected_version` was read (atomic compare-and-set)."""
    if expected_version is None:
        expected_version = case.version
    if case.version != expected_version:
        raise _conflict(case)
    result = db.session.execute(
        update(CaseFile).where(CaseFile.id == case.id, CaseFile.version == expected_version)
        .values(version=expected_version + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.expire(case, ["version"])
        raise _conflict(case)
    case.version = expected_version + 1


def _conflict(case: CaseFile) -> CaseReviewConflict:
    last = (db.session.query(audit.AuditEntry).filter_by(record_type="case_file", record_id=case.id)
            .order_by(audit.AuditEntry.id.desc()).first())
    return CaseReviewConflict(case, by=last.username if last else "", at=last.at if last else None)


def deductions_snapshot(case: CaseFile) -> dict:
    return {"deductions": [[d.item.name, d.points, d.note, d.as_problem] for d in case.deductions],
            "review_note": case.review_note}


def save_review(case: CaseFile, entries: dict[int, DeductionInput], user, note: str = "",
                expected_version: int | None = None) -> CaseFile:
    """Score a case item by item: `entries` maps standard item id → the points taken off (blank or 0: none),
    a note (required for a deduction) and 列为问题. Raises CaseReviewInvalid (nothing changed) or
    CaseReviewConflict (another reviewer saved first)."""
    camp = case.campaign
    if not can("casereview.score", camp, user=user):
        raise CaseReviewError("只有这次评查的评查人员或管理员可以评分。")
    if not camp.is_open:
        raise CaseReviewError("这次评查已经结束，不能再评分。")
    cu = _campaign_unit(camp, case.unit_id)
    if cu is not None and cu.visit_id is not None:
        raise CaseReviewError("本单位的评查结果已转为检查记录，评分不能再修改。")
    items = {i.id: i for i in camp.standard.items}
    errors, clean = {}, {}
    for item_id, e in entries.items():
        item = items.get(item_id)
        if item is None:
            errors[f"points-{item_id}"] = "评查内容与本次评查标准不符。"
            continue
        raw = (e.points or "").strip()
        if not raw or raw == "0":
            continue
        try:
            pts = int(raw)
        except ValueError:
            errors[f"points-{item_id}"] = f"第{item.seq}项“{item.name}”：扣分应为整数。"
            continue
        if not 1 <= pts <= item.points:
            errors[f"points-{item_id}"] = f"第{item.seq}项“{item.name}”：扣分应在1至{item.points}分之间。"
            continue
        if not (e.note or "").strip():
            errors[f"note-{item_id}"] = f"第{item.seq}项“{item.name}”扣了{pts}分，请写明扣分理由。"
            continue
        clean[item_id] = (pts, e.note.strip(), bool(e.as_problem))
    if errors:
        raise CaseReviewInvalid(errors)
    _claim_version(case, expected_version)
    before = deductions_snapshot(case) if case.is_reviewed else None
    existing = {d.item_id: d for d in case.deductions}
    for item_id, d in existing.items():
        if item_id not in clean:
            case.deductions.remove(d)
    for item_id, (pts, text, as_problem) in clean.items():
        d = existing.get(item_id)
        if d is None:
            case.deductions.append(Deduction(item_id=item_id, item=items[item_id], points=pts, note=text,
                                             as_problem=as_problem))
        else:
            d.points, d.note, d.as_problem = pts, text, as_problem
    case.review_note = (note or "").strip()
    case.reviewed_at = utcnow()
    case.reviewed_by_id = user.id if user is not None else None
    db.session.flush()
    total = camp.standard.total_points - sum(p for p, _t, _a in clean.values())
    audit.record("case_review", case, summary=f"评查案卷：{case.unit.name} {case.number}，{total}分", user=user,
                 before=before, after=deductions_snapshot(case))
    return case


# --- problems → a 案卷评查 visit ------------------------------------------------------------------

def record_problems(cu: CampaignUnit, user) -> "visits.Visit":
    """Record the unit's results as one submitted 案卷评查 visit: method 调阅案卷, the case files reviewed, one
    problem (需下达意见书) per deduction marked 列为问题 under its dimension's check item. The office then drafts
    the letter from that visit as from any other. The unit's scores are frozen from here on."""
    camp = cu.campaign
    if cu.visit_id is not None:
        raise CaseReviewError(f"“{cu.unit.name}”的评查结果已转为检查记录。")
    cases = (db.session.query(CaseFile).filter_by(campaign_id=camp.id, unit_id=cu.unit_id)
             .order_by(CaseFile.id).all())
    if not cases:
        raise CaseReviewError(f"“{cu.unit.name}”还没有报送案卷。")
    waiting = [c.number for c in cases if not c.is_reviewed]
    if waiting:
        raise CaseReviewError(f"“{cu.unit.name}”还有案卷未评查：" + "、".join(waiting[:5]) + "。")
    reviewer_ids = {c.reviewed_by_id for c in cases}
    inspectors = [u for u in camp.reviewers if u.id in reviewer_ids] or list(camp.reviewers)
    visit = visits.create_visit(kind=VisitKind.case_review, unit=cu.unit, visit_date=today(), user=user,
                                inspectors=inspectors, subject=camp.name, enforce_plan=False)
    catalogue = {it.key: it for it in visit.catalogue.items}
    visit.methods = Method.case_files.value
    visit.case_files = "\n".join(c.number for c in cases)
    total = camp.standard.total_points
    scores = [total - sum(d.points for d in c.deductions) for c in cases]
    failed = sum(1 for c, s in zip(cases, scores) if s < camp.threshold or any(d.item.serious for d in c.deductions))
    visit.summary = (f"{camp.name}：评查{cu.unit.name}办结的案卷{len(cases)}本，平均{sum(scores) / len(scores):.1f}分，"
                     f"最低{min(scores)}分，不合格{failed}本。")
    worst: dict[int, str] = {}  # check item id → 差 (a 严重问题) or 中
    for c in cases:
        for d in c.deductions:
            if not d.as_problem:
                continue
            item = catalogue.get(camp.item_key_for(d.item.dimension)) or catalogue.get("other")
            if item is None:
                raise CaseReviewError("检查内容目录中找不到问题应归入的检查项目，请先在本次评查中设置。")
            prob = visits.add_problem(
                visit, item=item, disposition=Disposition.letter,
                description=f"{d.item.dimension_label}：{d.item.name}。{d.note}",
                case_file=c.number, evidence=f"案卷{c.number}（{c.cause}），扣{d.points}分", user=user)
            d.problem_id = prob.id
            grade = Rating.poor.value if d.item.serious else Rating.fair.value
            if worst.get(item.id) != Rating.poor.value:
                worst[item.id] = grade
    mapped = {catalogue[k].id for k in (m.item_key for m in camp.mappings) if k in catalogue}
    for item in visit.catalogue.items:
        if item.id in worst:
            rating, note = worst[item.id], "案卷评查发现问题"
        elif item.id in mapped:
            rating, note = Rating.excellent.value, "案卷评查未发现问题"
        else:
            rating, note = Rating.na.value, "案卷评查不涉及"
        visits.rate_item(visit, item, rating, note, user=user)
    visits.submit_visit(visit, user)
    cu.visit_id = visit.id
    db.session.flush()
    audit.record("case_record", camp, summary=f"案卷评查结果转为检查记录：{cu.unit.name}，问题{len(visit.problems)}个",
                 user=user, after={"unit": cu.unit.name, "visit_id": visit.id, "problems": len(visit.problems)})
    return visit
