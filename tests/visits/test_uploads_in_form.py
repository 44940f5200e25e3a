"""A disguised or oversized evidence file is refused with a message; the rest of the form is kept."""
import io
from datetime import date

import pytest

from supervision.extensions import db
from supervision.uploads import Attachment
from supervision.visits import operations
from supervision.visits.models import Problem, Visit, VisitKind
from tests.helpers import login
from tests.visits.conftest import form_data


@pytest.fixture
def app_config():
    return {"UPLOAD_MAX_BYTES": 4096}


def _post(client, visit, filename, content):
    item = visit.catalogue.items[2]
    data = form_data(visit, summary="查阅了执法公示平台")
    data["problem_keys"] = ["n1"]
    data.update({"problem-n1-item_id": str(item.id), "problem-n1-description": "未公示裁量标准",
                 "problem-n1-disposition": "需下达意见书", "problem-n1-evidence": "平台截图",
                 "problem-n1-files": (io.BytesIO(content), filename)})
    return client.post(f"/visits/{visit.id}/edit", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("filename,content,message", [
    ("截图.jpg", b"MZ\x90\x00" + b"\x00" * 100, "可执行程序"),
    ("截图.pdf", b"%PDF-1.4\n" + b"0" * 5000, "超过大小上限"),
])
def test_bad_file_is_refused_and_typed_input_kept(client, plan, filename, content, message):
    visit = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_a, visit_date=date(2021, 4, 13),
                                 user=plan.inspector)
    db.session.commit()
    login(client, plan.inspector.username)
    resp = _post(client, visit, filename, content)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in html and filename in html
    assert "未公示裁量标准" in html and "平台截图" in html and "查阅了执法公示平台" in html
    db.session.expire_all()
    assert db.session.query(Attachment).count() == 0
    assert db.session.query(Problem).count() == 0
    assert db.session.get(Visit, visit.id).summary == ""


def test_good_file_is_stored_and_can_be_removed(client, plan):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buf, "JPEG")
    visit = operations.create_visit(kind=VisitKind.routine, unit=plan.unit_a, visit_date=date(2021, 4, 13),
                                 user=plan.inspector)
    db.session.commit()
    login(client, plan.inspector.username)
    assert _post(client, visit, "截图.jpeg", buf.getvalue()).status_code == 302
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    problem = visit.problems[0]
    att = db.session.query(Attachment).one()
    assert (att.owner_type, att.owner_id, att.mime, att.uploaded_by_id) == ("problem", problem.id, "image/jpeg",
                                                                         plan.inspector.id)
    path = att.path()
    data = form_data(visit)
    data[f"problem-{problem.id}-delete_att"] = [str(att.id)]
    assert client.post(f"/visits/{visit.id}/edit", data=data).status_code == 302
    assert db.session.query(Attachment).count() == 0
    import os

    assert not os.path.exists(path)
