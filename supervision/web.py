"""Request-wide behaviour: sessions, idle timeout, security headers, error pages, template helpers."""
from flask import Flask, flash, g, has_request_context, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from .extensions import db, login_manager
from .timeutil import cn_date, cn_datetime, now

# Endpoints reachable before login or while a password change is pending.
OPEN_ENDPOINTS = {"accounts.login", "static", "accounts.logout", "accounts.change_password"}


def _id_converter(map, *args, max=None, **kwargs):  # noqa: A002 - werkzeug's names
    """<int:…> in a route, at most MAX_ID: a longer number is a 404, not a database error."""
    return IntegerConverter(map, *args, max=MAX_ID if max is None else max, **kwargs)


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@event.listens_for(Session, "before_flush")
def _refuse_writes_on_read(session, _context, _instances) -> None:
    """A page that is only read (GET) never writes: a flush with changes inside one is a bug, refused here
    rather than lost silently when the request's session is discarded."""
    if not has_request_context() or not g.get("read_only_request"):
        return
    changed = session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
    if changed:
        raise RuntimeError(f"{request.method} {request.path} tried to write to the database: reading pages must not write")


def keep_writes() -> None:
    """In a write request that will answer 400 or above: commit what its services flushed all the same (e.g. a
    visit's draft was saved and only its submission was refused, answered 422). Everything else rolls back."""
    g.keep_writes = True


def after_commit(fn) -> None:
    """Run `fn()` once this write request's one commit has succeeded (finish_request_transaction); never when
    the request rolls back. For work that must follow the commit and keeps its own transactions — e.g. sending a
    message at once, whose claim is committed before it leaves. Messages it flashes still reach the next page."""
    g.setdefault("after_commit", []).append(fn)


def init_app(app: Flask) -> None:
    from .textclean import CleanRequest

    app.request_class = CleanRequest  # control characters out of every form field and query value
    app.url_map.converters["int"] = _id_converter  # before the blueprints' routes are added
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    @app.before_request
    def mark_read_only():
        g.read_only_request = request.method in READ_METHODS  # read by _refuse_writes_on_read below

    @app.before_request
    def idle_timeout_and_first_login():
        if request.endpoint == "static":
            return None
        if current_user.is_authenticated:
            stamp = now().timestamp()
            last = session.get("_last_seen")
            limit = app.config["IDLE_TIMEOUT_MINUTES"] * 60
            if last is not None and stamp - last > limit:
                logout_user()
                session.clear()
                flash(f"超过{app.config['IDLE_TIMEOUT_MINUTES']}分钟未操作，已自动退出，请重新登录。", "warning")
                return redirect(url_for("accounts.login", next=request.full_path))
            session["_last_seen"] = stamp
            session.permanent = True
            if current_user.must_change_password and request.endpoint not in OPEN_ENDPOINTS:
                flash("首次登录或密码被重置，请先修改密码。", "warning")
                return redirect(url_for("accounts.change_password"))
        return None

    @app.after_request
    def finish_request_transaction(resp):
        """The one commit of a request: a write request (POST …) that answered below 400 commits what its
        services flushed; one that answered 400 or above rolls back. Services flush, views never commit."""
        if request.method not in READ_METHODS:
            if resp.status_code < 400 or g.get("keep_writes"):
                try:
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    session.pop("_flashes", None)  # no 「已保存」 for what was not saved
                    raise
                for fn in g.pop("after_commit", ()):
                    fn()  # work that must follow the commit (see after_commit); its flashes still reach the page
            else:
                db.session.rollback()
        return resp

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if current_user.is_authenticated and resp.mimetype == "text/html":
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_template("errors/400.html", message="表单已过期或缺少安全令牌（CSRF），请刷新页面后重试。"), 400

    @app.errorhandler(403)
    def forbidden(exc):
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(exc):
        return render_template("errors/404.html"), 404

    @app.errorhandler(413)
    def too_large(exc):
        mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return render_template("errors/400.html", message=f"上传内容过大（整个请求不能超过 {mb} MB）。"), 413

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return render_template("errors/500.html"), 500

    app.jinja_env.filters["cn_date"] = cn_date
    app.jinja_env.filters["cn_datetime"] = cn_datetime
    app.jinja_env.globals["unit_options"] = unit_options
    from .policy import can

    app.jinja_env.globals["can"] = can  # templates ask the same rules as views and services


