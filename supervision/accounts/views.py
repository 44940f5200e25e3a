"""Login, logout, password, and the admin's user management."""
import time
from io import BytesIO
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user, login_user, logout_user

from ..audit import record
from ..directory.models import Unit
from ..directory.queries import offices
from ..extensions import db
from ..timeutil import now, utcnow
from ..web import int_arg, page_arg
from . import login as login_check
from . import operations, queries
from ..policy import allows
from . import access as _access  # noqa: F401  (declares the rules these routes name)
from .forms import ChangePasswordForm, LoginForm, UserForm
from .models import Role, User

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Open to everyone."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = login_check.authenticate(form.username.data, form.password.data, request.remote_addr or "")
        if result.status == "locked":
            flash(f"该账号登录失败次数过多，已被暂时锁定，请 {result.minutes} 分钟后再试，或请监督室解除锁定。", "danger")
            return render_template("accounts/login.html", form=form), 429
        if result.status == "failed":
            if result.delay:
                time.sleep(result.delay)  # only failed attempts wait (login_check.failure_delay)
            flash("用户名或密码错误。", "danger")
            return render_template("accounts/login.html", form=form), 200
        if result.status == "inactive":
            flash("该账号已停用，请联系监督室。", "danger")
            return render_template("accounts/login.html", form=form), 200
        user = result.user
        user.last_login_at = utcnow()
        # A new session on login: nothing set before login (session fixation) survives.
        session.clear()
        login_user(user)
        session["_last_seen"] = now().timestamp()
        session.permanent = True
        record("login", user, summary=f"{user.username} 登录", user=user)
        if user.must_change_password:
            flash("首次登录或密码被重置，请先修改密码。", "warning")
            return redirect(url_for("accounts.change_password"))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allows("accounts.own_account")
