"""Changing the schedule: committing an import, assignment, date overrides, the calendar feed's secret.

Each function checks its rules, writes the audit entry and flushes at most; the request (or the command) commits.
"""
import secrets
from collections import defaultdict
from datetime import date

from sqlalchemy import select

from .. import audit
from ..accounts.models import User
from ..accounts.signals import credentials_revoked
from ..directory.models import Office, Unit
from ..directory.operations import create_unit
from ..directory.queries import guess_kind, offices
from ..extensions import db
from . import signals
from .models import FeedToken, Slot, SlotUnit, UnitAlias
from .queries import (ImportPreview, ScheduleError, dates_text, feed_token_hash, inspectors_of_office,
                      slots_for_year, week_dates)
from .signals import answers

def commit_import(preview: ImportPreview, decisions: dict | None = None, user=None) -> dict:
    """Apply a valid preview in the caller's transaction and return the summary.

    decisions = {"units": {name: "create" | "map:<unit id>"}, "visited": {unit_id: "keep" | "drop"}}.
    Every unknown name needs a decision. A unit leaving the plan with visits recorded is kept in its slot
    unless decided "drop" (its visits stay, only unlinked from the slot). Visits follow a unit that moves.
    """
    decisions = decisions or {}
    if not preview.valid:
        raise ScheduleError("计划表有错误，不能导入：" + "；".join(str(p) for p in preview.errors[:5]))
    unit_decisions = decisions.get("units", {})
    visited_decisions = {int(k): v for k, v in decisions.get("visited", {}).items()}
    missing = [u.name for u in preview.unknown if u.name not in preview._resolved and not unit_decisions.get(u.name)]
    if missing:
        raise ScheduleError("以下单位不在单位名录中，请选择新建或对应到已有单位：" + "、".join(missing))
    year = preview.year

    # Units: create, or map (and remember the mapping).
    for u in preview.unknown:
        if u.name in preview._resolved and not unit_decisions.get(u.name, "").startswith("map:"):
            continue
        choice = unit_decisions.get(u.name, "")
        if choice.startswith("map:"):
            target = db.session.get(Unit, int(choice[4:]))
            if target is None:
                raise ScheduleError(f"“{u.name}”要对应的单位不存在。")
            if db.session.scalars(select(UnitAlias).where(UnitAlias.alias == u.name)).first() is None:
                db.session.add(UnitAlias(alias=u.name, unit_id=target.id))
                audit.record("map_unit", record_type="schedule_unit_alias", record_id=target.id, user=user,
                             summary=f"计划表中的“{u.name}”对应到单位“{target.name}”",
                             after={"alias": u.name, "unit": target.name})
            preview._resolved[u.name] = target
        elif choice == "create":
            preview._resolved[u.name] = create_unit({"name": u.name, "kind": guess_kind(u.name)})
        else:
            raise ScheduleError(f"“{u.name}”的处理方式不明。")
    db.session.flush()

    old_slots = slots_for_year(year)
    old_home = {u.id: s for s in old_slots for u in s.units}
    targets: dict[tuple[int, int], Slot] = {}
    created = moved = changed = 0
    for ps in preview.slots:
        slot = preview._pairs.get(ps.key)
        if slot is None:
            slot = Slot(year=year, month=ps.month, week=ps.week, start_date=ps.start, end_date=ps.end)
            db.session.add(slot)
            created += 1
        elif (slot.month, slot.week) != ps.key:
            slot.month, slot.week = ps.month, ps.week
            slot.start_date, slot.end_date = ps.start, ps.end
            slot.dates_overridden, slot.override_note = False, ""
            moved += 1
        targets[ps.key] = slot
    db.session.flush()

    kept: dict[int, list[Unit]] = defaultdict(list)
    dropped: list[tuple[Unit, Slot]] = []
    for vr in preview.visited_removals:
        if visited_decisions.get(vr.unit.id, "keep") == "drop":
            dropped.append((vr.unit, vr.slot))
        else:
            kept[vr.slot.id].append(vr.unit)

    for ps in preview.slots:
        slot = targets[ps.key]
        units = [preview._resolved[n] for n in ps.names] + kept.pop(slot.id, [])
        before = [u.id for u in slot.units]
        _set_units(slot, units)
        if before and before != [u.id for u in units]:
            changed += 1
    db.session.flush()

    # The records kept against a week (visits) follow a unit that moves and let go of one the admin dropped:
    # the parts that keep them subscribe (signals.unit_moved, unit_left_slot) and say how many they changed.
    moved_visits = unlinked = 0
    for ps in preview.slots:
        slot = targets[ps.key]
        for u in slot.units:
            prev = old_home.get(u.id)
            if prev is not None and prev.id != slot.id:
                moved_visits += sum(answers(signals.unit_moved, u.id, from_slot=prev, to_slot=slot))
    for unit, slot in dropped:
        unlinked += sum(answers(signals.unit_left_slot, unit.id, slot=slot))

    removed = 0
    target_ids = {s.id for s in targets.values()}
    for s in preview._removed_slots:
        if s.id in target_ids:
            continue
        if kept.get(s.id):
            _set_units(s, kept.pop(s.id))  # the admin kept units that were visited: the week stays
            continue
        unlinked += sum(answers(signals.slot_removing, s))
        audit.record("delete", s, user=user, summary=f"{year}年计划删除{s.label}（{s.unit_names}）",
                     before={"units": [u.name for u in s.units], "lead_office_id": s.lead_office_id})
        db.session.delete(s)
        removed += 1
    db.session.flush()

    counts = preview.counts()
    summary = {"year": year, "file": preview.filename, "created": created, "moved": moved, "changed": changed,
               "removed": removed, "visits_moved": moved_visits, "visits_unlinked": unlinked, **counts}
    audit.record("import", record_type="schedule_slot", user=user,
                 summary=(f"导入{year}年日常监督分组计划表“{preview.filename}”：{counts['slots']}周、{counts['units']}家单位"
                          f"（新建{created}、调整{moved}、变更{changed}、删除{removed}）"),
                 after=summary)
    return summary


