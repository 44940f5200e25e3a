"""The letter as an A4 PDF laid out per GB/T 9704-2012 (党政机关公文格式).

版心 156 × 225 mm, 天头 37 mm, 订口 28 mm; body 3号 (16 pt) on a grid of 22 lines × 28 characters;
title 2号 (22 pt) centred; 发文字号 under the title; 主送机关 flush left; paragraphs indented two
characters; 发文机关署名 centred over the 成文日期, which stands four characters from the right edge;
附注 (contact) in brackets two characters in on the next line; page numbers "— 1 —" 4号 (14 pt) 7 mm
below the 版心 (odd pages right, even pages left, one character in) when the letter runs past one page.

Optional (settings of the letter type, off by default as in 附件三): the 版头 of 7.2 — the 发文机关标志 in red,
centred, its top edge 35 mm below the 版心's, the 发文字号 two lines under it, the red rule 4 mm under the 发文字号 and
as wide as the 版心, the title two lines under the rule — and the 版记 of 7.4 — 抄送 and 印发机关/印发日期 in 4号 between
rules as wide as the 版心 (first and last 0.35 mm, between them 0.25 mm), the last rule on the 版心's bottom edge of the
last page, which is an even page (the back of a sheet printed on both sides): when the body ends on an odd page the
版记 takes the next page; when it ends on an even page without room for it, a blank page and the 版记 page follow,
and then neither carries a page number (7.5).

Lines break character by character, never letting a closing mark start a line or an opening mark end
one (避头尾): the character before is carried down with it and the short line is justified, so nothing
ever sticks out past the right margin.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from .. import timeutil
from ..fonts import FontError, FontSet, MissingGlyphs, ResolvedFont
from .content import LetterContent
from .papertext import context, describe_char
from .text import DEFAULT_INTRO, DEFAULT_REQUEST_TEMPLATE, cn_number, paper_date

PAGE_W, PAGE_H = A4
LEFT = 28 * mm  # 订口
TOP = 37 * mm  # 天头
WIDTH = 156 * mm
HEIGHT = 225 * mm
LINES = 22
CHARS = 28
PITCH = HEIGHT / LINES  # 10.23 mm
BODY_SIZE = 16  # 3号
TITLE_SIZE = 22  # 2号
PAGE_NO_SIZE = 14  # 4号
PAGE_NO_GAP = 7 * mm
# 28 glyphs and the 27 gaps between them fill the 版心 exactly: 28 × 16 pt = 448 pt is wider than 156 mm (442.2 pt),
# so each gap is (442.2 − 448) / 27 ≈ −0.215 pt and one character of the grid ("一字") is 15.785 pt.
CHAR_SPACE = (WIDTH - CHARS * BODY_SIZE) / (CHARS - 1)
CELL = BODY_SIZE + CHAR_SPACE

# 避头: may not start a line. 避尾: may not end a line.
NO_START = set("，。、；：？！）〕〉》」』】］｝”’…—·%,.;:?!)]}")
NO_END = set("（〔〈《「『【［｛“‘([{")
TOL = 0.01
SQUEEZE_ROWS = 2  # how many lines a page may be tightened by to keep the 署名 with the body (7.3.5.5)
SIGNATURE = 1  # the keep group of the blank lines, 署名, 成文日期 and 附注

RED = (1, 0, 0)
# 版头 (7.2.4, 7.2.5, 7.2.7). The standard leaves the 发文机关标志's size to the office; GB/T 9704-1999 capped a character
# at 22 mm high and 15 mm wide: a long name is set smaller, in the same proportion, to fit the 版心's width.
MARK_TOP = 35 * mm  # its top edge below the 版心's top edge
MARK_H = 22 * mm
MARK_W = 15 * mm
MARK_RULE_GAP = 4 * mm  # the red rule below the 发文字号
MARK_RULE = 0.35 * mm  # its thickness (not fixed by the standard: the 版记's thick rule)
# 版记 (7.4): 4号 text, one line of the grid per row, thick and thin rules.
COLOPHON_SIZE = 14
THICK = 0.35 * mm
THIN = 0.25 * mm


@dataclass
class Line:
    text: str
    role: str = "body"  # body / title / blank
    size: float = BODY_SIZE
    align: str = "left"  # left / justify / center / right / centre_on
    indent: int = 0  # characters from the left edge
    right: int = 0  # characters from the right edge (align=right)
    keep: int = 0  # lines with the same non-zero keep stay on one page
    centre_x: float | None = None  # for align=centre_on: the x to centre on
    para: int = -1  # the paragraph (addressee, intro, problems, request) a body line belongs to; -1 for others


@dataclass
class Page:
    lines: list[tuple[int, Line]]  # (grid row, line)
    pitch: float = PITCH  # the line pitch: wider than the grid's on a page that gave lines to the 署名 page
    fixed: int = 0  # rows at the top that stay on the grid whatever the pitch (the 版头 of the first page)
    numbered: bool = True  # carries a page number (7.5: not a blank page before the 版记 page, nor that page)
    colophon: bool = False  # the 版记 stands at the foot of this page

    def last_row(self) -> int:
        return max((row for row, _ in self.lines), default=-1)

    def top(self, row: int) -> float:
        """The top edge of a grid row, in pt below the 版心's top edge."""
        if not self.fixed:
            return row * self.pitch
        return self.fixed * PITCH + (row - self.fixed) * self.pitch if row >= self.fixed else row * PITCH


