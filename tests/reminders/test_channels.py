"""E-mail to a real SMTP server and webhook calls to a real HTTP server, both on 127.0.0.1; failures retried."""
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy

from supervision.extensions import db
from supervision.reminders.models import Delivery, DeliveryStatus
from supervision.reminders.jobs import deliver_pending, run_due_reminders
from supervision.reminders.operations import notify
from supervision.timeutil import TZ

from .conftest import free_port
from .factories import configure, make_slot, make_unit, make_user

FRIDAY = datetime(2021, 3, 5, 9, 0, tzinfo=TZ)


def inspectors_week(*users):
    return make_slot(date(2021, 3, 8), [make_unit("鲁山县人民政府办公室")], list(users))


def deliveries(channel=None):
    q = db.session.query(Delivery).order_by(Delivery.id)
    if channel:
        q = q.filter(Delivery.channel == channel)
    return q.all()


def test_email_reaches_a_real_smtp_server_with_the_chinese_subject(ctx, smtp_server):
    configure(smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_sender="监督室 <jiandu@example.gov.cn>",
              site_url="http://10.1.2.3:8080")
    user = make_user("inspector", display_name="张检查", email="zhang@example.gov.cn")
    slot = inspectors_week(user)

    result = run_due_reminders(FRIDAY)

    assert [d.status for d in result.deliveries] == ["sent"]
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["zhang@example.gov.cn"]
    msg = message_from_bytes(envelope.original_content, policy=policy.default)
    assert msg["Subject"] == "检查提醒：3月8日—3月12日（3月第2周）监督检查鲁山县人民政府办公室"
    assert "监督室" in str(msg["From"])
    body = msg.get_content()
    assert "受监督单位：鲁山县人民政府办公室" in body
    assert f"http://10.1.2.3:8080/schedule/slot/{slot.id}" in body
    d = deliveries("email")[0]
    assert d.status == "sent" and d.attempts == 1 and d.target == "zhang@example.gov.cn"


def test_webhook_receives_the_reminder_as_json(ctx, webhook_server):
    configure(webhook_url=webhook_server.url, webhook_token="s3cret")
    user = make_user("inspector", display_name="李检查")
    inspectors_week(user)

    run_due_reminders(FRIDAY)

    assert len(webhook_server.received) == 1
    call = webhook_server.received[0]
    assert call["headers"]["Authorization"] == "Bearer s3cret"
    payload = call["json"]
    assert payload["title"].startswith("检查提醒：3月8日—3月12日")
    assert payload["rule"] == "group-before"
    assert payload["recipient"]["name"] == "李检查"
    assert "牵头科室" in payload["body"]


def test_smtp_down_is_retried_with_backoff_and_visible_while_the_webhook_still_goes(ctx, webhook_server):
    port = free_port()  # nothing listens here
    configure(smtp_host="127.0.0.1", smtp_port=port, smtp_sender="jiandu@example.gov.cn",
              webhook_url=webhook_server.url)
    user = make_user("inspector", email="wang@example.gov.cn")
    inspectors_week(user)

    result = run_due_reminders(FRIDAY)

    assert len(result.sent) == 1  # the in-app message is there regardless
    assert len(webhook_server.received) == 1
    mail = deliveries("email")[0]
    assert mail.status == DeliveryStatus.retry.value and mail.attempts == 1
    assert "无法连接邮件服务器" in mail.last_error
    assert mail.next_attempt_at == datetime(2021, 3, 5, 1, 1)  # +1 minute, stored as UTC

    # Not yet due: nothing happens.
    assert deliver_pending(FRIDAY + timedelta(seconds=30)) == []
    # The server comes back; the next pass after the backoff delivers it, once.
    from aiosmtpd.controller import Controller

    from .conftest import _Inbox

    handler = _Inbox()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        outcomes = deliver_pending(FRIDAY + timedelta(minutes=2))
        again = deliver_pending(FRIDAY + timedelta(minutes=30))
    finally:
        server.stop()
    assert [o.status for o in outcomes] == ["sent"] and again == []
    assert len(handler.messages) == 1
    db.session.refresh(mail)
    assert mail.status == "sent" and mail.attempts == 2 and mail.last_error == ""
    assert len(webhook_server.received) == 1


