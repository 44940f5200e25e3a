"""Demo data of this part, loaded by `flask --app wsgi demo` after the letters demo (idempotent).

Leaves letters of the current year (timeutil.today()'s) in every state — 草稿, 待签收, 整改中, 已报送待审 (a late
paper reply), 退回修改 (with an approved extension), 待实地查验, 已办结, one 逾期 with no reply, and one 已作废
with its correction drafted — each built through the real services: a submitted visit, a letter drafted from
it, issued, delivered, replied to on paper and reviewed. The demo unit gets a received letter to reply to (its
login then shows a letter to sign, from the letters demo, and a report to write). Dates count back from today
but never before 1 January, so every demo letter is of the current year. Each scenario's visit is marked by its
subject, so a second run adds nothing. Also a 自查 for the demo unit.
"""
from __future__ import annotations

from datetime import date, timedelta

from .. import timeutil, workcal
from ..accounts.models import Role, User
from ..directory.models import Unit
from ..extensions import db
from ..fonts import FontError
from ..labels import quoted
from ..letters import operations as letters_service
from ..letters.errors import LetterError
from ..letters.models import Letter
from ..uploads import PDF, CheckedFile
from ..visits import operations as visits_operations
from ..visits.models import Disposition, Method, Rating, Visit
from . import operations, queries

MARK = "整改演示："
DEMO_UNIT = "鲁山县瀼河乡人民政府"

# key, label, (days before today: issued or None for a draft, delivered or None), problems (catalogue item index,
# text). The unit_todo scenario goes to the demo unit, the others to units with no letter yet.
SCENARIOS = [
    ("draft", "草稿", (None, None), [(2, "行政执法案卷归档不及时，部分案卷未装订。")]),
    ("unit_todo", "整改中（待单位报送）", (8, 6), [(3, "行政检查未制作现场检查笔录。"),
                                            (5, "执法公示栏信息未及时更新。")]),
    ("unsigned", "待签收", (3, None), [(5, "行政执法公示平台未及时更新执法人员信息。")]),
    ("in_progress", "整改中", (12, 10), [(1, "年度法治培训未制定计划，培训台账不完整。"),
                                        (2, "“三项制度”中法制审核目录清单未公布。")]),
    ("submitted", "已报送待审（迟报）", (45, 44), [(3, "行政处罚案卷缺少送达回证。")]),
    ("returned", "退回修改（已延期）", (50, 48), [(0, "两名执法人员持证过期仍参与执法。"),
                                           (2, "重大执法决定法制审核记录缺失。")]),
    ("site_check", "待实地查验", (55, 53), [(4, "重大行政处罚决定未在规定时间内报送备案。")]),
    ("closed", "已办结", (95, 93), [(6, "普法责任清单未建立。"), (1, "执法人员年度培训学时不足。")]),
    ("overdue", "逾期未报送", (130, 128), [(7, "法治政府建设年度报告未按时公开。")]),
    ("voided", "已作废（更正件待签发）", (20, None), [(0, "执法证件管理台账不完整。")]),
]

PDF_SCAN = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _scan(name: str) -> CheckedFile:
    return CheckedFile(data=PDF_SCAN, kind=PDF, original_name=name)


def _people():
    admin = db.session.query(User).filter_by(role=Role.admin.value, active=True).order_by(User.id).first()
    inspector = db.session.query(User).filter_by(role=Role.inspector.value, active=True).order_by(User.id).first()
    return admin, inspector


def _free_units(n: int) -> list[Unit]:
    """Active units with no letter yet (the demo unit and the letters demo's units left alone)."""
    taken = {uid for (uid,) in db.session.query(Letter.unit_id).distinct()}
    units = (db.session.query(Unit).filter(Unit.active.is_(True), Unit.name != DEMO_UNIT)
             .order_by(Unit.kind.desc(), Unit.id).all())
    return [u for u in units if u.id not in taken][:n]


LABELS = {key: label for key, label, _days, _problems in SCENARIOS}


def _visit_of(key: str) -> Visit | None:
    # The subject names the scenario in Chinese (it is shown on pages); older demo data used the key.
    return db.session.query(Visit).filter(Visit.subject.in_([MARK + LABELS[key], MARK + key])).first()


def _ago(today: date, days: int) -> date:
    """`days` before today, but not before 1 January: the demo stays within the current year."""
    return max(today - timedelta(days=days), date(today.year, 1, 1))


def _make_letter(key, label, days, problems, unit, admin, inspector, today) -> Letter:
    issued_ago, delivered_ago = days
    actor = inspector or admin
    visit = visits_operations.create_visit(kind="concentrated", unit=unit,
                                        visit_date=_ago(today, (issued_ago or 0) + 4),
                                        user=actor, inspectors=[actor], subject=MARK + label, enforce_plan=False)
    items = visit.catalogue.items
    for index, text in problems:
        visits_operations.add_problem(visit, item=items[index % len(items)], description=text,
                                   disposition=Disposition.letter, user=actor)
    for r in visit.ratings:
        visits_operations.rate_item(visit, r.item, Rating.fair if any(
            items[i % len(items)].id == r.item_id for i, _ in problems) else Rating.good, user=actor)
    visit.methods = ",".join([Method.report.value, Method.documents.value, Method.case_files.value])
    visits_operations.submit_visit(visit, actor)
    draft = letters_service.draft_letter(visit, admin)
    db.session.commit()
    if issued_ago is None:
        return draft
    letter = letters_service.issue_letter(draft.id, admin, issue_date=_ago(today, issued_ago))
    if delivered_ago is not None:
        letters_service.record_delivery(letter, _ago(today, delivered_ago), admin)
        db.session.commit()
    return letter


