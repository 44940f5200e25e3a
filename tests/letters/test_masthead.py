"""The optional 版头 and 版记 of a letter type (issue 16), read back from the PDF with pdfium in mm against
GB/T 9704-2012: the red 发文机关标志 35 mm below the 版心's top edge, the 发文字号 under it, the red rule 4 mm under the
发文字号 and as wide as the 版心; the 版记 at the foot of an even last page, its last rule on the 版心's bottom edge, the
rules 0.35/0.25/0.35 mm, 抄送 and 印发机关/印发日期 in 4号; a blank page and the 版记 page without page numbers. Off by
default: the letter prints as before."""
import ctypes
import dataclasses
import json
import os
import random
from datetime import date, datetime

import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest

from supervision import fonts
from supervision.letters.content import LetterContent
from supervision.letters.pdf import layout, masthead_geometry, render_pdf
from tests.letters.pdfmeasure import pdf_pages
from tests.letters.test_layout import POOL, letter

UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
pytestmark = pytest.mark.skipif(not os.path.exists(UMING), reason="apt-get install fonts-arphic-uming")
MM = 72 / 25.4
LEFT, TOP, WIDTH, HEIGHT = 28 * MM, 37 * MM, 156 * MM, 225 * MM
PITCH = HEIGHT / 22
BOTTOM = TOP + HEIGHT
MARK = "鲁山县司法局文件"
COPY = "鲁山县人民政府办公室、平顶山市司法局"
MADE = datetime(2021, 4, 9, 2, 0)


@pytest.fixture(scope="module")
def fontset(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("fonts"))
    return fonts.FontSet(body=fonts.resolve("body", [], folder), title=fonts.resolve("title", [], folder))


def dressed(problems, **kw):
    data = dict(masthead=MARK, colophon=True, copy_to=COPY, printer="鲁山县司法局", print_date=date(2021, 4, 9))
    data.update(kw)
    return letter(problems, **data)


@dataclasses.dataclass
class Box:
    left: float  # pt from the page's left edge
    top: float  # pt from the page's top edge
    width: float
    height: float
    rgb: tuple


def rules(data: bytes) -> list[list[Box]]:
    """Each page's filled shapes (the rules), top to bottom."""
    doc = pdfium.PdfDocument(data)
    out = []
    try:
        for page in doc:
            h = page.get_height()
            boxes = []
            for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH]):
                left, bottom, right, top = obj.get_bounds()
                r, g, b, a = (ctypes.c_uint() for _ in range(4))
                raw.FPDFPageObj_GetFillColor(obj.raw, r, g, b, a)
                boxes.append(Box(left, h - top, right - left, top - bottom, (r.value, g.value, b.value)))
            out.append(sorted(boxes, key=lambda b: b.top))
    finally:
        doc.close()
    return out


def char_colours(data: bytes, page_no: int = 0) -> dict[str, tuple]:
    doc = pdfium.PdfDocument(data)
    try:
        tp = doc[page_no].get_textpage()
        out = {}
        for i in range(tp.count_chars()):
            r, g, b, a = (ctypes.c_uint() for _ in range(4))
            raw.FPDFText_GetFillColor(tp, i, r, g, b, a)
            out.setdefault(tp.get_text_range(i, 1), (r.value, g.value, b.value))
        return out
    finally:
        doc.close()


def em_top(line, font) -> float:
    """The top edge of a line's em box, pt from the page's top edge (the baseline less the ascent part)."""
    return line.top - line.size * (1 + font.face.descent / 1000.0)


