"""A liaison's day on a phone (390×844): every page a unit user can reach fits the screen's width, and the reply
page keeps what was typed — one save for every problem, the unsaved-changes guard, the autosave.

The letter is made through the services in a small script against the live server's database (a delivered
letter with two problems, the visit it came from, a notification); the rest is the browser.
"""
import re
import subprocess
import sys

from playwright.sync_api import expect

from tests.browser.conftest import ROOT

UNIT_USER = ("ranghe", "Ranghe2021ok")
UNIT_NAME = "鲁山县瀼河乡人民政府"

SETUP = f"""
from datetime import date
from supervision import create_app
from supervision.extensions import db
from supervision.reminders.operations import notify
from tests.helpers import make_unit, make_user
from tests.rectification.conftest import make_letter

app = create_app()
with app.app_context():
    admin = make_user("admin", username="office")
    unit = make_unit({UNIT_NAME!r}, kind="乡镇")
    user = make_user("unit", username={UNIT_USER[0]!r}, password={UNIT_USER[1]!r}, unit=unit,
                     display_name="瀼河乡法制员（负责行政执法监督联络工作）")
    letter = make_letter(admin, unit)
    notify(user, "新的意见书", "请查阅并办理整改。", "/letters/inbox")
    db.session.commit()
    print(letter.id, letter.visit_id, unit.id, letter.items[0].id, letter.items[1].id)
"""


def _setup(live_server):
    out = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=live_server.env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [int(x) for x in out.stdout.split()[-5:]]


def _log_in(page, url):
    page.goto(url + "/login")
    page.get_by_label("用户名").fill(UNIT_USER[0])
    page.get_by_label("密码").fill(UNIT_USER[1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="登录")).to_have_count(0)


def _fits(page, screen: int = 390) -> tuple[int, int]:
    """(document width, window width). A phone widens the layout viewport (zooms out) when a page is wider
    than the screen, so the window must still be the screen's width for the comparison to mean anything."""
    width, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert view == screen, f"{page.url}: the phone zoomed out to {view}px for a {screen}px screen"
    return width, view


