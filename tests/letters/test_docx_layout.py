"""The Word copy laid out by LibreOffice as the PDF is: 28 characters a line, 22 lines a page, the same pages; and
in its XML a lines-only grid, odd and even footers, the 署名 kept with the body, zh-CN and no Japanese theme fonts."""
import io
import os
import shutil
import subprocess
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from supervision import fonts
from supervision.letters.docx import render_docx
from supervision.letters.pdf import PITCH, render_pdf
from tests.letters.pdfmeasure import pdf_pages
from tests.letters.test_layout import AUTHORITY, POOL, letter

UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
MM = 72 / 25.4
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  {aliases}
</fontconfig>
"""
ALIAS = ('<match target="pattern"><test name="family"><string>{0}</string></test>'
         '<edit name="family" mode="assign" binding="strong"><string>AR PL UMing CN</string></edit></match>')


def test_docx_grid_footers_keeps_and_language():
    d = docx.Document(io.BytesIO(render_docx(letter(["甲事项未办", "乙事项未办"]))))
    grid = d.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:charSpace")) is None  # not linesAndChars
    assert int(grid.get(qn("w:linePitch"))) * 22 <= 225 / 25.4 * 1440  # 22 lines fit in the 版心
    assert d.settings.odd_and_even_pages_header_footer
    s = d.sections[0]
    odd, even = s.footer.paragraphs[0], s.even_page_footer.paragraphs[0]
    assert odd.alignment == 2 and odd.paragraph_format.right_indent.pt > 15  # right, one character in
    assert even.alignment == 0 and even.paragraph_format.left_indent.pt > 15  # left, one character in
    for p in (odd, even):
        xml = p._p.xml
        assert "— " in p.text and "PAGE" in xml and 'w:val="28"' in xml  # "— 1 —" in 4号 (14 pt)
    assert abs(s.footer_distance.mm + 14 / MM - (297 - 37 - 225 - 7)) < 0.2  # 7 mm below the 版心
    paras = d.paragraphs
    sig = next(i for i, p in enumerate(paras) if p.text == AUTHORITY)
    assert paras[sig - 3].text.startswith("请你单位") and paras[sig - 3].paragraph_format.keep_with_next
    assert all(p.paragraph_format.keep_with_next for p in paras[sig - 2:sig + 2])  # blanks, 署名, 成文日期
    assert paras[-1].paragraph_format.keep_together and paras[-1].text.startswith("（联系人")
    raw = zipfile.ZipFile(io.BytesIO(render_docx(letter(["甲事项未办"]))))
    for name in ("word/styles.xml", "word/settings.xml", "word/theme/theme1.xml", "word/fontTable.xml",
                 "word/document.xml"):
        text = raw.read(name).decode("utf-8")
        assert "ja-JP" not in text and "ＭＳ" not in text and 'script="Jpan"' not in text, name
    assert 'w:eastAsia="zh-CN"' in raw.read("word/styles.xml").decode("utf-8")
    assert d.core_properties.language == "zh-CN"


def _plain(n: int, seed: int) -> list[str]:
    """Problems without punctuation or digits whose closing 。 never starts a line: LibreOffice ignores Word's
    switches for hanging punctuation and for the space between Chinese and digits (w:overflowPunct,
    w:autoSpaceDN — Word and WPS honour them), so lines where those apply are not compared."""
    out = []
    for i in range(n):
        length = (seed * 7 + i * 13) % 90 + 8
        while (2 + length + 1 - 1) % 28 == 26 or (2 + length) == 26:
            length += 1
        out.append("".join(POOL[(seed + i * 5 + k * 3) % len(POOL)] for k in range(length)))
    return out


@pytest.mark.skipif(not os.path.exists(UMING), reason="apt-get install fonts-arphic-uming")
@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice absent: apt-get install libreoffice-writer-nogui")
def test_libreoffice_lays_the_docx_out_as_the_pdf(tmp_path):
    conf = tmp_path / "fonts.conf"
    conf.write_text(FONTS_CONF.format(aliases="\n  ".join(ALIAS.format(f) for f in
                                                            ("仿宋_GB2312", "方正小标宋简体", "宋体"))), encoding="utf-8")
    fs = fonts.FontSet(body=fonts.resolve("body", [], str(tmp_path)), title=fonts.resolve("title", [], str(tmp_path)))
    request = "请你单位接到本通知后进行研究制定具体措施进一步完善制度并于三十日之内将相关情况书面报送至监督室。"
    cases = {}
    for n in (3, 10, 25):
        content = letter(_plain(n, n), request=request, contact="（联系人：王某）")
        cases[n] = content
        (tmp_path / f"l{n}.docx").write_bytes(render_docx(content))
    env = dict(os.environ, FONTCONFIG_FILE=str(conf), HOME=str(tmp_path))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), *[str(tmp_path / f"l{n}.docx") for n in cases]],
                   env=env, check=True, capture_output=True, timeout=180)
    for n, content in cases.items():
        ours = pdf_pages(render_pdf(content, fs))
        theirs = pdf_pages((tmp_path / f"l{n}.pdf").read_bytes())
        # the comparison holds where the PDF needed no 7.3.5.5 adjustment (Word's keep-with-next moves whole
        # paragraphs, the PDF two lines)
        for page in ours:
            body = [ln for ln in page if round(ln.size) == 16]
            assert all(abs((b.top - a.top) % PITCH) < 0.2 or abs((b.top - a.top) % PITCH - PITCH) < 0.2
                       for a, b in zip(body, body[1:])), f"letter {n}: pick other lengths"
        assert len(theirs) == len(ours), n
        for number, (a, b) in enumerate(zip(ours, theirs), start=1):
            la = [ln.text for ln in a if round(ln.size) != 14]
            lb = [ln.text for ln in b if ln.text.replace("—", "") != str(number)]
            assert la == lb, (n, number)  # the same lines, character for character, on the same pages
            assert len(la) <= 22
            for ln in b:
                assert ln.x1 <= (28 + 156) * MM + 0.5, (n, number, ln)  # nothing past the 版心
            full = [ln for ln in b if len(ln.text) == 28]
            assert n < 5 or full, "full lines hold 28 characters"
