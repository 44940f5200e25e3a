"""The demo leaves letters in every state, including an overdue one and a closed one; a second run adds nothing."""
from supervision import demo
from supervision.extensions import db
from supervision.letters.models import Letter, LetterStatus
from supervision.rectification import operations, queries
from supervision.rectification.models import SelfInspection


def test_demo_leaves_every_state_and_is_idempotent(ctx):
    lines = []
    demo.load(lines.append)
    letters = db.session.query(Letter).filter_by(status=LetterStatus.issued.value).all()
    states = queries.states_for(letters)
    labels = {st.label for st in states.values()}
    assert {"待签收", "整改中", "已报送待审", "退回修改", "待实地查验", "已办结"} <= labels, "\n".join(lines)
    assert any(st.overdue for st in states.values())
    assert any(st.extended for st in states.values())
    assert any(st.late_submissions for st in states.values())
    assert db.session.query(SelfInspection).count() == 1
    count = len(letters)
    demo.load(lines.append)
    assert db.session.query(Letter).filter_by(status=LetterStatus.issued.value).count() == count
    assert db.session.query(SelfInspection).count() == 1
