"""The letter as .docx for offices that edit in WPS or Word before printing.

A4 with the GB/T 9704 margins (天头 37 mm, 订口 28 mm, 版心 156 × 225 mm), a 22-line grid, body
仿宋_GB2312 3号, title 方正小标宋简体 2号, page number "— 1 —" 4号 in the footer.
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .content import LetterContent
from .text import paper_date

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
LATIN_FONT = "Times New Roman"
LINE_PITCH_PT = 225 / 22 / 25.4 * 72  # 28.99 pt


def _run(paragraph, text: str, east_asian: str = BODY_FONT, size: float = 16, latin: str = LATIN_FONT):
    run = paragraph.add_run(text)
    run.font.name = latin
    run.font.size = Pt(size)
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:hAnsi"), latin)
    return run


def _paragraph(doc, text: str = "", *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent_chars: float = 0,
               right_chars: float = 0, font: str = BODY_FONT, size: float = 16):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PITCH_PT)
    if indent_chars:
        fmt.first_line_indent = Pt(16 * indent_chars)
    if right_chars:
        fmt.right_indent = Pt(16 * right_chars)
    if text:
        _run(p, text, font, size)
    return p


def _page_number_footer(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, "— ", size=14, east_asian="宋体")
    run = _run(p, "", size=14, east_asian="宋体")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._element.append(el)
    _run(p, " —", size=14, east_asian="宋体")


def _grid(section) -> None:
    sect_pr = section._sectPr
    for old in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH_PT * 20)))
    grid.set(qn("w:charSpace"), "-849")  # 28 characters of 3号 across 156 mm, as Word writes it
    sect_pr.append(grid)


def render_docx(content: LetterContent) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = Mm(37)
    section.bottom_margin = Mm(297 - 37 - 225)
    section.left_margin = Mm(28)
    section.right_margin = Mm(210 - 28 - 156)
    section.footer_distance = Mm(297 - 37 - 225 - 7 - 5)
    _grid(section)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    _paragraph(doc, content.title, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=22)
    _paragraph(doc, content.number or "（草稿　签发时编号）", align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc)
    _paragraph(doc, content.addressee_text())
    for para in content.body_paragraphs():
        _paragraph(doc, para, indent_chars=2)
    _paragraph(doc)
    _paragraph(doc)
    date_text = paper_date(content.date) if content.date else ""
    # Authority centred over the date, the date four characters from the right (GB/T 9704 7.3.5.1).
    date_chars = len(date_text) - sum(c.isdigit() for c in date_text) / 2
    pad = max(0.0, 4 + date_chars / 2 - len(content.authority) / 2)
    _paragraph(doc, content.authority, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=pad)
    _paragraph(doc, date_text, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4)
    if content.contact:
        _paragraph(doc, content.contact, indent_chars=2)
    _page_number_footer(section)
    doc.core_properties.title = f"{content.title} {content.number}".strip()
    doc.core_properties.author = content.authority
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