def test_unit_pages_fit_a_phone_and_the_reply_page_keeps_what_was_typed(live_server, browser):
    letter_id, visit_id, unit_id, p1, p2 = _setup(live_server)
    url = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.set_default_timeout(15000)
    from tests.browser.conftest import Steps

    steps = Steps(page, "test_unit_phone")
    try:
        _log_in(page, url)
        # Every page a unit user can reach (the unit role's routes), and the user menu opened on a phone.
        pages = [("home", "/"), ("inbox", "/letters/inbox"), ("letter", f"/letters/{letter_id}"),
                 ("mine", "/rectification/mine"), ("reply", f"/rectification/letters/{letter_id}"),
                 ("self-inspection", "/rectification/self-inspection"), ("notifications", "/inbox/"),
                 ("password", "/account/password"), ("unit-visits", f"/visits/unit/{unit_id}"),
                 ("visit", f"/visits/{visit_id}")]
        for name, path in pages:
            page.goto(url + path)
            assert page.url.split("?")[0].rstrip("/") == (url + path).rstrip("/"), (path, page.url)
            width, view = _fits(page)
            assert width <= view, f"{path}: {width}px wide in a {view}px screen"
            steps.shot(name)
        page.goto(url + "/letters/inbox")
        page.locator(".navbar-toggler").click()
        page.locator("#mainnav .dropdown-toggle").last.click()  # the user menu
        expect(page.get_by_role("button", name="退出登录")).to_be_visible()
        width, view = _fits(page)
        assert width <= view, f"user menu: {width}px wide in a {view}px screen"
        box = page.get_by_role("button", name="退出登录").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= view
        steps.shot("user-menu")
        # The inbox's actions are on screen: 整改 a full-width button inside the screen.
        page.goto(url + "/letters/inbox")
        act = page.locator("main").get_by_role("link", name="整改").first.bounding_box()
        assert act["x"] >= 0 and act["x"] + act["width"] <= view and act["width"] > view / 2
        page.goto(url + "/rectification/mine")
        act = page.locator("main").get_by_role("link", name="办理").first.bounding_box()
        assert act["x"] >= 0 and act["x"] + act["width"] <= view and act["width"] > view / 2
        state = page.locator('main td[data-label="状态"] .badge').first.bounding_box()
        assert state["x"] >= 0 and state["x"] + state["width"] <= view

        # --- typed answers to problems 1 and 2, one save, reload: both there ------------------------------------
        reply_url = f"{url}/rectification/letters/{letter_id}"
        page.goto(reply_url)
        one, two = page.locator(f"#problem-{p1}"), page.locator(f"#problem-{p2}")
        expect(one.locator('input[type=file][capture="environment"]')).to_have_count(1)
        one.get_by_label("整改情况").fill("问题一：已组织全体执法人员学习着装规定。")
        two.get_by_label("整改情况").fill("问题二：已按规范重新装订案卷。")
        two.get_by_label("采取的措施和建立的制度").fill("建立案卷装订检查制度。")
        steps.shot("typed")
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.get_by_text("已保存。")).to_be_visible()
        page.reload()
        expect(page.locator(f"#problem-{p1}").get_by_label("整改情况")).to_have_value("问题一：已组织全体执法人员学习着装规定。")
        expect(page.locator(f"#problem-{p2}").get_by_label("整改情况")).to_have_value("问题二：已按规范重新装订案卷。")
        expect(page.locator(f"#problem-{p2}").get_by_label("采取的措施和建立的制度")).to_have_value("建立案卷装订检查制度。")
        width, view = _fits(page)
        assert width <= view
        steps.shot("saved-and-reloaded")

        # --- typed, then leaving: the guard asks first ----------------------------------------------------------
        dialogs = []

        def on_dialog(dialog):
            dialogs.append(dialog.type)
            dialog.dismiss()  # stay on the page

        page.on("dialog", on_dialog)
        box = page.locator(f"#problem-{p1}").get_by_label("整改情况")
        box.click()
        box.press("End")
        box.type("（补充）")
        page.locator("#mainnav").evaluate("el => el.classList.add('show')")
        page.locator("#mainnav").get_by_role("link", name="消息").click(no_wait_after=True)
        expect(page).to_have_url(re.compile(rf"/rectification/letters/{letter_id}(#\w+)?$"))
        assert dialogs == ["beforeunload"], dialogs
        page.remove_listener("dialog", on_dialog)

        # --- autosave: wait for the draft endpoint's answer, reload, the text is there ----------------------------
        with page.expect_response(lambda r: r.url.endswith(f"/rectification/letters/{letter_id}/draft")
                                  and r.request.method == "POST") as saved:
            box.type("已完成。")
        assert saved.value.ok
        expect(page.locator("[data-autosave-status]")).to_contain_text("草稿已自动保存")
        page.reload()
        expect(page.locator(f"#problem-{p1}").get_by_label("整改情况")).to_have_value(
            "问题一：已组织全体执法人员学习着装规定。（补充）已完成。")
        expect(page.locator(f"#problem-{p2}").get_by_label("整改情况")).to_have_value("问题二：已按规范重新装订案卷。")
        steps.shot("autosaved-and-reloaded")
        assert "{" not in page.locator("main").inner_text()  # nothing JSON shown to people
    finally:
        context.close()
    assert errors == [], "\n".join(errors)


def test_unit_pages_still_good_at_1366(live_server, browser):
    letter_id, visit_id, unit_id, p1, p2 = _setup(live_server)
    url = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    from tests.browser.conftest import Steps

    steps = Steps(page, "test_unit_wide")
    try:
        _log_in(page, url)
        for name, path in [("inbox", "/letters/inbox"), ("mine", "/rectification/mine"),
                           ("reply", f"/rectification/letters/{letter_id}")]:
            page.goto(url + path)
            width, view = _fits(page, 1366)
            assert width <= view, path
            steps.shot(name)
        page.goto(url + "/rectification/mine")
        expect(page.get_by_role("columnheader", name="状态")).to_be_visible()  # a table at this width
    finally:
        context.close()