@dataclass
class Masthead:
    """Where the 版头 goes: the 发文机关标志's size and horizontal scale, the 发文字号's row, the red rule's top edge (pt
    below the 版心's top edge) and the rows the whole 版头 takes before the title."""
    text: str
    size: float
    scale: float  # per cent
    width: float
    number_row: int
    rule_top: float
    rows: int


def masthead_geometry(content: LetterContent, fonts: FontSet) -> Masthead | None:
    if not content.masthead:
        return None
    text = content.masthead
    n = len(text)
    em = natural_width(text, fonts.title.name, 1.0) / n  # a character's advance per pt of size
    w = min(MARK_W, WIDTH / n)
    size = math.floor(min(MARK_H, w * MARK_H / MARK_W) * 2) / 2  # whole half points, as Word keeps font sizes
    scale = 100.0 * w / (size * em)
    # 发文字号 two lines under the mark (空二行), the rule 4 mm under the 发文字号, the title two lines under the rule.
    number_row = math.ceil((MARK_TOP + size) / PITCH - 1e-6) + 2
    rule_top = number_row * PITCH + BODY_SIZE + MARK_RULE_GAP
    rows = math.ceil((rule_top + MARK_RULE) / PITCH - 1e-6) + 2
    return Masthead(text, size, scale, n * w, number_row, rule_top, rows)


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
    return CHAR_SPACE if size <= BODY_SIZE else 0.0


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


def build_lines(content: LetterContent, fonts: FontSet, head: Masthead | None = None) -> list[Line | None]:
    """The letter as a list of grid lines (None = an empty line). With a 版头, the 发文字号 stands in it, under the
    发文机关标志, instead of under the title."""
    body = fonts.body.name
    title_font = fonts.title.name
    out: list[Line | None] = []
    number = Line(content.number or "（草稿　签发时编号）", align="center")
    if head is not None:
        out += [Line("", role="blank") for _ in range(head.number_row)]
        out.append(number)
        out += [Line("", role="blank") for _ in range(head.rows - head.number_row - 1)]
    for text, _last in break_paragraph(content.title, title_font, TITLE_SIZE, first_indent=0):
        out.append(Line(text, role="title", size=TITLE_SIZE, align="center"))
    if head is None:
        out.append(number)
    out.append(None)
    for text, last in break_paragraph(content.addressee_text(), body, first_indent=0):
        out.append(Line(text, align="left" if last else "justify", para=0))
    for n, para in enumerate(content.body_paragraphs(), start=1):
        first = True
        for text, last in break_paragraph(para, body, first_indent=2):
            out.append(Line(text, align="left" if last else "justify", indent=2 if first else 0, para=n))
            first = False
    # Signature block: two empty lines (room for the seal), authority centred over the date (date right four
    # characters), the 附注 under it — one group that never breaks across pages.
    date_text = paper_date(content.date) if content.date else ""
    date_w = line_width(date_text, body, BODY_SIZE)
    date_right = LEFT + WIDTH - 4 * CELL
    centre = date_right - date_w / 2
    out += [Line("", role="blank", keep=SIGNATURE), Line("", role="blank", keep=SIGNATURE)]
    out.append(Line(content.authority, align="centre_on", centre_x=centre, keep=SIGNATURE))
    out.append(Line(date_text, align="right", right=4, keep=SIGNATURE))
    if content.contact:
        for text, last in break_paragraph(content.contact, body, first_indent=2):
            out.append(Line(text, align="left" if last else "justify", indent=2 if text.startswith("（") else 0,
                            keep=SIGNATURE))
    return out


