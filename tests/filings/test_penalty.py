"""重大行政处罚备案: the 15-day rule across 国庆 2026, the review loop, 纠正意见 → a letter issued through the normal
flow, numbering, and the bad input each refused with a message naming the field."""
import os
from datetime import date

import pytest

from supervision.extensions import db
from supervision.filings import operations, queries
from supervision.filings.errors import FilingError
from supervision.filings.models import FilingEvent, PenaltyFiling, Timeliness
from supervision.letters import operations as letters_ops
from supervision.letters.models import LetterStatus
from supervision.visits.models import VisitKind
from tests.helpers import make_unit, make_user

from .conftest import all_materials, file_penalty, penalty_data, set_today


def _register(f, admin):
    f = operations.register(f, admin)
    db.session.commit()
    return f


def test_fifteen_days_across_national_day(unit_user, admin, monkeypatch):
    """Decided 2026-09-22: 15 days end on 2026-10-07, inside 国庆节; the period rolls to Thursday 10-08."""
    d = queries.penalty_deadline(date(2026, 9, 22))
    assert (d.nominal, d.due) == (date(2026, 10, 7), date(2026, 10, 8))
    assert "国庆节顺延至 2026-10-08" in d.explanation
    set_today(monkeypatch, date(2026, 10, 8))
    on_time = file_penalty(unit_user, decision_number="罚1")
    set_today(monkeypatch, date(2026, 10, 9))
    late = file_penalty(unit_user, decision_number="罚2")
    draft = file_penalty(unit_user, submit=False, decision_number="罚3")  # never filed, period passed
    fresh = file_penalty(unit_user, submit=False, decision_number="罚4", decision_date="2026-10-01")
    assert queries.penalty_timeliness(on_time) is Timeliness.on_time
    assert queries.penalty_timeliness(late) is Timeliness.late
    assert queries.penalty_timeliness(draft) is Timeliness.missing
    assert queries.penalty_timeliness(fresh) is Timeliness.pending
    s = queries.yearly_summary(2026)[unit_user.unit_id]
    assert (s.penalty_due, s.on_time, s.late, s.missing, s.pending) == (3, 1, 1, 1, 1)
    # The period is a setting: 16 days end on 10-08 itself, so 10-09 is still late, 17 days make it on time.
    operations.update_settings({"penalty_days": "17", "normative_days": "30"}, admin)
    assert queries.penalty_timeliness(late) is Timeliness.on_time


def test_the_review_loop_return_resubmit_accept(unit_user, admin, monkeypatch):
    set_today(monkeypatch, date(2026, 9, 25))
    f = file_penalty(unit_user)
    assert f.status == "submitted" and f.filed_on == date(2026, 9, 25)
    assert f.party_id_masked == "4104**********1234"
    f = _register(f, admin)
    assert f.number == "罚备〔2026〕1号"
    with pytest.raises(FilingError) as exc:
        operations.decide_penalty(f, "returned", admin)
    assert "reason" in exc.value.errors
    db.session.rollback()
    operations.decide_penalty(f, "returned", admin, reason="备案表未盖章，请补正。")
    db.session.commit()
    assert f.status == "returned" and f.editable_by_unit
    set_today(monkeypatch, date(2026, 10, 20))
    operations.save_penalty(f, penalty_data(party_id=""), {"pf_form": all_materials()["pf_form"]}, unit_user,
                            submit=True)
    db.session.commit()
    assert f.status == "registered" and f.number == "罚备〔2026〕1号"  # the number stays
    assert f.filed_on == date(2026, 9, 25)  # 补正 does not move the filing date
    assert f.party_id_masked == "4104**********1234"  # left blank: kept
    operations.decide_penalty(f, "filed", admin, legality="主体合法，程序合法。", appropriateness="裁量适当。")
    db.session.commit()
    assert f.status == "filed"
    actions = [e.action for e in db.session.query(FilingEvent).filter_by(filing_id=f.id).order_by(FilingEvent.id)]
    assert actions == ["submit", "register", "return", "resubmit", "filed"]
    from supervision import audit

    logged = [(e.action, e.username) for e in db.session.query(audit.AuditEntry)
              .filter_by(record_type="penalty_filing", record_id=f.id).order_by(audit.AuditEntry.id)]
    assert [a for a, _ in logged] == ["filing.submit", "filing.register", "filing.return", "filing.resubmit",
                                      "filing.filed"]
    assert [audit.action_label(a) for a, _ in logged][2:] == ["退回补正", "补正后重新报送", "予以备案"]
    assert {u for _, u in logged} == {unit_user.username, admin.username}
    assert queries.penalty_timeliness(f) is Timeliness.on_time


