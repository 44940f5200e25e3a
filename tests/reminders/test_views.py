"""The bell and inbox for every user; the admin's deliveries page, test message and settings."""
from supervision.extensions import db
from supervision.reminders.models import Notification, ReminderSettings
from supervision.reminders.operations import notify
from tests.helpers import login_as, make_user


def give(user_id, title="检查提醒：下周监督检查", link="/", key=None):
    from supervision.accounts.models import User

    note = notify(db.session.get(User, user_id), title, "正文第一行\n第二行", link=link, key=key)
    db.session.commit()
    return note.id


def test_bell_counts_unread_and_the_inbox_lists_only_my_messages(client):
    me = login_as(client, "inspector")
    with client.application.app_context():
        other = make_user("inspector")
        give(me.id, "我的消息一")
        give(me.id, "我的消息二")
        give(other.id, "别人的消息")
    page = client.get("/inbox/").get_data(as_text=True)
    assert "我的消息一" in page and "我的消息二" in page and "别人的消息" not in page
    assert 'data-unread>2</span>' in page  # the bell in base.html
    assert "<script>" not in page and "style=" not in page


def test_mark_read_is_a_post_and_others_messages_are_404(client):
    me = login_as(client, "unit")
    with client.application.app_context():
        mine = give(me.id)
        theirs = give(make_user("admin").id)
    assert client.get(f"/inbox/{mine}/read").status_code == 405
    assert client.post(f"/inbox/{theirs}/read").status_code == 404
    assert client.post(f"/inbox/{theirs}/open").status_code == 404
    assert client.post("/inbox/999999/read").status_code == 404
    assert client.post(f"/inbox/{mine}/read").status_code == 302
    with client.application.app_context():
        assert db.session.get(Notification, mine).read_at is not None
        assert db.session.get(Notification, theirs).read_at is None


def test_open_marks_read_and_follows_only_local_links(client):
    me = login_as(client, "inspector")
    with client.application.app_context():
        local = give(me.id, link="/schedule/mine")
        evil = give(me.id, link="//evil.example.com/")
    resp = client.post(f"/inbox/{local}/open")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/schedule/mine")
    resp = client.post(f"/inbox/{evil}/open")
    assert resp.headers["Location"].endswith("/inbox/")


def test_mark_all_read(client):
    me = login_as(client, "leader")
    with client.application.app_context():
        give(me.id)
        give(me.id)
    client.post("/inbox/read-all")
    with client.application.app_context():
        assert db.session.query(Notification).filter_by(recipient_id=me.id, read_at=None).count() == 0


def test_only_the_admin_sees_deliveries_and_settings(client):
    login_as(client, "inspector")
    assert client.get("/inbox/deliveries").status_code == 403
    assert client.get("/inbox/settings").status_code == 403
    assert client.post("/inbox/deliveries/test").status_code == 403


def test_admin_sends_a_test_message_and_sees_the_webhook_failure(client, webhook_server):
    admin = login_as(client, "admin")
    webhook_server.status = 500
    with client.application.app_context():
        db.session.add(ReminderSettings(webhook_url=webhook_server.url))
        db.session.commit()
    resp = client.post("/inbox/deliveries/test", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "HTTP 500" in page and "待重试" in page
    assert "测试消息：提醒发送设置检查" in page
    assert len(webhook_server.received) == 1
    with client.application.app_context():
        assert db.session.query(Notification).filter_by(recipient_id=admin.id).count() == 1
    page = client.get("/inbox/deliveries?failed=1").get_data(as_text=True)
    assert "HTTP 500" in page and "重新发送" in page
    assert "提醒调度未运行，提醒不会自动发出，请联系系统管理员" in page  # no scheduler has run on this database
    assert "flask" not in page  # the command is for the system administrator, on 系统状态 only


def settings_form(**overrides):
    data = {
        "smtp_host": "", "smtp_port": "25", "smtp_security": "none", "smtp_user": "", "smtp_password": "",
        "smtp_sender": "", "webhook_url": "", "webhook_token": "", "site_url": "",
        "group_notice_time": "09:00", "group_monday_time": "08:30", "unit_notice_enabled": "y",
        "unit_notice_days": "7", "unit_notice_time": "09:00", "deadline_offsets": "7,3,1", "deadline_time": "09:00",
        "office_time": "09:00", "overdue_repeat_days": "7", "unsigned_workdays": "3", "review_workdays": "5",
        "selfcheck_notice_date": "03-01", "plan_notice_date": "01-01", "yearly_time": "09:00",
        "catch_up_hours": "72",
    }
    data.update(overrides)
    return data


def test_a_malformed_time_gives_a_clear_settings_error_and_nothing_is_saved(client):
    login_as(client, "admin")
    resp = client.post("/inbox/settings", data=settings_form(group_notice_time="9点半", deadline_offsets="七天"))
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert "检查组周前提醒时间“9点半”不是有效的时间" in page and "例如 09:00" in page
    assert "整改期限提前提醒天数“七天”应为1–60之间的整数" in page
    with client.application.app_context():
        assert db.session.query(ReminderSettings).count() == 0


def test_admin_saves_settings_and_the_password_is_kept_when_left_empty(client):
    login_as(client, "admin")
    resp = client.post("/inbox/settings", data=settings_form(
        smtp_host="smtp.example.gov.cn", smtp_port="587", smtp_security="starttls", smtp_user="jiandu",
        smtp_password="pw-1", smtp_sender="监督室 <jiandu@example.gov.cn>", group_notice_time="8:30",
        unit_notice_enabled="", deadline_offsets="10，3、1"))
    assert resp.status_code == 302
    client.post("/inbox/settings", data=settings_form(
        smtp_host="smtp.example.gov.cn", smtp_port="587", smtp_security="starttls", smtp_user="jiandu",
        smtp_sender="监督室 <jiandu@example.gov.cn>", group_notice_time="08:30", unit_notice_enabled=""))
    with client.application.app_context():
        row = db.session.query(ReminderSettings).one()
        assert row.smtp_password == "pw-1" and row.group_notice_time == "08:30"
        assert row.unit_notice_enabled is False and row.smtp_security == "starttls"
        from supervision.audit import AuditEntry

        entry = db.session.query(AuditEntry).filter_by(record_type="reminder_settings").first()
        assert entry is not None and "pw-1" not in (entry.after or "")
    page = client.get("/inbox/settings").get_data(as_text=True)
    assert "pw-1" not in page and 'value="08:30"' in page
