"""The whole loop in a real browser, as the people who use the app would go through it.

Empty database (only `flask db upgrade`), waitress on 127.0.0.1, the scheduler process running beside it:
the admin imports the 2021 plan from an .xlsx and confirms the preview, assigns a group to a week and creates
the unit's account; a reminder sweep as of the working day before that week puts the group reminder in the
inspector's inbox; the inspector records the visit (two problems for a letter, one fixed on the spot) and
drafts the letter; the admin issues it and downloads its PDF; the unit signs for it, answers each problem with
an attachment and submits its report; the admin returns one problem; the unit resubmits; the admin accepts;
the letter is 已办结 and the exported 整改台账 has it. Every step is screenshotted under test-output/.
"""
import re
import time
from datetime import datetime, timedelta

import openpyxl
from playwright.sync_api import expect
from pypdf import PdfReader

from supervision import workcal
from supervision.timeutil import TZ
from tests.browser.people import log_in, log_out, nav, pdf_bytes, png_bytes
from tests.schedule import builders

ADMIN = ("admin", "Admin2021pass", "监督室老王")
INSPECTOR = ("zhangjc", "Inspect2021", "张检查")
OFFICE = "行政执法协调监督室"
UNIT = "鲁山县张良镇人民政府"  # 2021年三月第一周: 3月1日—3月5日
UNIT_USER = ("zhangliang", "Initial2021", "张良镇联络员")
UNIT_NEW_PASSWORD = "Changed2021"

PROBLEM_A = "未以红头文件形式制定年度行政执法人员培训考核计划"
PROBLEM_B = "部分行政执法人员未按要求规范着装"
PROBLEM_FIXED = "执法公示栏未更新权责清单"
RETURN_REASON = "佐证材料只有照片，请补充培训考核计划正式文件"


