"""案卷评查: the standard in and out of .xlsx, sampling, scoring and flagging, two reviewers, and a deduction
that becomes a visit problem, goes into a letter and is issued."""
import io
from datetime import date

import pytest
from openpyxl import Workbook

from supervision.audit import AuditEntry
from supervision.casereview import operations, queries
from supervision.casereview.models import CaseStandard, Deduction
from supervision.casereview.operations import (CampaignInput, CaseReviewConflict, CaseReviewError,
                                               CaseReviewInvalid)
from supervision.extensions import db
from supervision.letters import operations as letters
from supervision.visits.models import Problem, Visit
from tests.helpers import make_unit, make_user

from .conftest import add_case, deduct, item


def _sheet(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(operations.STANDARD_HEADERS))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_default_standard_has_six_dimensions_and_100_points(ctx):
    std = operations.ensure_default_standard()
    assert std.total_points == 100
    assert [d for d in dict.fromkeys(i.dimension_label for i in std.items)] == [
        "执法主体", "事实与证据", "适用法律", "执法程序", "文书制作", "归档"]
    assert any(i.serious for i in std.items)


def test_standard_xlsx_round_trip_makes_a_new_version(admin):
    std = operations.ensure_default_standard()
    data = operations.standard_xlsx(std)
    new = operations.import_standard(data, admin, note="再导入")
    db.session.commit()
    assert new.version == std.version + 1
    assert [(i.dimension, i.name, i.points, i.serious) for i in new.items] == \
        [(i.dimension, i.name, i.points, i.serious) for i in std.items]
    assert db.session.query(AuditEntry).filter_by(record_type="case_standard", record_id=new.id).count() == 1