def _set_units(slot: Slot, units: list[Unit]) -> None:
    """Replace the slot's units, reusing existing rows so (slot, unit) keys never clash in one flush."""
    existing = {e.unit_id: e for e in slot.entries if e.unit_id is not None}
    entries = [existing.get(u.id) or SlotUnit(unit=u) for u in units]
    slot.entries = entries
    slot.entries.reorder()


def assign_slot(slot: Slot, office: Office | None, inspectors: list[User], user=None) -> Slot:
    """Set the lead office and inspectors of a slot."""
    for u in inspectors:
        if u.role != "inspector" or not u.active:
            raise ScheduleError(f"“{u.name}”不是在用的检查组成员，不能安排检查。")
    before = {"lead_office": slot.lead_office.name if slot.lead_office else None,
              "inspectors": [u.name for u in slot.inspectors]}
    slot.lead_office = office
    slot.inspectors = list(inspectors)
    after = {"lead_office": office.name if office else None, "inspectors": [u.name for u in inspectors]}
    audit.record("assign", slot, user=user, summary=f"{slot.title}分工：{after['lead_office'] or '未定'}，"
                 f"检查人员{'、'.join(after['inspectors']) or '未定'}", before=before, after=after)
    return slot


def rotate_offices(year: int, assign_inspectors: bool = True, user=None) -> int:
    """Fill empty lead offices by rotating the three offices week by week (and empty inspector lists
    with the lead office's inspectors). Filled assignments are left alone. Returns slots changed."""
    slots = slots_for_year(year)
    if not slots:
        raise ScheduleError(f"{year}年还没有计划，无法轮换分工。")
    offs = offices()
    if not offs:
        raise ScheduleError("还没有科室，无法轮换分工。")
    changed = {}
    for i, slot in enumerate(slots):
        did = False
        if slot.lead_office_id is None:
            slot.lead_office = offs[i % len(offs)]
            did = True
        if assign_inspectors and not slot.inspectors and slot.lead_office is not None:
            people = inspectors_of_office(slot.lead_office.id)
            if people:
                slot.inspectors = people
                did = True
        if did:
            changed[slot.label] = {"lead_office": slot.lead_office.name,
                                   "inspectors": [u.name for u in slot.inspectors]}
    if changed:
        audit.record("rotate", record_type="schedule_slot", user=user,
                     summary=f"{year}年计划按三个科室轮换分工，填补{len(changed)}周", after=changed)
    return len(changed)


