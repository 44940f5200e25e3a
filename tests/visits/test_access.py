"""Unit users see their own unit's submitted visits and attachments only; everything else is 404."""
import io
from datetime import date

from supervision.extensions import db
from supervision.uploads import Attachment
from supervision.visits import operations
from supervision.visits.models import Disposition, Visit, VisitKind
from tests.helpers import login_as
from tests.visits.conftest import complete_visit, form_data

def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (2, 2), "blue").save(buf, "PNG")
    return buf.getvalue()


PNG = _png()


def _visit_with_photo(app, plan, unit):
    visit = operations.create_visit(kind=VisitKind.routine, unit=unit, visit_date=date(2021, 4, 13), user=plan.inspector)
    db.session.commit()
    client = app.test_client()
    from tests.helpers import login

    login(client, plan.inspector.username)
    item = visit.catalogue.items[0]
    data = form_data(visit, methods=["report"])
    for r in visit.ratings:
        data[f"rating-{r.item_id}"] = "good"
    data["problem_keys"] = ["n1"]
    data.update({"problem-n1-item_id": str(item.id), "problem-n1-description": "未按规定着装",
                 "problem-n1-disposition": "需下达意见书",
                 "problem-n1-files": (io.BytesIO(PNG), "现场照片.png"), "action": "submit"})
    resp = client.post(f"/visits/{visit.id}/edit", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    att = db.session.query(Attachment).filter_by(owner_type="problem", owner_id=visit.problems[0].id).one()
    return visit, att


def test_unit_user_sees_own_visit_and_attachment(app, client, plan):
    visit, att = _visit_with_photo(app, plan, plan.unit_a)
    login_as(client, "unit", unit=plan.unit_a)
    assert client.get(f"/visits/{visit.id}").status_code == 200
    assert client.get(f"/visits/unit/{plan.unit_a.id}").status_code == 200
    resp = client.get(f"/visits/attachments/{att.id}")
    assert resp.status_code == 200
    assert resp.data == PNG
    assert resp.headers["Content-Type"] == "image/png"
    assert "inline" in resp.headers["Content-Disposition"]
    resp.close()


def test_unit_user_cannot_open_other_units_visit_or_attachment(app, client, plan):
    visit, att = _visit_with_photo(app, plan, plan.unit_a)
    login_as(client, "unit", unit=plan.unit_b)
    assert client.get(f"/visits/{visit.id}").status_code == 404
    assert client.get(f"/visits/attachments/{att.id}").status_code == 404
    assert client.get(f"/visits/unit/{plan.unit_a.id}").status_code == 404
    assert client.get("/visits/").status_code == 403
    assert client.get("/visits/problems").status_code == 403
    assert client.get(f"/visits/{visit.id}/edit").status_code == 403


def test_unit_user_cannot_see_own_units_draft(client, plan):
    draft = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_a, visit_date=date(2021, 4, 13),
                                 user=plan.inspector)
    db.session.commit()
    login_as(client, "unit", unit=plan.unit_a)
    assert client.get(f"/visits/{draft.id}").status_code == 404
    assert client.get(f"/visits/unit/{plan.unit_a.id}").get_data(as_text=True).count("/visits/") >= 0
    assert f"/visits/{draft.id}\"" not in client.get(f"/visits/unit/{plan.unit_a.id}").get_data(as_text=True)


def test_unit_dashboard_lists_own_submitted_visits(client, plan):
    visit = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_a, visit_date=date(2021, 4, 13),
                                 user=plan.inspector)
    complete_visit(visit, plan.inspector, [("other", "资料缺失", Disposition.fixed)])
    login_as(client, "unit", unit=plan.unit_a)
    assert "本单位接受的监督检查" in client.get("/").get_data(as_text=True)