@pytest.mark.skipif(not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                    reason="apt-get install fonts-arphic-uming")
def test_an_objection_drafts_a_letter_holding_the_problem_issued_the_normal_way(unit_user, admin, monkeypatch):
    set_today(monkeypatch, date(2026, 9, 25))
    f = _register(file_penalty(unit_user), admin)
    operations.decide_penalty(f, "objected", admin, reason="罚款数额超出裁量基准上限，应予纠正。")
    db.session.commit()
    letter = f.letter
    assert letter is not None and letter.status == LetterStatus.draft.value and letter.unit_id == unit_user.unit_id
    assert f.visit.kind == VisitKind.filing_review.value and f.visit.is_submitted
    (problem,) = f.visit.problems
    assert problem.item.key == "major_penalty_filing" and problem.in_letter
    assert [i.problem_id for i in letter.items] == [problem.id]
    assert "罚款数额超出裁量基准上限" in letter.items[0].text and f.decision_number in problem.case_file
    issued = letters_ops.issue_letter(letter.id, admin)
    db.session.commit()
    assert issued.is_issued and issued.number
    assert queries.yearly_summary(2026)[unit_user.unit_id].corrections == 1


def test_numbers_are_gap_free_per_year(unit_user, admin, monkeypatch):
    set_today(monkeypatch, date(2026, 10, 20))
    numbers = [_register(file_penalty(unit_user, decision_number=f"罚{i}"), admin).number for i in range(3)]
    assert numbers == ["罚备〔2026〕1号", "罚备〔2026〕2号", "罚备〔2026〕3号"]
    f = _register(file_penalty(unit_user, decision_number="罚9"), admin)
    assert operations.register(f, admin).number == "罚备〔2026〕4号"  # a second click: the same number
    assert operations.next_seq(PenaltyFiling, 2027) == 1


def test_bad_input_is_refused_naming_the_field(unit_user, monkeypatch):
    set_today(monkeypatch, date(2026, 10, 20))

    def refused(submit=True, files=None, **kw):
        with pytest.raises(FilingError) as exc:
            operations.save_penalty(None, penalty_data(**kw), all_materials() if files is None else files,
                                    unit_user, submit=submit, unit_id=kw.pop("unit_id", None))
        db.session.rollback()
        return exc.value.errors

    assert "晚于今天" in refused(decision_date="2026-10-21")["decision_date"]
    assert "身份证号" in refused(cause="当事人410423199001011234销售不合格食品")["cause"]
    errors = refused(files={"pf_report": all_materials()["pf_report"]})
    assert set(errors) == {"pf_decision", "pf_form"} and "行政处罚决定书复印件" in errors["pf_decision"]
    other = make_unit()
    with pytest.raises(FilingError) as exc:
        operations.save_penalty(None, penalty_data(), all_materials(), unit_user, submit=True, unit_id=other.id)
    assert "本单位" in exc.value.errors["unit_id"]
    db.session.rollback()
    file_penalty(unit_user)
    assert "重复备案" in refused(party_name="李四")["decision_number"]
    assert db.session.query(PenaltyFiling).count() == 1
    # A draft may be saved without materials; nothing of a refused save is written.
    draft = operations.save_penalty(None, penalty_data(decision_number="罚草"), {}, unit_user, submit=False)
    assert draft.status == "draft"


def test_paper_and_missing_filings_by_the_office(admin, unit_user, monkeypatch):
    from .conftest import pdf

    set_today(monkeypatch, date(2026, 10, 20))
    paper = operations.record_paper_penalty(unit_user.unit_id, penalty_data(decision_number="纸1"), pdf(), admin,
                                            received_on="2026-10-09")
    db.session.commit()
    assert paper.number == "罚备〔2026〕1号" and paper.status == "registered"
    assert queries.penalty_timeliness(paper) is Timeliness.late
    with pytest.raises(FilingError) as exc:
        operations.record_paper_penalty(unit_user.unit_id, penalty_data(decision_number="纸2"), None, admin,
                                        received_on="2026-10-09")
    assert "扫描件" in exc.value.errors["pf_scan"]
    db.session.rollback()
    missing = operations.record_missing_penalty(unit_user.unit_id, {"decision_number": "漏1",
                                                                    "decision_date": "2026-03-02"}, admin,
                                                note="案卷评查中发现")
    db.session.commit()
    assert queries.penalty_timeliness(missing) is Timeliness.missing
    assert queries.filing_for_decision(unit_user.unit_id, " 漏1 ") is missing
    assert queries.filing_for_decision(unit_user.unit_id, "无此号") is None
    s = queries.yearly_summary(2026)[unit_user.unit_id]
    assert (s.late, s.missing) == (1, 1)
