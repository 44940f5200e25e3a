"""The letter as .docx for offices that edit in WPS or Word before printing, laid out as the PDF is.

A4 with the GB/T 9704 margins (天头 37 mm, 订口 28 mm, 版心 156 × 225 mm). 22 lines: a `lines` document grid
and exact line spacing of 225/22 mm. 28 characters: 3号 (16 pt) glyphs with a character spacing of −0.25 pt
(Word and LibreOffice count it after every character, so 28 × 15.75 pt = 441 pt fit in 442.2 pt and a 29th does
not). Not a `linesAndChars` grid: LibreOffice gives each 16 pt glyph two of its 15.79 pt cells there and a line
holds 14 characters. Body 仿宋_GB2312, title 方正小标宋简体 2号, page numbers "— 1 —" 4号 in odd and even
footers at the outside edge one character in, 7 mm below the 版心; the closing paragraph, 署名, 成文日期 and 附注
are kept together on one page (GB/T 9704-2012 7.3.5.5: never a 署名 page without body text); widow and orphan
control on; East Asian language zh-CN and no Japanese theme fonts left from python-docx's template.
"""
from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .content import LetterContent
from .text import paper_date

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
LATIN_FONT = "Times New Roman"
PAGE_NO_FONT = "宋体"
# 225 mm / 22 = 28.99 pt, rounded down to whole twips (Word and LibreOffice keep line spacing in twips): 580 twips
# (29.0 pt) would make 22 lines 0.2 pt taller than the 版心 and push the 22nd line to the next page.
LINE_PITCH_TWIPS = int(225 / 22 / 25.4 * 72 * 20)  # 579
LINE_PITCH_PT = LINE_PITCH_TWIPS / 20
CHAR_SPACE_TWIPS = -5  # −0.25 pt: 28 characters of 16 pt in 156 mm
CHAR_PT = 16 + CHAR_SPACE_TWIPS / 20  # one character of a body line ("一字"), 15.75 pt
PAGE_NO_PT = 14
LANG = "zh-CN"
# The elements that follow w:overflowPunct in w:pPr (the schema's order).
PPR_AFTER_OVERFLOW = ("w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                      "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                      "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
                      "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _run(paragraph, text: str, east_asian: str = BODY_FONT, size: float = 16, latin: str = LATIN_FONT,
         spacing: int | None = None):
    run = paragraph.add_run(text)
    run.font.name = latin
    run.font.size = Pt(size)
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:hAnsi"), latin)
    if spacing is not None:
        el = OxmlElement("w:spacing")
        el.set(qn("w:val"), str(spacing))
        rpr.append(el)
    return run


def _paragraph(doc, text: str = "", *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent_chars: float = 0,
               right_chars: float = 0, font: str = BODY_FONT, size: float = 16, keep_next: bool = False,
               keep_together: bool = False):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PITCH_PT)
    fmt.widow_control = True
    fmt.keep_with_next = keep_next
    fmt.keep_together = keep_together
    # No punctuation hanging past the right margin (LibreOffice's default): the 版心 holds every character, and
    # 避头尾 carries a character down instead, as in the PDF.
    # No extra space between Chinese and Latin letters or digits either (Word's and LibreOffice's default is a
    # quarter em): the PDF sets none, and the line would hold fewer characters.
    ppr = p._p.get_or_add_pPr()
    for tag, successors in (("w:overflowPunct", PPR_AFTER_OVERFLOW), ("w:autoSpaceDE", PPR_AFTER_OVERFLOW[2:]),
                            ("w:autoSpaceDN", PPR_AFTER_OVERFLOW[3:])):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "0")
        ppr.insert_element_before(el, *successors)
    if indent_chars:
        fmt.first_line_indent = Pt(CHAR_PT * indent_chars)
    if right_chars:
        fmt.right_indent = Pt(CHAR_PT * right_chars)
    if text:
        # The title is set solid; body text keeps the style's character spacing.
        _run(p, text, font, size, spacing=0 if size > 16 else None)
    return p


def _page_number(footer, odd: bool) -> None:
    """"— 1 —" 4号, odd pages at the right and even pages at the left, one character in (GB/T 9704-2012 7.5)."""
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    fmt = p.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    if odd:
        fmt.right_indent = Pt(CHAR_PT)
    else:
        fmt.left_indent = Pt(CHAR_PT)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(PAGE_NO_PT)
    _run(p, "— ", size=PAGE_NO_PT, east_asian=PAGE_NO_FONT, spacing=0)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = _run(p, "", size=PAGE_NO_PT, east_asian=PAGE_NO_FONT, spacing=0)
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
    _run(p, " —", size=PAGE_NO_PT, east_asian=PAGE_NO_FONT, spacing=0)


