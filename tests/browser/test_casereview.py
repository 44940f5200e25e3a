"""A small 案卷评查 in a real browser: the admin creates a campaign of two units with the default standard; the
unit lists a case file on a phone (390 px, no horizontal scroll); the reviewer scores it with a deduction marked
列为问题; the admin turns the unit's results into a visit, drafts the letter from it and issues it — the
reviewer's note is in the issued letter, typed once."""
import re
import subprocess
import sys

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import ROOT, Steps
from tests.browser.people import log_in, log_out, nav, pdf_bytes

ADMIN = ("office", "Office2021ok", "监督室老王")
REVIEWER = ("lipc", "Review2021ok", "李评查")
UNIT_USER = ("shijian", "Unit2021ok", "市监局法制员")
UNIT = "鲁山县市场监督管理局"
OTHER = "鲁山县交通运输局"
NOTE = "未告知当事人陈述申辩权利"

SETUP = f"""
from supervision import create_app
from supervision.extensions import db
from tests.helpers import make_unit, make_user

app = create_app()
with app.app_context():
    make_user("admin", username={ADMIN[0]!r}, password={ADMIN[1]!r}, display_name={ADMIN[2]!r})
    make_user("inspector", username={REVIEWER[0]!r}, password={REVIEWER[1]!r}, display_name={REVIEWER[2]!r})
    unit = make_unit({UNIT!r})
    make_unit({OTHER!r})
    make_user("unit", username={UNIT_USER[0]!r}, password={UNIT_USER[1]!r}, unit=unit, display_name={UNIT_USER[2]!r})
    db.session.commit()
"""


def _text(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_case_review_campaign_to_issued_letter(live_server, page, browser, tmp_path):
    out = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=live_server.env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    url, steps = live_server.url, page.steps
    page.on("dialog", lambda dialog: dialog.accept())

    # --- the admin creates the campaign -----------------------------------------------------------------
    log_in(page, url, ADMIN[0], ADMIN[1])
    nav(page, "案卷评查")
    page.get_by_role("link", name="新建评查").click()
    page.get_by_label("评查名称").fill("2021年上半年行政处罚案卷评查")
    page.get_by_label("案卷办结日期自").fill("2021-01-01")
    page.get_by_label("至", exact=True).fill("2021-04-30")
    page.get_by_label("每个单位报送案卷数").fill("2")
    page.locator("#unit_ids").select_option(label=UNIT)
    page.locator("#unit_ids").select_option([UNIT, OTHER])
    page.locator("#reviewer_ids").select_option(label=REVIEWER[2])
    steps.shot("campaign-form")
    page.get_by_role("button", name="新建评查").click()
    expect(page.get_by_text("抽查单位2个")).to_be_visible()
    campaign_url = page.url
    steps.shot("campaign")
    log_out(page, ADMIN[2])

    # --- the unit lists a case file on a phone ------------------------------------------------------------
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                                has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    mobile = phone.new_page()
    mobile.set_default_timeout(15000)
    shots = Steps(mobile, "test_casereview_phone")
    log_in(mobile, url, UNIT_USER[0], UNIT_USER[1])
    mobile.goto(url + "/casereview/my")
    mobile.get_by_role("link", name="2021年上半年行政处罚案卷评查").click()
    mobile.get_by_label("案号或决定书文号").fill("鲁市监罚〔2021〕12号")
    mobile.get_by_label("当事人").fill("鲁山县某超市")
    mobile.get_by_label("案由").fill("销售过期食品")
    mobile.get_by_label("办结日期").fill("2021-03-18")
    mobile.get_by_label("案卷扫描件（PDF，可不传）").set_input_files(
        files=[{"name": "案卷.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    mobile.get_by_role("button", name="报送").click()
    expect(mobile.get_by_text("已报送案卷鲁市监罚〔2021〕12号。")).to_be_visible()
    for path in ("/casereview/my", mobile.url.replace(url, "")):
        mobile.goto(url + path)
        width, view = mobile.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert view == 390 and width <= view, f"{path}: {width}px wide in a {view}px screen"
        shots.shot(path.strip("/").replace("/", "-"))
    phone.close()

    # --- the reviewer scores it, one deduction marked 列为问题 -----------------------------------------------
    log_in(page, url, REVIEWER[0], REVIEWER[1])
    nav(page, "案卷评查")
    page.get_by_role("link", name="2021年上半年行政处罚案卷评查").click()
    page.get_by_role("link", name="鲁市监罚〔2021〕12号").click()
    row = page.get_by_role("row").filter(has_text="依法告知陈述、申辩和听证权利")
    row.get_by_label("扣分", exact=True).fill("8")
    row.get_by_label("扣分理由").fill(NOTE)
    row.get_by_label("列为问题").check()
    steps.shot("scoring")
    page.get_by_role("button", name="保存评分").click()
    expect(page.get_by_text("已保存鲁市监罚〔2021〕12号的评查结果。")).to_be_visible()
    expect(page.get_by_text("92分")).to_be_visible()
    expect(page.locator(".badge").filter(has_text="不合格")).to_be_visible()  # a 严重问题 item
    steps.shot("scored")
    log_out(page, REVIEWER[2])

    # --- the admin turns it into a visit, drafts and issues the letter ----------------------------------------
    log_in(page, url, ADMIN[0], ADMIN[1])
    page.goto(campaign_url)
    page.get_by_role("row").filter(has_text=UNIT).get_by_role("button", name="转为检查记录").click()
    expect(page.get_by_text(re.compile("已将.*评查结果转为检查记录（问题1个）"))).to_be_visible()
    expect(page.get_by_text(NOTE).first).to_be_visible()
    steps.shot("visit")
    nav(page, "意见书")
    page.locator(".card").filter(has_text="待起草意见书的检查").get_by_role("row").filter(has_text=UNIT) \
        .get_by_role("button", name="起草").click()
    expect(page.get_by_text(f"（{UNIT}，1个问题）")).to_be_visible()
    assert NOTE in page.locator("textarea[id^=text-]").first.input_value()
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()
    nav(page, "意见书")
    page.get_by_role("row").filter(has_text=UNIT).get_by_role("link").first.click()
    page.get_by_role("button", name="签发并编号").click()
    expect(page.get_by_text(re.compile(r"已签发 鲁政行监字〔\d{4}〕1号"))).to_be_visible()
    steps.shot("issued")
    with page.expect_download() as dl:
        page.get_by_role("link", name="下载 PDF").click()
    pdf_path = tmp_path / "letter.pdf"
    dl.value.save_as(pdf_path)
    assert _text(NOTE) in _text("".join(p.extract_text() or "" for p in PdfReader(str(pdf_path)).pages))