def test_masthead_red_mark_35_mm_down_number_and_red_rule_4_mm_under_it(fontset):
    pdf = render_pdf(dressed(["甲事项未办", "乙事项未办"], colophon=False), fontset, created=MADE)
    first = pdf_pages(pdf)[0]
    mark = next(ln for ln in first if ln.text == MARK)
    assert abs(em_top(mark, fontset.title) - (TOP + 35 * MM)) < 0.2 * MM  # 7.2.4: 35 mm below the 版心's top edge
    assert mark.size <= 22 * MM + 0.01
    # centred: as far from the 版心's left edge as its last character's right edge from the right one
    advance = (mark.x1 - mark.size - mark.x0) / (len(MARK) - 1)
    assert abs((mark.x0 - LEFT) - (LEFT + WIDTH - (mark.x1 - mark.size + advance))) < 0.2 * MM
    assert advance <= 15 * MM + 0.01 and len(MARK) * advance <= WIDTH
    assert char_colours(pdf)["鲁"] == (255, 0, 0)  # red (the first 鲁 on the page is the mark's)
    number = next(ln for ln in first if ln.text == "鲁政行监字〔2021〕7号")
    assert round(number.size) == 16 and abs(number.x0 + number.x1 - 2 * LEFT - WIDTH) < 2  # centred
    mark_bottom = em_top(mark, fontset.title) + mark.size
    number_top = em_top(number, fontset.body)
    assert 2 * PITCH <= number_top - mark_bottom < 3 * PITCH  # 7.2.5: two empty lines between them
    assert abs((number_top - TOP) / PITCH - round((number_top - TOP) / PITCH)) < 0.01  # on the grid
    red = [b for b in rules(pdf)[0] if b.rgb == (255, 0, 0)]
    assert len(red) == 1
    rule = red[0]
    assert abs(rule.top - (number_top + 16 + 4 * MM)) < 0.1 * MM  # 7.2.7: 4 mm below the 发文字号
    assert abs(rule.left - LEFT) < 0.1 and abs(rule.width - WIDTH) < 0.1  # as wide as the 版心
    title = next(ln for ln in first if ln.text == "行政执法监督意见书")
    assert char_colours(pdf)["行"] == (0, 0, 0)
    assert 2 * PITCH <= em_top(title, fontset.title) - (rule.top + rule.height) < 3 * PITCH  # 空二行 under the rule
    assert sum(ln.text == "鲁政行监字〔2021〕7号" for page in pdf_pages(pdf) for ln in page) == 1  # not again


def test_a_long_name_is_set_smaller_to_fit_the_width(fontset):
    content = dressed(["甲事项未办"], masthead="鲁山县法治政府建设领导小组办公室", colophon=False)
    head = masthead_geometry(content, fontset)
    mark = next(ln for ln in pdf_pages(render_pdf(content, fontset))[0] if ln.text == content.masthead)
    advance = (mark.x1 - mark.size - mark.x0) / (len(content.masthead) - 1)
    assert len(content.masthead) * advance <= WIDTH + 0.1 and mark.x0 >= LEFT - 0.1
    assert head.size < 22 * MM and abs(em_top(mark, fontset.title) - (TOP + 35 * MM)) < 0.2 * MM


