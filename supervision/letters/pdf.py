"""The letter as an A4 PDF laid out per GB/T 9704-2012 (党政机关公文格式).

版心 156 × 225 mm, 天头 37 mm, 订口 28 mm; body 3号 (16 pt) on a grid of 22 lines × 28 characters;
title 2号 (22 pt) centred; 发文字号 under the title; 主送机关 flush left; paragraphs indented two
characters; 发文机关署名 centred over the 成文日期, which stands four characters from the right edge;
附注 (contact) in brackets two characters in on the next line; page numbers "— 1 —" 4号 (14 pt) 7 mm
below the 版心 (odd pages right, even pages left, one character in) when the letter runs past one page.

Lines break character by character, never letting a closing mark start a line or an opening mark end
one (避头尾): the character before is carried down with it and the short line is justified, so nothing
ever sticks out past the right margin.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from ..fonts import FontSet, ResolvedFont
from .content import LetterContent
from .text import paper_date

PAGE_W, PAGE_H = A4
LEFT = 28 * mm  # 订口
TOP = 37 * mm  # 天头
WIDTH = 156 * mm
HEIGHT = 225 * mm
LINES = 22
CHARS = 28
PITCH = HEIGHT / LINES  # 10.23 mm
CELL = WIDTH / CHARS  # one character of the grid, 15.79 pt
BODY_SIZE = 16  # 3号
TITLE_SIZE = 22  # 2号
PAGE_NO_SIZE = 14  # 4号
PAGE_NO_GAP = 7 * mm

# 避头: may not start a line. 避尾: may not end a line.
NO_START = set("，。、；：？！）〕〉》」』】］｝”’…—·%,.;:?!)]}")
NO_END = set("（〔〈《「『【［｛“‘([{")
TOL = 0.01


@dataclass
class Line:
    text: str
    role: str = "body"  # body / title
    size: float = BODY_SIZE
    align: str = "left"  # left / justify / center / right / centre_on
    indent: int = 0  # characters from the left edge
    right: int = 0  # characters from the right edge (align=right)
    keep: int = 0  # lines with the same non-zero keep stay on one page
    centre_x: float | None = None  # for align=centre_on: the x to centre on


@dataclass
class Page:
    lines: list[tuple[int, Line]]  # (grid row, line)


def _tokens(text: str) -> list[str]:
    """Single characters, except runs of Latin letters and digits, which stay together."""
    out: list[str] = []
    for ch in text:
        if out and _wordish(ch) and _wordish(out[-1][-1]):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _wordish(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-./")


def natural_width(text: str, font: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(c, font, size) for c in text)


def grid_space(size: float) -> float:
    """Character spacing: body text sits on the 28-character grid; larger text (the title) is set solid."""
    return CELL - size if size <= BODY_SIZE else 0.0


def line_width(text: str, font: str, size: float) -> float:
    if not text:
        return 0.0
    return natural_width(text, font, size) + (len(text) - 1) * grid_space(size)


def break_paragraph(text: str, font: str, size: float = BODY_SIZE, first_indent: int = 2,
                    width: float = WIDTH) -> list[tuple[str, bool]]:
    """Split a paragraph into lines: [(text, is_last_line)], obeying 避头尾."""
    tokens = _tokens(text)
    lines: list[list[str]] = []
    cur: list[str] = []
    avail = width - first_indent * CELL
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        trial = "".join(cur) + tok
        if not cur or line_width(trial, font, size) <= avail + TOL:
            cur.append(tok)
            i += 1
            continue
        # tok does not fit: close the line, carrying characters down for 避头尾.
        nxt = tokens[i:]
        while len(cur) > 1 and (nxt[0][0] in NO_START or cur[-1][-1] in NO_END):
            nxt.insert(0, cur.pop())
            i -= 1
        lines.append(cur)
        cur = []
        avail = width
    if cur:
        lines.append(cur)
    return [("".join(t), n == len(lines) - 1) for n, t in enumerate(lines)]


def build_lines(content: LetterContent, fonts: FontSet) -> list[Line | None]:
    """The letter as a list of grid lines (None = an empty line)."""
    body = fonts.body.name
    title_font = fonts.title.name
    out: list[Line | None] = []
    for text, _last in break_paragraph(content.title, title_font, TITLE_SIZE, first_indent=0):
        out.append(Line(text, role="title", size=TITLE_SIZE, align="center"))
    out.append(Line(content.number or "（草稿　签发时编号）", align="center"))
    out.append(None)
    for text, last in break_paragraph(content.addressee_text(), body, first_indent=0):
        out.append(Line(text, align="left" if last else "justify"))
    for para in content.body_paragraphs():
        first = True
        for text, last in break_paragraph(para, body, first_indent=2):
            out.append(Line(text, align="left" if last else "justify", indent=2 if first else 0))
            first = False
    # Signature block: two empty lines, authority centred over the date (date right four characters).
    date_text = paper_date(content.date) if content.date else ""
    date_w = line_width(date_text, body, BODY_SIZE)
    date_right = LEFT + WIDTH - 4 * CELL
    centre = date_right - date_w / 2
    out += [None, None]
    out.append(Line(content.authority, align="centre_on", centre_x=centre, keep=1))
    out.append(Line(date_text, align="right", right=4, keep=1))
    if content.contact:
        for text, last in break_paragraph(content.contact, body, first_indent=2):
            out.append(Line(text, align="left" if last else "justify", indent=2 if text.startswith("（") else 0,
                            keep=1))
    return out


def paginate(lines: list[Line | None]) -> list[Page]:
    pages: list[Page] = [Page([])]
    row = 0
    n = 0
    while n < len(lines):
        line = lines[n]
        if row >= LINES:
            pages.append(Page([]))
            row = 0
        if line is not None and line.keep:
            group = [x for x in lines[n:] if x is not None and x.keep == line.keep]
            if row + len(group) > LINES and row > 0:
                pages.append(Page([]))
                row = 0
        if line is None:
            if row > 0:  # no empty line at the top of a page
                row += 1
        else:
            pages[-1].lines.append((row, line))
            row += 1
        n += 1
    return pages


def _baseline(row: int, size: float, font: ResolvedFont) -> float:
    """Baseline y that puts the top of the em box on the grid row's top edge."""
    descent = font.face.descent / 1000.0  # negative; the value written to the FontDescriptor
    top = PAGE_H - TOP - row * PITCH
    return top - size * (1 + descent)


