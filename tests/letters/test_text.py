"""The words that go on paper."""
from datetime import date

import pytest

from supervision.letters import text as T


@pytest.mark.parametrize("n, expected", [
    (1, "一是"), (2, "二是"), (9, "九是"), (10, "十是"), (11, "十一是"), (19, "十九是"), (20, "二十是"),
    (21, "二十一是"), (99, "九十九是"), (100, "一百是"), (101, "一百零一是"), (110, "一百一十是"),
])
def test_ordinals_are_correct_beyond_ten(n, expected):
    assert T.ordinal_lead(n) == expected


def test_ordinal_zero_is_refused():
    with pytest.raises(ValueError):
        T.ordinal_lead(0)


def test_problem_paragraph_ends_with_a_full_stop_once():
    assert T.problem_paragraph(1, "执法人员未按规定着装") == "一是执法人员未按规定着装。"
    assert T.problem_paragraph(2, "未制定培训计划。") == "二是未制定培训计划。"
    assert T.problem_paragraph(11, "未公示裁量标准；") == "十一是未公示裁量标准。"
    assert T.problem_paragraph(3, "三是重复的开头") == "三是重复的开头。"


def test_number_uses_lenticular_brackets_and_no_leading_zero():
    assert T.letter_number("鲁政行监字", 2021, 7) == "鲁政行监字〔2021〕7号"
    assert T.letter_number("鲁政行监字", 2021, 12) == "鲁政行监字〔2021〕12号"
    with pytest.raises(ValueError):
        T.letter_number("鲁政行监字", 2021, 0)


def test_case_sentence_follows_template_three():
    assert T.case_sentence("张某某无证经营", "鲁市监罚决字〔2021〕第3号") == \
        "你单位张某某无证经营案（鲁市监罚决字〔2021〕第3号）经审查后发现："
    assert T.case_sentence("张某某无证经营案") == "你单位张某某无证经营案经审查后发现："
    assert T.case_sentence() == T.DEFAULT_INTRO


def test_request_paragraph_uses_period_and_place():
    s = T.request_paragraph(30, "鲁山县司法局行政执法协调监督室（司法大楼504）", name="行政执法监督意见书")
    assert s == ("请你单位接到本行政执法监督意见书后进行研究，制定具体措施、进一步完善制度，并于30日内将相关情况"
                 "书面报送至鲁山县司法局行政执法协调监督室（司法大楼504）。")
    assert "本通知" not in s and "之内前" not in s  # 附件三's two slips only where a type's template keeps them
    three = T.request_paragraph(30, "某室", T.TEMPLATE_THREE_REQUEST)
    assert three == "请你单位接到本通知后进行研究，制定具体措施、进一步完善制度，并于30日之内前将相关情况书面报送至某室。"
    assert "15日" in T.request_paragraph(15, "某室", "请于{days}日内报送{place}。")


def test_contact_line_and_paper_date():
    assert T.contact_line("王某", "0375-7653158") == "（联系人：王某，联系方式：0375-7653158）"
    assert T.contact_line("", "0375-7653158") == "（联系电话：0375-7653158）"
    assert T.contact_line("王某", "") == "（联系人：王某）"
    assert T.contact_line() == ""
    assert T.paper_date(date(2021, 4, 9)) == "2021年4月9日"


def test_deadline_explanation_reads_as_the_issue_says():
    s = T.deadline_explanation(date(2021, 9, 1), 30, date(2021, 10, 1), date(2021, 10, 8), "国庆节")
    assert s == "2021-09-01 签收 + 30 日 = 2021-10-01，国庆节顺延至 2021-10-08"


def test_one_problem_is_stated_without_an_ordinal_but_frozen_letters_keep_theirs():
    from supervision.letters.content import LetterContent

    one = LetterContent(title="t", number="", addressee="a", intro="", problems=["一是未公示权责清单"])
    assert one.body_paragraphs() == ["未公示权责清单。"]
    two = LetterContent(title="t", number="", addressee="a", intro="", problems=["未公示", "未备案"])
    assert two.body_paragraphs() == ["一是未公示。", "二是未备案。"]
    # content frozen at issue before this rule has no "style": its Word copy keeps the 一是 its stored PDF has
    frozen = one.to_json().replace('"style": 2, ', "")
    assert '"style"' not in frozen
    assert LetterContent.from_json(frozen).body_paragraphs() == ["一是未公示权责清单。"]
    assert LetterContent.from_json(one.to_json()).body_paragraphs() == ["未公示权责清单。"]


def test_problem_lines_are_joined_without_spaces_between_chinese():
    assert T.problem_paragraph(1, "未公示\n权责清单\nWord 2016\n文档") == "一是未公示权责清单 Word 2016 文档。"


def test_suggested_authority_follows_the_regulation():
    assert T.suggested_authority(date(2021, 4, 9)) == "鲁山县法治政府建设领导小组办公室"
    assert T.suggested_authority(date(2026, 1, 31)) == "鲁山县法治政府建设领导小组办公室"
    assert T.suggested_authority(date(2026, 2, 1)) == "鲁山县司法局"
    assert T.suggested_authority(date(2027, 3, 1)) == "鲁山县司法局"
