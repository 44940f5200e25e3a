"""Rules of the directory: the profile, the offices, the 受监督单位."""
from ..audit import record, snapshot
from ..extensions import db
from sqlalchemy import select

from .models import UNIT_KINDS, Office, OrgProfile, Unit

# 鲁法政办〔2021〕4号 附件二 and 附件三: the values the county starts with; the admin edits them in the app.
DEFAULT_PROFILE = {
    "issuing_authority": "鲁山县法治政府建设领导小组办公室",
    "letter_prefix": "鲁政行监字",
    "reply_office": "鲁山县司法局行政执法协调监督室",
    "reply_address": "司法大楼504",
    "contact_person": "",
    "contact_phone": "0375-7653158",
    "reply_period_days": 30,
}
DEFAULT_OFFICES = [
    ("法治调研督察室", "0375-7653020"),
    ("政策法规室", "0375-7653029"),
    ("行政执法协调监督室", "0375-7653158"),
]
PROFILE_FIELDS = tuple(DEFAULT_PROFILE)
UNIT_FIELDS = ("name", "kind", "contact_person", "phone", "email", "active", "note")


class DirectoryError(ValueError):
    """A rule of the directory was broken; the message is for the user."""


def get_profile(create: bool = True) -> OrgProfile | None:
    profile = db.session.query(OrgProfile).order_by(OrgProfile.id).first()
    if profile is None and create:
        profile = OrgProfile(**DEFAULT_PROFILE)
        db.session.add(profile)
        db.session.flush()
    return profile


def seed_reference_data() -> None:
    """Profile and the three offices, if missing. Idempotent."""
    get_profile(create=True)
    for i, (name, phone) in enumerate(DEFAULT_OFFICES):
        if db.session.query(Office).filter_by(name=name).first() is None:
            db.session.add(Office(name=name, phone=phone, sort_order=i))
    db.session.flush()


def update_profile(data: dict) -> OrgProfile:
    profile = get_profile()
    before = snapshot(profile, PROFILE_FIELDS)
    for f in PROFILE_FIELDS:
        if f in data:
            setattr(profile, f, data[f])
    record("update", profile, summary="修改机关信息", before=before, after=snapshot(profile, PROFILE_FIELDS))
    return profile


def offices() -> list[Office]:
    return db.session.query(Office).order_by(Office.sort_order, Office.id).all()


def unit_by_name(name: str) -> Unit | None:
    return db.session.query(Unit).filter_by(name=name.strip()).first()


def guess_kind(name: str) -> str:
    """乡镇 for a 乡/镇 government, else 县直 — the split the 2021 plan's note counts."""
    return "乡镇" if name.endswith(("乡人民政府", "镇人民政府")) else "县直"


def _check_unit(data: dict, existing: Unit | None = None) -> None:
    name = (data.get("name") or "").strip()
    if not name:
        raise DirectoryError("单位名称不能为空。")
    if len(name) > 100:
        raise DirectoryError("单位名称不能超过100个字。")
    if data.get("kind") not in UNIT_KINDS:
        raise DirectoryError("单位类别只能是“乡镇”或“县直”。")
    clash = unit_by_name(name)
    if clash is not None and clash is not existing:
        raise DirectoryError(f"已有同名单位“{name}”。")


def create_unit(data: dict) -> Unit:
    _check_unit(data)
    unit = Unit(**{f: data[f] for f in UNIT_FIELDS if f in data})
    unit.name = unit.name.strip()
    if unit.active is None:
        unit.active = True
    db.session.add(unit)
    record("create", unit, summary=f"新增受监督单位 {unit.name}", after=snapshot(unit, UNIT_FIELDS))
    return unit


def update_unit(unit: Unit, data: dict) -> Unit:
    _check_unit(data, existing=unit)
    before = snapshot(unit, UNIT_FIELDS)
    for f in UNIT_FIELDS:
        if f in data:
            setattr(unit, f, data[f].strip() if isinstance(data[f], str) else data[f])
    record("update", unit, summary=f"修改受监督单位 {unit.name}", before=before, after=snapshot(unit, UNIT_FIELDS))
    return unit


def set_unit_active(unit: Unit, active: bool) -> Unit:
    """Units are never hard-deleted: they are deactivated and keep all their records."""
    if unit.active == active:
        return unit
    before = {"active": unit.active}
    unit.active = active
    record("activate" if active else "deactivate", unit,
           summary=f"{'启用' if active else '停用'}受监督单位 {unit.name}", before=before, after={"active": active})
    return unit


def unit_ids_named(term: str):
    """The ids of the units whose name contains `term` (a subquery of the small unit table), for keyword search."""
    from .. import search

    return select(Unit.id).where(search.contains(Unit.name, term))
