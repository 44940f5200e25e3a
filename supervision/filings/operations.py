"""Writes of the filing registers. Each checks its rule, changes state, writes the audit entry and a history
event, and flushes; the request (or the command) commits once.

备案号 are gap-free per kind and year and safe under concurrency, as letter numbers are
(letters.operations.issue_letter): the settings row is locked before counting, and each attempt runs in a
savepoint that a clash over the number (the unique (year, seq)) undoes and retries.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .. import audit, timeutil
from ..accounts.models import Role, User
from ..directory.models import Unit
from ..extensions import db
from ..letters import operations as letters_ops
from ..letters.models import LetterType
from ..letters.papertext import normalise
from ..policy import can
from ..uploads import PDF, DOC, DOCX, CheckedFile, UploadError, attachments_for, check_unit_daily_quota, store
from ..visits import operations as visits_ops
from ..visits.models import Disposition, Method, Rating, VisitKind
from . import access as _access  # noqa: F401  (the rules asked below)
from .errors import FilingError
from .models import (FilingEvent, FilingSettings, NormativeDecision, NormativeFiling, NormativeStatus, PartyKind,
                     PenaltyDecision, PenaltyFiling, PenaltyStatus, Source, Validity)
from .queries import filing_for_decision

# The materials of each kind: (owner type of the attachment, label). All three required for a 重大行政处罚备案.
PENALTY_MATERIALS = (("pf_report", "重大行政处罚备案报告"), ("pf_decision", "行政处罚决定书复印件"),
                     ("pf_form", "重大行政处罚备案表"))
PAPER_SCAN = ("pf_scan", "纸质备案材料扫描件")
NORMATIVE_MATERIALS = (("nf_text", "规范性文件文本"), ("nf_explanation", "起草说明"), ("nf_basis", "制定依据"))
MATERIAL_LABELS = dict(PENALTY_MATERIALS + NORMATIVE_MATERIALS + (PAPER_SCAN,))

PENALTY_ITEM_KEY = "major_penalty_filing"  # check item 四
NORMATIVE_ITEM_KEY = "normative_documents"  # check item 六
NUMBER_ATTEMPTS = 8

# 身份证号 (18 or 15 digits) or a 统一社会信用代码 (18 characters): never shown in full, never in a visible field.
ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15}|[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})"
                   r"(?![0-9A-Za-z])")


def mask_id(raw: str) -> str:
    """4104**********1234: the first four and last four characters, the rest hidden."""
    raw = re.sub(r"\s", "", raw or "")
    if not raw:
        return ""
    if len(raw) <= 8:
        return "*" * len(raw)
    return raw[:4] + "*" * (len(raw) - 8) + raw[-4:]


def has_id_number(text: str) -> bool:
    return bool(ID_RE.search(re.sub(r"\s", "", text or "")))


def mask_ids_in(text: str) -> str:
    """The text with every ID number in it masked: what a refused form shows back instead of the number."""
    return ID_RE.sub(lambda m: mask_id(m.group(0)), text or "")


def _refuse_ids(values: dict, labels: dict, errors: dict) -> None:
    for name, label in labels.items():
        if has_id_number(values.get(name) or ""):
            errors[name] = (f"{label}中含有身份证号或统一社会信用代码。证件号码请只填在“证件号码”一栏"
                            "（保存时自动遮挡），不要写在其他栏目中。")


def _audit(action: str, *args, **kw):
    """An audit entry of this part: its actions are named filing.* (labels.py), clear of the other parts'."""
    return audit.record(f"filing.{action}", *args, **kw)


def _event(filing, action: str, user: User | None, reason: str = "") -> FilingEvent:
    ev = FilingEvent(filing_kind=filing.kind, filing_id=filing.id, action=action, reason=reason,
                     user_id=user.id if user is not None else None, at=timeutil.utcnow())
    db.session.add(ev)
    return ev


def _parse_date(raw, label: str, name: str, errors: dict, required: bool = True) -> date | None:
    if isinstance(raw, date):
        return raw
    raw = (raw or "").strip()
    if not raw:
        if required:
            errors[name] = f"请填写{label}。"
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"{label}“{raw}”不是有效日期，请按“年-月-日”填写，例如 2026-09-22。"
        return None


