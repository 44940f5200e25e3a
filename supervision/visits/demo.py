"""Demo data of this part, loaded by `flask --app wsgi demo` (must be idempotent)."""
from datetime import date, timedelta

from ..accounts.models import Role, User
from ..directory.models import Unit
from ..directory.service import guess_kind
from ..extensions import db
from . import service
from .models import Disposition, Method, Rating, Visit, VisitKind

# (unit, fallback date, ratings by item key (others 良), problems: (item key, sub-point no., text, case file,
#  disposition, what was done on the spot))
DEMO_VISITS = [
    ("鲁山县张良镇人民政府", date(2021, 3, 3), {"training": Rating.fair, "three_systems": Rating.good,
                                                "other": Rating.na}, [
        ("training", 2, "年度培训记录仅12个学时，未达到不低于20个学时的要求。", "", Disposition.letter, ""),
        ("personnel", 1, "两名执法人员在执法现场未按规定着装。", "", Disposition.fixed, "当场责令规范着装，已整改。"),
    ]),
    ("鲁山县下汤镇人民政府", date(2021, 4, 7), {"penalty_procedure": Rating.fair, "other": Rating.na}, [
        ("penalty_procedure", 2, "案卷未按《河南省行政执法案卷立卷规范》装订，卷内目录缺失。",
         "鲁下罚决字〔2021〕第3号", Disposition.fixed, "现场指导补齐卷内目录并重新装订。"),
    ]),
    ("鲁山县瀼河乡人民政府", date(2021, 12, 15), {"major_penalty_filing": Rating.poor,
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


def load(echo):
    """Add this part's demo records; echo(str) prints a line for the person running demo."""
    service.ensure_default_catalogue()
    inspectors, admin = _people()
    if not inspectors and admin is None:
        echo("监督检查：没有检查人员或管理员账号，跳过演示检查记录。")
        return
    actor = inspectors[0] if inspectors else admin
    added = 0
    for unit_name, fallback_date, ratings, problems in DEMO_VISITS:
        unit = _find_unit(unit_name)
        if not unit.active:
            continue
        slot = service.find_slot_for(unit, fallback_date)
        if db.session.query(Visit).filter(Visit.unit_id == unit.id, Visit.visit_date.between(
                date(fallback_date.year, 1, 1), date(fallback_date.year, 12, 31))).first() is not None:
            continue
        visit_date = fallback_date
        if slot is not None:
            visit_date = min(slot.start_date + timedelta(days=1), slot.end_date)
            if service.open_visit_for_slot(slot.id, unit.id) is not None:
                continue
        team = list(getattr(slot, "inspectors", None) or []) or (inspectors[:2] if inspectors else [admin])
        doer = actor if actor in team or actor.role == "admin" else team[0]  # only its inspectors edit a visit
        visit = service.create_visit(kind=VisitKind.routine if slot is not None else VisitKind.concentrated,
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
            service.rate_item(visit, item, ratings.get(key, Rating.good), user=doer)
        for key, sub_no, text, case_file, disposition, fix in problems:
            item = items[key]
            sub = next((s for s in item.subpoints if s.seq == sub_no), None)
            service.add_problem(visit, item=item, subpoint=sub, description=text, case_file=case_file,
                                disposition=disposition, fix_action=fix, user=doer)
        service.submit_visit(visit, doer)
        added += 1
    db.session.commit()
    echo(f"监督检查：新增演示检查记录 {added} 份（含立行立改与需下达意见书的问题）。")
