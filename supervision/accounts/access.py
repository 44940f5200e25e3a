"""Who may use what. Every view names its roles; loaders refuse records outside a unit user's unit."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .models import Role

ALL_ROLES = (Role.admin, Role.inspector, Role.unit, Role.leader)
STAFF = (Role.admin, Role.inspector, Role.leader)  # the bureau's own people


def roles_required(*roles):
    """Allow only these roles (Role members or their string values); others get 403, anonymous go to login."""
    allowed = {r.value if isinstance(r, Role) else r for r in roles}

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(allowed)
        return wrapped

    return decorator


def require_unit_access(unit_id: int | None) -> None:
    """A unit user may only touch its own unit's records: 404 otherwise (do not reveal existence)."""
    if current_user.role == Role.unit.value and current_user.unit_id != unit_id:
        abort(404)


def get_or_404_for(model, ident, unit_attr: str = "unit_id"):
    """Load a record by id, 404 if missing or (for unit users) not their unit's."""
    from ..extensions import db

    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    require_unit_access(getattr(obj, unit_attr))
    return obj
