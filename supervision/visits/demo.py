"""Demo data of this part, loaded by `flask --app wsgi demo` (must be idempotent).

Visits of the current year (timeutil.today()'s), in past weeks: in the unit's plan week when that week is over,
otherwise a 集中检查 some days before today (never before 1 January of the year). Every unit of the year's past
plan weeks then gets a submitted visit without problems, except the latest past week, left 已逾期未完成 as an
example of a week not done.
"""
from datetime import date, timedelta

from .. import timeutil
from ..accounts.models import Role, User
from ..directory.models import Unit
from ..directory.queries import guess_kind
from ..extensions import db
from ..schedule import queries as schedule_queries
from . import operations, queries
from .models import Disposition, Method, Rating, Visit, VisitKind

# (unit, days before today when the unit's plan week is not yet over, ratings by item key (others 良), problems: (item key, sub-point no., text, case file,
#  disposition, what was done on the spot))
DEMO_VISITS = [
    ("鲁山县张良镇人民政府", 60, {"training": Rating.fair, "three_systems": Rating.good,
                                                "other": Rating.na}, [
        ("training", 2, "年度培训记录仅12个学时，未达到不低于20个学时的要求。", "", Disposition.letter, ""),
        ("personnel", 1, "两名执法人员在执法现场未按规定着装。", "", Disposition.fixed, "当场责令规范着装，已整改。"),
    ]),
    ("鲁山县下汤镇人民政府", 40, {"penalty_procedure": Rating.fair, "other": Rating.na}, [
        ("penalty_procedure", 2, "案卷未按《河南省行政执法案卷立卷规范》装订，卷内目录缺失。",
         "鲁下罚决字〔2021〕第3号", Disposition.fixed, "现场指导补齐卷内目录并重新装订。"),
    ]),
    ("鲁山县瀼河乡人民政府", 14, {"major_penalty_filing": Rating.poor,
                                                "three_systems": Rating.fair, "other": Rating.na}, [
        ("major_penalty_filing", 1, "重大行政处罚决定作出后超过15日未向县司法局报送备案材料。",
         "鲁瀼罚决字〔2021〕第2号", Disposition.letter, ""),
        ("three_systems", 1, "行政执法公示平台未公示权责清单和裁量标准。", "", Disposition.letter, ""),
        ("personnel", 2, "一名离岗人员的行政执法证件未收回注销。", "", Disposition.fixed,
         "现场收回证件，已登记交县司法局注销。"),
    ]),
]


def _find_unit(name: str) -> Unit:
    unit = db.session.query(Unit).filter_by(name=name).first()
    if unit is None:
        unit = Unit(name=name, kind=guess_kind(name), active=True)
        db.session.add(unit)
        db.session.flush()
    return unit


def _people():
    inspectors = (db.session.query(User).filter(User.role == Role.inspector.value, User.active.is_(True))
                  .order_by(User.id).all())
    admin = db.session.query(User).filter(User.role == Role.admin.value).order_by(User.id).first()
    return inspectors, admin


def _unit_slots(unit: Unit, year: int) -> list:
    return schedule_queries.slots_for_unit(unit.id, year)


def _year_slots(year: int) -> list:
    return sorted(schedule_queries.slots_for_year(year), key=lambda s: s.start_date)


def load(echo):
    """Add this part's demo records; echo(str) prints a line for the person running demo."""
    operations.ensure_default_catalogue()
    inspectors, admin = _people()
    if not inspectors and admin is None:
        echo("监督检查：没有检查人员或管理员账号，跳过演示检查记录。")
        return
    actor = inspectors[0] if inspectors else admin
    added = 0
    today = timeutil.today()
    year_start, year_end = date(today.year, 1, 1), date(today.year, 12, 31)
    for unit_name, days_ago, ratings, problems in DEMO_VISITS:
        unit = _find_unit(unit_name)
        if not unit.active:
            continue
        if db.session.query(Visit).filter(Visit.unit_id == unit.id,
                                          Visit.visit_date.between(year_start, year_end)).first() is not None:
            continue
        # The unit's plan week of this year when it is over (the visit on its Tuesday), else no slot.
        slot = next((s for s in sorted(_unit_slots(unit, today.year), key=lambda s: s.start_date, reverse=True)
                     if min(s.start_date + timedelta(days=1), s.end_date) < today), None)
        visit_date = max(today - timedelta(days=days_ago), year_start)
        if slot is not None:
            visit_date = min(slot.start_date + timedelta(days=1), slot.end_date)
            if queries.open_visit_for_slot(slot.id, unit.id) is not None:
                continue
        team = list(getattr(slot, "inspectors", None) or []) or (inspectors[:2] if inspectors else [admin])
        doer = actor if actor in team or actor.role == "admin" else team[0]  # only its inspectors edit a visit
        visit = operations.create_visit(kind=VisitKind.routine if slot is not None else VisitKind.concentrated,
                                     unit=unit, visit_date=visit_date, user=doer, slot=slot, inspectors=team,
                                     subject="" if slot is not None else "依法行政日常监督（演示）",
                                     enforce_plan=False)
        visit.methods = ",".join(m.value for m in (Method.report, Method.documents, Method.case_files,
                                                   Method.law_test))
        visit.test_takers, visit.test_average, visit.test_lowest = 18, 86.5, 72
        visit.case_files = "\n".join(sorted({p[3] for p in problems if p[3]}))
        visit.summary = "检查组听取了单位依法行政工作汇报，查阅了相关制度资料，调阅了行政处罚案卷，并组织公共法律知识考核。"
        items = {i.key: i for i in visit.catalogue.items}
        for key, item in items.items():
            operations.rate_item(visit, item, ratings.get(key, Rating.good), user=doer)
        for key, sub_no, text, case_file, disposition, fix in problems:
            item = items[key]
            sub = next((s for s in item.subpoints if s.seq == sub_no), None)
            operations.add_problem(visit, item=item, subpoint=sub, description=text, case_file=case_file,
                                disposition=disposition, fix_action=fix, user=doer)
        operations.submit_visit(visit, doer)
        added += 1
    db.session.commit()
    routine = _past_weeks(today, inspectors, admin)
    db.session.commit()
    echo(f"监督检查：新增演示检查记录 {added} 份（含立行立改与需下达意见书的问题）"
         + (f"，以往计划周的日常监督 {routine} 份" if routine else "") + "。")


def _past_weeks(today: date, inspectors, admin) -> int:
    """A submitted visit without problems for each unit of this year's plan weeks that are over (but the latest)."""
    past = [s for s in _year_slots(today.year) if s.end_date < today]
    added = 0
    for slot in past[:-1]:
        team = list(slot.inspectors) or (inspectors[:2] if inspectors else [admin])
        doer = team[0]
        for unit in slot.units:
            if not unit.active or db.session.query(Visit.id).filter(
                    Visit.slot_id == slot.id, Visit.unit_id == unit.id).first() is not None:
                continue
            visit = operations.create_visit(kind=VisitKind.routine, unit=unit, user=doer, slot=slot, inspectors=team,
                                         visit_date=min(slot.start_date + timedelta(days=1), slot.end_date),
                                         enforce_plan=False)
            visit.methods = ",".join(m.value for m in (Method.report, Method.documents, Method.case_files))
            visit.summary = "检查组听取了单位依法行政工作汇报，查阅了相关制度资料和行政执法案卷，未发现需要下达意见书的问题。"
            for item in visit.catalogue.items:
                operations.rate_item(visit, item, Rating.na if item.key == "other" else Rating.good, user=doer)
            operations.submit_visit(visit, doer)
            added += 1
    return added
