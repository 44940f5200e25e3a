"""A small 考核 year end to end in the browser: the office imports the scheme and starts scoring, the unit reports
a material on its phone, a reviewer rates, the office enters the 日常 scores, computes, adds a 加分, starts 反馈,
the unit sees its own breakdown and files 异议, the office answers it (复核) and confirms (审定).
The people and the scheme file are made by a small script against the live server's database; the rest is the
browser. (The 通报 DOCX download step is added when the outputs are wired in.)"""
import subprocess
import sys

import docx
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, Steps

PW = "Assess2026ok"
SETUP = f"""
from supervision import create_app
from supervision.extensions import db
from tests.assessment.conftest import scheme_bytes
from tests.helpers import make_unit, make_user

app = create_app()
with app.app_context():
    make_user("admin", username="office", password={PW!r}, display_name="监督室")
    make_user("inspector", username="reviewer", password={PW!r}, display_name="评审员")
    town = make_unit("张良镇", kind="乡镇")
    make_unit("鲁山县教育局", kind="县直")
    make_user("unit", username="zhangliang", password={PW!r}, unit=town, display_name="张良镇联络员")
    db.session.commit()
import sys
open(sys.argv[1], "wb").write(scheme_bytes())
"""


def _context(browser, phone=False):
    if phone:
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    else:
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    pg = ctx.new_page()
    pg.set_default_timeout(15000)
    pg.on("dialog", lambda d: d.accept())  # the 「确定？」 of irreversible steps
    errors = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    return ctx, pg


def _log_in(pg, url, username):
    pg.goto(url + "/login")
    pg.get_by_label("用户名").fill(username)
    pg.get_by_label("密码").fill(PW)
    pg.get_by_role("button", name="登录").click()
    expect(pg.get_by_role("button", name="登录")).to_have_count(0)


