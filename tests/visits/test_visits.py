"""Recording a visit: from a slot, draft → submit → amend, and the bad input the issue lists."""
from datetime import date

import pytest

from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.schedule.models import SlotStatus
from supervision.schedule.queries import slot_status
from supervision.visits import operations, queries
from supervision.visits.models import Disposition, Problem, Rating, Visit, VisitKind, VisitStatus
from tests.helpers import login, login_as, make_unit, make_user
from tests.visits.conftest import complete_visit, form_data


def _new_visit(plan, unit=None, when=date(2021, 4, 13)):
    visit = operations.create_visit(kind=VisitKind.routine, unit=unit or plan.unit_a, visit_date=when,
                                 user=plan.inspector)
    db.session.commit()
    return visit


def test_routine_visit_is_linked_to_its_slot_and_takes_the_slot_inspectors(plan):
    visit = _new_visit(plan)
    assert visit.slot_id == plan.slot.id
    assert [u.id for u in visit.inspectors] == [plan.inspector.id]
    assert visit.status == VisitStatus.draft.value
    assert len(visit.ratings) == 9


def test_submitted_visits_for_every_unit_mark_the_slot_done(plan):
    a = _new_visit(plan, plan.unit_a)
    complete_visit(a, plan.inspector)
    assert slot_status(plan.slot, today=date(2021, 4, 14)) != SlotStatus.done  # one unit still to visit
    b = _new_visit(plan, plan.unit_b)
    assert slot_status(plan.slot, today=date(2021, 4, 14)) != SlotStatus.done  # a draft is not done
    complete_visit(b, plan.inspector)
    assert slot_status(plan.slot, today=date(2021, 4, 14)) == SlotStatus.done


def test_visit_from_slot_page_link_creates_routine_visit(client, plan):
    login(client, plan.inspector.username)
    page = client.get(f"/visits/new?slot={plan.slot.id}&unit={plan.unit_b.id}")
    assert page.status_code == 200
    resp = client.post("/visits/new", data={"kind": "routine", "unit_id": plan.unit_b.id,
                                            "visit_date": "2021-04-14", "slot_id": plan.slot.id})
    assert resp.status_code == 302
    visit = db.session.query(Visit).one()
    assert (visit.slot_id, visit.unit_id, visit.kind) == (plan.slot.id, plan.unit_b.id, "routine")
    # Opening the slot link again goes to the same visit instead of a second one.
    again = client.get(f"/visits/new?slot={plan.slot.id}&unit={plan.unit_b.id}")
    assert again.status_code == 302 and f"/visits/{visit.id}/edit" in again.headers["Location"]


def test_submission_requires_every_item_rated(plan):
    visit = _new_visit(plan)
    visit.methods = "report"
    from tests.visits.conftest import rate_all

    rate_all(visit, Rating.good, plan.inspector, skip=("law_popularization", "other"))
    db.session.commit()
    with pytest.raises(operations.VisitInvalid) as exc:
        operations.submit_visit(visit, plan.inspector)
    assert "普法责任制落实" in str(exc.value) and "其他" in exc.value.errors[""]
    db.session.rollback()
    assert db.session.get(Visit, visit.id).status == "draft"
    items = {i.key: i for i in visit.catalogue.items}
    operations.rate_item(visit, items["law_popularization"], Rating.fair)
    operations.rate_item(visit, items["other"], Rating.na)  # 不适用 counts as rated
    operations.submit_visit(visit, plan.inspector)
    db.session.commit()
    assert visit.status == "submitted"


