"""Reading accounts: the admin's users list, the units an account may be bound to, who is locked out."""
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..directory.models import Unit
from ..extensions import db
from ..timeutil import utcnow
from .models import LoginThrottle, User


def users_query(role: str = "", q: str = ""):
    """The accounts (by role, then name), optionally of one role and matching `q` in name, display name or unit."""
    stmt = (select(User).options(joinedload(User.office), joinedload(User.unit))
            .order_by(User.role, User.username))
    if role:
        stmt = stmt.where(User.role == role)
    if q:
        stmt = stmt.where(or_(User.username.icontains(q, autoescape=True),
                              User.display_name.icontains(q, autoescape=True),
                              User.unit.has(Unit.name.icontains(q, autoescape=True))))
    return stmt


def unit_rows(current_unit_id: int | None = None) -> list:
    """(id, name（kind）, active) of the units an account may be bound to: the active ones, and the account's own
    unit even if it has been deactivated since. Light rows: a province has 3,000 units."""
    shown = Unit.active.is_(True)
    if current_unit_id:
        shown = or_(shown, Unit.id == current_unit_id)
    return db.session.execute(select(Unit.id, (Unit.name + "（" + Unit.kind + "）").label("name"), Unit.active)
                              .where(shown).order_by(Unit.kind, Unit.name)).all()


def locked_usernames(names) -> set[str]:
    """Which of these usernames are locked now (lower-case), for the users list."""
    keys = ["user:" + n.lower() for n in names]
    if not keys:
        return set()
    rows = db.session.execute(select(LoginThrottle.key).where(LoginThrottle.key.in_(keys),
                                                              LoginThrottle.locked_until > utcnow()))
    return {k[len("user:"):] for (k,) in rows}
