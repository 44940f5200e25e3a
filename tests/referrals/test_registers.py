"""The 线索移交 and 过错责任追究 registers: admin keeps them, the leader reads, everyone else is refused;
every change is audited; bad input is refused with a Chinese message and nothing saved."""
from datetime import date, timedelta

import pytest

from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.referrals import operations
from supervision.referrals.models import Clue, FaultCase
from supervision.timeutil import today
from tests.helpers import login, make_unit, make_user


def _client(app, user):
    c = app.test_client()
    assert login(c, user.username).status_code == 302
    return c


@pytest.mark.parametrize("role,status", [("admin", 200), ("leader", 200), ("inspector", 403), ("unit", 403)])
def test_only_admin_and_leader_see_the_registers(app, ctx, role, status):
    c = _client(app, make_user(role))
    assert c.get("/referrals/").status_code == status
    assert ("线索移交" in c.get("/").get_data(as_text=True)) == (status == 200)


def test_leader_reads_but_does_not_write(app, ctx):
    c = _client(app, make_user("leader"))
    assert c.get("/referrals/clue/new").status_code == 403
    assert c.post("/referrals/fault/new", data={"person": "张三"}).status_code == 403


def test_admin_registers_a_clue_and_its_reply(app, admin):
    unit = make_unit("鲁山县某局")
    c = _client(app, admin)
    day = today() - timedelta(days=10)
    resp = c.post("/referrals/clue/new", data={"unit_id": str(unit.id), "matter": "执法人员涉嫌收受好处费",
                                               "handed_on": day.isoformat(), "recipient": "县纪委监委"})
    assert resp.status_code == 302
    clue = db.session.query(Clue).one()
    resp = c.post(f"/referrals/clue/{clue.id}", data={"unit_id": str(unit.id), "matter": clue.matter,
                                                      "handed_on": day.isoformat(), "recipient": "县纪委监委",
                                                      "reply": "已立案调查", "replied_on": (day - timedelta(days=1)).isoformat(),
                                                      "version": "1"})
    assert resp.status_code == 422 and "反馈日期不能早于移交日期" in resp.get_data(as_text=True)
    resp = c.post(f"/referrals/clue/{clue.id}", data={"unit_id": str(unit.id), "matter": clue.matter,
                                                      "handed_on": day.isoformat(), "recipient": "县纪委监委",
                                                      "reply": "已立案调查", "replied_on": today().isoformat(),
                                                      "version": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Clue, clue.id).reply == "已立案调查"
    actions = [a for (a,) in db.session.query(AuditEntry.action).filter_by(record_type="referral_clue")
               .order_by(AuditEntry.id)]
    assert actions == ["create", "update"]
    stale = c.post(f"/referrals/clue/{clue.id}", data={"matter": "x", "handed_on": day.isoformat(),
                                                       "recipient": "县纪委监委", "version": "1"})
    assert stale.status_code == 422 and "已被他人修改" in stale.get_data(as_text=True)


def test_fault_case_keeps_a_name_only_and_refuses_bad_input(admin):
    unit = make_unit("鲁山县另一局")
    base = dict(unit_id=unit.id, matter="超越职权作出处罚决定", decision="通报批评", decided_on=date(2021, 6, 3))
    with pytest.raises(operations.ReferralInvalid, match="只填写姓名"):
        operations.save_fault(None, operations.FaultInput(person="张三 410423199001011234", **base), admin)
    with pytest.raises(operations.ReferralInvalid, match="决定日期不能晚于今天"):
        operations.save_fault(None, operations.FaultInput(person="张三", **dict(base, decided_on=today() + timedelta(days=1))), admin)
    assert db.session.query(FaultCase).count() == 0
    f = operations.save_fault(None, operations.FaultInput(person="张三", **base), admin)
    db.session.commit()
    assert f.person == "张三"
    assert db.session.query(AuditEntry).filter_by(record_type="referral_fault_case", record_id=f.id).count() == 1
