"""Changing the directory: the profile, the offices, the 受监督单位. Each function checks its rule, writes the
audit entry and flushes at most; the request (or the command) commits."""
from ..audit import record, snapshot
from ..extensions import db
from .models import DEFAULT_OFFICES, DEFAULT_PROFILE, UNIT_KINDS, Office, OrgProfile, Unit
from .queries import stored_profile, unit_by_name

PROFILE_FIELDS = tuple(DEFAULT_PROFILE)
UNIT_FIELDS = ("name", "kind", "contact_person", "phone", "email", "active", "note")


class DirectoryError(ValueError):
    """A rule of the directory was broken; the message is for the user."""


def get_profile(create: bool = True) -> OrgProfile | None:
    """The profile; with create (for a write that needs it) the defaults are saved first if there is none.
    A page that only reads asks queries.profile() instead."""
    profile = stored_profile()
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
