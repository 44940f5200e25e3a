"""The letter's PDF measured with pdfium against GB/T 9704-2012: 28 characters a full line, 22 lines a page, and
the pagination rules — the 署名 page carries body text (7.3.5.5), no paragraph leaves one line alone at the foot or
head of a page, and 署名, 成文日期 and 附注 stand together."""
import os
import random
from datetime import date, datetime, timezone

import pytest

from supervision import fonts
from supervision.letters import text as T
from supervision.letters.content import LetterContent
from supervision.letters.pdf import render_pdf
from tests.letters.pdfmeasure import metadata, pdf_pages

UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
pytestmark = pytest.mark.skipif(not os.path.exists(UMING), reason="apt-get install fonts-arphic-uming")
MM = 72 / 25.4
LEFT, TOP, WIDTH, HEIGHT = 28 * MM, 37 * MM, 156 * MM, 225 * MM
PITCH = HEIGHT / 22
CELL = (WIDTH - 16) / 27  # one character of a 28-character line, its gap included
AUTHORITY = "鲁山县法治政府建设领导小组办公室"
CONTACT = T.contact_line("王某", "0375-7653158")
POOL = "执法人员未按规定着装部分佩戴饰物行政处罚决定书载明救济途径和期限案卷缺少送达回证培训计划红头文件印发全年学时记录仪配备不足"


@pytest.fixture(scope="module")
def fontset(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("fonts"))
    return fonts.FontSet(body=fonts.resolve("body", [], folder), title=fonts.resolve("title", [], folder))


def letter(problems, **kw):
    data = dict(title="行政执法监督意见书", number=T.letter_number("鲁政行监字", 2021, 7), addressee="鲁山县瀼河乡人民政府",
                intro=T.DEFAULT_INTRO, problems=problems,
                request=T.request_paragraph(30, "鲁山县司法局行政执法协调监督室（司法大楼504）"),
                authority=AUTHORITY, date=date(2021, 4, 9), contact=CONTACT)
    data.update(kw)
    return LetterContent(**data)


def test_a_full_line_holds_28_characters_edge_to_edge(fontset):
    # No digits or Latin letters: every character is one grid cell.
    pages = pdf_pages(render_pdf(letter(["执法人员未按规定着装" * 30]), fontset))
    full = [ln for ln in pages[0] if abs(ln.x0 - LEFT) < 0.05 and set(ln.text) <= set("执法人员未按规定着装")]
    assert len(full) >= 5, "the long problem has full continuation lines"
    for ln in full:
        assert len(ln.text) == 28, ln.text
        assert ln.x0 >= LEFT - 0.05  # the first character starts at the 版心's left edge…
        assert abs(ln.x1 - (LEFT + WIDTH)) < 0.05  # …and the 28th ends at its right edge, not past it


def test_a_page_of_body_text_holds_22_lines_on_the_grid(fontset):
    pages = pdf_pages(render_pdf(letter(["未按规定着装" * 60] * 3), fontset))
    assert len(pages) >= 3
    middle = [ln for ln in pages[1] if round(ln.size) == 16]
    assert len(middle) == 22
    tops = [ln.top for ln in middle]
    assert all(abs((b - a) - PITCH) < 0.15 for a, b in zip(tops, tops[1:]))


def test_one_problem_has_no_ordinal_two_have_them(fontset):
    one = "".join(ln.text for page in pdf_pages(render_pdf(letter(["未制定重大执法决定法制审核目录清单"]), fontset))
                  for ln in page)
    assert "问题：" in one and "未制定重大执法决定法制审核目录清单。" in one and "一是" not in one
    two = "".join(ln.text for page in pdf_pages(render_pdf(letter(["甲事项未办", "乙事项未办"]), fontset)) for ln in page)
    assert "一是甲事项未办。" in two and "二是乙事项未办。" in two


def _problems(n: int) -> list[str]:
    rng = random.Random(n)
    out = []
    for _ in range(n):
        length = rng.choice((6, 12, 20, 26, 27, 40, 54, 55, 80, 110, 160, 230))
        chars = [rng.choice(POOL) for _ in range(length)]
        for at in range(9, length - 2, rng.randint(9, 17)):
            chars[at] = "，"
        out.append("".join(chars))
    return out


SIGNATURE = (AUTHORITY, "2021年4月9日")
HEAD = ("鲁政行监字〔2021〕7号", "鲁山县瀼河乡人民政府：")