class _Layout:
    """Fills pages row by row: paragraphs never leave one line alone at the foot or head of a page, and the 署名
    group never stands on a page without body text."""

    def __init__(self, fixed: int = 0) -> None:
        self.pages: list[Page] = [Page([], fixed=fixed)]
        self.row = 0

    def new_page(self) -> None:
        self.pages.append(Page([]))
        self.row = 0

    def put(self, line: Line) -> None:
        if self.row >= LINES:
            self.new_page()
        self.pages[-1].lines.append((self.row, line))
        self.row += 1

    def paragraph(self, lines: list[Line]) -> None:
        k = 0
        while k < len(lines):
            if self.row >= LINES:
                self.new_page()
            room, rest = LINES - self.row, len(lines) - k
            if rest <= room:
                take = rest
            else:
                take = room
                if rest - take < 2:  # the last line alone at the head of the next page (widow)
                    take = rest - 2
                if k == 0 and take < 2:  # the first line alone at the foot of this page (orphan)
                    take = 0
            if take <= 0:
                self.new_page()
                continue
            for line in lines[k:k + take]:
                self.put(line)
            k += take

    def signature(self, group: list[Line]) -> None:
        """GB/T 9704-2012 7.3.5.5: when the space left under the body cannot hold the 署名 and 成文日期, adjust the
        line spacing — the 署名 never stands on a page without body text ("此页无正文" is not allowed). A page short
        by one or two lines is set a little tighter (at most 24 lines in the 版心); otherwise the closing lines of
        the body go over with the 署名 and the page they leave is set wider."""
        over = self.row + len(group) - LINES
        if 0 < over <= SQUEEZE_ROWS and self.row < LINES:
            page = self.pages[-1]
            page.pitch = PITCH * (LINES - 1 - page.fixed) / (LINES - 1 - page.fixed + over)
            for line in group:
                page.lines.append((self.row, line))
                self.row += 1
            return
        if over > 0:
            self._carry_body(len(group))
        for line in group:
            self.put(line)

    def _carry_body(self, group_rows: int) -> None:
        """The closing lines of the body (at least two; the paragraph's whole part on this page when fewer would be
        left alone) go over to a new page with the 署名, and this page's remaining lines are spread over the full
        height of the 版心."""
        page = self.pages[-1]
        tail: list[tuple[int, Line]] = []
        for row, line in reversed(page.lines):
            if line.para < 0 or (tail and line.para != tail[0][1].para):
                break
            tail.insert(0, (row, line))
        if not tail:  # pragma: no cover - a letter always ends its body with a paragraph
            self.new_page()
            return
        move = min(2, len(tail))
        if len(tail) - move == 1:
            move = len(tail)
        move = min(move, LINES - group_rows)
        moved = [line for _, line in tail[len(tail) - move:]]
        del page.lines[len(page.lines) - move:]
        last = page.last_row()
        if last > page.fixed:
            page.pitch = PITCH * (LINES - 1 - page.fixed) / (last - page.fixed)
        self.new_page()
        for line in moved:
            self.put(line)