def _texts_without_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_whole_loop(live_server, page, tmp_path):
    started = time.monotonic()
    steps = page.steps
    page.on("dialog", lambda dialog: dialog.accept())  # the app's “确定…？” confirmations
    url = live_server.url

    # Accounts that exist before anyone opens the app: the admin and an inspector (the unit's comes later).
    live_server.flask("create-user", ADMIN[0], "--role", "admin", "--name", ADMIN[2], input=ADMIN[1] + "\n")
    live_server.flask("create-user", INSPECTOR[0], "--role", "inspector", "--office", OFFICE,
                      "--name", INSPECTOR[2], input=INSPECTOR[1] + "\n")
    scheduler = live_server.start_process("scheduler", "--sweep-seconds", "2", "--deliver-seconds", "2",
                                          log_name="scheduler.log")

    # --- the admin imports the 2021 plan -------------------------------------------------------------------
    log_in(page, url, ADMIN[0], ADMIN[1])
    expect(page.get_by_role("heading", name="监督室工作台")).to_be_visible()
    steps.shot("admin-dashboard")
    # The letter is issued and signed for today, so its 30-day deadline may fall in a year the bundled
    # calendar does not know yet; the office then enters that year's holidays first, as the app asks.
    deadline_year = (datetime.now(TZ) + timedelta(days=45)).year
    if deadline_year > workcal.package_last_year():
        nav(page, "工作日历")
        page.get_by_label("年份").fill(str(deadline_year))
        page.get_by_label("依据").fill(f"国办发明电〔{deadline_year}〕（测试录入）")
        page.get_by_label("放假日期").fill(f"{deadline_year}-01-01 元旦\n"
                                         f"{deadline_year}-10-01~{deadline_year}-10-07 国庆节")
        page.get_by_role("button", name="保存该年安排").click()
        expect(page.get_by_text(f"已保存{deadline_year}年的节假日安排")).to_be_visible()
        steps.shot("calendar-year-entered")
    nav(page, "监督计划")
    page.get_by_role("link", name="导入计划表").first.click()
    expect(page.get_by_role("heading", name="导入依法行政日常监督分组计划表")).to_be_visible()
    page.get_by_label("计划年份").fill("2021")
    page.get_by_label("计划表文件").set_input_files(files=[{
        "name": "2021年依法行政日常监督分组计划表.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": builders.xlsx_merged(builders.blocks_2021())}])
    steps.shot("import-upload")
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", name=re.compile("导入预览"))).to_be_visible()
    summary = page.locator("#import-summary")
    expect(summary).to_contain_text("家单位（乡镇 20 家、县直 35 家）")
    expect(page.locator("#import-errors")).to_have_count(0)
    # Empty directory: every unit is new; the preview offers to create each one (the default choice).
    expect(page.get_by_label(f"{UNIT} 的处理")).to_have_value("create")
    steps.shot("import-preview")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已导入2021年计划")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("2021年依法行政日常监督分组计划"))).to_be_visible()
    steps.shot("plan-imported")

    # --- assigns a group (lead office + the inspector) to 三月第一周 --------------------------------------------
    cell = page.locator("td").filter(has_text=UNIT)
    cell.get_by_role("link", name="详情").click()
    expect(page.get_by_role("heading", name=re.compile("2021年3月第1周"))).to_be_visible()
    page.get_by_label("牵头科室").select_option(label=OFFICE)
    page.get_by_label(f"{INSPECTOR[2]}（{OFFICE}）").check()
    steps.shot("slot-assign")
    page.get_by_role("button", name="保存分工").click()
    expect(page.get_by_text("已保存3月第1周的分工")).to_be_visible()
    expect(page.get_by_text(f"检查人员：{INSPECTOR[2]}")).to_be_visible()
    steps.shot("slot-assigned")

    # --- creates the unit's account (the unit exists now that the plan created it) -----------------------------
    nav(page, "用户")
    page.get_by_role("link", name="新建用户").click()
    page.get_by_label("用户名").fill(UNIT_USER[0])
    page.get_by_label("姓名").fill(UNIT_USER[2])
    page.get_by_label("角色").select_option(label="受监督单位")
    page.get_by_label("所属单位（受监督单位账号）").select_option(label=f"{UNIT}（乡镇）")
    page.get_by_label("初始密码").fill(UNIT_USER[1])
    steps.shot("unit-user-form")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(f"已创建用户 {UNIT_USER[0]}")).to_be_visible()
    steps.shot("unit-user-created")
    log_out(page, ADMIN[2])

    # --- the reminder sweep as of the last working day before the week (Friday 2021-02-26) --------------------
    out = live_server.flask("reminders", "run-due", "--now", "2021-02-26T09:30")
    assert "检查提醒：3月1日—3月5日（3月第1周）" in out, out

    # --- the inspector finds it in the inbox ------------------------------------------------------------------
    log_in(page, url, INSPECTOR[0], INSPECTOR[1])
    expect(page.get_by_role("heading", name="检查组工作台")).to_be_visible()
    bell = page.locator("#mainnav").get_by_role("link", name=re.compile("消息"))
    expect(bell.locator("[data-unread]")).to_have_text("1")
    steps.shot("inspector-dashboard")
    bell.click()
    note = page.locator(".list-group-item").filter(has_text="检查提醒：3月1日—3月5日（3月第1周）")
    expect(note).to_contain_text(f"监督检查{UNIT}")
    expect(note).to_contain_text(f"牵头科室：{OFFICE}")
    steps.shot("inspector-inbox")
    note.get_by_role("button", name="打开").click()
    expect(page.get_by_role("heading", name=re.compile("2021年3月第1周"))).to_be_visible()
    steps.shot("reminder-opened-slot")

    # --- records the visit: two problems for a letter, one fixed on the spot, every item rated -------------
    nav(page, "监督检查")
    page.get_by_role("link", name="新建检查记录").click()
    page.get_by_label("检查类型").select_option(label="日常监督")
    page.get_by_label("受监督单位").select_option(label=UNIT)
    page.get_by_label("检查日期").fill("2021-03-02")
    steps.shot("visit-new")
    page.get_by_role("button", name="新建并开始填写").click()
    expect(page.get_by_text("已新建检查记录草稿")).to_be_visible()
    expect(page.get_by_text("计划：2021年3月第1周")).to_be_visible()
    expect(page.get_by_label(f"{INSPECTOR[2]}（{OFFICE}）")).to_be_checked()  # the slot's group
    page.get_by_label("听取汇报").check()
    page.get_by_label("查阅资料").check()
    page.get_by_label("现场询问").check()
    page.get_by_label("总体情况").fill("单位负责人汇报了依法行政工作情况，检查组查阅了相关资料。")

    def add_problem(item_name, description, disposition, fix_action=""):
        card = page.locator(".check-item").filter(has=page.get_by_text(item_name, exact=False)).first
        card.get_by_role("button", name="＋ 记录问题").click()
        row = card.locator("[data-problem-row]").last
        row.get_by_label("问题描述").fill(description)
        row.get_by_label(disposition, exact=True).check()
        if fix_action:
            row.get_by_label("立行立改：现场如何整改").fill(fix_action)

    add_problem("培训考核", PROBLEM_A, "需下达意见书")
    add_problem("人员素质", PROBLEM_B, "需下达意见书")
    add_problem("“三项制度”", PROBLEM_FIXED, "立行立改", fix_action="检查当日已更新公示栏，检查组现场核实。")
    items = page.locator(".check-item")
    assert items.count() == 9
    for i in range(items.count()):
        group = items.nth(i).get_by_role("group", name=re.compile("评定$"))
        with_problem = items.nth(i).locator("[data-problem-row]").count() > 0
        group.get_by_text("中" if with_problem else "良", exact=True).click()
    steps.shot("visit-form-filled")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("检查记录已提交。需下达意见书的问题已进入待起草清单。")).to_be_visible()
    for text in (PROBLEM_A, PROBLEM_B, PROBLEM_FIXED):
        expect(page.get_by_text(text).first).to_be_visible()
    steps.shot("visit-submitted")

    # --- the inspector drafts the letter from the visit ------------------------------------------------------
    nav(page, "意见书")
    awaiting = page.locator(".card").filter(has_text="待起草意见书的检查")
    row = awaiting.get_by_role("row").filter(has_text=UNIT)
    expect(row).to_contain_text("2021年3月2日")
    steps.shot("letters-awaiting")
    row.get_by_role("button", name="起草").click()
    expect(page.get_by_text(f"（{UNIT}，2个问题）")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("草稿"))).to_be_visible()
    texts = [page.locator("textarea[id^=text-]").nth(i).input_value() for i in range(2)]
    assert sorted(texts) == sorted([PROBLEM_A, PROBLEM_B])
    steps.shot("letter-draft-edit")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()
    steps.shot("letter-draft")
    log_out(page, INSPECTOR[2])

    # --- the admin issues it and downloads the PDF -----------------------------------------------------------
    year = datetime.now(TZ).year  # the issue date is today
    number = f"鲁政行监字〔{year}〕1号"
    log_in(page, url, ADMIN[0], ADMIN[1])
    nav(page, "意见书")
    page.get_by_role("row").filter(has_text=UNIT).get_by_role("link").first.click()
    expect(page.get_by_text("草稿预览")).to_be_visible()
    steps.shot("admin-letter-draft")
    page.get_by_role("button", name="签发并编号").click()
    expect(page.get_by_text(f"已签发 {number}")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(re.escape(number)))).to_be_visible()
    steps.shot("letter-issued")
    with page.expect_download() as dl:
        page.get_by_role("link", name="下载 PDF").click()
    pdf_path = tmp_path / "letter.pdf"
    dl.value.save_as(pdf_path)
    assert dl.value.suggested_filename.endswith(".pdf")
    pdf_text = _texts_without_space("".join(p.extract_text() or "" for p in PdfReader(str(pdf_path)).pages))
    assert number in pdf_text, pdf_text
    assert PROBLEM_A in pdf_text and PROBLEM_B in pdf_text, pdf_text
    assert PROBLEM_FIXED not in pdf_text
    assert UNIT in pdf_text
    log_out(page, ADMIN[2])

    # --- the unit user logs in (must change the initial password) and signs for the letter ----------------------
    log_in(page, url, UNIT_USER[0], UNIT_USER[1])
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    steps.shot("unit-must-change-password")
    page.get_by_label("原密码").fill(UNIT_USER[1])
    page.get_by_label("新密码", exact=True).fill(UNIT_NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(UNIT_NEW_PASSWORD)
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_text("密码已修改")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{UNIT} · 单位工作台")).to_be_visible()
    steps.shot("unit-dashboard")
    nav(page, "我的意见书")
    inbox_row = page.get_by_role("row").filter(has_text=number)
    expect(inbox_row).to_contain_text("待签收")
    steps.shot("unit-letters")
    inbox_row.get_by_role("link", name=number).click()
    steps.shot("unit-letter-before-sign")
    page.get_by_role("button", name="签收", exact=True).click()
    expect(page.get_by_text("已签收。整改期限：")).to_be_visible()
    steps.shot("unit-signed")

    # --- replies to each problem with one attachment, then submits the report with the signed scan ------------
    page.locator("main").get_by_role("link", name="整改报送").click()
    expect(page.get_by_role("heading", name=f"{number} · {UNIT}")).to_be_visible()
    cards = page.locator("[id^=problem-]")
    expect(cards).to_have_count(2)
    for i in range(2):  # one form for the whole page: every answer first, then one save
        card = page.locator("[id^=problem-]").nth(i)
        card.get_by_label("整改情况").fill(f"已针对问题{i + 1}完成整改，详见佐证材料。")
        card.get_by_label("采取的措施和建立的制度").fill("制定了相关制度并组织全员学习。")
        card.get_by_label("佐证材料（可多选）").set_input_files(files=[{
            "name": f"整改照片{i + 1}.png", "mimeType": "image/png", "buffer": png_bytes()}])
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    for i in range(2):
        expect(page.locator("[id^=problem-]").nth(i).get_by_role("link", name=f"整改照片{i + 1}.png")).to_be_visible()
    steps.shot("unit-replies-drafted")
    report = page.locator("#report")
    report.get_by_label("整改报告", exact=True).fill("我单位高度重视，逐项整改，现将整改情况报告如下。")
    report.get_by_label("整改报告扫描件（PDF，加盖公章）").set_input_files(files=[{
        "name": "整改报告（盖章）.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    steps.shot("unit-report-filled")
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.get_by_text("整改情况已报送监督室审核。")).to_be_visible()
    expect(page.get_by_text("整改情况已报送，监督室正在审核")).to_be_visible()
    steps.shot("unit-report-submitted")
    log_out(page, UNIT_USER[2])

    # --- the admin accepts one problem and returns the other with a reason ------------------------------------
    log_in(page, url, ADMIN[0], ADMIN[1])
    nav(page, "整改台账")
    page.get_by_role("link", name=number).first.click()
    expect(page.get_by_role("heading", name=f"{number} · {UNIT}")).to_be_visible()
    steps.shot("admin-review")
    first = page.locator("[id^=problem-]").nth(0)
    first.get_by_label("审核意见").fill("整改到位。")
    first.get_by_role("button", name="通过").click()
    expect(page.get_by_text("第1个问题已通过。")).to_be_visible()
    second = page.locator("[id^=problem-]").nth(1)
    second.get_by_label("退回理由").fill(RETURN_REASON)
    second.get_by_role("button", name="退回修改").click()
    expect(page.get_by_text("第2个问题已退回，单位将看到退回理由。")).to_be_visible()
    expect(page.locator("[id^=problem-]").nth(1)).to_contain_text("退回理由：" + RETURN_REASON)
    steps.shot("admin-returned-one")
    log_out(page, ADMIN[2])

    # --- the unit revises the returned problem and resubmits ----------------------------------------------------
    log_in(page, url, UNIT_USER[0], UNIT_NEW_PASSWORD)
    nav(page, "整改报送")
    letters_row = page.get_by_role("row").filter(has_text=number)
    expect(letters_row).to_contain_text("退回修改")
    steps.shot("unit-sees-returned")
    letters_row.get_by_role("link", name="办理").click()
    expect(page.get_by_text("有问题被退回或实地查验未通过")).to_be_visible()
    returned = page.locator("[id^=problem-]").nth(1)
    expect(returned).to_contain_text(RETURN_REASON)
    expect(returned.get_by_role("heading", name="修改后重新答复（第2轮）")).to_be_visible()
    expect(page.locator("[id^=problem-]").nth(0).get_by_label("整改情况")).to_have_count(0)  # accepted: no form
    # Round 2 starts from round 1's answer and report, the return reason beside the answer.
    expect(returned.get_by_label("整改情况")).to_have_value("已针对问题2完成整改，详见佐证材料。")
    expect(returned.locator(".return-reason")).to_contain_text(RETURN_REASON)
    expect(page.locator("#report").get_by_label("整改报告", exact=True)).to_have_value(
        "我单位高度重视，逐项整改，现将整改情况报告如下。")
    returned.get_by_label("整改情况").fill("已补充以红头文件印发的年度培训考核计划。")
    returned.get_by_label("佐证材料（可多选）").set_input_files(files=[{
        "name": "培训考核计划.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("Training plan 2021")}])
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    report = page.locator("#report")
    report.get_by_label("整改报告", exact=True).fill("按监督室意见补充了培训考核计划，请审核。")
    steps.shot("unit-revised")
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.get_by_text("整改情况已报送监督室审核。")).to_be_visible()
    expect(page.get_by_text("第2次报送", exact=True)).to_be_visible()
    steps.shot("unit-resubmitted")
    log_out(page, UNIT_USER[2])

    # --- the admin accepts; the letter is 已办结 ---------------------------------------------------------------
    log_in(page, url, ADMIN[0], ADMIN[1])
    nav(page, "整改台账")
    page.get_by_role("link", name=number).first.click()
    second = page.locator("[id^=problem-]").nth(1)
    expect(second).to_contain_text("第2轮答复")
    second.get_by_role("button", name="通过").click()
    expect(page.get_by_text("所有问题均已通过，本件已办结。")).to_be_visible()
    expect(page.locator("h1 + .badge, h1 ~ .badge").first).to_have_text("已办结")
    expect(page.get_by_text("已办结：")).to_be_visible()
    steps.shot("letter-closed")

    # --- the 整改台账 shows it and its .xlsx export has it --------------------------------------------------------
    nav(page, "整改台账")
    ledger_rows = page.get_by_role("row").filter(has_text=number)
    expect(ledger_rows).to_have_count(2)
    expect(ledger_rows.first).to_contain_text("已办结")
    steps.shot("ledger")
    with page.expect_download() as dl:
        page.get_by_role("link", name="导出 Excel").click()
    xlsx_path = tmp_path / "ledger.xlsx"
    dl.value.save_as(xlsx_path)
    assert dl.value.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(xlsx_path, read_only=True)
    rows = [[c for c in r] for r in book.active.iter_rows(values_only=True)]
    book.close()  # read-only workbooks keep the file open; an unclosed file fails the session at exit
    header = next(r for r in rows if r and "文号" in r)
    ours = [r for r in rows if number in r]
    assert len(ours) == 2, rows
    state_col = header.index("办理状态")
    assert all(r[state_col] == "已办结" for r in ours), ours
    problems = {str(v) for r in ours for v in r if v}
    assert any(PROBLEM_A in v for v in problems) and any(PROBLEM_B in v for v in problems), ours
    steps.shot("ledger-exported")

    # The scheduler ran beside the app the whole time, sweeping without errors.
    assert scheduler.poll() is None, "the scheduler process stopped"
    log = (live_server.tmp / "scheduler.log").read_text()
    assert "任务 reminders-sweep 已运行" in log, log
    assert "出错" not in log and "Traceback" not in log, log
    waitress_log = (live_server.tmp / "waitress.log").read_text()
    assert "Traceback" not in waitress_log, waitress_log
    print(f"whole loop: {time.monotonic() - started:.1f} s")
