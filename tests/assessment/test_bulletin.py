"""The draft 通报 read back with python-docx: seed 000's five sections, the generated sentences, the 公文 page; and laid
out once by LibreOffice (28 characters a line, nothing past the 版心)."""
import io
import os
import shutil
import subprocess

import docx
import pytest
from docx.oxml.ns import qn

from supervision.assessment.bulletin import bulletin_docx
from supervision.assessment.reportdata import CommonProblem
from tests.assessment.test_analysis import make_results
from tests.letters.test_docx_layout import ALIAS, FONTS_CONF, MM, UMING


def texts(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_sections_and_generated_sentences():
    paras = texts(bulletin_docx(make_results()))
    body = "\n".join(paras)
    assert paras[0] == "法治政府建设领导小组办公室关于2021年度依法行政考核情况的通报"
    heads = [p for p in paras if p[:2] in ("一、", "二、", "三、", "四、", "五、")]
    assert heads == ["一、2021年度依法行政工作情况", "二、考核评分措施", "三、考核结果",
                     "四、2021年度依法行政工作存在的主要问题", "五、下一步工作要求"]
    # 一、 and 五、: the office's text, one paragraph a line
    assert "（一）依法行政意识不断提高。" in paras and "（二）进一步落实行政执法责任制。" in paras
    # 二、 from the scheme (seed 000's sentences)
    assert "考核方式分为行政系统内部考核（满分100分）和加减分评定（最高不超过5分）。" in body
    assert ("对乡镇（街道）考核的三级指标为105项，依法行政工作资料评判占比71.43%、日常工作情况评价占比28.57%；"
            "对县直部门考核的三级指标为99项，依法行政工作资料评判占比69.70%、日常工作情况评价占比30.30%") in body
    assert ("评价为“优”等次的工作任务得该项分值的100%，评价为“良”等次的工作任务得该项分值的80%，"
            "评价为“中”等次的工作任务得该项分值的60%，评价为“差”等次的工作任务不得分") in body
    assert "增加0.25至1分，累计加分最多不超过5分" in body and "每次在总分中减少1分，累计扣分原则上不超过10分" in body
    assert "经汇总，1个单位获得加分，最高加分为1.5分，最少加分为1.5分；1个单位存在扣分情形，其中1个单位情节严重" in body
    # 三、 generated lists per category, ranked, with the year-on-year paragraph
    assert "2021年度依法行政考核结果共评定：优秀2个，其中乡镇（街道）1个，县直部门1个；良好3个。" in body
    i = paras.index("（一）乡镇（街道）")
    assert paras[i + 1:i + 5] == ["优秀等次（1个）：", "张良镇。", "良好等次（2个）：", "鲁山县瀼河乡人民政府、梁洼乡。"]
    assert "（三）与上年度对比" in paras and "较去年增加了10.52分，同比增长了13.28%" in body
    # 四、 the findings, most frequent first
    j = paras.index("四、2021年度依法行政工作存在的主要问题")
    assert paras[j + 2].startswith("一是（五）执法案卷管理方面存在问题。全年监督检查中发现此类问题7个，主要表现为案卷未按规定装订")
    assert paras[j + 3].startswith("二是（二）行政执法程序方面")
    assert paras[-2:] == ["法治政府建设领导小组办公室", "2022年4月9日"]


def test_edited_problems_replace_the_generated_ones_and_a_draft_says_so():
    r = make_results(previous=False)
    r.texts["problems"] = "一是认识不够准确。\n二是机制不完善。"
    r.confirmed_on = None
    r.common_problems = [CommonProblem("（一）某事项", 1)]
    paras = texts(bulletin_docx(r))
    j = paras.index("四、2021年度依法行政工作存在的主要问题")
    assert paras[j + 1:j + 3] == ["一是认识不够准确。", "二是机制不完善。"]
    assert "（草稿）" in paras[:3] and "（三）与上年度对比" not in paras
    assert not any("某事项" in p for p in paras)


def test_the_page_is_the_letters_gongwen_page():
    d = docx.Document(io.BytesIO(bulletin_docx(make_results())))
    s = d.sections[0]
    assert round(s.top_margin.mm) == 37 and round(s.left_margin.mm) == 28
    assert round(s.page_width.mm - s.left_margin.mm - s.right_margin.mm) == 156
    assert s._sectPr.find(qn("w:docGrid")).get(qn("w:type")) == "lines"
    assert "PAGE" in s.footer.paragraphs[0]._p.xml
    assert d.paragraphs[5].runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"  # 一级标题
    run = d.paragraphs[6].runs[0]  # body text
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and run.font.size.pt == 16


@pytest.mark.skipif(not os.path.exists(UMING), reason="apt-get install fonts-arphic-uming")
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice absent: apt-get install libreoffice-writer-nogui")
def test_libreoffice_lays_the_bulletin_out_in_28_character_lines(tmp_path):
    from tests.letters.pdfmeasure import pdf_pages

    conf = tmp_path / "fonts.conf"
    conf.write_text(FONTS_CONF.format(aliases="\n  ".join(ALIAS.format(f) for f in
                                                            ("仿宋_GB2312", "方正小标宋简体", "宋体", "黑体"))), encoding="utf-8")
    (tmp_path / "b.docx").write_bytes(bulletin_docx(make_results()))
    env = dict(os.environ, FONTCONFIG_FILE=str(conf), HOME=str(tmp_path))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "b.docx")],
                   env=env, check=True, capture_output=True, timeout=180)
    pages = pdf_pages((tmp_path / "b.pdf").read_bytes())
    assert len(pages) >= 2
    body = [ln for page in pages for ln in page if round(ln.size) == 16]
    # Full lines hold 28 characters: all-Chinese ones exactly 28, none wider (a digit or % is half a character).
    assert max(len(ln.text) for ln in body if ln.text.isascii() is False and not any(c.isascii() for c in ln.text)) == 28
    assert all(sum(0.5 if c.isascii() else 1 for c in ln.text) <= 28.5 for ln in body)
    for page in pages:
        assert len([ln for ln in page if round(ln.size) != 14]) <= 22
        for ln in page:
            # Nothing past the 版心 — but a closing mark LibreOffice hangs past the margin (it ignores Word's
            # w:overflowPunct, which Word and WPS honour; see tests/letters/test_docx_layout.py).
            # pdf_pages' x1 adds a full em after the last origin: a digit there is half as wide.
            hang = 16 if ln.text[-1] in "，。、；：”）" else 0
            half = ln.size / 2 if ln.text[-1].isascii() else 0
            assert ln.x1 - half <= (28 + 156) * MM + 0.5 + hang, ln
    text = "".join(ln.text for page in pages for ln in page)
    assert "三级指标为105项" in text and "同比增长了13.28%" in text
