"""The letter as .docx for offices that edit in WPS or Word before printing, laid out as the PDF is.

A4 with the GB/T 9704 margins (天头 37 mm, 订口 28 mm, 版心 156 × 225 mm). 22 lines: a `lines` document grid
and exact line spacing of 225/22 mm. 28 characters: 3号 (16 pt) glyphs with a character spacing of −0.25 pt
(Word and LibreOffice count it after every character, so 28 × 15.75 pt = 441 pt fit in 442.2 pt and a 29th does
not). Not a `linesAndChars` grid: LibreOffice gives each 16 pt glyph two of its 15.79 pt cells there and a line
holds 14 characters. Body 仿宋_GB2312, title 方正小标宋简体 2号, page numbers "— 1 —" 4号 in odd and even
footers at the outside edge one character in, 7 mm below the 版心; the closing paragraph, 署名, 成文日期 and 附注
are kept together on one page (GB/T 9704-2012 7.3.5.5: never a 署名 page without body text); widow and orphan
control on; East Asian language zh-CN and no Japanese theme fonts left from python-docx's template.

The optional 版头 and 版记 (settings of the letter type, see masthead.py) as in the PDF: the red 发文机关标志 (red text,
horizontally scaled like the PDF's) 35 mm below the 版心's top edge, the 发文字号 on the same grid row as in the PDF and
the red rule 4 mm under it as the paragraph's bottom border; the 版记 as frames fixed to the foot of the 版心 on the
page the PDF puts it on (its rules the frames' paragraph borders), after a page break or — with a blank page
before it — in a section of its own whose footers carry no page number (GB/T 9704-2012 7.5). Positions inside a line
were measured with LibreOffice 7.4 (see MARK_RISE); Word and WPS may set the mark a little higher or lower.
"""
from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from ..fonts import FontSet
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
COLOPHON_PT = 14  # 版记 in 4号
RULE_EIGHTHS = 8  # 1 pt (0.35 mm) rules, in the eighths of a point of w:pBdr
THIN_EIGHTHS = 6  # 0.75 pt (0.26 mm)
PITCH_PT = 225 / 22 / 25.4 * 72  # the PDF's line pitch
MARK_TOP_PT = 35 / 25.4 * 72  # the 发文机关标志's top edge below the 版心's
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


def _signature(doc, authority: str, date_text: str, keep_next: bool = False) -> None:
    """The 署名 and 成文日期: the authority centred over the date, the date four characters from the right
    (GB/T 9704 7.3.5.1)."""
    date_chars = len(date_text) - sum(c.isdigit() for c in date_text) / 2
    pad = max(0.0, 4 + date_chars / 2 - len(authority) / 2)
    _paragraph(doc, authority, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=pad, keep_next=True)
    _paragraph(doc, date_text, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4, keep_next=keep_next)


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


RPR_AFTER_W = ("w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
               "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish",
               "w:oMath")
PPR_AFTER_BDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                 *PPR_AFTER_OVERFLOW)
PPR_AFTER_FRAME = ("w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", *PPR_AFTER_BDR)
TWIPS_PER_MM = 1440 / 25.4
# Where LibreOffice 7.4 sets the glyphs of an exactly spaced line that is off the grid (measured, with the test's
# fonts): the em box's top edge 0.068 em above the line's top; a 3号 line of the grid sets its characters 6.6 pt
# lower in the line than the PDF does (which puts the em box's top on the line's top edge).
MARK_RISE = 0.068
BODY_DROP_PT = 6.6


def _fonts_for_layout(fonts: FontSet | None) -> FontSet:
    """The fonts the PDF is set in: the 版头's size and the page the 版记 goes on follow the PDF's layout."""
    if fonts is not None:
        return fonts
    from .. import fonts as font_lookup

    try:
        return font_lookup.font_set()
    except RuntimeError:  # outside the app (a script, a test): the system fonts
        return FontSet(body=font_lookup.resolve("body"), title=font_lookup.resolve("title"))