def _paper_reply(letter: Letter, admin: User, day: date, note: str) -> None:
    status = queries.letter_state(letter)
    texts = {p.problem.id: (f"针对{quoted(p.problem.text[:12] + '…')}，已完成整改：{note}", "制定并印发相应管理制度，组织专题培训。")
             for p in status.problems if p.state.needs_reply}
    operations.record_paper_reply(letter, admin, day, f"我单位收到意见书后高度重视，逐项整改。{note}",
                               _scan("整改报告（盖章）.pdf"), texts)


def _advance(key: str, letter: Letter, admin: User, inspector: User | None, today: date) -> None:
    """Bring the letter to its scenario's state through the services."""
    st = queries.letter_state(letter)
    if key == "submitted":
        late = st.deadline + timedelta(days=3) if st.deadline is not None else today
        _paper_reply(letter, admin, min(late, today), "（迟报）")
    elif key == "returned":
        _paper_reply(letter, admin, _ago(today, 25), "")
        p1, p2 = queries.letter_state(letter).problems
        operations.accept_problem(p1.latest, admin, "整改到位")
        operations.return_problem(p2.latest, admin, "未附法制审核记录的补正材料，请补充后重新报送。")
        unit_user = db.session.query(User).filter_by(role=Role.unit.value, unit_id=letter.unit_id,
                                                     active=True).first()
        if unit_user is not None:
            ext = operations.request_extension(letter, unit_user, today + timedelta(days=20), "需补正的材料较多")
            operations.decide_extension(ext, admin, True, today + timedelta(days=20), "同意")
        else:  # no unit login for this unit: the office records the approved extension directly
            ext = queries.Extension(letter_id=letter.id, reason="单位来函申请延期（纸质）", requested_by_id=admin.id,
                                    requested_date=today + timedelta(days=20),
                                    deadline_before=queries.current_deadline(letter))
            db.session.add(ext)
            db.session.flush()
            operations.decide_extension(ext, admin, True, today + timedelta(days=20), "同意")
    elif key == "site_check":
        _paper_reply(letter, admin, _ago(today, 28), "")
        (p,) = queries.letter_state(letter).problems
        operations.order_site_check(p.latest, admin, [inspector or admin], today + timedelta(days=3), "现场核查备案材料")
    elif key == "closed":
        _paper_reply(letter, admin, _ago(today, 70), "")
        for p in queries.letter_state(letter).problems:
            operations.accept_problem(p.latest, admin, "整改到位")
    elif key == "voided":
        letters_service.void_letter(letter, "文书中单位名称有误，作废后重新制发。", admin)
        letters_service.draft_correction(letter, admin)


def _self_inspection(today: date, echo) -> None:
    user = (db.session.query(User).join(Unit, User.unit_id == Unit.id)
            .filter(User.role == Role.unit.value, Unit.name == DEMO_UNIT).first())
    if user is None or queries.self_inspection_of(user.unit_id, today.year) is not None:
        return
    si = operations.save_self_inspection(user, today.year, "对照工作要求梳理：一是执法公示不及时；二是案卷装订不规范。",
                                      "一季度：完善公示；二季度：案卷评查；三季度：法治培训；四季度：总结。")
    operations.submit_self_inspection(si, user, today=min(today, date(today.year, 3, 28)))
    db.session.commit()
    echo(f"整改：{DEMO_UNIT} 已报送{today.year}年自查材料。")


def load(echo):
    """Add this part's demo records; echo(str) prints a line for the person running demo."""
    admin, inspector = _people()
    if admin is None:
        echo("整改：没有管理员账号，跳过演示。")
        return
    today = timeutil.today()
    todo = [s for s in SCENARIOS if _visit_of(s[0]) is None]
    demo_unit = db.session.query(Unit).filter(Unit.name == DEMO_UNIT, Unit.active.is_(True)).first()
    free = iter(_free_units(len([s for s in todo if s[0] != "unit_todo"])))
    pairs = [(s, demo_unit if s[0] == "unit_todo" else next(free, None)) for s in todo]
    missing = len([1 for _s, u in pairs if u is None])
    made = 0
    for (key, label, days, problems), unit in pairs:
        if unit is None:
            continue
        try:
            letter = _make_letter(key, label, days, problems, unit, admin, inspector, today)
            _advance(key, letter, admin, inspector, today)
            db.session.commit()
        except (operations.RectificationError, LetterError, visits_operations.VisitError, FontError,
                workcal.UnknownYear) as exc:
            db.session.rollback()
            echo(f"整改：演示“{label}”未完成（{exc}）")
            continue
        made += 1
        if letter.is_draft:
            echo(f"整改：意见书草稿 → {unit.name}：待签发")
            continue
        if letter.is_voided:
            echo(f"整改：{letter.number} → {unit.name}：已作废，更正件草稿待签发")
            continue
        st = queries.letter_state(letter)
        flag = f"，逾期{st.overdue_days}日" if st.overdue else ""
        echo(f"整改：{letter.number} → {unit.name}：{st.label}{flag}")
    if missing:
        echo(f"整改：可用的受监督单位不足，{missing} 个演示场景未生成。")
    if not todo:
        echo("整改：演示数据已存在。")
    try:
        _self_inspection(today, echo)
    except operations.RectificationError as exc:
        db.session.rollback()
        echo(f"整改：演示自查未完成（{exc}）")
