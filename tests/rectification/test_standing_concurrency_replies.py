"""Two unit users saving replies to two problems of one letter at the same moment (PostgreSQL): both land.

Each insert of a reply takes the foreign key's KEY SHARE lock on the letter's row; the refresh of the letter's
stored state that follows in the same flush then locks that row. With FOR UPDATE (which conflicts with KEY SHARE)
the two transactions waited for each other and PostgreSQL killed one with a deadlock; FOR NO KEY UPDATE does not
conflict with KEY SHARE, so the second refresher just waits for the first to commit.
"""
import os
import threading
from datetime import date

import pytest

from supervision.accounts.models import User
from supervision.extensions import db
from supervision.letters.models import Letter
from supervision.rectification import operations, queries, standing
from supervision.rectification.models import Reply
from tests.helpers import make_unit, make_user
from tests.procs import join_all

from .conftest import make_letter

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                       reason="needs TEST_DATABASE_URL=postgresql+psycopg://…"),
    pytest.mark.skipif(not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                       reason="apt-get install fonts-arphic-uming"),
]


def test_two_unit_users_saving_replies_on_one_letter_at_once(app, monkeypatch):
    with app.app_context():
        unit = make_unit()
        unit_users = [make_user("unit", unit=unit), make_user("unit", unit=unit)]
        letter = make_letter(make_user("admin"), unit)
        items = [p.id for p in letter.items]
        letter_id, user_ids = letter.id, [u.id for u in unit_users]
        db.session.commit()

    # Both transactions have inserted their reply (and hold KEY SHARE on the letter) before either locks the
    # letter for its refresh: the moment the deadlock needs, made certain by a barrier.
    both_inserted = threading.Barrier(2, timeout=20)
    real_refresh = standing.refresh
    local = threading.local()

    def refresh_after_both_inserted(ids, conn):
        if not getattr(local, "waited", False):
            local.waited = True
            both_inserted.wait()
        return real_refresh(ids, conn)

    monkeypatch.setattr(standing, "refresh", refresh_after_both_inserted)
    errors = [None, None]

    def save(i):
        with app.app_context():
            try:
                operations.save_reply_draft(db.session.get(Letter, letter_id), items[i],
                                         db.session.get(User, user_ids[i]), f"第{i + 1}个问题已整改。")
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    join_all(threads, 60, "the two savers")
    monkeypatch.setattr(standing, "refresh", real_refresh)

    assert errors == [None, None], errors
    with app.app_context():
        saved = db.session.query(Reply).filter_by(letter_id=letter_id).order_by(Reply.letter_problem_id).all()
        assert [(r.letter_problem_id, r.text) for r in saved] == [(items[0], "第1个问题已整改。"),
                                                                  (items[1], "第2个问题已整改。")]
        assert standing.differences() == []
