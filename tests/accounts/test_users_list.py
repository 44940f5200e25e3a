"""/users at province scale: paged in the database, filtered by role, searched by name, a fixed number of queries."""
import re

from supervision.accounts.models import User
from supervision.extensions import db
from tests.helpers import login_as, make_unit, make_user, office, sql_statements


def statements(app, client, url) -> int:
    client.get(url)  # anything done once per session is not what is measured
    with sql_statements(app) as seen:
        resp = client.get(url)
    assert resp.status_code == 200
    return len(seen)


def add_users(app, n, role="inspector", prefix="insp", with_units=False):
    """n users named prefix000..., in one commit (one password hash shared: hashing is not under test)."""
    with app.app_context():
        template = make_user(role, username=f"{prefix}-template") if role != "unit" else None
        pw_hash = template.password_hash if template else make_user("leader", username=f"{prefix}-hash").password_hash
        off = office()
        for i in range(n):
            unit = make_unit(f"鲁山县{prefix}局{i:03d}") if with_units else None
            db.session.add(User(username=f"{prefix}{i:03d}", display_name=f"{prefix}姓名{i:03d}", role=role,
                                password_hash=pw_hash, unit_id=unit.id if unit else None,
                                office_id=off.id if role == "inspector" else None))
        if template is not None:
            db.session.delete(template)
        db.session.commit()


def usernames(html) -> list[str]:
    return re.findall(r"<tr>\s*<td>([^<]+)</td>", html)


def test_users_are_paged_fifty_a_page_with_the_total(app, client):
    login_as(client, "admin")
    add_users(app, 120)
    html = client.get("/users?role=inspector").get_data(as_text=True)
    assert "共 120 个" in html
    assert usernames(html) == [f"insp{i:03d}" for i in range(50)]
    html = client.get("/users?role=inspector&page=2").get_data(as_text=True)
    assert usernames(html) == [f"insp{i:03d}" for i in range(50, 100)]
    assert "共 120 个，第 2/3 页" in html
    # The pager keeps the role filter.
    links = re.findall(r'class="page-link" href="([^"]+)"', html)
    assert any("page=3" in u and "role=inspector" in u for u in links), links
    assert usernames(client.get("/users?role=inspector&page=3").get_data(as_text=True)) == \
        [f"insp{i:03d}" for i in range(100, 120)]
    # A page past the end shows the last one, not an empty list.
    assert usernames(client.get("/users?role=inspector&page=9").get_data(as_text=True))[0] == "insp100"


def test_all_roles_listed_by_role_then_username(app, client):
    me = login_as(client, "admin", username="zz-admin")
    add_users(app, 3, role="leader", prefix="ld")
    html = client.get("/users").get_data(as_text=True)
    names = usernames(html)
    assert names.index(me.username) < names.index("ld000") < names.index("ld002")
    assert "共 4 个" in html


def test_search_by_username_display_name_or_unit_name(app, client):
    login_as(client, "admin")
    with app.app_context():
        unit = make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
        make_user("unit", username="rhx", unit=unit)
        make_user("inspector", username="zhang3", display_name="张三")
        make_user("inspector", username="li4", display_name="李四")
        make_user("leader", username="Zhang-leader")
    html = client.get("/users?q=瀼河").get_data(as_text=True)
    assert usernames(html) == ["rhx"] and "共 1 个" in html
    assert usernames(client.get("/users?q=张三").get_data(as_text=True)) == ["zhang3"]
    # Username search ignores case, as login does; the role filter still applies.
    assert sorted(usernames(client.get("/users?q=ZHANG").get_data(as_text=True))) == ["Zhang-leader", "zhang3"]
    assert usernames(client.get("/users?q=zhang&role=leader").get_data(as_text=True)) == ["Zhang-leader"]
    # LIKE wildcards are taken literally.
    html = client.get("/users?q=%25").get_data(as_text=True)
    assert usernames(html) == [] and "没有符合条件的用户" in html
    assert usernames(client.get("/users?q=_").get_data(as_text=True)) == []


def test_users_page_statements_do_not_grow_with_the_users(app, client):
    login_as(client, "admin")
    add_users(app, 3, role="unit", prefix="u", with_units=True)
    add_users(app, 3, prefix="a")
    few = statements(app, client, "/users")
    add_users(app, 60, role="unit", prefix="v", with_units=True)
    add_users(app, 60, prefix="b")
    assert statements(app, client, "/users") == few
    assert statements(app, client, "/users?role=unit&page=2") == few
    html = client.get("/users?role=unit&page=2").get_data(as_text=True)
    assert "鲁山县v局" in html  # the unit of each unit account is shown


def test_user_form_lists_active_units_and_shows_a_deactivated_own_unit(app, client):
    login_as(client, "admin")
    with app.app_context():
        live = make_unit("鲁山县司法局")
        gone = make_unit("鲁山县已撤销局", active=False)
        other_gone = make_unit("鲁山县另一撤销局", active=False)
        holder = make_user("unit", username="gone-unit", unit=gone)
        ids = live.id, gone.id, other_gone.id, holder.id
    live_id, gone_id, other_id, holder_id = ids
    html = client.get("/users/new").get_data(as_text=True)
    assert f'<option value="{live_id}">鲁山县司法局（县直）</option>' in html
    assert "鲁山县已撤销局" not in html and "鲁山县另一撤销局" not in html
    html = client.get(f"/users/{holder_id}/edit").get_data(as_text=True)
    assert f'<option value="{gone_id}" selected>鲁山县已撤销局（县直）（已停用）</option>' in html
    assert "鲁山县另一撤销局" not in html
    # Saving names the reason the binding cannot stay, rather than a missing unit.
    html = client.post(f"/users/{holder_id}/edit", data={"username": "gone-unit", "role": "unit", "office_id": "0",
                                                        "unit_id": str(gone_id), "display_name": "改名"},
                       follow_redirects=True).get_data(as_text=True)
    assert "单位“鲁山县已撤销局”已停用" in html
    with app.app_context():
        user = db.session.get(User, holder_id)
        assert user.unit_id == gone_id and user.display_name == ""


def test_actions_return_to_the_page_and_search_they_were_taken_from(app, client):
    login_as(client, "admin")
    add_users(app, 70)
    html = client.get("/users?role=inspector&q=insp&page=2").get_data(as_text=True)
    action = re.search(r'action="(/users/\d+/active\?[^"]+)"', html).group(1).replace("&amp;", "&")
    resp = client.post(action, data={"active": "0"})
    assert resp.status_code == 302
    back = resp.headers["Location"]
    assert back.startswith("/users?") and all(p in back for p in ("role=inspector", "q=insp", "page=2"))
    html = client.get(back).get_data(as_text=True)
    assert "已停用用户 insp050" in html and usernames(html)[0] == "insp050"
    reset = re.search(r'action="(/users/\d+/reset-password\?[^"]+)"', html).group(1).replace("&amp;", "&")
    assert "page=2" in re.search(r'href="([^"]+)">返回用户列表', client.post(reset).get_data(as_text=True)).group(1)