def test_bad_rows_are_refused_by_row_and_column_and_nothing_is_saved(admin):
    operations.ensure_default_standard()
    db.session.commit()
    before = db.session.query(CaseStandard).count()
    data = _sheet([(1, "执法主体", "主体合法", 60, "是"), (2, "案件来源", "立案", 30, "否"),
                   (3, "归档", "", "十", "也许")])
    with pytest.raises(CaseReviewInvalid) as exc:
        operations.import_standard(data, admin)
    msg = str(exc.value)
    assert "第3行B列（评查方面）" in msg and "第4行C列（评查内容）" in msg and "第4行D列（分值）" in msg
    assert "第4行E列（严重问题）" in msg
    with pytest.raises(CaseReviewInvalid, match="合计为90分，应为100分"):
        operations.import_standard(_sheet([(1, "执法主体", "主体合法", 90, "是")]), admin)
    with pytest.raises(CaseReviewInvalid, match="无法读取该文件"):
        operations.import_standard(b"not a workbook", admin)
    wb = Workbook()
    wb.active.append(["项目", "分数"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(CaseReviewInvalid, match="第1行应为表头"):
        operations.import_standard(out.getvalue(), admin)
    db.session.rollback()
    assert db.session.query(CaseStandard).count() == before


def test_a_campaign_keeps_its_standard_version(campaign, admin):
    old = campaign.standard_id
    operations.import_standard(operations.standard_xlsx(campaign.standard), admin)
    db.session.commit()
    assert campaign.standard_id == old
    assert operations.current_standard().id != old


def test_random_sampling_reproduces_from_the_seed(admin, reviewer):
    for n in range(8):
        make_unit(f"鲁山县抽样局{n}")
    ids = [u for u, in db.session.query(__import__("supervision").directory.models.Unit.id)]
    a = operations.sample_units(ids, 3, seed=20210601)
    assert a == operations.sample_units(list(reversed(ids)), 3, seed=20210601)
    assert len(set(a)) == 3
    camp = operations.create_campaign(CampaignInput(
        name="抽查", period_start=date(2021, 1, 1), period_end=date(2021, 4, 30), sample_size=3,
        sample_seed=20210601, reviewer_ids=[reviewer.id]), admin)
    assert camp.sample_seed == 20210601
    assert sorted(cu.unit_id for cu in camp.units) == a
    drawn = operations.create_campaign(CampaignInput(
        name="抽查2", period_start=date(2021, 1, 1), period_end=date(2021, 4, 30), sample_size=3,
        reviewer_ids=[reviewer.id]), admin)
    assert drawn.sample_seed is not None  # recorded, so the draw can be repeated
    assert sorted(cu.unit_id for cu in drawn.units) == operations.sample_units(ids, 3, drawn.sample_seed)


def test_campaign_input_is_checked(admin, reviewer, units):
    with pytest.raises(CaseReviewInvalid) as exc:
        operations.create_campaign(CampaignInput(name="", period_start=date(2021, 5, 1),
                                                 period_end=date(2021, 4, 1), reviewer_ids=[]), admin)
    assert set(exc.value.errors) == {"name", "period", "unit_ids", "reviewer_ids"}


def test_unit_lists_cases_in_the_period_only_and_not_twice(campaign, units):
    clerk = make_user("unit", unit=units[0])
    add_case(campaign, units[0], user=clerk)
    with pytest.raises(CaseReviewInvalid, match="已经报送过了"):
        add_case(campaign, units[0], user=clerk)
    with pytest.raises(CaseReviewInvalid, match="办结日期应在2021年1月1日至2021年4月30日之间"):
        add_case(campaign, units[0], number="X2", closed_on=date(2021, 5, 3), user=clerk)
    outsider = make_unit("鲁山县不在抽查中")
    with pytest.raises(CaseReviewError, match="不在这次评查的抽查单位中"):
        add_case(campaign, outsider)


def test_scoring_and_flagging(campaign, units, reviewer):
    a = add_case(campaign, units[0], number="A1")
    b = add_case(campaign, units[0], number="A2")
    c = add_case(campaign, units[0], number="A3")
    db.session.commit()
    evidence, notice = item(campaign, "证据确实充分"), item(campaign, "陈述、申辩")
    law, docs = item(campaign, "适用法律"), item(campaign, "格式规范")
    operations.save_review(a, {evidence.id: deduct(x=(5, "缺现场笔录", False))["x"]}, reviewer)
    operations.save_review(b, {notice.id: deduct(x=(2, "未告知听证权利", True))["x"]}, reviewer)  # 严重问题
    big = {i.id: deduct(x=(i.points, "不符合", False))["x"] for i in (evidence, law, docs)}
    big[item(campaign, "违法事实").id] = deduct(x=(5, "定性不准", False))["x"]
    big[item(campaign, "证据链").id] = deduct(x=(5, "证据链断", False))["x"]
    big[item(campaign, "裁量").id] = deduct(x=(5, "裁量不当", False))["x"]
    big[item(campaign, "法定期限").id] = deduct(x=(1, "超期", False))["x"]
    operations.save_review(c, big, reviewer)  # 100 - 41 = 59 < 60
    db.session.commit()
    rows = {r.case.number: r for r in queries.case_rows(campaign.id)}
    assert (rows["A1"].score, rows["A1"].failed) == (95, False)
    assert (rows["A2"].score, rows["A2"].failed) == (98, True)
    assert (rows["A3"].score, rows["A3"].failed) == (59, True)
    assert rows["A3"].state.label == "不合格" and rows["A1"].state.label == "合格"
    res = {r.unit_id: r for r in queries.unit_results(campaign.id)}
    assert res[units[0].id].listed == 3 and res[units[0].id].worst == 59 and res[units[0].id].failed == 2
    assert round(res[units[0].id].average, 2) == round((95 + 98 + 59) / 3, 2)
    assert res[units[1].id].listed == 0 and res[units[1].id].average is None
    top = queries.top_deductions(campaign.id)
    assert top[0].name == evidence.name and top[0].times == 2
    year = queries.yearly_case_scores(2021)
    assert year[units[0].id] == queries.CaseYearSummary(3, round((95 + 98 + 59) / 3, 1), 59, 2)
    assert queries.yearly_case_scores(2020) == {}


def test_a_deduction_needs_a_note_and_fits_the_item(campaign, units, reviewer):
    case = add_case(campaign, units[0])
    ev = item(campaign, "证据确实充分")
    with pytest.raises(CaseReviewInvalid) as exc:
        operations.save_review(case, {ev.id: deduct(x=(3, "", False))["x"]}, reviewer)
    assert "请写明扣分理由" in str(exc.value)
    with pytest.raises(CaseReviewInvalid, match="扣分应在1至10分之间"):
        operations.save_review(case, {ev.id: deduct(x=(11, "太多", False))["x"]}, reviewer)
    assert not case.is_reviewed and case.deductions == []


def test_only_the_campaigns_reviewers_score(campaign, units):
    case = add_case(campaign, units[0])
    other = make_user("inspector", display_name="王其他")
    with pytest.raises(CaseReviewError, match="只有这次评查的评查人员"):
        operations.save_review(case, {}, other)


def test_two_reviewers_never_overwrite_each_other(campaign, units, reviewer):
    case = add_case(campaign, units[0])
    db.session.commit()
    second = make_user("inspector", display_name="赵第二")
    campaign.reviewers.append(second)
    db.session.commit()
    seen = case.version
    ev = item(campaign, "证据确实充分")
    operations.save_review(case, {ev.id: deduct(x=(2, "第一位的意见", False))["x"]}, reviewer, expected_version=seen)
    db.session.commit()
    with pytest.raises(CaseReviewConflict, match="已保存了这本案卷的评查结果"):
        operations.save_review(case, {ev.id: deduct(x=(9, "第二位的意见", False))["x"]}, second,
                               expected_version=seen)
    db.session.rollback()
    assert [(d.points, d.note) for d in db.session.get(type(case), case.id).deductions] == [(2, "第一位的意见")]


def test_deduction_becomes_a_visit_problem_and_is_issued_in_a_letter(campaign, units, reviewer, admin):
    case = add_case(campaign, units[0])
    db.session.commit()
    notice, docs = item(campaign, "陈述、申辩"), item(campaign, "格式规范")
    operations.save_review(case, {notice.id: deduct(x=(4, "未告知当事人听证权利", True))["x"],
                                  docs.id: deduct(x=(1, "文书格式小瑕疵", False))["x"]}, reviewer)
    db.session.commit()
    cu = next(cu for cu in campaign.units if cu.unit_id == units[0].id)
    visit = operations.record_problems(cu, admin)
    db.session.commit()
    assert visit.kind == "case_review" and visit.kind_label == "案卷评查" and visit.is_submitted
    assert visit.method_labels == ["调阅案卷"] and visit.case_file_list == ["鲁市监罚〔2021〕3号"]
    assert [u.id for u in visit.inspectors] == [reviewer.id]
    (problem,) = visit.problems  # only the deduction marked 列为问题
    assert "未告知当事人听证权利" in problem.description and problem.item.key == "penalty_procedure"
    assert problem.case_file == "鲁市监罚〔2021〕3号" and problem.needs_letter
    assert db.session.query(Deduction).filter_by(problem_id=problem.id).one().item_id == notice.id
    with pytest.raises(CaseReviewError, match="评分不能再修改"):
        operations.save_review(case, {}, reviewer)
    with pytest.raises(CaseReviewError, match="已转为检查记录"):
        operations.record_problems(cu, admin)
    letter = letters.draft_letter(visit, admin)
    db.session.commit()
    issued = letters.issue_letter(letter.id, admin)
    db.session.commit()
    assert issued.number
    assert any("未告知当事人听证权利" in lp.text for lp in issued.items)


def test_problems_wait_until_every_case_is_reviewed(campaign, units, admin):
    add_case(campaign, units[0])
    cu = next(cu for cu in campaign.units if cu.unit_id == units[0].id)
    with pytest.raises(CaseReviewError, match="还有案卷未评查"):
        operations.record_problems(cu, admin)
    assert db.session.query(Visit).count() == 0 and db.session.query(Problem).count() == 0