def _text(data: dict, name: str, limit: int) -> str:
    return normalise(str(data.get(name) or "")).replace("\n", " ").strip()[:limit]


# --- settings -----------------------------------------------------------------------------------------------------

def ensure_settings() -> FilingSettings:
    s = db.session.query(FilingSettings).order_by(FilingSettings.id).first()
    if s is None:
        s = FilingSettings()
        db.session.add(s)
        db.session.flush()
    return s


def update_settings(data: dict, user: User) -> FilingSettings:
    if not can("filings.settings", user=user):
        raise FilingError("只有监督室管理员可以修改备案设置。")
    errors = {}
    values = {}
    for name, label in (("penalty_days", "重大行政处罚备案期限"), ("normative_days", "规范性文件备案期限")):
        raw = str(data.get(name) or "").strip()
        try:
            values[name] = int(raw)
            if not 1 <= values[name] <= 365:
                raise ValueError
        except ValueError:
            errors[name] = f"{label}应为1至365之间的整数（日）。"
    if errors:
        raise FilingError(errors)
    s = ensure_settings()
    before = audit.snapshot(s, ("penalty_days", "normative_days"))
    s.penalty_days, s.normative_days = values["penalty_days"], values["normative_days"]
    s.updated_at = timeutil.utcnow()
    db.session.flush()
    _audit("update", s, summary="修改备案期限设置", before=before,
                 after=audit.snapshot(s, ("penalty_days", "normative_days")), user=user)
    return s


# --- materials ------------------------------------------------------------------------------------------------