def _colophon_checks(pdf: bytes, fontset, label: str) -> str:
    """The 版记 on the last page, an even one, at the foot of the 版心; returns which case it was."""
    pages = pdf_pages(pdf)
    shapes = rules(pdf)
    n = len(pages)
    assert n % 2 == 0, label  # the 版记 stands on the back of a sheet
    assert all(not page for page in shapes[:-1]), label  # no rule before the last page (no 版头 here)
    thick1, thin, thick2 = shapes[-1]
    assert abs(thick2.top + thick2.height - BOTTOM) < 0.05 * MM, label  # 7.4.1: the last rule on the 版心's edge
    for rule, mm in ((thick1, 0.35), (thin, 0.25), (thick2, 0.35)):
        assert abs(rule.height - mm * MM) < 0.02 * MM and rule.rgb == (0, 0, 0), label
        assert abs(rule.left - LEFT) < 0.1 and abs(rule.width - WIDTH) < 0.1, label
    last = [ln for ln in pages[-1] if round(ln.size) != 14 or not ln.text.startswith("—")]
    copy = next(ln for ln in last if ln.text.startswith("抄送："))
    printed = next(ln for ln in last if ln.text.endswith("2021年4月9日印发"))
    assert round(copy.size) == 14 and round(printed.size) == 14, label  # 4号
    assert thick1.top < em_top(copy, fontset.body) and em_top(copy, fontset.body) + 14 < thin.top, label
    assert thin.top < em_top(printed, fontset.body) and em_top(printed, fontset.body) + 14 < thick2.top, label
    assert abs(copy.x0 - (LEFT + 14)) < 0.1 and abs(printed.x0 - (LEFT + 14)) < 0.1, label  # 左空一字
    assert printed.text.startswith("鲁山县司法局") and abs(printed.x1 - (LEFT + WIDTH - 14)) < 0.1, label  # 右空一字
    assert copy.text == f"抄送：{COPY}。", label
    body_above = [ln for ln in last if ln.top < thick1.top]
    assert all(ln.top + 4 < thick1.top for ln in body_above), label
    numbers = [[ln.text for ln in page if ln.text.startswith("—")] for page in pages]
    if not pages[-2] and n > 2:  # a blank page before the 版记 page: neither has a page number (7.5)
        assert numbers[-2:] == [[], []] and not body_above, label
        assert all(numbers[i] == [f"—{i + 1}—"] for i in range(n - 2)), label
        return "blank page, then the 版记 page"
    assert all(numbers[i] == [f"—{i + 1}—"] for i in range(n)), label
    return "under the body" if body_above else "its own page"


def test_colophon_on_the_even_last_page_at_the_foot_of_the_版心(fontset):
    rnd = random.Random(16)
    seen: dict[str, int] = {}
    for n in range(1, 31):
        problems = ["".join(rnd.choice(POOL) for _ in range(rnd.randint(8, 110))) for _ in range(n)]
        pdf = render_pdf(dressed(problems, masthead=""), fontset, created=MADE)
        seen.setdefault(_colophon_checks(pdf, fontset, f"{n} problems"), n)
    assert set(seen) == {"under the body", "its own page", "blank page, then the 版记 page"}, seen


def test_a_one_page_letter_gets_its_版记_on_page_two(fontset):
    content = dressed(["甲事项未办"])
    assert len(layout(dataclasses.replace(content, colophon=False), fontset)[0]) == 1
    pdf = render_pdf(content, fontset, created=MADE)
    pages = pdf_pages(pdf)
    assert len(pages) == 2
    assert [ln.text for ln in pages[1] if round(ln.size) == 16] == []  # only the 版记 (and the page number)
    assert rules(pdf)[0][0].rgb == (255, 0, 0)  # the 版头's rule on page 1
    _colophon_checks(render_pdf(dataclasses.replace(content, masthead=""), fontset, created=MADE), fontset, "one")


def test_without_copy_to_one_row_between_two_thick_rules(fontset):
    pdf = render_pdf(dressed(["甲事项未办"], copy_to="", masthead=""), fontset, created=MADE)
    top, bottom = rules(pdf)[-1]
    assert abs(top.height - 0.35 * MM) < 0.02 * MM and abs(bottom.height - 0.35 * MM) < 0.02 * MM
    assert abs((bottom.top + bottom.height) - BOTTOM) < 0.05 * MM
    assert not any(ln.text.startswith("抄送") for ln in pdf_pages(pdf)[-1])


def test_a_long_copy_to_wraps_under_the_first_name(fontset):
    names = "、".join(["鲁山县人民政府办公室", "平顶山市司法局", "鲁山县人力资源和社会保障局", "鲁山县市场监督管理局"])
    pdf = render_pdf(dressed(["甲事项未办"], copy_to=names, masthead=""), fontset, created=MADE)
    lines = [ln for ln in pdf_pages(pdf)[-1] if round(ln.size) == 14 and not ln.text.startswith("—")]
    first = next(i for i, ln in enumerate(lines) if ln.text.startswith("抄送："))
    second = lines[first + 1]
    assert not second.text.endswith("印发") and second.text.endswith("。")
    assert abs(second.x0 - (lines[first].x0 + 3 * (lines[first].x1 - lines[first].x0) / len(lines[first].text))) < 1
    assert "".join(ln.text for ln in lines[first:first + 2]) == f"抄送：{names}。"
    assert max(ln.x1 for ln in lines) <= LEFT + WIDTH - 14 + 0.1
    assert len(rules(pdf)[-1]) == 3


