"""A unit on a phone (390 px) files a 重大行政处罚备案 with its three PDFs; the office returns it for 补正 with a
reason; the unit, still on the phone, corrects and files again; the office accepts it (予以备案)."""
import subprocess
import sys

from playwright.sync_api import expect

from tests.browser.conftest import ROOT, Steps

UNIT_USER = ("shijianju", "Shijian2021ok")
ADMIN_USER = ("office", "Office2021ok")
UNIT_NAME = "鲁山县市场监督管理局"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

SETUP = f"""
from supervision import create_app
from supervision.extensions import db
from tests.helpers import make_unit, make_user

app = create_app()
with app.app_context():
    make_user("admin", username={ADMIN_USER[0]!r}, password={ADMIN_USER[1]!r})
    unit = make_unit({UNIT_NAME!r})
    make_user("unit", username={UNIT_USER[0]!r}, password={UNIT_USER[1]!r}, unit=unit, display_name="市场监管局法制员")
    db.session.commit()
"""


def _log_in(page, url, who):
    page.goto(url + "/login")
    page.get_by_label("用户名").fill(who[0])
    page.get_by_label("密码").fill(who[1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="登录")).to_have_count(0)


def _fits(page):
    width, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert view == 390 and width <= view, f"{page.url}: {width}px wide in a {view}px screen"


def test_a_unit_files_on_a_phone_is_returned_resubmits_and_is_accepted(live_server, browser):
    out = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=live_server.env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    url = live_server.url
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                                has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
    unit, office = phone.new_page(), desk.new_page()
    errors = []
    for p in (unit, office):
        p.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        p.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        p.set_default_timeout(15000)
    steps = Steps(unit, "test_filings_phone")
    try:
        _log_in(unit, url, UNIT_USER)
        unit.goto(url + "/filings/mine")
        _fits(unit)
        steps.shot("mine")
        new = unit.get_by_role("link", name="报送重大行政处罚备案")
        box = new.bounding_box()
        assert box["width"] > 390 / 2 and box["x"] + box["width"] <= 390
        new.click()
        unit.get_by_label("决定书文号").fill("鲁市监罚〔2026〕88号")
        unit.get_by_label("当事人", exact=True).fill("张三")
        unit.get_by_label("证件号码").fill("410423199001011234")
        unit.get_by_label("案由").fill("销售不合格食品")
        unit.get_by_label("处罚种类和金额").fill("罚款人民币五万元")
        today = unit.evaluate("new Date(Date.now() + 8*3600*1000).toISOString().slice(0, 10)")
        unit.get_by_label("决定日期").fill(today)
        for label in ("重大行政处罚备案报告", "行政处罚决定书复印件", "重大行政处罚备案表"):
            field = unit.get_by_label(label)
            assert field.get_attribute("accept") == "application/pdf"
            field.set_input_files({"name": f"{label}.pdf", "mimeType": "application/pdf", "buffer": PDF})
        _fits(unit)
        steps.shot("form")
        unit.get_by_role("button", name="报送", exact=True).click()
        expect(unit.locator(".alert-success")).to_contain_text("已报送")
        expect(unit.locator("main")).to_contain_text("4104**********1234")
        assert "410423199001011234" not in unit.content()
        _fits(unit)
        steps.shot("filed")
        filing_url = unit.url

        _log_in(office, url, ADMIN_USER)
        office.goto(url + "/filings/penalties")
        office.get_by_role("link", name="鲁市监罚〔2026〕88号").click()
        office.get_by_role("button", name="登记（编备案号）").click()
        expect(office.locator(".alert-success")).to_contain_text("备案号 罚备〔2026〕1号")
        office.get_by_label("要求补正").check()
        office.get_by_label("补正要求或纠正意见").fill("重大行政处罚备案表未加盖单位公章，请补正。")
        office.get_by_role("button", name="提交审查结论").click()
        expect(office.locator("main")).to_contain_text("退回补正")

        unit.goto(url + "/filings/mine")
        expect(unit.locator("main")).to_contain_text("退回补正")
        fix = unit.locator("main").get_by_role("link", name="补正")
        box = fix.bounding_box()
        assert box["width"] > 390 / 2 and box["x"] + box["width"] <= 390
        fix.click()
        expect(unit.locator(".alert-warning")).to_contain_text("未加盖单位公章")
        unit.get_by_label("重大行政处罚备案表").set_input_files(
            {"name": "备案表（盖章）.pdf", "mimeType": "application/pdf", "buffer": PDF})
        _fits(unit)
        steps.shot("correct")
        unit.get_by_role("button", name="报送", exact=True).click()
        expect(unit.locator(".alert-success")).to_contain_text("已报送")
        assert unit.url == filing_url

        office.reload()
        expect(office.locator("main")).to_contain_text("已登记待审查")
        office.get_by_label("合法性审查意见").fill("主体合法，程序合法。")
        office.get_by_label("予以备案").check()
        office.get_by_role("button", name="提交审查结论").click()
        expect(office.locator(".alert-success")).to_contain_text("予以备案")

        unit.goto(url + "/filings/mine")
        expect(unit.locator("main")).to_contain_text("予以备案")
        expect(unit.locator("main")).to_contain_text("按时备案")
        _fits(unit)
        steps.shot("accepted")
        assert errors == [], errors
    finally:
        phone.close()
        desk.close()