def test_submit_through_the_form_with_an_unrated_item_keeps_the_draft(client, plan):
    visit = _new_visit(plan)
    login(client, plan.inspector.username)
    data = form_data(visit, methods=["report"], summary="汇报材料齐全")
    for r in visit.ratings:
        data[f"rating-{r.item_id}"] = "good"
    unrated = visit.catalogue.items[3]
    data[f"rating-{unrated.id}"] = ""
    data["action"] = "submit"
    resp = client.post(f"/visits/{visit.id}/edit", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "重大行政处罚备案" in html and "未评定" in html
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.status == "draft"
    assert visit.summary == "汇报材料齐全"  # what was typed was saved as the draft


def test_full_form_save_and_submit(client, plan):
    visit = _new_visit(plan)
    login(client, plan.inspector.username)
    item = visit.catalogue.items[1]
    data = form_data(visit, methods=["report", "law_test"], case_files="鲁司罚决字〔2021〕第1号",
                     test_takers="20", test_average="85.5", test_lowest="66")
    for r in visit.ratings:
        data[f"rating-{r.item_id}"] = "excellent"
    data["problem_keys"] = ["n1", "n2"]
    data.update({"problem-n1-item_id": str(item.id), "problem-n1-subpoint_id": str(item.subpoints[1].id),
                 "problem-n1-description": "培训仅12学时", "problem-n1-disposition": "需下达意见书",
                 "problem-n2-item_id": str(item.id), "problem-n2-description": "",  # an untouched blank row
                 "action": "submit"})
    resp = client.post(f"/visits/{visit.id}/edit", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.status == "submitted"
    assert visit.test_takers == 20 and visit.test_average == 85.5 and visit.test_lowest == 66
    assert [(p.description, p.disposition, p.subpoint.name) for p in visit.problems] == [
        ("培训仅12学时", "需下达意见书", "培训内容与学时")]
    assert queries.problems_awaiting_letter() == visit.problems
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "培训仅12学时" in page and "待下达意见书" in page


def test_submitted_visit_is_read_only_except_amend(client, plan):
    visit = complete_visit(_new_visit(plan), plan.inspector)
    login(client, plan.inspector.username)
    resp = client.post(f"/visits/{visit.id}/edit", data=form_data(visit, summary="偷偷改"))
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).summary == ""
    with pytest.raises(operations.VisitError):
        operations.save_draft(visit, operations.VisitInput(visit_date=visit.visit_date), plan.inspector)


def test_amend_needs_a_reason_and_writes_old_and_new_values_to_the_audit_log(client, plan):
    visit = complete_visit(_new_visit(plan), plan.inspector,
                           [("training", "培训学时不足。", Disposition.letter)])
    problem_id = visit.problems[0].id
    login(client, plan.inspector.username)
    data = form_data(visit)
    data[f"problem-{problem_id}-description"] = "年度培训仅12个学时，不足20个学时。"
    no_reason = client.post(f"/visits/{visit.id}/amend", data=dict(data, reason=""))
    assert no_reason.status_code == 422 and "修改理由" in no_reason.get_data(as_text=True)
    assert "年度培训仅12个学时" in no_reason.get_data(as_text=True)  # typed text kept
    db.session.expire_all()
    assert db.session.get(Problem, problem_id).description == "培训学时不足。"

    resp = client.post(f"/visits/{visit.id}/amend", data=dict(data, reason="复核培训台账后更正"))
    assert resp.status_code == 302
    db.session.expire_all()
    problem = db.session.get(Problem, problem_id)  # same row, same id: a letter linking it keeps working
    assert problem.description == "年度培训仅12个学时，不足20个学时。"
    entry = (db.session.query(AuditEntry).filter_by(record_type="visit", record_id=visit.id, action="amend")
             .one())
    assert "复核培训台账后更正" in entry.summary
    assert entry.before_data["problems"][0]["description"] == "培训学时不足。"
    assert entry.after_data["problems"][0]["description"] == "年度培训仅12个学时，不足20个学时。"
    assert entry.after_data["amend_reason"] == "复核培训台账后更正"
    assert entry.username == plan.inspector.username


def test_every_state_change_is_audited(plan):
    visit = _new_visit(plan)
    complete_visit(visit, plan.inspector)
    actions = [e.action for e in db.session.query(AuditEntry).filter_by(record_type="visit", record_id=visit.id)]
    assert actions[0] == "create" and actions[-1] == "submit"


def test_visit_date_in_a_year_without_plan_is_refused(client, plan):
    with pytest.raises(operations.VisitInvalid) as exc:
        operations.create_visit(kind=VisitKind.focused, unit=plan.unit_a, visit_date=date(2012, 4, 13),
                             user=plan.inspector, subject="行政处罚案卷")
    assert "2012年还没有录入监督计划" in exc.value.errors["visit_date"]
    login(client, plan.inspector.username)
    resp = client.post("/visits/new", data={"kind": "focused", "unit_id": plan.unit_a.id,
                                            "visit_date": "2012-04-13", "subject": "行政处罚案卷"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "2012年还没有录入监督计划" in html
    assert "行政处罚案卷" in html  # what was typed stays
    assert db.session.query(Visit).count() == 0


def test_changing_a_draft_date_to_an_unplanned_year_is_refused(client, plan):
    visit = _new_visit(plan)
    login(client, plan.inspector.username)
    resp = client.post(f"/visits/{visit.id}/edit", data=form_data(visit, visit_date="2012-04-13", summary="已写"))
    assert resp.status_code == 422 and "2012年还没有录入监督计划" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).visit_date == date(2021, 4, 13)


def test_visit_for_inactive_unit_is_refused(client, plan):
    closed = make_unit("鲁山县已撤并局", active=False)
    with pytest.raises(operations.VisitInvalid) as exc:
        operations.create_visit(kind=VisitKind.focused, unit=closed, visit_date=date(2021, 5, 6),
                             user=plan.inspector, subject="专项")
    assert "已停用" in exc.value.errors["unit_id"]
    login(client, plan.inspector.username)
    resp = client.post("/visits/new", data={"kind": "focused", "unit_id": closed.id, "visit_date": "2021-05-06",
                                            "subject": "专项"})
    assert resp.status_code == 200 and "已停用" in resp.get_data(as_text=True)
    assert db.session.query(Visit).count() == 0


def test_routine_visit_for_unit_outside_the_plan_is_refused(plan):
    other = make_unit("鲁山县统计局")
    with pytest.raises(operations.VisitInvalid) as exc:
        operations.create_visit(kind=VisitKind.routine, unit=other, visit_date=date(2021, 4, 13), user=plan.inspector)
    assert "不在2021年日常监督计划内" in exc.value.errors["kind"]


def test_problem_without_description_is_refused_and_input_kept(client, plan):
    visit = _new_visit(plan)
    item = visit.catalogue.items[4]
    login(client, plan.inspector.username)
    data = form_data(visit, summary="听取了汇报")
    data["problem_keys"] = ["n1"]
    data.update({"problem-n1-item_id": str(item.id), "problem-n1-description": "  ",
                 "problem-n1-case_file": "鲁司罚决字〔2021〕第5号", "problem-n1-disposition": "立行立改",
                 "problem-n1-fix_action": "当场补正送达回证"})
    resp = client.post(f"/visits/{visit.id}/edit", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "请填写问题描述" in html
    assert "鲁司罚决字〔2021〕第5号" in html and "当场补正送达回证" in html and "听取了汇报" in html
    db.session.expire_all()
    assert db.session.query(Problem).count() == 0
    assert db.session.get(Visit, visit.id).summary == ""


def test_two_inspectors_editing_one_draft_the_second_save_is_refused(app, plan):
    visit = _new_visit(plan)
    second = make_user("inspector", display_name="李检查")
    visit.inspectors.append(second)  # both are inspectors of the visit (others may not edit it at all)
    db.session.commit()
    c1, c2 = app.test_client(), app.test_client()
    login(c1, plan.inspector.username)
    login(c2, second.username)
    # Both open the form at the same version.
    assert c1.get(f"/visits/{visit.id}/edit").status_code == 200
    assert c2.get(f"/visits/{visit.id}/edit").status_code == 200
    data1 = form_data(visit, summary="第一位检查人员的记录")
    data2 = form_data(visit, summary="第二位检查人员的记录")
    assert c1.post(f"/visits/{visit.id}/edit", data=data1).status_code == 302
    resp = c2.post(f"/visits/{visit.id}/edit", data=data2)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "保存被拒绝" in html and plan.inspector.username in html
    assert "第二位检查人员的记录" in html  # the second person's typing is not lost
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).summary == "第一位检查人员的记录"
    # The service refuses a stale version on its own too.
    with pytest.raises(operations.VisitConflict):
        operations.save_draft(db.session.get(Visit, visit.id),
                           operations.VisitInput(visit_date=visit.visit_date), second, expected_version=1)


def test_law_test_scores_are_checked(client, plan):
    visit = _new_visit(plan)
    login(client, plan.inspector.username)
    resp = client.post(f"/visits/{visit.id}/edit",
                       data=form_data(visit, test_takers="20", test_average="120", test_lowest="90"))
    assert resp.status_code == 422 and "满分100分" in resp.get_data(as_text=True)


def test_leader_cannot_edit_and_sees_only_submitted(client, plan):
    draft = _new_visit(plan)
    login_as(client, "leader")
    assert client.get(f"/visits/{draft.id}/edit").status_code == 403
    assert client.get(f"/visits/{draft.id}").status_code == 404


def test_visit_pages_render(client, plan):
    visit = complete_visit(_new_visit(plan), plan.inspector, [("other", "台账缺失", Disposition.fixed)])
    draft = _new_visit(plan, plan.unit_b)
    login_as(client, "admin")
    for url in ("/visits/", "/visits/problems", "/visits/stats?year=2021", f"/visits/unit/{plan.unit_a.id}",
                f"/visits/{visit.id}", f"/visits/{visit.id}/amend", "/visits/catalogue", "/visits/new", "/",
                f"/visits/{draft.id}/edit", f"/visits/catalogue/{visit.catalogue_id}",
                f"/visits/catalogue/{visit.catalogue_id}/edit"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        html = resp.get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html, url