def paginate(lines: list[Line | None], fixed: int = 0) -> list[Page]:
    lay = _Layout(fixed)
    n = 0
    while n < len(lines):
        line = lines[n]
        if line is None:
            if 0 < lay.row < LINES:  # no empty line at the top of a page
                lay.row += 1
            n += 1
        elif line.keep:
            group = []
            while n < len(lines) and lines[n] is not None and lines[n].keep == line.keep:
                group.append(lines[n])
                n += 1
            lay.signature(group)
        elif line.para >= 0:
            para = []
            while n < len(lines) and lines[n] is not None and lines[n].para == line.para and not lines[n].keep:
                para.append(lines[n])
                n += 1
            lay.paragraph(para)
        else:
            lay.put(line)
            n += 1
    return lay.pages


def _baseline(row: int, size: float, font: ResolvedFont, pitch: float = PITCH, page: Page | None = None) -> float:
    """Baseline y that puts the top of the em box on the grid row's top edge."""
    descent = font.face.descent / 1000.0  # negative; the value written to the FontDescriptor
    top = PAGE_H - TOP - (page.top(row) if page is not None and page.fixed else row * pitch)
    return top - size * (1 + descent)


def _draw_line(c: Canvas, row: int, line: Line, fonts: FontSet, pitch: float = PITCH, page: Page | None = None) -> None:
    if line.role == "blank" or not line.text:
        return
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
    t = c.beginText(x, _baseline(row, size, font, pitch, page))
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


def colophon_lines(content: LetterContent, fonts: FontSet) -> list[str]:
    """The 抄送 line broken to fit between one character in from each side, continuation lines under the first
    name (7.4.2); [] without 抄送."""
    line = content.copy_line()
    if not line:
        return []
    head = "抄送："
    avail = WIDTH - 2 * COLOPHON_SIZE - line_width(head, fonts.body.name, COLOPHON_SIZE) - CHAR_SPACE
    parts = [text for text, _ in break_paragraph(line[len(head):], fonts.body.name, COLOPHON_SIZE, 0, avail)]
    return [head + parts[0], *parts[1:]]


def place_colophon(pages: list[Page], content: LetterContent, fonts: FontSet) -> None:
    """Put the 版记 at the foot of the last page, an even one: under the body when the body's last page is even and
    leaves a free line above the 版记; else on the next page, or — the body ending on an even page without room —
    on the page after a blank one, and then neither of the two has a page number (7.5)."""
    rows = len(colophon_lines(content, fonts)) + 1
    last = pages[-1]
    if len(pages) % 2 == 0 and last.top(last.last_row() + 2) <= HEIGHT - rows * PITCH + TOL:
        last.colophon = True
    elif len(pages) % 2:
        pages.append(Page([], colophon=True))
    else:
        pages.append(Page([], numbered=False))
        pages.append(Page([], colophon=True, numbered=False))


def layout(content: LetterContent, fonts: FontSet) -> tuple[list[Page], Masthead | None]:
    """The letter's pages (with the 版记's page when it has one) and its 版头."""
    head = masthead_geometry(content, fonts)
    pages = paginate(build_lines(content, fonts, head), head.rows if head else 0)
    if content.colophon:
        place_colophon(pages, content, fonts)
    return pages, head


def _rule(c: Canvas, top: float, thickness: float, colour=(0, 0, 0)) -> None:
    """A rule as wide as the 版心, its top edge `top` pt below the 版心's top edge (a filled rectangle: exact)."""
    c.setFillColorRGB(*colour)
    c.rect(LEFT, PAGE_H - TOP - top - thickness, WIDTH, thickness, stroke=0, fill=1)