def test_off_by_default_the_letter_prints_as_before(fontset):
    """Content frozen before the setting existed (no such keys) and content of a type with both off: the same bytes,
    no colour, no rule — 附件三's format."""
    rnd = random.Random(9)
    for n in (1, 6, 17):
        content = letter(["".join(rnd.choice(POOL) for _ in range(rnd.randint(8, 110))) for _ in range(n)])
        old = json.loads(content.to_json())
        for key in ("masthead", "colophon", "copy_to", "printer", "print_date"):
            del old[key]
        frozen = LetterContent.from_json(json.dumps(old, ensure_ascii=False))
        assert frozen == content
        pdf = render_pdf(content, fontset, created=MADE)
        assert render_pdf(frozen, fontset, created=MADE) == pdf
        assert all(not page for page in rules(pdf))
        assert set(char_colours(pdf).values()) == {(0, 0, 0)}
        pages = pdf_pages(pdf)
        assert pages[0][0].text == "行政执法监督意见书" and pages[0][1].text == "鲁政行监字〔2021〕7号"
        assert not any(ln.text.startswith("抄送") or ln.text.endswith("印发") for page in pages for ln in page)


@pytest.mark.parametrize("n", range(1, 41))
def test_pagination_with_both_on_for_1_to_40_problems(fontset, n):
    """With the 版头 the first page holds fewer lines, and the 版记 takes the foot of the last: the body still stays
    inside the 版心, under the red rule and above the 版记, the 署名 page carries body text, and the 版头 rows stay
    where they are when the page's lines are spread or tightened (7.3.5.5)."""
    from tests.letters.test_layout import AUTHORITY, _problems

    pdf = render_pdf(dressed(_problems(n)), fontset, created=MADE)
    pages = pdf_pages(pdf)
    shapes = rules(pdf)
    mark = next(ln for ln in pages[0] if ln.text == MARK)
    assert abs(em_top(mark, fontset.title) - (TOP + 35 * MM)) < 0.2 * MM
    number = next(ln for ln in pages[0] if ln.text == "鲁政行监字〔2021〕7号")
    red = next(b for b in shapes[0] if b.rgb == (255, 0, 0))
    assert abs(red.top - (em_top(number, fontset.body) + 16 + 4 * MM)) < 0.1 * MM
    for i, page in enumerate(pages):
        text = [ln for ln in page if ln.size < 30 and not ln.text.startswith("—")]
        body = [ln for ln in text if round(ln.size) in (16, 22)]
        for ln in body:
            assert ln.x0 >= LEFT - 0.05 and ln.x1 <= LEFT + WIDTH + 0.05
            assert em_top(ln, fontset.body) >= TOP - 0.5 and ln.top <= BOTTOM + 0.5
            if i == 0 and ln is not number:
                assert em_top(ln, fontset.body) > red.top + red.height, ln  # nothing over the 版头
        assert len([ln for ln in body if round(ln.size) == 16]) <= 24
        if any(ln.text == AUTHORITY for ln in body):
            sig = next(ln for ln in body if ln.text == AUTHORITY)
            above = [ln for ln in body if ln.top < sig.top and ln is not number and round(ln.size) == 16
                     and ln.text != "鲁山县瀼河乡人民政府："]
            assert above, f"page {i + 1} has the 署名 without body text"
    thick1 = shapes[-1][0]
    assert thick1.rgb == (0, 0, 0) and all(ln.top + 4 < thick1.top for ln in pages[-1]
                                          if round(ln.size) in (16, 22))
    assert len(pages) % 2 == 0