def _off_grid(p) -> None:
    """Not snapped to the document's line grid: LibreOffice would give a large line three grid lines and centre it."""
    el = OxmlElement("w:snapToGrid")
    el.set(qn("w:val"), "0")
    p._p.get_or_add_pPr().insert_element_before(el, *PPR_AFTER_OVERFLOW[6:])


def _border(ppr, side: str, size_eighths: int, space_pt: int, colour: str) -> None:
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.insert_element_before(bdr, *PPR_AFTER_BDR)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size_eighths))
    el.set(qn("w:space"), str(space_pt))
    el.set(qn("w:color"), colour)
    if side == "top":
        bdr.insert(0, el)
    else:
        bdr.append(el)


def _masthead(doc, content: LetterContent, head) -> None:
    """The 版头 before the title: the red mark, the 发文字号 with the red rule under it, the empty lines to the title."""
    mark = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, keep_next=True)
    fmt = mark.paragraph_format
    fmt.space_before = Pt(MARK_TOP_PT + MARK_RISE * head.size)
    fmt.line_spacing = Pt(head.size)
    _off_grid(mark)
    run = _run(mark, head.text, TITLE_FONT, size=head.size)
    run.font.color.rgb = RGBColor(0xFF, 0, 0)
    rpr = run._element.get_or_add_rPr()
    for tag, value in (("w:spacing", "0"), ("w:w", str(max(1, min(600, round(head.scale)))))):
        el = OxmlElement(tag)
        el.set(qn("w:val"), value)
        rpr.insert_element_before(el, *(("w:w",) if tag == "w:spacing" else ()), *RPR_AFTER_W)
    used = MARK_TOP_PT + MARK_RISE * head.size + head.size
    number = _paragraph(doc, content.number or "（草稿　签发时编号）", align=WD_ALIGN_PARAGRAPH.CENTER, keep_next=True)
    number.paragraph_format.space_before = Pt(max(0.0, head.number_row * LINE_PITCH_PT - used))
    # The red rule: the bottom border, 4 mm under the 发文字号's characters.
    rule_pt = head.rule_top - head.number_row * PITCH_PT + BODY_DROP_PT  # from the top of the 发文字号's line
    space = max(0, round(rule_pt - LINE_PITCH_PT))
    _border(number._p.get_or_add_pPr(), "bottom", RULE_EIGHTHS, space, "FF0000")
    # The border adds its spacing and width under the line: the next (empty) line is that much shorter, so the
    # title stays on the grid.
    for n in range(head.rows - head.number_row - 1):
        blank = _paragraph(doc, keep_next=True)
        if n == 0:
            blank.paragraph_format.line_spacing = Pt(LINE_PITCH_PT - space - RULE_EIGHTHS / 8)