def _grid(section) -> None:
    """A grid of lines only: 22 lines of 28.99 pt; characters keep their own width (see the module's docstring)."""
    sect_pr = section._sectPr
    for old in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    sect_pr.append(grid)


def _defaults(doc) -> None:
    """Document defaults in Chinese: explicit fonts (not the template's theme fonts), zh-CN, 3号, the character
    spacing of the 28-character line, no space after paragraphs."""
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr, value in (("w:ascii", LATIN_FONT), ("w:hAnsi", LATIN_FONT), ("w:eastAsia", BODY_FONT),
                        ("w:cs", LATIN_FONT)):
        rfonts.set(qn(attr), value)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), LANG)
    lang.set(qn("w:eastAsia"), LANG)
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), "32")
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(16)
    n_rpr = normal.element.get_or_add_rPr()
    n_rpr.get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_SPACE_TWIPS))
    n_rpr.append(spacing)
    n_lang = OxmlElement("w:lang")
    n_lang.set(qn("w:val"), LANG)
    n_lang.set(qn("w:eastAsia"), LANG)
    n_rpr.append(n_lang)
    ppr = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    sp = ppr.find(qn("w:spacing"))
    sp.set(qn("w:after"), "0")
    # Chinese theme: the template's Japanese fonts out of the theme, the font table and the settings.
    settings = doc.settings.element
    for el in settings.findall(qn("w:themeFontLang")):
        el.set(qn("w:val"), LANG)
        el.set(qn("w:eastAsia"), LANG)
    theme = doc.part.part_related_by(RT.THEME)
    xml = theme.blob.decode("utf-8")
    xml = re.sub(r'\s*<a:font script="Jpan" typeface="[^"]*"/>', "", xml)
    xml = xml.replace('<a:ea typeface=""/>', f'<a:ea typeface="{BODY_FONT}"/>', 2)
    theme._blob = xml.encode("utf-8")
    table = doc.part.part_related_by(RT.FONT_TABLE)
    xml = table.blob.decode("utf-8")
    xml = re.sub(r'<w:font w:name="ＭＳ [^"]*">.*?</w:font>', "", xml, flags=re.S)
    table._blob = xml.encode("utf-8")


def render_docx(content: LetterContent) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = Mm(37)
    section.bottom_margin = Mm(297 - 37 - 225)
    section.left_margin = Mm(28)
    section.right_margin = Mm(210 - 28 - 156)
    section.header_distance = Mm(15)
    # The page number's line (14 pt high) starts 7 mm below the 版心.
    section.footer_distance = Mm(297 - 37 - 225 - 7) - Pt(PAGE_NO_PT)
    _grid(section)
    _defaults(doc)
    doc.settings.odd_and_even_pages_header_footer = True

    _paragraph(doc, content.title, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=22, keep_next=True)
    _paragraph(doc, content.number or "（草稿　签发时编号）", align=WD_ALIGN_PARAGRAPH.CENTER, keep_next=True)
    _paragraph(doc, keep_next=True)
    _paragraph(doc, content.addressee_text(), keep_next=True)
    paragraphs = content.body_paragraphs()
    for n, para in enumerate(paragraphs):
        # The closing paragraph goes with the 署名: the 署名 page always carries body text.
        _paragraph(doc, para, indent_chars=2, keep_next=n == len(paragraphs) - 1)
    _paragraph(doc, keep_next=True)
    _paragraph(doc, keep_next=True)
    date_text = paper_date(content.date) if content.date else ""
    # Authority centred over the date, the date four characters from the right (GB/T 9704 7.3.5.1).
    date_chars = len(date_text) - sum(c.isdigit() for c in date_text) / 2
    pad = max(0.0, 4 + date_chars / 2 - len(content.authority) / 2)
    _paragraph(doc, content.authority, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=pad, keep_next=True)
    _paragraph(doc, date_text, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4, keep_next=bool(content.contact))
    if content.contact:
        _paragraph(doc, content.contact, indent_chars=2, keep_together=True)
    _page_number(section.footer, odd=True)
    _page_number(section.even_page_footer, odd=False)
    props = doc.core_properties
    props.title = content.number or f"{content.title}（草稿）"
    props.author = content.authority
    props.subject = f"{content.title}（{content.addressee}）"
    props.language = LANG
    props.last_modified_by = content.authority
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