def _kind(line, signature=SIGNATURE, head=HEAD) -> str:
    if round(line.size) == 14:
        return "page number"
    if round(line.size) != 16:
        return "title"
    if line.text in signature or line.text.startswith("（联系"):
        return "signature"
    if line.text in head:
        return "head"
    if abs(line.x0 - (LEFT + 2 * CELL)) < 0.05:
        return "start"  # a paragraph's first line, two characters in
    assert abs(line.x0 - LEFT) < 0.05, line
    return "more"  # a paragraph's next line, flush left


def assert_paginated(pdf: bytes, signature=SIGNATURE, head=HEAD, signature_lines: int = 3) -> None:
    """The pagination rules, checked on a rendered letter: inside the 版心 on one pitch, 22 lines a page, the 署名
    group together on the last page with body text above it, page numbers, no paragraph's line alone at a page's
    foot or head. signature / head: the texts of the 署名 group and of the 文号 and 主送 lines."""
    pages = pdf_pages(pdf)
    kinds = [[(_kind(ln, signature, head), ln) for ln in page] for page in pages]
    for number, page in enumerate(kinds, start=1):
        text = [ln for k, ln in page if k != "page number"]
        # inside the 版心, on an even pitch
        for ln in text:
            assert ln.top - 0.8 * ln.size >= TOP - 0.5 and ln.top <= TOP + HEIGHT + 0.5, (number, ln)
            assert ln.x0 >= LEFT - 0.05 and ln.x1 <= LEFT + WIDTH + 0.05, (number, ln)
        body = [ln for k, ln in page if k in ("start", "more", "signature", "head")]
        last = number == len(pages)
        assert len(body) <= (24 if last else 22), number  # 22 lines; the 署名 page may be set 2 lines tighter
        gaps = [b.top - a.top for a, b in zip(body, body[1:])]
        pitch = min(gaps)
        assert all(abs(g / pitch - round(g / pitch)) < 0.02 for g in gaps), gaps  # whole lines of one pitch
        # 署名, 成文日期 and 附注 together, on the last page only
        sig = [ln for k, ln in page if k == "signature"]
        assert len(sig) == (signature_lines if last else 0), (number, sig)
        if last:
            # GB/T 9704-2012 7.3.5.5: the 署名 page carries body text above the 署名
            above = [ln for k, ln in page if k in ("start", "more") and ln.top < sig[0].top]
            assert above, f"page {number} has the 署名 without body text"
        if len(pages) > 1:
            assert any(k == "page number" and ln.text == f"—{number}—" for k, ln in page), number
    # no line of a paragraph alone at the foot or the head of a page
    for number in range(len(kinds) - 1):
        here = [k for k, _ in kinds[number] if k in ("start", "more")]
        there = [k for k, _ in kinds[number + 1] if k in ("start", "more", "signature")]
        if not there or there[0] != "more":
            continue  # the page break falls between paragraphs
        tail = len(here) - max(i for i, k in enumerate(here) if k == "start") if "start" in here else len(here)
        head_lines = next((i for i, k in enumerate(there) if k != "more"), len(there))
        assert tail >= 2, f"page {number + 1} ends with a paragraph's first line alone"
        assert head_lines >= 2, f"page {number + 2} starts with a paragraph's last line alone"


@pytest.mark.parametrize("n", range(1, 41))
def test_pagination_of_letters_with_1_to_40_problems(fontset, n):
    assert_paginated(render_pdf(letter(_problems(n)), fontset))


def test_the_sweep_meets_both_adjustments_of_7_3_5_5(fontset):
    """Among the letters above, some needed the 署名 page set tighter and some moved body lines over (the page
    they left set wider): both ways are exercised, not just the easy case."""
    tighter = wider = 0
    for n in range(1, 41):
        for page in pdf_pages(render_pdf(letter(_problems(n)), fontset)):
            body = [ln for ln in page if round(ln.size) == 16]
            pitch = min(b.top - a.top for a, b in zip(body, body[1:]))
            tighter += pitch < PITCH - 0.1
            wider += pitch > PITCH + 0.1
    assert tighter and wider


def test_document_information(fontset):
    made = datetime(2021, 4, 9, 2, 30, tzinfo=timezone.utc)
    info = metadata(render_pdf(letter(["甲事项未办"]), fontset, created=made))
    assert info["Title"] == "鲁政行监字〔2021〕7号"
    assert info["Author"] == AUTHORITY
    assert info["Subject"] == "行政执法监督意见书（鲁山县瀼河乡人民政府）"
    assert info["CreationDate"].startswith("D:20210409103000+08")  # Beijing time, not ReportLab's fixed 2000-01-01
    data = render_pdf(letter(["甲事项未办"]), fontset)
    assert b"/Lang (zh-CN)" in data or b"/Lang(zh-CN)" in data
