"""A list's print view printed by Chromium: A4 landscape, the filter in the heading, page numbers in the footer."""
import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader


def test_print_view_is_a4_landscape_with_page_numbers(live_server, page):
    live_server.flask("create-user", "printer", "--role", "admin", "--name", "打印员", input="Initial2021\n")
    page.goto(live_server.url + "/")
    page.get_by_label("用户名").fill("printer")
    page.get_by_label("密码").fill("Initial2021")
    page.get_by_role("button", name="登录").click()
    page.goto(live_server.url + "/visits/?year=2021&status=submitted&format=print")
    expect(page.get_by_role("heading", name="监督检查记录")).to_be_visible()
    expect(page.get_by_text("2021年 · 已提交")).to_be_visible()
    page.steps.shot("print-view")
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    box = pdf.pages[0].mediabox
    assert round(float(box.width)) == 842 and round(float(box.height)) == 595  # A4 landscape, in points
    text = pdf.pages[0].extract_text()
    assert re.search(r"第\s*1\s*页，共\s*1\s*页", text) and "打印" not in text.split("监督检查记录")[0]
