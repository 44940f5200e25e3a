"""Wording on pages: names quoted once, one way to name a week, no empty quotes, no nested role brackets, message
kinds by name, operational instructions only on the admin's 系统状态 page, an attachment icon that is not an emoji."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from supervision.accounts import operations as accounts
from supervision.extensions import db
from supervision.labels import quoted
from supervision.reminders import operations as reminders
from supervision.reminders.rules import rule_label
from supervision.schedule.models import Slot
from supervision.timeutil import TZ
from tests.helpers import login_as, make_unit, make_user


def test_quoted_does_not_double_quotes():
    assert quoted("三项制度") == "“三项制度”"
    assert quoted("“三项制度”") == "“三项制度”"
    assert quoted("“三项制度”中法制审核目录…") == "“‘三项制度’中法制审核目录…”"


def test_unrated_item_error_quotes_a_quoted_name_once(ctx):
    from supervision.visits import operations as visits_operations

    admin = make_user("admin")
    visit = visits_operations.create_visit(kind="concentrated", unit=make_unit(), visit_date=date(2021, 4, 1), user=admin,
                                inspectors=[admin], enforce_plan=False)
    quoted_items = [r.item for r in visit.ratings if r.item.name.startswith("“")]
    assert quoted_items  # the catalogue's “三项制度”
    message = visits_operations.completeness_errors(visit)[f"rating-{quoted_items[0].id}"]
    assert message.startswith(f"请评定{quoted_items[0].name}（") and "““" not in message


def test_unit_account_without_a_unit_name_asks_for_one(ctx):
    with pytest.raises(accounts.AccountError) as exc:
        accounts.create_user(username="danwei", role="unit", password="Initial2021", unit_name="")
    assert "请输入单位名称" in str(exc.value) and "“”" not in str(exc.value)
    with pytest.raises(accounts.AccountError, match="未找到单位“鲁山县不存在局”"):
        accounts.create_user(username="danwei", role="unit", password="Initial2021", unit_name="鲁山县不存在局")


def test_one_week_name_everywhere(ctx):
    slot = Slot(year=2022, month=11, week=1, start_date=date(2022, 11, 7), end_date=date(2022, 11, 11))
    assert slot.title == "2022年11月第1周" and slot.label == "11月第1周"


def test_leader_greeting_has_no_nested_brackets(client):
    login_as(client, "leader", display_name="局领导")
    html = client.get("/").get_data(as_text=True)
    assert "领导（只读）" not in html and "））" not in html
    assert "您好，局领导。" in html


def test_user_form_still_says_the_leader_reads_only(client):
    login_as(client, "admin")
    assert "局领导（只读）" in client.get("/users/new").get_data(as_text=True)


def test_message_kinds_shown_by_name(client):
    user = login_as(client, "unit")
    with client.application.app_context():
        from supervision.accounts.models import User

        u = db.session.get(User, user.id)
        reminders.notify(u, "收到行政执法监督意见书", key=f"letter_issued:{u.id}:letter-1")
        reminders.notify(u, "别的消息", key=f"some_new_kind:{u.id}:x")
        db.session.commit()
    html = client.get("/inbox/").get_data(as_text=True)
    assert "意见书签发通知" in html
    assert "letter_issued" not in html and "some_new_kind" not in html
    assert rule_label("some_new_kind") == "消息"


def _jobstore(app, next_runs):
    """The scheduler's job table as APScheduler keeps it (id, next_run_time as a Unix time, job_state)."""
    with app.app_context():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS apscheduler_jobs "
                                "(id VARCHAR(191) PRIMARY KEY, next_run_time FLOAT, job_state BYTEA)"
                                if db.engine.dialect.name == "postgresql" else
                                "CREATE TABLE IF NOT EXISTS apscheduler_jobs "
                                "(id VARCHAR(191) PRIMARY KEY, next_run_time FLOAT, job_state BLOB)"))
        db.session.execute(text("DELETE FROM apscheduler_jobs"))
        for job_id, when in next_runs.items():
            db.session.execute(text("INSERT INTO apscheduler_jobs (id, next_run_time) VALUES (:i, :t)"),
                               {"i": job_id, "t": when.timestamp() if when else None})
        db.session.commit()


@pytest.fixture
def drop_jobstore(app):
    yield
    with app.app_context():
        db.session.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
        db.session.commit()


def test_scheduler_not_running_says_so_in_plain_words(client, drop_jobstore):
    login_as(client, "admin")
    html = client.get("/inbox/deliveries").get_data(as_text=True)
    assert "提醒调度未运行，提醒不会自动发出，请联系系统管理员" in html
    assert "flask" not in html and "wsgi" not in html
    status = client.get("/system/status").get_data(as_text=True)
    assert "未运行" in status and "从未在这个数据库上运行过" in status
    assert "<code>flask --app wsgi scheduler</code>" in status

    now = datetime.now(TZ)
    _jobstore(client.application, {"reminders-sweep": now - timedelta(hours=3),
                                   "reminders-deliver": now + timedelta(minutes=1)})
    status = client.get("/system/status").get_data(as_text=True)
    assert "未运行" in status and "“提醒扫描”本应在" in status and "调度进程已经停止" in status

    _jobstore(client.application, {"reminders-sweep": now + timedelta(minutes=5),
                                   "reminders-deliver": now + timedelta(minutes=1)})
    status = client.get("/system/status").get_data(as_text=True)
    assert "运行中" in status and "flask" not in status
    html = client.get("/inbox/deliveries").get_data(as_text=True)
    assert "提醒扫描" in html and "外发与失败重试" in html and "请联系系统管理员" not in html


def test_system_status_is_the_admins_only(client):
    login_as(client, "inspector")
    assert client.get("/system/status").status_code == 403


def test_system_status_in_the_admin_menu(client):
    login_as(client, "admin")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/system/status"' in html and "系统状态" in html


def test_attachment_icon_is_an_svg_not_an_emoji(app):
    with app.test_request_context():
        from flask import render_template_string

        html = render_template_string('{% from "_macros/icons.html" import attachment_icon %}{{ attachment_icon() }}')
    assert html.startswith("<svg") and 'aria-label="附件"' in html and "📎" not in html
