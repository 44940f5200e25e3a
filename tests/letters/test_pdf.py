"""The PDF read back: A4, embedded font, number, every problem, 瀼 as text, GB/T 9704 margins and sizes."""
import io
import os
from datetime import date

import pdfplumber
import pytest
import reportlab
from pypdf import PdfReader

from supervision import fonts
from supervision.letters import text as T
from supervision.letters.content import LetterContent
from supervision.letters.docx import render_docx
from supervision.letters.pdf import NO_END, NO_START, break_paragraph, render_pdf

UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
pytestmark = pytest.mark.skipif(not os.path.exists(UMING), reason="apt-get install fonts-arphic-uming")
MM = 72 / 25.4


@pytest.fixture
def fontset(tmp_path):
    return fonts.FontSet(body=fonts.resolve("body", [], str(tmp_path)), title=fonts.resolve("title", [], str(tmp_path)))


def make_content(problems=None, **kw):
    data = dict(
        title="行政执法监督意见书", number=T.letter_number("鲁政行监字", 2021, 7), addressee="鲁山县瀼河乡人民政府",
        intro=T.case_sentence("张某某无证经营", "鲁瀼罚决字〔2021〕第3号"),
        problems=problems or ["执法人员未按规定着装，部分人员未佩戴执法证件", "未制定重大执法决定法制审核目录清单"],
        request=T.request_paragraph(30, "鲁山县司法局行政执法协调监督室（司法大楼504）"),
        authority="鲁山县法治政府建设领导小组办公室", date=date(2021, 4, 9), contact=T.contact_line("王某", "0375-7653158"))
    data.update(kw)
    return LetterContent(**data)


def read(pdf_bytes):
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return [(p.width, p.height, p.extract_text(), p.chars) for p in pdf.pages]


def test_a4_number_problems_and_rare_character(fontset):
    pdf = render_pdf(make_content(), fontset)
    pages = read(pdf)
    assert len(pages) == 1
    width, height, text, chars = pages[0]
    assert abs(width - 595.28) < 0.5 and abs(height - 841.89) < 0.5
    flat = text.replace("\n", "")
    assert "鲁政行监字〔2021〕7号" in flat
    assert "一是执法人员未按规定着装，部分人员未佩戴执法证件。" in flat
    assert "二是未制定重大执法决定法制审核目录清单。" in flat
    assert "鲁山县瀼河乡人民政府：" in flat
    assert "瀼" in {c["text"] for c in chars}
    assert "2021年4月9日" in flat
    assert "（联系人：王某，联系方式：0375-7653158）" in flat
    assert "— 1 —" not in flat  # one page: no page number


def test_font_is_embedded(fontset):
    reader = PdfReader(io.BytesIO(render_pdf(make_content(), fontset)))
    fonts_seen = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descendants = font.get("/DescendantFonts")
        target = descendants[0].get_object() if descendants else font
        desc = target["/FontDescriptor"].get_object()
        fonts_seen.append((str(font["/BaseFont"]), "/FontFile2" in desc))
    assert any("UMing" in name for name, _ in fonts_seen), fonts_seen
    assert all(embedded for _, embedded in fonts_seen), fonts_seen  # no viewer-substituted font at all


def test_margins_and_sizes_follow_gbt_9704(fontset):
    _, height, _, chars = read(render_pdf(make_content(), fontset))[0]
    body = [c for c in chars if round(c["size"]) == 16]
    assert abs(min(c["x0"] for c in chars) / MM - 28) <= 1  # 订口
    assert abs(min(c["top"] for c in chars) / MM - 37) <= 1  # 天头
    assert max(c["x1"] for c in chars) / MM <= 28 + 156 + 0.2  # nothing past the 版心
    assert max(c["bottom"] for c in chars) / MM <= 37 + 225 + 0.2
    assert {round(c["size"]) for c in chars} == {16, 22}
    title = [c for c in chars if round(c["size"]) == 22]
    assert "".join(c["text"] for c in title) == "行政执法监督意见书"
    # the problem paragraphs are body text at 16 pt, starting two characters in
    lines = {}
    for c in body:
        lines.setdefault(round(c["top"], 1), []).append(c)
    starts = {"".join(ch["text"] for ch in sorted(v, key=lambda c: c["x0"]))[:4]: min(ch["x0"] for ch in v) / MM
              for v in lines.values()}
    assert abs(starts["一是执法"] - (28 + 2 * 156 / 28)) <= 0.5
    assert abs(starts["鲁山县瀼"] - 28) <= 0.5  # 主送机关 flush left


