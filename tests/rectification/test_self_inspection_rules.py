"""自查: only for the year under way; a draft's attachments are the unit's own until it is submitted."""
import io

from supervision.extensions import db
from supervision.rectification import operations, queries
from supervision.rectification.models import SelfInspection
from supervision.timeutil import today
from supervision.uploads import Attachment
from tests.helpers import login, make_user

from .conftest import PDF_BYTES


def test_a_unit_cannot_fill_in_a_future_or_past_year(app, client, ctx, unit, unit_user):
    login(client, unit_user.username)
    this_year = today().year
    for year in (this_year + 1, this_year - 1):
        r = client.post(f"/rectification/self-inspection?year={year}",
                        data={"report_text": "自查报告", "plan_text": "计划", "action": "submit",
                              "report_files": (io.BytesIO(PDF_BYTES), "自查.pdf")},
                        content_type="multipart/form-data")
        body = r.get_data(as_text=True)
        assert r.status_code == 200 and f"只能填报和报送本年度（{this_year}年）的自查材料" in body
    assert db.session.query(SelfInspection).count() == 0 and db.session.query(Attachment).count() == 0
    page = client.get(f"/rectification/self-inspection?year={this_year + 1}").get_data(as_text=True)
    assert "仅供查看" in page and 'value="submit"' not in page
    assert 'value="submit"' in client.get(f"/rectification/self-inspection?year={this_year}").get_data(as_text=True)
    r = client.post(f"/rectification/self-inspection?year={this_year}",
                    data={"report_text": "自查报告", "plan_text": "计划", "action": "save"})
    assert r.status_code == 302
    assert [s.year for s in db.session.query(SelfInspection)] == [this_year]


def test_a_stored_draft_of_another_year_cannot_be_submitted(app, ctx, unit, unit_user):
    si = SelfInspection(unit_id=unit.id, year=today().year + 1, status="draft", report_text="x", plan_text="y")
    db.session.add(si)
    db.session.commit()
    try:
        operations.submit_self_inspection(si, unit_user)
    except operations.RectificationError as exc:
        assert "本年度" in str(exc)
    else:
        raise AssertionError("a future year's 自查 was submitted")


def test_draft_attachments_are_hidden_from_the_office_until_submitted(app, client, ctx, unit, unit_user):
    admin = make_user("admin")
    leader = make_user("leader")
    year = today().year
    login(client, unit_user.username)
    r = client.post(f"/rectification/self-inspection?year={year}",
                    data={"report_text": "自查报告", "plan_text": "计划", "action": "save",
                          "report_files": (io.BytesIO(PDF_BYTES), "自查.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    att = db.session.query(Attachment).one()
    resp = client.get(f"/rectification/attachments/{att.id}")
    assert resp.status_code == 200  # the unit sees its own draft
    resp.close()
    client.post("/logout")
    for who in (admin, leader):
        login(client, who.username)
        assert client.get(f"/rectification/attachments/{att.id}").status_code == 404
        client.post("/logout")
    login(client, unit_user.username)
    assert client.post(f"/rectification/self-inspection?year={year}",
                       data={"report_text": "自查报告", "plan_text": "计划", "action": "submit"}).status_code == 302
    client.post("/logout")
    login(client, admin.username)
    resp = client.get(f"/rectification/attachments/{att.id}")
    assert resp.status_code == 200 and resp.data == PDF_BYTES
    resp.close()