def test_a_small_year_end_to_end(live_server, browser, tmp_path):
    scheme = tmp_path / "细则.xlsx"
    out = subprocess.run([sys.executable, "-c", SETUP, str(scheme)], cwd=ROOT, env=live_server.env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    url = live_server.url
    octx, office = _context(browser)
    uctx, unit = _context(browser, phone=True)
    rctx, reviewer = _context(browser)
    steps = Steps(office, "test_assessment_office")
    try:
        # --- the office: a year, the scheme, scoring starts -----------------------------------------------------
        _log_in(office, url, "office")
        office.goto(url + "/assessment/")
        office.get_by_label("年度", exact=True).fill("2026")
        office.get_by_role("button", name="建立年度考核").click()
        expect(office.get_by_text("已建立2026年度考核")).to_be_visible()
        office.get_by_role("link", name="考核方案").click()
        office.locator("#f-file").set_input_files(str(scheme))
        office.get_by_role("button", name="导入方案").click()
        expect(office.get_by_text("考核方案已导入，共 4 项三级指标")).to_be_visible()
        expect(office.get_by_text("依法行政工作资料评判占比 66.67%").first).to_be_visible()
        steps.shot("scheme")
        office.get_by_role("link", name="总览").click()
        office.get_by_role("button", name="锁定方案，开始评分").click()
        expect(office.get_by_text("评分已开始")).to_be_visible()

        # --- the unit reports a material, on a phone --------------------------------------------------------------
        _log_in(unit, url, "zhangliang")
        unit.goto(url + "/assessment/my")
        unit.get_by_role("link", name="2026年度").click()
        card = unit.locator(".card", has_text="1.1.1 公布权责清单")
        card.get_by_label("说明").fill("权责清单已于3月公布，见附件。")
        card.locator("input[type=file]").set_input_files(
            files=[{"name": "权责清单.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}])
        card.get_by_role("button", name="报送").click()
        expect(unit.get_by_text("材料已报送")).to_be_visible()
        width, view = unit.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= view

        # --- a reviewer rates, seeing the material ----------------------------------------------------------------
        _log_in(reviewer, url, "reviewer")
        reviewer.goto(url + "/assessment/2026/scheme")
        for name_, ratings in (("公布权责清单", {"张良镇": "优", "鲁山县教育局": "良"}),
                               ("乡镇综合执法", {"张良镇": "良"}), ("部门执法公示", {"鲁山县教育局": "优"})):
            reviewer.goto(url + "/assessment/2026/scheme")
            reviewer.get_by_role("link", name=name_).click()
            if name_ == "公布权责清单":
                expect(reviewer.get_by_text("权责清单已于3月公布，见附件。")).to_be_visible()
            for name, label in ratings.items():
                c = reviewer.locator(".card", has_text=name)
                c.get_by_label("评定").select_option(label=label)
                c.get_by_label("理由").fill(f"材料核实，评为{label}")
                c.get_by_role("button", name="保存评定").click()
                expect(reviewer.get_by_text("评定已保存")).to_be_visible()

        # --- the office: 日常 scores, 汇总, 加减分, 反馈 --------------------------------------------------------------
        office.goto(url + "/assessment/2026")
        office.get_by_role("button", name="现在重新计算日常评价").click()  # from the records, nothing typed
        expect(office.get_by_text("已按日常监督记录重新计算日常工作情况评价")).to_be_visible()
        office.get_by_role("button", name="考核汇总（计算得分）").click()
        expect(office.get_by_text("考核汇总已完成")).to_be_visible()
        office.get_by_role("link", name="加减分").click()
        office.get_by_label("单位").select_option(label="鲁山县教育局")
        office.get_by_label("分值").fill("0.5")
        office.get_by_label("理由").fill("行政执法案卷评查获评优秀")
        office.get_by_role("button", name="登记").click()
        expect(office.get_by_text("加减分已登记")).to_be_visible()
        office.get_by_role("link", name="总览").click()
        office.get_by_role("button", name="考核汇总（计算得分）").click()
        # 张良镇: 资料 (40 优 + 40 良 = 72 of 80) 60.00 + 日常 (its share of 33.33 as the records give it)
        row = office.locator("tr", has_text="张良镇")
        expect(row).to_contain_text("60.00")
        total = row.locator("td").nth(7).inner_text()
        office.get_by_role("link", name="县直部门").click()
        expect(office.locator("tr", has_text="鲁山县教育局")).to_contain_text("0.50")
        steps.shot("results")
        office.get_by_role("link", name="总览").click()
        office.get_by_role("button", name="开始问题反馈").click()
        expect(office.get_by_text("已开始问题反馈")).to_be_visible()

        # --- the unit sees only its own breakdown and files 异议 -----------------------------------------------
        unit.goto(url + "/assessment/my/2026")
        expect(unit.get_by_text("本单位考核得分")).to_be_visible()
        expect(unit.locator("main")).to_contain_text(total)
        expect(unit.locator("main")).not_to_contain_text("鲁山县教育局")
        unit.get_by_label("对哪项指标有异议").select_option(label="1.1.2 乡镇综合执法")
        unit.get_by_label("异议内容和理由").fill("综合执法队伍已于6月组建，请复核。")
        unit.get_by_role("button", name="提出异议").click()
        expect(unit.get_by_text("异议已提交")).to_be_visible()

        # --- 复核 and 审定 ------------------------------------------------------------------------------------------
        office.get_by_role("button", name="开始复核").click()
        expect(office.get_by_text("已进入复核")).to_be_visible()
        office.get_by_role("link", name="异议").click()
        expect(office.get_by_text("综合执法队伍已于6月组建")).to_be_visible()
        office.get_by_label("复核意见").fill("经复核，组建时间在考核年度内，维持良的评定。")
        office.get_by_role("button", name="记录复核意见").click()
        expect(office.get_by_text("复核意见已记录")).to_be_visible()
        office.get_by_role("link", name="总览").click()
        office.get_by_role("button", name="领导小组审定").click()
        expect(office.get_by_text("考核结果已审定")).to_be_visible()
        expect(office.locator("h1")).to_contain_text("审定")
        steps.shot("confirmed")
        unit.goto(url + "/assessment/my/2026")
        expect(unit.get_by_text("维持良的评定")).to_be_visible()

        # --- the 通报, downloaded and read back ---------------------------------------------------------------------
        office.get_by_role("link", name="考核结果", exact=True).click()
        with office.expect_download() as dl:
            office.get_by_role("link", name="下载考核情况通报（Word）").click()
        text = "\n".join(p.text for p in docx.Document(dl.value.path()).paragraphs)
        assert "关于2026年度" in text and "三、考核结果" in text and "四、" in text, text[:500]
        assert "张良镇" in text and "鲁山县教育局" in text
        assert not office.errors and not unit.errors and not reviewer.errors, office.errors + unit.errors
    finally:
        for c in (octx, uctx, rctx):
            c.close()
