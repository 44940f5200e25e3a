"""Rules for accounts: password policy, creation, throttling, resets."""
import re
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

from blinker import Namespace
from flask import current_app
from sqlalchemy import and_, case, or_, select, update
from werkzeug.security import generate_password_hash

from ..audit import record
from ..directory.models import Office, Unit
from ..extensions import db
from ..timeutil import utcnow
from .models import LoginThrottle, Role, User, verify_password

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


# Sent when a user's standing secrets must stop working (password reset, deactivation), in the caller's transaction,
# with the reason in words: the schedule revokes the calendar feed address on it (accounts never imports upward).
credentials_revoked = Namespace().signal("credentials_revoked")


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


# --- login: throttling, audit ----------------------------------------------------------------------------
#
# An account locks after LOGIN_MAX_FAILURES failures within LOGIN_LOCK_MINUTES, for LOGIN_LOCK_MINUTES. Each
# password check is counted *before* it runs, by one conditional UPDATE committed on its own, so a burst of
# parallel guesses gets at most LOGIN_MAX_FAILURES checks. A client address is never locked (behind a proxy
# or a NAT a whole office shares one): after LOGIN_ADDRESS_FREE_FAILURES failures its failed attempts are
# answered more and more slowly (failure_delay), a correct password is never delayed or refused.

ANONYMOUS = "（未登录）"


@dataclass
class LoginResult:
    status: str  # "ok", "inactive", "failed", "locked"
    user: User | None = None
    minutes: int = 0  # locked: minutes until the account may try again
    delay: float = 0.0  # failed: seconds to wait before answering


def _dummy_hash() -> str:
    """A hash of a random password made with the configured method: an unknown name costs one check too."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASHES[method]


_DUMMY_HASHES: dict[str, str] = {}


def failure_delay(failures: int) -> float:
    """Seconds to hold a failed login's answer, given the address's failures in the window (this one included).

    None up to LOGIN_ADDRESS_FREE_FAILURES; then LOGIN_ADDRESS_DELAY_SECONDS, doubling with each further
    failure, at most LOGIN_ADDRESS_DELAY_MAX_SECONDS.
    """
    cfg = current_app.config
    free = cfg["LOGIN_ADDRESS_FREE_FAILURES"]
    base = float(cfg["LOGIN_ADDRESS_DELAY_SECONDS"])
    cap = float(cfg["LOGIN_ADDRESS_DELAY_MAX_SECONDS"])
    if failures <= free or base <= 0:
        return 0.0
    return min(cap, base * 2 ** min(failures - free - 1, 30))


def _upsert(key: str) -> None:
    """The counter row for this key, created if missing (INSERT ... ON CONFLICT DO NOTHING: no race)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(LoginThrottle).values(key=key, attempts=0, window_start=utcnow(), locked_until=None)
                       .on_conflict_do_nothing(index_elements=["key"]))


def _audit_login(action: str, tried: str, user: User | None, summary: str, minutes: int | None = None):
    """An audit entry of the login form: the name tried (never the password) and the client's address."""
    after = {"username": tried}
    if minutes is not None:
        after["minutes"] = minutes
    entry = record(action, record_type="user_account", record_id=user.id if user else None, summary=summary,
                   after=after)
    if action != "unlock":  # an expired lock ends by itself: the entry stays the system's
        entry.user_id, entry.username = None, ANONYMOUS
    return entry


