"""Who may do what with accounts: declared once here, asked by the views (policy.allows), the services and the
templates (can). Role checks and the record check shared by all domains live in supervision.policy."""
from ..policy import ALL_ROLES, STAFF, roles_required, rule  # noqa: F401  (re-exported while domains move over)
from ..roles import Role

# One's own account: log out, change one's password.
rule("accounts.own_account", roles=ALL_ROLES)
# The admin's user management: the list, create, edit, reset a password, unlock, (de)activate, unit accounts.
rule("accounts.manage_users", roles=(Role.admin,))


def require_unit_access(unit_id: int | None) -> None:
    """A unit user may only touch its own unit's records: 404 otherwise (do not reveal existence).
    Still used by visits' views until that domain declares its rule (issue #14)."""
    from flask import abort
    from flask_login import current_user

    if current_user.role == Role.unit.value and current_user.unit_id != unit_id:
        abort(404)
