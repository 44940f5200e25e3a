"""The bell's inbox for every user; the admin's page of deliveries (with a test message) and the settings."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..policy import allows, require
from ..web import after_commit, page_arg
from . import access as _access  # noqa: F401  (declares the rules these routes name)
from . import labels as _labels  # noqa: F401  (this part's audit labels, registered with the blueprint)
from . import jobs, operations, queries
from .forms import SettingsForm
from .models import Delivery, DeliveryStatus, Notification
from .rules import rule_label

bp = Blueprint("reminders", __name__, url_prefix="/inbox")


def _own_or_404(note_id: int) -> Notification:
    note = db.session.get(Notification, note_id) or abort(404)
    require("reminders.read", note)  # someone else's message: 404, as one that does not exist
    return note


@bp.route("/")
@allows("reminders.inbox")
def inbox():
    unread_only = request.args.get("unread") == "1"
    page = queries.inbox_page(current_user, unread_only, page=page_arg(), per_page=30)
    return render_template("reminders/inbox.html", page=page, unread_only=unread_only,
                           unread=queries.unread_count(current_user), rule_label=rule_label)


@bp.route("/<int:note_id>/open", methods=["POST"])
@allows("reminders.inbox")
def open_note(note_id):
    note = _own_or_404(note_id)
    operations.mark_read(note)
    return redirect(queries.safe_link(note.link) or url_for(".inbox"))


@bp.route("/<int:note_id>/read", methods=["POST"])
@allows("reminders.inbox")
def mark_read(note_id):
    note = _own_or_404(note_id)
    operations.mark_read(note)
    return redirect(url_for(".inbox", unread=request.form.get("unread") or None))


@bp.route("/read-all", methods=["POST"])
@allows("reminders.inbox")
def mark_all_read():
    n = operations.mark_all_read(current_user)
    flash(f"已将 {n} 条消息标为已读。" if n else "没有未读消息。", "success" if n else "info")
    return redirect(url_for(".inbox"))


# ----------------------------------------------------------------------------------------------- admin

@bp.route("/deliveries")
@allows("reminders.manage")
def deliveries():
    failures_only = request.args.get("failed") == "1"
    return render_template(
        "reminders/deliveries.html", deliveries=queries.recent_deliveries(failures_only), failures_only=failures_only,
        skips=queries.recent_skips(), settings=queries.get_settings(), counts=queries.delivery_counts(),
        sent_days=queries.SENT_COUNT_DAYS, scheduler=queries.scheduler_state(), statuses=DeliveryStatus,
        rule_label=rule_label,
    )


def _send_after_commit(ids: list[int], prefix: str, none_message: str | None = None) -> None:
    """Once the request has committed: send these deliveries at once (the delivery pass's own transactions) and
    say how each went."""
    def send():
        outcomes = jobs.deliver_pending(ids=ids) if ids else []
        if not outcomes and none_message:
            flash(none_message, "info")
        for o in outcomes:
            flash(f"{prefix}{o.line.strip()}", "success" if o.status == DeliveryStatus.sent.value else "danger")

    after_commit(send)


@bp.route("/deliveries/test", methods=["POST"])
@allows("reminders.manage")
def send_test():
    note = operations.queue_test_message(current_user)
    _send_after_commit([d.id for d in note.deliveries], "测试消息",
                       "测试消息已放入您的站内消息。尚未配置邮件或消息推送，所以没有外发。")
    return redirect(url_for(".deliveries"))


@bp.route("/deliveries/<int:delivery_id>/retry", methods=["POST"])
@allows("reminders.manage")
def retry(delivery_id):
    delivery = db.session.get(Delivery, delivery_id) or abort(404)
    try:
        operations.retry_delivery(delivery, current_user)
    except ValueError as exc:
        flash(str(exc), "warning")
        return redirect(url_for(".deliveries"))
    _send_after_commit([delivery_id], "重新发送")
    return redirect(url_for(".deliveries"))


@bp.route("/settings", methods=["GET", "POST"])
@allows("reminders.manage")
def settings():
    form = SettingsForm()
    current = queries.get_settings()
    errors = {}
    if request.method == "POST" and form.validate_on_submit():
        try:
            operations.save_settings(form.values(), current_user)
            flash("提醒设置已保存。", "success")
            return redirect(url_for(".settings"))
        except operations.SettingsInvalid as exc:
            db.session.rollback()
            errors = exc.errors
            for name, message in errors.items():
                if name in form:
                    form[name].errors = [*form[name].errors, message]
    elif request.method == "GET":
        form.fill(current)
    return render_template("reminders/settings.html", form=form, errors=errors, settings=current), \
        (400 if errors else 200)
