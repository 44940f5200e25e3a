"""A person logs in, is made to change the admin-set password, and lands on their dashboard."""
from playwright.sync_api import expect


def test_first_login_forces_password_change_then_dashboard(live_server, page):
    live_server.flask("create-user", "liaison", "--role", "leader", "--name", "局领导", input="Initial2021\n")
    # create-user sets a chosen password; simulate an admin reset so it must be changed at first login.
    live_server.flask("shell", input="from supervision.accounts.models import User\nfrom supervision.extensions import db\n"
                      "u = db.session.query(User).filter_by(username='liaison').one(); u.must_change_password = True; db.session.commit()\n")
    page.goto(live_server.url + "/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.steps.shot("login-page")
    page.get_by_label("用户名").fill("liaison")
    page.get_by_label("密码").fill("wrong-pass1")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("用户名或密码错误")).to_be_visible()
    page.get_by_label("用户名").fill("liaison")
    page.get_by_label("密码").fill("Initial2021")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    page.steps.shot("must-change-password")
    page.get_by_label("原密码").fill("Initial2021")
    page.get_by_label("新密码", exact=True).fill("Changed2021")
    page.get_by_label("再次输入新密码").fill("Changed2021")
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_text("密码已修改")).to_be_visible()
    expect(page.get_by_role("heading", name="领导查阅")).to_be_visible()
    page.steps.shot("dashboard")
    page.get_by_role("button", name="局领导", exact=True).click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_text("已退出登录")).to_be_visible()
