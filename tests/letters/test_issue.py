"""Drafting, issuing with a number, immutability, voiding and correcting."""
import io
import os
from datetime import date

import pdfplumber
import pytest
import reportlab
from sqlalchemy.exc import IntegrityError

from supervision.audit import AuditEntry
from supervision.directory.operations import get_profile, update_profile
from supervision.extensions import db
from supervision.fonts import MissingGlyphs
from supervision.letters import errors, operations, queries
from supervision.letters.models import Letter, LetterFile, LetterProblem
from supervision.policy import can
from tests.helpers import make_unit

from .conftest import FIXED, LETTER, make_visit

UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
pytestmark = pytest.mark.skipif(not os.path.exists(UMING), reason="apt-get install fonts-arphic-uming")
D = date(2021, 9, 1)


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join((p.extract_text() or "") for p in pdf.pages).replace("\n", "")


def test_draft_carries_only_problems_needing_a_letter(admin, rang_unit):
    visit = make_visit(rang_unit, [("未公示权责清单", LETTER), ("着装不规范", FIXED), ("未报送备案", LETTER)])
    letter = operations.draft_letter(visit, admin)
    db.session.commit()
    assert [i.text for i in letter.items] == ["未公示权责清单", "未报送备案"]
    assert [i.position for i in letter.items] == [1, 2]
    assert letter.period_days == 30 and letter.is_draft and letter.number == ""
    content = queries.content_of(letter)
    assert content.body_paragraphs()[1:3] == ["一是未公示权责清单。", "二是未报送备案。"]
    assert visit.problems[0].letters == [letter]  # visits sees the link
    assert visit.problems[1].letters == []


def test_one_letter_per_visit_and_none_without_problems(admin):
    visit = make_visit()
    operations.draft_letter(visit, admin)
    db.session.commit()
    with pytest.raises(errors.LetterError, match="已有意见书"):
        operations.draft_letter(visit, admin)
    with pytest.raises(errors.LetterError, match="没有待下达意见书的问题"):
        operations.draft_letter(make_visit(problems=(FIXED,)), admin)
    with pytest.raises(errors.LetterError, match="提交后"):
        operations.draft_letter(make_visit(status="draft"), admin)


def test_inspector_drafts_only_for_own_visits(inspector):
    with pytest.raises(errors.LetterError):
        operations.draft_letter(make_visit(), inspector)
    letter = operations.draft_letter(make_visit(inspectors=[inspector]), inspector)
    assert can("letters.edit", letter, user=inspector)
    with pytest.raises(errors.LetterError, match="只有监督室管理员可以签发"):
        operations.issue_letter(letter.id, inspector)


def test_issue_numbers_sequentially_and_stores_the_pdf(admin, rang_unit):
    first = operations.draft_letter(make_visit(rang_unit, [("重大行政处罚决定作出后超过15日未备案", LETTER)]), admin)
    second = operations.draft_letter(make_visit(), admin)
    db.session.commit()
    a = operations.issue_letter(first.id, admin, issue_date=D)
    b = operations.issue_letter(second.id, admin, issue_date=D)
    assert a.number == "鲁政行监字〔2021〕1号" and b.number == "鲁政行监字〔2021〕2号"
    assert (a.year, a.seq, a.issue_date) == (2021, 1, D)
    stored = queries.stored_file(a)
    assert stored.sha256 == queries.sha256(stored.data) and stored.size == len(stored.data)
    text = pdf_text(queries.letter_pdf(a))
    assert "鲁政行监字〔2021〕1号" in text
    # the only problem of the letter: stated as it is, without 一是 (issue 16)
    assert "：重大行政处罚决定作出后超过15日未备案。" in text and "一是" not in text
    assert "鲁山县瀼河乡人民政府：" in text and "2021年9月1日" in text
    assert db.session.query(AuditEntry).filter_by(record_type="letter", record_id=a.id, action="issue").count() == 1