def override_slot_dates(slot: Slot, start: date, end: date, note: str = "", user=None) -> Slot:
    """Give one slot dates other than the rule's (e.g. a week moved for a holiday); marked as overridden."""
    if end < start:
        raise ScheduleError("结束日期不能早于开始日期。")
    if (end - start).days > 13:
        raise ScheduleError("一个检查周不能超过两周。")
    if start.year != slot.year and end.year != slot.year:
        raise ScheduleError(f"日期应在{slot.year}年内。")
    before = {"start_date": slot.start_date, "end_date": slot.end_date, "overridden": slot.dates_overridden}
    slot.start_date, slot.end_date = start, end
    slot.dates_overridden = True
    slot.override_note = note.strip()[:200]
    audit.record("override_dates", slot, user=user, summary=f"{slot.title}日期改为{dates_text(start, end)}"
                 + (f"（{slot.override_note}）" if slot.override_note else ""),
                 before=before, after={"start_date": start, "end_date": end, "overridden": True})
    return slot


def reset_slot_dates(slot: Slot, user=None) -> Slot:
    """Back to the rule's Monday-Friday."""
    start, end = week_dates(slot.year, slot.month, slot.week)
    before = {"start_date": slot.start_date, "end_date": slot.end_date, "overridden": slot.dates_overridden}
    slot.start_date, slot.end_date = start, end
    slot.dates_overridden, slot.override_note = False, ""
    audit.record("reset_dates", slot, user=user, summary=f"{slot.title}日期恢复为{dates_text(start, end)}",
                 before=before, after={"start_date": start, "end_date": end, "overridden": False})
    return slot


def new_feed_token(user: User) -> str:
    """A new .ics feed secret for the user (the old address, if any, stops working). Only its hash is kept:
    the secret is returned to be shown this once."""
    token = secrets.token_urlsafe(24)
    tok = db.session.scalars(select(FeedToken).where(FeedToken.user_id == user.id)).first()
    if tok is None:
        db.session.add(FeedToken(user_id=user.id, token_hash=feed_token_hash(token)))
        audit.record("create_feed", record_type="schedule_feed_token", record_id=user.id,
                     summary=f"为{user.name}生成日历订阅地址")
    else:
        tok.token_hash = feed_token_hash(token)
        audit.record("reset_feed", record_type="schedule_feed_token", record_id=user.id,
                     summary=f"重置{user.name}的日历订阅地址（旧地址失效）")
    db.session.flush()
    return token


def revoke_feed_token(user: User, why: str) -> bool:
    """The user's feed address stops working for good (a later one must be made anew). True if there was one."""
    tok = db.session.scalars(select(FeedToken).where(FeedToken.user_id == user.id)).first()
    if tok is None:
        return False
    db.session.delete(tok)
    audit.record("revoke_feed", record_type="schedule_feed_token", record_id=user.id,
                 summary=f"{user.name}的日历订阅地址已作废（{why}）")
    db.session.flush()
    return True


def _on_credentials_revoked(user: User, why: str) -> None:
    revoke_feed_token(user, why)


credentials_revoked.connect(_on_credentials_revoked)  # a password reset or deactivation ends the feed address
