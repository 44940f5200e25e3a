"""The Word copy's 版头 and 版记 (issue 16) laid out by LibreOffice headless, read back in mm: the red 发文机关标志 35 mm
below the 版心's top edge, the red rule 4 mm under the 发文字号, the 版记 on the same (even) last page as in the PDF
with its last rule on the 版心's bottom edge, a blank page and the 版记 page without page numbers. Off by default the
Word copy is what it was."""
import ctypes
import io
import json
import os
import random
import shutil
import subprocess
import zipfile
from datetime import date

import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest

from supervision import fonts
from supervision.letters.content import LetterContent
from supervision.letters.docx import render_docx
from supervision.letters.pdf import layout
from tests.letters.pdfmeasure import pdf_pages
from tests.letters.test_docx_layout import ALIAS, FONTS_CONF
from tests.letters.test_layout import POOL, letter

UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
MM = 72 / 25.4
LEFT, TOP, WIDTH, HEIGHT = 28 * MM, 37 * MM, 156 * MM, 225 * MM
MARK = "鲁山县司法局文件"


@pytest.fixture(scope="module")
def fontset(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("fonts"))
    return fonts.FontSet(body=fonts.resolve("body", [], folder), title=fonts.resolve("title", [], folder))


def dressed(problems, **kw):
    data = dict(masthead=MARK, colophon=True, copy_to="鲁山县人民政府办公室、平顶山市司法局", printer="鲁山县司法局",
                print_date=date(2021, 4, 9))
    data.update(kw)
    return letter(problems, **data)


def strokes(data: bytes) -> list[list[tuple]]:
    """Each page's drawn lines: (left, centre from the page's top, width, stroke colour), pt."""
    doc = pdfium.PdfDocument(data)
    out = []
    try:
        for page in doc:
            h = page.get_height()
            found = []
            for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH]):
                left, bottom, right, top = obj.get_bounds()
                r, g, b, a = (ctypes.c_uint() for _ in range(4))
                raw.FPDFPageObj_GetStrokeColor(obj.raw, r, g, b, a)
                found.append((left, h - (top + bottom) / 2, right - left, (r.value, g.value, b.value)))
            out.append(sorted(set((round(x, 1), round(y, 1), round(w, 1), c) for x, y, w, c in found),
                              key=lambda s: s[1]))
    finally:
        doc.close()
    return out


