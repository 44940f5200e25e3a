from supervision.audit import AuditEntry
from supervision.directory.models import Unit
from supervision.extensions import db
from tests.helpers import login_as, make_unit


def test_unit_edit_writes_audit_with_before_and_after(app, client):
    admin = login_as(client, "admin")
    with app.app_context():
        uid = make_unit("鲁山县环境保护局").id
    resp = client.post(f"/units/{uid}/edit", data={"name": "市生态环境局鲁山分局", "kind": "县直", "phone": "0375-1"})
    assert resp.status_code == 302
    with app.app_context():
        e = db.session.query(AuditEntry).filter_by(record_type="unit", record_id=uid, action="update").one()
        assert e.user_id == admin.id
        assert e.before_data["name"] == "鲁山县环境保护局" and e.after_data["name"] == "市生态环境局鲁山分局"


def test_audit_page_filters_by_user_type_and_date(app, client):
    login_as(client, "admin", username="auditor")
    client.post("/units/new", data={"name": "鲁山县审计局", "kind": "县直"})
    html = client.get("/audit/?record_type=unit&user=auditor").get_data(as_text=True)
    assert "新增受监督单位 鲁山县审计局" in html
    html = client.get("/audit/?record_type=user_account").get_data(as_text=True)
    assert "新增受监督单位" not in html
    html = client.get("/audit/?start=2000-01-01&end=2000-01-02").get_data(as_text=True)
    assert "没有符合条件的记录" in html
    html = client.get("/audit/?start=yesterday").get_data(as_text=True)
    assert "起始日期格式不正确" in html


def test_units_are_deactivated_never_deleted(app, client):
    login_as(client, "admin")
    with app.app_context():
        uid = make_unit("鲁山县森林公安局").id
    client.post(f"/units/{uid}/active", data={"active": "0"}, follow_redirects=True)
    with app.app_context():
        unit = db.session.get(Unit, uid)
        assert unit is not None and unit.active is False
    assert "鲁山县森林公安局" not in client.get("/units").get_data(as_text=True)
    assert "鲁山县森林公安局" in client.get("/units?inactive=1").get_data(as_text=True)


def test_duplicate_unit_name_refused(app, client):
    login_as(client, "admin")
    with app.app_context():
        make_unit("鲁山县司法局")
    html = client.post("/units/new", data={"name": "鲁山县司法局", "kind": "县直"}).get_data(as_text=True)
    assert "已有同名单位" in html
    html = client.post("/units/new", data={"name": "长" * 101, "kind": "县直"}).get_data(as_text=True)
    assert "不能超过100个字" in html
    with app.app_context():
        assert db.session.query(Unit).count() == 1


def test_profile_is_seeded_and_editable(app, client):
    login_as(client, "admin")
    html = client.get("/profile").get_data(as_text=True)
    assert "鲁山县法治政府建设领导小组办公室" in html and "鲁政行监字" in html and "司法大楼504" in html
    data = {"issuing_authority": "宝丰县法治政府建设领导小组办公室", "letter_prefix": "宝政行监字",
            "reply_office": "宝丰县司法局行政执法协调监督室", "reply_address": "", "contact_person": "王某",
            "contact_phone": "0375-1234567", "reply_period_days": "30"}
    assert client.post("/profile", data=data).status_code == 302
    from supervision.directory.operations import get_profile

    with app.app_context():
        p = get_profile()
        assert p.letter_prefix == "宝政行监字" and p.reply_place == "宝丰县司法局行政执法协调监督室"
    # The footer follows the profile: nothing hard-codes the county.
    assert "宝丰县法治政府建设领导小组办公室" in client.get("/").get_data(as_text=True)


def test_three_offices_of_annex_two(app, client):
    login_as(client, "leader")
    html = client.get("/units").get_data(as_text=True)
    for name, phone in (("法治调研督察室", "0375-7653020"), ("政策法规室", "0375-7653029"),
                        ("行政执法协调监督室", "0375-7653158")):
        assert name in html and phone in html
