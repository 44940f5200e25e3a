"""Back after confirming (or cancelling) an import (issue 15): the preview address shows the outcome, not a 404
「……或不属于您的单位」; confirming twice changes nothing."""
import io

from sqlalchemy import func, select

from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.schedule.models import Slot
from tests.helpers import login, make_user

CSV = "月份,周次,受监督单位\n三月,第一周,鲁山县司法局\n四月,第一周,鲁山县民政局\n".encode()


def _upload(client, year="2021"):
    resp = client.post("/schedule/import", data={"year": year, "file": (io.BytesIO(CSV), "计划.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    url = resp.headers["Location"]
    return url, url.rstrip("/").split("/")[-1]


def _create_all(body):
    import re

    return {f"unit_{k}": "create" for k in re.findall(r'name="unit_([0-9a-f]{12})"', body)}


def test_back_after_confirm_shows_the_imported_plan(app, client, ctx):
    admin = make_user("admin")
    assert login(client, admin.username).status_code == 302
    url, token = _upload(client)
    form = _create_all(client.get(url).get_data(as_text=True))
    assert client.post(f"/schedule/import/{token}/confirm", data=form).status_code == 302
    audits = db.session.scalar(select(func.count()).select_from(AuditEntry))

    resp = client.get(url)  # Back to the preview
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/schedule/?year=2021")
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "该计划表已导入" in body and "不属于您的单位" not in body
    # The confirm pressed again (resubmitted form): the same answer, nothing written twice.
    resp = client.post(f"/schedule/import/{token}/confirm", data=form, follow_redirects=True)
    assert resp.status_code == 200 and "该计划表已导入" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Slot)) == 2
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_back_after_cancel_says_it_was_cancelled(app, client, ctx):
    admin = make_user("admin")
    assert login(client, admin.username).status_code == 302
    url, token = _upload(client)
    assert client.post(f"/schedule/import/{token}/cancel").status_code == 302
    resp = client.get(url, follow_redirects=True)
    assert resp.status_code == 200 and "该次导入已取消" in resp.get_data(as_text=True)
    resp = client.post(f"/schedule/import/{token}/confirm", follow_redirects=True)
    assert "该次导入已取消" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Slot)) == 0
    # An address never issued is still not found.
    assert client.get("/schedule/import/" + "0" * 32).status_code == 404
