"""考核结果反馈单 read back: the PDF's text (pdfplumber) and the DOCX (python-docx) carry the unit's components, each
indicator's rating and points, 加减分, total, grade, rank in its category and the 异议 deadline sentence."""
import io
from datetime import date

import docx
import pdfplumber
import pytest

from supervision import fonts
from supervision.assessment import feedback
from tests.assessment.test_analysis import make_results


@pytest.fixture(scope="module")
def font_set(tmp_path_factory):
    where = str(tmp_path_factory.mktemp("fonts"))
    return fonts.FontSet(body=fonts.resolve("body", [], where), title=fonts.resolve("title", [], where))


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace(" ", "").replace("\n", "")


def test_pdf_names_the_units_scores_ratings_adjustments_rank_and_deadline(font_set):
    data = feedback.feedback_pdf(make_results(), 3, font_set, deadline=date(2022, 3, 18),
                                 authority="鲁山县法治政府建设领导小组办公室")
    text = pdf_text(data)
    assert "2021年度依法行政考核结果反馈单" in text and "鲁山县瀼河乡人民政府" in text
    assert "总分" in text and "93.60分" in text and "第2名（共3个单位）" in text
    assert "良好（不得评为优秀）" in text
    assert "1.1.2" in text and "5.00不适用不计理由" in text  # the 加权 indicator
    assert "注：评价为“不适用”的指标不计分，其分值按加权计算法折算。" in text
    assert "-1.00" in text and "被市政府通报批评" in text
    assert "如对考核结果有异议，请于2022年3月18日前向鲁山县法治政府建设领导小组办公室书面提出" in text
    assert "张良镇" not in text  # another unit's result never appears


def test_docx_has_the_same_content():
    d = docx.Document(io.BytesIO(feedback.feedback_docx(make_results(), 1, deadline=date(2022, 3, 18))))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert "张良镇" in cells and "95.62分" in cells and "第1名（共3个单位）" in cells and "优秀" in cells
    assert ["1.1.3", "依法行政制度体系 / 规范性文件 / 指标3", "5.00", "差", "0.00", "理由"] == cells[
        cells.index("1.1.3"):cells.index("1.1.3") + 6]
    assert "+1.50" in cells and "省级表彰" in cells
    body = "\n".join(p.text for p in d.paragraphs)
    assert "请于2022年3月18日前" in body and "逾期未提出的，视为无异议" in body


def test_an_unknown_unit_and_an_unprintable_character_are_refused(font_set):
    with pytest.raises(feedback.FeedbackError):
        feedback.feedback_docx(make_results(), 999)
    r = make_results()
    r.units[0].unit_name = "张良镇\U0001F600"
    with pytest.raises(fonts.MissingGlyphs):
        feedback.feedback_pdf(r, 1, font_set)
