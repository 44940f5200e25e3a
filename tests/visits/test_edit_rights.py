"""Only a visit's inspectors (and admins) change it: the draft, its problems and evidence, an amendment."""
import io
from datetime import date

import pytest

from supervision.extensions import db
from supervision.uploads import Attachment
from supervision.policy import can
from supervision.visits import operations
from supervision.visits.models import Disposition, Problem, Visit, VisitKind
from tests.helpers import login, make_user
from tests.visits.conftest import complete_visit, form_data
from tests.visits.test_access import PNG


@pytest.fixture
def two(plan):
    """The slot's inspector records a draft with one problem; a second inspector is not on it."""
    other = make_user("inspector", display_name="李旁人")
    visit = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_a, visit_date=date(2021, 4, 13),
                                 user=plan.inspector)
    item = visit.catalogue.items[0]
    operations.add_problem(visit, item=item, description="未按规定着装", disposition=Disposition.letter,
                        user=plan.inspector)
    db.session.commit()
    return plan, visit, other


def _edit(client, visit, **over):
    data = form_data(visit)
    data.update(over)
    return client.post(f"/visits/{visit.id}/edit", data=data)


def test_an_inspector_not_on_the_visit_cannot_open_or_save_its_draft(app, client, two):
    plan, visit, other = two
    problem_id = visit.problems[0].id
    login(client, other.username)
    assert client.get(f"/visits/{visit.id}/edit").status_code == 403
    resp = _edit(client, visit, **{f"problem-{problem_id}-description": "被旁人改写"})
    assert resp.status_code == 403
    db.session.expire_all()
    assert db.session.get(Problem, problem_id).description == "未按规定着装"
    assert f'/visits/{visit.id}/edit"' not in client.get(f"/visits/{visit.id}").get_data(as_text=True)


def test_the_visits_own_inspector_and_an_admin_may_edit(app, client, two):
    plan, visit, other = two
    login(client, plan.inspector.username)
    assert client.get(f"/visits/{visit.id}/edit").status_code == 200
    assert _edit(client, visit, summary="检查组听取汇报").status_code == 302
    client.post("/logout")
    admin = make_user("admin")
    login(client, admin.username)
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert _edit(client, visit, summary="管理员补充").status_code == 302


def test_the_service_refuses_problems_ratings_submission_and_amendment_by_others(app, two):
    plan, visit, other = two
    item = visit.catalogue.items[0]
    with pytest.raises(operations.VisitForbidden):
        operations.add_problem(visit, item=item, description="旁人加的问题", disposition=Disposition.letter, user=other)
    with pytest.raises(operations.VisitForbidden):
        operations.rate_item(visit, item, "good", user=other)
    with pytest.raises(operations.VisitForbidden):
        operations.submit_visit(visit, other)
    db.session.rollback()
    visit = complete_visit(db.session.get(Visit, visit.id), plan.inspector)
    assert not can("visits.amend", visit, user=other) and can("visits.amend", visit, user=plan.inspector)
    with pytest.raises(operations.VisitForbidden):
        operations.amend_visit(visit, operations.VisitInput(), other, "旁人修改")


def test_an_inspector_who_creates_a_visit_from_someone_elses_slot_joins_it(app, client, plan):
    other = make_user("inspector", display_name="李代录")
    visit = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_b, visit_date=date(2021, 4, 14), user=other)
    db.session.commit()
    assert {u.id for u in visit.inspectors} == {plan.inspector.id, other.id}
    assert can("visits.edit", visit, user=other)


def test_evidence_of_anothers_visit_cannot_be_deleted_through_the_form(app, client, two):
    plan, visit, other = two

    login(client, plan.inspector.username)
    p = visit.problems[0]
    data = form_data(visit)
    data[f"problem-{p.id}-files"] = (io.BytesIO(PNG), "照片.png")
    assert client.post(f"/visits/{visit.id}/edit", data=data, content_type="multipart/form-data").status_code == 302
    att = db.session.query(Attachment).one()
    client.post("/logout")
    login(client, other.username)
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    data = form_data(visit)
    data[f"problem-{p.id}-delete_att"] = [str(att.id)]
    assert client.post(f"/visits/{visit.id}/edit", data=data).status_code == 403
    assert db.session.query(Attachment).count() == 1