def _draw_masthead(c: Canvas, head: Masthead, fonts: FontSet) -> None:
    """The red 发文机关标志 and the red rule (7.2.4, 7.2.7); the 发文字号 is a line of the grid."""
    font = fonts.title
    c.saveState()
    c.setFillColorRGB(*RED)
    c.setStrokeColorRGB(*RED)
    x = LEFT + (WIDTH - head.width) / 2
    y = PAGE_H - TOP - MARK_TOP - head.size * (1 + font.face.descent / 1000.0)
    t = c.beginText(x, y)
    t.setFont(font.name, head.size)
    t.setHorizScale(head.scale)
    if not font.heavy:  # a Song face standing in for 小标宋, thickened as the title is
        c.setLineWidth(head.size * 0.025)
        t.setTextRenderMode(2)
    t.textOut(head.text)
    if not font.heavy:
        t.setTextRenderMode(0)
    t.setHorizScale(100)
    c.drawText(t)
    _rule(c, head.rule_top, MARK_RULE, RED)
    c.restoreState()


def _draw_colophon(c: Canvas, content: LetterContent, fonts: FontSet) -> None:
    """抄送 and 印发机关/印发日期 in 4号 between rules, the last on the 版心's bottom edge (7.4)."""
    font = fonts.body
    copy = colophon_lines(content, fonts)
    rows = len(copy) + 1
    top = HEIGHT - rows * PITCH
    c.saveState()
    _rule(c, top, THICK)
    if copy:
        _rule(c, HEIGHT - PITCH - THIN / 2, THIN)
    _rule(c, HEIGHT - THICK, THICK)
    c.setFillGray(0)
    descent = font.face.descent / 1000.0

    def baseline(row: int) -> float:
        em_top = top + row * PITCH + (PITCH - COLOPHON_SIZE) / 2
        return PAGE_H - TOP - em_top - COLOPHON_SIZE * (1 + descent)

    def text(x: float, y: float, s: str) -> None:
        t = c.beginText(x, y)
        t.setFont(font.name, COLOPHON_SIZE)
        t.setCharSpace(CHAR_SPACE)
        t.textOut(s)
        c.drawText(t)

    indent = LEFT + COLOPHON_SIZE  # 左空一字
    hang = indent + line_width("抄送：", font.name, COLOPHON_SIZE) + CHAR_SPACE
    for n, s in enumerate(copy):
        text(indent if n == 0 else hang, baseline(n), s)
    text(indent, baseline(rows - 1), content.printer)
    date_text = content.print_line_date()
    text(LEFT + WIDTH - COLOPHON_SIZE - line_width(date_text, font.name, COLOPHON_SIZE), baseline(rows - 1), date_text)
    c.restoreState()


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


class UnprintableText(MissingGlyphs):
    """Text of the letter that the font cannot print, said by where it is — the finding, the case name — with each
    character, its code point and the words around it. No font file or setting is named: that is the system
    administrator's business, not the reviewer's."""

    def __init__(self, places: list[tuple[str, str, str]], chars: str, font: ResolvedFont):
        self.places = places  # (where, character, context)
        self.chars = chars
        self.font = font
        parts = [f"{where}中的{describe_char(ch)}，位于“{ctx}”" for where, ch, ctx in places[:8]]
        more = f"等{len(places)}处" if len(places) > 8 else ""
        FontError.__init__(self, "；".join(parts) + more + "：所用字体印不出这些字。请改用常用写法或删去后再签发；"
                           "如确需使用，请系统管理员补充包含这些字的字体。本次未签发，也未占用文号。")


class UnsuitableFont(MissingGlyphs):
    """The font lacks characters of the letter's own fixed wording: it is not a Chinese font fit for letters."""

    def __init__(self, chars: str, font: ResolvedFont):
        self.chars = chars
        self.font = font
        FontError.__init__(self, f"所用字体“{font.family}”缺少公文的常用字（如“{chars[:6]}”），不能用于生成公文。"
                           "请系统管理员更换公文字体。本次未签发，也未占用文号。")


# The wording every letter has, whatever was typed: a font lacking any of it is the wrong font, not a rare character.
FIXED_WORDING = DEFAULT_INTRO + DEFAULT_REQUEST_TEMPLATE.format(days="", place="", name="") + "一二三四五六七八九十是年月日号（）〔〕：，。"