def logout():
    user = current_user._get_current_object()
    # Invalidate every copy of this session cookie, not only this browser's.
    user.session_version += 1
    record("logout", user, summary=f"{user.username} 退出登录", user=user)
    logout_user()
    session.clear()
    flash("已退出登录。", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allows("accounts.own_account")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            operations.change_own_password(user, form.old_password.data, form.new_password.data)
        except operations.AccountError as exc:
            db.session.rollback()  # re-rendered with 200: nothing half-done may be committed after it
            form.new_password.errors.append(str(exc))
        else:
            login_user(user)  # the session version changed: re-issue this browser's session
            flash("密码已修改。", "success")
            return redirect(url_for("main.index"))
    return render_template("accounts/change_password.html", form=form)


# --- admin: users ----------------------------------------------------------------------------------------

USERS_PER_PAGE = 50


def _fill_choices(form: UserForm, current_unit_id: int | None = None) -> list:
    """Office choices for the form; the unit dropdown's rows (id, name, active) for unit_options.

    The units (3,000 at province scale) are rendered by unit_options from light rows, not as WTForms choices:
    the active ones, and the user's own unit even if it has been deactivated since.
    """
    form.office_id.choices = [(0, "（无）")] + [(o.id, o.name) for o in offices()]
    form.unit_id.choices = [(0, "（无）")]  # validate_choice=False: the options come from unit_rows
    return queries.unit_rows(current_unit_id)


def _paginate(stmt, per_page: int):
    """db.paginate on ?page=; a page past the end shows the last page rather than an empty list."""
    page = db.paginate(stmt, page=page_arg(), per_page=per_page, max_per_page=per_page,
                       error_out=False)
    if not page.items and page.page > 1 and page.total:
        page = db.paginate(stmt, page=page.pages, per_page=per_page, max_per_page=per_page, error_out=False)
    return page


@bp.route("/users")
@allows("accounts.manage_users")
def users():
    """The accounts, 50 a page: a province has ~3,000 (one per unit). Filter by role, search by name."""
    role = request.args.get("role", "")
    q = request.args.get("q", "").strip()[:50]
    page = _paginate(queries.users_query(role, q), USERS_PER_PAGE)
    args = {k: v for k, v in (("role", role), ("q", q)) if v}
    back = {**args, "page": page.page} if page.page > 1 else args  # the actions return to this page
    locked = queries.locked_usernames([u.username for u in page.items])
    return render_template("accounts/users.html", page=page, users=page.items, role=role, q=q, args=args,
                           back=back, roles=Role, locked=locked)


def _back_to_users():
    """The list the admin acted from (its role filter, search and page ride on the action's address)."""
    args = {k: request.args[k] for k in ("role", "q") if request.args.get(k)}
    page = int_arg("page")
    if page and page > 1:
        args["page"] = page
    return redirect(url_for("accounts.users", **args))


@bp.route("/users/new", methods=["GET", "POST"])
@allows("accounts.manage_users")
def user_new():
    form = UserForm()
    unit_rows = _fill_choices(form)
    if form.validate_on_submit():
        typed = bool(form.password.data)
        password = form.password.data or operations.generate_password()
        try:
            user = operations.create_user(username=form.username.data, role=form.role.data, password=password,
                                       display_name=form.display_name.data or "", email=form.email.data or "",
                                       unit_id=form.unit_id.data or None, office_id=form.office_id.data or None,
                                       must_change=True)
        except operations.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            if typed:  # the admin chose it: nothing to show
                flash(f"已创建用户 {user.username}（首次登录须修改密码）。", "success")
                return redirect(url_for("accounts.users"))
            return _password_once(user, password, "已创建用户", url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=None, unit_rows=unit_rows)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@allows("accounts.manage_users")
def user_edit(user_id):
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(obj=user)
    unit_rows = _fill_choices(form, user.unit_id)
    if request.method == "GET":
        form.office_id.data = user.office_id or 0
        form.unit_id.data = user.unit_id or 0
    form.username.data = user.username  # not editable
    if form.validate_on_submit():
        try:
            operations.update_user(user, display_name=form.display_name.data or "", email=form.email.data or "",
                                role=form.role.data, unit_id=form.unit_id.data or None,
                                office_id=form.office_id.data or None)
        except operations.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash("已保存。", "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=user, unit_rows=unit_rows)


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@allows("accounts.manage_users")
def user_reset_password(user_id):
    user = db.session.get(User, user_id) or abort(404)
    pw = operations.reset_password(user)
    return _password_once(user, pw, "已重置密码", _back_to_users().location)


def _password_once(user: User, password: str, title: str, back: str):
    """The new password on this page only: never in a flash message (those ride in the session cookie) and
    never cached by the browser."""
    resp = make_response(render_template("accounts/password_once.html", user=user, password=password, title=title,
                                         back=back))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@allows("accounts.manage_users")
def user_unlock(user_id):
    user = db.session.get(User, user_id) or abort(404)
    if operations.unlock_account(user):
        flash(f"已解除 {user.username} 的登录锁定。", "success")
    else:
        flash(f"{user.username} 当前没有被锁定。", "info")
    return _back_to_users()


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allows("accounts.manage_users")
def user_set_active(user_id):
    user = db.session.get(User, user_id) or abort(404)
    active = request.form.get("active") == "1"
    try:
        operations.set_user_active(user, active, current_user)
    except operations.AccountError as exc:
        db.session.rollback()  # a redirect (< 400) would commit what the service flushed before refusing
        flash(str(exc), "danger")
    else:
        flash(f"已{'启用' if active else '停用'}用户 {user.username}。", "success")
    return _back_to_users()


@bp.route("/users/unit-accounts", methods=["POST"])
@allows("accounts.manage_users")
def unit_accounts():
    """Create one account for every active unit without one; download the initial passwords (.xlsx)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..spreadsheet import neutralise

    created = operations.create_unit_accounts()
    if not created:
        flash("所有启用的单位都已有账号，无需新建。", "info")
        return redirect(url_for("accounts.users"))
    wb = Workbook()
    ws = wb.active
    ws.title = "单位账号"
    ws.append(["受监督单位账号初始密码（首次登录须修改，请妥善分发）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["序号", "单位名称", "类别", "用户名", "初始密码"])
    for i, (user, pw) in enumerate(created, 1):
        ws.append([neutralise(v) for v in (i, user.unit.name, user.unit.kind, user.username, pw)])
    for col, width in zip("ABCDE", (6, 36, 8, 14, 14)):
        ws.column_dimensions[col].width = width
    buf = BytesIO()
    wb.save(buf)
    buf.seek(0)
    current_app.logger.info("created %d unit accounts", len(created))
    return send_file(buf, as_attachment=True, download_name=f"单位账号初始密码-{now():%Y%m%d%H%M}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
