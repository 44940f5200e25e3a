"""考核结果反馈单: one unit's result as PDF (ReportLab, the app's embedded TrueType fonts) and DOCX (the letters'
公文 defaults): its components, each indicator's rating and points, 加减分, total, grade, rank in its category, and
the sentence on the period for an 异议.

Made from YearResults alone; the caller says which unit, the 异议 deadline and the issuing office.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..fonts import FontSet
from ..letters.docx import LANG, TITLE_FONT, _defaults, _paragraph, _run
from ..letters.text import paper_date
from .reportdata import UnitResult, YearResults

NOT_APPLICABLE = "不计"
NA_NOTE = "注：评价为“不适用”的指标不计分，其分值按加权计算法折算。"


class FeedbackError(LookupError):
    pass


def _p(v) -> str:
    return f"{Decimal(v).quantize(Decimal('0.01'))}"


@dataclass
class Sheet:
    """What the 反馈单 says, in the order it says it (shared by the PDF and the DOCX)."""
    title: str
    unit: UnitResult
    of: int
    summary: list[tuple[str, str]]
    lines: list[tuple[str, str, str, str, str, str]]
    adjustments: list[tuple[str, str, str]]
    objection: str
    authority: str
    day: date | None


def sheet(results: YearResults, unit_id: int, deadline: date | None = None, authority: str = "") -> Sheet:
    unit = next((u for u in results.units if u.unit_id == unit_id), None)
    if unit is None:
        raise FeedbackError(f"{results.year}年度考核结果中没有该单位。")
    of = sum(1 for u in results.units if u.category == unit.category)
    summary = [
        ("被考核单位", unit.unit_name), ("类别", unit.category),
        ("依法行政工作资料评判", f"{_p(unit.materials)}分"), ("日常工作情况评价", f"{_p(unit.daily)}分"),
        ("行政系统内部考核", f"{_p(unit.internal)}分"), ("加分", f"{_p(unit.bonus)}分"),
        ("扣分", f"{_p(unit.penalty)}分"), ("总分", f"{_p(unit.total)}分"),
        ("等次", unit.grade + ("（不得评为优秀）" if unit.barred_excellent else "")),
        ("类别内排名", f"第{unit.rank}名（共{of}个单位）"),
    ]
    lines = [(ln.code, ln.path, _p(ln.points), ln.rating or "—",
              NOT_APPLICABLE if ln.earned is None else _p(ln.earned), ln.reason) for ln in unit.lines]
    adjustments = [(("+" if a.points > 0 else "") + _p(a.points), a.reason, "是" if a.bars_excellent else "")
                   for a in unit.adjustments]
    who = authority or "考核办公室"
    if deadline:
        objection = (f"如对考核结果有异议，请于{paper_date(deadline)}前向{who}书面提出，并附相关证明材料；"
                     "逾期未提出的，视为无异议。")
    else:
        objection = f"如对考核结果有异议，请在规定期限内向{who}书面提出，并附相关证明材料；逾期未提出的，视为无异议。"
    return Sheet(f"{results.year}年度依法行政考核结果反馈单", unit, of, summary, lines, adjustments, objection,
                 authority, results.confirmed_on)


# --- PDF ------------------------------------------------------------------------------------------------

def _all_text(s: Sheet) -> str:
    parts = [s.title, s.objection, s.authority, "序号指标分值评价得分说明加减分事由不得评为优秀—（）年月日0123456789.+-"]
    parts += [a + b for a, b in s.summary]
    parts += ["".join(x) for x in s.lines] + ["".join(x) for x in s.adjustments]
    return "".join(parts)


def feedback_pdf(results: YearResults, unit_id: int, fonts: FontSet | None = None, deadline: date | None = None,
                 authority: str = "") -> bytes:
    """The 反馈单 as PDF. Raises fonts.MissingGlyphs (naming the character) before drawing anything unprintable."""
    if fonts is None:
        from ..fonts import font_set

        fonts = font_set()
    s = sheet(results, unit_id, deadline, authority)
    fonts.check(_all_text(s), s.title)
    body, head = fonts.body.name, fonts.title.name
    title = ParagraphStyle("t", fontName=head, fontSize=20, leading=30, alignment=TA_CENTER, wordWrap="CJK")
    text = ParagraphStyle("b", fontName=body, fontSize=12, leading=18, wordWrap="CJK", firstLineIndent=24)
    cell = ParagraphStyle("c", fontName=body, fontSize=9.5, leading=13, wordWrap="CJK")
    sub = ParagraphStyle("h", fontName=body, fontSize=13, leading=22, wordWrap="CJK", spaceBefore=6)
    right = ParagraphStyle("r", fontName=body, fontSize=12, leading=20, alignment=TA_RIGHT, wordWrap="CJK")
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("FONTNAME", (0, 0), (-1, -1), body), ("FONTSIZE", (0, 0), (-1, -1), 9.5),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92))])
    width = 210 * mm - 2 * 20 * mm
    story = [Paragraph(s.title, title), Spacer(1, 4 * mm)]
    pairs = [[Paragraph(a, cell), Paragraph(b, cell), Paragraph(c, cell), Paragraph(d, cell)]
             for (a, b), (c, d) in zip(s.summary[0::2], s.summary[1::2])]
    t = Table(pairs, colWidths=[width * 0.2, width * 0.3, width * 0.2, width * 0.3])
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    story += [t, Paragraph("一、指标得分", sub)]
    rows = [[Paragraph(h, cell) for h in ("序号", "指标", "分值", "评价", "得分", "说明")]]
    # Only the long columns wrap (a Paragraph each); the short ones are plain strings, drawn in the table's font.
    rows += [[x if k in (0, 2, 3, 4) else Paragraph(x, cell) for k, x in enumerate(line)] for line in s.lines]
    t = Table(rows, colWidths=[width * w for w in (0.08, 0.34, 0.08, 0.10, 0.10, 0.30)], repeatRows=1)
    t.setStyle(grid)
    story.append(t)
    if any(ln[4] == NOT_APPLICABLE for ln in s.lines):
        story.append(Paragraph(NA_NOTE, cell))
    story.append(Paragraph("二、加减分", sub))
    if s.adjustments:
        rows = [[Paragraph(h, cell) for h in ("分值", "事由", "不得评为优秀")]]
        rows += [[Paragraph(x, cell) for x in adj] for adj in s.adjustments]
        t = Table(rows, colWidths=[width * 0.12, width * 0.68, width * 0.2], repeatRows=1)
        t.setStyle(grid)
        story.append(t)
    else:
        story.append(Paragraph("无。", text))
    story += [Spacer(1, 4 * mm), Paragraph(s.objection, text), Spacer(1, 8 * mm)]
    if s.authority:
        story.append(Paragraph(s.authority, right))
    if s.day:
        story.append(Paragraph(paper_date(s.day), right))
    buf = io.BytesIO()

    def page_no(c, doc):
        c.setFont(body, 10)
        c.drawCentredString(105 * mm, 12 * mm, f"— {doc.page} —")

    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=f"{s.title}（{s.unit.unit_name}）", author=s.authority,
                            subject=s.title, creator="依法行政日常监督系统", lang="zh-CN", invariant=1,
                            initialFontName=body)
    doc.build(story, onFirstPage=page_no, onLaterPages=page_no)
    return buf.getvalue()


# --- DOCX -----------------------------------------------------------------------------------------------

def _table(doc, header: tuple[str, ...], rows, widths_mm: tuple[float, ...]):
    t = doc.add_table(rows=1 + len(rows), cols=len(header))
    t.style = "Table Grid"
    for r, values in enumerate([header, *rows]):
        for c, value in enumerate(values):
            cellp = t.cell(r, c).paragraphs[0]
            cellp.paragraph_format.space_after = Pt(0)
            _run(cellp, value, size=10.5)
            t.cell(r, c).width = Mm(widths_mm[c])
    return t


def feedback_docx(results: YearResults, unit_id: int, deadline: date | None = None, authority: str = "") -> bytes:
    s = sheet(results, unit_id, deadline, authority)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _defaults(doc)
    _paragraph(doc, s.title, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=22, keep_next=True)
    _paragraph(doc, keep_next=True)
    _table(doc, ("项目", "内容"), s.summary, (50, 106))
    _paragraph(doc, "一、指标得分", keep_next=True)
    _table(doc, ("序号", "指标", "分值", "评价", "得分", "说明"), s.lines, (14, 52, 14, 14, 24, 38))
    if any(ln[4] == NOT_APPLICABLE for ln in s.lines):
        _run(_paragraph(doc), NA_NOTE, size=10.5)
    _paragraph(doc, "二、加减分", keep_next=True)
    if s.adjustments:
        _table(doc, ("分值", "事由", "不得评为优秀"), s.adjustments, (20, 106, 30))
    else:
        _paragraph(doc, "无。", indent_chars=2)
    _paragraph(doc)
    _paragraph(doc, s.objection, indent_chars=2)
    if s.authority:
        _paragraph(doc)
        _paragraph(doc, s.authority, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4)
    if s.day:
        _paragraph(doc, paper_date(s.day), align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4)
    props = doc.core_properties
    props.title = f"{s.title}（{s.unit.unit_name}）"
    props.author = s.authority
    props.language = LANG
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


__all__ = ["feedback_pdf", "feedback_docx", "sheet", "FeedbackError"]