def test_issued_pdf_never_changes_after_profile_edit(admin, rang_unit):
    letter = operations.draft_letter(make_visit(rang_unit), admin)
    db.session.commit()
    letter = operations.issue_letter(letter.id, admin, issue_date=D)
    original = queries.stored_file(letter).sha256
    update_profile({"issuing_authority": "鲁山县司法局", "reply_address": "新大楼101"})
    db.session.commit()
    served = queries.letter_pdf(letter)
    assert queries.sha256(served) == original
    assert "鲁山县法治政府建设领导小组办公室" in pdf_text(served)
    assert "鲁山县法治政府建设领导小组办公室" in queries.content_of(letter).authority  # docx too
    assert get_profile().issuing_authority == "鲁山县司法局"


def test_issuing_twice_gives_no_second_number(admin):
    letter = operations.draft_letter(make_visit(), admin)
    db.session.commit()
    operations.issue_letter(letter.id, admin, issue_date=D)
    with pytest.raises(errors.LetterError, match="不会重复"):
        operations.issue_letter(letter.id, admin, issue_date=D)
    assert db.session.query(LetterFile).count() == 1
    assert db.session.get(Letter, letter.id).number == "鲁政行监字〔2021〕1号"
    assert operations.next_seq(letter.letter_type_id, 2021) == 2


def test_letter_without_problems_is_not_issued(admin):
    letter = operations.draft_letter(make_visit(problems=(LETTER,)), admin)
    db.session.commit()
    operations.remove_problem(letter.items[0], admin)
    db.session.commit()
    with pytest.raises(errors.LetterError, match="没有问题"):
        operations.issue_letter(letter.id, admin, issue_date=D)
    assert db.session.get(Letter, letter.id).is_draft
    assert operations.next_seq(letter.letter_type_id, 2021) == 1


def test_font_lacking_a_character_consumes_no_number(app, admin, rang_unit):
    letter = operations.draft_letter(make_visit(rang_unit), admin)
    db.session.commit()
    app.config["FONT_PATHS"] = [os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")]
    with pytest.raises(MissingGlyphs) as exc:
        operations.issue_letter(letter.id, admin, issue_date=D)
    assert "瀼" in exc.value.chars and "Vera" in str(exc.value)
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).is_draft
    assert db.session.query(LetterFile).count() == 0
    assert db.session.query(AuditEntry).filter_by(action="issue").count() == 0
    app.config["FONT_PATHS"] = []
    assert operations.issue_letter(letter.id, admin, issue_date=D).number == "鲁政行监字〔2021〕1号"


def test_a_clash_over_a_number_is_retried(admin, monkeypatch):
    one = operations.draft_letter(make_visit(), admin)
    two = operations.draft_letter(make_visit(), admin)
    db.session.commit()
    operations.issue_letter(one.id, admin, issue_date=D)
    real = operations.next_seq
    calls = []

    def stale(type_id, year):  # the first count is stale, as if another admin just took the number
        calls.append(1)
        return 1 if len(calls) == 1 else real(type_id, year)

    monkeypatch.setattr(operations, "next_seq", stale)
    assert operations.issue_letter(two.id, admin, issue_date=D).number == "鲁政行监字〔2021〕2号"
    assert len(calls) == 2


def test_void_keeps_the_number_and_a_correction_refers_to_it(admin):
    letter = operations.draft_letter(make_visit(), admin)
    db.session.commit()
    letter = operations.issue_letter(letter.id, admin, issue_date=D)
    with pytest.raises(errors.LetterError, match="作废原因"):
        operations.void_letter(letter, "  ", admin)
    operations.void_letter(letter, "单位名称写错", admin)
    db.session.commit()
    assert letter.is_voided and all(not i.live for i in letter.items)
    fixed = operations.draft_correction(letter, admin)
    db.session.commit()
    assert fixed.replaces_id == letter.id and len(fixed.items) == len(letter.items)
    fixed = operations.issue_letter(fixed.id, admin, issue_date=D)
    assert fixed.number == "鲁政行监字〔2021〕2号"  # 1号 is never reused
    assert letter.replaced_by.id == fixed.id
    with pytest.raises(errors.LetterError):
        operations.void_letter(letter, "再次作废", admin)