def red_chars(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    try:
        tp = doc[0].get_textpage()
        out = ""
        for i in range(tp.count_chars()):
            r, g, b, a = (ctypes.c_uint() for _ in range(4))
            raw.FPDFText_GetFillColor(tp, i, r, g, b, a)
            if (r.value, g.value, b.value) == (255, 0, 0):
                out += tp.get_text_range(i, 1)
        return out
    finally:
        doc.close()


def place(content, fontset) -> str:
    pages, _ = layout(content, fontset)
    return "under" if pages[-1].lines else ("blank" if not pages[-1].numbered else "page")


@pytest.mark.skipif(not os.path.exists(UMING), reason="apt-get install fonts-arphic-uming")
@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice absent: apt-get install libreoffice-writer-nogui")
def test_libreoffice_lays_out_the_masthead_and_colophon_as_the_pdf(tmp_path, fontset):
    conf = tmp_path / "fonts.conf"
    conf.write_text(FONTS_CONF.format(aliases="\n  ".join(ALIAS.format(f) for f in
                                                            ("仿宋_GB2312", "方正小标宋简体", "宋体"))), encoding="utf-8")
    rnd = random.Random(16)
    cases: dict[str, LetterContent] = {}
    for n in range(1, 31):  # one letter for each place of the 版记
        problems = ["".join(rnd.choice(POOL) for _ in range(rnd.randint(8, 110))) for _ in range(n)]
        content = dressed(problems)
        cases.setdefault(place(content, fontset), content)
        if len(cases) == 3:
            break
    assert set(cases) == {"under", "page", "blank"}
    for name, content in cases.items():
        (tmp_path / f"{name}.docx").write_bytes(render_docx(content, fontset))
    env = dict(os.environ, FONTCONFIG_FILE=str(conf), HOME=str(tmp_path))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), *[str(tmp_path / f"{n}.docx") for n in cases]],
                   env=env, check=True, capture_output=True, timeout=180)
    descent = fontset.title.face.descent / 1000.0
    for name, content in cases.items():
        data = (tmp_path / f"{name}.pdf").read_bytes()
        pages = pdf_pages(data)
        ours = layout(content, fontset)[0]
        assert len(pages) == len(ours), name  # the 版记 on the same page as in the PDF, an even one
        assert len(pages) % 2 == 0, name
        # 版头: the red mark 35 mm below the 版心's top edge, centred
        mark = next(ln for ln in pages[0] if ln.text == MARK)
        assert red_chars(data).startswith(MARK), name
        top = mark.top - mark.size * (1 + descent)
        assert abs(top - (TOP + 35 * MM)) < 1 * MM, (name, (top - TOP) / MM)
        assert abs((mark.x0 - LEFT) - (LEFT + WIDTH - (mark.x1 - mark.size + (mark.x1 - mark.size - mark.x0)
                                                       / (len(MARK) - 1)))) < 1 * MM
        number = next(ln for ln in pages[0] if ln.text == content.number)
        red = [s for s in strokes(data)[0] if s[3] == (255, 0, 0)]
        assert red, name
        number_bottom = number.top - 16 * (1 + descent) + 16
        for left, centre, width, _ in red:  # the red rule 4 mm under the 发文字号, as wide as the 版心
            assert abs(centre - (number_bottom + 4 * MM)) < 0.8 * MM, (name, (centre - number_bottom) / MM)
            assert abs(left - LEFT) < 1 and abs(width - WIDTH) < 2
        # 版记: three black rules on the last page, the last on the 版心's bottom edge; 抄送 and 印发 between them
        black = [s for s in strokes(data)[-1] if s[3] == (0, 0, 0) and s[2] > WIDTH - 2]
        assert len(black) == 3, (name, black)
        assert abs(black[-1][1] - (TOP + HEIGHT)) < 0.5 * MM, name
        last = pages[-1]
        copy = next(ln for ln in last if ln.text.startswith("抄送："))
        printed = next(ln for ln in last if ln.text.endswith("2021年4月9日印发"))
        assert black[0][1] < copy.top < black[1][1] < printed.top < black[2][1], name
        assert abs(copy.x0 - (LEFT + 14)) < 0.5 and abs(printed.x1 - (LEFT + WIDTH - 14)) < 0.5, name
        numbers = [[ln.text for ln in page if ln.text.startswith("—")] for page in pages]
        if name == "blank":  # 7.5: the blank page and the 版记 page carry no page number
            assert not pages[-2] and numbers[-1] == [] and numbers[:-2] == [[f"—{i}—"] for i in range(1, len(pages) - 1)]
        else:
            assert numbers == [[f"—{i}—"] for i in range(1, len(pages) + 1)], name
        if name == "page":  # the 版记 alone on its page
            assert [ln for ln in last if round(ln.size) == 16] == []
        if name == "under":
            assert any(round(ln.size) == 16 for ln in last)


def _xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml").decode("utf-8")


def test_the_docx_marks_the_masthead_red_and_its_settings_frozen_in_the_content(fontset):
    xml = _xml(render_docx(dressed(["甲事项未办"]), fontset))
    assert 'w:color w:val="FF0000"' in xml and MARK in xml  # the mark in red
    assert '<w:bottom w:val="single" w:sz="8"' in xml and 'w:color="FF0000"' in xml  # the red rule
    assert "抄送：鲁山县人民政府办公室、平顶山市司法局。" in xml and "2021年4月9日印发" in xml
    assert xml.count("<w:framePr") == 2  # 抄送, then 印发机关/印发日期


def test_off_by_default_the_word_copy_is_as_before():
    content = letter(["甲事项未办", "乙事项未办"])
    old = json.loads(content.to_json())
    for key in ("masthead", "colophon", "copy_to", "printer", "print_date"):
        del old[key]
    xml = _xml(render_docx(content))  # no fonts needed: nothing is laid out for a 版头 or 版记
    assert _xml(render_docx(LetterContent.from_json(json.dumps(old, ensure_ascii=False)))) == xml
    assert "FF0000" not in xml and "framePr" not in xml and "印发" not in xml and "抄送" not in xml
