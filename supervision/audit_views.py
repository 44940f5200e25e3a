"""The admin's view of the audit log, with filters."""
from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request

from . import audit
from . import main_access as _access  # noqa: F401  (declares the rule this page names)
from .accounts.models import User
from .audit import AuditEntry
from .extensions import db
from .policy import allows
from .timeutil import TZ
from .web import int_arg, page_arg

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _parse_day(value: str):
    """A day of 2000..2100 written 2021-04-09, or None."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is None or 2000 <= day.year <= 2100 else None


def _utc(d: date) -> datetime:
    """Start of a local (Asia/Shanghai) day as the naive UTC the database stores."""
    from datetime import timezone

    return datetime.combine(d, time.min, tzinfo=TZ).astimezone(timezone.utc).replace(tzinfo=None)


@bp.route("/")
@allows("audit.view_log")
def index():
    args = request.args
    q = db.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    errors = []
    if args.get("user"):
        q = q.where(AuditEntry.username == args["user"])
    if args.get("record_type"):
        q = q.where(AuditEntry.record_type == args["record_type"])
    if int_arg("record_id"):
        q = q.where(AuditEntry.record_id == int_arg("record_id"))
    start, end = _parse_day(args.get("start", "")), _parse_day(args.get("end", ""))
    if args.get("start") and start is None:
        errors.append("起始日期格式不正确，应为 2021-04-09。")
    if args.get("end") and end is None:
        errors.append("截止日期格式不正确，应为 2021-04-09。")
    if start:
        q = q.where(AuditEntry.at >= _utc(start))
    if end:
        q = q.where(AuditEntry.at < _utc(end + timedelta(days=1)))
    page = db.paginate(q, page=page_arg(), per_page=50, error_out=False)
    types = [(t, audit.record_type_label(t)) for (t,) in db.session.query(AuditEntry.record_type).distinct()
             if t]
    types.sort(key=lambda t: (t[1] == audit.UNKNOWN_RECORD_TYPE, t[1]))
    users = [u for (u,) in db.session.query(User.username).order_by(User.username)]
    return render_template("audit/index.html", page=page, types=types, users=users, args=args, errors=errors,
                           changes=audit.changes, record_type_label=audit.record_type_label,
                           action_label=audit.action_label)