def test_letter_types_number_separately(admin):
    lt = operations.create_type({"name": "行政执法监督通知书", "prefix": "鲁政行监通字", "reply_period_days": 15})
    db.session.commit()
    a = operations.draft_letter(make_visit(), admin, lt)
    b = operations.draft_letter(make_visit(), admin)
    db.session.commit()
    assert a.period_days == 15 and b.period_days == 30
    assert operations.issue_letter(a.id, admin, issue_date=D).number == "鲁政行监通字〔2021〕1号"
    assert operations.issue_letter(b.id, admin, issue_date=D).number == "鲁政行监字〔2021〕1号"
    assert "15日" in queries.content_of(a).request
    with pytest.raises(errors.LetterError):
        operations.create_type({"name": "行政执法监督通知书"})
    with pytest.raises(errors.LetterError, match="占位符"):
        operations.create_type({"name": "监督决定书", "request_template": "请于{weeks}周内"})


def test_problems_move_between_drafts_of_the_same_unit(admin):
    unit = make_unit()
    a = operations.draft_letter(make_visit(unit), admin)
    b = operations.draft_letter(make_visit(unit, problems=(LETTER,)), admin)
    other = operations.draft_letter(make_visit(), admin)
    db.session.commit()
    item = a.items[0]
    operations.move_problem(item, b, admin)
    db.session.commit()
    assert len(a.items) == 1 and a.items[0].position == 1
    assert [i.position for i in b.items] == [1, 2]
    with pytest.raises(errors.LetterError, match="同一单位"):
        operations.move_problem(b.items[0], other, admin)


def test_a_problem_is_in_at_most_one_live_letter(admin):
    unit = make_unit()
    visit = make_visit(unit)
    a = operations.draft_letter(visit, admin)
    b = operations.draft_letter(make_visit(unit, problems=(LETTER,)), admin)
    db.session.commit()
    with pytest.raises(errors.LetterError, match="已在意见书"):
        operations.add_problem(b, visit.problems[0], admin)
    db.session.add(LetterProblem(letter_id=b.id, problem_id=visit.problems[0].id, position=9, text="x", live=True))
    with pytest.raises(IntegrityError):
        db.session.flush()  # the partial unique index holds even if a rule is bypassed
    db.session.rollback()
    assert len(db.session.get(Letter, a.id).items) == 2


def test_edit_draft_rewords_and_reorders(admin):
    letter = operations.draft_letter(make_visit(), admin)
    db.session.commit()
    x, y = letter.items
    operations.update_draft(letter, {"case_name": "张某某无证经营", "case_number": "鲁×罚决字〔2021〕第3号",
                                  "period_days": 20, "items": {x.id: (2, "改写的第一个"), y.id: (1, "第二个")}}, admin)
    db.session.commit()
    content = queries.content_of(letter)
    assert content.intro == "你单位张某某无证经营案（鲁×罚决字〔2021〕第3号）经审查后发现："
    assert content.problems == ["第二个", "改写的第一个"]
    assert "20日" in content.request
    with pytest.raises(errors.LetterError, match="不能为空"):
        operations.update_draft(letter, {"items": {x.id: (1, "  ")}}, admin)


def test_eleven_problems_are_numbered_past_ten(admin, rang_unit):
    letter = operations.draft_letter(make_visit(rang_unit, problems=(LETTER,) * 12), admin)
    db.session.commit()
    letter = operations.issue_letter(letter.id, admin, issue_date=D)
    text = pdf_text(queries.letter_pdf(letter))
    assert "十一是" in text and "十二是" in text


def test_issue_records_the_problem_count_and_the_year_appears_in_the_year_lists(admin, rang_unit):
    assert queries.letter_years() == []
    for day, problems in ((date(2021, 9, 1), 2), (date(2023, 3, 1), 1), (date(2021, 10, 1), 3)):
        visit = make_visit(rang_unit, [LETTER] * problems, visit_date=day)
        draft = operations.draft_letter(visit, admin)
        db.session.commit()
        letter = operations.issue_letter(draft.id, admin, issue_date=day)
        assert letter.problem_count == problems
    operations.draft_letter(make_visit(rang_unit, [LETTER], visit_date=date(2024, 1, 5)), admin)  # a draft: no year
    db.session.commit()
    assert queries.letter_years() == [2023, 2021]