def _places(content: LetterContent) -> list[tuple[str, str]]:
    """(where, text) of everything printed in the body font, in the words the draft form uses."""
    out = [("文号", content.number), ("主送机关（受文单位名称）", content.addressee_text()),
           ("开头一段（案件名称、处罚决定书文号）", content.intro)]
    paragraphs = content.body_paragraphs()
    offset = 1 if content.intro else 0
    many = len(content.problems) > 1
    for i, _ in enumerate(content.problems, start=1):
        para = paragraphs[offset + i - 1]
        head = para[:12] + ("……" if len(para) > 12 else "")
        out.append((f"第{cn_number(i)}个问题（{head}）" if many else f"问题（{head}）", para))
    out += [("要求段落（文书类型的设置）", content.request), ("发文机关署名（机关信息）", content.authority),
            ("附注（联系人、联系方式）", content.contact)]
    return out


def check_fonts(content: LetterContent, fonts: FontSet) -> None:
    """Raise UnprintableText (a fonts.MissingGlyphs) before anything is drawn: ReportLab would leave gaps."""
    for font in (fonts.body, fonts.title):
        if font.missing(FIXED_WORDING):
            raise UnsuitableFont(font.missing(FIXED_WORDING + content.all_text()), font)
    places: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    lacking: list[ResolvedFont] = []
    checks = [(fonts.title, "标题（文书类型的名称）", content.title)]
    if content.masthead:
        checks.append((fonts.title, "发文机关标志（文书类型的设置）", content.masthead))
    if content.colophon:
        checks += [(fonts.body, "抄送机关（文书类型的设置）", content.copy_line()),
                   (fonts.body, "印发机关（文书类型的设置）", content.printer)]
    checks += [(fonts.body, where, text) for where, text in _places(content)]
    for font, where, text in checks:
        for ch in font.missing(text):
            if ch not in seen:
                seen.add(ch)
                places.append((where, ch, context(text, ch)))
                lacking.append(font)
    if places:
        raise UnprintableText(places, "".join(sorted(seen)), lacking[0])
    # What the layout adds itself: the date, page numbers, the draft marks.
    body_text = (paper_date(content.date) if content.date else "") + "— 0123456789（草稿签发时编号）"
    if content.colophon:
        body_text += content.print_line_date()
    fonts.check(body_text, content.title + ("草稿" if content.draft else ""))


def render_pdf(content: LetterContent, fonts: FontSet, created: datetime | None = None) -> bytes:
    """The letter as PDF bytes. Raises UnprintableText (naming the finding and character) first.

    The document information: the letter's number as its title, the issuing office as author, the letter type and
    addressee as subject, when it was made (Beijing time), and Chinese (zh-CN) as its language."""
    check_fonts(content, fonts)
    pages, head = layout(content, fonts)
    made = timeutil.to_local(created) if created else timeutil.now()
    buf = io.BytesIO()
    # The body font as the initial font keeps Helvetica (not embedded) out of the file altogether.
    c = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1, initialFontName=fonts.body.name,
               initialFontSize=BODY_SIZE, lang="zh-CN")
    c.setDateFormatter(lambda *_ts: made.strftime("D:%Y%m%d%H%M%S+08'00'"))
    c.setTitle(content.number or f"{content.title}（草稿）")
    c.setAuthor(content.authority)
    c.setSubject(f"{content.title}（{content.addressee}）")
    c.setCreator("依法行政日常监督系统")
    for n, page in enumerate(pages, start=1):
        if content.draft:
            _draw_draft_mark(c, fonts)
        if n == 1 and head is not None:
            _draw_masthead(c, head, fonts)
        c.setFillGray(0)
        for row, line in page.lines:
            _draw_line(c, row, line, fonts, page.pitch, page)
        if page.colophon:
            _draw_colophon(c, content, fonts)
        if len(pages) > 1 and page.numbered:
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
