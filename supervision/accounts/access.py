"""Who may manage accounts. Role checks and the record check shared by all domains live in supervision.policy."""
from ..policy import ALL_ROLES, STAFF, roles_required, rule  # noqa: F401  (re-exported while domains move over)
from ..roles import Role


def require_unit_access(unit_id: int | None) -> None:
    """A unit user may only touch its own unit's records: 404 otherwise (do not reveal existence)."""
    from flask import abort
    from flask_login import current_user

    if current_user.role == Role.unit.value and current_user.unit_id != unit_id:
        abort(404)