# (endpoint, label, group). An entry is shown exactly when its view admits the user (policy.view_allows: the
# view's rule in the domain's access.py), so the menu and the routes cannot disagree; missing endpoints are left
# out. Items with a group are shown together in one dropdown.
NAV = [
    ("main.index", "首页", None),
    ("schedule.year", "监督计划", None),
    ("schedule.my_weeks", "我的检查周", None),
    ("visits.index", "监督检查", None),
    ("visits.problems", "问题清单", None),
    ("letters.index", "意见书", None),
    ("letters.unit_inbox", "我的意见书", None),
    ("rectification.ledger", "整改台账", None),
    ("rectification.stats", "整改统计", None),
    ("rectification.self_inspections", "自查", None),
    ("rectification.unit_letters", "整改报送", None),
    ("rectification.my_self_inspection", "自查", None),
    ("casereview.my_index", "案卷报送", None),
    ("casereview.index", "案卷评查", "备案审查"),
    ("referrals.index", "线索移交", "备案审查"),
    ("assessment_daily.index", "日常评价", "年度考核"),
    ("assessment_daily.mine", "日常评价", "年度考核"),
    ("filings.mine", "备案报送", None),
    ("filings.penalties", "重大行政处罚备案", "备案审查"),
    ("filings.normatives", "规范性文件备案", "备案审查"),
    ("filings.stats", "备案统计", "备案审查"),
    ("filings.settings", "备案设置", "备案审查"),
    ("assessment.index", "考核总览", "年度考核"),
    ("assessment.leader", "考核分析", "年度考核"),
    ("assessment.my_years", "考核", None),
    ("directory.units", "受监督单位", "系统管理"),
    ("accounts.users", "用户", "系统管理"),
    ("directory.profile", "机关信息", "系统管理"),
    ("workcal.index", "工作日历", "系统管理"),
    ("reminders.deliveries", "提醒发送", "系统管理"),
    ("audit.index", "审计日志", "系统管理"),
    ("system.status", "系统状态", "系统管理"),
]


def nav_items():
    from flask import current_app

    from .policy import view_allows

    if not current_user.is_authenticated:
        return []
    known = current_app.view_functions
    items = []  # (endpoint, label) or (group label, [(endpoint, label), ...])
    groups = {}
    for ep, label, group in NAV:
        if ep not in known or not view_allows(known[ep], current_user):
            continue
        if group is None:
            items.append((ep, label))
        elif group in groups:
            groups[group].append((ep, label))
        else:
            groups[group] = [(ep, label)]
            items.append((group, groups[group]))
    return items


MAX_ID = 2 ** 63 - 1  # the largest id a database column holds; past it SQLite and PostgreSQL raise, not miss
# The range of each query argument of that name; any other is an id (1..MAX_ID).
ARG_BOUNDS = {"year": (2000, 2100), "page": (1, 100_000)}


def int_value(text, lo: int = 1, hi: int = MAX_ID) -> int | None:
    """`text` as an int in lo..hi, or None when missing, not a number or out of that range."""
    text = (text or "").strip()
    if not text or len(text) > 30:
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if lo <= value <= hi else None


def int_arg(name: str, lo: int | None = None, hi: int | None = None) -> int | None:
    """The query-string argument `name` as an int, or None when missing, not a number or out of range: a year
    2000..2100, a page 1..100000, anything else an id 1..2**63-1 (ARG_BOUNDS; lo/hi say otherwise)."""
    from flask import request

    dlo, dhi = ARG_BOUNDS.get(name, (1, MAX_ID))
    return int_value(request.args.get(name), dlo if lo is None else lo, dhi if hi is None else hi)


def page_arg() -> int:
    """?page= for db.paginate: 1 unless a page number in range is given."""
    return int_arg("page") or 1


def unit_options(units, selected=None):
    """The <option>s of a unit filter (rows with id and name, and `active` if known), `selected` chosen.

    Built here rather than by a template loop: at province scale the list has 3,000 units, and a Jinja loop
    costs ~10 ms a page for it. Names are escaped.
    """
    from markupsafe import Markup, escape

    units = list(units)
    chosen = str(selected) if selected not in (None, "") else None
    marks = units and hasattr(units[0], "active")  # (id, name) rows have no `active`: asked once, not per row
    parts = []
    for u in units:
        uid = str(u.id)
        inactive = "（已停用）" if marks and not u.active else ""
        parts.append(f'<option value="{uid}"{" selected" if uid == chosen else ""}>{escape(u.name)}{inactive}</option>')
    return Markup("".join(parts))
