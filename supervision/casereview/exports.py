"""A campaign's results as .xlsx (units, cases, the deductions most often made) and a short DOCX report."""
from __future__ import annotations

import io

from ..spreadsheet import Column, Sheet, write_sheets
from ..timeutil import cn_date, today
from . import queries
from .models import Campaign


def _avg(v) -> str:
    return f"{v:.1f}" if v is not None else ""


def results_xlsx(camp: Campaign) -> bytes:
    units = queries.unit_results(camp.id)
    cases = queries.case_rows(camp.id)
    top = queries.top_deductions(camp.id, limit=20)
    out = io.BytesIO()
    write_sheets(out, [
        Sheet("各单位", f"{camp.name} 各单位评查结果", [
            Column("单位", "text", 30), Column("报送案卷", "int", 10), Column("已评查", "int", 10),
            Column("平均分", "text", 10), Column("最低分", "int", 10), Column("不合格", "int", 10)],
            [(u.unit_name, u.listed, u.reviewed, _avg(u.average), u.worst, u.failed) for u in units]),
        Sheet("案卷", f"{camp.name} 案卷评查明细", [
            Column("单位", "text", 26), Column("案号", "text", 28), Column("当事人", "text", 20),
            Column("案由", "wrap", 30), Column("办结日期", "date", 12), Column("重大行政处罚", "text", 10),
            Column("得分", "int", 8), Column("结果", "text", 10)],
            [(r.unit_name, r.case.number, r.case.party, r.case.cause, r.case.closed_on,
              "是" if r.case.major else "否", r.score, r.state.label) for r in cases]),
        Sheet("常见扣分", f"{camp.name} 扣分最多的评查内容", [
            Column("评查方面", "text", 12), Column("评查内容", "wrap", 50), Column("严重问题", "text", 10),
            Column("扣分次数", "int", 10), Column("合计扣分", "int", 10)],
            [(d.dimension_label, d.name, "是" if d.serious else "否", d.times, d.points) for d in top]),
    ], footer=f"导出日期：{cn_date(today())}")
    return out.getvalue()


def report_docx(camp: Campaign) -> bytes:
    """A short report: the campaign, the figures per unit, the deductions most often made."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from ..letters.docx import BODY_FONT, TITLE_FONT  # the fonts the office's documents use

    units = queries.unit_results(camp.id)
    top = queries.top_deductions(camp.id, limit=5)
    doc = Document()

    def para(text, font=BODY_FONT, size=16, bold=False, center=False):
        p = doc.add_paragraph()
        run = p.add_run(text)
        run.font.size, run.font.bold, run.font.name = Pt(size), bold, font
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        if center:
            p.alignment = 1
        return p

    para(f"{camp.name}情况报告", TITLE_FONT, 22, center=True)
    reviewed = sum(u.reviewed for u in units)
    failed = sum(u.failed for u in units)
    scores = [u.average for u in units if u.average is not None]
    para(f"本次评查抽取{len(units)}个单位{cn_date(camp.period_start)}至{cn_date(camp.period_end)}期间办结的行政执法案卷，"
         f"共评查{reviewed}本，不合格{failed}本（得分低于{camp.threshold}分或存在严重问题）。"
         + (f"各单位平均分在{min(scores):.1f}至{max(scores):.1f}分之间。" if scores else ""))
    para("一、各单位评查结果", bold=True)
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("单位", "评查案卷", "平均分", "最低分", "不合格")):
        cell.text = text
    for u in units:
        cells = table.add_row().cells
        for cell, text in zip(cells, (u.unit_name, str(u.reviewed), _avg(u.average),
                                      str(u.worst) if u.worst is not None else "", str(u.failed))):
            cell.text = text
    para("二、主要问题", bold=True)
    if top:
        for n, d in enumerate(top, start=1):
            para(f"{n}. {d.dimension_label}：{d.name}（扣分{d.times}次）")
    else:
        para("未发现扣分问题。")
    para(f"{cn_date(today())}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
