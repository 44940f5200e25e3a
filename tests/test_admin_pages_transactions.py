"""The dashboard, the inbox, accounts, the audit log, 系统状态 and the working calendar (issue #14):
- a page that is only read works on an empty database and writes nothing (the guard in web.py would raise);
- a change commits exactly once, in the request's hook — no view commits on its own;
- the rules these pages name are declared, and each is what its routes ask.
"""
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from supervision import policy
from supervision.extensions import db
from supervision.reminders.models import Notification
from supervision.reminders.operations import notify
from tests.helpers import login_as, make_user

READ_PAGES = {
    "admin": ["/", "/inbox/", "/inbox/?unread=1", "/inbox/deliveries", "/inbox/deliveries?failed=1",
              "/inbox/settings", "/users", "/users/new", "/account/password", "/audit/", "/system/status",
              "/calendar/", "/calendar/?year=2021", "/calendar/?year=2040&date=2021-10-01"],
    "inspector": ["/", "/inbox/", "/account/password"],
    "unit": ["/", "/inbox/", "/account/password"],
    "leader": ["/", "/inbox/", "/account/password"],
}


@pytest.mark.parametrize("role", sorted(READ_PAGES))
def test_pages_are_read_without_writing_on_an_empty_database(client, role):
    login_as(client, role)
    for url in READ_PAGES[role]:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
    with client.application.app_context():
        from supervision.reminders.models import ReminderSettings

        assert db.session.query(ReminderSettings).count() == 0  # the settings page shows defaults, unsaved


@contextmanager
def commits():
    """How many transactions the block commits."""
    seen = []

    def count(_session):
        seen.append(1)

    event.listen(Session, "after_commit", count)
    try:
        yield seen
    finally:
        event.remove(Session, "after_commit", count)


def settings_form():
    return {"smtp_host": "", "smtp_port": "25", "smtp_security": "none", "smtp_user": "", "smtp_password": "",
            "smtp_sender": "", "webhook_url": "", "webhook_token": "", "site_url": "",
            "group_notice_time": "09:00", "group_monday_time": "08:30", "unit_notice_enabled": "y",
            "unit_notice_days": "7", "unit_notice_time": "09:00", "deadline_offsets": "7,3,1", "deadline_time": "09:00",
            "office_time": "09:00", "overdue_repeat_days": "7", "unsigned_workdays": "3", "review_workdays": "5",
            "selfcheck_notice_date": "03-01", "plan_notice_date": "01-01", "yearly_time": "09:00",
            "catch_up_hours": "72"}


def test_each_change_commits_once_in_the_request_hook(client):
    me = login_as(client, "admin")
    with client.application.app_context():
        other = make_user("inspector")
        other_id, office_id = other.id, other.office_id
        note = notify(other, "别人的消息")
        mine = notify(db.session.get(type(other), me.id), "我的消息")
        db.session.commit()
        mine_id = mine.id
        del note
    posts = [
        (f"/inbox/{mine_id}/read", {}),
        ("/inbox/read-all", {}),
        ("/inbox/settings", settings_form()),
        ("/inbox/deliveries/test", {}),  # nothing configured to send by: the inbox message only
        (f"/users/{other_id}/edit", {"username": "x", "display_name": "改过的名字", "role": "inspector",
                                     "office_id": str(office_id), "unit_id": "0", "email": ""}),
        (f"/users/{other_id}/unlock", {}),
        (f"/users/{other_id}/active", {"active": "0"}),
        (f"/users/{other_id}/reset-password", {}),
        ("/calendar/", {"year": "2040", "holidays": "2040-01-01 元旦", "workdays": "", "source": "测试"}),
    ]
    for url, data in posts:
        with commits() as seen:
            resp = client.post(url, data=data)
        assert resp.status_code in (200, 302), (url, resp.status_code)
        assert len(seen) == 1, (url, len(seen))
    with client.application.app_context():
        from supervision import workcal

        assert db.session.get(type(other), other_id).display_name == "改过的名字"
        assert db.session.get(Notification, mine_id).read_at is not None
        assert workcal.year_known(2040) and not workcal.is_workday(date(2040, 1, 1))


def test_a_refused_deactivation_rolls_back_before_its_redirect(client, monkeypatch):
    """The service refuses after it has changed something: the redirect (< 400) must not commit it."""
    me = login_as(client, "admin")
    from supervision.accounts import operations

    real = operations.set_user_active

    def half_done_then_refuse(user, active, acting):
        user.display_name = "半途改动"
        db.session.flush()
        real(user, active, acting)

    monkeypatch.setattr(operations, "set_user_active", half_done_then_refuse)
    resp = client.post(f"/users/{me.id}/active", data={"active": "0"})
    assert resp.status_code == 302
    with client.application.app_context():
        from supervision.accounts.models import User

        user = db.session.get(User, me.id)
        assert user.active and user.display_name != "半途改动"


ROUTE_RULES = {
    "main.index": "main.dashboard",
    "audit.index": "audit.view_log",
    "system.status": "system.view_status",
    "workcal.index": "workcal.manage",
    "workcal.notice": "workcal.manage",
    "reminders.inbox": "reminders.inbox",
    "reminders.open_note": "reminders.inbox",
    "reminders.mark_read": "reminders.inbox",
    "reminders.mark_all_read": "reminders.inbox",
    "reminders.deliveries": "reminders.manage",
    "reminders.send_test": "reminders.manage",
    "reminders.retry": "reminders.manage",
    "reminders.settings": "reminders.manage",
    "accounts.logout": "accounts.own_account",
    "accounts.change_password": "accounts.own_account",
    "accounts.users": "accounts.manage_users",
    "accounts.user_new": "accounts.manage_users",
    "accounts.user_edit": "accounts.manage_users",
    "accounts.user_reset_password": "accounts.manage_users",
    "accounts.user_unlock": "accounts.manage_users",
    "accounts.user_set_active": "accounts.manage_users",
    "accounts.unit_accounts": "accounts.manage_users",
}


def test_these_routes_ask_their_rules(app):
    for endpoint, name in ROUTE_RULES.items():
        assert getattr(app.view_functions[endpoint], "policy", None) == name, endpoint
        assert name in policy.RULES, name
    ours = {n for n in policy.RULES if n.split(".")[0] in {"main", "audit", "system", "workcal", "reminders",
                                                            "accounts"}}
    assert ours == set(ROUTE_RULES.values()) | {"reminders.read"}


def test_a_message_is_read_only_by_its_recipient(ctx):
    a, b = make_user("unit"), make_user("admin")
    note = notify(a, "消息")
    db.session.commit()
    assert policy.can("reminders.read", note, user=a)
    assert not policy.can("reminders.read", note, user=b)


def test_work_after_commit_runs_only_once_a_write_request_has_committed(app):
    """web.after_commit: what must follow the commit (sending the admin's test message at once) runs after a
    write request's commit, and not at all when the request answers 400 or more (rolled back)."""
    from supervision import web

    for status, expected in ((302, ["committed"]), (400, [])):
        ran = []
        with app.test_request_context("/inbox/deliveries/test", method="POST"):
            from sqlalchemy import text

            db.session.execute(text("SELECT 1"))  # the request's transaction has begun

            def after():
                ran.append("committed" if not db.session().in_transaction() else "inside the transaction")

            web.after_commit(after)
            app.process_response(app.response_class(status=status))
        assert ran == expected, status
