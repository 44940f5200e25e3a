"""Control characters typed or pasted into a text field are dropped where input enters (supervision.textclean):
a problem text with \\x01 comes back clean, and the letter made of it opens as .docx and .pdf. CRLF becomes a
newline, tab and newline stay; passwords are taken as sent."""
import io
import zipfile
from datetime import date

import pytest

from supervision.extensions import db
from supervision.letters import operations as letters
from supervision.letters.models import Letter
from supervision.schedule.importers import read_plan
from supervision.textclean import strip_control
from supervision.visits import operations
from supervision.visits.models import Visit, VisitKind
from tests.helpers import login, make_user
from tests.visits.conftest import form_data, plan, catalogue, rate_all  # noqa: F401 (fixtures)

DIRTY = "执法\x01人员未按规定\x0b着装\x7f。\r\n第二行\t有制表符\x1f\x00"
CLEAN = "执法人员未按规定着装。\n第二行\t有制表符"


def test_strip_control():
    assert strip_control(DIRTY) == CLEAN
    assert strip_control("a\rb\x85c\x9f") == "a\nbc"
    assert strip_control("") == "" and strip_control(None) is None
    assert strip_control("鲁山县〔2021〕1号 \u3000×") == "鲁山县〔2021〕1号 \u3000×"


@pytest.mark.skipif(not __import__("os").path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                    reason="apt-get install fonts-arphic-uming")
def test_problem_text_with_control_characters_saved_by_the_form_and_its_letter(client, plan):  # noqa: F811
    visit = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_a, visit_date=date(2021, 4, 13),
                                 user=plan.inspector)
    db.session.commit()
    login(client, plan.inspector.username)
    item = visit.catalogue.items[1]
    data = form_data(visit, methods=["report"], summary="小结\x02内容\r\n完")
    for r in visit.ratings:
        data[f"rating-{r.item_id}"] = "good"
    data["problem_keys"] = ["n1"]
    data.update({"problem-n1-item_id": str(item.id), "problem-n1-description": DIRTY,
                 "problem-n1-disposition": "需下达意见书", "action": "submit"})
    resp = client.post(f"/visits/{visit.id}/edit", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.status == "submitted"
    assert [p.description for p in visit.problems] == [CLEAN]
    assert visit.summary == "小结内容\n完"

    admin = make_user("admin")
    login(client, admin.username)
    resp = client.post(f"/letters/draft/{visit.id}")
    assert resp.status_code == 302
    letter = db.session.query(Letter).filter_by(visit_id=visit.id).one()
    resp = client.get(f"/letters/{letter.id}.docx")
    assert resp.status_code == 200
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
        assert "执法人员未按规定着装。" in zf.read("word/document.xml").decode("utf-8")
    letters.issue_letter(letter.id, admin, issue_date=date(2021, 4, 20))
    db.session.commit()
    assert client.get(f"/letters/{letter.id}.docx").status_code == 200
    resp = client.get(f"/letters/{letter.id}.pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")


def test_query_values_are_cleaned_and_passwords_taken_as_sent(app):
    from flask import request

    with app.test_request_context("/units?q=%E5%8F%B8%01%E6%B3%95", method="POST",
                                  data={"name": "司\x01法局\r\n", "password": "pa\x01ss", "new_password": "x\x02"}):
        assert request.args["q"] == "司法"
        assert request.form["name"] == "司法局\n"
        assert request.form["password"] == "pa\x01ss" and request.form["new_password"] == "x\x02"


def test_plan_import_cells_are_cleaned():
    csv_text = "时间,周次,受监督单位\r\n三月,第一周,鲁山县\x01司法局\r\n"
    parsed = read_plan("plan.csv", csv_text.encode("utf-8"))
    names = [name for row in parsed.rows for name in row.units]
    assert names == ["鲁山县司法局"]
