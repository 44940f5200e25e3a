import re
from io import BytesIO

from openpyxl import load_workbook

from supervision.accounts.models import User
from supervision.audit import AuditEntry
from supervision.extensions import db
from tests.helpers import login, login_as, make_unit, make_user


def test_admin_creates_user_who_must_change_password(app, client):
    login_as(client, "admin")
    resp = client.post("/users/new", data={"username": "newbie", "display_name": "新人", "role": "inspector",
                                           "office_id": "1", "unit_id": "0", "password": "Initial2021"})
    assert resp.status_code == 302
    with app.app_context():
        user = db.session.query(User).filter_by(username="newbie").one()
        assert user.must_change_password and user.office.name == "法治调研督察室"
        entry = db.session.query(AuditEntry).filter_by(record_type="user_account", record_id=user.id, action="create").one()
        assert entry.username.startswith("admin") and '"role": "inspector"' in entry.after


def test_duplicate_username_refused_and_nothing_changed(app, client):
    login_as(client, "admin", username="chief")
    resp = client.post("/users/new", data={"username": "CHIEF", "role": "leader", "office_id": "0", "unit_id": "0"})
    assert "已存在" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).count() == 1


def test_overlong_and_missing_fields_refused(app, client):
    login_as(client, "admin")
    html = client.post("/users/new", data={"username": "x" * 60, "role": "leader"}).get_data(as_text=True)
    assert "3–50位" in html
    html = client.post("/users/new", data={"username": "", "role": "leader"}).get_data(as_text=True)
    assert "请输入用户名" in html
    with app.app_context():
        assert db.session.query(User).count() == 1


def test_unit_user_must_have_a_unit(app, client):
    login_as(client, "admin")
    html = client.post("/users/new", data={"username": "lonely", "role": "unit", "office_id": "0", "unit_id": "0"}
                       ).get_data(as_text=True)
    assert "必须绑定一个单位" in html


def test_reset_password_forces_change_and_kills_old_sessions(app, client):
    with app.app_context():
        victim = make_user("inspector", username="forgetful")
        victim_id = victim.id
    other = app.test_client()
    login(other, "forgetful")
    login_as(client, "admin")
    resp = client.post(f"/users/{victim_id}/reset-password")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "只在本页显示这一次" in html and resp.headers["Cache-Control"] == "no-store"
    new_pw = re.search(r'id="new-password">([^<]+)<', html).group(1)
    assert other.get("/").status_code == 302  # the old session is gone
    assert login(other, "forgetful", new_pw).headers["Location"].endswith("/account/password")


def test_deactivated_user_is_logged_out(app, client):
    with app.app_context():
        uid = make_user("inspector", username="leaving").id
    other = app.test_client()
    login(other, "leaving")
    login_as(client, "admin")
    client.post(f"/users/{uid}/active", data={"active": "0"})
    assert other.get("/").status_code == 302
    assert "已停用" in login(other, "leaving").get_data(as_text=True)


def test_admin_cannot_deactivate_self(app, client):
    me = login_as(client, "admin")
    html = client.post(f"/users/{me.id}/active", data={"active": "0"}, follow_redirects=True).get_data(as_text=True)
    assert "不能停用自己的账号" in html


def test_bulk_unit_accounts_download_passwords_that_work(app, client):
    with app.app_context():
        a = make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
        make_unit("鲁山县司法局")
        make_unit("鲁山县已撤销局", active=False)
        make_user("unit", username="existing", unit=a)
    login_as(client, "admin")
    resp = client.post("/users/unit-accounts")
    assert resp.status_code == 200
    wb = load_workbook(BytesIO(resp.data))
    ws = wb.active
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True)]
    assert [r[1] for r in rows] == ["鲁山县司法局"]  # one per active unit without an account
    username, password = rows[0][3], rows[0][4]
    fresh = app.test_client()
    assert login(fresh, username, password).headers["Location"].endswith("/account/password")
    # Running again creates nothing more.
    resp = client.post("/users/unit-accounts", follow_redirects=True)
    assert "无需新建" in resp.get_data(as_text=True)


def test_create_user_cli_reads_password_from_stdin(app, runner):
    with app.app_context():
        make_unit("鲁山县司法局")
    result = runner.invoke(args=["create-user", "sfj", "--role", "unit", "--unit", "鲁山县司法局"], input="Secret2021\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-user", "bad", "--role", "unit", "--unit", "不存在的单位"], input="Secret2021\n")
    assert result.exit_code != 0 and "未找到单位" in result.output
    result = runner.invoke(args=["create-user", "weak", "--role", "leader"], input="12345678\n")
    assert result.exit_code != 0 and "字母和数字" in result.output
    with app.app_context():
        user = db.session.query(User).filter_by(username="sfj").one()
        assert user.unit.name == "鲁山县司法局" and user.check_password("Secret2021")