def _draw_line(c: Canvas, row: int, line: Line, fonts: FontSet) -> None:
    font = fonts.title if line.role == "title" else fonts.body
    size = line.size
    text = line.text
    nat = natural_width(text, font.name, size)
    space = grid_space(size)
    width = nat + (len(text) - 1) * space
    left = LEFT + line.indent * CELL
    if line.align == "justify" and len(text) > 1:
        space = (LEFT + WIDTH - left - nat) / (len(text) - 1)
        x = left
    elif line.align == "center":
        x = LEFT + (WIDTH - width) / 2
    elif line.align == "right":
        x = LEFT + WIDTH - line.right * CELL - width
    elif line.align == "centre_on" and line.centre_x is not None:
        x = min(max(LEFT, line.centre_x - width / 2), LEFT + WIDTH - width)
    else:
        x = left
    t = c.beginText(x, _baseline(row, size, font))
    t.setFont(font.name, size)
    t.setCharSpace(space)
    if line.role == "title" and not font.heavy:
        # A Song face stands in for 小标宋: thicken it with a thin stroke so the title reads bold.
        c.setLineWidth(size * 0.025)
        t.setTextRenderMode(2)
    t.textOut(text)
    if line.role == "title" and not font.heavy:
        t.setTextRenderMode(0)  # the render mode outlives ET: put it back for the lines that follow
    c.drawText(t)
    c.setLineWidth(1)


def _draw_page_number(c: Canvas, number: int, fonts: FontSet) -> None:
    text = f"— {number} —"
    font = fonts.body
    width = natural_width(text, font.name, PAGE_NO_SIZE)
    if number % 2:  # odd: right, one character in
        x = LEFT + WIDTH - CELL - width
    else:
        x = LEFT + CELL
    top = PAGE_H - TOP - HEIGHT - PAGE_NO_GAP
    y = top - PAGE_NO_SIZE * (1 + font.face.descent / 1000.0)
    c.setFont(font.name, PAGE_NO_SIZE)
    c.drawString(x, y, text)


def _draw_draft_mark(c: Canvas, fonts: FontSet) -> None:
    c.saveState()
    c.setFillGray(0.85)
    c.setFont(fonts.title.name, 96)
    c.translate(PAGE_W / 2, PAGE_H / 2)
    c.rotate(35)
    c.drawCentredString(0, 0, "草稿")
    c.restoreState()


def check_fonts(content: LetterContent, fonts: FontSet) -> None:
    """Raise fonts.MissingGlyphs before anything is drawn (ReportLab would leave gaps)."""
    body_text = content.all_text().replace(content.title, "") + (paper_date(content.date) if content.date else "")
    body_text += "— 0123456789（草稿签发时编号）"
    title_text = content.title + ("草稿" if content.draft else "")
    fonts.check(body_text, title_text)


def render_pdf(content: LetterContent, fonts: FontSet) -> bytes:
    """The letter as PDF bytes. Raises fonts.MissingGlyphs (naming characters and font) first."""
    check_fonts(content, fonts)
    pages = paginate(build_lines(content, fonts))
    buf = io.BytesIO()
    # The body font as the initial font keeps Helvetica (not embedded) out of the file altogether.
    c = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1, initialFontName=fonts.body.name,
               initialFontSize=BODY_SIZE)
    c.setTitle(f"{content.title} {content.number}".strip())
    c.setAuthor(content.authority)
    c.setSubject(content.addressee)
    c.setCreator("依法行政日常监督系统")
    for n, page in enumerate(pages, start=1):
        if content.draft:
            _draw_draft_mark(c, fonts)
        c.setFillGray(0)
        for row, line in page.lines:
            _draw_line(c, row, line, fonts)
        if len(pages) > 1:
            _draw_page_number(c, n, fonts)
        c.showPage()
    c.save()
    return buf.getvalue()


def merge_pdfs(documents: list[bytes]) -> bytes:
    """Several stored PDFs as one, in order (for printing a batch)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for data in documents:
        writer.append(io.BytesIO(data))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