def _colophon(doc, content: LetterContent, fonts: FontSet, place: str) -> None:
    """The 版记 at the foot of the 版心: 抄送 over 印发机关 and 印发日期 as frames fixed to the page, their paragraph
    borders the rules — thick above and below, thin between (7.4). One frame a paragraph: LibreOffice reads
    consecutive framed paragraphs with different borders as no frame at all."""
    from .pdf import colophon_lines

    copy = colophon_lines(content, fonts)
    if place == "blank":
        section = doc.add_section(WD_SECTION.NEW_PAGE)  # the blank page: a section whose footers are empty
        for footer in (section.footer, section.even_page_footer):
            footer.is_linked_to_previous = False
        _paragraph(doc)
        _paragraph(doc).paragraph_format.page_break_before = True
    elif place == "page":
        _paragraph(doc).paragraph_format.page_break_before = True
    bottom = round(225 * TWIPS_PER_MM)  # the 版心's bottom edge, from its top
    rule = RULE_EIGHTHS * 20 // 8
    thin = THIN_EIGHTHS * 20 // 8

    def framed(text: str, top_twips: int, lines: int, borders: list[tuple[str, int]]):
        p = _paragraph(doc, text, align=WD_ALIGN_PARAGRAPH.LEFT, size=COLOPHON_PT)
        fmt = p.paragraph_format
        fmt.line_spacing = Pt(LINE_PITCH_PT)
        fmt.left_indent = Pt(COLOPHON_PT)
        fmt.right_indent = Pt(COLOPHON_PT)
        ppr = p._p.get_or_add_pPr()
        height = lines * LINE_PITCH_TWIPS + sum(size * 20 // 8 for _, size in borders)
        frame = OxmlElement("w:framePr")
        for attr, value in (("w:w", str(round(156 * TWIPS_PER_MM))), ("w:h", str(height)), ("w:hRule", "exact"),
                            ("w:wrap", "notBeside"), ("w:vAnchor", "margin"), ("w:hAnchor", "margin"),
                            ("w:x", "0"), ("w:y", str(top_twips))):
            frame.set(qn(attr), value)
        ppr.insert_element_before(frame, *PPR_AFTER_FRAME)
        for side, size in borders:
            _border(ppr, side, size, 0, "000000")
        _off_grid(p)
        # LibreOffice anchors a frame to the paragraph after it: one that takes no room.
        _paragraph(doc).paragraph_format.line_spacing = Pt(1)
        return p

    print_top = bottom - LINE_PITCH_TWIPS - rule
    if copy:
        hang = COLOPHON_PT * 3  # continuation lines under the first name, after 抄送：
        top = print_top - len(copy) * LINE_PITCH_TWIPS - rule - thin
        p = framed("".join(copy), top, len(copy), [("top", RULE_EIGHTHS), ("bottom", THIN_EIGHTHS)])
        p.paragraph_format.left_indent = Pt(COLOPHON_PT + hang)
        p.paragraph_format.first_line_indent = Pt(-hang)
        p = framed("", print_top, 1, [("bottom", RULE_EIGHTHS)])
    else:
        p = framed("", print_top - rule, 1, [("top", RULE_EIGHTHS), ("bottom", RULE_EIGHTHS)])
    p.paragraph_format.tab_stops.add_tab_stop(Pt(156 / 25.4 * 72 - COLOPHON_PT), WD_TAB_ALIGNMENT.RIGHT)
    p.paragraph_format.right_indent = Pt(0)
    _run(p, content.printer + "\t" + content.print_line_date(), size=COLOPHON_PT)


def render_docx(content: LetterContent, fonts: FontSet | None = None) -> bytes:
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

    place = ""
    head = None
    if content.masthead or content.colophon:
        from .pdf import layout

        fonts = _fonts_for_layout(fonts)
        pages, head = layout(content, fonts)
        if content.colophon:
            place = "under" if pages[-1].lines else ("blank" if not pages[-1].numbered else "page")
    if head is not None:
        _masthead(doc, content, head)
    _paragraph(doc, content.title, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=22, keep_next=True)
    if head is None:
        _paragraph(doc, content.number or "（草稿　签发时编号）", align=WD_ALIGN_PARAGRAPH.CENTER, keep_next=True)
    _paragraph(doc, keep_next=True)
    _paragraph(doc, content.addressee_text(), keep_next=True)
    paragraphs = content.body_paragraphs()
    for n, para in enumerate(paragraphs):
        # The closing paragraph goes with the 署名: the 署名 page always carries body text.
        _paragraph(doc, para, indent_chars=2, keep_next=n == len(paragraphs) - 1)
    _paragraph(doc, keep_next=True)
    _paragraph(doc, keep_next=True)
    _signature(doc, content.authority, paper_date(content.date) if content.date else "",
               keep_next=bool(content.contact))
    if content.contact:
        _paragraph(doc, content.contact, indent_chars=2, keep_together=True)
    _page_number(section.footer, odd=True)
    _page_number(section.even_page_footer, odd=False)
    if place:
        _colophon(doc, content, fonts, place)
    props = doc.core_properties
    props.title = content.number or f"{content.title}（草稿）"
    props.author = content.authority
    props.subject = f"{content.title}（{content.addressee}）"
    props.language = LANG
    props.last_modified_by = content.authority
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
