"""Changing accounts: the admin's user management and one's own password. Each runs in the caller's
transaction and flushes; the request commits. Audited."""
import re
import secrets
import string

from sqlalchemy import update

from ..audit import record
from ..directory.models import Office, Unit
from ..extensions import db
from ..timeutil import utcnow
from .models import LoginThrottle, Role, User
from .signals import credentials_revoked

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,50}$")
USER_FIELDS = ("username", "display_name", "role", "office_id", "unit_id", "email", "active", "must_change_password")


class AccountError(ValueError):
    """An account rule was broken; the message is for the user."""


def check_password_policy(password: str) -> None:
    """At least 8 characters mixing letters and digits (等保2.0 basics)."""
    if len(password) < 8:
        raise AccountError("密码至少8位。")
    if len(password) > 128:
        raise AccountError("密码不能超过128位。")
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise AccountError("密码须同时包含字母和数字。")


def generate_password() -> str:
    """A random initial password that satisfies the policy and avoids look-alike characters."""
    letters = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    digits = "23456789"
    while True:
        pw = "".join(secrets.choice(letters + digits) for _ in range(10))
        if any(c in string.ascii_letters for c in pw) and any(c.isdigit() for c in pw):
            return pw


def _resolve(role: str, unit_name=None, office_name=None, unit_id=None, office_id=None):
    if role not in {r.value for r in Role}:
        raise AccountError(f"未知角色“{role}”。")
    unit = office = None
    if role == Role.unit.value:
        if unit_id:
            unit = db.session.get(Unit, unit_id)
        elif unit_name:
            unit = db.session.query(Unit).filter_by(name=unit_name.strip()).first()
        if unit is None and not (unit_id or (unit_name or "").strip()):
            raise AccountError("受监督单位账号必须绑定一个单位，请输入单位名称。")
        if unit is None:
            raise AccountError(f"受监督单位账号必须绑定一个单位；未找到单位“{unit_name or unit_id}”。")
        if not unit.active:
            raise AccountError(f"单位“{unit.name}”已停用，不能为其创建账号。")
    if role == Role.inspector.value:
        if office_id:
            office = db.session.get(Office, office_id)
        elif office_name:
            office = db.session.query(Office).filter_by(name=office_name.strip()).first()
        if office is None:
            raise AccountError(f"检查组成员必须属于一个科室；未找到科室“{office_name or office_id or ''}”。")
    return unit, office


def create_user(*, username: str, role: str, password: str, display_name: str = "", email: str = "",
                unit_name=None, office_name=None, unit_id=None, office_id=None, must_change: bool = True) -> User:
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise AccountError("用户名须为3–50位字母、数字、下划线、点或短横线。")
    if db.session.query(User).filter(db.func.lower(User.username) == username.lower()).first():
        raise AccountError(f"用户名“{username}”已存在。")
    check_password_policy(password)
    unit, office = _resolve(role, unit_name, office_name, unit_id, office_id)
    user = User(username=username, display_name=(display_name or "").strip(), role=role, email=(email or "").strip(),
                unit_id=unit.id if unit else None, office_id=office.id if office else None,
                must_change_password=must_change, active=True)
    user.set_password(password)
    db.session.add(user)
    record("create", user, summary=f"创建用户 {username}（{user.role_label}）",
           after={f: getattr(user, f) for f in USER_FIELDS})
    return user


def update_user(user: User, *, display_name: str, email: str, role: str, unit_id=None, office_id=None) -> User:
    before = {f: getattr(user, f) for f in USER_FIELDS}
    unit, office = _resolve(role, unit_id=unit_id, office_id=office_id)
    user.display_name = display_name.strip()
    user.email = email.strip()
    user.role = role
    user.unit_id = unit.id if unit else None
    user.office_id = office.id if office else None
    record("update", user, summary=f"修改用户 {user.username}", before=before,
           after={f: getattr(user, f) for f in USER_FIELDS})
    return user


def change_own_password(user: User, old: str, new: str) -> None:
    if not user.check_password(old):
        raise AccountError("原密码不正确。")
    if old == new:
        raise AccountError("新密码不能与原密码相同。")
    check_password_policy(new)
    user.set_password(new)
    user.must_change_password = False
    user.session_version += 1
    record("change_password", user, summary=f"{user.username} 修改了自己的密码")


def reset_password(user: User) -> str:
    """Admin reset: a new random password the user must change at first login."""
    pw = generate_password()
    user.set_password(pw)
    user.must_change_password = True
    user.session_version += 1
    record("reset_password", user, summary=f"重置用户 {user.username} 的密码")
    unlock_account(user)
    _revoke_feed(user, "密码被重置")
    return pw


def _revoke_feed(user: User, why: str) -> None:
    credentials_revoked.send(user, why=why)


def set_user_active(user: User, active: bool, acting: User) -> None:
    if user.id == acting.id and not active:
        raise AccountError("不能停用自己的账号。")
    if user.active == active:
        return
    user.active = active
    user.session_version += 1
    if not active:  # for good: enabling the account again does not bring the old address back
        _revoke_feed(user, "账号被停用")
    record("activate" if active else "deactivate", user,
           summary=f"{'启用' if active else '停用'}用户 {user.username}", before={"active": not active}, after={"active": active})


def create_unit_accounts() -> list[tuple[User, str]]:
    """One account for every active unit that has none; returns (user, initial password) pairs."""
    have = {uid for (uid,) in db.session.query(User.unit_id).filter(User.unit_id.isnot(None))}
    created = []
    units = db.session.query(Unit).filter_by(active=True).order_by(Unit.kind, Unit.id).all()
    taken = {u.lower() for (u,) in db.session.query(User.username)}
    for unit in units:
        if unit.id in have:
            continue
        base = f"unit{unit.id:03d}"
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name.lower())
        pw = generate_password()
        user = create_user(username=name, role="unit", password=pw, display_name=unit.contact_person or unit.name,
                           unit_id=unit.id, email=unit.email, must_change=True)
        created.append((user, pw))
    return created


def unlock_account(user: User) -> bool:
    """The admin ends an account's login lock (also done by a password reset). True if it was locked."""
    T = LoginThrottle
    done = db.session.execute(update(T).where(T.key == "user:" + user.username.lower(), T.locked_until.isnot(None))
                              .values(attempts=0, window_start=utcnow(), locked_until=None).returning(T.key)).first()
    if done is not None:
        record("unlock", user, summary=f"解除账号 {user.username} 的登录锁定")
    return done is not None
