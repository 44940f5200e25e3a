"""The login check and its throttling (the login form's service). Unlike the other writes, the counters keep
their own transactions: a password check is counted and committed *before* it runs, so parallel guesses see each
other's count, and a refused or failed attempt stays counted whatever the request answers."""
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, case, or_, select, update
from werkzeug.security import generate_password_hash

from ..audit import record
from ..extensions import db
from ..timeutil import utcnow
from .models import LoginThrottle, User, verify_password

# # An account locks after LOGIN_MAX_FAILURES failures within LOGIN_LOCK_MINUTES, for LOGIN_LOCK_MINUTES. Each
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
