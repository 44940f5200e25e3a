"""The bell's inbox for every user; the admin's page of deliveries (with a test message) and the settings."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.access import ALL_ROLES, roles_required
from ..accounts.models import Role
from ..extensions import db
from . import labels as _labels  # noqa: F401  (this part's audit labels, registered with the blueprint)
from . import service
from .forms import SettingsForm
from .models import Delivery, DeliveryStatus
from .rules import rule_label
from ..web import page_arg

bp = Blueprint("reminders", __name__, url_prefix="/inbox")


def _own_or_404(note_id: int):
    note = service.get_notification_for(current_user, note_id)
    if note is None:
        abort(404)
    return note


@bp.route("/")
@roles_required(*ALL_ROLES)
def inbox():
    unread_only = request.args.get("unread") == "1"
    page = service.inbox_page(current_user, unread_only, page=page_arg(), per_page=30)
    return render_template("reminders/inbox.html", page=page, unread_only=unread_only,
                           unread=service.unread_count(current_user), rule_label=rule_label)


@bp.route("/<int:note_id>/open", methods=["POST"])
@roles_required(*ALL_ROLES)
def open_note(note_id):
    note = _own_or_404(note_id)
    service.mark_read(note)
    db.session.commit()
    return redirect(service.safe_link(note.link) or url_for(".inbox"))


@bp.route("/<int:note_id>/read", methods=["POST"])
@roles_required(*ALL_ROLES)
def mark_read(note_id):
    note = _own_or_404(note_id)
    service.mark_read(note)
    db.session.commit()
    return redirect(url_for(".inbox", unread=request.form.get("unread") or None))


@bp.route("/read-all", methods=["POST"])
@roles_required(*ALL_ROLES)
def mark_all_read():
    n = service.mark_all_read(current_user)
    db.session.commit()
    flash(f"已将 {n} 条消息标为已读。" if n else "没有未读消息。", "success" if n else "info")
    return redirect(url_for(".inbox"))


# ----------------------------------------------------------------------------------------------- admin

@bp.route("/deliveries")
@roles_required(Role.admin)
def deliveries():
    failures_only = request.args.get("failed") == "1"
    return render_template(
        "reminders/deliveries.html", deliveries=service.recent_deliveries(failures_only), failures_only=failures_only,
        skips=service.recent_skips(), settings=service.get_settings(), counts=service.delivery_counts(),
        sent_days=service.SENT_COUNT_DAYS, scheduler=service.scheduler_state(), statuses=DeliveryStatus, rule_label=rule_label,
    )


@bp.route("/deliveries/test", methods=["POST"])
@roles_required(Role.admin)
def send_test():
    _note, outcomes = service.send_test_message(current_user)
    if not outcomes:
        flash("测试消息已放入您的站内消息。尚未配置邮件或消息推送，所以没有外发。", "info")
    for o in outcomes:
        ok = o.status == DeliveryStatus.sent.value
        flash(f"测试消息{o.line.strip()}", "success" if ok else "danger")
    return redirect(url_for(".deliveries"))


@bp.route("/deliveries/<int:delivery_id>/retry", methods=["POST"])
@roles_required(Role.admin)
def retry(delivery_id):
    delivery = db.session.get(Delivery, delivery_id) or abort(404)
    try:
        service.retry_delivery(delivery, current_user)
    except ValueError as exc:
        flash(str(exc), "warning")
        return redirect(url_for(".deliveries"))
    db.session.commit()
    outcomes = service.deliver_pending(ids=[delivery_id])
    for o in outcomes:
        flash(f"重新发送{o.line.strip()}", "success" if o.status == DeliveryStatus.sent.value else "danger")
    return redirect(url_for(".deliveries"))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.admin)
def settings():
    form = SettingsForm()
    current = service.get_settings()
    errors = {}
    if request.method == "POST" and form.validate_on_submit():
        try:
            service.save_settings(form.values(), current_user)
            db.session.commit()
            flash("提醒设置已保存。", "success")
            return redirect(url_for(".settings"))
        except service.SettingsInvalid as exc:
            db.session.rollback()
            errors = exc.errors
            for name, message in errors.items():
                if name in form:
                    form[name].errors = [*form[name].errors, message]
    elif request.method == "GET":
        form.fill(current)
    return render_template("reminders/settings.html", form=form, errors=errors, settings=current), \
        (400 if errors else 200)