def test_webhook_500_is_retried_then_marked_failed_after_the_last_attempt(ctx, webhook_server, app):
    app.config["REMINDER_MAX_ATTEMPTS"] = 3
    webhook_server.status = 500
    configure(webhook_url=webhook_server.url)
    inspectors_week(make_user("inspector"))

    run_due_reminders(FRIDAY)
    hook = deliveries("webhook")[0]
    assert hook.status == "retry" and "HTTP 500" in hook.last_error
    deliver_pending(FRIDAY + timedelta(minutes=2))  # 2nd attempt (after 1 minute)
    db.session.refresh(hook)
    assert hook.status == "retry" and hook.attempts == 2
    deliver_pending(FRIDAY + timedelta(minutes=10))  # 3rd attempt (after 5 more minutes): the last
    db.session.refresh(hook)
    assert hook.status == "failed" and hook.attempts == 3 and hook.next_attempt_at is None
    assert len(webhook_server.received) == 3
    assert deliver_pending(FRIDAY + timedelta(days=1)) == []


def test_user_without_email_gets_a_visible_not_sent_record(ctx, smtp_server):
    configure(smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_sender="jiandu@example.gov.cn")
    user = make_user("unit", email="")
    note = notify(user, "您的意见书已签发", "请签收")
    db.session.commit()
    d = note.deliveries[0]
    assert d.status == "skipped" and "没有填写电子邮箱" in d.last_error
    assert deliver_pending(FRIDAY) == [] and smtp_server.messages == []


def test_one_off_messages_from_other_parts_go_out_by_email_too(ctx, smtp_server):
    configure(smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_sender="jiandu@example.gov.cn")
    user = make_user("unit", email="unit@example.gov.cn")
    notify(user, "行政执法监督意见书已签发：鲁政行监字〔2021〕7号", "请登录系统签收。", link="/letters/7")
    db.session.commit()
    outcomes = deliver_pending()
    assert [o.status for o in outcomes] == ["sent"]
    msg = message_from_bytes(smtp_server.messages[0].original_content, policy=policy.default)
    assert msg["Subject"] == "行政执法监督意见书已签发：鲁政行监字〔2021〕7号"


def test_every_attempt_of_one_webhook_delivery_carries_the_same_idempotency_key(ctx, webhook_server):
    """Delivery is at least once: a receiver drops repeats by the Idempotency-Key header, the same on each retry
    of one delivery and different for another delivery."""
    webhook_server.status = 500
    configure(webhook_url=webhook_server.url)
    inspectors_week(make_user("inspector"), make_user("inspector"))

    run_due_reminders(FRIDAY)  # two deliveries, both answered 500
    webhook_server.status = 200
    deliver_pending(FRIDAY + timedelta(minutes=2))  # both retried and accepted

    assert [d.status for d in deliveries("webhook")] == ["sent", "sent"]
    keys_by_id = {}
    for call in webhook_server.received:
        keys_by_id.setdefault(call["json"]["id"], []).append(call["headers"].get("Idempotency-Key"))
    assert len(keys_by_id) == 2 and all(len(keys) == 2 for keys in keys_by_id.values())
    for keys in keys_by_id.values():
        assert keys[0] and keys[0] == keys[1]
    first, second = (keys[0] for keys in keys_by_id.values())
    assert first != second


def test_a_crash_between_send_and_record_resends_with_the_same_idempotency_key(ctx, webhook_server, monkeypatch):
    from supervision.reminders import jobs

    configure(webhook_url=webhook_server.url)
    inspectors_week(make_user("inspector"))
    real_send = jobs._send

    class Crash(BaseException):
        pass

    def send_then_crash(delivery, settings):
        real_send(delivery, settings)
        raise Crash()  # the process dies after the receiver got it, before the delivery is recorded as sent

    monkeypatch.setattr(jobs, "_send", send_then_crash)
    try:
        run_due_reminders(FRIDAY)
    except Crash:
        db.session.rollback()
    monkeypatch.setattr(jobs, "_send", real_send)
    assert len(webhook_server.received) == 1

    deliver_pending(FRIDAY + timedelta(hours=1))  # the sender's lease has run out: sent again

    assert deliveries("webhook")[0].status == "sent"
    first, again = webhook_server.received
    assert first["json"]["id"] == again["json"]["id"]
    assert first["headers"]["Idempotency-Key"] == again["headers"]["Idempotency-Key"]