def check_material(file_storage, label: str, kinds=(PDF,)) -> CheckedFile | None:
    """One uploaded material, checked like every upload and required to be a PDF (or Word where allowed)."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        return None
    from ..uploads import check_upload

    checked = check_upload(file_storage)
    if checked.kind not in kinds:
        allowed = "PDF" if kinds == (PDF,) else "PDF 或 Word"
        raise UploadError(f"{label}应为 {allowed} 文件，“{checked.original_name}”是{checked.kind.label}。")
    return checked


def _store_materials(filing, owner_types, new: dict, user: User) -> None:
    """Store new files (replacing the material's earlier file)."""
    files = [f for f in new.values() if f is not None]
    if user is not None and user.role == Role.unit.value and files:
        check_unit_daily_quota(select(User.id).where(User.unit_id == user.unit_id), files)
    for owner, checked in new.items():
        if checked is None:
            continue
        for old in attachments_for(owner, filing.id):
            from ..uploads import delete_attachment

            delete_attachment(old)
        store(checked, owner, filing.id, user=user, note=MATERIAL_LABELS.get(owner, ""))


def _missing_materials(filing, materials, new: dict) -> dict[str, str]:
    out = {}
    for owner, label in materials:
        if new.get(owner) is None and not attachments_for(owner, filing.id):
            out[owner] = f"请上传{label}（PDF）。"
    return out


# --- 重大行政处罚备案: the unit ----------------------------------------------------------------------------------

PENALTY_TEXT_FIELDS = {"decision_number": "决定书文号", "party_name": "当事人", "cause": "案由",
                       "penalty": "处罚种类和金额"}
PENALTY_FIELDS = ("decision_number", "party_kind", "party_name", "party_id_masked", "cause", "penalty",
                  "decision_date", "filed_on", "status")


def _clean_penalty(data: dict, unit_id: int, existing: PenaltyFiling | None, *, today: date) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    v = {name: _text(data, name, 300 if name in ("cause", "penalty") else 200) for name in PENALTY_TEXT_FIELDS}
    v["decision_number"] = v["decision_number"][:100]
    for name, label in PENALTY_TEXT_FIELDS.items():
        if not v[name]:
            errors[name] = f"请填写{label}。"
    _refuse_ids(v, PENALTY_TEXT_FIELDS, errors)
    kind = data.get("party_kind") or PartyKind.person.value
    if kind not in {k.value for k in PartyKind}:
        errors["party_kind"] = "请选择当事人类型：公民，或法人或其他组织。"
    v["party_kind"] = kind
    raw_id = re.sub(r"\s", "", str(data.get("party_id") or ""))
    if raw_id and not re.fullmatch(r"[0-9A-Za-z]{8,20}", raw_id):
        errors["party_id"] = "证件号码只能由数字和字母组成（8至20位），请核对。"
    v["party_id"] = raw_id
    v["decision_date"] = _parse_date(data.get("decision_date"), "决定日期", "decision_date", errors)
    if v["decision_date"] is not None and v["decision_date"] > today:
        errors["decision_date"] = (f"决定日期{timeutil.cn_date(v['decision_date'])}晚于今天"
                                   f"（{timeutil.cn_date(today)}），请核对。")
    if v["decision_number"] and "decision_number" not in errors:
        clash = filing_for_decision(unit_id, v["decision_number"])
        if clash is not None and clash is not existing:
            errors["decision_number"] = (f"本单位已报送过决定书文号为“{v['decision_number']}”的备案"
                                         f"（{clash.status_label}），同一决定不能重复备案。")
    return v, errors


def _apply_penalty(f: PenaltyFiling, v: dict) -> None:
    for name in ("decision_number", "party_kind", "party_name", "cause", "penalty", "decision_date"):
        setattr(f, name, v[name])
    if v["party_id"]:
        f.party_id_masked = mask_id(v["party_id"])  # the full number is never stored


def _check_unit_may_save(filing, user: User, unit_id: int | None) -> None:
    """Only a unit's user saves a filing, only for its own unit, and only while the filing is the unit's to edit."""
    if user.role != Role.unit.value or user.unit_id is None:
        raise FilingError("只有受监督单位的用户可以报送备案。")
    if unit_id is not None and unit_id != user.unit_id:
        raise FilingError({"unit_id": "只能为本单位报送备案，不能替其他单位报送。"})
    if filing is not None:
        if not can("filings.file", filing, user=user):
            raise FilingError({"unit_id": "只能为本单位报送备案，不能修改其他单位的备案。"})
        if not filing.editable_by_unit:
            raise FilingError(f"这份备案{filing.status_label}，不能再修改。")


def save_penalty(filing: PenaltyFiling | None, data: dict, files: dict, user: User, *, submit: bool,
                 unit_id: int | None = None) -> PenaltyFiling:
    """A unit saves (and with submit=True, 报送 or after 补正 报送 again) a 重大行政处罚备案.

    data: decision_number, party_kind, party_name, party_id (masked before it is stored), cause, penalty,
    decision_date; files: {material owner type: CheckedFile or None}. unit_id: the unit the form posted (a
    different one from the user's is refused)."""
    _check_unit_may_save(filing, user, unit_id)
    today = timeutil.today()
    v, errors = _clean_penalty(data, user.unit_id, filing, today=today)
    if errors:
        raise FilingError(errors)
    created = filing is None
    if created:
        filing = PenaltyFiling(unit_id=user.unit_id, status=PenaltyStatus.draft.value, source=Source.online.value,
                               created_by_id=user.id, decision_number=v["decision_number"],
                               decision_date=v["decision_date"])
        db.session.add(filing)
    before = None if created else audit.snapshot(filing, PENALTY_FIELDS)
    _apply_penalty(filing, v)
    filing.updated_at = timeutil.utcnow()
    db.session.flush()
    if submit:
        missing = _missing_materials(filing, PENALTY_MATERIALS, files)
        if missing:
            raise FilingError(missing)
    _store_materials(filing, [m for m, _ in PENALTY_MATERIALS], files, user)
    action = "create" if created else "update"
    if submit:
        resubmit = filing.status == PenaltyStatus.returned.value
        filing.status = PenaltyStatus.submitted.value if filing.number is None else PenaltyStatus.registered.value
        if filing.filed_on is None:
            filing.filed_on = today  # the first 报送 decides on time; a 补正 does not move it
        filing.submitted_at = timeutil.utcnow()
        db.session.flush()
        _event(filing, "resubmit" if resubmit else "submit", user)
        action = "resubmit" if resubmit else "submit"
    _audit(action, filing, summary=f"{'报送' if submit else '保存'}重大行政处罚备案（{filing.decision_number}）",
                 before=before, after=audit.snapshot(filing, PENALTY_FIELDS), user=user)
    return filing


# --- the office -------------------------------------------------------------------------------------------------

def _lock_numbers() -> None:
    """Queue for the numbers: a no-op UPDATE of the settings row (its row lock on PostgreSQL, the write lock on
    SQLite) until commit, so concurrent registrations count one after the other."""
    s = ensure_settings()
    db.session.execute(update(FilingSettings).where(FilingSettings.id == s.id).values(id=FilingSettings.id)
                       .execution_options(synchronize_session=False))


def next_seq(model, year: int) -> int:
    """The next 备案号 of this register and year: numbers are never reused."""
    current = db.session.execute(select(func.max(model.seq)).where(model.year == year)).scalar()
    return (current or 0) + 1


NUMBER_PREFIX = {"penalty": "罚备", "normative": "规备"}


def filing_number(kind: str, year: int, seq: int) -> str:
    return f"{NUMBER_PREFIX[kind]}〔{year}〕{seq}号"


def _register_once(model, filing_id: int, user: User, day: date):
    filing = db.session.get(model, filing_id, populate_existing=True)
    if filing is None:
        raise FilingError("备案不存在。")
    if filing.number is not None:
        return filing  # registered already (a second click, another tab): the same number
    if filing.status != "submitted":
        raise FilingError(f"这份备案{filing.status_label}，不能登记。")
    _lock_numbers()
    seq = next_seq(model, day.year)
    number = filing_number(filing.kind, day.year, seq)
    result = db.session.execute(
        update(model).where(model.id == filing_id, model.number.is_(None))
        .values(year=day.year, seq=seq, number=number, status="registered", updated_at=timeutil.utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise IntegrityError("registered meanwhile", None, Exception())
    db.session.flush()
    db.session.refresh(filing)
    _event(filing, "register", user)
    _audit("register", filing, summary=f"登记{filing.display_name}", before={"status": "submitted"},
                 after={"status": "registered", "number": number}, user=user)
    return filing


def register(filing, user: User, day: date | None = None):
    """登记: give a submitted filing its 备案号. Safe when two admins (or two tabs) do it at once."""
    if not can("filings.manage", user=user):
        raise FilingError("只有监督室管理员可以登记备案。")
    model, fid = type(filing), filing.id
    day = day or timeutil.today()
    for _attempt in range(NUMBER_ATTEMPTS):
        try:
            with db.session.begin_nested():
                return _register_once(model, fid, user, day)
        except IntegrityError:
            continue
    raise FilingError("多人同时登记，备案号分配多次冲突，请稍后重试。")


def decide_penalty(filing: PenaltyFiling, decision: str, user: User, *, legality: str = "",
                   appropriateness: str = "", reason: str = "") -> PenaltyFiling:
    """The review: 合法性 and 适当性 noted; 予以备案, 要求补正 (back to the unit with the reasons) or 提出纠正意见
    (a draft 意见书 through the letters flow, from a 备案审查 visit holding the problem)."""
    if not can("filings.manage", user=user):
        raise FilingError("只有监督室管理员可以审查备案。")
    errors = {}
    if decision not in {d.value for d in PenaltyDecision}:
        errors["decision"] = "请选择审查结论：予以备案、要求补正或提出纠正意见。"
    legality, appropriateness, reason = (normalise(x or "").strip() for x in (legality, appropriateness, reason))
    if decision in (PenaltyDecision.returned.value, PenaltyDecision.objected.value) and not reason:
        errors["reason"] = ("请写明需要补正的内容。" if decision == PenaltyDecision.returned.value
                            else "请写明纠正意见（将写入意见书）。")
    _refuse_ids({"legality": legality, "appropriateness": appropriateness, "reason": reason},
                {"legality": "合法性审查意见", "appropriateness": "适当性审查意见", "reason": "理由"}, errors)
    if filing.status != PenaltyStatus.registered.value:
        errors[""] = (f"这份备案{filing.status_label}，不能审查。" if filing.number else "请先登记（编备案号）再审查。")
    if errors:
        raise FilingError(errors)
    before = audit.snapshot(filing, ("status", "legality_note", "appropriateness_note", "decision_reason"))
    filing.legality_note, filing.appropriateness_note, filing.decision_reason = legality, appropriateness, reason
    filing.decided_at, filing.decided_by_id = timeutil.utcnow(), user.id
    filing.status = decision
    filing.updated_at = timeutil.utcnow()
    if decision == PenaltyDecision.objected.value:
        letter = _letter_for(filing, PENALTY_ITEM_KEY,
                             f"{filing.decision_number}（当事人{filing.party_name}，案由：{filing.cause}）"
                             f"经备案审查，{reason}", user, case_file=filing.decision_number)
        filing.letter_id, filing.visit_id = letter.id, letter.visit_id
    db.session.flush()
    _event(filing, "return" if decision == PenaltyDecision.returned.value else decision, user, reason)
    _audit(decision if decision != "returned" else "return", filing,
                 summary=f"审查{filing.display_name}：{PenaltyDecision(decision).label}",
                 before=before, after=dict(audit.snapshot(filing, ("status", "legality_note", "appropriateness_note",
                                                                    "decision_reason")), letter_id=filing.letter_id),
                 user=user)
    return filing


def _letter_type() -> LetterType | None:
    """通知书 when the office keeps such a letter type; otherwise the default 行政执法监督意见书."""
    lt = (db.session.query(LetterType).filter(LetterType.active.is_(True), LetterType.name.contains("通知书"))
          .order_by(LetterType.id).first())
    return lt


def _letter_for(filing, item_key: str, description: str, user: User, case_file: str = ""):
    """A submitted 备案审查 visit of the filing's unit with one problem under the check item, and the draft letter
    drafted from it by the letters flow (issued later like any other)."""
    unit = db.session.get(Unit, filing.unit_id)
    try:
        visit = visits_ops.create_visit(kind=VisitKind.filing_review, unit=unit, visit_date=timeutil.today(),
                                        user=user, inspectors=[user], enforce_plan=False,
                                        subject=f"备案审查：{filing.display_name}")
        visit.methods = Method.written_review.value
        item = next((i for i in visit.catalogue.items if i.key == item_key), None)
        if item is None:
            item = next(i for i in visit.catalogue.items if i.seq == (4 if item_key == PENALTY_ITEM_KEY else 6))
        for it in visit.catalogue.items:
            visits_ops.rate_item(visit, it, Rating.na, note="备案审查，不作评定" if it.id != item.id else "见备案审查意见",
                                 user=user)
        visits_ops.add_problem(visit, item=item, description=description, disposition=Disposition.letter,
                               case_file=case_file[:200], user=user)
        visits_ops.submit_visit(visit, user)
        return letters_ops.draft_letter(visit, user, letter_type=_letter_type())
    except (visits_ops.VisitError, letters_ops.LetterError) as exc:
        raise FilingError(f"未能生成意见书草稿：{exc}") from None


def record_paper_penalty(unit_id: int | None, data: dict, scan: CheckedFile | None, user: User,
                         received_on=None) -> PenaltyFiling:
    """A paper filing registered by the office with its scan: registered (numbered) at once."""
    if not can("filings.manage", user=user):
        raise FilingError("只有监督室管理员可以登记纸质备案。")
    unit = db.session.get(Unit, unit_id) if unit_id else None
    today = timeutil.today()
    errors = {}
    if unit is None:
        errors["unit_id"] = "请选择报送单位。"
    v, more = _clean_penalty(data, unit.id if unit else 0, None, today=today)
    errors.update(more)
    received = _parse_date(received_on, "收到日期", "filed_on", errors)
    if received is not None and received > today:
        errors["filed_on"] = "收到日期晚于今天，请核对。"
    if received is not None and v.get("decision_date") and received < v["decision_date"]:
        errors["filed_on"] = "收到日期早于决定日期，请核对。"
    if scan is None:
        errors[PAPER_SCAN[0]] = "请上传纸质备案材料的扫描件（PDF）。"
    if errors:
        raise FilingError(errors)
    f = PenaltyFiling(unit_id=unit.id, status=PenaltyStatus.submitted.value, source=Source.paper.value,
                      created_by_id=user.id, filed_on=received, submitted_at=timeutil.utcnow(),
                      decision_number=v["decision_number"], decision_date=v["decision_date"])
    _apply_penalty(f, v)
    db.session.add(f)
    db.session.flush()
    store(scan, PAPER_SCAN[0], f.id, user=user, note=PAPER_SCAN[1])
    _event(f, "paper", user)
    _audit("paper", f, summary=f"登记纸质重大行政处罚备案（{unit.name}，{f.decision_number}）",
                 after=audit.snapshot(f, PENALTY_FIELDS), user=user)
    return register(f, user)


def record_missing_penalty(unit_id: int | None, data: dict, user: User, note: str = "") -> PenaltyFiling:
    """A decision found with no filing (e.g. in 案卷评查): on the register as 未备案."""
    if not can("filings.manage", user=user):
        raise FilingError("只有监督室管理员可以登记未备案的决定。")
    unit = db.session.get(Unit, unit_id) if unit_id else None
    errors = {}
    if unit is None:
        errors["unit_id"] = "请选择作出决定的单位。"
    data = dict(data, party_name=data.get("party_name") or "不详", cause=data.get("cause") or "不详",
                penalty=data.get("penalty") or "不详")
    v, more = _clean_penalty(data, unit.id if unit else 0, None, today=timeutil.today())
    errors.update(more)
    note = normalise(note or "").strip()
    _refuse_ids({"note": note}, {"note": "发现情况"}, errors)
    if errors:
        raise FilingError(errors)
    f = PenaltyFiling(unit_id=unit.id, status=PenaltyStatus.missing.value, source=Source.missing.value,
                      created_by_id=user.id, note=note, decision_number=v["decision_number"],
                      decision_date=v["decision_date"])
    _apply_penalty(f, v)
    db.session.add(f)
    db.session.flush()
    _event(f, "missing", user, note)
    _audit("missing", f, summary=f"登记未备案的重大行政处罚决定（{unit.name}，{f.decision_number}）",
                 after=audit.snapshot(f, PENALTY_FIELDS), user=user)
    return f


# --- 规范性文件备案 --------------------------------------------------------------------------------------------

NORMATIVE_TEXT_FIELDS = {"title": "标题", "doc_number": "文号"}
NORMATIVE_FIELDS = ("title", "doc_number", "published_on", "effective_on", "filed_on", "status")
NORMATIVE_KINDS = (PDF, DOCX, DOC)


def save_normative(filing: NormativeFiling | None, data: dict, files: dict, user: User, *, submit: bool,
                   unit_id: int | None = None) -> NormativeFiling:
    _check_unit_may_save(filing, user, unit_id)
    today = timeutil.today()
    errors: dict[str, str] = {}
    v = {"title": _text(data, "title", 300), "doc_number": _text(data, "doc_number", 100)}
    for name, label in NORMATIVE_TEXT_FIELDS.items():
        if not v[name]:
            errors[name] = f"请填写{label}。"
    _refuse_ids(v, NORMATIVE_TEXT_FIELDS, errors)
    v["published_on"] = _parse_date(data.get("published_on"), "发布日期", "published_on", errors)
    v["effective_on"] = _parse_date(data.get("effective_on"), "施行日期", "effective_on", errors, required=False)
    if v["published_on"] and v["published_on"] > today:
        errors["published_on"] = "发布日期晚于今天，请核对。"
    if v["published_on"] and v["effective_on"] and v["effective_on"] < v["published_on"]:
        errors["effective_on"] = "施行日期早于发布日期，请核对。"
    if v["doc_number"]:
        clash = (db.session.query(NormativeFiling)
                 .filter_by(unit_id=user.unit_id, doc_number=v["doc_number"]).first())
        if clash is not None and clash is not filing:
            errors["doc_number"] = f"本单位已报送过文号为“{v['doc_number']}”的规范性文件，不能重复备案。"
    if errors:
        raise FilingError(errors)
    created = filing is None
    if created:
        filing = NormativeFiling(unit_id=user.unit_id, status=NormativeStatus.draft.value, created_by_id=user.id,
                                 title=v["title"], doc_number=v["doc_number"], published_on=v["published_on"])
        db.session.add(filing)
    before = None if created else audit.snapshot(filing, NORMATIVE_FIELDS)
    for name in ("title", "doc_number", "published_on", "effective_on"):
        setattr(filing, name, v[name])
    filing.updated_at = timeutil.utcnow()
    db.session.flush()
    if submit:
        missing = _missing_materials(filing, NORMATIVE_MATERIALS, files)
        if missing:
            raise FilingError({k: m.replace("（PDF）", "（PDF 或 Word）") for k, m in missing.items()})
    _store_materials(filing, [m for m, _ in NORMATIVE_MATERIALS], files, user)
    action = "create" if created else "update"
    if submit:
        filing.status = NormativeStatus.submitted.value
        filing.filed_on = filing.filed_on or today
        filing.submitted_at = timeutil.utcnow()
        db.session.flush()
        _event(filing, "submit", user)
        action = "submit"
    _audit(action, filing, summary=f"{'报送' if submit else '保存'}规范性文件备案（{filing.title}）",
                 before=before, after=audit.snapshot(filing, NORMATIVE_FIELDS), user=user)
    return filing


def decide_normative(filing: NormativeFiling, decision: str, user: User, *, reason: str = "",
                     to_letter: bool = False) -> NormativeFiling:
    """准予备案 / 建议修改 / 不予备案 with the reasons; a problem found may become a draft 意见书 (check item 六)."""
    if not can("filings.manage", user=user):
        raise FilingError("只有监督室管理员可以审查备案。")
    errors = {}
    if decision not in {d.value for d in NormativeDecision}:
        errors["decision"] = "请选择审查结论：准予备案、建议修改或不予备案。"
    reason = normalise(reason or "").strip()
    if decision in (NormativeDecision.revise.value, NormativeDecision.rejected.value) and not reason:
        errors["reason"] = "请写明理由。"
    if to_letter and decision == NormativeDecision.approved.value:
        errors["to_letter"] = "准予备案的文件没有需要下达意见书的问题。"
    _refuse_ids({"reason": reason}, {"reason": "理由"}, errors)
    if filing.status != NormativeStatus.registered.value:
        errors[""] = f"这份备案{filing.status_label}，不能审查。" if filing.number else "请先登记（编备案号）再审查。"
    if errors:
        raise FilingError(errors)
    before = audit.snapshot(filing, ("status", "decision_reason"))
    filing.status, filing.decision_reason = decision, reason
    filing.decided_at, filing.decided_by_id = timeutil.utcnow(), user.id
    if to_letter:
        letter = _letter_for(filing, NORMATIVE_ITEM_KEY,
                             f"《{filing.title}》（{filing.doc_number}）经备案审查，{reason}", user,
                             case_file=filing.doc_number)
        filing.letter_id, filing.visit_id = letter.id, letter.visit_id
    db.session.flush()
    _event(filing, decision, user, reason)
    _audit(decision, filing, summary=f"审查{filing.display_name}：{NormativeDecision(decision).label}",
                 before=before, after=dict(audit.snapshot(filing, ("status", "decision_reason")),
                                           letter_id=filing.letter_id), user=user)
    return filing


def mark_validity(filing: NormativeFiling, validity: str, on, user: User, note: str = "") -> NormativeFiling:
    """年度清理: 继续有效 / 修改 / 废止, with the date."""
    if not can("filings.manage", user=user):
        raise FilingError("只有监督室管理员可以登记清理结果。")
    errors = {}
    if validity not in {v.value for v in Validity}:
        errors["validity"] = "请选择清理结论：继续有效、修改或废止。"
    day = _parse_date(on, "清理日期", "validity_on", errors)
    if day is not None and day > timeutil.today():
        errors["validity_on"] = "清理日期晚于今天，请核对。"
    if day is not None and day < filing.published_on:
        errors["validity_on"] = "清理日期早于文件发布日期，请核对。"
    note = normalise(note or "").strip()
    _refuse_ids({"note": note}, {"note": "说明"}, errors)
    if filing.status in (NormativeStatus.draft.value,):
        errors[""] = "尚未报送的文件不能清理。"
    if errors:
        raise FilingError(errors)
    before = audit.snapshot(filing, ("validity", "validity_on"))
    filing.validity, filing.validity_on, filing.validity_year, filing.validity_note = validity, day, day.year, note
    db.session.flush()
    _event(filing, "validity", user, f"{Validity(validity).label}（{timeutil.cn_date(day)}）{note}")
    _audit("validity", filing, summary=f"年度清理{filing.display_name}：{Validity(validity).label}",
                 before=before, after=audit.snapshot(filing, ("validity", "validity_on")), user=user)
    return filing