def test_22_lines_of_28_characters(fontset):
    long = ["执法" * 40] * 8
    pages = read(render_pdf(make_content(problems=long), fontset))
    assert len(pages) >= 2
    chars = [c for c in pages[0][3] if round(c["size"]) == 16 and c["top"] / MM < 37 + 225]
    rows = sorted({round(c["top"], 1) for c in chars})
    assert len(rows) <= 22
    pitches = [b - a for a, b in zip(rows, rows[1:])]
    assert min(pitches) / MM == pytest.approx(225 / 22, abs=0.05)
    full = [r for r in rows if len([c for c in chars if round(c["top"], 1) == r]) == 28]
    assert full, "a full line holds 28 characters"


def test_page_numbers_when_more_than_one_page(fontset):
    pages = read(render_pdf(make_content(problems=["执法" * 40] * 10), fontset))
    assert len(pages) >= 2
    for n, (_, _, text, chars) in enumerate(pages, start=1):
        assert f"— {n} —" in text
        num = [c for c in chars if c["text"] == str(n) and round(c["size"]) == 14]
        assert num and abs(num[0]["top"] / MM - (37 + 225 + 7)) <= 1


def test_no_line_starts_with_closing_punctuation(fontset):
    # 27 characters, then a comma that would begin the next line without 避头尾.
    para = "一" * 25 + "二三，四五六。" + "七" * 26 + "（八）"
    lines = break_paragraph(para, fontset.body.name, first_indent=0)
    for text, _ in lines:
        assert text[0] not in NO_START
        assert text[-1] not in NO_END
    assert "".join(t for t, _ in lines) == para
    _, _, _, chars = read(render_pdf(make_content(problems=[para, para[3:]]), fontset))[0]
    assert max(c["x1"] for c in chars) / MM <= 28 + 156 + 0.2


def test_draft_is_marked_and_unnumbered(fontset):
    text = read(render_pdf(make_content(number="", draft=True), fontset))[0][2]
    assert "草稿" in text and "〔2021〕" not in text.split("\n")[1]


def test_missing_glyph_is_an_error_not_a_blank(tmp_path):
    vera = os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")
    latin = fonts.resolve("body", [vera], str(tmp_path))
    with pytest.raises(fonts.MissingGlyphs) as exc:
        render_pdf(make_content(), fonts.FontSet(body=latin, title=latin))
    assert "瀼" in exc.value.chars


def test_docx_has_margins_and_east_asian_fonts():
    import docx
    from docx.oxml.ns import qn

    d = docx.Document(io.BytesIO(render_docx(make_content())))
    s = d.sections[0]
    assert round(s.page_width.mm) == 210 and round(s.page_height.mm) == 297
    assert round(s.top_margin.mm) == 37 and round(s.left_margin.mm) == 28
    assert round(s.right_margin.mm) == 26
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == "行政执法监督意见书" and texts[1] == "鲁政行监字〔2021〕7号"
    assert "一是执法人员未按规定着装，部分人员未佩戴执法证件。" in texts
    assert any("瀼" in t for t in texts)
    title_fonts = d.paragraphs[0].runs[0]._element.rPr.rFonts
    body_fonts = d.paragraphs[4].runs[0]._element.rPr.rFonts
    assert title_fonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert body_fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert d.paragraphs[4].runs[0].font.size.pt == 16