def _admit(key: str, tried: str, user: User | None) -> int:
    """Count one password check for this account name before it runs. 0 = go ahead; else the lock's minutes.

    Committed at once: parallel requests see each other's count (PostgreSQL re-reads the row a concurrent
    UPDATE changed; SQLite runs one writer at a time).
    """
    cfg = current_app.config
    limit, lock = cfg["LOGIN_MAX_FAILURES"], timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    now = utcnow()
    cutoff = now - lock
    T = LoginThrottle
    _upsert(key)
    # A lock that has run out (or a count left by checks that never finished) ends here, once.
    ended = db.session.execute(
        update(T).where(T.key == key, T.attempts >= limit,
                        or_(T.locked_until <= now, and_(T.locked_until.is_(None), T.window_start < cutoff)))
        .values(attempts=0, window_start=now, locked_until=None).returning(T.key)).first()
    if ended is not None:
        _audit_login("unlock", tried, user, f"账号“{tried}”的登录锁定期满，自动解除")
    stale = T.window_start < cutoff
    admitted = db.session.execute(
        update(T).where(T.key == key, T.attempts < limit)
        .values(attempts=case((stale, 1), else_=T.attempts + 1), window_start=case((stale, now), else_=T.window_start))
        .returning(T.attempts)).first()
    minutes = 0
    if admitted is None:
        until = db.session.execute(select(T.locked_until).where(T.key == key)).scalar()
        remaining = (until or now + lock) - now
        minutes = max(1, int(remaining.total_seconds() // 60) + 1)
        _audit_login("login_refused", tried, user, f"账号“{tried}”已锁定，拒绝登录（未核对密码）", minutes)
    db.session.commit()
    return minutes


def _note_failure(key: str, address: str, tried: str, user: User | None) -> float:
    """A wrong password: lock the account if this was its last allowed check; count the address's failure.
    Returns the delay for the answer. The caller commits."""
    cfg = current_app.config
    limit, lock = cfg["LOGIN_MAX_FAILURES"], timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    now = utcnow()
    T = LoginThrottle
    _audit_login("login_failed", tried, user, f"登录失败：用户名“{tried}”，密码错误或无此账号")
    locked = db.session.execute(
        update(T).where(T.key == key, T.attempts >= limit, T.locked_until.is_(None))
        .values(locked_until=now + lock).returning(T.key)).first()
    if locked is not None:
        _audit_login("lock", tried, user, f"账号“{tried}”连续{limit}次登录失败，锁定{cfg['LOGIN_LOCK_MINUTES']}分钟",
                     cfg["LOGIN_LOCK_MINUTES"])
    akey = "addr:" + address[:100]
    _upsert(akey)
    stale = T.window_start < now - lock
    failures = db.session.execute(
        update(T).where(T.key == akey)
        .values(attempts=case((stale, 1), else_=T.attempts + 1), window_start=case((stale, now), else_=T.window_start))
        .returning(T.attempts)).scalar_one()
    return failure_delay(failures)


def _release(key: str) -> None:
    """The password was right: the account's count starts again."""
    db.session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                       .values(attempts=0, window_start=utcnow(), locked_until=None))


def authenticate(username: str, password: str, address: str) -> LoginResult:
    """Check a login. Exactly one password verification for a known or unknown name, none for a locked one.

    Commits the counters and audit entries of a refused or failed attempt; on success the caller logs the user
    in and commits (the count's reset goes with the login's audit entry).
    """
    tried = (username or "").strip()[:50]
    key = "user:" + tried.lower()
    db.session.commit()  # the counter's UPDATE starts a transaction of its own
    user = db.session.query(User).filter(db.func.lower(User.username) == tried.lower()).first()
    minutes = _admit(key, tried, user)
    if minutes:
        return LoginResult("locked", user=user, minutes=minutes)
    if user is None:
        verify_password(_dummy_hash(), password)
        ok = False
    else:
        ok = user.check_password(password)
    if not ok:
        delay = _note_failure(key, address, tried, user)
        db.session.commit()
        return LoginResult("failed", user=user, delay=delay)
    _release(key)
    if not user.active:
        db.session.commit()
        return LoginResult("inactive", user=user)
    return LoginResult("ok", user=user)


def unlock_account(user: User) -> bool:
    """The admin ends an account's login lock (also done by a password reset). True if it was locked."""
    T = LoginThrottle
    done = db.session.execute(update(T).where(T.key == "user:" + user.username.lower(), T.locked_until.isnot(None))
                              .values(attempts=0, window_start=utcnow(), locked_until=None).returning(T.key)).first()
    if done is not None:
        record("unlock", user, summary=f"解除账号 {user.username} 的登录锁定")
    return done is not None


def locked_usernames(names) -> set[str]:
    """Which of these usernames are locked now (lower-case), for the users list."""
    keys = ["user:" + n.lower() for n in names]
    if not keys:
        return set()
    rows = db.session.execute(select(LoginThrottle.key).where(LoginThrottle.key.in_(keys),
                                                              LoginThrottle.locked_until > utcnow()))
    return {k[len("user:"):] for (k,) in rows}
