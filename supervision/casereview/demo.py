"""Demo data of 案卷评查, loaded by `flask --app wsgi demo` (idempotent): one campaign of three units — the demo
unit among them — with a few case files listed and most of them scored by the demo inspector."""
from datetime import date

from ..accounts.models import Role, User
from ..directory.models import Unit
from ..extensions import db
from ..timeutil import today
from . import operations
from .models import Campaign

DEMO_NAME = "行政处罚案卷集中评查（演示）"
DEMO_UNIT = "鲁山县瀼河乡人民政府"
CASES = [
    ("罚决字〔{y}〕第{n}号", "鲁山县某商贸有限公司", "未按规定公示营业执照"),
    ("罚决字〔{y}〕第{n}号", "王某某", "无证经营"),
]
# (standard item text, points off, note, 列为问题) for the scored cases, in turn.
SCORES = [
    [],
    [("证据确实充分", 4, "现场检查笔录无当事人签字", True)],
    [("陈述、申辩", 8, "未告知当事人陈述、申辩权利", True), ("格式规范", 2, "送达回证填写不全", False)],
    [("引用条款", 3, "处罚依据未具体到条款", False)],
    [("卷宗封面", 2, "缺卷内备考表", False)],
]


def load(echo):
    if db.session.query(Campaign).filter_by(name=DEMO_NAME).first() is not None:
        return
    admin = db.session.query(User).filter_by(role=Role.admin.value, active=True).order_by(User.id).first()
    reviewer = db.session.query(User).filter_by(role=Role.inspector.value, active=True).order_by(User.id).first()
    units = db.session.query(Unit).filter(Unit.active.is_(True), Unit.name != DEMO_UNIT) \
        .order_by(Unit.id).limit(2).all()
    demo_unit = db.session.query(Unit).filter_by(name=DEMO_UNIT).first()
    if admin is None or reviewer is None or demo_unit is None:
        echo("案卷评查：缺少管理员、检查人员或演示单位，跳过。")
        return
    units.append(demo_unit)
    year = today().year
    camp = operations.create_campaign(operations.CampaignInput(
        name=DEMO_NAME, period_start=date(year, 1, 1), period_end=today(), unit_ids=[u.id for u in units],
        reviewer_ids=[reviewer.id], cases_per_unit=3), admin)
    n, scored = 0, 0
    for unit in units:
        for number, party, cause in CASES:
            n += 1
            case = operations.add_case(camp, unit, operations.CaseInput(
                number=number.format(y=year, n=n), party=party, cause=cause,
                closed_on=date(year, 1, min(n, 28))), None)
            if unit.name == DEMO_UNIT and n % 2 == 0:
                continue  # one case of the demo unit waits for review
            entries = {}
            for text, pts, note, problem in SCORES[scored % len(SCORES)]:
                it = next(i for i in camp.standard.items if text in i.name)
                entries[it.id] = operations.DeductionInput(str(pts), note, problem)
            operations.save_review(case, entries, reviewer)
            scored += 1
    db.session.commit()
    echo(f"案卷评查：{DEMO_NAME}，{len(units)}个单位，{n}本案卷，已评查{scored}本。")
