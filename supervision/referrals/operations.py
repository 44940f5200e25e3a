"""Writing the 线索移交 and 过错责任追究 registers: checked, audited, flushed (the request commits)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import update

from .. import audit
from ..directory.models import Unit
from ..extensions import db
from ..timeutil import cn_date, today
from .models import DEFAULT_RECIPIENT, Clue, FaultCase


class ReferralError(ValueError):
    """A rule was broken; the message is for the user."""


class ReferralInvalid(ReferralError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("；".join(errors.values()))


@dataclass
class ClueInput:
    unit_id: int | None = None
    matter: str = ""
    handed_on: date | None = None
    recipient: str = DEFAULT_RECIPIENT
    reply: str = ""
    replied_on: date | None = None
    bad_dates: tuple[str, ...] = ()  # fields whose date could not be read


@dataclass
class FaultInput:
    unit_id: int | None = None
    person: str = ""
    matter: str = ""
    decision: str = ""
    decided_on: date | None = None
    bad_dates: tuple[str, ...] = ()


def _date_errors(errors, bad):
    for name in bad:
        errors[name] = "日期格式不对，请按2021-04-09填写。"


def _unit(unit_id, errors, required: bool):
    if unit_id is None:
        if required:
            errors["unit_id"] = "请选择单位。"
        return None
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        errors["unit_id"] = "所选单位不存在。"
    return unit


def clue_snapshot(c: Clue) -> dict:
    return {"unit": c.unit.name if c.unit else "", "matter": c.matter, "handed_on": c.handed_on,
            "recipient": c.recipient, "reply": c.reply, "replied_on": c.replied_on}


def fault_snapshot(f: FaultCase) -> dict:
    return {"unit": f.unit.name if f.unit else "", "person": f.person, "matter": f.matter, "decision": f.decision,
            "decided_on": f.decided_on}


def _check_clue(data: ClueInput) -> dict:
    errors = {}
    _date_errors(errors, data.bad_dates)
    _unit(data.unit_id, errors, required=False)
    if not data.matter.strip():
        errors["matter"] = "请填写移交的线索内容。"
    if data.handed_on is None and "handed_on" not in errors:
        errors["handed_on"] = "请填写移交日期。"
    elif data.handed_on and data.handed_on > today():
        errors["handed_on"] = "移交日期不能晚于今天。"
    if not data.recipient.strip():
        errors["recipient"] = "请填写移交对象。"
    if data.replied_on is not None:
        if data.handed_on and data.replied_on < data.handed_on:
            errors["replied_on"] = f"反馈日期不能早于移交日期{cn_date(data.handed_on)}。"
        elif data.replied_on > today():
            errors["replied_on"] = "反馈日期不能晚于今天。"
        if not data.reply.strip():
            errors["reply"] = "填写了反馈日期，请填写反馈情况。"
    elif data.reply.strip() and "replied_on" not in errors:
        errors["replied_on"] = "填写了反馈情况，请填写反馈日期。"
    return errors


def save_clue(clue: Clue | None, data: ClueInput, user, expected_version: int | None = None) -> Clue:
    errors = _check_clue(data)
    if errors:
        raise ReferralInvalid(errors)
    before = None
    if clue is None:
        clue = Clue(created_by_id=user.id if user else None, version=1)
        db.session.add(clue)
    else:
        before = clue_snapshot(clue)
        _claim(Clue, clue, expected_version)
    clue.unit_id, clue.matter, clue.handed_on = data.unit_id, data.matter.strip(), data.handed_on
    clue.recipient, clue.reply, clue.replied_on = data.recipient.strip(), data.reply.strip(), data.replied_on
    db.session.flush()
    db.session.refresh(clue, ["unit"])
    audit.record("update" if before else "create", clue, user=user, before=before, after=clue_snapshot(clue),
                 summary=("修改" if before else "登记") + f"移交线索：{clue.matter[:40]}")
    return clue


def save_fault(case: FaultCase | None, data: FaultInput, user, expected_version: int | None = None) -> FaultCase:
    errors = {}
    _date_errors(errors, data.bad_dates)
    _unit(data.unit_id, errors, required=True)
    person = data.person.strip()
    if not person:
        errors["person"] = "请填写责任人姓名。"
    elif len(person) > 50 or any(ch.isdigit() for ch in person):
        errors["person"] = "责任人只填写姓名（不超过50字，不含身份证号等数字）。"
    if not data.matter.strip():
        errors["matter"] = "请填写过错事项。"
    if not data.decision.strip():
        errors["decision"] = "请填写追究决定。"
    if data.decided_on is None and "decided_on" not in errors:
        errors["decided_on"] = "请填写决定日期。"
    elif data.decided_on and data.decided_on > today():
        errors["decided_on"] = "决定日期不能晚于今天。"
    if errors:
        raise ReferralInvalid(errors)
    before = None
    if case is None:
        case = FaultCase(created_by_id=user.id if user else None, version=1)
        db.session.add(case)
    else:
        before = fault_snapshot(case)
        _claim(FaultCase, case, expected_version)
    case.unit_id, case.person, case.matter = data.unit_id, person, data.matter.strip()
    case.decision, case.decided_on = data.decision.strip(), data.decided_on
    db.session.flush()
    db.session.refresh(case, ["unit"])
    audit.record("update" if before else "create", case, user=user, before=before, after=fault_snapshot(case),
                 summary=("修改" if before else "登记") + f"过错责任追究：{case.unit.name} {person}")
    return case


def _claim(model, row, expected_version):
    """Refuse a save over someone else's (compare-and-set on the version)."""
    expected = row.version if expected_version is None else expected_version
    result = db.session.execute(update(model).where(model.id == row.id, model.version == expected)
                                .values(version=expected + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.expire(row, ["version"])
        raise ReferralError("保存被拒绝：这条记录刚刚已被他人修改，请重新打开后再改。")
    row.version = expected + 1
